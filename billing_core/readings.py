"""Validation of meter readings (показания приборов учёта).

Rules (DOMAIN.md, Meter readings):

* a reading dated after today is refused (``READING_IN_FUTURE``);
* a reading for an archived meter is refused (``METER_ARCHIVED``), and one dated after the
  meter's verification due date (дата очередной поверки) is refused
  (``METER_VERIFICATION_EXPIRED``); a reading dated on the due date itself is accepted [check];
* the reading date must fall into the submission window, days ``start_day``..``end_day`` of its
  month (default 20..25; residents submit by the 25th [practice]); the window is configured per
  principal or house, ``None`` switches it off (e.g. readings taken by an inspector). An
  ``end_day`` beyond the month's length means its last day (``READING_OUTSIDE_WINDOW``);
* a meter has 1 to 3 tariff zones (single, or day/night, or day/night/peak); every zone of the
  meter needs a value and no other zone may have one (``READING_ZONE_MISMATCH``); each zone is
  validated on its own against its own previous value and history;
* a value must fit the register: 0 ≤ value < 10^digits (``READING_OUT_OF_RANGE``);
* a value equal to the previous one is accepted (zero consumption); a value below the previous
  one is refused (``READING_BELOW_PREVIOUS``) unless the zone is explicitly marked as a rollover
  of the register; then consumption = 10^digits − previous + current and the zone is flagged
  ``ROLLOVER``. A zone marked as a rollover whose value is not below the previous is refused
  (``READING_ROLLOVER_INVALID``);
* a consumption above ``spike_factor`` (default 3) × the average of the zone's last 3 monthly
  consumptions is accepted but flagged ``CONSUMPTION_SPIKE`` for an operator to check.

All errors found are reported at once: ``ValidationError({field: [ValidationError(message,
code=...)]})`` with the fields ``"value"``, ``"reading_date"``, ``"meter"`` and ``"zone"``.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode

# Error codes, named here for the rules below (values from billing_core.error_codes).
READING_IN_FUTURE = ErrorCode.READING_IN_FUTURE
METER_ARCHIVED = ErrorCode.METER_ARCHIVED
METER_VERIFICATION_EXPIRED = ErrorCode.METER_VERIFICATION_EXPIRED
READING_OUTSIDE_WINDOW = ErrorCode.READING_OUTSIDE_WINDOW
READING_ZONE_MISMATCH = ErrorCode.READING_ZONE_MISMATCH
READING_OUT_OF_RANGE = ErrorCode.READING_OUT_OF_RANGE
READING_BELOW_PREVIOUS = ErrorCode.READING_BELOW_PREVIOUS
READING_ROLLOVER_INVALID = ErrorCode.READING_ROLLOVER_INVALID

# Flags (the reading is accepted; an operator may look at it).
ROLLOVER = "ROLLOVER"
CONSUMPTION_SPIKE = "CONSUMPTION_SPIKE"


class ReadingSource(StrEnum):
    """One list for the rules here and for the readings table (tenants.billing.models labels it)."""

    CABINET = "cabinet"
    PORTAL = "portal"
    FILE = "file"
    API = "api"
    BANK_REGISTRY = "bank_registry"


class Zone(StrEnum):
    SINGLE = "single"  # a single-rate meter
    DAY = "day"
    NIGHT = "night"
    PEAK = "peak"


ZONE_NAMES = {
    Zone.SINGLE: _("единый тариф"),
    Zone.DAY: _("день"),
    Zone.NIGHT: _("ночь"),
    Zone.PEAK: _("пик"),
}


@dataclass(frozen=True)
class SubmissionWindow:
    start_day: int = 20
    end_day: int = 25

    def __post_init__(self) -> None:
        if not 1 <= self.start_day <= self.end_day <= 31:
            raise ValueError("the window needs 1 <= start_day <= end_day <= 31")

    def contains(self, day: date) -> bool:
        last = min(self.end_day, calendar.monthrange(day.year, day.month)[1])
        return self.start_day <= day.day <= last


DEFAULT_WINDOW = SubmissionWindow()


@dataclass(frozen=True)
class Meter:
    digits: int  # digits of the register's integer part: it rolls over at 10**digits
    zones: tuple[Zone, ...] = (Zone.SINGLE,)
    archived: bool = False
    verification_due: date | None = None  # дата очередной поверки

    def __post_init__(self) -> None:
        zones = tuple(Zone(z) for z in self.zones)
        object.__setattr__(self, "zones", zones)
        if self.digits < 1:
            raise ValueError("a meter has at least one digit")
        if not 1 <= len(zones) <= 3 or len(set(zones)) != len(zones):
            raise ValueError("a meter has 1 to 3 distinct tariff zones")
        if Zone.SINGLE in zones and len(zones) > 1:
            raise ValueError("a single-rate meter has exactly one zone")

    @property
    def capacity(self) -> Decimal:
        return Decimal(10) ** self.digits


@dataclass(frozen=True)
class ZoneResult:
    zone: Zone
    value: Decimal
    consumption: Decimal | None  # None for the first reading of a meter
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadingResult:
    reading_date: date
    source: ReadingSource
    zones: tuple[ZoneResult, ...] = field(default_factory=tuple)

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(flag for z in self.zones for flag in z.flags)


def _decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("a meter reading is never a float")
    return Decimal(value)


def _ru(number: Decimal) -> str:
    """A number as Russians write it: decimal comma."""
    return str(number).replace(".", ",")


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


class _Refusals:
    """The reasons a reading is refused, by input field, in the order found."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def __call__(self, field_name: str, message: object, code: str, **params: object) -> None:
        self.errors.setdefault(field_name, []).append(ValidationError(message, code=code, params=params or None))


def _check_date_and_meter(refuse: _Refusals, *, meter: Meter, reading_date: date, today: date,
                          window: SubmissionWindow | None) -> None:
    if reading_date > today:
        refuse("reading_date", _("Дата показаний %(date)s ещё не наступила."), READING_IN_FUTURE,
               date=_fmt(reading_date))
    if meter.archived:
        refuse("meter", _("Прибор учёта выведен из эксплуатации (в архиве)."), METER_ARCHIVED)
    if meter.verification_due is not None and reading_date > meter.verification_due:
        refuse("meter", _("Истёк срок поверки прибора учёта (%(date)s)."), METER_VERIFICATION_EXPIRED,
               date=_fmt(meter.verification_due))
    if window is not None and not window.contains(reading_date):
        refuse("reading_date", _("Показания принимаются с %(start)s по %(end)s число месяца."),
               READING_OUTSIDE_WINDOW, start=window.start_day, end=window.end_day)


def _check_zones(refuse: _Refusals, *, meter: Meter, given: Mapping[Zone, Decimal]) -> None:
    for zone in meter.zones:
        if zone not in given:
            refuse("zone", _("Не переданы показания по зоне «%(zone)s»."), READING_ZONE_MISMATCH,
                   zone=ZONE_NAMES[zone])
    for zone in given:
        if zone not in meter.zones:
            refuse("zone", _("У прибора учёта нет зоны «%(zone)s»."), READING_ZONE_MISMATCH, zone=ZONE_NAMES[zone])


def _consumption(refuse: _Refusals, *, name: str, value: Decimal, prev: Decimal, capacity: Decimal,
                 rolled_over: bool) -> tuple[Decimal, tuple[str, ...]] | None:
    """Consumption since the previous value and its flags, or None when the value is refused."""
    if rolled_over:
        if value >= prev:
            refuse("value", _("Показание по зоне «%(zone)s» не меньше предыдущего: это не переход "
                              "счётчика через ноль."), READING_ROLLOVER_INVALID, zone=name)
            return None
        return capacity - prev + value, (ROLLOVER,)
    if value < prev:
        refuse("value", _("Показание по зоне «%(zone)s» (%(value)s) меньше предыдущего (%(previous)s)."),
               READING_BELOW_PREVIOUS, zone=name, value=_ru(value), previous=_ru(prev))
        return None
    return value - prev, ()


def _is_spike(consumption: Decimal, past: Sequence[Decimal], *, spike_factor: Decimal, spike_months: int) -> bool:
    """Over ``spike_factor`` times the average of the last ``spike_months`` monthly consumptions."""
    recent = [_decimal(v) for v in past][-spike_months:] if spike_months else []
    return bool(recent) and consumption * len(recent) > spike_factor * sum(recent, Decimal(0))


def _zone_result(refuse: _Refusals, *, meter: Meter, zone: Zone, value: Decimal,
                 previous: Mapping[Zone, Decimal] | None, rolled_over: bool, past: Sequence[Decimal],
                 spike_factor: Decimal, spike_months: int) -> ZoneResult | None:
    """One zone's value checked against the meter's range and the previous value; None when refused."""
    name = ZONE_NAMES[zone]
    if not 0 <= value < meter.capacity:
        refuse("value", _("Показание по зоне «%(zone)s» должно быть не меньше 0 и меньше %(capacity)s."),
               READING_OUT_OF_RANGE, zone=name, capacity=meter.capacity)
        return None
    prev = None if previous is None or zone not in previous else _decimal(previous[zone])
    if prev is None:
        return ZoneResult(zone=zone, value=value, consumption=None)
    counted = _consumption(refuse, name=name, value=value, prev=prev, capacity=meter.capacity,
                           rolled_over=rolled_over)
    if counted is None:
        return None
    consumption, flags = counted
    if _is_spike(consumption, past, spike_factor=spike_factor, spike_months=spike_months):
        flags = (*flags, CONSUMPTION_SPIKE)
    return ZoneResult(zone=zone, value=value, consumption=consumption, flags=flags)


def validate_reading(
    *,
    meter: Meter,
    values: Mapping[Zone, Decimal],
    reading_date: date,
    today: date,
    source: ReadingSource,
    previous: Mapping[Zone, Decimal] | None = None,
    history: Mapping[Zone, Sequence[Decimal]] | None = None,
    rollover: Collection[Zone] = (),
    window: SubmissionWindow | None = DEFAULT_WINDOW,
    spike_factor: Decimal = Decimal(3),
    spike_months: int = 3,
) -> ReadingResult:
    """Check one reading (all zones of one meter on one date); return consumption per zone and flags.

    ``previous`` holds the previous accepted value per zone (``None`` for the meter's first
    reading); ``history`` the zone's past monthly consumptions, oldest first; ``rollover`` the
    zones the submitter marked as having rolled over.
    """
    source = ReadingSource(source)
    refuse = _Refusals()
    _check_date_and_meter(refuse, meter=meter, reading_date=reading_date, today=today, window=window)
    given = {Zone(z): _decimal(v) for z, v in values.items()}
    _check_zones(refuse, meter=meter, given=given)
    marked = {Zone(z) for z in rollover}

    results = []
    for zone in meter.zones:
        if zone not in given:
            continue
        result = _zone_result(refuse, meter=meter, zone=zone, value=given[zone], previous=previous,
                              rolled_over=zone in marked, past=(history or {}).get(zone, ()),
                              spike_factor=spike_factor, spike_months=spike_months)
        if result is not None:
            results.append(result)

    if refuse.errors:
        raise ValidationError(refuse.errors)
    return ReadingResult(reading_date=reading_date, source=source, zones=tuple(results))
