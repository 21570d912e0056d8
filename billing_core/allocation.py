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


def _line_keys(total: int, dues: Sequence[tuple[Hashable, Decimal]]) -> list[Hashable]:
    if total < 0:
        raise ValueError("a payment is never negative")
    if not dues:
        raise ValueError("a payment is allocated over at least one line")
    keys = [k for k, _due in dues]
    if len(set(keys)) != len(keys):
        raise ValueError("line keys must be unique")
    return keys


def _designated_first(total: int, keys: Sequence[Hashable], designated: Mapping[Hashable, Decimal]) -> list[int]:
    """Kopecks per line the payer designated, honoured in line order while the payment lasts."""
    unknown = set(designated) - set(keys)
    if unknown:
        raise ValueError(f"designated lines not on the document: {sorted(map(str, unknown))}")
    paid = []
    left = total
    for key in keys:
        take = min(max(to_kopecks(designated.get(key, 0)), 0), left)
        paid.append(take)
        left -= take
    return paid


def _advance_weights(keys: Sequence[Hashable], due: Sequence[int], fallback: Mapping[Hashable, Decimal]) -> list[int]:
    """The dues, or with nothing due at all the fallback weights."""
    if sum(due):
        return list(due)
    return [max(to_kopecks(fallback.get(k, 0)), 0) for k in keys]


def _add(paid: list[int], parts: Sequence[int]) -> None:
    for i, part in enumerate(parts):
        paid[i] += part


def allocate(
    amount: Decimal,
    dues: Sequence[tuple[Hashable, Decimal]],
    *,
    designated: Mapping[Hashable, Decimal] | None = None,
    fallback: Mapping[Hashable, Decimal] | None = None,
) -> list[Share]:
    """Split ``amount`` (roubles, ≥ 0) over ``dues`` [(key, amount due ≥ 0)] as described above."""
    total = to_kopecks(amount)
    keys = _line_keys(total, dues)
    due = [max(to_kopecks(d), 0) for _k, d in dues]
    paid = _designated_first(total, keys, designated or {})
    left = total - sum(paid)

    # the rest of what is due, in proportion to what is still due on each line
    still_due = [max(d - p, 0) for d, p in zip(due, paid, strict=True)]
    to_due = min(left, sum(still_due))
    if to_due:
        _add(paid, split_largest_remainder(to_due, still_due))
        left -= to_due

    # beyond everything due: an advance, in proportion to the dues (or the fallback weights)
    if left:
        _add(paid, split_largest_remainder(left, _advance_weights(keys, due, fallback or {})))

    assert sum(paid) == total
    return [
        Share(key=k, amount=from_kopecks(p), advance=from_kopecks(max(p - d, 0)))
        for k, p, d in zip(keys, paid, due, strict=True)
    ]
