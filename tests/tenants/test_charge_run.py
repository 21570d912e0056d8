"""The set-based charge run against hand-worked amounts (June 2026: 30 days)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import (
    AccountService,
    BillingPeriod,
    Charge,
    Meter,
    Norm,
    Occupancy,
    PeriodStatus,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.registry.models import House, Premise

JUNE = date(2026, 6, 1)
D = Decimal


def _account(number: str, premise, area: str, *, registered: int, living: int) -> PersonalAccount:
    account = PersonalAccount.objects.create(
        number=number, premise=premise, payer_name="Иванов И. И.", charge_area=D(area), opened_on=date(2020, 1, 1)
    )
    Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=registered, living=living)
    return account


def _meter(account, service, serial: str) -> Meter:
    return Meter.objects.create(account=account, service=service, serial=serial, installed_on=date(2020, 1, 1),
                                verified_until=date(2030, 1, 1))


@pytest.fixture
def june(principal_a):
    house = House.objects.create(region="Ярославская область", city="Ярославль", street="улица Тестовая",
                                 house_number="1")
    premises = [Premise.objects.create(house=house, number=str(n), area=D("54.30")) for n in (1, 2, 3)]
    with tenant_context(principal_a):
        maintenance = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                             tariff_kind="per_area")
        cold = Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit",
                                      norm_basis="person")
        hot = Service.objects.create(code="hot", kind="hot_water", name="ГВС", unit="м³",
                                     tariff_kind="two_component_hot_water", norm_basis="person")
        waste = Service.objects.create(code="waste", kind="waste", name="ТКО", unit="чел.", tariff_kind="per_person")
        Tariff.objects.create(service=maintenance, valid_from=date(2026, 1, 1), rate=D("32.50"))
        Tariff.objects.create(service=cold, valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 15), rate=D("45.00"))
        Tariff.objects.create(service=cold, valid_from=date(2026, 6, 16), rate=D("48.60"))
        Tariff.objects.create(service=hot, valid_from=date(2026, 1, 1), cold_component_rate=D("45.00"),
                              heat_rate=D("2500.00"), heat_norm=D("0.060000"))
        Tariff.objects.create(service=waste, valid_from=date(2026, 1, 1), rate=D("120.37"))
        Norm.objects.create(service=cold, valid_from=date(2026, 1, 1), value=D("4.9"), uplift_coefficient=D("1.5"))

        metered = _account("A-1", premises[0], "54.30", registered=3, living=0)
        unmetered = _account("A-2", premises[1], "41.00", registered=2, living=2)
        silent = _account("A-3", premises[2], "60.00", registered=1, living=1)
        for account in (metered, unmetered, silent):
            for service in (maintenance, cold, waste):
                AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
        AccountService.objects.create(account=metered, service=hot, valid_from=date(2020, 1, 1))

        cold_meter = _meter(metered, cold, "CW-1")
        hot_meter = _meter(metered, hot, "HW-1")
        _meter(silent, cold, "CW-3")
        for meter, may, june_value in ((cold_meter, "100.000", "112.500"), (hot_meter, "50.000", "53.200")):
            Reading.objects.create(meter=meter, period=date(2026, 5, 1), value=D(may), reading_date=date(2026, 5, 24),
                                   source="cabinet")
            Reading.objects.create(meter=meter, period=JUNE, value=D(june_value), reading_date=date(2026, 6, 23),
                                   source="cabinet")
        # the silent meter's history: May 10 m³ and April 13 m³ by the meter, then no June reading
        for month, qty in ((date(2026, 4, 1), "13"), (date(2026, 5, 1), "10")):
            period = BillingPeriod.objects.create(month=month, status=PeriodStatus.CALCULATED)
            Charge.objects.create(period=period, account=silent, service=cold, quantity=D(qty), method="meter",
                                  rate=D("45"), amount=D(qty) * 45)
        yield {"metered": metered, "unmetered": unmetered, "silent": silent, "cold": cold, "hot": hot,
               "maintenance": maintenance, "waste": waste}


def _lines(period) -> dict:
    return {(c.account.number, c.service.code): (c.quantity, c.method, c.amount)
            for c in Charge.objects.filter(period=period).select_related("account", "service")}


def test_june_charges_match_hand_worked_amounts(june, principal_a):
    with tenant_context(principal_a):
        period = charge_run(month=JUNE)
        lines = _lines(period)

    assert period.status == PeriodStatus.CALCULATED
    assert period.charge_lines == 10
    # per m²: 54.30 × 32.50
    assert lines[("A-1", "maint")] == (D("54.3000"), "fixed", D("1764.75"))
    # metered, tariff change on the 16th: 12.5 m³ × (15/30 × 45.00 + 15/30 × 48.60) = 281.25 + 303.75
    assert lines[("A-1", "cold")] == (D("12.5000"), "meter", D("585.00"))
    # two-component hot water: 3.2 m³ × (45.00 + 0.06 Gcal/m³ × 2500.00) = 3.2 × 195.00
    assert lines[("A-1", "hot")] == (D("3.2000"), "meter", D("624.00"))
    # per person, nobody living: the 3 registered
    assert lines[("A-1", "waste")] == (D("3.0000"), "fixed", D("361.11"))
    # no meter: norm 4.9 × 2 persons × uplift 1.5 = 14.7 m³; 7.35 × 45.00 + 7.35 × 48.60 = 330.75 + 357.21
    assert lines[("A-2", "cold")] == (D("14.7000"), "norm", D("687.96"))
    assert lines[("A-2", "waste")] == (D("2.0000"), "fixed", D("240.74"))
    # meter without a June reading: the average of April and May, (13 + 10) / 2 = 11.5 m³
    # 5.75 × 45.00 + 5.75 × 48.60 = 258.75 + 279.45
    assert lines[("A-3", "cold")] == (D("11.5000"), "average", D("538.20"))


def test_rerunning_a_draft_replaces_it_exactly(june, principal_a):
    with tenant_context(principal_a):
        first = _lines(charge_run(month=JUNE))
        Reading.objects.filter(meter__serial="CW-1", period=JUNE).update(value=D("110.000"))
        second = _lines(charge_run(month=JUNE))

    assert set(first) == set(second)
    assert second[("A-1", "cold")] == (D("10.0000"), "meter", D("468.00"))
    assert {k: v for k, v in first.items() if k != ("A-1", "cold")} == {
        k: v for k, v in second.items() if k != ("A-1", "cold")
    }


def test_posted_period_never_changes(june, principal_a):
    with tenant_context(principal_a):
        charge_run(month=JUNE)
        period = period_post(month=JUNE)
        before = _lines(period)

        with pytest.raises(ValidationError) as refused:
            charge_run(month=JUNE)
        assert refused.value.error_dict["month"][0].code == "PERIOD_POSTED"

        # not even raw SQL gets past the database's guard
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE billing_charge SET amount = 0 WHERE period_id = %s", [period.pk])
        assert _lines(period) == before


def test_charges_stay_in_their_principals_schema(june, principal_a, principal_b):
    with tenant_context(principal_a):
        charge_run(month=JUNE)
        assert Charge.objects.filter(period__month=JUNE).count() == 10
    with tenant_context(principal_b):
        assert Charge.objects.count() == 0
        assert Service.objects.count() == 0


def test_balances_carry_the_previous_closing_and_recalculations(june, principal_a):
    from tenants.billing.models import Balance, Recalculation

    with tenant_context(principal_a):
        may = charge_run(month=date(2026, 5, 1))  # metered accounts have no May consumption yet: norm/avg
        may_closing = {(b.account.number, b.service.code): b.closing
                       for b in Balance.objects.filter(period=may).select_related("account", "service")}
        june_period, _ = BillingPeriod.objects.get_or_create(month=JUNE)
        Recalculation.objects.create(
            period=june_period, account=june["unmetered"], service=june["cold"], corrected_month=date(2026, 5, 1),
            amount=D("-100.00"), reason="temporary_absence", comment="Отсутствовал 10 дней",
        )
        period = charge_run(month=JUNE)
        balances = {(b.account.number, b.service.code): b
                    for b in Balance.objects.filter(period=period).select_related("account", "service")}

    cold2 = balances[("A-2", "cold")]
    assert cold2.opening == may_closing[("A-2", "cold")]
    assert cold2.charged == D("687.96")
    assert cold2.recalculated == D("-100.00")
    assert cold2.closing == cold2.opening + D("687.96") - D("100.00")
    assert all(b.closing == b.opening + b.charged + b.recalculated - b.benefits + b.penalties - b.paid
               for b in balances.values())
