"""Money: kopeck quantization and the largest-remainder split."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_core.money import KOPECK, from_kopecks, split_largest_remainder, to_kopecks, to_money

totals = st.integers(min_value=0, max_value=10**12)
int_weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30)
decimal_weights = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False), min_size=1, max_size=30
)
any_weights = int_weights | decimal_weights


def exact_shares(total: int, weights) -> list[Fraction]:
    ws = [Fraction(w) for w in weights]
    s = sum(ws)
    return [Fraction(total) * w / s for w in ws]


# --- properties ----------------------------------------------------------------------------


@given(totals, any_weights)
def test_parts_add_up_and_none_is_negative(total, weights):
    parts = split_largest_remainder(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(isinstance(p, int) and p >= 0 for p in parts)


@given(totals, any_weights)
def test_split_is_deterministic(total, weights):
    assert split_largest_remainder(total, weights) == split_largest_remainder(total, list(weights))


@given(totals, any_weights)
def test_each_part_is_within_a_kopeck_of_its_exact_share(total, weights):
    if sum(Fraction(w) for w in weights) == 0:
        return  # the all-zero case has no shares; see test_all_zero_weights_go_to_the_first_part
    parts = split_largest_remainder(total, weights)
    for part, share in zip(parts, exact_shares(total, weights), strict=True):
        assert abs(part - share) < 1
        # largest remainder: a part is its share rounded down or up, never further
        assert part in (share.__floor__(), share.__ceil__())


@given(totals, int_weights)
def test_zero_weight_gets_nothing(total, weights):
    if sum(weights) == 0:
        return
    parts = split_largest_remainder(total, weights)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


@given(totals, st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=20))
def test_equal_weights_differ_by_at_most_one_kopeck_and_extras_go_first(total, weight, n):
    parts = split_largest_remainder(total, [weight] * n)
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


@given(totals, int_weights, st.integers(min_value=2, max_value=1000))
def test_scaling_all_weights_changes_nothing(total, weights, factor):
    assert split_largest_remainder(total, weights) == split_largest_remainder(total, [w * factor for w in weights])


# --- examples ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (200, [1, 1, 1], [67, 67, 66]),
        (10000, [1], [10000]),
        (1, [1, 1], [1, 0]),
        (0, [3, 5], [0, 0]),
        (100, [0, 0, 0], [100, 0, 0]),
        (100, [0, 1], [0, 100]),
        (1000, [Decimal("33.3"), Decimal("33.3"), Decimal("33.4")], [333, 333, 334]),
        (999, [2, 1], [666, 333]),
        (101, [1, 2, 2], [20, 41, 40]),
        (7, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
        (123456, [Decimal("0.5"), 1, 2], [17637, 35273, 70546]),
    ],
)
def test_split_examples(total, weights, expected):
    assert split_largest_remainder(total, weights) == expected


def test_largest_remainder_not_the_first_gets_the_extra_kopeck():
    # exact shares 14.2857, 28.5714, 57.1429 → floors 14, 28, 57 → one kopeck left, 28.57 has the largest remainder
    assert split_largest_remainder(100, [1, 2, 4]) == [14, 29, 57]


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [(-1, [1], "negative"), (100, [], "weight"), (100, [1, -1], "negative")],
)
def test_split_refuses_bad_input(total, weights, message):
    with pytest.raises(ValueError, match=message):
        split_largest_remainder(total, weights)


# --- to_money and kopecks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.005", Decimal("1.01")),
        ("1.004", Decimal("1.00")),
        ("2.675", Decimal("2.68")),
        ("-1.005", Decimal("-1.01")),
        (5, Decimal("5.00")),
        (Decimal("12.345"), Decimal("12.35")),
        ("0", Decimal("0.00")),
    ],
)
def test_to_money_rounds_half_up_to_kopecks(value, expected):
    result = to_money(value)
    assert result == expected
    assert result.as_tuple().exponent == KOPECK.as_tuple().exponent


@pytest.mark.parametrize("value", [1.5, 0.1, 2.675, float("nan"), 0.0])
def test_to_money_refuses_floats(value):
    with pytest.raises(TypeError, match="float"):
        to_money(value)
    with pytest.raises(TypeError):
        to_kopecks(value)


def test_kopecks_round_trip():
    assert to_kopecks("1234.565") == 123457
    assert to_kopecks(Decimal("0.01")) == 1
    assert from_kopecks(123457) == Decimal("1234.57")
    assert from_kopecks(0) == Decimal("0.00")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_from_kopecks_then_to_kopecks_is_identity(kopecks):
    assert to_kopecks(from_kopecks(kopecks)) == kopecks
