"""Dated legal rules shared by every principal: key rates, penalty caps and moratoria, payment deadlines.

Stored as rows with ``valid_from`` so an operator records a new Bank of Russia decision
without a release; seeded from ``billing_core.rules``, each row with its source and confidence.
"""
