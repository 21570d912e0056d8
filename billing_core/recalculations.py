"""Recalculations (перерасчёты): temporary absence and poor quality of a utility.

Both return a ``Recalculation``: an amount in kopecks (negative = reduction of the charge) and
a Russian reason for section 5 of the ЕПД. Each amount is computed exactly and rounded once,
half up, by ``billing_core.money.to_money``.

Temporary absence (ПП 354 п.86–97) [law/practice]:

* only for a premise without an individual meter where one cannot be installed (no technical
  possibility, п.86); with a meter installed, or installable, it is refused (``ABSENCE_METER``);
* for every utility service charged without a meter — cold and hot water, drainage, electricity and
  gas — except those п.86 names: heating, and electricity or gas used to heat the premises
  («за исключением коммунальных услуг по отоплению, электроснабжению и газоснабжению на цели
  отопления жилых (нежилых) помещений», as amended by ПП 1498 of 26.12.2016) — pass
  ``heating_purpose=True`` for those — and never for common-house needs (``ABSENCE_SERVICE``) [law].
  Waste collection (ТКО) is recalculated by its own rule (п.148(44)), not here;
* the absence must last more than 5 full days in a row (``ABSENCE_TOO_SHORT``); full days do
  not include the day of leaving nor the day of return (п.86);
* the application is filed before leaving or no later than 30 days after the return date
  (п.91; ``ABSENCE_APPLICATION_LATE``); an application during the absence is in time;
* the reduction is proportional to the full days away that fall into the period and to the
  share of the absent persons in those the charge was computed for:
  −to_money(charge × absent_persons × days_away / (persons × period_days)).

Poor quality, interruptions (ПП 354 section IX, Приложение 1) [law for the limits]:

* hot water: at most 8 hours in total in a month and 4 hours at once (п.4);
* heating: at most 24 hours in total in a month and 16 hours at once (п.15; 16 hours holds at a
  room temperature from +12 °C to the norm, 8 and 4 hours at lower ones — pass the limit);
* hours over the limit = max(total − monthly limit, Σ max(0, each interruption − single limit)):
  both limits are checked and an hour over both is counted once [check]; only full hours
  count («за каждый час превышения») [check];
* the charge is reduced by ``percent_per_hour`` (default 0.15 % per hour for both [check]) per
  hour over the limit, at most to zero:
  −to_money(min(charge, charge × percent_per_hour × hours / 100)).

Poor quality of heating, the temperature in the premise (ПП 354 прил.1 п.15) [law for the norm and the rate]:

* the norm is at least +18 °C in a living room, +20 °C in a corner room; in regions whose coldest five-day
  period is −31 °C or colder, +20 °C and +22 °C (``cold_region``);
* at night (0:00–5:00) the temperature may be up to 3 °C below the norm; in the daytime no drop is allowed;
* for each hour of deviation in the period, the period's heating charge is reduced by 0.15 % for each degree of
  deviation: −to_money(min(charge, charge × 0.15 × Σ(hours × degrees) / 100));
* a night hour within the allowance is no deviation; one below it counts its degrees from the norm, not from the
  allowed bound [check: the text says «за каждый градус отклонения температуры» without naming the base];
* only full hours and full degrees count, per measured interval (as for interruptions) [check];
* hours of an interruption of heating (п.14) are not counted here (п.14's note: from the start of an interruption
  п.15 does not apply) — the caller leaves them out; a temperature above the norm (allowed up to +4 °C) is not
  handled here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.money import to_money
from billing_core.service_kinds import ServiceKind

# Error codes, named here for the rules below (values from billing_core.error_codes).
ABSENCE_SERVICE = ErrorCode.ABSENCE_SERVICE
ABSENCE_METER = ErrorCode.ABSENCE_METER
ABSENCE_TOO_SHORT = ErrorCode.ABSENCE_TOO_SHORT
ABSENCE_APPLICATION_LATE = ErrorCode.ABSENCE_APPLICATION_LATE
QUALITY_SERVICE = ErrorCode.QUALITY_SERVICE

# ПП 354 п.86: every utility service but heating; electricity and gas only when not used to heat the premises
ABSENCE_SERVICES = frozenset({ServiceKind.COLD_WATER, ServiceKind.HOT_WATER, ServiceKind.DRAINAGE,
                              ServiceKind.ELECTRICITY, ServiceKind.GAS})
HEATING_PURPOSE_SERVICES = frozenset({ServiceKind.ELECTRICITY, ServiceKind.GAS})
ABSENCE_MIN_FULL_DAYS = 6  # "more than 5 full days"
ABSENCE_APPLICATION_DAYS = 30

# [check] Приложение 1 to ПП 354 says 0.15 % per hour over the limit for hot water and for heating;
# kept a parameter until confirmed, like the limits below.
DEFAULT_PERCENT_PER_HOUR = Decimal("0.15")

_PRECISION = 60

# ПП 354 прил.1 п.15: the normative air temperature in a living room, its corner-room and cold-region raises, and
# the night allowance (0:00–5:00)
HEATING_NORM_TEMPERATURE = Decimal(18)
CORNER_ROOM_RAISE = Decimal(2)
COLD_REGION_RAISE = Decimal(2)
NIGHT_ALLOWANCE = Decimal(3)
DEFAULT_PERCENT_PER_DEGREE_HOUR = Decimal("0.15")


class RecalculationReason(StrEnum):
    TEMPORARY_ABSENCE = "temporary_absence"
    POOR_QUALITY = "poor_quality"


@dataclass(frozen=True)
class InterruptionLimits:
    monthly_hours: int
    single_hours: int


INTERRUPTION_LIMITS: dict[ServiceKind, InterruptionLimits] = {
    ServiceKind.HOT_WATER: InterruptionLimits(monthly_hours=8, single_hours=4),
    ServiceKind.HEATING: InterruptionLimits(monthly_hours=24, single_hours=16),
}


@dataclass(frozen=True)
class Recalculation:
    reason: RecalculationReason
    amount: Decimal  # kopecks; negative = reduction
    reason_text: str
    days: int | None = None  # absence: full days away inside the period
    hours: int | None = None  # quality: full hours over the limit


def _decimal(value: Decimal | int | str, name: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{name} is never a float")
    return Decimal(value)


def _reduction(value: Decimal) -> Decimal:
    """Minus ``value`` in kopecks; a zero reduction is 0.00, never -0.00."""
    return -to_money(value) + 0


def _percent_reduction(charge: Decimal, percent: Decimal, units: int) -> Decimal:
    """Minus ``percent`` of ``charge`` per unit (an hour, a degree-hour), at most the whole charge, rounded once."""
    base = _decimal(charge, "charge")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return _reduction(min(base, base * percent * units / 100))


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _check_period(period_start: date, period_end: date) -> int:
    if period_end < period_start:
        raise ValidationError(_("Конец периода раньше его начала."), code=ErrorCode.DATE_RANGE)
    return (period_end - period_start).days + 1


def absence_recalculation(
    *,
    service: ServiceKind,
    charge: Decimal,
    period_start: date,
    period_end: date,
    departure_date: date,
    return_date: date,
    application_date: date,
    meter_installed: bool,
    meter_installable: bool,
    persons: int = 1,
    absent_persons: int = 1,
    common_house_needs: bool = False,
    heating_purpose: bool = False,
    eligible_services: Collection[ServiceKind] = ABSENCE_SERVICES,
) -> Recalculation:
    """Reduction of ``charge`` (the service's charge for [period_start, period_end]) for absence.

    ``departure_date`` and ``return_date`` are the days of leaving and coming back; the full days
    away are the days strictly between them. ``persons`` is the number the charge was computed
    for and ``absent_persons`` how many of them were away. ``heating_purpose`` marks electricity or gas
    supplied to heat the premises, which п.86 excludes.
    """
    days_in_period = _check_period(period_start, period_end)
    service = ServiceKind(service)
    if common_house_needs or service not in eligible_services:
        raise ValidationError(
            _("Перерасчёт за временное отсутствие не производится по услуге «%(service)s»."),
            code=ABSENCE_SERVICE,
            params={"service": service.label if not common_house_needs else _("общедомовые нужды")},
        )
    if heating_purpose and service in HEATING_PURPOSE_SERVICES:
        raise ValidationError(
            _("Перерасчёт за временное отсутствие не производится по услуге «%(service)s» на цели отопления "
              "помещения (ПП РФ №354 п.86)."),
            code=ABSENCE_SERVICE,
            params={"service": service.label},
        )
    if meter_installed:
        raise ValidationError(
            _("Перерасчёт за временное отсутствие не производится: установлен индивидуальный прибор учёта."),
            code=ABSENCE_METER,
        )
    if meter_installable:
        raise ValidationError(
            _("Перерасчёт за временное отсутствие не производится: есть техническая возможность установить "
              "индивидуальный прибор учёта."),
            code=ABSENCE_METER,
        )
    if return_date < departure_date:
        raise ValidationError(_("Дата возвращения раньше даты выбытия."), code=ErrorCode.DATE_RANGE)
    if not 0 < absent_persons <= persons:
        raise ValidationError(
            _("Число отсутствовавших должно быть от 1 до числа проживающих."), code=ErrorCode.INVALID
        )
    full_days = (return_date - departure_date).days - 1
    if full_days < ABSENCE_MIN_FULL_DAYS:
        raise ValidationError(
            _("Временное отсутствие должно длиться более 5 полных календарных суток подряд."),
            code=ABSENCE_TOO_SHORT,
        )
    if application_date > return_date + timedelta(days=ABSENCE_APPLICATION_DAYS):
        raise ValidationError(
            _("Заявление подано позже 30 дней после возвращения (%(date)s)."),
            code=ABSENCE_APPLICATION_LATE,
            params={"date": _fmt(return_date)},
        )
    first_away = max(departure_date + timedelta(days=1), period_start)
    last_away = min(return_date - timedelta(days=1), period_end)
    days_away = max(0, (last_away - first_away).days + 1)
    base = _decimal(charge, "charge")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        amount = _reduction(base * absent_persons * days_away / (persons * days_in_period))
    text = _("Временное отсутствие с %(start)s по %(end)s (ПП РФ №354 п.86–97): %(days)s полн. сут. из "
             "%(period_days)s в периоде, отсутствовало %(absent)s из %(persons)s чел.") % {
        "start": _fmt(departure_date), "end": _fmt(return_date), "days": days_away,
        "period_days": days_in_period, "absent": absent_persons, "persons": persons,
    }
    return Recalculation(
        reason=RecalculationReason.TEMPORARY_ABSENCE, amount=amount, reason_text=str(text), days=days_away
    )


def hours_over_limit(interruptions_hours: Sequence[Decimal | int], limits: InterruptionLimits) -> int:
    """Full hours over the limits: the larger of the excess over the monthly total and the sum of
    the excesses of single interruptions over the single limit."""
    hours = [_decimal(h, "interruptions_hours") for h in interruptions_hours]
    if any(h < 0 for h in hours):
        raise ValidationError(_("Продолжительность перерыва не может быть отрицательной."), code=ErrorCode.INVALID)
    over_total = max(Decimal(0), sum(hours, Decimal(0)) - limits.monthly_hours)
    over_single = sum((max(Decimal(0), h - limits.single_hours) for h in hours), Decimal(0))
    return int(max(over_total, over_single))  # int() truncates: only full hours count


def interruption_recalculation(
    *,
    service: ServiceKind,
    charge: Decimal,
    interruptions_hours: Sequence[Decimal | int],
    percent_per_hour: Decimal = DEFAULT_PERCENT_PER_HOUR,
    limits: InterruptionLimits | None = None,
) -> Recalculation:
    """Reduction of ``charge`` (the service's charge for the period) for interruptions of supply.

    ``interruptions_hours`` are the durations of the period's interruptions in hours. ``limits``
    default to ``INTERRUPTION_LIMITS[service]`` (hot water and heating).
    """
    service = ServiceKind(service)
    if limits is None:
        if service not in INTERRUPTION_LIMITS:
            raise ValidationError(
                _("Для услуги «%(service)s» не заданы допустимые перерывы."),
                code=QUALITY_SERVICE,
                params={"service": service.label},
            )
        limits = INTERRUPTION_LIMITS[service]
    hours = hours_over_limit(interruptions_hours, limits)
    pct = _decimal(percent_per_hour, "percent_per_hour")
    amount = _percent_reduction(charge, pct, hours)
    text = _("Перерывы в предоставлении услуги «%(service)s» сверх допустимых (ПП РФ №354, приложение 1): "
             "%(hours)s ч превышения × %(pct)s %% за час.") % {
        "service": service.label, "hours": hours, "pct": str(pct).replace(".", ","),
    }
    return Recalculation(reason=RecalculationReason.POOR_QUALITY, amount=amount, reason_text=str(text),
                         hours=hours)


@dataclass(frozen=True)
class TemperatureDeviation:
    """One measured interval: its length in hours, the air temperature in the premise, and whether it lies in the
    night (0:00–5:00), when up to 3 °C below the norm is allowed."""

    hours: Decimal | int
    temperature: Decimal | int
    night: bool = False


def heating_norm_temperature(*, corner_room: bool = False, cold_region: bool = False) -> Decimal:
    return (HEATING_NORM_TEMPERATURE + (CORNER_ROOM_RAISE if corner_room else 0)
            + (COLD_REGION_RAISE if cold_region else 0))


def temperature_degree_hours(deviations: Sequence[TemperatureDeviation], *, norm: Decimal) -> int:
    """Σ full hours × full degrees below ``norm`` over the intervals that deviate."""
    total = 0
    for deviation in deviations:
        hours = _decimal(deviation.hours, "hours")
        temperature = _decimal(deviation.temperature, "temperature")
        if hours < 0:
            raise ValidationError(_("Продолжительность отклонения не может быть отрицательной."),
                                  code=ErrorCode.INVALID)
        bound = norm - (NIGHT_ALLOWANCE if deviation.night else 0)
        if temperature >= bound:
            continue  # within the norm, or within the night allowance
        total += int(hours) * int(norm - temperature)  # int() truncates: full hours, full degrees
    return total


def temperature_recalculation(
    *,
    service: ServiceKind,
    charge: Decimal,
    deviations: Sequence[TemperatureDeviation],
    corner_room: bool = False,
    cold_region: bool = False,
    percent_per_degree_hour: Decimal = DEFAULT_PERCENT_PER_DEGREE_HOUR,
) -> Recalculation:
    """Reduction of the heating ``charge`` for the period's hours with the air temperature below the norm."""
    service = ServiceKind(service)
    if service != ServiceKind.HEATING:
        raise ValidationError(
            _("Перерасчёт за температуру воздуха в помещении производится только по отоплению, не по услуге "
              "«%(service)s»."),
            code=QUALITY_SERVICE,
            params={"service": service.label},
        )
    norm = heating_norm_temperature(corner_room=corner_room, cold_region=cold_region)
    degree_hours = temperature_degree_hours(deviations, norm=norm)
    pct = _decimal(percent_per_degree_hour, "percent_per_degree_hour")
    amount = _percent_reduction(charge, pct, degree_hours)
    text = _("Температура воздуха в помещении ниже нормативной +%(norm)s °C (ПП РФ №354, приложение 1, п.15): "
             "%(dh)s град.·ч × %(pct)s %% за час на градус.") % {
        "norm": norm, "dh": degree_hours, "pct": str(pct).replace(".", ","),
    }
    return Recalculation(reason=RecalculationReason.POOR_QUALITY, amount=amount, reason_text=str(text),
                         hours=degree_hours)
