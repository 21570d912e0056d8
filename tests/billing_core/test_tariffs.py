"""Tariffs and charges: worked examples in exact kopecks, tariff segments by days."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from billing_core.error_codes import ErrorCode
from billing_core.tariffs import (
    QuantityBasis,
    Tariff,
    TariffKind,
    VolumeMethod,
    charge_amount,
    norm_volume,
    resolve_volume,
    tariff_segments,
    uplift_split,
)

D = Decimal
JUNE_START, JUNE_END = date(2026, 6, 1), date(2026, 6, 30)


def single(kind, rate, valid_from=date(2026, 1, 1), valid_to=None) -> Tariff:
    return Tariff(kind=kind, valid_from=valid_from, valid_to=valid_to, rate=D(rate))


def code_of(fn, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        fn(**kwargs)
    return info.value.code


# --- worked examples ---------------------------------------------------------------------------


def test_metered_cold_water():
    volume, method = resolve_volume(
        current_reading=D("130.801"), previous_reading=D("123.456"), history_volumes=[], norm_volume=None
    )
    assert (volume, method) == (D("7.345"), VolumeMethod.METER)
    result = charge_amount(
        tariffs=[single(TariffKind.PER_UNIT, "45.67")], period_start=JUNE_START, period_end=JUNE_END, volume=volume
    )
    # 7.345 × 45.67 = 335.44615
    assert result.total == D("335.45")
    assert result.basis == QuantityBasis.VOLUME
    assert result.quantity == D("7.345")
    assert [(line.days, line.rate) for line in result.lines] == [(30, D("45.67"))]
    assert result.lines[0].amount == D("335.44615")


def test_unmetered_norm_times_persons_times_uplift():
    volume = norm_volume(norm=D("4.745"), persons=3)
    assert volume == D("14.235")
    result = charge_amount(
        tariffs=[single(TariffKind.PER_UNIT, "45.67")],
        period_start=JUNE_START,
        period_end=JUNE_END,
        volume=volume,
        uplift_coefficient=D("1.5"),
    )
    # 14.235 × 45.67 = 650.11245; × 1.5 = 975.168675
    assert result.total == D("975.17")
    assert result.uplift_coefficient == D("1.5")


def test_unmetered_heating_norm_times_area():
    volume = norm_volume(norm=D("0.0238"), area=D("54.3"))  # Gcal per m² per month
    result = charge_amount(
        tariffs=[single(TariffKind.PER_UNIT, "2890.12")], period_start=JUNE_START, period_end=JUNE_END, volume=volume
    )
    # 0.0238 × 54.3 = 1.29234 Gcal; × 2890.12 = 3735.0176808
    assert result.total == D("3735.02")


def test_per_square_metre():
    result = charge_amount(
        tariffs=[single(TariffKind.PER_AREA, "28.34")], period_start=JUNE_START, period_end=JUNE_END, area=D("54.3")
    )
    # 54.3 × 28.34 = 1538.862
    assert result.total == D("1538.86")
    assert result.basis == QuantityBasis.AREA


def test_per_person_and_per_premise():
    waste = charge_amount(
        tariffs=[single(TariffKind.PER_PERSON, "152.17")], period_start=JUNE_START, period_end=JUNE_END, persons=2
    )
    assert waste.total == D("304.34")
    intercom = charge_amount(
        tariffs=[single(TariffKind.PER_PREMISE, "65.5")], period_start=JUNE_START, period_end=JUNE_END
    )
    assert intercom.total == D("65.50")
    assert intercom.quantity == 1


def test_two_component_hot_water():
    tariff = Tariff(
        kind=TariffKind.TWO_COMPONENT_HOT_WATER,
        valid_from=date(2026, 1, 1),
        cold_water_rate=D("45.67"),
        heat_rate=D("2890.12"),
        heat_norm=D("0.0611"),
    )
    # 45.67 + 0.0611 × 2890.12 = 45.67 + 176.586332 = 222.256332 per m³, unrounded
    assert tariff.unit_rate == D("222.256332")
    result = charge_amount(tariffs=[tariff], period_start=JUNE_START, period_end=JUNE_END, volume=D("3.2"))
    # 3.2 × 222.256332 = 711.2202624
    assert result.total == D("711.22")


def test_mid_period_tariff_change_is_split_by_days():
    tariffs = [
        single(TariffKind.PER_UNIT, "41.23", valid_to=date(2026, 6, 15)),
        single(TariffKind.PER_UNIT, "43.87", valid_from=date(2026, 6, 16)),
    ]
    result = charge_amount(tariffs=tariffs, period_start=JUNE_START, period_end=JUNE_END, volume=D("7.5"))
    assert [(line.start, line.end, line.days, line.rate) for line in result.lines] == [
        (date(2026, 6, 1), date(2026, 6, 15), 15, D("41.23")),
        (date(2026, 6, 16), date(2026, 6, 30), 15, D("43.87")),
    ]
    # the volume is split by days: 3.75 m³ at each rate
    assert [line.quantity for line in result.lines] == [D("3.75"), D("3.75")]
    # (7.5 × 15 × 41.23 + 7.5 × 15 × 43.87) / 30 = (4638.375 + 4935.375) / 30 = 319.125 → 319.13, half up,
    # rounded once (rounding each line first would give 154.61 + 164.51 = 319.12)
    assert [line.amount for line in result.lines] == [D("154.6125"), D("164.5125")]
    assert result.total == D("319.13")


def test_mid_period_change_uneven_days():
    tariffs = [
        single(TariffKind.PER_AREA, "28.34", valid_to=date(2026, 6, 10)),
        single(TariffKind.PER_AREA, "30.12", valid_from=date(2026, 6, 11)),
    ]
    result = charge_amount(tariffs=tariffs, period_start=JUNE_START, period_end=JUNE_END, area=D("54.3"))
    # (54.3 × 10 × 28.34 + 54.3 × 20 × 30.12) / 30 = (15388.62 + 32710.32) / 30 = 1603.298
    assert result.total == D("1603.30")


def test_overlapping_tariffs_refused():
    tariffs = [
        single(TariffKind.PER_UNIT, "41.23", valid_to=date(2026, 6, 16)),
        single(TariffKind.PER_UNIT, "43.87", valid_from=date(2026, 6, 16)),
    ]
    with pytest.raises(ValidationError) as info:
        tariff_segments(tariffs, JUNE_START, JUNE_END)
    assert info.value.code == ErrorCode.TARIFF_OVERLAP == "TARIFF_OVERLAP"
    open_ended = [single(TariffKind.PER_UNIT, "1"), single(TariffKind.PER_UNIT, "2", valid_from=date(2030, 1, 1))]
    assert code_of(charge_amount, tariffs=open_ended, period_start=JUNE_START, period_end=JUNE_END,
                   volume=D(1)) == "TARIFF_OVERLAP"


def test_days_without_tariff_refused():
    tariffs = [single(TariffKind.PER_UNIT, "41.23", valid_from=date(2026, 6, 2))]
    assert code_of(charge_amount, tariffs=tariffs, period_start=JUNE_START, period_end=JUNE_END,
                   volume=D(1)) == "TARIFF_MISSING"
    assert code_of(charge_amount, tariffs=[], period_start=JUNE_START, period_end=JUNE_END,
                   volume=D(1)) == "TARIFF_MISSING"


def test_bases_must_match_and_inputs_are_checked():
    mixed = [
        single(TariffKind.PER_UNIT, "41.23", valid_to=date(2026, 6, 15)),
        single(TariffKind.PER_AREA, "1", valid_from=date(2026, 6, 16)),
    ]
    assert code_of(charge_amount, tariffs=mixed, period_start=JUNE_START, period_end=JUNE_END,
                   volume=D(1), area=D(1)) == "TARIFF_BASIS_MISMATCH"
    per_area = [single(TariffKind.PER_AREA, "28.34")]
    assert code_of(charge_amount, tariffs=per_area, period_start=JUNE_START, period_end=JUNE_END) == "REQUIRED"
    assert code_of(charge_amount, tariffs=per_area, period_start=JUNE_START, period_end=JUNE_END,
                   area=D("54.3"), uplift_coefficient=D("1.5")) == "INVALID"
    assert code_of(charge_amount, tariffs=per_area, period_start=JUNE_END, period_end=JUNE_START,
                   area=D(1)) == "DATE_RANGE"
    with pytest.raises(TypeError):
        charge_amount(tariffs=per_area, period_start=JUNE_START, period_end=JUNE_END, area=54.3)


def test_tariff_definition_checked():
    assert code_of(Tariff, kind=TariffKind.PER_UNIT, valid_from=date(2026, 7, 1), valid_to=date(2026, 6, 30),
                   rate=D(1)) == "DATE_RANGE"
    assert code_of(Tariff, kind=TariffKind.TWO_COMPONENT_HOT_WATER, valid_from=date(2026, 7, 1),
                   cold_water_rate=D(1), heat_rate=D(1)) == "REQUIRED"
    assert code_of(Tariff, kind=TariffKind.PER_UNIT, valid_from=date(2026, 7, 1), rate=D(-1)) == "INVALID"


# --- volume resolution --------------------------------------------------------------------------


def test_average_of_last_three_months_when_reading_missing():
    volume, method = resolve_volume(
        current_reading=None, previous_reading=D("130.801"),
        history_volumes=[D("100"), D("10"), D("11"), D("11")], norm_volume=D("14.235"),
    )
    # only the last 3 months: (10 + 11 + 11) / 3 = 10.6666… → 10.667 m³
    assert (volume, method) == (D("10.667"), VolumeMethod.AVERAGE)
    volume, method = resolve_volume(
        current_reading=None, previous_reading=None, history_volumes=[D("6.4")], norm_volume=D("14.235")
    )
    assert (volume, method) == (D("6.400"), VolumeMethod.AVERAGE)


def test_norm_without_history_or_after_three_missing_periods():
    assert resolve_volume(
        current_reading=None, previous_reading=D("1"), history_volumes=[], norm_volume=D("14.235")
    ) == (D("14.235"), VolumeMethod.NORM)
    assert resolve_volume(
        current_reading=None, previous_reading=D("1"), history_volumes=[D(5), D(6), D(7)], norm_volume=D("14.235"),
        periods_missing=4,
    ) == (D("14.235"), VolumeMethod.NORM)
    assert resolve_volume(
        current_reading=None, previous_reading=D("1"), history_volumes=[D(5), D(6), D(7)], norm_volume=D("14.235"),
        periods_missing=3,
    ) == (D("6.000"), VolumeMethod.AVERAGE)
    assert code_of(resolve_volume, current_reading=None, previous_reading=None, history_volumes=[],
                   norm_volume=None) == "REQUIRED"


def test_equal_reading_is_zero_volume_and_lower_is_refused():
    assert resolve_volume(
        current_reading=D("12.5"), previous_reading=D("12.5"), history_volumes=[], norm_volume=None
    ) == (D("0.0"), VolumeMethod.METER)
    assert code_of(resolve_volume, current_reading=D("12"), previous_reading=D("12.5"), history_volumes=[],
                   norm_volume=None) == "READING_BELOW_PREVIOUS"


# --- properties ---------------------------------------------------------------------------------

BASE = date(2025, 1, 1)
periods = st.tuples(st.integers(0, 700), st.integers(1, 62))  # start offset from BASE, length in days


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@given(periods, st.sets(st.integers(-30, 800), max_size=12))
def test_contiguous_tariffs_cover_every_day_once(period, cuts):
    """Tariffs that follow each other without gaps cut a period into segments that neither lose nor
    duplicate a day."""
    start = BASE + timedelta(days=period[0])
    end = start + timedelta(days=period[1] - 1)
    starts = [BASE - timedelta(days=100)] + [BASE + timedelta(days=c) for c in sorted(cuts)]
    tariffs = [
        single(TariffKind.PER_UNIT, i + 1, valid_from=s, valid_to=(starts[i + 1] - timedelta(days=1))
               if i + 1 < len(starts) else None)
        for i, s in enumerate(starts)
    ]
    segments = tariff_segments(list(reversed(tariffs)), start, end)
    assert sum(s.days for s in segments) == period[1]
    assert segments[0].start == start and segments[-1].end == end
    for a, b in pairwise(segments):
        assert b.start == a.end + timedelta(days=1)
    covered = [day for s in segments for day in _days(s.start, s.end)]
    assert covered == _days(start, end)
    for s in segments:
        assert all(s.tariff.covers(day) for day in _days(s.start, s.end))


@given(periods, st.lists(st.integers(0, 800), min_size=0, max_size=16, unique=True))
def test_segments_are_exactly_the_covered_days(period, bounds):
    """With gaps between tariffs, the segments hold exactly the period's days some tariff covers."""
    start = BASE + timedelta(days=period[0])
    end = start + timedelta(days=period[1] - 1)
    bounds = sorted(bounds)
    tariffs = [
        single(TariffKind.PER_UNIT, 1, valid_from=BASE + timedelta(days=a), valid_to=BASE + timedelta(days=b))
        for a, b in zip(bounds[0::2], bounds[1::2], strict=False)
    ]
    segments = tariff_segments(tariffs, start, end)
    covered = [day for s in segments for day in _days(s.start, s.end)]
    assert len(covered) == len(set(covered))
    assert set(covered) == {day for day in _days(start, end) if any(t.covers(day) for t in tariffs)}


@given(st.integers(1, 29), st.decimals(min_value=0, max_value=1000, places=3),
       st.decimals(min_value=0, max_value=5000, places=4))
def test_splitting_a_tariff_at_the_same_rate_changes_nothing(cut_day, volume, rate):
    whole = charge_amount(tariffs=[single(TariffKind.PER_UNIT, rate)], period_start=JUNE_START,
                          period_end=JUNE_END, volume=volume)
    cut = date(2026, 6, cut_day)
    split = charge_amount(
        tariffs=[single(TariffKind.PER_UNIT, rate, valid_to=cut),
                 single(TariffKind.PER_UNIT, rate, valid_from=cut + timedelta(days=1))],
        period_start=JUNE_START, period_end=JUNE_END, volume=volume,
    )
    assert split.total == whole.total
    assert len(split.lines) == 2


# --- the ЕПД's uplift split (ПП 354 п.69; Приказ Минстроя № 43/пр) --------------------------------------------


def test_uplift_split_one_tariff_worked_example():
    # Cold water without a meter: norm 4.9 m³ × 3 persons = 14.7 m³; coefficient 1.5, so the charge run stores
    # 22.05 m³ and 22.05 × 45.67 = 1007.0235 → 1007.02 ₽. The document prints:
    #   14.7 m³ × 45.67 = 671.349 → 671.35 ₽ (half up), and the increase 1007.02 − 671.35 = 335.67 ₽.
    # Rounding 671.35 × 0.5 = 335.675 on its own would give 335.68 and the rows would not add up to 1007.02.
    split = uplift_split(charged=Decimal("1007.02"), quantity=Decimal("22.0500"), rate=Decimal("45.67"),
                         coefficient=Decimal("1.5"))
    assert (split.norm_volume, split.base, split.increase) == (Decimal("14.7000"), Decimal("671.35"),
                                                               Decimal("335.67"))
    assert split.base + split.increase == Decimal("1007.02")


def test_uplift_split_tariff_change_inside_the_month_worked_example():
    # 22.05 m³ (uplifted) in October: 40.00 ₽ for 15 days, 45.00 ₽ for 16 days, charged by days:
    # 22.05 × (15 × 40 + 16 × 45) / 31 = 22.05 × 1320 / 31 = 938.903… → 938.90 ₽. The printed tariff (45.00) is
    # not the month's, so the charge by the norm is 938.90 / 1.5 = 625.933… → 625.93 and the increase 312.97.
    split = uplift_split(charged=Decimal("938.90"), quantity=Decimal("22.0500"), rate=Decimal("45.00"),
                         coefficient=Decimal("1.5"))
    assert (split.norm_volume, split.base, split.increase) == (Decimal("14.7000"), Decimal("625.93"),
                                                               Decimal("312.97"))
