"""The agent's fee: rate, bounds, half-up kopecks, never above the amount."""

from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from billing_core.error_codes import ErrorCode
from billing_core.fees import FeeTerms, agent_fee, payout_fee_split

kopecks = st.integers(min_value=0, max_value=10**11)  # up to a billion roubles
rates = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)
bounds = st.none() | st.integers(min_value=0, max_value=10**8)


def money(k: int) -> Decimal:
    return Decimal(k).scaleb(-2)


def oracle_fee_kopecks(amount_k: int, rate: Decimal, min_k: int | None, max_k: int | None) -> int:
    """The rule computed in exact fractions of a kopeck, independently of the module."""
    exact = Fraction(amount_k) * Fraction(rate) / 100  # in kopecks
    if min_k is not None:
        exact = max(exact, Fraction(min_k))
    if max_k is not None:
        exact = min(exact, Fraction(max_k))
    whole, rest = divmod(exact.numerator, exact.denominator)
    rounded = whole + (1 if 2 * rest >= exact.denominator else 0)  # half up (values are not negative)
    return min(rounded, amount_k)


@given(kopecks, rates, bounds, bounds)
def test_fee_matches_the_exact_rule_and_adds_up(amount_k, rate, min_k, max_k):
    if min_k is not None and max_k is not None and min_k > max_k:
        min_k, max_k = max_k, min_k
    terms = FeeTerms(rate=rate, minimum=None if min_k is None else money(min_k),
                     maximum=None if max_k is None else money(max_k))
    split = payout_fee_split(money(amount_k), terms=terms)
    assert split.fee >= 0
    assert split.fee <= split.amount
    assert split.net + split.fee == money(amount_k)
    assert split.fee == split.fee.quantize(Decimal("0.01"))
    assert split.fee == money(oracle_fee_kopecks(amount_k, rate, min_k, max_k))


@given(kopecks, kopecks, rates)
def test_fee_does_not_decrease_when_the_amount_grows(a, b, rate):
    assume(a != b)
    small, large = sorted((a, b))
    terms = FeeTerms(rate=rate, minimum=Decimal("10.00"), maximum=Decimal("5000.00"))
    assert agent_fee(money(small), terms=terms) <= agent_fee(money(large), terms=terms)


def test_known_values():
    # 1.5 % of 1 000.33 = 15.00495 → 15.00; of 1 000.34 = 15.0051 → 15.01
    assert agent_fee(Decimal("1000.33"), terms=FeeTerms(rate=Decimal("1.5"))) == Decimal("15.00")
    assert agent_fee(Decimal("1000.34"), terms=FeeTerms(rate=Decimal("1.5"))) == Decimal("15.01")
    # exactly half a kopeck rounds up: 0.5 % of 1.01 = 0.00505 → 0.01
    assert agent_fee(Decimal("1.01"), terms=FeeTerms(rate=Decimal("0.5"))) == Decimal("0.01")
    # 0.5 % of 0.99 = 0.00495 → 0.00
    assert agent_fee(Decimal("0.99"), terms=FeeTerms(rate=Decimal("0.5"))) == Decimal("0.00")


def test_minimum_and_maximum_clamp_but_never_exceed_the_amount():
    terms = FeeTerms(rate=Decimal("2"), minimum=Decimal("50.00"), maximum=Decimal("300.00"))
    assert agent_fee(Decimal("1000.00"), terms=terms) == Decimal("50.00")  # 20 → minimum 50
    assert agent_fee(Decimal("100000.00"), terms=terms) == Decimal("300.00")  # 2000 → maximum 300
    assert agent_fee(Decimal("5000.00"), terms=terms) == Decimal("100.00")  # inside the bounds
    split = payout_fee_split(Decimal("30.00"), terms=terms)  # minimum 50 > amount 30
    assert (split.fee, split.net) == (Decimal("30.00"), Decimal("0.00"))
    assert payout_fee_split(Decimal("0.00"), terms=terms).fee == Decimal("0.00")


def test_terms_from_a_contract_like_object():
    contract = SimpleNamespace(fee_rate=Decimal("1.2500"), fee_min=None, fee_max=Decimal("100.00"))
    assert agent_fee(Decimal("10000.00"), terms=FeeTerms.from_contract(contract)) == Decimal("100.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate": Decimal("-0.01")}, "rate"),
        ({"rate": Decimal("100.01")}, "rate"),
        ({"rate": Decimal("1"), "minimum": Decimal("-1.00")}, "minimum"),
        ({"rate": Decimal("1"), "maximum": Decimal("1.005")}, "maximum"),
        ({"rate": Decimal("1"), "minimum": Decimal("10.00"), "maximum": Decimal("9.99")}, "maximum"),
    ],
)
def test_bad_terms_are_refused_with_the_field_named(kwargs, field):
    with pytest.raises(ValidationError) as exc:
        FeeTerms(**kwargs)
    assert list(exc.value.error_dict) == [field]
    assert exc.value.error_dict[field][0].code == ErrorCode.FEE_RANGE


@pytest.mark.parametrize("amount", [Decimal("-0.01"), Decimal("10.001")])
def test_bad_amount_is_refused(amount):
    with pytest.raises(ValidationError) as exc:
        agent_fee(amount, terms=FeeTerms(rate=Decimal("1")))
    assert exc.value.error_dict["amount"][0].code == ErrorCode.FEE_AMOUNT


def test_floats_are_refused():
    with pytest.raises(TypeError):
        agent_fee(10.0, terms=FeeTerms(rate=Decimal("1")))
    with pytest.raises(TypeError):
        FeeTerms(rate=1.5)
