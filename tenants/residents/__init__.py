"""The resident's cabinet: which households a resident may see, and what they may do there.

Crosses principals' schemas on purpose (a household's meters belong to several principals),
always starting from the resident's own verified links.
"""
