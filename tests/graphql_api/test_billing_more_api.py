"""Readings, recalculations, penalty statements and imports on a principal's host; charge runs across principals."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.identity.permissions import Perm
from tenants.billing import tasks as billing_tasks
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import (
    AccountService,
    Balance,
    BillingPeriod,
    ImportBatch,
    Meter,
    Norm,
    Occupancy,
    PeriodStatus,
    PersonalAccount,
    Reading,
    Recalculation,
    Service,
    Tariff,
)
from tenants.billing.readings import readings_import
from tenants.penalties.statement import penalty_statement
from tenants.registry.models import House, Premise
from tenants.workspace.models import WorkspaceSettings
from tests import factories
from tests.conftest import error_codes
from tests.graphql_api.test_isolation import (
    CHARGE_RUN_ALL,
    CHARGE_RUN_PROGRESS,
    IMPORT_BATCHES,
    RECALCULATIONS,
)

D = Decimal
SEPT, OCT = date(2026, 9, 1), date(2026, 10, 1)

READING_SUBMIT = """
mutation($meterId: ID!, $values: [ZoneValue!]!, $readingDate: Date!, $rollover: [Int!]) {
  readingSubmit(meterId: $meterId, values: $values, readingDate: $readingDate, rolloverZones: $rollover) {
    readings { period zone value readingDate source flagged }
    errors { field code message }
  }
}
"""

RECALCULATION_CREATE = """
mutation($accountId: ID!, $serviceId: ID!, $month: Date!, $reason: RecalculationReason!,
         $absence: RecalculationAbsenceInput, $poorQuality: RecalculationPoorQualityInput,
         $manual: RecalculationManualInput) {
  recalculationCreate(accountId: $accountId, serviceId: $serviceId, correctedMonth: $month, reason: $reason,
                      absence: $absence, poorQuality: $poorQuality, manual: $manual) {
    recalculation { id accountId serviceId serviceName correctedMonth periodMonth amount reason comment }
    errors { field code message }
  }
}
"""

PENALTY_STATEMENT = """
query($id: ID!, $asOf: Date) {
  penaltyStatement(accountId: $id, asOf: $asOf) {
    calculationDate total unallocated
    periods { period debt dueDate total rows { period debt dateFrom dateTo days band rate formula amount note } }
    rows { band amount }
  }
}
"""


def _client(gql, host, principal, *perms):
    return gql(host, api_key=factories.api_key(principal, list(perms)))


def _today() -> date:
    return timezone.localdate()


def _premise(number: str = "1") -> Premise:
    house, _c = House.objects.get_or_create(region="Ярославская обл.", city="Ярославль", street="ул. Гейтвея",
                                            house_number="5")
    return Premise.objects.create(house=house, number=number, area=D("50"))


# --- readings ---------------------------------------------------------------------------------------------


@pytest.fixture
def meters(principal_a):
    premise = _premise()
    with tenant_context(principal_a):
        # the window is not under test here: open for the whole month, whatever day the suite runs
        WorkspaceSettings.objects.update(readings_window_start_day=1, readings_window_end_day=31)
        cold = Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit")
        account = PersonalAccount.objects.create(number="GR-1", premise=premise, payer_name="-", charge_area=50,
                                                 opened_on=date(2020, 1, 1))
        common = {"account": account, "service": cold, "installed_on": date(2020, 1, 1),
                  "verified_until": date(2035, 1, 1)}
        single = Meter.objects.create(serial="CW-1", digit_capacity=5, **common)
        two_zone = Meter.objects.create(serial="EL-2", zones=2, **common)
        archived = Meter.objects.create(serial="CW-OLD", archived_at=date(2025, 1, 1), **common)
        previous = (_today().replace(day=1) - timezone.timedelta(days=1)).replace(day=20)
        Reading.objects.create(meter=single, period=previous.replace(day=1), zone=1, value=D("99990"),
                               reading_date=previous, source="portal")
    return {"single": single, "two_zone": two_zone, "archived": archived}


def _readings_now(principal, meter) -> list:
    with tenant_context(principal):
        return list(Reading.objects.filter(meter=meter, period=_today().replace(day=1)).order_by("zone")
                    .values_list("zone", "value", "source"))


def test_reading_submit_by_api_key_and_by_portal_session(tenants, principal_a, meters, gql):
    meter = meters["two_zone"]
    by_key = _client(gql, tenants.a_host, principal_a, Perm.READINGS_MANAGE)
    by_session = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE]))
    today = _today().isoformat()

    first = by_key(READING_SUBMIT, {"meterId": meter.pk, "readingDate": today,
                                    "values": [{"zone": 1, "value": "120.5"}, {"zone": 2, "value": "40"}]})
    result = first["data"]["readingSubmit"]
    assert result["errors"] == []
    assert [(r["zone"], r["value"], r["source"]) for r in result["readings"]] == [
        (1, "120.5000", "API"), (2, "40.0000", "API")]
    assert _readings_now(principal_a, meter) == [(1, D("120.5"), "api"), (2, D("40"), "api")]

    # resubmitting within the month replaces the month's values
    again = by_session(READING_SUBMIT, {"meterId": meter.pk, "readingDate": today,
                                        "values": [{"zone": 1, "value": "121"}, {"zone": 2, "value": "41"}]})
    assert again["data"]["readingSubmit"]["errors"] == []
    assert _readings_now(principal_a, meter) == [(1, D("121"), "portal"), (2, D("41"), "portal")]


def test_reading_rollover_zone_is_accepted(tenants, principal_a, meters, gql):
    client = _client(gql, tenants.a_host, principal_a, Perm.READINGS_MANAGE)
    payload = client(READING_SUBMIT, {"meterId": meters["single"].pk, "readingDate": _today().isoformat(),
                                      "values": [{"zone": 1, "value": "5"}], "rollover": [1]})
    assert payload["data"]["readingSubmit"]["errors"] == []
    assert _readings_now(principal_a, meters["single"]) == [(1, D("5"), "api")]


@pytest.mark.parametrize(
    ("meter", "values", "day", "expected"),
    [
        ("single", [{"zone": 1, "value": "99000"}], "today", [("value", "READING_BELOW_PREVIOUS")]),
        ("single", [{"zone": 1, "value": "100000"}], "today", [("value", "READING_OUT_OF_RANGE")]),
        ("single", [{"zone": 1, "value": "99995"}], "tomorrow", [("readingDate", "READING_IN_FUTURE")]),
        ("archived", [{"zone": 1, "value": "5"}], "today", [("meterId", "METER_ARCHIVED")]),
        ("two_zone", [{"zone": 3, "value": "5"}], "today", [("zone", "READING_ZONE_MISMATCH")]),
        ("two_zone", [{"zone": 1, "value": "5"}, {"zone": 1, "value": "6"}], "today", [("values", "INVALID")]),
        ("two_zone", [], "today", [("values", "REQUIRED")]),
        ("missing", [{"zone": 1, "value": "5"}], "today", [("meterId", "NOT_FOUND")]),
    ],
)
def test_reading_refusals_name_field_and_rule(tenants, principal_a, meters, gql, meter, values, day, expected):
    client = _client(gql, tenants.a_host, principal_a, Perm.READINGS_MANAGE)
    reading_date = _today() + timezone.timedelta(days=1 if day == "tomorrow" else 0)
    meter_id = 987654321 if meter == "missing" else meters[meter].pk

    payload = client(READING_SUBMIT, {"meterId": meter_id, "values": values, "readingDate": reading_date.isoformat()})

    result = payload["data"]["readingSubmit"]
    assert result["readings"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == expected
    assert all(e["message"] for e in result["errors"])
    with tenant_context(principal_a):
        assert not Reading.objects.filter(period=_today().replace(day=1)).exists()


def test_reading_for_a_posted_month_is_refused(tenants, principal_a, meters, gql):
    with tenant_context(principal_a):
        BillingPeriod.objects.create(month=_today().replace(day=1), status=PeriodStatus.POSTED)
    client = _client(gql, tenants.a_host, principal_a, Perm.READINGS_MANAGE)

    payload = client(READING_SUBMIT, {"meterId": meters["single"].pk, "readingDate": _today().isoformat(),
                                      "values": [{"zone": 1, "value": "99995"}]})

    errors = payload["data"]["readingSubmit"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("readingDate", "PERIOD_POSTED")]
    assert "проведён" in errors[0]["message"]
    assert _readings_now(principal_a, meters["single"]) == []


# --- recalculations -------------------------------------------------------------------------------------


@pytest.fixture
def charged(principal_a):
    """September charged and posted: cold 8 m³ × 50 = 400.00, hot 8 × 200 = 1600.00 (2 persons × norm 4)."""
    premise = _premise("12")
    with tenant_context(principal_a):
        cold = Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit",
                                      norm_basis="person")
        hot = Service.objects.create(code="hot", kind="hot_water", name="ГВС", unit="м³", tariff_kind="per_unit",
                                     norm_basis="person")
        for service, rate in ((cold, "50.00"), (hot, "200.00")):
            Tariff.objects.create(service=service, valid_from=date(2026, 1, 1), rate=D(rate))
            Norm.objects.create(service=service, valid_from=date(2026, 1, 1), value=D("4"), uplift_coefficient=1)
        account = PersonalAccount.objects.create(number="RC-1", premise=premise, payer_name="-", charge_area=60,
                                                 opened_on=date(2020, 1, 1))
        Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=2, living=2)
        for service in (cold, hot):
            AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
        charge_run(month=SEPT)
        period_post(month=SEPT)
    return {"account": account, "cold": cold, "hot": hot}


def _recalc(client, data, reason, **inputs):
    variables = {"accountId": data["account"].pk, "serviceId": data[inputs.pop("service", "cold")].pk,
                 "month": "2026-09-01", "reason": reason, **inputs}
    return client(RECALCULATION_CREATE, variables)["data"]["recalculationCreate"]


def test_recalculation_of_each_reason_is_booked_into_the_next_open_period(tenants, principal_a, charged, gql):
    staff = factories.staff(principal_a, permissions=[Perm.CHARGES_RUN])
    client = gql(tenants.a_host, user=staff)

    absence = _recalc(client, charged, "ABSENCE", absence={
        "departureDate": "2026-09-09", "returnDate": "2026-09-20", "applicationDate": "2026-09-25",
        "absentPersons": 1})
    quality = _recalc(client, charged, "POOR_QUALITY", service="hot", poorQuality={"interruptionsHours": [3, 3, 6]})
    manual = _recalc(client, charged, "MANUAL", manual={"amount": "-15.5", "comment": "Акт сверки №12"})

    assert [r["errors"] for r in (absence, quality, manual)] == [[], [], []]
    # 400.00 × 1/2 × 10/30; 4 h over the limits × 0.15 % × 1600.00; as given
    assert [(r["recalculation"]["reason"], r["recalculation"]["amount"], r["recalculation"]["periodMonth"])
            for r in (absence, quality, manual)] == [
        ("ABSENCE", "-66.67", "2026-10-01"), ("POOR_QUALITY", "-9.60", "2026-10-01"),
        ("MANUAL", "-15.50", "2026-10-01"),
    ]
    assert manual["recalculation"]["serviceName"] == "ХВС"
    assert manual["recalculation"]["comment"] == "Акт сверки №12"
    with tenant_context(principal_a):
        rows = list(Recalculation.objects.order_by("pk").values_list("period__month", "service__code", "amount",
                                                                    "reason", "created_by"))
        october = charge_run(month=OCT)
        balance = Balance.objects.get(period=october, account=charged["account"], service=charged["cold"])
    assert rows == [
        (OCT, "cold", D("-66.67"), "temporary_absence", staff.pk), (OCT, "hot", D("-9.60"), "poor_quality", staff.pk),
        (OCT, "cold", D("-15.50"), "manual", staff.pk),
    ]
    assert balance.recalculated == D("-82.17")


def test_recalculation_refusals(tenants, principal_a, charged, gql):
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_RUN)

    wrong_input = _recalc(client, charged, "ABSENCE", manual={"amount": "-1", "comment": "x"})
    too_short = _recalc(client, charged, "ABSENCE", absence={
        "departureDate": "2026-09-09", "returnDate": "2026-09-15", "applicationDate": "2026-09-16"})
    no_basis = _recalc(client, charged, "MANUAL", manual={"amount": "-1", "comment": "  "})
    quality_on_cold = _recalc(client, charged, "POOR_QUALITY", poorQuality={"interruptionsHours": [30]})
    nothing_charged = client(RECALCULATION_CREATE, {
        "accountId": charged["account"].pk, "serviceId": charged["cold"].pk, "month": "2026-07-01",
        "reason": "ABSENCE", "absence": {"departureDate": "2026-07-01", "returnDate": "2026-07-20",
                                         "applicationDate": "2026-07-21"}})["data"]["recalculationCreate"]
    missing = client(RECALCULATION_CREATE, {"accountId": "987654321", "serviceId": charged["cold"].pk,
                                            "month": "2026-09-01", "reason": "MANUAL",
                                            "manual": {"amount": "1", "comment": "x"}})["data"]["recalculationCreate"]

    def pairs(result):
        return sorted((e["field"], e["code"]) for e in result["errors"])

    assert pairs(wrong_input) == [("absence", "REQUIRED"), ("manual", "INVALID")]
    assert "ABSENCE_TOO_SHORT" in [e["code"] for e in too_short["errors"]]
    assert pairs(no_basis) == [("comment", "REQUIRED")]
    assert [e["code"] for e in quality_on_cold["errors"]] == ["QUALITY_SERVICE"]
    assert pairs(nothing_charged) == [("correctedMonth", "NOT_FOUND")]
    assert pairs(missing) == [("accountId", "NOT_FOUND")]
    assert all(e["message"] for r in (wrong_input, too_short, no_basis, quality_on_cold) for e in r["errors"])
    with tenant_context(principal_a):
        assert not Recalculation.objects.exists()
        assert not BillingPeriod.objects.filter(month=OCT).exists()


def test_recalculations_list_newest_first_in_constant_queries(tenants, principal_a, charged, gql):
    writer = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_RUN)
    reader = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_VIEW)
    reader(RECALCULATIONS, {"id": charged["account"].pk})  # warm up: the key's last-use stamp

    counts = {}
    for total in (2, 10):
        while True:
            with tenant_context(principal_a):
                if Recalculation.objects.count() >= total:
                    break
            _recalc(writer, charged, "MANUAL", manual={"amount": "-1", "comment": "Акт"})
        with CaptureQueriesContext(connection) as queries:
            payload = reader(RECALCULATIONS, {"id": charged["account"].pk})
        assert len(payload["data"]["recalculations"]) == total
        counts[total] = len(queries)

    assert counts[2] == counts[10], counts
    ids = [int(r["id"]) for r in payload["data"]["recalculations"]]
    assert ids == sorted(ids, reverse=True)
    assert error_codes(reader(RECALCULATIONS, {"id": "987654321"})) == ["NOT_FOUND"]


# --- penalty statement ------------------------------------------------------------------------------------


def test_penalty_statement_rows_period_totals_and_total(tenants, principal_a, gql):
    premise = _premise("30")
    with tenant_context(principal_a):
        service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                         tariff_kind="per_area")
        account = PersonalAccount.objects.create(number="PN-1", premise=premise, payer_name="-", charge_area=50,
                                                 opened_on=date(2020, 1, 1))
        for month, amount in ((date(2026, 1, 1), "1000.00"), (date(2026, 2, 1), "500.00")):
            period = BillingPeriod.objects.create(month=month, status=PeriodStatus.CALCULATED)
            Balance.objects.create(period=period, account=account, service=service, charged=D(amount),
                                   closing=D(amount))
            period.status = PeriodStatus.POSTED
            period.save()
        expected = penalty_statement(account=account, as_of=date(2026, 6, 30))
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_VIEW)

    statement = client(PENALTY_STATEMENT, {"id": account.pk, "asOf": "2026-06-30"})["data"]["penaltyStatement"]

    january, february = statement["periods"]
    assert (january["period"], january["debt"], january["dueDate"]) == ("2026-01-01", "1000.00", "2026-02-10")
    assert february["dueDate"] == "2026-03-15"  # the deadline moved to the 15th from March 2026
    # 140 days after 10 February: 30 free, 60 at 1/300, 50 at 1/130
    assert [(r["band"], r["days"]) for r in january["rows"]] == [("0", 30), ("1/300", 60), ("1/130", 50)]
    first = january["rows"][0]
    assert (first["dateFrom"], first["dateTo"], first["rate"], first["amount"]) == (
        "2026-02-11", "2026-03-12", None, "0.00")
    assert january["rows"][1]["formula"]
    assert D(statement["total"]) == expected.total > 0
    assert D(statement["total"]) == sum(D(p["total"]) for p in statement["periods"])
    assert all(D(p["total"]) == sum(D(r["amount"]) for r in p["rows"]) for p in statement["periods"])
    assert [D(r["amount"]) for r in statement["rows"]] == [r.amount for r in expected.rows]
    assert statement["calculationDate"] == "2026-06-30"


def test_penalty_statement_of_a_missing_account(tenants, principal_a, gql):
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_VIEW)
    payload = client(PENALTY_STATEMENT, {"id": "987654321"})
    assert payload["data"] is None
    assert error_codes(payload) == ["NOT_FOUND"]


# --- imports ----------------------------------------------------------------------------------------------


def test_import_batches_show_each_lines_errors(tenants, principal_a, meters, gql):
    day = _today().strftime("%d.%m.%Y")
    text = f"Заводской номер;Зона;Показание;Дата\nCW-1;1;99995;{day}\nNOPE;1;5;{day}\nEL-2;1;abc;{day}\n"
    with tenant_context(principal_a):
        readings_import(data=text.encode("cp1251"), filename="октябрь.csv", mode="all_or_nothing")
    client = _client(gql, tenants.a_host, principal_a, Perm.READINGS_MANAGE)

    (batch,) = client(IMPORT_BATCHES, {"kind": "READINGS"})["data"]["importBatches"]

    assert (batch["filename"], batch["status"]) == ("октябрь.csv", "REJECTED")
    assert [(e["line"], e["field"], e["code"]) for e in batch["errors"]] == [
        (3, "meter", "NOT_FOUND"), (4, "value", "INVALID")]
    assert "NOPE" in batch["errors"][0]["message"]
    with tenant_context(principal_a):
        assert ImportBatch.objects.count() == 1
        assert not Reading.objects.filter(period=_today().replace(day=1)).exists()


def test_opening_balance_batches_need_accounts_manage(tenants, principal_a, gql):
    with tenant_context(principal_a):
        ImportBatch.objects.create(kind="opening_balances", sha256="1" * 64, filename="сальдо.xlsx",
                                   mode="validate", status="validated", rows_total=3)
    readings_only = _client(gql, tenants.a_host, principal_a, Perm.READINGS_MANAGE)
    accounts = _client(gql, tenants.a_host, principal_a, Perm.ACCOUNTS_MANAGE)

    refused = readings_only(IMPORT_BATCHES, {"kind": "OPENING_BALANCES"})
    allowed = accounts(IMPORT_BATCHES, {"kind": "OPENING_BALANCES"})
    other_kind = accounts(IMPORT_BATCHES, {"kind": "READINGS"})
    too_many = accounts("{ importBatches(kind: OPENING_BALANCES, first: 101) { id } }")

    assert error_codes(refused) == ["PERMISSION_DENIED"]
    assert [b["filename"] for b in allowed["data"]["importBatches"]] == ["сальдо.xlsx"]
    assert error_codes(other_kind) == ["PERMISSION_DENIED"]
    assert error_codes(too_many) == ["INVALID"]


# --- charge runs across principals (agent staff) -----------------------------------------------------------


def test_charge_run_all_queues_one_run_per_principal_after_commit(
    tenants, principal_a, principal_b, gql, django_capture_on_commit_callbacks, monkeypatch
):
    operator = gql(tenants.public_host, user=factories.user(agent_role="operator"))
    sent = []
    monkeypatch.setattr(billing_tasks.charge_run_task, "apply_async",
                        lambda args, **options: sent.append((connection.schema_name, *args)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payload = operator(CHARGE_RUN_ALL, {"month": "2026-06-01"})
    result = payload["data"]["chargeRunAll"]

    assert result == {"month": "2026-06-01", "queued": ["principal_a", "principal_b"], "errors": []}
    assert len(callbacks) == 2  # one send per principal, each on its own: a refused one fails only its period
    assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert sent == [("principal_a", "2026-06-01"), ("principal_b", "2026-06-01")]


def test_charge_run_all_refuses_a_mid_month_date(tenants, gql, django_capture_on_commit_callbacks):
    admin = gql(tenants.public_host, user=factories.user(agent_role="admin"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = admin(CHARGE_RUN_ALL, {"month": "2026-06-15"})["data"]["chargeRunAll"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("month", "INVALID")]
    assert callbacks == []


def test_charge_run_progress_shows_every_principal(tenants, principal_a, principal_b, gql):
    with tenant_context(principal_a):
        BillingPeriod.objects.create(month=date(2026, 6, 1), status=PeriodStatus.CALCULATED, charge_lines=3)
    operator = gql(tenants.public_host, user=factories.user(agent_role="operator"))  # the agent's work: its host

    rows = operator(CHARGE_RUN_PROGRESS, {"month": "2026-06-01"})["data"]["chargeRunProgress"]

    assert rows == [{"schemaName": "principal_a", "status": "CALCULATED", "chargeLines": 3},
                    {"schemaName": "principal_b", "status": "OPEN", "chargeLines": 0}]


def test_recalculation_of_heating_by_temperature(tenants, principal_a, charged, gql):
    with tenant_context(principal_a):
        heating = Service.objects.create(code="heat", kind="heating", name="Отопление", unit="м²",
                                         tariff_kind="per_area")
        Tariff.objects.create(service=heating, valid_from=date(2026, 1, 1), rate=D("38.91"))
        AccountService.objects.create(account=charged["account"], service=heating, valid_from=date(2020, 1, 1))
        charge_run(month=OCT)  # 60 m² × 38.91 = 2 334.60
    client = _client(gql, tenants.a_host, principal_a, Perm.CHARGES_RUN)
    data = {**charged, "heat": heating}

    def recalc(**poor_quality):
        variables = {"accountId": data["account"].pk, "serviceId": heating.pk, "month": "2026-10-01",
                     "reason": "POOR_QUALITY", "poorQuality": poor_quality}
        return client(RECALCULATION_CREATE, variables)["data"]["recalculationCreate"]

    corner = recalc(temperatureDeviations=[{"hours": "10", "temperature": "17"}], cornerRoom=True)
    both = recalc(interruptionsHours=[30], temperatureDeviations=[{"hours": "1", "temperature": "10"}])
    neither = recalc()

    # ПП 354 прил.1 п.15, a corner room: norm +20 °C; 10 h × (20 − 17 = 3 °C) = 30 degree-hours × 0.15 % = 4.5 %
    # of 2 334.60 = 105.057 → −105.06, booked into November
    assert corner["errors"] == []
    assert (corner["recalculation"]["amount"], corner["recalculation"]["periodMonth"]) == ("-105.06", "2026-11-01")
    assert [e["code"] for e in both["errors"]] == ["INVALID"] == [e["code"] for e in neither["errors"]]
