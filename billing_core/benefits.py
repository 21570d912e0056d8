"""Benefits (льготы): the part of a charge that social protection (УСЗН) covers for some occupants.

A benefit category gives a discount ``percent`` on the services it covers. An account holds a
category for a number of beneficiaries (persons) over dated spans. For one account, service and
billing period, each grant in force on some of the period's days contributes::

    charge × percent / 100 × share × valid_days / period_days

where ``share`` is the beneficiaries' part of the charge:

* by default ``min(1, beneficiaries / persons)``, persons being those the charge run counts on the
  account (living, else registered, on the period's last day); an account with no persons on
  record gives the whole share (the benefit was granted to somebody who lives there);
* for a per-m² service of a category with a social norm of area (м² per beneficiary):
  ``min(1, social_norm_area × beneficiaries / charge_area)`` — the benefit covers the area within
  the norm only. The norm is regional and set per category [check: e.g. 33 м² for one person,
  42 м² for two, 18 м² each for three or more under ПП РФ №761 for subsidies; regions set their own
  norms for benefits, so it is configurable, never a constant].

The contributions are summed exactly and rounded once to kopecks, half up; the benefit never
exceeds the charge, and a charge of zero or less has no benefit. ``tenants.billing.benefits``
computes the same in SQL for a whole period; this function is its test oracle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from billing_core.money import to_money

_HUNDRED = Decimal(100)
_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class BenefitGrant:
    """One dated row of an account's benefit, as it falls into one period."""

    percent: Decimal  # discount, 0 < percent <= 100
    beneficiaries: int  # persons it applies to, >= 1
    valid_days: int  # days of the period it is in force
    social_norm_area: Decimal | None = None  # м² per beneficiary; limits per-m² services only


def benefit_share(
    *, beneficiaries: int, persons: int, per_area: bool, social_norm_area: Decimal | None, charge_area: Decimal
) -> tuple[Decimal, Decimal]:
    """The beneficiaries' part of the charge as an exact fraction ``(numerator, denominator)``."""
    if per_area and social_norm_area is not None:
        if charge_area <= 0:
            return Decimal(1), Decimal(1)
        return min(social_norm_area * beneficiaries, charge_area), charge_area
    if persons <= 0:
        return Decimal(1), Decimal(1)
    return Decimal(min(beneficiaries, persons)), Decimal(persons)


def benefit_amount(
    *,
    charge: Decimal,
    grants: Sequence[BenefitGrant],
    persons: int,
    charge_area: Decimal,
    per_area: bool,
    period_days: int,
) -> Decimal:
    """The benefit on one account's charge for one service and period (see the module docstring)."""
    if isinstance(charge, float):
        raise TypeError("money is never a float")
    if charge <= 0 or not grants:
        return _ZERO
    with localcontext() as ctx:
        ctx.prec = 60  # the numerators carry ~30 digits; nothing is rounded before the final kopeck
        exact = Decimal(0)
        for g in grants:
            if not 0 < g.percent <= _HUNDRED or g.beneficiaries < 1 or not 0 <= g.valid_days <= period_days:
                raise ValueError(f"invalid benefit grant: {g}")
            num, den = benefit_share(beneficiaries=g.beneficiaries, persons=persons, per_area=per_area,
                                     social_norm_area=g.social_norm_area, charge_area=charge_area)
            exact += charge * g.percent * num * g.valid_days / (_HUNDRED * den * period_days)
        return min(to_money(exact), to_money(charge))
