"""Splitting a payment among the payees and services of the document it pays (ПП 354 п.118).

- Without the payer's designation, the payment is split in proportion to each line's amount due.
- The payer may designate amounts per line (a bank registry's service columns, the cabinet's
  choice); designated amounts are honoured first, the rest is split as above.
- Whatever exceeds the total due is an advance on the account: split in the same proportions, so
  each payee's next document opens with its share of the advance. With nothing due at all, the
  advance follows the document's charges (the weights given as ``fallback``); with no weights at
  all it goes whole to the first line.
- Kopecks go by the largest-remainder method: the parts always add up to the payment exactly and
  none is negative (``billing_core.money.split_largest_remainder``).

The set-based allocation of a registry (SQL in ``payments``) follows the same rules; this module is
its oracle in the tests.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing_core.money import from_kopecks, split_largest_remainder, to_kopecks


@dataclass(frozen=True)
class Share:
    key: Hashable  # e.g. (principal id, service code)
    amount: Decimal  # the part of the payment for this line
    advance: Decimal  # of which beyond the line's amount due


def allocate(
    amount: Decimal,
    dues: Sequence[tuple[Hashable, Decimal]],
    *,
    designated: Mapping[Hashable, Decimal] | None = None,
    fallback: Mapping[Hashable, Decimal] | None = None,
) -> list[Share]:
    """Split ``amount`` (roubles, ≥ 0) over ``dues`` [(key, amount due ≥ 0)] as described above."""
    total = to_kopecks(amount)
    if total < 0:
        raise ValueError("a payment is never negative")
    if not dues:
        raise ValueError("a payment is allocated over at least one line")
    keys = [k for k, _due in dues]
    if len(set(keys)) != len(keys):
        raise ValueError("line keys must be unique")
    due = [max(to_kopecks(d), 0) for _k, d in dues]
    paid = [0] * len(keys)

    left = total
    if designated:
        unknown = set(designated) - set(keys)
        if unknown:
            raise ValueError(f"designated lines not on the document: {sorted(map(str, unknown))}")
        for i, key in enumerate(keys):
            want = max(to_kopecks(designated.get(key, 0)), 0)
            take = min(want, left)
            paid[i] += take
            left -= take

    # the rest of what is due, in proportion to what is still due on each line
    still_due = [max(d - p, 0) for d, p in zip(due, paid, strict=True)]
    to_due = min(left, sum(still_due))
    if to_due:
        for i, part in enumerate(split_largest_remainder(to_due, still_due)):
            paid[i] += part
        left -= to_due

    # beyond everything due: an advance, in proportion to the dues (or the fallback weights)
    if left:
        weights = due if sum(due) else [max(to_kopecks((fallback or {}).get(k, 0)), 0) for k in keys]
        for i, part in enumerate(split_largest_remainder(left, weights)):
            paid[i] += part

    assert sum(paid) == total
    return [
        Share(key=k, amount=from_kopecks(p), advance=from_kopecks(max(p - d, 0)))
        for k, p, d in zip(keys, paid, due, strict=True)
    ]
