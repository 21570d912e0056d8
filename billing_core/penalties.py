"""Penalties for late payment of housing and utilities (пени, ЖК РФ ст.155 ч.14).

For each period's unpaid amount D with due date T (the last day to pay on time):

* days 1–30 after T — nothing (shown as band ``"0"``);
* days 31–90 — D × R / 300 per day (band ``"1/300"``);
* from day 91 — D × R / 130 per day (band ``"1/130"``).

Which R [check]. R is the Bank of Russia key rate on the day the debt (or a part of it) is
actually paid; for the part still unpaid, the rate on the calculation date. This is how courts
apply ст.155 ч.14 since Обзор судебной практики ВС РФ №3 (2016), вопрос 3, and ПП Пленума ВС РФ
№22 от 27.06.2017 п.39. So a part paid on day P accrues at R(P) for every day of its delay, and
the unpaid rest at R(calculation date). One consequence: when the key rate falls, the penalty on
an unpaid debt computed on a later date can be smaller than on an earlier one.

Caps. R is min(cap, key rate) while a cap decree is in force (ПП №474 from 28.02.2022 through
31.12.2024, ПП №329 from 01.01.2025 through 31.12.2026 — see ``billing_core.rules``). Which
date's cap applies is ``cap_basis``: ``RATE_DAY`` (default) takes the cap in force on the day R
is taken from (the payment or calculation date), which is the decree's wording «ключевая ставка,
действующая на день фактической оплаты»; ``ACCRUAL_DAY`` takes the cap in force on each day of
delay, so days before 28.02.2022 are never capped [check: courts differ].

Moratoria. No penalty accrues on days inside a moratorium that covers the debt; the day count
from T goes on through the moratorium (so a debt can leave a moratorium straight into the 1/130
band) [check]. Such days are shown as rows with band ``"0"`` and a note.

Payments. All of a payment goes to debt, never to penalties: penalties are not part of the base
and never accrue on themselves. A payment naming a period pays that period first; the rest, and
every payment naming none, pays the oldest periods first (an amount beyond every debt is an
advance, reported as ``unallocated``). Payments are applied in date order; those after the
calculation date are ignored. Each payment reduces the debt from its own payment date (the day the
money was paid, not the month it was recorded in).

The payment day. ЖК РФ ст.155 ч.14 counts «по день фактической оплаты»; the paid part accrues on
the payment day itself by default (``payment_day_accrues=True``): in practice courts read the day
of payment as included in the period of the penalty — «день фактического исполнения нарушенного
обязательства, в частности день уплаты задолженности кредитору, включается в период расчета
неустойки» (ПП Пленума ВС РФ №7 от 24.03.2016 п.65) [practice: the sentence is quoted in court
decisions; its place in п.65 is from memory, check]. A principal may choose the exclusive reading
(``WorkspaceSettings.penalty_payment_day_accrues``); the statement says which one it used. The
calculation date itself accrues on unpaid debt.

Stale tables. The statement carries the age of the tables that run out (``PenaltyRules.ages_on``):
a calculation more than ``stale_days`` past the last key-rate decision or cap entry is marked
stale, since a later value would silently be the last row's.

Rounding. Each row is rounded to kopecks half up (``billing_core.money.to_money``); a period's
total is the sum of its rounded rows and the statement total the sum of the period totals, so
the printed figures always add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.money import to_money
from billing_core.rules import RULES_STALE_DAYS, PenaltyRules, RuleTableAge

# Error codes, named here for the rules below (values from billing_core.error_codes).
PENALTY_AMOUNT = ErrorCode.PENALTY_AMOUNT
PENALTY_PERIOD_FORMAT = ErrorCode.PENALTY_PERIOD_FORMAT
PENALTY_DUPLICATE_PERIOD = ErrorCode.PENALTY_DUPLICATE_PERIOD
PENALTY_UNKNOWN_PERIOD = ErrorCode.PENALTY_UNKNOWN_PERIOD

GRACE_DAYS = 30
FIRST_BAND_LAST_DAY = 90
BAND_NONE = "0"
BAND_300 = "1/300"
BAND_130 = "1/130"
_DIVISORS = {BAND_300: Decimal(300), BAND_130: Decimal(130)}
_ONE_DAY = timedelta(days=1)
_HUNDRED = Decimal(100)

NOTE_GRACE = "первые 30 дней просрочки"
PAYMENT_DAY_INCLUSIVE = _(
    "День оплаты включается в период просрочки: пени начисляются «по день фактической оплаты» включительно "
    "(ЖК РФ ст.155 ч.14; ПП Пленума ВС РФ №7 от 24.03.2016 п.65)."
)
PAYMENT_DAY_EXCLUSIVE = _(
    "День оплаты не включается в период просрочки (настройка принципала); ЖК РФ ст.155 ч.14: "
    "«по день фактической оплаты»."
)

_RowKey = tuple[str, Decimal | None, Decimal, str]  # band, rate, debt, note


class CapBasis(StrEnum):
    RATE_DAY = "rate_day"
    ACCRUAL_DAY = "accrual_day"


@dataclass(frozen=True, slots=True)
class PeriodDebt:
    """The amount charged for a month (``period`` is its first day) and the last day to pay it."""

    period: date
    amount: Decimal
    due_date: date


@dataclass(frozen=True, slots=True)
class Payment:
    paid_on: date
    amount: Decimal
    period: date | None = None  # the period the payer named, if any


@dataclass(frozen=True, slots=True)
class PenaltyRow:
    """One line of the statement: ``debt`` at ``band`` and ``rate`` for ``days`` days."""

    period: date
    debt: Decimal
    date_from: date
    date_to: date
    days: int
    band: str
    rate: Decimal | None  # % per annum after caps; None on rows that do not accrue
    formula: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class PeriodPenalty:
    period: date
    debt: Decimal
    due_date: date
    rows: tuple[PenaltyRow, ...]
    total: Decimal


@dataclass(frozen=True)
class PenaltyStatement:
    calculation_date: date
    periods: tuple[PeriodPenalty, ...]
    total: Decimal
    unallocated: Decimal = Decimal("0.00")
    payment_day_accrues: bool = True
    rule_tables: tuple[RuleTableAge, ...] = ()
    rows: tuple[PenaltyRow, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(r for p in self.periods for r in p.rows))

    @property
    def payment_day_rule(self) -> str:
        """The payment-day reading used, with its source, for the printed statement."""
        return str(PAYMENT_DAY_INCLUSIVE if self.payment_day_accrues else PAYMENT_DAY_EXCLUSIVE)

    @property
    def stale(self) -> bool:
        """Whether any rule table ran out before the calculation date (see ``PenaltyRules.ages_on``)."""
        return any(t.stale for t in self.rule_tables)


# --- payments from receipts ----------------------------------------------------------------


def payments_net(receipts: Iterable[tuple[date, Decimal]]) -> list[Payment]:
    """Payments by day from receipts ``(paid_on, amount)`` where a reversal is a negative amount.

    A reversal cancels the payments made before it, the latest first, as if they had not been made; what it
    cannot cancel is dropped (a reversal never raises the debt beyond what was paid). Put as running sums: with
    C(d) the net received up to day d, the amount that counts as paid by day d is E(d) = max(0, min of C over
    d and every later day), and each day's payment is E's increase on it. ``tenants.penalties.accrual``
    computes the same with window functions.
    """
    by_day: dict[date, Decimal] = {}
    for day, amount in receipts:
        by_day[day] = by_day.get(day, Decimal(0)) + amount
    days = sorted(by_day)
    running, cumulative = Decimal(0), []
    for day in days:
        running += by_day[day]
        cumulative.append(running)
    effective, floor = [Decimal(0)] * len(days), None
    for i in range(len(days) - 1, -1, -1):
        floor = cumulative[i] if floor is None else min(floor, cumulative[i])
        effective[i] = max(Decimal(0), floor)
    payments, before = [], Decimal(0)
    for day, total in zip(days, effective, strict=True):
        if total > before:
            payments.append(Payment(paid_on=day, amount=total - before))
        before = total
    return payments


# --- formatting ----------------------------------------------------------------------------


def format_money(value: Decimal) -> str:
    """``12345.67`` -> ``"12 345,67"``."""
    return f"{to_money(value):,.2f}".replace(",", " ").replace(".", ",")


def format_rate(rate: Decimal) -> str:
    """``Decimal("9.50")`` -> ``"9,5%"``, ``Decimal("20.00")`` -> ``"20%"``."""
    return f"{rate.normalize():f}".replace(".", ",") + "%"


def row_formula(debt: Decimal, days: int, band: str, rate: Decimal | None) -> str:
    if band == BAND_NONE or rate is None:
        return f"{format_money(debt)} × {days} × 0"
    return f"{format_money(debt)} × {days} × {band} × {format_rate(rate)}"


def row_amount(debt: Decimal, days: int, band: str, rate: Decimal | None) -> Decimal:
    if band == BAND_NONE or rate is None:
        return to_money(0)
    return to_money(debt * days * rate / _HUNDRED / _DIVISORS[band])


# --- input checks --------------------------------------------------------------------------


def _check_amount(value: Decimal, *, positive: bool) -> None:
    if not isinstance(value, Decimal):
        raise TypeError("money is a Decimal, never a float")
    if value != to_money(value) or value < 0 or (positive and value == 0):
        raise ValidationError(
            _("Сумма должна быть неотрицательной и указываться с точностью до копейки: %(value)s."),
            code=PENALTY_AMOUNT,
            params={"value": str(value)},
        )


def _check_inputs(debts: Sequence[PeriodDebt], payments: Sequence[Payment]) -> None:
    seen: set[date] = set()
    for d in debts:
        _check_amount(d.amount, positive=False)
        if d.period.day != 1:
            raise ValidationError(
                _("Расчётный период задаётся первым числом месяца: %(period)s."),
                code=PENALTY_PERIOD_FORMAT,
                params={"period": d.period.strftime("%d.%m.%Y")},
            )
        if d.period in seen:
            raise ValidationError(
                _("Период %(period)s указан дважды."),
                code=PENALTY_DUPLICATE_PERIOD,
                params={"period": d.period.strftime("%m.%Y")},
            )
        seen.add(d.period)
    for p in payments:
        _check_amount(p.amount, positive=True)
        if p.period is not None and p.period not in seen:
            raise ValidationError(
                _("Платёж от %(day)s назначен за период %(period)s, по которому нет начисления."),
                code=PENALTY_UNKNOWN_PERIOD,
                params={"day": p.paid_on.strftime("%d.%m.%Y"), "period": p.period.strftime("%m.%Y")},
            )


# --- allocation ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Tranche:
    amount: Decimal
    paid_on: date | None  # None: unpaid on the calculation date


def _allocate(
    debts: Sequence[PeriodDebt], payments: Iterable[Payment], calculation_date: date
) -> tuple[dict[date, list[_Tranche]], Decimal]:
    """Split each period's debt into parts paid on a date and the part unpaid on the calculation date."""
    outstanding = {d.period: d.amount for d in debts}
    tranches: dict[date, list[_Tranche]] = {d.period: [] for d in debts}
    oldest_first = sorted(outstanding)
    unallocated = Decimal("0.00")

    def pay(period: date, money: Decimal, day: date) -> Decimal:
        part = min(money, outstanding[period])
        if part > 0:
            outstanding[period] -= part
            tranches[period].append(_Tranche(part, day))
        return money - part

    ordered = sorted(enumerate(payments), key=lambda ip: (ip[1].paid_on, ip[0]))
    for _i, p in ordered:
        if p.paid_on > calculation_date:
            continue
        money = p.amount
        if p.period is not None:
            money = pay(p.period, money, p.paid_on)
        for period in oldest_first:
            if money == 0:
                break
            money = pay(period, money, p.paid_on)
        unallocated += money
    for period, rest in outstanding.items():
        if rest > 0:
            tranches[period].append(_Tranche(rest, None))
    return tranches, unallocated


# --- calculation ---------------------------------------------------------------------------


def _band(day_number: int) -> str:
    if day_number <= GRACE_DAYS:
        return BAND_NONE
    if day_number <= FIRST_BAND_LAST_DAY:
        return BAND_300
    return BAND_130


def _tranche_ends(tranches: Sequence[_Tranche], *, calculation_date: date, payment_day_accrues: bool) -> list[date]:
    """The last day each tranche accrues (inclusive)."""
    ends: list[date] = []
    for t in tranches:
        if t.paid_on is None:
            ends.append(calculation_date)
        else:
            ends.append(t.paid_on if payment_day_accrues else t.paid_on - _ONE_DAY)
    return ends


def _bounds(debt: PeriodDebt, ends: Sequence[date], *, start: date, stop: date, rules: PenaltyRules,
            cap_basis: CapBasis) -> list[date]:
    """The days from ``start`` to ``stop`` on which a row may change: band edges, payments, rule changes."""
    cuts = {start, stop, debt.due_date + timedelta(days=GRACE_DAYS + 1)}
    cuts.add(debt.due_date + timedelta(days=FIRST_BAND_LAST_DAY + 1))
    cuts.update(e + _ONE_DAY for e in ends)
    cuts.update(rules.moratoria.change_dates())
    if cap_basis == CapBasis.ACCRUAL_DAY:
        cuts.update(rules.rate_caps.change_dates())
    return sorted(c for c in cuts if start <= c <= stop)


def _span_keys(debt: PeriodDebt, active: Sequence[_Tranche], day: date, *, calculation_date: date,
               rules: PenaltyRules, cap_basis: CapBasis) -> list[_RowKey]:
    """The rows (band, rate, debt, note) the tranches still accruing make from ``day`` on."""
    band = _band((day - debt.due_date).days)
    moratorium = rules.moratoria.value_on(day)
    if moratorium is not None and moratorium.covers(debt.due_date):
        return [(BAND_NONE, None, sum((t.amount for t in active), Decimal(0)), moratorium.label)]
    if band == BAND_NONE:
        return [(BAND_NONE, None, sum((t.amount for t in active), Decimal(0)), NOTE_GRACE)]
    # parts whose R is the same are one row (with a single rate this is the familiar
    # "debt decreasing after each payment" statement); different R — separate rows
    by_rate: dict[Decimal, Decimal] = {}
    for t in active:
        rate_day = calculation_date if t.paid_on is None else t.paid_on
        rate = rules.rate_on(rate_day, cap_day=day if cap_basis == CapBasis.ACCRUAL_DAY else rate_day)
        by_rate[rate] = by_rate.get(rate, Decimal(0)) + t.amount
    return [(band, rate, amount, "") for rate, amount in sorted(by_rate.items())]


def _merge_spans(keys: Sequence[_RowKey], first: date, last: date, open_rows: dict[_RowKey, list[date]],
                 finished: list[tuple[_RowKey, date, date]]) -> None:
    """Extend the open row of each key that runs on into [first, last]; finish the rows that do not."""
    for key in keys:
        span = open_rows.get(key)
        if span is not None and span[1] + _ONE_DAY == first:
            span[1] = last
        else:
            if span is not None:
                finished.append((key, span[0], span[1]))
            open_rows[key] = [first, last]
    for key in [k for k, span in open_rows.items() if span[1] < last]:
        span = open_rows.pop(key)
        finished.append((key, span[0], span[1]))


def _penalty_row(debt: PeriodDebt, key: _RowKey, d_from: date, d_to: date) -> PenaltyRow:
    band, rate, amount, note = key
    days = (d_to - d_from).days + 1
    return PenaltyRow(
        period=debt.period,
        debt=amount,
        date_from=d_from,
        date_to=d_to,
        days=days,
        band=band,
        rate=rate,
        formula=row_formula(amount, days, band, rate),
        amount=row_amount(amount, days, band, rate),
        note=note,
    )


def _period_rows(
    debt: PeriodDebt,
    tranches: Sequence[_Tranche],
    *,
    calculation_date: date,
    rules: PenaltyRules,
    cap_basis: CapBasis,
    payment_day_accrues: bool,
) -> list[PenaltyRow]:
    start = debt.due_date + _ONE_DAY
    stop = calculation_date + _ONE_DAY  # exclusive
    if start >= stop:
        return []
    ends = _tranche_ends(tranches, calculation_date=calculation_date, payment_day_accrues=payment_day_accrues)
    bounds = _bounds(debt, ends, start=start, stop=stop, rules=rules, cap_basis=cap_basis)

    # key: (band, rate, debt, note); value: [date_from, date_to]
    open_rows: dict[_RowKey, list[date]] = {}
    finished: list[tuple[_RowKey, date, date]] = []
    for a, b in pairwise(bounds):
        active = [t for t, e in zip(tranches, ends, strict=True) if e >= a]
        if active:
            keys = _span_keys(debt, active, a, calculation_date=calculation_date, rules=rules, cap_basis=cap_basis)
            _merge_spans(keys, a, b - _ONE_DAY, open_rows, finished)
    finished.extend((key, span[0], span[1]) for key, span in open_rows.items())

    rows = [_penalty_row(debt, key, d_from, d_to) for key, d_from, d_to in finished]
    rows.sort(key=lambda r: (r.date_from, r.rate or 0))
    return rows


def calculate_penalties(
    *,
    debts: Sequence[PeriodDebt],
    payments: Sequence[Payment] = (),
    calculation_date: date,
    rules: PenaltyRules | None = None,
    cap_basis: CapBasis = CapBasis.RATE_DAY,
    payment_day_accrues: bool = True,
    stale_days: int = RULES_STALE_DAYS,
) -> PenaltyStatement:
    """Penalties under ЖК РФ ст.155 ч.14 as of ``calculation_date`` (see the module docstring)."""
    _check_inputs(debts, payments)
    rules = rules or PenaltyRules.default()
    tranches, unallocated = _allocate(debts, payments, calculation_date)
    periods = []
    for debt in sorted(debts, key=lambda d: d.period):
        rows = _period_rows(
            debt,
            tranches[debt.period],
            calculation_date=calculation_date,
            rules=rules,
            cap_basis=cap_basis,
            payment_day_accrues=payment_day_accrues,
        )
        total = sum((r.amount for r in rows), Decimal("0.00"))
        periods.append(PeriodPenalty(debt.period, debt.amount, debt.due_date, tuple(rows), total))
    return PenaltyStatement(
        calculation_date=calculation_date,
        periods=tuple(periods),
        total=sum((p.total for p in periods), Decimal("0.00")),
        unallocated=unallocated,
        payment_day_accrues=payment_day_accrues,
        rule_tables=rules.ages_on(calculation_date, stale_days=stale_days),
    )
