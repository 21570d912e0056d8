"""Recalculations land in the next open period with their reason and change that period's balance."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import (
    AccountService,
    Balance,
    Norm,
    Occupancy,
    PersonalAccount,
    Service,
    Tariff,
)
from tenants.billing.recalculations import (
    recalculation_absence_create,
    recalculation_manual_create,
    recalculation_quality_create,
    recalculation_temperature_create,
)
from tenants.registry.models import House, Premise

D = Decimal
SEPT, OCT = date(2026, 9, 1), date(2026, 10, 1)


@pytest.fixture
def setup(principal_a):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Пересчёта", house_number="4")
    premise = Premise.objects.create(house=house, number="12", area=D("60"))
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
        charge_run(month=SEPT)  # cold: 4 × 2 = 8 m³ × 50 = 400.00; hot: 8 × 200 = 1600.00
        period_post(month=SEPT)
        yield {"account": account, "cold": cold, "hot": hot}


def test_absence_books_into_october_and_lowers_its_balance(setup, principal_a):
    with tenant_context(principal_a):
        recalc = recalculation_absence_create(
            account=setup["account"], service=setup["cold"], corrected_month=SEPT, departure_date=date(2026, 9, 9),
            return_date=date(2026, 9, 20), application_date=date(2026, 9, 25), absent_persons=1,
        )
        october = charge_run(month=OCT)
        balance = Balance.objects.get(period=october, account=setup["account"], service=setup["cold"])

    # 10 full days away (10th–19th) of 30, one of two persons: 400.00 × 1/2 × 10/30 = 66.67
    assert (recalc.period.month, recalc.amount, recalc.reason) == (OCT, D("-66.67"), "temporary_absence")
    assert recalc.comment
    assert balance.recalculated == D("-66.67")
    assert balance.closing == balance.opening + balance.charged - D("66.67")


def test_absence_of_five_days_is_refused(setup, principal_a):
    with tenant_context(principal_a), pytest.raises(ValidationError) as refused:
        recalculation_absence_create(
            account=setup["account"], service=setup["cold"], corrected_month=SEPT, departure_date=date(2026, 9, 9),
            return_date=date(2026, 9, 15), application_date=date(2026, 9, 16),
        )
    assert "ABSENCE_TOO_SHORT" in [e.code for e in refused.value.error_list]


def test_poor_quality_hot_water(setup, principal_a):
    with tenant_context(principal_a):
        recalc = recalculation_quality_create(account=setup["account"], service=setup["hot"], corrected_month=SEPT,
                                              interruptions_hours=[3, 3, 6])
    # 12 h in the month; limits 8 h a month, 4 h at once: max(12 − 8, 6 − 4) = 4 h × 0.15 % × 1600.00 = 9.60
    assert (recalc.amount, recalc.reason) == (D("-9.60"), "poor_quality")


def test_manual_needs_a_basis(setup, principal_a):
    with tenant_context(principal_a):
        with pytest.raises(ValidationError) as refused:
            recalculation_manual_create(account=setup["account"], service=setup["cold"], corrected_month=SEPT,
                                        amount=D("10"), comment=" ")
        assert refused.value.error_dict["comment"][0].code == "REQUIRED"
        recalc = recalculation_manual_create(account=setup["account"], service=setup["cold"], corrected_month=SEPT,
                                             amount=D("-15.5"), comment="Акт сверки №12")
    assert (recalc.period.month, recalc.amount) == (OCT, D("-15.50"))


def test_poor_quality_heating_temperature(setup, principal_a):
    with tenant_context(principal_a):
        heating = Service.objects.create(code="heat", kind="heating", name="Отопление", unit="м²",
                                         tariff_kind="per_area")
        Tariff.objects.create(service=heating, valid_from=date(2026, 1, 1), rate=D("38.91"))
        AccountService.objects.create(account=setup["account"], service=heating, valid_from=date(2020, 1, 1))
        charge_run(month=OCT)  # 60 m² × 38.91 = 2 334.60
        recalc = recalculation_temperature_create(
            account=setup["account"], service=heating, corrected_month=OCT,
            deviations=[{"hours": 48, "temperature": 15}, {"hours": 5, "temperature": 14, "night": True}])
    # ПП 354 прил.1 п.15, norm +18 °C: 48 h × 3 °C + 5 night hours × (18 − 14 = 4 °C, below the 15 °C night bound)
    # = 144 + 20 = 164 degree-hours × 0.15 % = 24.6 % of 2 334.60 = 574.3116 → −574.31, booked into November
    assert (recalc.period.month, recalc.amount, recalc.reason) == (date(2026, 11, 1), D("-574.31"), "poor_quality")
