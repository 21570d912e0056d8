"""Recalculations: temporary absence and interruptions of hot water and heating, in exact kopecks."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing_core.recalculations import (
    InterruptionLimits,
    RecalculationReason,
    TemperatureDeviation,
    absence_recalculation,
    hours_over_limit,
    interruption_recalculation,
    temperature_recalculation,
)
from billing_core.service_kinds import ServiceKind

D = Decimal
JUNE_START, JUNE_END = date(2026, 6, 1), date(2026, 6, 30)


def absence(**overrides):
    kwargs = {
        "service": ServiceKind.COLD_WATER,
        "charge": D("975.17"),
        "period_start": JUNE_START,
        "period_end": JUNE_END,
        "departure_date": date(2026, 6, 5),
        "return_date": date(2026, 6, 20),
        "application_date": date(2026, 6, 1),
        "meter_installed": False,
        "meter_installable": False,
        "persons": 3,
        "absent_persons": 1,
    }
    kwargs.update(overrides)
    return absence_recalculation(**kwargs)


def absence_code(**overrides) -> str:
    with pytest.raises(ValidationError) as info:
        absence(**overrides)
    return info.value.code


# --- temporary absence --------------------------------------------------------------------------


def test_absence_one_of_three_persons():
    result = absence()
    # full days 6..19 June = 14; −975.17 × 1/3 × 14/30 = −151.6931… → −151.69
    assert result.days == 14
    assert result.amount == D("-151.69")
    assert result.reason == RecalculationReason.TEMPORARY_ABSENCE
    assert result.reason_text == (
        "Временное отсутствие с 05.06.2026 по 20.06.2026 (ПП РФ №354 п.86–97): 14 полн. сут. из 30 в периоде, "
        "отсутствовало 1 из 3 чел."
    )


def test_absence_only_days_inside_the_period_count():
    result = absence(charge=D("600.00"), persons=1, departure_date=date(2026, 5, 25), return_date=date(2026, 6, 10))
    # full days 26 May..9 June; in June 1..9 = 9 days: −600 × 9/30
    assert (result.days, result.amount) == (9, D("-180.00"))
    outside = absence(departure_date=date(2026, 7, 1), return_date=date(2026, 7, 20))
    assert (outside.days, str(outside.amount)) == (0, "0.00")


def test_absence_more_than_five_full_days():
    # leaving 5 June, back 11 June: full days 6..10 = 5 — not enough
    assert absence_code(return_date=date(2026, 6, 11)) == "ABSENCE_TOO_SHORT"
    six = absence(charge=D("600.00"), persons=1, return_date=date(2026, 6, 12))
    assert (six.days, six.amount) == (6, D("-120.00"))


def test_absence_application_deadline():
    # before leaving, during the absence, and on the 30th day after the return: in time
    for applied in (date(2026, 6, 1), date(2026, 6, 10), date(2026, 7, 20)):
        assert absence(application_date=applied).amount == D("-151.69")
    assert absence_code(application_date=date(2026, 7, 21)) == "ABSENCE_APPLICATION_LATE"


def test_absence_services_and_meters():
    for service in (ServiceKind.HOT_WATER, ServiceKind.DRAINAGE, ServiceKind.GAS, ServiceKind.ELECTRICITY):
        assert absence(service=service).amount == D("-151.69")
    for service in (ServiceKind.HEATING, ServiceKind.MAINTENANCE, ServiceKind.CAPITAL_REPAIR):
        assert absence_code(service=service) == "ABSENCE_SERVICE"
    assert absence_code(common_house_needs=True) == "ABSENCE_SERVICE"
    assert absence_code(meter_installed=True) == "ABSENCE_METER"
    assert absence_code(meter_installable=True) == "ABSENCE_METER"


def test_absence_for_electricity_charged_by_norm():
    """ПП 354 п.86 (ред. ПП 1498 от 26.12.2016): the recalculation covers every utility service charged without a
    meter «за исключением коммунальных услуг по отоплению, электроснабжению и газоснабжению на цели отопления»:
    electricity for lighting and appliances is recalculated, electricity used to heat the flat is not.

    Worked example: a flat without a meter (no technical possibility), 2 persons, charged by the norm for June
    95 kWh × 2 persons × 1.5 (uplift) × 6.43 ₽ = 1 832.55 ₽. One person is away from 3 June to 24 June: the full days
    are 4..23 June = 20 days of 30. Reduction = 1 832.55 × 1/2 × 20/30 = 610.85 ₽ exactly."""
    result = absence(service=ServiceKind.ELECTRICITY, charge=D("1832.55"), persons=2, absent_persons=1,
                     departure_date=date(2026, 6, 3), return_date=date(2026, 6, 24))
    assert (result.days, result.amount) == (20, D("-610.85"))
    assert absence_code(service=ServiceKind.ELECTRICITY, heating_purpose=True) == "ABSENCE_SERVICE"
    assert absence_code(service=ServiceKind.GAS, heating_purpose=True) == "ABSENCE_SERVICE"
    # the same flat with an electricity meter: its consumption already shows the absence
    assert absence_code(service=ServiceKind.ELECTRICITY, meter_installed=True) == "ABSENCE_METER"


def test_absence_inputs_checked():
    assert absence_code(return_date=date(2026, 6, 1)) == "DATE_RANGE"
    assert absence_code(absent_persons=4) == "INVALID"
    assert absence_code(absent_persons=0) == "INVALID"


# --- interruptions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "over"),
    [
        ([D(2), D(2), D(2), D(2)], 0),  # 8 h in total, none over 4 at once
        ([D(3), D(3), D(3)], 1),  # 9 h in total: 1 over the monthly 8
        ([D(6)], 2),  # once over 4 by 2
        ([D(10)], 6),  # over 4 at once by 6 (and over 8 in total by 2: counted once)
        ([D("8.9")], 4),  # 4.9 over at once: full hours only
    ],
)
def test_hot_water_hours_over_limit(hours, over):
    assert hours_over_limit(hours, InterruptionLimits(monthly_hours=8, single_hours=4)) == over


def test_hot_water_interruption_reduction():
    result = interruption_recalculation(service=ServiceKind.HOT_WATER, charge=D("711.22"), interruptions_hours=[6])
    # 2 h over × 0.15 % × 711.22 = 2.13366
    assert (result.hours, result.amount) == (2, D("-2.13"))
    assert result.reason == RecalculationReason.POOR_QUALITY
    assert result.reason_text == (
        "Перерывы в предоставлении услуги «Горячее водоснабжение» сверх допустимых (ПП РФ №354, приложение 1): "
        "2 ч превышения × 0,15 % за час."
    )
    assert interruption_recalculation(
        service=ServiceKind.HOT_WATER, charge=D("711.22"), interruptions_hours=[3, 3, 3]
    ).amount == D("-1.07")  # 1.06683
    within = interruption_recalculation(service=ServiceKind.HOT_WATER, charge=D("711.22"), interruptions_hours=[4, 4])
    assert (within.hours, str(within.amount)) == (0, "0.00")


def test_heating_interruption_reduction():
    result = interruption_recalculation(service=ServiceKind.HEATING, charge=D("3735.02"), interruptions_hours=[30])
    # 30 h at once: 14 over the single 16 (6 over the monthly 24); 14 × 0.15 % × 3735.02 = 78.43542
    assert (result.hours, result.amount) == (14, D("-78.44"))
    split = interruption_recalculation(service=ServiceKind.HEATING, charge=D("3735.02"), interruptions_hours=[20, 10])
    # 30 h in total: 6 over 24 (4 over 16 at once); 6 × 0.15 % × 3735.02 = 33.61518
    assert (split.hours, split.amount) == (6, D("-33.62"))


def test_interruption_parameters_and_cap():
    doubled = interruption_recalculation(
        service=ServiceKind.HEATING, charge=D("3735.02"), interruptions_hours=[30], percent_per_hour=D("0.3")
    )
    assert doubled.amount == D("-156.87")  # 156.87084
    colder = interruption_recalculation(
        service=ServiceKind.HEATING, charge=D("3735.02"), interruptions_hours=[10],
        limits=InterruptionLimits(monthly_hours=24, single_hours=8),
    )
    assert (colder.hours, colder.amount) == (2, D("-11.21"))  # 11.20506
    capped = interruption_recalculation(service=ServiceKind.HOT_WATER, charge=D("711.22"), interruptions_hours=[1000])
    assert capped.amount == D("-711.22")


def test_interruption_inputs_checked():
    with pytest.raises(ValidationError) as info:
        interruption_recalculation(service=ServiceKind.GAS, charge=D("100"), interruptions_hours=[10])
    assert info.value.code == "QUALITY_SERVICE"
    with pytest.raises(ValidationError) as info:
        interruption_recalculation(service=ServiceKind.HOT_WATER, charge=D("100"), interruptions_hours=[-1])
    assert info.value.code == "INVALID"


# --- heating below the normative temperature (ПП 354 прил.1 п.15) -------------------------------------------------

def test_temperature_below_the_norm_worked_example():
    # the heating charge: 54.30 m² × 38.91 ₽/m² = 2 112.813 → 2 112.81
    # п.15: the norm +18 °C in a living room; at night (0–5 h) down to 3 °C below it is allowed; 0.15 % of the
    # period's charge for each hour and each degree of deviation
    deviations = [
        TemperatureDeviation(hours=30, temperature=16),  # daytime, 18 − 16 = 2 °C × 30 h = 60 degree-hours
        TemperatureDeviation(hours=5, temperature=16, night=True),  # night, 16 ≥ 18 − 3 = 15: allowed, 0
        TemperatureDeviation(hours=4, temperature=14, night=True),  # night below 15: 18 − 14 = 4 °C × 4 h = 16
    ]
    result = temperature_recalculation(service="heating", charge=Decimal("2112.81"), deviations=deviations)
    # 76 degree-hours × 0.15 % = 11.4 %; 2 112.81 × 0.114 = 240.86034 → −240.86
    assert (result.amount, result.hours) == (Decimal("-240.86"), 76)
    assert "п.15" in result.reason_text and "+18" in result.reason_text

    # a corner room, norm +20 °C: 30 × 4 + 5 × 4 (16 < 17 at night) + 4 × 6 = 164 degree-hours = 24.6 %;
    # 2 112.81 × 0.246 = 519.75126 → −519.75
    corner = temperature_recalculation(service="heating", charge=Decimal("2112.81"), deviations=deviations,
                                       corner_room=True)
    assert (corner.amount, corner.hours) == (Decimal("-519.75"), 164)


def test_temperature_counts_full_hours_and_degrees_and_caps_at_the_charge():
    # 2.5 h at +16.5 °C: 2 full hours × 1 full degree = 2 degree-hours × 0.15 % × 1000.00 = 3.00
    small = temperature_recalculation(service="heating", charge=Decimal("1000.00"),
                                      deviations=[TemperatureDeviation(hours=Decimal("2.5"),
                                                                       temperature=Decimal("16.5"))])
    assert small.amount == Decimal("-3.00")
    # a cold region (coldest five days −31 °C or below): norm +20 °C; 700 h at +10 °C = 7000 degree-hours = 1050 %,
    # capped at the whole charge
    cap = temperature_recalculation(service="heating", charge=Decimal("1000.00"), cold_region=True,
                                    deviations=[TemperatureDeviation(hours=700, temperature=10)])
    assert cap.amount == Decimal("-1000.00")


def test_temperature_only_for_heating():
    with pytest.raises(ValidationError) as refused:
        temperature_recalculation(service="hot_water", charge=Decimal("100"),
                                  deviations=[TemperatureDeviation(hours=5, temperature=10)])
    assert refused.value.code == "QUALITY_SERVICE"
