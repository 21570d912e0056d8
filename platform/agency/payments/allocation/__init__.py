"""Splitting received money among the principals and services of the document it pays: the matched payments
set-based (``bulk``; its row-by-row oracle is in tests/payments/allocation_oracle.py), and taking an allocation back
when the money is refunded (``reversal``)."""
