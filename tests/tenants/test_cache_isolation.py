"""Cache entries carry the schema they were written from: one principal never reads another's."""

from django.core.cache import cache
from django_tenants.utils import schema_context


def test_same_key_in_two_principals_holds_two_values(tenants):
    with schema_context("principal_a"):
        cache.set("dashboard:totals", {"charged": "100.00"})
    with schema_context("principal_b"):
        assert cache.get("dashboard:totals") is None
        cache.set("dashboard:totals", {"charged": "7.00"})
    with schema_context("principal_a"):
        assert cache.get("dashboard:totals") == {"charged": "100.00"}
    with schema_context("public"):
        assert cache.get("dashboard:totals") is None
