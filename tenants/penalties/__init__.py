"""Penalties (ЖК РФ ст.155 ч.14) of a principal's accounts: the statement and the accrual into a draft period.

Above billing and receipts: a penalty is owed on charges (billing) less what was received (receipts).
"""
