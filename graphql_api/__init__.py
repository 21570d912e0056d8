"""The GraphQL API: one sub-package per domain, combined in ``api.py``. Nothing imports it back."""
