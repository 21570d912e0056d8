"""Tariffs and the charge for one account, service and period (начисление).

This module is the reference the set-based SQL charge run is tested against, so every rule
here is written out explicitly.

Tariffs. A ``Tariff`` is valid from ``valid_from`` through ``valid_to`` (both inclusive;
``valid_to=None`` means open-ended). Tariffs of one service must not overlap
(``TARIFF_OVERLAP``). The per-unit price of a two-component hot-water tariff is
``cold_water_rate + heat_norm × heat_rate`` (cold-water component per m³ plus the heat norm k
in Gcal/m³ times the heat tariff per Gcal) [practice].

Quantity basis by kind: per_unit and two_component_hot_water — the volume; per_area — the area
in m²; per_person — the number of persons; per_premise — 1.

Mid-period tariff change, split by days. With P days in the period and a tariff covering d_i of
them at rate r_i, the quantity Q (the volume too: it is split by days, not by the dates of the
readings, because readings are taken once a period) is charged as

    total = to_money(Σ_i (Q × d_i × r_i) × c / P)

where c is the uplift coefficient (1 unless the quantity is a norm volume for a premise without a
meter). The numerator is exact; there is one division and one rounding (kopecks, half up), so
the result does not depend on how the period is cut. The per-line quantities and amounts in the
result are shown unrounded, for the ЕПД and for checks; only ``total`` is money. Every day of
the period must be covered by a tariff (``TARIFF_MISSING``).

No meter: the volume is norm × persons (or × area), and the charge is multiplied by the uplift
coefficient (повышающий коэффициент; 1.5 since 2017 for most resources [practice]). The
coefficient is an input, never a constant here: it is dated data and depends on the resource
and on whether a meter can be installed.

Volume resolution (``resolve_volume``): the difference of the readings; when this period's
reading is missing, the average monthly volume over up to the last 3 months of history, for up
to 3 periods in a row; otherwise, or without history, the norm [practice; ПП 354 п.59–60 speaks
of an average over at least 6 months — the window is a parameter, check].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.money import to_money

# Error codes, named here for the rules below (values from billing_core.error_codes).
TARIFF_MISSING = ErrorCode.TARIFF_MISSING
TARIFF_BASIS_MISMATCH = ErrorCode.TARIFF_BASIS_MISMATCH

# Precision for the single division of an exact numerator: far beyond any amount, so rounding
# to kopecks afterwards is the rounding of the exact rational value.
_DIVISION_PRECISION = 60


class TariffKind(StrEnum):
    """One list for the rules here and for the tariff column (tenants.billing.models labels it)."""

    PER_UNIT = "per_unit"
    PER_AREA = "per_area"
    PER_PERSON = "per_person"
    PER_PREMISE = "per_premise"
    TWO_COMPONENT_HOT_WATER = "two_component_hot_water"


class QuantityBasis(StrEnum):
    VOLUME = "volume"
    AREA = "area"
    PERSONS = "persons"
    PREMISE = "premise"


QUANTITY_BASIS: dict[TariffKind, QuantityBasis] = {
    TariffKind.PER_UNIT: QuantityBasis.VOLUME,
    TariffKind.TWO_COMPONENT_HOT_WATER: QuantityBasis.VOLUME,
    TariffKind.PER_AREA: QuantityBasis.AREA,
    TariffKind.PER_PERSON: QuantityBasis.PERSONS,
    TariffKind.PER_PREMISE: QuantityBasis.PREMISE,
}


class VolumeMethod(StrEnum):
    METER = "meter"
    AVERAGE = "average"
    NORM = "norm"


def _decimal(value: Decimal | int | str, name: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{name} is never a float")
    return Decimal(value)


def unit_rate(kind: TariffKind | str, *, rate: Decimal | None = None, cold_water_rate: Decimal | None = None,
              heat_rate: Decimal | None = None, heat_norm: Decimal | None = None) -> Decimal:
    """Price per unit of the quantity basis, unrounded: ``rate``, or for two-component hot water
    ``cold_water_rate + heat_norm × heat_rate``.

    The one statement of the formula in Python: ``Tariff.unit_rate`` and the API's ``Tariff.unitRate`` call it; the
    charge run keeps it in SQL for speed, and its test checks the SQL's rate against this function.
    """
    if TariffKind(kind) == TariffKind.TWO_COMPONENT_HOT_WATER:
        assert cold_water_rate is not None and heat_rate is not None and heat_norm is not None
        return cold_water_rate + heat_norm * heat_rate
    assert rate is not None
    return rate


@dataclass(frozen=True)
class Tariff:
    """A dated tariff of one service. ``valid_to`` is the last day it applies (inclusive)."""

    kind: TariffKind
    valid_from: date
    valid_to: date | None = None
    rate: Decimal | None = None  # single-rate kinds: price per unit (m³, kWh, Gcal, m², person, premise)
    cold_water_rate: Decimal | None = None  # two-component: cold-water component per m³
    heat_rate: Decimal | None = None  # two-component: heat tariff per Gcal
    heat_norm: Decimal | None = None  # two-component: k, Gcal per m³

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", TariffKind(self.kind))
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError(
                _("Дата окончания действия тарифа раньше даты начала."), code=ErrorCode.DATE_RANGE
            )
        if self.kind == TariffKind.TWO_COMPONENT_HOT_WATER:
            needed = {"cold_water_rate": self.cold_water_rate, "heat_rate": self.heat_rate,
                      "heat_norm": self.heat_norm}
        else:
            needed = {"rate": self.rate}
        for name, value in needed.items():
            if value is None:
                raise ValidationError(
                    _("Не задан компонент тарифа: %(name)s."), code=ErrorCode.REQUIRED, params={"name": name}
                )
            value = _decimal(value, name)
            if value < 0:
                raise ValidationError(
                    _("Тариф не может быть отрицательным: %(name)s."), code=ErrorCode.INVALID, params={"name": name}
                )
            object.__setattr__(self, name, value)

    @property
    def basis(self) -> QuantityBasis:
        return QUANTITY_BASIS[self.kind]

    @property
    def unit_rate(self) -> Decimal:
        """Price per unit of the quantity basis, unrounded."""
        return unit_rate(self.kind, rate=self.rate, cold_water_rate=self.cold_water_rate, heat_rate=self.heat_rate,
                         heat_norm=self.heat_norm)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class TariffSegment:
    tariff: Tariff
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_days(period_start: date, period_end: date) -> int:
    if period_end < period_start:
        raise ValidationError(_("Конец периода раньше его начала."), code=ErrorCode.DATE_RANGE)
    return (period_end - period_start).days + 1


def check_no_overlap(tariffs: Sequence[Tariff]) -> list[Tariff]:
    """Return the tariffs sorted by ``valid_from``; refuse any two that share a day."""
    ordered = sorted(tariffs, key=lambda t: t.valid_from)
    for earlier, later in pairwise(ordered):
        if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
            raise ValidationError(
                _("Периоды действия тарифов пересекаются: тариф с %(a)s и тариф с %(b)s."),
                code=ErrorCode.TARIFF_OVERLAP,
                params={"a": earlier.valid_from.strftime("%d.%m.%Y"), "b": later.valid_from.strftime("%d.%m.%Y")},
            )
    return ordered


def tariff_segments(tariffs: Sequence[Tariff], period_start: date, period_end: date) -> list[TariffSegment]:
    """The days of [period_start, period_end] (inclusive) each tariff covers, in date order.

    Days no tariff covers are in no segment (``charge_amount`` refuses such a period); every
    covered day is in exactly one segment, because overlapping tariffs are refused.
    """
    period_days(period_start, period_end)
    segments = []
    for tariff in check_no_overlap(tariffs):
        start = max(tariff.valid_from, period_start)
        end = period_end if tariff.valid_to is None else min(tariff.valid_to, period_end)
        if start <= end:
            segments.append(TariffSegment(tariff=tariff, start=start, end=end))
    return segments


@dataclass(frozen=True)
class TariffLine:
    start: date
    end: date
    days: int
    rate: Decimal  # unit rate, unrounded
    quantity: Decimal  # quantity × days / period days, unrounded (display only)
    amount: Decimal  # quantity × rate × uplift, unrounded (display only)


@dataclass(frozen=True)
class ChargeResult:
    basis: QuantityBasis
    quantity: Decimal  # for the whole period
    period_days: int
    uplift_coefficient: Decimal
    lines: tuple[TariffLine, ...]
    total: Decimal  # kopecks, rounded once


def _quantity(
    basis: QuantityBasis, *, volume: Decimal | None, area: Decimal | None, persons: int | None
) -> Decimal:
    if basis == QuantityBasis.PREMISE:
        return Decimal(1)
    value, name = {
        QuantityBasis.VOLUME: (volume, "volume"),
        QuantityBasis.AREA: (area, "area"),
        QuantityBasis.PERSONS: (persons, "persons"),
    }[basis]
    if value is None:
        raise ValidationError(
            _("Для расчёта не задано количество: %(name)s."), code=ErrorCode.REQUIRED, params={"name": name}
        )
    quantity = _decimal(value, name)
    if quantity < 0:
        raise ValidationError(
            _("Количество для расчёта не может быть отрицательным: %(name)s."),
            code=ErrorCode.INVALID,
            params={"name": name},
        )
    return quantity


def charge_amount(
    *,
    tariffs: Sequence[Tariff],
    period_start: date,
    period_end: date,
    volume: Decimal | None = None,
    area: Decimal | None = None,
    persons: int | None = None,
    uplift_coefficient: Decimal = Decimal(1),
) -> ChargeResult:
    """The charge of one account for one service over [period_start, period_end] (inclusive).

    ``volume`` is the period's volume (metered, average or norm — see ``resolve_volume`` and
    ``norm_volume``); ``area`` in m²; ``persons`` registered. Only the input the tariff kind
    needs is used. ``uplift_coefficient`` applies to the volume basis only (no meter).
    """
    days_in_period = period_days(period_start, period_end)
    segments = tariff_segments(tariffs, period_start, period_end)
    covered = sum(s.days for s in segments)
    if covered != days_in_period:
        raise ValidationError(
            _("Не на все дни периода с %(start)s по %(end)s задан тариф."),
            code=TARIFF_MISSING,
            params={"start": period_start.strftime("%d.%m.%Y"), "end": period_end.strftime("%d.%m.%Y")},
        )
    bases = {s.tariff.basis for s in segments}
    if len(bases) != 1:
        raise ValidationError(
            _("Тарифы в одном периоде должны начисляться от одной базы (объём, площадь, люди или помещение)."),
            code=TARIFF_BASIS_MISMATCH,
        )
    (basis,) = bases
    coefficient = _decimal(uplift_coefficient, "uplift_coefficient")
    if coefficient <= 0 or (coefficient != 1 and basis != QuantityBasis.VOLUME):
        raise ValidationError(
            _("Повышающий коэффициент применяется только к объёму и должен быть положительным."),
            code=ErrorCode.INVALID,
        )
    quantity = _quantity(basis, volume=volume, area=area, persons=persons)

    numerator = Decimal(0)  # Σ Q × d_i × r_i × c, exact (products of finite decimals)
    lines = []
    with localcontext() as ctx:
        ctx.prec = _DIVISION_PRECISION
        for s in segments:
            rate = s.tariff.unit_rate
            part = quantity * s.days * rate * coefficient
            numerator += part
            lines.append(
                TariffLine(
                    start=s.start,
                    end=s.end,
                    days=s.days,
                    rate=rate,
                    quantity=quantity * s.days / days_in_period,
                    amount=part / days_in_period,
                )
            )
        total = to_money(numerator / days_in_period)
    return ChargeResult(
        basis=basis,
        quantity=quantity,
        period_days=days_in_period,
        uplift_coefficient=coefficient,
        lines=tuple(lines),
        total=total,
    )


def norm_volume(*, norm: Decimal, persons: int | None = None, area: Decimal | None = None) -> Decimal:
    """Volume without a meter: norm × persons, or norm × area (e.g. heating norm in Gcal/m²)."""
    if (persons is None) == (area is None):
        raise ValueError("give exactly one of persons and area")
    factor = persons if persons is not None else area
    assert factor is not None
    return _decimal(norm, "norm") * _decimal(factor, "persons/area")


def resolve_volume(
    *,
    current_reading: Decimal | None,
    previous_reading: Decimal | None,
    history_volumes: Sequence[Decimal],
    norm_volume: Decimal | None,
    periods_missing: int = 1,
    average_months: int = 3,
    max_average_periods: int = 3,
    average_places: int = 3,
) -> tuple[Decimal, VolumeMethod]:
    """The period's volume and how it was found: ``"meter"``, ``"average"`` or ``"norm"``.

    * both readings known: current − previous (a rollover is resolved by
      ``billing_core.readings`` beforehand; a current reading below the previous is refused);
    * otherwise, while the reading has been missing for at most ``max_average_periods`` periods in
      a row (``periods_missing`` counts this one), the average of the last ``average_months``
      monthly volumes in ``history_volumes`` (oldest first), rounded half up to ``average_places``
      decimals (m³ to the litre) so that the SQL run gets the same figure [check];
    * otherwise ``norm_volume`` (norm × persons or × area, without the uplift: the caller decides
      whether the uplift applies).
    """
    if current_reading is not None and previous_reading is not None:
        current = _decimal(current_reading, "current_reading")
        previous = _decimal(previous_reading, "previous_reading")
        if current < previous:
            raise ValidationError(
                _("Текущие показания меньше предыдущих."), code="READING_BELOW_PREVIOUS"
            )
        return current - previous, VolumeMethod.METER
    recent = [_decimal(v, "history_volumes") for v in history_volumes][-average_months:] if average_months else []
    if recent and periods_missing <= max_average_periods:
        average = (sum(recent, Decimal(0)) / len(recent)).quantize(
            Decimal(1).scaleb(-average_places), rounding=ROUND_HALF_UP
        )
        return average, VolumeMethod.AVERAGE
    if norm_volume is None:
        raise ValidationError(
            _("Нет показаний, истории потребления и норматива: объём определить нельзя."), code=ErrorCode.REQUIRED
        )
    return _decimal(norm_volume, "norm_volume"), VolumeMethod.NORM


@dataclass(frozen=True)
class UpliftSplit:
    """A norm line charged with the uplift coefficient, as the ЕПД prints it (ПП 354 п.69; Приказ № 43/пр)."""

    norm_volume: Decimal  # the volume by the norm, without the coefficient (4 places)
    base: Decimal  # the charge for ``norm_volume`` at the tariff, kopecks
    increase: Decimal  # what the coefficient adds: the line's charge − ``base``, kopecks


def uplift_split(*, charged: Decimal, quantity: Decimal, rate: Decimal, coefficient: Decimal) -> UpliftSplit:
    """Split a charge made with the uplift coefficient into the charge by the norm and the increase.

    ``quantity`` is the uplifted volume the charge run stored (norm volume × k, 4 places) and ``charged`` the
    line's charge (kopecks). The rule, so that a reader can check each printed figure and they add up exactly:

    * volume by the norm V = quantity / k, rounded half up to 4 places;
    * base B = V × tariff, rounded half up to kopecks — when the month had one tariff (the line's charge is
      quantity × tariff to the kopeck); with a tariff change inside the month (charged by days) the printed
      tariff is the last one, so B = charged / k, rounded half up;
    * increase U = charged − B: never rounded on its own, so B + U is the charge exactly. U differs from
      B × (k − 1) by at most (1 + k) / 2 kopecks (one kopeck for k ≤ 1.5) from the two roundings.
    """
    k = Decimal(coefficient)
    if k <= 0:
        raise ValueError("the uplift coefficient must be positive")
    charged = Decimal(charged)
    volume = (Decimal(quantity) / k).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if to_money(Decimal(quantity) * Decimal(rate)) == charged:
        base = to_money(volume * Decimal(rate))
    else:
        base = to_money(charged / k)
    return UpliftSplit(norm_volume=volume, base=base, increase=charged - base)
