"""The residents' cabinet through GraphQL: own households' meters only, readings for them only."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.identity.permissions import PrincipalRole
from tenants.billing.models import Reading
from tenants.registry.models import UnifiedAccount
from tenants.residents.models import ResidentLink
from tests import factories
from tests.conftest import error_codes

METERS = "{ residentMeters { principalId principalName meterId serial serviceName zones accountNumber } }"
SUBMIT = """
mutation($principalId: ID!, $meterId: ID!, $values: [ZoneValue!]!, $readingDate: Date!) {
  residentReadingSubmit(principalId: $principalId, meterId: $meterId, values: $values, readingDate: $readingDate) {
    readings { zone value source readingDate }
    errors { field code message }
  }
}
"""


def _today() -> date:
    return timezone.localdate()




def _readings(principal) -> list:
    with tenant_context(principal):
        return list(Reading.objects.order_by("meter__serial").values_list("meter__serial", "value", "source"))


def _submit(client, principal, meter, value="12.5", day=None):
    return client(SUBMIT, {"principalId": principal.pk, "meterId": meter.pk, "values": [{"zone": 1, "value": value}],
                           "readingDate": (day or _today()).isoformat()})["data"]["residentReadingSubmit"]


def test_resident_sees_own_meters_at_every_principal_only(tenants, homes, principal_a, principal_b, gql):
    client = gql(tenants.public_host, user=homes["resident"])

    meters = client(METERS)["data"]["residentMeters"]

    assert sorted((m["principalId"], m["meterId"], m["serial"], m["accountNumber"]) for m in meters) == sorted([
        (str(principal_a.pk), str(homes["mine_a"].pk), "MY-A", "L-MY-A"),
        (str(principal_b.pk), str(homes["mine_b"].pk), "MY-B", "L-MY-B"),
    ])
    assert {m["principalName"] for m in meters} == {principal_a.short_name, principal_b.short_name}
    assert {(m["serviceName"], m["zones"]) for m in meters} == {("ХВС", 1)}


def test_resident_submits_for_own_meter(tenants, homes, principal_a, principal_b, gql):
    client = gql(tenants.public_host, user=homes["resident"])

    on_a = _submit(client, principal_a, homes["mine_a"])
    on_b = _submit(client, principal_b, homes["mine_b"], value="7")

    assert on_a["errors"] == [] and on_b["errors"] == []
    assert on_a["readings"] == [{"zone": 1, "value": "12.5000", "source": "CABINET",
                                 "readingDate": _today().isoformat()}]
    assert _readings(principal_a) == [("MY-A", Decimal("12.5"), "cabinet")]
    assert _readings(principal_b) == [("MY-B", Decimal("7"), "cabinet")]


@pytest.mark.parametrize(
    ("principal", "meter"),
    [
        ("a", "neighbour_a"),  # the neighbour's meter at the same principal
        ("b", "neighbour_b"),  # … at another principal
        ("a", "missing"),
        ("agent", "mine_a"),  # the agent is not a principal
    ],
)
def test_other_households_meters_are_not_found(tenants, homes, principal_a, principal_b, gql, principal, meter):
    client = gql(tenants.public_host, user=homes["resident"])
    principal_id = {"a": principal_a.pk, "b": principal_b.pk, "agent": tenants.agent_id}[principal]
    meter_id = 987654321 if meter == "missing" else homes[meter].pk

    result = client(SUBMIT, {"principalId": principal_id, "meterId": meter_id,
                             "values": [{"zone": 1, "value": "1"}], "readingDate": _today().isoformat()})

    assert result["data"]["residentReadingSubmit"]["readings"] is None
    assert [(e["field"], e["code"]) for e in result["data"]["residentReadingSubmit"]["errors"]] == [
        ("meterId", "NOT_FOUND")]
    assert _readings(principal_a) == [] and _readings(principal_b) == []


def test_neighbours_meter_looks_exactly_like_a_missing_one(tenants, homes, principal_a, gql):
    client = gql(tenants.public_host, user=homes["resident"])
    neighbours = _submit(client, principal_a, homes["neighbour_a"])
    missing = client(SUBMIT, {"principalId": principal_a.pk, "meterId": "987654321",
                              "values": [{"zone": 1, "value": "12.5"}], "readingDate": _today().isoformat()})
    assert neighbours == missing["data"]["residentReadingSubmit"]


def test_unlinked_resident_sees_nothing_and_submits_nothing(tenants, homes, principal_a, gql):
    client = gql(tenants.public_host, user=factories.user(is_resident=True))

    assert client(METERS)["data"]["residentMeters"] == []
    result = _submit(client, principal_a, homes["mine_a"])
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("meterId", "NOT_FOUND")]
    assert _readings(principal_a) == []


def test_reading_rules_reach_the_resident(tenants, homes, principal_a, gql):
    client = gql(tenants.public_host, user=homes["resident"])

    future = _submit(client, principal_a, homes["mine_a"], day=_today() + timedelta(days=1))
    twice = client(SUBMIT, {"principalId": principal_a.pk, "meterId": homes["mine_a"].pk,
                            "values": [{"zone": 1, "value": "1"}, {"zone": 1, "value": "2"}],
                            "readingDate": _today().isoformat()})["data"]["residentReadingSubmit"]

    assert [(e["field"], e["code"]) for e in future["errors"]] == [("readingDate", "READING_IN_FUTURE")]
    assert future["errors"][0]["message"]
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("values", "INVALID")]
    assert _readings(principal_a) == []


@pytest.mark.parametrize("who", ["anonymous", "staff", "agent_admin", "staff_who_is_resident_on_a"])
def test_only_residents_on_the_agents_host(tenants, homes, principal_a, gql, who):
    if who == "anonymous":
        client, expected = gql(tenants.public_host), "UNAUTHENTICATED"
    elif who == "staff":
        client = gql(tenants.public_host, user=factories.staff(principal_a, role=PrincipalRole.ADMIN))
        expected = "PERMISSION_DENIED"
    elif who == "agent_admin":
        client, expected = gql(tenants.public_host, user=factories.user(agent_role="admin")), "PERMISSION_DENIED"
    else:
        # the cabinet lives on the agent's host; on a principal's host the same person acts as staff
        user = factories.staff(principal_a, role=PrincipalRole.ADMIN)
        user.is_resident = True
        user.save()
        ResidentLink.objects.create(user=user, unified_account=UnifiedAccount.objects.get(number="7600000001"))
        client, expected = gql(tenants.a_host, user=user), "PERMISSION_DENIED"

    meters = client(METERS)
    submit = client(SUBMIT, {"principalId": principal_a.pk, "meterId": homes["mine_a"].pk,
                             "values": [{"zone": 1, "value": "1"}], "readingDate": _today().isoformat()})

    assert error_codes(meters) == [expected]
    assert error_codes(submit) == [expected]
    assert submit["data"] == {"residentReadingSubmit": None}
    assert _readings(principal_a) == []
