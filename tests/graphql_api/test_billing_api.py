"""Billing through GraphQL on a principal's host: accounts, the card, tariffs, periods and charge runs."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from agency.identity.permissions import Perm, PrincipalRole
from tenants.billing import services as billing_services
from tenants.billing import tasks as billing_tasks
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import (
    AccountService,
    Balance,
    BillingPeriod,
    Meter,
    Occupancy,
    PeriodStatus,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.registry.models import House, Premise
from tests import factories
from tests.conftest import error_codes

D = Decimal
JUNE = date(2026, 6, 1)

ACCOUNTS = """
query($first: Int, $after: String, $search: String, $houseId: ID, $hasDebt: Boolean) {
  accounts(first: $first, after: $after, search: $search, houseId: $houseId, hasDebt: $hasDebt) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id number payerName address houseId premiseNumber chargeArea persons debt
      services { serviceId code name unit kind validFrom validTo }
    }
  }
}
"""

CARD = """
query($id: ID!) {
  account(id: $id) {
    account { number payerName address persons services { code } }
    meters { serial serviceName zones readings { period zone value source } }
    chargePeriods { month status total charges { periodMonth serviceCode quantity method rate amount } }
  }
}
"""

SERVICES = """
{ services { code kind tariffKind normBasis
    tariffs { validFrom validTo rate coldComponentRate heatRate heatNorm unitRate }
    norms { validFrom value upliftCoefficient } } }
"""

PERIODS = "{ billingPeriods { month status chargeLines startedAt finishedAt postedAt } }"

TARIFF_CREATE = """
mutation($serviceId: ID!, $validFrom: Date!, $validTo: Date, $rate: Decimal, $cold: Decimal, $heat: Decimal,
         $norm: Decimal) {
  tariffCreate(serviceId: $serviceId, validFrom: $validFrom, validTo: $validTo, rate: $rate,
               coldComponentRate: $cold, heatRate: $heat, heatNorm: $norm) {
    tariff { id validFrom validTo rate unitRate }
    errors { field code message }
  }
}
"""

CHARGE_RUN = """
mutation($month: Date!) {
  chargeRun(month: $month) { period { month status chargeLines startedAt } errors { field code message } }
}
"""

PERIOD_POST = """
mutation($month: Date!) {
  periodPost(month: $month) { period { month status postedAt } errors { field code message } }
}
"""


# --- data ---------------------------------------------------------------------------------------


def _house(street: str = "улица Тестовая", number: str = "1") -> House:
    return House.objects.create(region="Ярославская область", city="Ярославль", street=street, house_number=number)


def _premises(house: House, count: int, start: int = 1) -> list[Premise]:
    return Premise.objects.bulk_create(
        [Premise(house=house, number=str(n), area=D("50.00")) for n in range(start, start + count)]
    )


def _services() -> dict[str, Service]:
    maint = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                   tariff_kind="per_area", sort_order=1)
    cold = Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit",
                                  norm_basis="person", sort_order=2)
    Tariff.objects.create(service=maint, valid_from=date(2026, 1, 1), rate=D("32.50"))
    Tariff.objects.create(service=cold, valid_from=date(2026, 1, 1), rate=D("45.00"))
    return {"maint": maint, "cold": cold}


def _accounts(premises, services, *, prefix: str, payer: str = "Иванов Иван Иванович") -> list[PersonalAccount]:
    """Accounts (one per premise) with occupancy and both services, written in bulk."""
    accounts = PersonalAccount.objects.bulk_create(
        [PersonalAccount(number=f"{prefix}{n:04d}", premise=p, payer_name=payer, charge_area=D("50.00"),
                         opened_on=date(2020, 1, 1)) for n, p in enumerate(premises, start=1)]
    )
    Occupancy.objects.bulk_create(
        [Occupancy(account=a, valid_from=date(2020, 1, 1), registered=2, living=1) for a in accounts]
    )
    AccountService.objects.bulk_create(
        [AccountService(account=a, service=s, valid_from=date(2020, 1, 1)) for a in accounts
         for s in services.values()]
    )
    return accounts


@pytest.fixture
def a_data(principal_a):
    house = _house()
    premises = _premises(house, 3)
    with tenant_context(principal_a):
        services = _services()
        accounts = _accounts(premises, services, prefix="A-")
    return {"house": house, "premises": premises, "services": services, "accounts": accounts}


@pytest.fixture
def b_data(principal_b, a_data):
    # B bills the same premises (a resource supplier next to the management company)
    with tenant_context(principal_b):
        services = {"heat": Service.objects.create(code="heat-b", kind="heating", name="Отопление", unit="Гкал",
                                                   tariff_kind="per_area")}
        accounts = _accounts(a_data["premises"], services, prefix="B-", payer="Петров Пётр")
        BillingPeriod.objects.create(month=date(2026, 5, 1), status=PeriodStatus.CALCULATED)
    return {"services": services, "accounts": accounts}


def _client(gql, host, principal, *perms):
    return gql(host, api_key=factories.api_key(principal, list(perms)))


# --- isolation ------------------------------------------------------------------------------------


def test_a_host_never_shows_b_rows(tenants, principal_a, principal_b, a_data, b_data, gql):
    perms = (Perm.ACCOUNTS_VIEW, Perm.CHARGES_VIEW)
    on_a = _client(gql, tenants.a_host, principal_a, *perms)
    on_b = _client(gql, tenants.b_host, principal_b, *perms)

    a_accounts = on_a(ACCOUNTS)["data"]["accounts"]
    b_accounts = on_b(ACCOUNTS)["data"]["accounts"]
    a_search = on_a(ACCOUNTS, {"search": "Петров"})["data"]["accounts"]
    a_services = on_a(SERVICES)["data"]["services"]
    a_periods = on_a(PERIODS)["data"]["billingPeriods"]

    assert [n["number"] for n in a_accounts["nodes"]] == ["A-0001", "A-0002", "A-0003"]
    assert a_accounts["totalCount"] == 3
    assert [n["number"] for n in b_accounts["nodes"]] == ["B-0001", "B-0002", "B-0003"]
    assert a_search == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}
    assert {s["code"] for s in a_services} == {"maint", "cold"}
    assert a_periods == []
    # each schema numbers its own rows: on A's host an id is always A's row, or not found
    for b_account in b_data["accounts"]:
        payload = on_a(CARD, {"id": b_account.pk})
        card = payload["data"]["account"]
        if card is None:
            assert error_codes(payload) == ["NOT_FOUND"]
        else:
            assert card["account"]["number"].startswith("A-")


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "granted"),
    [
        (ACCOUNTS, {}, [Perm.CHARGES_VIEW]),
        (CARD, {"id": "1"}, [Perm.CHARGES_VIEW]),
        (SERVICES, {}, [Perm.ACCOUNTS_VIEW]),
        (PERIODS, {}, [Perm.ACCOUNTS_VIEW]),
        (TARIFF_CREATE, {"serviceId": "1", "validFrom": "2027-01-01", "rate": "1"}, [Perm.CHARGES_VIEW,
                                                                                     Perm.SETTINGS_VIEW]),
        (CHARGE_RUN, {"month": "2026-06-01"}, [Perm.CHARGES_VIEW]),
        (PERIOD_POST, {"month": "2026-06-01"}, [Perm.CHARGES_VIEW]),
    ],
)
def test_without_the_permission_is_refused(tenants, principal_a, a_data, gql, query, variables, granted):
    staff = factories.staff(principal_a, role=PrincipalRole.STAFF, permissions=granted)

    payload = gql(tenants.a_host, user=staff)(query, variables)

    assert error_codes(payload) == ["PERMISSION_DENIED"]
    with tenant_context(principal_a):
        assert not BillingPeriod.objects.exists()
        assert Tariff.objects.count() == 2


def test_charges_on_the_card_need_charges_view(tenants, principal_a, a_data, gql):
    client = _client(gql, tenants.a_host, principal_a, Perm.ACCOUNTS_VIEW)

    payload = client(CARD, {"id": a_data["accounts"][0].pk})

    assert payload["data"]["account"]["account"]["number"] == "A-0001"
    assert payload["data"]["account"]["chargePeriods"] is None
    assert error_codes(payload) == ["PERMISSION_DENIED"]
    assert payload["errors"][0]["path"] == ["account", "chargePeriods"]


def test_b_key_on_a_host_is_refused(tenants, principal_b, a_data, gql):
    client = _client(gql, tenants.a_host, principal_b, *Perm.values)
    for query in (ACCOUNTS, SERVICES, PERIODS):
        payload = client(query)
        assert payload["_status"] == 403
        assert error_codes(payload) == ["FOREIGN_PRINCIPAL"]
        assert "data" not in payload


def test_public_host_is_not_a_principal(tenants, gql):
    agent_admin = factories.user(agent_role="admin")
    payload = gql(tenants.public_host, user=agent_admin)(ACCOUNTS)
    assert error_codes(payload) == ["PRINCIPAL_HOST_REQUIRED"]


# --- the list ---------------------------------------------------------------------------------------


def test_accounts_page_costs_the_same_queries_for_10_and_100_rows(tenants, principal_a, gql):
    house = _house()
    premises = _premises(house, 120)
    with tenant_context(principal_a):
        _accounts(premises, _services(), prefix="L-")
        # a posted period (without balances): the debt subquery has a period to look into
        BillingPeriod.objects.create(month=date(2026, 5, 1), status=PeriodStatus.POSTED)
    client = _client(gql, tenants.a_host, principal_a, Perm.ACCOUNTS_VIEW)
    client(ACCOUNTS, {"first": 1})  # warm up: the key's last-use stamp is written once

    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            payload = client(ACCOUNTS, {"first": size})
        nodes = payload["data"]["accounts"]["nodes"]
        assert len(nodes) == size
        assert all(len(n["services"]) == 2 and n["persons"] == 1 for n in nodes)
        counts[size] = len(queries)

    assert counts[10] == counts[100], counts


def test_accounts_search_filters_and_pages(tenants, principal_a, gql):
    lenina, mira = _house("улица Ленина", "5"), _house("проспект Мира", "12")
    with tenant_context(principal_a):
        services = _services()
        (_l1, l2) = _accounts(_premises(lenina, 2), services, prefix="77-")
        (m1,) = _accounts(_premises(mira, 1, start=7), services, prefix="88-", payer="Сидорова Анна")
        may = BillingPeriod.objects.create(month=date(2026, 5, 1), status=PeriodStatus.CALCULATED)
        Balance.objects.create(period=may, account=l2, service=services["cold"], charged=D("500"), closing=D("500"))
        Balance.objects.create(period=may, account=m1, service=services["cold"], charged=D("100"), closing=D("100"))
        may.status = PeriodStatus.POSTED
        may.save()
    client = _client(gql, tenants.a_host, principal_a, Perm.ACCOUNTS_VIEW)

    def numbers(**variables):
        payload = client(ACCOUNTS, variables)
        assert "errors" not in payload, payload
        return [n["number"] for n in payload["data"]["accounts"]["nodes"]]

    assert numbers(search="77-") == ["77-0001", "77-0002"]
    assert numbers(search="сидоров") == ["88-0001"]
    assert numbers(search="ул. Ленина, д. 5, кв. 2") == ["77-0002"]
    assert numbers(search="Мира 12 7") == ["88-0001"]
    assert numbers(houseId=str(lenina.pk)) == ["77-0001", "77-0002"]
    assert numbers(hasDebt=True) == ["77-0002", "88-0001"]
    assert numbers(hasDebt=False) == ["77-0001"]

    first = client(ACCOUNTS, {"first": 2})["data"]["accounts"]
    rest = client(ACCOUNTS, {"first": 2, "after": first["pageInfo"]["endCursor"]})["data"]["accounts"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [n["number"] for n in first["nodes"] + rest["nodes"]] == ["77-0001", "77-0002", "88-0001"]
    assert rest["pageInfo"]["hasNextPage"] is False

    detail = client(ACCOUNTS, {"search": "88-0001"})["data"]["accounts"]["nodes"][0]
    assert detail["address"] == "Ярославль, проспект Мира, д. 12, кв. 7"
    assert detail["houseId"] == str(mira.pk)
    assert detail["debt"] == "100.00"
    assert [s["code"] for s in detail["services"]] == ["maint", "cold"]


# --- the card -----------------------------------------------------------------------------------------


def test_account_card_shows_meters_readings_and_charges(tenants, principal_a, a_data, gql):
    account = a_data["accounts"][0]
    with tenant_context(principal_a):
        meter = Meter.objects.create(account=account, service=a_data["services"]["cold"], serial="CW-1",
                                     installed_on=date(2020, 1, 1), verified_until=date(2030, 1, 1))
        # 18 months of readings, 2 m³ a month: January 2025 … June 2026
        months = [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(18)]
        Reading.objects.bulk_create(
            [Reading(meter=meter, period=month, value=D(100 + 2 * i), reading_date=month.replace(day=20),
                     source="cabinet") for i, month in enumerate(months)]
        )
        charge_run(month=date(2026, 5, 1))
        charge_run(month=JUNE)
    client = _client(gql, tenants.a_host, principal_a, Perm.ACCOUNTS_VIEW, Perm.CHARGES_VIEW)

    with CaptureQueriesContext(connection) as queries:
        payload = client(CARD, {"id": account.pk})
    card = payload["data"]["account"]

    assert "errors" not in payload, payload
    assert card["account"] == {"number": "A-0001", "payerName": "Иванов Иван Иванович",
                               "address": "Ярославль, улица Тестовая, д. 1, кв. 1", "persons": 1,
                               "services": [{"code": "maint"}, {"code": "cold"}]}
    (only_meter,) = card["meters"]
    assert only_meter["serial"] == "CW-1"
    assert only_meter["serviceName"] == "ХВС"
    assert len(only_meter["readings"]) == 12
    assert only_meter["readings"][0] == {"period": "2026-06-01", "zone": 1, "value": "134.0000", "source": "CABINET"}
    assert only_meter["readings"][-1]["period"] == "2025-07-01"

    june, may = card["chargePeriods"]
    assert (june["month"], june["status"], may["month"]) == ("2026-06-01", "CALCULATED", "2026-05-01")
    assert june["charges"] == [
        {"periodMonth": "2026-06-01", "serviceCode": "maint", "quantity": "50.0000", "method": "FIXED",
         "rate": "32.500000", "amount": "1625.00"},
        {"periodMonth": "2026-06-01", "serviceCode": "cold", "quantity": "2.0000", "method": "METER",
         "rate": "45.000000", "amount": "90.00"},
    ]
    assert june["total"] == "1715.00"
    # the whole request, credentials included, in a handful of queries
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]


def test_card_of_a_missing_account_is_not_found(tenants, principal_a, a_data, gql):
    client = _client(gql, tenants.a_host, principal_a, Perm.ACCOUNTS_VIEW)
    payload = client(CARD, {"id": "999999"})
    assert payload["data"] == {"account": None}
    assert error_codes(payload) == ["NOT_FOUND"]


# --- services and tariffs ---------------------------------------------------------------------------


def test_services_with_tariffs_and_norms(tenants, principal_a, a_data, gql):
    with tenant_context(principal_a):
        hot = Service.objects.create(code="hot", kind="hot_water", name="ГВС", unit="м³",
                                     tariff_kind="two_component_hot_water", norm_basis="person", sort_order=3)
        Tariff.objects.create(service=hot, valid_from=date(2026, 1, 1), cold_component_rate=D("45"),
                              heat_rate=D("2500"), heat_norm=D("0.06"))
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_VIEW)

    services = {s["code"]: s for s in client(SERVICES)["data"]["services"]}

    assert list(services) == ["maint", "cold", "hot"]
    assert services["maint"]["normBasis"] is None
    assert services["hot"]["tariffKind"] == "TWO_COMPONENT_HOT_WATER"
    assert D(services["hot"]["tariffs"][0]["unitRate"]) == D("195")  # exact: 45 + 0.06 × 2500
    assert services["cold"]["tariffs"] == [{"validFrom": "2026-01-01", "validTo": None, "rate": "45.000000",
                                            "coldComponentRate": None, "heatRate": None, "heatNorm": None,
                                            "unitRate": "45.000000"}]


def test_tariff_create_refuses_overlap_before_the_database(tenants, principal_a, a_data, gql):
    cold = a_data["services"]["cold"]  # has a tariff from 2026-01-01, open-ended
    client = _client(gql, tenants.a_host, principal_a, Perm.SETTINGS_MANAGE)

    with CaptureQueriesContext(connection) as queries:
        payload = client(TARIFF_CREATE, {"serviceId": cold.pk, "validFrom": "2026-07-01", "rate": "48.60"})

    result = payload["data"]["tariffCreate"]
    assert result["tariff"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("validFrom", "TARIFF_OVERLAP")]
    assert "01.01.2026" in result["errors"][0]["message"]
    assert not [q for q in queries.captured_queries if "INSERT INTO \"billing_tariff\"" in q["sql"]]
    with tenant_context(principal_a):
        assert Tariff.objects.filter(service=cold).count() == 1


def test_tariff_create_closed_range_and_date_order(tenants, principal_a, a_data, gql):
    cold = a_data["services"]["cold"]
    client = _client(gql, tenants.a_host, principal_a, Perm.SETTINGS_MANAGE)

    backwards = client(TARIFF_CREATE, {"serviceId": cold.pk, "validFrom": "2025-06-01", "validTo": "2025-05-31",
                                       "rate": "40"})["data"]["tariffCreate"]
    no_rate = client(TARIFF_CREATE, {"serviceId": cold.pk, "validFrom": "2025-01-01"})["data"]["tariffCreate"]
    negative = client(TARIFF_CREATE, {"serviceId": cold.pk, "validFrom": "2025-01-01",
                                      "rate": "-1"})["data"]["tariffCreate"]
    unknown = client(TARIFF_CREATE, {"serviceId": 999999, "validFrom": "2025-01-01",
                                     "rate": "1"})["data"]["tariffCreate"]
    touching = client(TARIFF_CREATE, {"serviceId": cold.pk, "validFrom": "2025-01-01", "validTo": "2026-01-01",
                                      "rate": "40"})["data"]["tariffCreate"]
    ok = client(TARIFF_CREATE, {"serviceId": cold.pk, "validFrom": "2025-01-01", "validTo": "2025-12-31",
                                "rate": "40"})["data"]["tariffCreate"]

    assert [(e["field"], e["code"]) for e in backwards["errors"]] == [("validTo", "DATE_RANGE")]
    assert [(e["field"], e["code"]) for e in no_rate["errors"]] == [("rate", "REQUIRED")]
    assert [(e["field"], e["code"]) for e in negative["errors"]] == [("rate", "INVALID")]
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("serviceId", "NOT_FOUND")]
    assert [(e["field"], e["code"]) for e in touching["errors"]] == [("validFrom", "TARIFF_OVERLAP")]
    assert ok["errors"] == []
    assert ok["tariff"] == {"id": ok["tariff"]["id"], "validFrom": "2025-01-01", "validTo": "2025-12-31",
                            "rate": "40.000000", "unitRate": "40.000000"}


def test_two_component_tariff_needs_its_components(tenants, principal_a, a_data, gql):
    with tenant_context(principal_a):
        hot = Service.objects.create(code="hot", kind="hot_water", name="ГВС", unit="м³",
                                     tariff_kind="two_component_hot_water", norm_basis="person")
    client = _client(gql, tenants.a_host, principal_a, Perm.SETTINGS_MANAGE)

    missing = client(TARIFF_CREATE, {"serviceId": hot.pk, "validFrom": "2026-01-01", "cold": "45",
                                     "heat": "2500"})["data"]["tariffCreate"]
    ok = client(TARIFF_CREATE, {"serviceId": hot.pk, "validFrom": "2026-01-01", "cold": "45", "heat": "2500",
                                "norm": "0.06"})["data"]["tariffCreate"]

    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("heatNorm", "REQUIRED")]
    assert ok["errors"] == []
    assert D(ok["tariff"]["unitRate"]) == D("195")


def test_database_constraint_still_maps_to_the_field(principal_a, a_data, monkeypatch):
    # a concurrent create slips past full_clean; the exclusion constraint's refusal becomes the same error
    cold = a_data["services"]["cold"]
    monkeypatch.setattr(Tariff, "full_clean", lambda self, *args, **kwargs: None)
    with tenant_context(principal_a):
        with pytest.raises(ValidationError) as refused:
            billing_services.tariff_create(service=cold, valid_from=date(2026, 3, 1), rate=D("1"))
        assert Tariff.objects.filter(service=cold).count() == 1
    assert refused.value.error_dict["valid_from"][0].code == "TARIFF_OVERLAP"


# --- periods ------------------------------------------------------------------------------------------


def test_charge_run_is_queued_after_commit_in_the_principals_schema(
    tenants, principal_a, a_data, gql, django_capture_on_commit_callbacks, monkeypatch
):
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_RUN, Perm.CHARGES_VIEW)
    sent = []
    monkeypatch.setattr(billing_tasks.charge_run_task, "apply_async",
                        lambda args, **options: sent.append((connection.schema_name, *args)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payload = client(CHARGE_RUN, {"month": "2026-06-01"})
    result = payload["data"]["chargeRun"]

    assert result["errors"] == []
    assert result["period"]["month"] == "2026-06-01"
    assert result["period"]["status"] == "RUNNING"
    assert result["period"]["startedAt"] is not None
    assert len(callbacks) == 1
    assert sent == []  # nothing leaves before the commit

    connection.set_schema_to_public()
    callbacks[0]()
    assert sent == [("principal_a", "2026-06-01")]

    # what the worker does with it
    with tenant_context(principal_a):
        charge_run(month=JUNE)
    periods = client(PERIODS)["data"]["billingPeriods"]
    # maintenance for the 3 accounts; cold water has neither meters nor a norm here, so no line
    assert [(p["month"], p["status"], p["chargeLines"]) for p in periods] == [("2026-06-01", "CALCULATED", 3)]
    assert periods[0]["finishedAt"] is not None


def test_charge_run_refusals_queue_nothing(tenants, principal_a, a_data, gql, django_capture_on_commit_callbacks):
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_RUN)
    with tenant_context(principal_a):
        charge_run(month=JUNE)
        period_post(month=JUNE)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        posted = client(CHARGE_RUN, {"month": "2026-06-01"})["data"]["chargeRun"]
        mid_month = client(CHARGE_RUN, {"month": "2026-07-15"})["data"]["chargeRun"]

    assert callbacks == []
    assert posted["period"] is None
    assert [(e["field"], e["code"]) for e in posted["errors"]] == [("month", "PERIOD_POSTED")]
    assert [(e["field"], e["code"]) for e in mid_month["errors"]] == [("month", "INVALID")]
    with tenant_context(principal_a):
        assert BillingPeriod.objects.get(month=JUNE).status == PeriodStatus.POSTED
        assert not BillingPeriod.objects.filter(month=date(2026, 7, 1)).exists()


def test_period_post(tenants, principal_a, a_data, gql):
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_RUN)

    never_run = client(PERIOD_POST, {"month": "2026-06-01"})["data"]["periodPost"]
    with tenant_context(principal_a):
        charge_run(month=JUNE)
    posted = client(PERIOD_POST, {"month": "2026-06-01"})["data"]["periodPost"]
    again = client(PERIOD_POST, {"month": "2026-06-01"})["data"]["periodPost"]

    assert [(e["field"], e["code"]) for e in never_run["errors"]] == [("month", "PERIOD_NOT_CALCULATED")]
    assert posted["errors"] == []
    assert posted["period"]["status"] == "POSTED"
    assert posted["period"]["postedAt"] is not None
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("month", "PERIOD_NOT_CALCULATED")]
    with tenant_context(principal_a):
        assert BillingPeriod.objects.get(month=JUNE).status == PeriodStatus.POSTED


def test_period_post_refuses_a_queued_run(tenants, principal_a, a_data, gql, django_capture_on_commit_callbacks):
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_RUN)
    with tenant_context(principal_a):
        charge_run(month=JUNE)

    with django_capture_on_commit_callbacks(execute=False):
        client(CHARGE_RUN, {"month": "2026-06-01"})
    racing = client(PERIOD_POST, {"month": "2026-06-01"})["data"]["periodPost"]

    assert [e["code"] for e in racing["errors"]] == ["PERIOD_NOT_CALCULATED"]
