"""Debt collection rules: court fees, the route to court, restriction of services, installments, debt age.

A pure rules engine: dates and ``Decimal`` money in, dates, money and reasons out. Who is a debtor, which
notice was delivered when and what was paid is the caller's business; this module only applies the law.

State fee (государственная пошлина), НК РФ ст.333.19 п.1.
    пп.1: a lawsuit about money is charged on a sliding scale of the claim (``FEE_SCALES``); пп.2: an
    application for a court order costs 50 % of that. The scale changed with Федеральный закон от 08.08.2024
    №259-ФЗ: the new amounts apply to applications sent to court from 09.09.2024, so a fee is computed on
    the day the application is sent (``on``), not the day the court accepts it. The scale in force before
    is kept so that a case sent earlier is computed as it was then. The 2024 scale starts at 4 000 ₽, so
    its court order fee is never below 2 000 ₽ (``order_minimum``) [check: whether пп.2 says «не менее
    2 000 рублей» in so many words; the result is the same either way].

    Rounding. A tax or a fee is computed in full roubles: less than 50 kopecks is dropped, 50 kopecks and
    more is rounded up to a full rouble (НК РФ ст.52 п.6, applied to the state fee by Письмо Минфина России
    от 28.05.2025 №03-05-04-03/52566). The fee is rounded once, at the end: the court order fee is half of
    the exact lawsuit amount, rounded, not half of the rounded lawsuit fee [check: the two differ by one
    rouble when the exact half lies just under a half-rouble].

Route (ГПК РФ ст.121 ч.1): a court order is issued when the money claimed does not exceed 500 000 ₽; debts
    for housing and utilities are among the claims for which it is issued (ст.122) [check ст.122's wording].
    Above that, a lawsuit.

Restriction and suspension (Правила предоставления коммунальных услуг, ПП РФ от 06.05.2011 №354, раздел XI).
    п.117: the provider restricts or suspends a service, with prior notice, for its incomplete payment.
    п.118: incomplete payment means a debt for one service above 2 monthly charges computed from the norm
    of consumption and the tariff in force on the day of the restriction, whether or not a meter is
    installed, unless a repayment agreement has been made and is being kept (``threshold_exceeded``; the
    agreement is the caller's check, e.g. ``installment_breached``).
    п.119: «а» a warning that the service may be restricted and then suspended unless the debt is paid
    within 20 days of its delivery (by hand against signature, by registered letter, in the payment
    document, or by another way that proves the fact and date of receipt); «б» after those days the
    service is restricted where technically possible; «в» unpaid after that (or when a restriction is
    technically impossible, or 10 days after the restriction) it is suspended — except heating, and in an
    apartment block except cold water. The exception for heating is not seasonal. «в» speaks of suspension;
    the engine refuses the whole procedure for these services, since the warning announces a restriction
    followed by a suspension and п.122 bars a restriction that breaches other residents' rights [check].
    п.120: the service is resumed within 2 calendar days of the day the cause was removed (the debt paid in
    full with the provider's costs, or a repayment agreement made).
    п.122: a restriction must not damage the common property, breach other residents' rights or make the
    premises unfit to live in; that is a technical check for the provider and outside this module.

Terms in days (ГК РФ ст.191): a term counted in days begins on the day after the event that starts it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.money import KOPECK
from billing_core.periods import require_month_start
from billing_core.service_kinds import ServiceKind

_ROUBLE = Decimal(1)
_HUNDRED = Decimal(100)
_ZERO = Decimal("0.00")


def _money_in(value: Decimal, field: str, *, positive: bool = False) -> Decimal:
    """A kopeck-exact, not negative amount (positive when asked), else a field error on ``field``."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    value = Decimal(value)
    too_small = value <= 0 if positive else value < 0
    if too_small or value != value.quantize(KOPECK):
        message = (_("Сумма должна быть больше нуля и точной до копейки: %(amount)s.") if positive
                   else _("Сумма должна быть неотрицательной и точной до копейки: %(amount)s."))
        raise ValidationError({field: ValidationError(message, code=ErrorCode.INVALID,
                                                      params={"amount": str(value)})})
    return value


def _quantity_in(value: Decimal, field: str) -> Decimal:
    """A non-negative quantity (a norm, a tariff, a number of persons or square metres)."""
    if isinstance(value, float):
        raise TypeError("quantities are never floats")
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ValidationError({field: ValidationError(
            _("Значение должно быть неотрицательным числом: %(value)s."), code=ErrorCode.INVALID,
            params={"value": str(value)},
        )})
    return value


# --- state fee --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeeBand:
    """For a claim above ``over``: ``base`` plus ``percent`` % of the part of the claim above ``over``."""

    over: Decimal
    base: Decimal
    percent: Decimal


@dataclass(frozen=True, slots=True)
class FeeScale:
    """НК 333.19 п.1 пп.1–2 as in force from ``valid_from`` (the day an application is sent to court).

    ``bands`` ascend by ``over`` and the first starts at 0; ``cap`` is the lawsuit fee's maximum (None: no
    maximum); the court order fee is ``order_share`` of the lawsuit fee, at least ``order_minimum``.
    """

    valid_from: date
    source: str
    bands: tuple[FeeBand, ...]
    cap: Decimal | None
    order_share: Decimal
    order_minimum: Decimal

    def band_for(self, claim: Decimal) -> FeeBand:
        """The band a claim falls in: the last one whose ``over`` it exceeds (the first for any claim)."""
        chosen = self.bands[0]
        for band in self.bands[1:]:
            if claim > band.over:
                chosen = band
        return chosen

    def lawsuit_exact(self, claim: Decimal) -> Decimal:
        """The lawsuit fee before rounding to roubles."""
        band = self.band_for(claim)
        fee = band.base + (claim - band.over) * band.percent / _HUNDRED
        return fee if self.cap is None else min(fee, self.cap)

    def order_exact(self, claim: Decimal) -> Decimal:
        """The court order fee before rounding to roubles."""
        return max(self.lawsuit_exact(claim) * self.order_share, self.order_minimum)


def _band(over: int, base: int, percent: str) -> FeeBand:
    return FeeBand(over=Decimal(over), base=Decimal(base), percent=Decimal(percent))


FEE_SCALES: tuple[FeeScale, ...] = (
    FeeScale(
        # up to 20 000 — 4 % of the claim, at least 400 (written as two bands: 400 flat up to 10 000, where 4 %
        # reaches 400, then 400 + 4 % of the excess, which is 4 % of the claim); 20 001–100 000 — 800 + 3 %;
        # 100 001–200 000 — 3 200 + 2 %; 200 001–1 000 000 — 5 200 + 1 %; above — 13 200 + 0,5 %, at most
        # 60 000; a court order — 50 %, no minimum of its own.
        valid_from=date(2010, 1, 29),
        source="НК РФ ст.333.19 п.1 пп.1–2 в ред. Федерального закона от 27.12.2009 №374-ФЗ "
               "(до 08.09.2024 включительно)",  # [check: the start date of this text]
        bands=(
            _band(0, 400, "0"),
            _band(10_000, 400, "4"),
            _band(20_000, 800, "3"),
            _band(100_000, 3_200, "2"),
            _band(200_000, 5_200, "1"),
            _band(1_000_000, 13_200, "0.5"),
        ),
        cap=Decimal(60_000),
        order_share=Decimal("0.5"),
        order_minimum=Decimal(0),
    ),
    FeeScale(
        valid_from=date(2024, 9, 9),
        source="НК РФ ст.333.19 п.1 пп.1–2 в ред. Федерального закона от 08.08.2024 №259-ФЗ "
               "(заявления, направленные в суд с 09.09.2024)",
        bands=(
            _band(0, 4_000, "0"),
            _band(100_000, 4_000, "3"),
            _band(300_000, 10_000, "2.5"),
            _band(500_000, 15_000, "2"),
            _band(1_000_000, 25_000, "1"),
            _band(3_000_000, 45_000, "0.7"),
            _band(8_000_000, 80_000, "0.35"),
            _band(24_000_000, 136_000, "0.3"),
            _band(50_000_000, 214_000, "0.2"),
            _band(100_000_000, 314_000, "0.15"),
        ),
        cap=Decimal(900_000),
        order_share=Decimal("0.5"),
        order_minimum=Decimal(2_000),
    ),
)


def fee_scale_on(day: date) -> FeeScale:
    """The scale in force on ``day`` (the day the application is sent to court)."""
    in_force = [scale for scale in FEE_SCALES if scale.valid_from <= day]
    if not in_force:
        raise ValidationError({"on": ValidationError(
            _("Нет шкалы государственной пошлины на %(day)s."), code=ErrorCode.INVALID,
            params={"day": day.strftime("%d.%m.%Y")},
        )})
    return max(in_force, key=lambda scale: scale.valid_from)


def _full_roubles(amount: Decimal) -> Decimal:
    """НК ст.52 п.6: under 50 kopecks dropped, 50 kopecks and more rounded up to a rouble."""
    return amount.quantize(_ROUBLE, rounding=ROUND_HALF_UP).quantize(KOPECK)


def lawsuit_fee(claim: Decimal, *, on: date) -> Decimal:
    """The state fee for a lawsuit claiming ``claim`` roubles, sent to court on ``on`` (НК 333.19 п.1 пп.1)."""
    claim = _money_in(claim, "claim", positive=True)
    return _full_roubles(fee_scale_on(on).lawsuit_exact(claim))


def court_order_fee(claim: Decimal, *, on: date) -> Decimal:
    """The state fee for an application for a court order (НК 333.19 п.1 пп.2): half the lawsuit fee."""
    claim = _money_in(claim, "claim", positive=True)
    return _full_roubles(fee_scale_on(on).order_exact(claim))


COURT_ORDER_LIMIT = Decimal("500000")


class CourtRoute(StrEnum):
    ORDER = "order"  # судебный приказ (ГПК ст.121–122)
    LAWSUIT = "lawsuit"  # исковое заявление


def court_route(claim: Decimal) -> CourtRoute:
    """A court order when the claim does not exceed 500 000 ₽ (ГПК ст.121 ч.1), else a lawsuit."""
    claim = _money_in(claim, "claim", positive=True)
    return CourtRoute.ORDER if claim <= COURT_ORDER_LIMIT else CourtRoute.LAWSUIT


# --- restriction of communal services (ПП 354 п.117–122) ---------------------------------------------------

# Restrictable in any building: п.119 «в» names no exception for them. Drainage included: the Rules exclude
# only heating and, in an apartment block, cold water; whether a restriction of drainage is technically
# possible without breaching п.122 is the provider's check [practice: courts have found drain plugs that
# made a flat unfit to live in unlawful; check]. Gas supply also follows ПП РФ №549 [check its notice].
RESTRICTABLE_KINDS: frozenset[ServiceKind] = frozenset({
    ServiceKind.HOT_WATER, ServiceKind.DRAINAGE, ServiceKind.ELECTRICITY, ServiceKind.GAS,
})
# Restrictable in a house (жилой дом) but never in an apartment block (п.119 «в»).
HOUSE_ONLY_KINDS: frozenset[ServiceKind] = frozenset({ServiceKind.COLD_WATER})

# Periods when no service was restricted for debt whatever the Rules say: (first day, last day, act).
RESTRICTION_MORATORIA: tuple[tuple[date, date, str], ...] = (
    # «до 1 января 2021 г.»; in force from its official publication [check: 06.04.2020 per the news of the day]
    (date(2020, 4, 6), date(2020, 12, 31), "ПП РФ от 02.04.2020 №424"),
)

HEATING_REFUSAL = _(
    "Отопление не приостанавливается за долги, в том числе вне отопительного периода "
    "(Правила №354, п.119 «в»)."
)
COLD_WATER_REFUSAL = _(
    "Холодное водоснабжение в многоквартирном доме не приостанавливается за долги (Правила №354, п.119 «в»)."
)
NOT_RESTRICTABLE_REFUSAL = _(
    "Услуга «%(service)s» за долги не ограничивается и не приостанавливается: по Правилам №354 (п.117–119) "
    "ограничивают горячее и холодное водоснабжение, водоотведение, электроснабжение и газоснабжение."
)
MORATORIUM_REFUSAL = _(
    "С %(start)s по %(end)s ограничение и приостановление коммунальных услуг за долги не применяется "
    "(%(act)s)."
)


def _service_kind(value: str) -> ServiceKind:
    try:
        return ServiceKind(value)
    except ValueError:
        raise ValidationError({"service_kind": ValidationError(
            _("Неизвестный вид услуги: %(kind)s."), code=ErrorCode.INVALID, params={"kind": str(value)},
        )}) from None


def _kind_refusal(kind: ServiceKind, *, apartment_block: bool) -> str | None:
    if kind == ServiceKind.HEATING:
        return str(HEATING_REFUSAL)
    if kind in HOUSE_ONLY_KINDS and apartment_block:
        return str(COLD_WATER_REFUSAL)
    if kind in RESTRICTABLE_KINDS or kind in HOUSE_ONLY_KINDS:
        return None
    return str(NOT_RESTRICTABLE_REFUSAL % {"service": kind.label})


def restriction_refusal(service_kind: str, *, apartment_block: bool, on: date, heating_season: bool) -> str | None:
    """None when a warning (and then a restriction) for ``service_kind`` is allowed on ``on``, else the reason.

    ``heating_season`` does not change the answer: п.119 «в» excludes heating from suspension all year round.
    It is taken so that callers state it and a seasonal rule, should one come, changes only this module.
    The debt threshold (п.118) and the warning (п.119 «а») are separate checks.
    """
    del heating_season  # see the docstring
    refusal = _kind_refusal(_service_kind(service_kind), apartment_block=apartment_block)
    if refusal is not None:
        return refusal
    for start, end, act in RESTRICTION_MORATORIA:
        if start <= on <= end:
            return str(MORATORIUM_REFUSAL % {"start": start.strftime("%d.%m.%Y"),
                                             "end": end.strftime("%d.%m.%Y"), "act": act})
    return None


def monthly_norm_charge(norm: Decimal, rate: Decimal, basis: Decimal) -> Decimal:
    """п.118: one month's charge by the norm — norm × tariff × basis (persons or m²), half up to kopecks.

    The norm and the tariff are those in force on the day of the restriction, whether or not a meter is
    installed; the caller picks them.
    """
    exact = _quantity_in(norm, "norm") * _quantity_in(rate, "rate") * _quantity_in(basis, "basis")
    return exact.quantize(KOPECK, rounding=ROUND_HALF_UP)


def threshold_exceeded(debt: Decimal, monthly_norm_charge: Decimal) -> bool:
    """п.118: the debt for one service is strictly above 2 monthly charges computed by the norm."""
    debt = _money_in(debt, "debt")
    charge = _money_in(monthly_norm_charge, "monthly_norm_charge")
    return debt > 2 * charge


def months_of_norm(debt: Decimal, monthly_norm_charge: Decimal) -> Decimal | None:
    """The debt in monthly charges by the norm, half up to 2 places; None when the charge is 0."""
    debt = _money_in(debt, "debt")
    charge = _money_in(monthly_norm_charge, "monthly_norm_charge")
    if charge == 0:
        return None
    return (debt / charge).quantize(KOPECK, rounding=ROUND_HALF_UP)


WARNING_DAYS = 20  # п.119 «а»
SUSPENSION_AFTER_DAYS = 10  # п.119 «в»: suspension when the debt is still unpaid 10 days after the restriction
LIFT_DAYS = 2  # п.120


def warning_term_end(delivered_on: date) -> date:
    """The last of the 20 days given by a warning delivered on ``delivered_on`` (п.119 «а»; ГК ст.191).

    Day 1 is the day after delivery, so the term ends on ``delivered_on + 20 days``. The days are calendar
    days; whether a last day falling on a holiday moves to the next working day (ГК ст.193) is not applied
    here [check].
    """
    return delivered_on + timedelta(days=WARNING_DAYS)


def restriction_earliest(delivered_on: date) -> date:
    """The first day the service may be restricted: the day after the 20-day term (п.119 «б»).

    No second notice is needed: п.119 as worded since 2017 (ПП РФ от 26.12.2016 №1498 [check]) has one
    warning, then the restriction (and, after 10 more days or where a restriction is impossible, the
    suspension); a second notice 3 days before is not in the text [check: secondary sources still mention
    it; it was in the older Rules, ПП РФ №307 п.80–81].
    """
    return warning_term_end(delivered_on) + timedelta(days=1)


def warning_deadline(delivered_on: date) -> date:
    """The earliest day a restriction may start; the same as ``restriction_earliest``."""
    return restriction_earliest(delivered_on)


def lift_deadline(paid_on: date) -> date:
    """The last day to resume the service when the cause was removed on ``paid_on`` (п.120: 2 calendar days).

    Counted from the day after (ГК ст.191), so the service is back by ``paid_on + 2 days`` at the latest.
    [check: one municipal source gives 5 working days for gas; not applied here.]
    """
    return paid_on + timedelta(days=LIFT_DAYS)


# --- installments -------------------------------------------------------------------------------------------

MAX_INSTALLMENT_PARTS = 36  # a product limit (three years, the general limitation period), not a legal one


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _check_schedule_args(total: Decimal, parts: int, day: int | None) -> Decimal:
    total = _money_in(total, "total", positive=True)
    if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= MAX_INSTALLMENT_PARTS:
        raise ValidationError({"parts": ValidationError(
            _("Число платежей рассрочки — от 1 до %(limit)s."), code=ErrorCode.INVALID,
            params={"limit": MAX_INSTALLMENT_PARTS},
        )})
    if day is not None and not 1 <= day <= 31:
        raise ValidationError({"day": ValidationError(_("День платежа — от 1 до 31."), code=ErrorCode.INVALID)})
    if total * 100 < parts:
        raise ValidationError({"total": ValidationError(
            _("Сумма рассрочки меньше одной копейки на платёж."), code=ErrorCode.INVALID,
        )})
    return total


def installment_schedule(total: Decimal, *, parts: int, first_due: date,
                         day: int | None = None) -> list[tuple[date, Decimal]]:
    """Equal monthly parts of ``total``: the first on ``first_due``, the rest on ``day`` of each next month.

    ``day`` defaults to ``first_due``'s day and is clamped to the month's last day (31 → 28 or 29 in February,
    back to 31 in March). Parts are whole kopecks; the remainder kopecks go one each to the first parts, so
    the debtor pays the odd kopecks early and the parts add up to ``total`` exactly.
    """
    total = _check_schedule_args(total, parts, day)
    anchor = first_due.day if day is None else day
    whole, remainder = divmod(int(total * 100), parts)
    schedule = []
    for index in range(parts):
        months = first_due.month - 1 + index
        due = first_due if index == 0 else _month_day(first_due.year + months // 12, months % 12 + 1, anchor)
        amount = Decimal(whole + (1 if index < remainder else 0)).scaleb(-2).quantize(KOPECK)
        schedule.append((due, amount))
    assert sum(amount for _due, amount in schedule) == total
    return schedule


def installment_breached(schedule: list[tuple[date, Decimal]], paid_total: Decimal, *, on: date,
                         grace_days: int = 0) -> tuple[bool, Decimal]:
    """Whether the parts overdue on ``on`` exceed what was paid, and by how much (0.00 when kept).

    A part is overdue from the day after its due date plus ``grace_days``: the due date itself is a day to
    pay. So the parts counted are those due before ``on - grace_days``; ``paid_total`` is everything paid
    under the agreement so far.
    """
    paid_total = _money_in(paid_total, "paid_total")
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise ValidationError({"grace_days": ValidationError(
            _("Льготный срок — неотрицательное число дней."), code=ErrorCode.INVALID,
        )})
    cutoff = on - timedelta(days=grace_days)
    overdue = sum((amount for due, amount in schedule if due < cutoff), _ZERO)
    shortfall = max(overdue - paid_total, _ZERO).quantize(KOPECK)
    return shortfall > 0, shortfall


# --- debt age --------------------------------------------------------------------------------------------------

AGE_BUCKETS: tuple[str, ...] = ("1", "2", "3", "4–6", "7–12", ">12")
_AGE_UPPER = ((1, "1"), (2, "2"), (3, "3"), (6, "4–6"), (12, "7–12"))


def age_months(origin_month: date, as_of_month: date) -> int:
    """The age in months of a debt charged for ``origin_month``: 1 in its own month (both are month starts)."""
    require_month_start(origin_month, field="origin_month")
    require_month_start(as_of_month, field="as_of_month")
    age = (as_of_month.year - origin_month.year) * 12 + as_of_month.month - origin_month.month + 1
    if age < 1:
        raise ValidationError({"origin_month": ValidationError(
            _("Период долга позже отчётного периода."), code=ErrorCode.DATE_RANGE,
        )})
    return age


def age_bucket(origin_month: date, as_of_month: date) -> str:
    """The ``AGE_BUCKETS`` label for a debt charged for ``origin_month``, seen in ``as_of_month``."""
    age = age_months(origin_month, as_of_month)
    for upper, label in _AGE_UPPER:
        if age <= upper:
            return label
    return AGE_BUCKETS[-1]


def suspension_earliest(restricted_on: date) -> date:
    """The first day a restricted service may be suspended when the debt is still unpaid (ПП 354 п.119 «в»: «по
    истечении 10 дней со дня введения ограничения»; the 10 days run from the day after the restriction, ГК ст.191,
    so the suspension may start on the eleventh day after it)."""
    return restricted_on + timedelta(days=SUSPENSION_AFTER_DAYS + 1)
