"""The benefit formula: a discount on the beneficiaries' share of the charge, by days, rounded once."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_core.benefits import BenefitGrant, benefit_amount


def test_half_of_the_household_for_the_whole_month():
    # 2 of 4 persons at 50 % on 1 000.00: 1 000 × 0.5 × 2/4 = 250.00
    amount = benefit_amount(charge=Decimal("1000.00"), grants=[BenefitGrant(Decimal("50"), 2, 30)], persons=4,
                            charge_area=Decimal("60"), per_area=False, period_days=30)
    assert amount == Decimal("250.00")


def test_share_is_capped_at_the_whole_charge():
    # 3 beneficiaries on an account counting 2 persons: the share is 1, never 3/2
    amount = benefit_amount(charge=Decimal("100.00"), grants=[BenefitGrant(Decimal("30"), 3, 31)], persons=2,
                            charge_area=Decimal("40"), per_area=False, period_days=31)
    assert amount == Decimal("30.00")


def test_part_of_the_month_and_half_up_rounding():
    # 1 of 3 persons, 50 %, 10 of 28 days, on 123.45: 123.45 × 0.5 / 3 × 10 / 28 = 7.34821… → 7.35
    exact = Decimal("123.45") * Decimal("0.5") / 3 * 10 / 28
    amount = benefit_amount(charge=Decimal("123.45"), grants=[BenefitGrant(Decimal("50"), 1, 10)], persons=3,
                            charge_area=Decimal("40"), per_area=False, period_days=28)
    assert amount == Decimal("7.35") and abs(amount - exact) < Decimal("0.005")


def test_social_norm_limits_a_per_area_service_to_the_area_within_the_norm():
    # 1 beneficiary × 18 m² of 72 m², 100 %: a quarter of 2 000.00
    amount = benefit_amount(charge=Decimal("2000.00"),
                            grants=[BenefitGrant(Decimal("100"), 1, 30, social_norm_area=Decimal("18"))],
                            persons=4, charge_area=Decimal("72"), per_area=True, period_days=30)
    assert amount == Decimal("500.00")


def test_social_norm_is_ignored_on_a_service_not_charged_per_area():
    grant = BenefitGrant(Decimal("100"), 1, 30, social_norm_area=Decimal("18"))
    amount = benefit_amount(charge=Decimal("2000.00"), grants=[grant], persons=2, charge_area=Decimal("72"),
                            per_area=False, period_days=30)
    assert amount == Decimal("1000.00")


def test_social_norm_above_the_area_covers_the_whole_area():
    grant = BenefitGrant(Decimal("50"), 2, 30, social_norm_area=Decimal("33"))
    amount = benefit_amount(charge=Decimal("999.99"), grants=[grant], persons=2, charge_area=Decimal("40"),
                            per_area=True, period_days=30)
    assert amount == Decimal("500.00")  # 999.99 / 2 = 499.995 → half up


def test_an_account_without_persons_on_record_gets_the_whole_share():
    amount = benefit_amount(charge=Decimal("80.00"), grants=[BenefitGrant(Decimal("25"), 1, 30)], persons=0,
                            charge_area=Decimal("40"), per_area=False, period_days=30)
    assert amount == Decimal("20.00")


def test_several_grants_are_summed_before_rounding_and_never_exceed_the_charge():
    grants = [BenefitGrant(Decimal("100"), 2, 31), BenefitGrant(Decimal("100"), 2, 31)]
    assert benefit_amount(charge=Decimal("10.00"), grants=grants, persons=3, charge_area=Decimal("1"),
                          per_area=False, period_days=31) == Decimal("10.00")
    # 0.03 × 50 % × 1/3 = 0.005 per grant: rounded once (0.01), not per grant (0.01 + 0.01)
    small = [BenefitGrant(Decimal("50"), 1, 30), BenefitGrant(Decimal("50"), 1, 30)]
    assert benefit_amount(charge=Decimal("0.03"), grants=small, persons=3, charge_area=Decimal("1"),
                          per_area=False, period_days=30) == Decimal("0.01")


def test_no_charge_no_benefit():
    grant = BenefitGrant(Decimal("50"), 1, 30)
    for charge in (Decimal("0.00"), Decimal("-10.00")):
        assert benefit_amount(charge=charge, grants=[grant], persons=1, charge_area=Decimal("1"), per_area=False,
                              period_days=30) == Decimal("0.00")


def test_float_money_and_bad_grants_are_refused():
    with pytest.raises(TypeError):
        benefit_amount(charge=10.0, grants=[BenefitGrant(Decimal("50"), 1, 30)], persons=1,
                       charge_area=Decimal("1"), per_area=False, period_days=30)
    for bad in (BenefitGrant(Decimal("0"), 1, 30), BenefitGrant(Decimal("101"), 1, 30),
                BenefitGrant(Decimal("10"), 0, 30), BenefitGrant(Decimal("10"), 1, 31)):
        with pytest.raises(ValueError):
            benefit_amount(charge=Decimal("10.00"), grants=[bad], persons=1, charge_area=Decimal("1"),
                           per_area=False, period_days=30)


money = st.integers(min_value=0, max_value=10**9).map(lambda k: Decimal(k) / 100)
grant = st.builds(
    BenefitGrant,
    percent=st.integers(min_value=1, max_value=10000).map(lambda k: Decimal(k) / 100),
    beneficiaries=st.integers(min_value=1, max_value=8),
    valid_days=st.integers(min_value=0, max_value=28),
    social_norm_area=st.none() | st.integers(min_value=1, max_value=5000).map(lambda k: Decimal(k) / 100),
)


@given(charge=money, grants=st.lists(grant, min_size=1, max_size=3), persons=st.integers(0, 10),
       area=st.integers(0, 20000).map(lambda k: Decimal(k) / 100), per_area=st.booleans())
def test_the_benefit_is_kopeck_exact_between_zero_and_the_charge(charge, grants, persons, area, per_area):
    amount = benefit_amount(charge=charge, grants=grants, persons=persons, charge_area=area, per_area=per_area,
                            period_days=28)
    assert amount == amount.quantize(Decimal("0.01"))
    assert Decimal(0) <= amount <= charge
    # one grant alone never gives more than its percent of the charge (plus half a kopeck of rounding)
    if len(grants) == 1:
        assert amount <= charge * grants[0].percent / 100 + Decimal("0.005")
