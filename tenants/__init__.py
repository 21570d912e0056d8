"""Principals as tenants: the tenant model, domains, agency contracts, provisioning.

Sub-packages hold the apps whose tables live in each principal's own schema.
"""
