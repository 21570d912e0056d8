"""The agent's fee (агентское вознаграждение) withheld from a payout to a principal.

The agency contract sets a rate in per cent of the amount paid out, and optionally a minimum
and a maximum fee per payout (``AgencyContract.fee_rate``, ``fee_min``, ``fee_max``). The rule,
in this order:

1. ``amount × rate / 100``, exactly (no intermediate rounding);
2. clamped to ``[minimum, maximum]`` where they are set;
3. rounded half up to kopecks (the rule of Russian payment documents; see ``money.to_money``);
4. never more than the amount itself: a minimum fee of 50 ₽ on a 30 ₽ payout takes 30 ₽, so the
   net payout is never negative.

Steps 2 and 3 commute because the bounds are whole kopecks, so the order between them is only
a matter of reading. Whether the minimum applies per payout or per month is the contract's
business [check]; this module computes it per call, and the caller decides what one call covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.money import KOPECK

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """The fee part of an agency contract: ``rate`` in per cent, bounds in roubles (``None`` = no bound)."""

    rate: Decimal
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("rate", "minimum", "maximum"):
            if isinstance(getattr(self, name), float):
                raise TypeError("money is never a float")
        if not (Decimal(0) <= self.rate <= HUNDRED):
            raise ValidationError({"rate": ValidationError(
                _("Ставка вознаграждения должна быть от 0 до 100 %."), code=ErrorCode.FEE_RANGE
            )})
        for name in ("minimum", "maximum"):
            bound = getattr(self, name)
            if bound is not None and (bound < 0 or bound != bound.quantize(KOPECK)):
                raise ValidationError({name: ValidationError(
                    _("Граница вознаграждения должна быть неотрицательной суммой в копейках."),
                    code=ErrorCode.FEE_RANGE,
                )})
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValidationError(
                {"maximum": ValidationError(_("Максимальное вознаграждение меньше минимального."),
                                            code=ErrorCode.FEE_RANGE)}
            )

    @classmethod
    def from_contract(cls, contract) -> FeeTerms:
        """From anything with ``fee_rate``, ``fee_min`` and ``fee_max`` (an ``AgencyContract``)."""
        return cls(rate=contract.fee_rate, minimum=contract.fee_min, maximum=contract.fee_max)


@dataclass(frozen=True, slots=True)
class FeeSplit:
    amount: Decimal
    fee: Decimal
    net: Decimal  # what goes to the principal; ``fee + net == amount`` always


def agent_fee(amount: Decimal, *, terms: FeeTerms) -> Decimal:
    """The fee on a payout of ``amount`` roubles (kopeck-exact, not negative); see the module's rule."""
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    amount = Decimal(amount)
    if amount < 0 or amount != amount.quantize(KOPECK):
        raise ValidationError(
            {"amount": ValidationError(
                _("Сумма перечисления должна быть неотрицательной и точной до копейки: %(amount)s."),
                code=ErrorCode.FEE_AMOUNT, params={"amount": str(amount)},
            )}
        )
    fee = amount * terms.rate / HUNDRED
    if terms.minimum is not None:
        fee = max(fee, terms.minimum)
    if terms.maximum is not None:
        fee = min(fee, terms.maximum)
    fee = fee.quantize(KOPECK, rounding=ROUND_HALF_UP)
    return min(fee, amount).quantize(KOPECK)


def payout_fee_split(amount: Decimal, *, terms: FeeTerms) -> FeeSplit:
    """Split a payout into the agent's fee and the principal's net amount."""
    fee = agent_fee(amount, terms=terms)
    amount = Decimal(amount).quantize(KOPECK)
    net = amount - fee
    assert net + fee == amount and net >= 0
    return FeeSplit(amount=amount, fee=fee, net=net)
