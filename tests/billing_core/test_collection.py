"""Debt collection rules: each expected figure is worked out here from the rule it cites, not read off the code."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from billing_core.collection import (
    AGE_BUCKETS,
    COURT_ORDER_LIMIT,
    FEE_SCALES,
    HOUSE_ONLY_KINDS,
    MAX_INSTALLMENT_PARTS,
    RESTRICTABLE_KINDS,
    CourtRoute,
    age_bucket,
    court_order_fee,
    court_route,
    fee_scale_on,
    installment_breached,
    installment_schedule,
    lawsuit_fee,
    lift_deadline,
    monthly_norm_charge,
    months_of_norm,
    restriction_earliest,
    restriction_refusal,
    threshold_exceeded,
    warning_deadline,
    warning_term_end,
)
from billing_core.error_codes import ErrorCode
from billing_core.service_kinds import ServiceKind

D = Decimal
NEW = date(2025, 3, 1)  # a filing under the 259-ФЗ scale
OLD = date(2024, 9, 8)  # the last day of the earlier scale


def field_code(exc: pytest.ExceptionInfo, field: str) -> str:
    return exc.value.error_dict[field][0].code


# --- state fee: the 2024 scale (НК 333.19 п.1 в ред. 259-ФЗ, applications sent from 09.09.2024) -----------


def test_small_claim_flat_fee_and_court_order_of_2000():
    # пп.1: up to 100 000 → 4 000; пп.2: half = 2 000 (also the 2 000 minimum)
    assert lawsuit_fee(D("30000.00"), on=NEW) == D("4000.00")
    assert court_order_fee(D("30000.00"), on=NEW) == D("2000.00")
    # a claim of one kopeck still costs the flat 4 000 / 2 000
    assert lawsuit_fee(D("0.01"), on=NEW) == D("4000.00")
    assert court_order_fee(D("0.01"), on=NEW) == D("2000.00")


def test_second_band_150000():
    # пп.1: 4 000 + 3 % × (150 000 − 100 000) = 4 000 + 1 500 = 5 500; пп.2: half = 2 750
    assert lawsuit_fee(D("150000"), on=NEW) == D("5500.00")
    assert court_order_fee(D("150000"), on=NEW) == D("2750.00")


def test_third_band_350000_and_480000():
    # пп.1: 10 000 + 2,5 % × (350 000 − 300 000) = 10 000 + 1 250 = 11 250; half = 5 625
    assert lawsuit_fee(D("350000"), on=NEW) == D("11250.00")
    assert court_order_fee(D("350000"), on=NEW) == D("5625.00")
    # пп.1: 10 000 + 2,5 % × (480 000 − 300 000) = 10 000 + 4 500 = 14 500; half = 7 250
    assert lawsuit_fee(D("480000"), on=NEW) == D("14500.00")
    assert court_order_fee(D("480000"), on=NEW) == D("7250.00")


def test_600000_goes_to_a_lawsuit():
    # ГПК ст.121: a court order only up to 500 000, so 600 000 is a lawsuit;
    # пп.1: 15 000 + 2 % × (600 000 − 500 000) = 15 000 + 2 000 = 17 000
    assert court_route(D("600000")) == CourtRoute.LAWSUIT
    assert lawsuit_fee(D("600000"), on=NEW) == D("17000.00")


def test_band_boundaries_of_the_2024_scale():
    # each band's base is the previous band's value at its upper bound:
    # 300 000: 4 000 + 3 % × 200 000 = 10 000; 500 000: 10 000 + 2,5 % × 200 000 = 15 000;
    # 1 000 000: 15 000 + 2 % × 500 000 = 25 000; 3 000 000: 25 000 + 1 % × 2 000 000 = 45 000;
    # 8 000 000: 45 000 + 0,7 % × 5 000 000 = 80 000; 24 000 000: 80 000 + 0,35 % × 16 000 000 = 136 000;
    # 50 000 000: 136 000 + 0,3 % × 26 000 000 = 214 000; 100 000 000: 214 000 + 0,2 % × 50 000 000 = 314 000
    for claim, fee in [(100_000, 4_000), (300_000, 10_000), (500_000, 15_000), (1_000_000, 25_000),
                       (3_000_000, 45_000), (8_000_000, 80_000), (24_000_000, 136_000),
                       (50_000_000, 214_000), (100_000_000, 314_000)]:
        assert lawsuit_fee(D(claim), on=NEW) == D(fee), claim


def test_the_2024_cap_of_900000():
    # 200 000 000: 314 000 + 0,15 % × 100 000 000 = 314 000 + 150 000 = 464 000 (below the cap)
    assert lawsuit_fee(D("200000000"), on=NEW) == D("464000.00")
    # 1 000 000 000: 314 000 + 0,15 % × 900 000 000 = 1 664 000, «но не более 900 000»
    assert lawsuit_fee(D("1000000000"), on=NEW) == D("900000.00")


def test_rounding_to_full_roubles():
    # НК ст.52 п.6: under 50 kopecks dropped, 50 kopecks and more rounded up.
    # 123 456,78: 4 000 + 3 % × 23 456,78 = 4 000 + 703,7034 = 4 703,7034 → 4 704;
    # order: 4 703,7034 / 2 = 2 351,8517 → 2 352
    assert lawsuit_fee(D("123456.78"), on=NEW) == D("4704.00")
    assert court_order_fee(D("123456.78"), on=NEW) == D("2352.00")
    # 110 010: 4 000 + 3 % × 10 010 = 4 300,30 → 4 300; order 2 150,15 → 2 150
    assert lawsuit_fee(D("110010"), on=NEW) == D("4300.00")
    assert court_order_fee(D("110010"), on=NEW) == D("2150.00")
    # 100 050: 4 000 + 3 % × 50 = 4 001,50 → 4 002 (exactly 50 kopecks rounds up); order 2 000,75 → 2 001
    assert lawsuit_fee(D("100050"), on=NEW) == D("4002.00")
    assert court_order_fee(D("100050"), on=NEW) == D("2001.00")


def test_court_order_fee_is_half_of_the_exact_lawsuit_amount_rounded_once():
    # 133 366,00: 4 000 + 3 % × 33 366 = 5 000,98 → lawsuit 5 001;
    # order: 5 000,98 / 2 = 2 500,49 → 2 500 (not 5 001 / 2 = 2 500,50 → 2 501)
    assert lawsuit_fee(D("133366"), on=NEW) == D("5001.00")
    assert court_order_fee(D("133366"), on=NEW) == D("2500.00")


# --- state fee: the scale before 09.09.2024 --------------------------------------------------------------------


def test_a_case_sent_before_09_09_2024_uses_the_earlier_scale():
    # old пп.1: 100 001–200 000 → 3 200 + 2 % × (150 000 − 100 000) = 3 200 + 1 000 = 4 200; old пп.2: half = 2 100
    assert lawsuit_fee(D("150000"), on=OLD) == D("4200.00")
    assert court_order_fee(D("150000"), on=OLD) == D("2100.00")
    # the same claim sent a day later: 5 500 / 2 750 (the 2024 scale, as above)
    assert lawsuit_fee(D("150000"), on=OLD + timedelta(days=1)) == D("5500.00")
    assert fee_scale_on(OLD).valid_from < fee_scale_on(date(2024, 9, 9)).valid_from == date(2024, 9, 9)


def test_earlier_scale_small_claims_minimum_400_and_no_order_minimum():
    # old пп.1: up to 20 000 → 4 % of the claim, at least 400
    # 15 000: 4 % = 600; order: 300
    assert lawsuit_fee(D("15000"), on=OLD) == D("600.00")
    assert court_order_fee(D("15000"), on=OLD) == D("300.00")
    # 5 000: 4 % = 200 < 400 → 400; order: half = 200 (пп.2 had no minimum of its own)
    assert lawsuit_fee(D("5000"), on=OLD) == D("400.00")
    assert court_order_fee(D("5000"), on=OLD) == D("200.00")
    # 60 000: 800 + 3 % × 40 000 = 2 000; 500 000: 5 200 + 1 % × 300 000 = 8 200
    assert lawsuit_fee(D("60000"), on=OLD) == D("2000.00")
    assert lawsuit_fee(D("500000"), on=OLD) == D("8200.00")


def test_earlier_scale_cap_of_60000():
    # 5 000 000: 13 200 + 0,5 % × 4 000 000 = 33 200; 20 000 000: 13 200 + 95 000 = 108 200 → at most 60 000
    assert lawsuit_fee(D("5000000"), on=OLD) == D("33200.00")
    assert lawsuit_fee(D("20000000"), on=OLD) == D("60000.00")


def test_fee_refuses_a_claim_that_is_not_positive_or_a_date_without_a_scale():
    for claim in (D("0"), D("-1.00"), D("10.001")):
        with pytest.raises(ValidationError) as exc:
            lawsuit_fee(claim, on=NEW)
        assert field_code(exc, "claim") == ErrorCode.INVALID
        with pytest.raises(ValidationError):
            court_order_fee(claim, on=NEW)
    with pytest.raises(TypeError):
        lawsuit_fee(1000.0, on=NEW)
    with pytest.raises(ValidationError) as exc:
        lawsuit_fee(D("1000"), on=date(2005, 1, 1))
    assert field_code(exc, "on") == ErrorCode.INVALID


def test_scales_are_ordered_and_continuous():
    assert [s.valid_from for s in FEE_SCALES] == sorted(s.valid_from for s in FEE_SCALES)
    for scale in FEE_SCALES:
        assert scale.source.startswith("НК РФ ст.333.19")
        assert scale.bands[0].over == 0
        for lower, upper in zip(scale.bands, scale.bands[1:], strict=False):
            assert lower.over < upper.over
            # the lower band's formula at the boundary equals the next band's base: no jump in the fee
            assert lower.base + (upper.over - lower.over) * lower.percent / 100 == upper.base


@given(st.integers(min_value=1, max_value=10**11), st.integers(min_value=1, max_value=10**11),
       st.sampled_from([OLD, NEW]))
def test_fee_never_decreases_and_order_is_about_half(a, b, on):
    small, large = sorted((D(a).scaleb(-2), D(b).scaleb(-2)))
    assert lawsuit_fee(small, on=on) <= lawsuit_fee(large, on=on)
    assert court_order_fee(small, on=on) <= court_order_fee(large, on=on)
    fee, order = lawsuit_fee(small, on=on), court_order_fee(small, on=on)
    assert fee == fee.quantize(D(1)) and order == order.quantize(D(1))
    # one rounding each: the order fee is within a rouble of half the lawsuit fee (or its 2 000 minimum)
    assert abs(order - max(fee / 2, fee_scale_on(on).order_minimum)) <= 1


# --- route (ГПК ст.121) --------------------------------------------------------------------------------------------


def test_court_route_at_the_500000_limit():
    # ГПК ст.121 ч.1: a court order when the sum «не превышает пятьсот тысяч рублей»
    limit = COURT_ORDER_LIMIT
    assert limit == D("500000")
    assert court_route(D("30000")) == CourtRoute.ORDER
    assert court_route(D("500000.00")) == CourtRoute.ORDER
    assert court_route(D("500000.01")) == CourtRoute.LAWSUIT
    with pytest.raises(ValidationError):
        court_route(D("0"))


# --- restriction (ПП 354 п.117–119) --------------------------------------------------------------------------------

ON = date(2027, 2, 5)


@pytest.mark.parametrize("kind", ["hot_water", "electricity", "gas", "drainage"])
@pytest.mark.parametrize("block", [True, False])
def test_restrictable_services(kind, block):
    # п.119 «в» names no exception for them, in an apartment block or in a house
    assert restriction_refusal(kind, apartment_block=block, on=ON, heating_season=True) is None
    assert restriction_refusal(kind, apartment_block=block, on=ON, heating_season=False) is None


@pytest.mark.parametrize("season", [True, False])
@pytest.mark.parametrize("block", [True, False])
def test_heating_is_never_suspended(season, block):
    # п.119 «в»: «за исключением отопления», not limited to the heating season
    reason = restriction_refusal("heating", apartment_block=block, on=ON, heating_season=season)
    assert reason is not None and "Отопление" in reason and "п.119 «в»" in reason


def test_cold_water_only_outside_an_apartment_block():
    # п.119 «в»: «а в многоквартирных домах также за исключением холодного водоснабжения»
    reason = restriction_refusal("cold_water", apartment_block=True, on=ON, heating_season=False)
    assert reason is not None and "многоквартирном доме" in reason
    assert restriction_refusal("cold_water", apartment_block=False, on=ON, heating_season=False) is None


@pytest.mark.parametrize("kind", ["maintenance", "waste", "capital_repair", "custom"])
def test_services_that_are_not_restricted(kind):
    reason = restriction_refusal(kind, apartment_block=True, on=ON, heating_season=False)
    assert isinstance(reason, str)
    assert f"«{ServiceKind(kind).label}»" in reason


def test_every_kind_is_classified_and_unknown_kinds_are_refused():
    restrictable, house_only = RESTRICTABLE_KINDS, HOUSE_ONLY_KINDS
    assert restrictable == {ServiceKind.HOT_WATER, ServiceKind.ELECTRICITY, ServiceKind.GAS, ServiceKind.DRAINAGE}
    assert house_only == {ServiceKind.COLD_WATER}
    # the rest of the catalogue is refused, each kind with a reason
    for kind in set(ServiceKind) - restrictable - house_only:
        assert restriction_refusal(kind, apartment_block=False, on=ON, heating_season=False)
    with pytest.raises(ValidationError) as exc:
        restriction_refusal("steam", apartment_block=True, on=ON, heating_season=False)
    assert field_code(exc, "service_kind") == ErrorCode.INVALID


def test_the_2020_moratorium():
    # ПП РФ №424 от 02.04.2020: no restriction for debt until 01.01.2021
    reason = restriction_refusal("electricity", apartment_block=True, on=date(2020, 12, 31), heating_season=True)
    assert reason is not None and "№424" in reason
    assert restriction_refusal("electricity", apartment_block=True, on=date(2021, 1, 1), heating_season=True) is None


# --- the п.118 threshold --------------------------------------------------------------------------------------------


def test_threshold_of_two_monthly_charges_by_the_norm():
    # cold water without a meter in a house: norm 3,5 m³ per person × 2 persons × tariff 250,00 = 1 750,00 a month;
    # п.118: the debt must exceed 2 × 1 750,00 = 3 500,00
    charge = monthly_norm_charge(D("3.5"), D("250.00"), D("2"))
    assert charge == D("1750.00")
    assert threshold_exceeded(D("3500.00"), charge) is False
    assert threshold_exceeded(D("3500.01"), charge) is True
    # 3 500,01 / 1 750,00 = 2,0000057… → 2,00; 5 250,00 / 1 750,00 = 3,00
    assert months_of_norm(D("3500.01"), charge) == D("2.00")
    assert months_of_norm(D("5250.00"), charge) == D("3.00")
    assert months_of_norm(D("100.00"), D("0.00")) is None


def test_monthly_norm_charge_rounds_half_up():
    # 1,5 × 0,03 × 1 = 0,045 → 0,05 (half up, not to even)
    assert monthly_norm_charge(D("1.5"), D("0.03"), D("1")) == D("0.05")
    # by area: 0,0189 Gcal/m² × 2 500,00 × 54,3 m² = 2 565,675 → 2 565,68
    assert monthly_norm_charge(D("0.0189"), D("2500.00"), D("54.3")) == D("2565.68")
    with pytest.raises(ValidationError):
        monthly_norm_charge(D("-1"), D("1"), D("1"))
    with pytest.raises(ValidationError):
        threshold_exceeded(D("-0.01"), D("1.00"))


# --- terms (п.119 «а», п.120; ГК ст.191) ---------------------------------------------------------------------------


def test_twenty_days_from_delivery():
    # delivered 05.02.2027; day 1 = 06.02, day 20 = 25.02.2027; restriction from 26.02.2027
    delivered = date(2027, 2, 5)
    assert warning_term_end(delivered) == date(2027, 2, 25)
    assert restriction_earliest(delivered) == date(2027, 2, 26)
    assert warning_deadline(delivered) == date(2027, 2, 26)


def test_twenty_days_across_a_month_end():
    # delivered 15.02.2027 (28 days in February): 16–28.02 = 13 days, 01–07.03 = 7 → ends 07.03.2027, restrict 08.03
    assert warning_term_end(date(2027, 2, 15)) == date(2027, 3, 7)
    assert restriction_earliest(date(2027, 2, 15)) == date(2027, 3, 8)
    # 2028 is a leap year: 16–29.02 = 14 days, 01–06.03 = 6 → ends 06.03.2028
    assert warning_term_end(date(2028, 2, 15)) == date(2028, 3, 6)
    # delivered 31.01.2027: 01–20.02 → ends 20.02.2027, restrict 21.02
    assert warning_term_end(date(2027, 1, 31)) == date(2027, 2, 20)
    assert restriction_earliest(date(2027, 1, 31)) == date(2027, 2, 21)


def test_service_resumed_within_two_days():
    # п.120: within 2 calendar days of the day the cause was removed: paid 30.12.2026 → 31.12, 01.01.2027
    assert lift_deadline(date(2026, 12, 30)) == date(2027, 1, 1)


# --- installments -----------------------------------------------------------------------------------------------------


def test_ten_thousand_in_three_parts_clamped_in_february():
    # 1 000 000 kopecks / 3 = 333 333 rest 1: the odd kopeck on the first part → 3 333,34 + 3 333,33 + 3 333,33;
    # due on the 31st: 31.01.2027, 28.02.2027 (clamped), 31.03.2027 (back to the 31st)
    assert installment_schedule(D("10000.00"), parts=3, first_due=date(2027, 1, 31)) == [
        (date(2027, 1, 31), D("3333.34")),
        (date(2027, 2, 28), D("3333.33")),
        (date(2027, 3, 31), D("3333.33")),
    ]


def test_remainder_kopecks_go_to_the_first_parts_and_dates_cross_the_year():
    # 100,00 in 6: 10 000 kopecks / 6 = 1 666 rest 4 → four parts of 16,67 and two of 16,66
    # (4 × 16,67 + 2 × 16,66 = 66,68 + 33,32 = 100,00)
    schedule = installment_schedule(D("100.00"), parts=6, first_due=date(2026, 11, 30))
    assert [amount for _due, amount in schedule] == [D("16.67")] * 4 + [D("16.66")] * 2
    assert [due for due, _amount in schedule] == [
        date(2026, 11, 30), date(2026, 12, 30), date(2027, 1, 30), date(2027, 2, 28), date(2027, 3, 30),
        date(2027, 4, 30),
    ]


def test_explicit_day_and_leap_february():
    # first part on 15.01.2028, then the 31st of each month: 29.02.2028 (leap year), 31.03.2028
    assert [due for due, _ in installment_schedule(D("3.00"), parts=3, first_due=date(2028, 1, 15), day=31)] == [
        date(2028, 1, 15), date(2028, 2, 29), date(2028, 3, 31),
    ]


def test_installment_validation():
    first = date(2027, 1, 31)
    for kwargs, field in [
        ({"total": D("100.00"), "parts": 0}, "parts"),
        ({"total": D("100.00"), "parts": MAX_INSTALLMENT_PARTS + 1}, "parts"),
        ({"total": D("0.00"), "parts": 3}, "total"),
        ({"total": D("-5.00"), "parts": 3}, "total"),
        ({"total": D("0.02"), "parts": 3}, "total"),  # less than a kopeck a part
        ({"total": D("100.00"), "parts": 3, "day": 32}, "day"),
    ]:
        with pytest.raises(ValidationError) as exc:
            installment_schedule(first_due=first, **kwargs)
        assert field in exc.value.error_dict, kwargs
    assert len(installment_schedule(D("36.00"), parts=36, first_due=first)) == 36


@given(st.integers(min_value=1, max_value=10**10), st.integers(min_value=1, max_value=36),
       st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)))
def test_schedule_adds_up_and_is_monthly(kopecks, parts, first_due):
    total = D(kopecks).scaleb(-2)
    if kopecks < parts:
        with pytest.raises(ValidationError):
            installment_schedule(total, parts=parts, first_due=first_due)
        return
    schedule = installment_schedule(total, parts=parts, first_due=first_due)
    amounts = [amount for _due, amount in schedule]
    assert sum(amounts) == total and len(schedule) == parts
    assert max(amounts) - min(amounts) <= D("0.01") and amounts == sorted(amounts, reverse=True)
    dues = [due for due, _amount in schedule]
    assert dues[0] == first_due
    for index, due in enumerate(dues):
        months = first_due.month - 1 + index
        assert (due.year, due.month) == (first_due.year + months // 12, months % 12 + 1)
        assert due.day == first_due.day or (due.day < first_due.day and (due + timedelta(days=1)).day == 1)


def test_breach_of_the_schedule():
    schedule = installment_schedule(D("10000.00"), parts=3, first_due=date(2027, 1, 31))
    paid = D("3333.34")
    # on 28.02.2027 the second part is due that day, not yet late: only the first counts, paid in full
    assert installment_breached(schedule, paid, on=date(2027, 2, 28)) == (False, D("0.00"))
    # on 01.03.2027 the second is late: 3 333,34 + 3 333,33 − 3 333,34 = 3 333,33 short
    assert installment_breached(schedule, paid, on=date(2027, 3, 1)) == (True, D("3333.33"))
    # 5 days of grace: late from 28.02 + 5 + 1 = 06.03.2027
    assert installment_breached(schedule, paid, on=date(2027, 3, 5), grace_days=5) == (False, D("0.00"))
    assert installment_breached(schedule, paid, on=date(2027, 3, 6), grace_days=5) == (True, D("3333.33"))
    # paid ahead of the schedule: nothing short
    assert installment_breached(schedule, D("10000.00"), on=date(2027, 2, 1)) == (False, D("0.00"))
    # nothing paid and everything late: the whole 10 000,00
    assert installment_breached(schedule, D("0.00"), on=date(2027, 6, 1)) == (True, D("10000.00"))
    with pytest.raises(ValidationError):
        installment_breached(schedule, paid, on=date(2027, 3, 1), grace_days=-1)


# --- debt age ---------------------------------------------------------------------------------------------------------


def test_age_buckets():
    # a debt of the current billing month is age 1; March 2027 seen in March 2027
    as_of = date(2027, 3, 1)
    assert AGE_BUCKETS == ("1", "2", "3", "4–6", "7–12", ">12")
    cases = [
        (date(2027, 3, 1), "1"),  # 0 months back → age 1
        (date(2027, 2, 1), "2"),
        (date(2027, 1, 1), "3"),
        (date(2026, 12, 1), "4–6"),  # 3 months back → age 4
        (date(2026, 10, 1), "4–6"),  # age 6
        (date(2026, 9, 1), "7–12"),  # age 7
        (date(2026, 4, 1), "7–12"),  # age 12
        (date(2026, 3, 1), ">12"),  # age 13
        (date(2019, 1, 1), ">12"),
    ]
    for origin, label in cases:
        assert age_bucket(origin, as_of) == label, origin


def test_age_bucket_refuses_a_future_debt_and_a_mid_month_date():
    with pytest.raises(ValidationError) as exc:
        age_bucket(date(2027, 4, 1), date(2027, 3, 1))
    assert field_code(exc, "origin_month") == ErrorCode.DATE_RANGE
    with pytest.raises(ValidationError):
        age_bucket(date(2027, 1, 15), date(2027, 3, 1))
