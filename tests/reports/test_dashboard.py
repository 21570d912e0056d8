"""The principal's dashboard against a recomputation over the balance rows, and its query count."""

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from agency.identity.permissions import Perm
from tests import factories
from tests.conftest import error_codes
from tests.reports.conftest import MONTHS

DASHBOARD = (
    "query($months: Int) { principalDashboard(months: $months) { accountsCount debtorsCount debtTotal advanceTotal "
    "months { month charged collected collectionRate debtEnd } } }"
)


def recompute(schema_name: str, months: int) -> dict:
    """The figures straight from every balance row, in Python."""
    from tenants.billing.models import Balance, PersonalAccount

    with schema_context(schema_name):
        rows = list(Balance.objects.filter(period__status="posted").values_list(
            "period__month", "account_id", "charged", "recalculated", "benefits", "penalties", "paid", "closing"))
        accounts = PersonalAccount.objects.filter(closed_on__isnull=True).count()
    per_month = defaultdict(lambda: {"charged": Decimal(0), "paid": Decimal(0), "closing": defaultdict(Decimal)})
    for month, account, charged, recalc, benefits, penalties, paid, closing in rows:
        entry = per_month[month]
        entry["charged"] += charged + recalc - benefits + penalties
        entry["paid"] += paid
        entry["closing"][account] += closing
    chosen = sorted(per_month)[-months:]
    result = []
    for month in chosen:
        e = per_month[month]
        rate = None if e["charged"] == 0 else (e["paid"] / e["charged"]).quantize(Decimal("0.0001"))
        result.append({"month": month.isoformat(), "charged": e["charged"], "collected": e["paid"],
                       "collectionRate": rate, "debtEnd": sum((c for c in e["closing"].values() if c > 0), Decimal(0))})
    last = per_month[chosen[-1]]["closing"]
    return {
        "accountsCount": accounts,
        "debtorsCount": sum(1 for c in last.values() if c > 0),
        "debtTotal": sum((c for c in last.values() if c > 0), Decimal(0)),
        "advanceTotal": -sum((c for c in last.values() if c < 0), Decimal(0)),
        "months": result,
    }


def _decimals(payload: dict) -> dict:
    data = dict(payload)
    for key in ("debtTotal", "advanceTotal"):
        data[key] = Decimal(data[key])
    data["months"] = [
        {**m, "charged": Decimal(m["charged"]), "collected": Decimal(m["collected"]), "debtEnd": Decimal(m["debtEnd"]),
         "collectionRate": None if m["collectionRate"] is None else Decimal(m["collectionRate"])}
        for m in payload["months"]
    ]
    return data


def test_dashboard_equals_a_recomputation_over_the_balance_rows(balances, principal_a, tenants, gql):
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.REPORTS_VIEW]))

    for months in (1, 2, 12):
        payload = client(DASHBOARD, {"months": months})
        assert "errors" not in payload, payload
        got = _decimals(payload["data"]["principalDashboard"])
        assert got == recompute(principal_a.schema_name, months)

    full = _decimals(client(DASHBOARD, {"months": 12})["data"]["principalDashboard"])
    # the posted months only (the November draft's 99999.00 is nowhere), oldest first
    assert [m["month"] for m in full["months"]] == [m.isoformat() for m in MONTHS]
    # October by hand: R-001 owes 1662.34 on heat and has 230.00 over on maintenance (1432.34 in all), R-003
    # owes 665.00, R-002 has 300.00 over, R-004 is at zero
    assert full["accountsCount"] == 4
    assert full["debtorsCount"] == 2 and full["advanceTotal"] == Decimal("300.00")
    september = full["months"][1]
    assert full["debtTotal"] == Decimal("2097.34")
    assert september["charged"] == Decimal("2375.00")  # 1100 − 50 + 300 − 30 + 800 + 250 + 5
    assert september["collectionRate"] == (september["collected"] / september["charged"]).quantize(Decimal("0.0001"))


def test_collection_rate_is_null_when_nothing_was_charged(principal_a, tenants, gql):
    from datetime import date

    from tenants.billing.models import BillingPeriod

    with schema_context(principal_a.schema_name):
        BillingPeriod.objects.create(month=date(2026, 7, 1), status="posted")
    connection.set_schema_to_public()
    payload = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.REPORTS_VIEW]))(DASHBOARD)

    months = payload["data"]["principalDashboard"]["months"]
    assert months == [{"month": "2026-07-01", "charged": "0", "collected": "0", "collectionRate": None,
                       "debtEnd": "0"}]


def test_the_dashboard_costs_the_same_queries_for_3_and_12_months(balances, principal_a, tenants, gql):
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.REPORTS_VIEW]))
    client(DASHBOARD, {"months": 1})  # warm: sessions, the document cache

    counts = {}
    for months in (3, 12):
        with CaptureQueriesContext(connection) as captured:
            payload = client(DASHBOARD, {"months": months})
        assert "errors" not in payload
        counts[months] = len(captured)
    assert counts[3] == counts[12]


def test_another_principal_sees_only_its_own_balances(balances, principal_b, tenants, gql):
    payload = gql(tenants.b_host, user=factories.staff(principal_b, permissions=[Perm.REPORTS_VIEW]))(DASHBOARD)

    assert payload["data"]["principalDashboard"] == {
        "accountsCount": 0, "debtorsCount": 0, "debtTotal": "0.00", "advanceTotal": "0.00", "months": []}


def test_months_out_of_range_are_refused(principal_a, tenants, gql):
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.REPORTS_VIEW]))
    assert error_codes(client(DASHBOARD, {"months": 0})) == ["INVALID"]
    assert error_codes(client(DASHBOARD, {"months": 121})) == ["INVALID"]
