"""Exact money: roubles as ``Decimal`` quantized to kopecks; splits that add up."""

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

KOPECK = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to kopecks, rounding half up (the rule used in Russian billing documents)."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def to_kopecks(value: Decimal | int | str) -> int:
    return int(to_money(value) * 100)


def from_kopecks(kopecks: int) -> Decimal:
    return (Decimal(kopecks) / 100).quantize(KOPECK)


def split_largest_remainder(total_kopecks: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split ``total_kopecks`` in proportion to ``weights`` by the largest-remainder method.

    Every part is an integer number of kopecks, no part is negative (for a
    non-negative total and weights), and the parts add up to the total exactly.
    Ties in the remainder go to the earlier part, so the result is deterministic.
    When all weights are zero, the whole sum goes to the first part.
    """
    if total_kopecks < 0:
        raise ValueError("total must not be negative")
    if not weights:
        raise ValueError("at least one weight is needed")
    # Exact rationals: Decimal division rounds to 28 digits, which breaks true ties by magnitude
    # (7 × 19/21 and 7 × 1/21 have equal remainders) instead of giving them to the earlier part.
    ws = [Fraction(Decimal(w)) for w in weights]
    if any(w < 0 for w in ws):
        raise ValueError("weights must not be negative")
    weight_sum = sum(ws)
    if weight_sum == 0:
        return [total_kopecks] + [0] * (len(ws) - 1)
    exact = [total_kopecks * w / weight_sum for w in ws]
    parts = [math.floor(e) for e in exact]  # all values non-negative
    short = total_kopecks - sum(parts)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:short]:
        parts[i] += 1
    assert sum(parts) == total_kopecks
    return parts
