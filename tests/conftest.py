"""Test setup: a real PostgreSQL, tenant schemas created once per session.

The session creates the template schema and two principals (A and B) with their
domains and commits them; every test then runs in a transaction that is rolled
back, so tests see the same two tenants and leave no trace.
"""

import json
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client

from tests import factories


@dataclass(frozen=True)
class Tenants:
    agent_id: int
    a_id: int
    b_id: int
    a_host: str
    b_host: str
    public_host: str


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from agency.demo.seed import agent_tenant_ensure
    from agency.principals.services import principal_create
    from tenants.provisioning import template_schema_ensure

    if not connection.settings_dict["NAME"].startswith("test_"):
        raise RuntimeError("no test database was set up; refusing to provision schemas in the real database")
    with django_db_blocker.unblock():
        template_schema_ensure()
        agent = agent_tenant_ensure()
        a = principal_create(schema_name="principal_a", subdomain="a", kind="management_company",
                             **factories.requisites(1))
        b = principal_create(schema_name="principal_b", subdomain="b", kind="resource_supplier",
                             **factories.requisites(2))
        connection.set_schema_to_public()
    pytest.tenants = Tenants(agent.pk, a.pk, b.pk, "a.localhost", "b.localhost", "localhost")


@pytest.fixture
def tenants(db) -> Tenants:
    return pytest.tenants


@pytest.fixture
def principal_a(tenants):
    from tenants.models import Principal

    return Principal.objects.get(pk=tenants.a_id)


@pytest.fixture
def principal_b(tenants):
    from tenants.models import Principal

    return Principal.objects.get(pk=tenants.b_id)


@pytest.fixture(autouse=True)
def _public_schema_after_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _throttle_counters_per_test(settings):
    """Each test starts with no throttle counts (logins, sign-ups and resets from 127.0.0.1 add up over a run).
    Only the in-process cache is cleared: a shared Redis is never flushed from here."""
    from agency.identity.throttle import counters

    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        counters().clear()


class GraphQLClient:
    """Posts GraphQL to a host, as a browser session or with an API key."""

    def __init__(self, host: str, *, api_key: str | None = None, user=None, enforce_csrf: bool = False):
        self.host = host
        self.api_key = api_key
        self.client = Client(HTTP_HOST=host, enforce_csrf_checks=enforce_csrf)
        if user is not None:
            self.client.force_login(user)

    def post_raw(self, body, **headers):
        extra = {"HTTP_HOST": self.host, **headers}
        if self.api_key:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.api_key}"
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post("/graphql", data=data, content_type="application/json", **extra)

    def __call__(self, query: str, variables: dict | None = None, **headers) -> dict:
        response = self.post_raw({"query": query, "variables": variables or {}}, **headers)
        payload = response.json()
        payload["_status"] = response.status_code
        return payload


@pytest.fixture
def gql():
    def make(host: str, **kwargs) -> GraphQLClient:
        return GraphQLClient(host, **kwargs)

    return make


def error_codes(payload: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in payload.get("errors", [])]


@pytest.fixture
def homes(principal_a, principal_b):
    """A resident linked to their household's ЕЛС, with meters at A and B; a neighbour's household at both."""
    from decimal import Decimal

    from tenants.registry.models import House, Premise, UnifiedAccount
    from tenants.residents.models import ResidentLink

    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Жилая", house_number="1")
    mine_premise = Premise.objects.create(house=house, number="1", area=Decimal("40"))
    other_premise = Premise.objects.create(house=house, number="2", area=Decimal("40"))
    mine = UnifiedAccount.objects.create(number="7600000001", premise=mine_premise, payer_name="Я")
    other = UnifiedAccount.objects.create(number="7600000002", premise=other_premise, payer_name="Сосед")
    resident = factories.user(is_resident=True)
    ResidentLink.objects.create(user=resident, unified_account=mine)
    return {
        "resident": resident,
        "mine_a": factories.household_meter(principal_a, mine_premise, mine, "MY-A"),
        "mine_b": factories.household_meter(principal_b, mine_premise, mine, "MY-B"),
        "neighbour_a": factories.household_meter(principal_a, other_premise, other, "NB-A"),
        "neighbour_b": factories.household_meter(principal_b, other_premise, other, "NB-B"),
    }
