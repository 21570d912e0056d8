"""Readings one by one and by file: each refusal names its field and rule; files load whole or not."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tenants.billing.charge_run import charge_run
from tenants.billing.models import (
    AccountService,
    BillingPeriod,
    Charge,
    Meter,
    PeriodStatus,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.billing.readings import reading_submit, readings_import
from tenants.registry.models import House, Premise

D = Decimal
TODAY = date(2026, 10, 26)


@pytest.fixture
def meters(principal_a):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Счётная", house_number="9")
    premise = Premise.objects.create(house=house, number="1", area=D("50"))
    with tenant_context(principal_a):
        cold = Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit")
        Tariff.objects.create(service=cold, valid_from=date(2026, 1, 1), rate=D("50.00"))
        account = PersonalAccount.objects.create(number="R-1", premise=premise, payer_name="-", charge_area=50,
                                                 opened_on=date(2020, 1, 1))
        AccountService.objects.create(account=account, service=cold, valid_from=date(2020, 1, 1))
        common = {"account": account, "service": cold, "installed_on": date(2020, 1, 1),
                  "verified_until": date(2030, 1, 1)}
        single = Meter.objects.create(serial="CW-100", digit_capacity=5, **common)
        two_zone = Meter.objects.create(serial="EL-200", zones=2, **common)
        archived = Meter.objects.create(serial="CW-OLD", archived_at=date(2026, 1, 1), **common)
        for meter, zone, value in ((single, 1, "99990"), (two_zone, 1, "100"), (two_zone, 2, "50")):
            Reading.objects.create(meter=meter, period=date(2026, 9, 1), zone=zone, value=D(value),
                                   reading_date=date(2026, 9, 22), source="portal")
        yield {"single": single, "two_zone": two_zone, "archived": archived}


def _submit(meter, values, day=date(2026, 10, 23), **kw):
    return reading_submit(meter=meter, values=values, reading_date=day, source="cabinet", today=TODAY, **kw)


def _code(exc: ValidationError, field: str) -> str:
    return exc.error_dict[field][0].code


@pytest.mark.parametrize(
    ("meter", "values", "day", "field", "code"),
    [
        ("single", {1: D("99000")}, date(2026, 10, 23), "value", "READING_BELOW_PREVIOUS"),
        ("single", {1: D("99995")}, date(2026, 10, 27), "reading_date", "READING_IN_FUTURE"),
        ("single", {1: D("99995")}, date(2026, 10, 10), "reading_date", "READING_OUTSIDE_WINDOW"),
        ("archived", {1: D("5")}, date(2026, 10, 23), "meter", "METER_ARCHIVED"),
        ("two_zone", {1: D("110")}, date(2026, 10, 23), "zone", "READING_ZONE_MISMATCH"),
        ("single", {1: D("100000")}, date(2026, 10, 23), "value", "READING_OUT_OF_RANGE"),
    ],
)
def test_refusals_name_field_and_rule(meters, principal_a, meter, values, day, field, code):
    with tenant_context(principal_a):
        with pytest.raises(ValidationError) as refused:
            _submit(meters[meter], values, day)
        assert _code(refused.value, field) == code
        assert not Reading.objects.filter(period=date(2026, 10, 1)).exists()


def test_equal_to_previous_is_accepted_and_resubmission_replaces(meters, principal_a):
    with tenant_context(principal_a):
        _submit(meters["two_zone"], {1: D("100"), 2: D("60")})
        rows = _submit(meters["two_zone"], {1: D("120"), 2: D("61")}, date(2026, 10, 24))
    assert [(r.zone, r.value) for r in rows] == [(1, D("120")), (2, D("61"))]


def test_rollover_is_charged_across_zero(meters, principal_a):
    with tenant_context(principal_a):
        _submit(meters["single"], {1: D("5")}, rollover_zones=[1])
        period = charge_run(month=date(2026, 10, 1))
        line = Charge.objects.get(period=period, service__code="cold")
    # 99990 → 100000 → 5: 15 m³ × 50.00 (the two-zone meter adds 0: no October reading, no history → norm none)
    assert line.method == "meter"
    assert line.quantity == D("15.0000")


def test_posted_month_refuses_readings(meters, principal_a):
    with tenant_context(principal_a):
        BillingPeriod.objects.create(month=date(2026, 10, 1), status=PeriodStatus.POSTED)
        with pytest.raises(ValidationError) as refused:
            _submit(meters["single"], {1: D("99995")})
    assert _code(refused.value, "reading_date") == "PERIOD_POSTED"


FILE = (
    "Заводской номер;Зона;Показание;Дата\n"
    "CW-100;1;99 995,5;23.10.2026\n"
    "EL-200;1;130;2026-10-24\n"
    "EL-200;2;55;2026-10-24\n"
)
BAD_LINES = "NOPE-1;1;5;23.10.2026\nEL-200;1;abc;24.10.2026\nCW-OLD;1;7;23.10.2026\n"


def _upload(principal, text, mode):
    with tenant_context(principal):
        return readings_import(data=text.encode("cp1251"), filename="readings.csv", mode=mode, today=TODAY)


def test_file_loads_every_zone(meters, principal_a):
    batch = _upload(principal_a, FILE, "all_or_nothing")
    assert (batch.status, batch.rows_loaded, batch.errors) == ("loaded", 3, [])
    with tenant_context(principal_a):
        values = dict(Reading.objects.filter(period=date(2026, 10, 1)).values_list("meter__serial", "value")
                      .order_by("meter__serial", "zone"))
    assert values["CW-100"] == D("99995.5")


def test_bad_rows_are_named_by_line_and_field_and_nothing_is_half_loaded(meters, principal_a):
    batch = _upload(principal_a, FILE + BAD_LINES, "all_or_nothing")
    assert batch.status == "rejected"
    assert [(e["line"], e["field"], e["code"]) for e in batch.errors] == [
        (5, "meter", "NOT_FOUND"), (6, "value", "INVALID"), (7, "meter", "METER_ARCHIVED"),
    ]
    with tenant_context(principal_a):
        assert not Reading.objects.filter(period=date(2026, 10, 1)).exists()


def test_good_rows_mode_loads_the_rest_and_a_second_upload_is_a_no_op(meters, principal_a):
    first = _upload(principal_a, FILE + BAD_LINES, "good_rows")
    again = _upload(principal_a, FILE + BAD_LINES, "good_rows")
    assert (first.status, first.rows_loaded, len(first.errors)) == ("loaded", 3, 3)
    assert again.pk == first.pk
    with tenant_context(principal_a):
        assert Reading.objects.filter(period=date(2026, 10, 1)).count() == 3


def test_same_meter_twice_in_a_month_is_named_not_a_database_error(meters, principal_a):
    text = FILE + "CW-100;1;99 996;24.10.2026\nEL-200;2;56;25.10.2026\n"
    batch = _upload(principal_a, text, "good_rows")
    assert [(e["line"], e["field"], e["code"]) for e in batch.errors] == [
        (5, "zone", "DUPLICATE"), (6, "zone", "DUPLICATE"),
    ]
    assert batch.rows_loaded == 3
