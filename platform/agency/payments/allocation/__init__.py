"""Splitting received money among the principals and services of the document it pays: one payment
(``payment``), every matched payment of a day set-based (``bulk``), and taking an allocation back when the money
is refunded (``reversal``)."""
