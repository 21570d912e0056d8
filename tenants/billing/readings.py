"""Meter readings: one at a time (cabinet, portal, API) or a whole file, checked by billing_core.readings.

A reading belongs to the month of its date and must fall into the submission window: the house's
own window when the principal set one (``HouseReadingWindow``), else the principal's settings.
Resubmitting within the window replaces the month's value; a posted month refuses. Consumption
spikes are accepted and flagged.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from billing_core import readings as rules
from billing_core.error_codes import ErrorCode
from billing_core.tabular import RowError
from tenants.billing.imports import run_import
from tenants.billing.models import BillingPeriod, ImportBatch, ImportKind, Meter, PeriodStatus, Reading
from tenants.registry.models import House
from tenants.workspace.models import HouseReadingWindow, WorkspaceSettings

# Our meters number their zones 1..3; the rules name them.
ZONES_BY_COUNT = {
    1: (rules.Zone.SINGLE,),
    2: (rules.Zone.DAY, rules.Zone.NIGHT),
    3: (rules.Zone.DAY, rules.Zone.NIGHT, rules.Zone.PEAK),
}
READING_COLUMNS = {
    "meter": ("счетчик", "номер счетчика", "заводской номер", "прибор учета", "serial"),
    "zone": ("зона", "тарифная зона"),
    "value": ("показание", "показания", "reading"),
    "date": ("дата", "дата показаний", "reading_date"),
}


def _rules_meter(meter: Meter) -> rules.Meter:
    return rules.Meter(digits=meter.digit_capacity, zones=ZONES_BY_COUNT[meter.zones],
                       archived=meter.archived_at is not None, verification_due=meter.verified_until)


def _previous_values(meter_ids: list[int], period: date) -> dict[int, dict[int, Decimal]]:
    """The last value before ``period`` per meter and zone, for all meters in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (meter_id, zone) meter_id, zone, value FROM billing_reading "
            "WHERE meter_id = ANY(%s) AND period < %s ORDER BY meter_id, zone, period DESC",
            [meter_ids, period],
        )
        result: dict[int, dict[int, Decimal]] = {}
        for meter_id, zone, value in cursor.fetchall():
            result.setdefault(meter_id, {})[zone] = value
        return result


def _window() -> rules.SubmissionWindow:
    ws = WorkspaceSettings.current()
    return rules.SubmissionWindow(ws.readings_window_start_day, ws.readings_window_end_day)


def windows_for(meters: list[Meter]) -> dict[int, rules.SubmissionWindow]:
    """Each meter's submission window: its house's own window if the principal set one, else the settings'.

    A meter's house is the house of its account's premise, or the house of a common-house meter.
    Two queries (the meters' houses, then the houses' windows) and the settings row, whatever the count.
    """
    default = _window()
    if not meters:
        return {}
    houses = dict(
        Meter.objects.filter(pk__in=[m.pk for m in meters])
        .annotate(house_of=Coalesce("house", "account__premise__house"))
        .values_list("pk", "house_of")
    )
    own = {
        w.house_id: rules.SubmissionWindow(w.start_day, w.end_day)
        for w in HouseReadingWindow.objects.filter(house_id__in={h for h in houses.values() if h is not None})
    }
    return {m.pk: own.get(houses.get(m.pk), default) for m in meters}


@transaction.atomic
def house_reading_window_set(*, house: House, start_day: int, end_day: int) -> HouseReadingWindow:
    """Set (or change) the principal's readings window for one house."""
    window = HouseReadingWindow.objects.select_for_update().filter(house=house).first() or HouseReadingWindow(
        house=house)
    window.start_day, window.end_day = start_day, end_day
    window.full_clean(exclude=["house"])
    window.save()
    return window


@transaction.atomic
def house_reading_window_clear(*, house: House) -> bool:
    """Back to the principal's settings window for the house; False when the house had none of its own."""
    deleted, _by_model = HouseReadingWindow.objects.filter(house=house).delete()
    return deleted > 0


def _check_period_open(period: date) -> None:
    if BillingPeriod.objects.filter(month=period, status=PeriodStatus.POSTED).exists():
        raise ValidationError({"reading_date": ValidationError(
            _("Период %(month)s проведён: показания за него не принимаются.") % {"month": period.strftime("%m.%Y")},
            code=ErrorCode.PERIOD_POSTED)})


def _validate(meter: Meter, values: Mapping[int, Decimal], reading_date: date, source: str,
              previous: Mapping[int, Decimal], rollover_zones, today: date, window) -> rules.ReadingResult:
    names = ZONES_BY_COUNT[meter.zones]
    unknown = [z for z in values if not 1 <= z <= len(names)]
    if unknown:
        raise ValidationError({"zone": ValidationError(_("У прибора учёта нет зоны %(zone)s.") % {"zone": unknown[0]},
                                                       code=ErrorCode.READING_ZONE_MISMATCH)})
    return rules.validate_reading(
        meter=_rules_meter(meter), values={names[z - 1]: v for z, v in values.items()}, reading_date=reading_date,
        today=today, source=source, previous={names[z - 1]: v for z, v in previous.items()} or None,
        rollover=[names[z - 1] for z in rollover_zones], window=window,
    )


def _rows_for(meter: Meter, period: date, result: rules.ReadingResult, source: str) -> list[Reading]:
    names = ZONES_BY_COUNT[meter.zones]
    return [
        Reading(meter=meter, period=period, zone=names.index(z.zone) + 1, value=z.value,
                reading_date=result.reading_date, source=source, flagged=rules.CONSUMPTION_SPIKE in z.flags)
        for z in result.zones
    ]


def _upsert(readings: list[Reading]) -> None:
    Reading.objects.bulk_create(
        readings, batch_size=5000, update_conflicts=True, unique_fields=["meter", "period", "zone"],
        update_fields=["value", "reading_date", "source", "flagged"],
    )


@transaction.atomic
def reading_submit(
    *, meter: Meter, values: Mapping[int, Decimal], reading_date: date, source: str,
    rollover_zones=(), today: date | None = None,
) -> list[Reading]:
    """Accept one reading (every zone of one meter) or raise ValidationError naming the field and rule."""
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    period = reading_date.replace(day=1)
    _check_period_open(period)
    result = _validate(meter, values, reading_date, source, _previous_values([meter.pk], period).get(meter.pk, {}),
                       rollover_zones, today or timezone.localdate(), windows_for([meter])[meter.pk])
    rows = _rows_for(meter, period, result, source)
    _upsert(rows)
    return list(Reading.objects.filter(meter=meter, period=period).order_by("zone"))


def readings_import(*, data: bytes, filename: str, mode: str, user=None, today: date | None = None) -> ImportBatch:
    """A readings file: one row per meter and zone. Every row is checked before anything is written."""
    today = today or timezone.localdate()

    def validate(rows):
        meters = {m.serial: m for m in Meter.objects.filter(serial__in={r["meter"] for _l, r in rows})}
        window_of = windows_for(list(meters.values()))
        errors: list[RowError] = []
        parsed: dict[tuple[int, date], dict] = {}  # (meter, date) → zones with their lines
        for line, r in rows:
            meter = meters.get(r["meter"])
            if meter is None:
                errors.append(RowError(line, "meter", _("Прибор учёта «%(v)s» не найден.") % {"v": r["meter"]},
                                       "NOT_FOUND"))
                continue
            value, zone, day = (_parse(line, r, name, errors) for name in ("value", "zone", "date"))
            if value is None or zone is None or day is None:
                continue
            # one reading per meter and month: its zones share a date, and no zone comes twice
            entry = parsed.setdefault((meter.pk, day.replace(day=1)),
                                      {"meter": meter, "day": day, "values": {}, "lines": {}})
            if zone in entry["values"]:
                errors.append(RowError(line, "zone", _("Повтор зоны %(z)s прибора за месяц, см. строку %(l)s.")
                                       % {"z": zone, "l": entry["lines"][zone]}, ErrorCode.DUPLICATE))
                continue
            if day != entry["day"]:
                errors.append(RowError(
                    line, "date", _("Зоны одного показания должны иметь одну дату, см. строку %(l)s.")
                    % {"l": min(entry["lines"].values())}, ErrorCode.INVALID,
                ))
                continue
            entry["values"][zone] = value
            entry["lines"][zone] = line
        posted = set(BillingPeriod.objects.filter(status=PeriodStatus.POSTED).values_list("month", flat=True))
        previous_by_period: dict[date, dict] = {}
        good: list[Reading] = []
        for (_meter_id, period), entry in parsed.items():
            day = entry["day"]
            first_line = min(entry["lines"].values())
            if period in posted:
                errors.append(RowError(first_line, "date", _("Период %(m)s проведён.")
                                       % {"m": period.strftime("%m.%Y")}, ErrorCode.PERIOD_POSTED))
                continue
            if period not in previous_by_period:
                ids = [m["meter"].pk for (_i, p), m in parsed.items() if p == period]
                previous_by_period[period] = _previous_values(ids, period)
            meter = entry["meter"]
            try:
                result = _validate(meter, entry["values"], day, rules.ReadingSource.FILE,
                                   previous_by_period[period].get(meter.pk, {}), (), today, window_of[meter.pk])
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    codes = [e.code for e in exc.error_dict[field]]
                    errors.append(RowError(first_line, field, "; ".join(errs), codes[0] or "INVALID"))
                continue
            good.extend(_rows_for(meter, period, result, rules.ReadingSource.FILE))
        errors.sort(key=lambda e: e.line)
        return good, errors

    def load(good: list[Reading]) -> int:
        _upsert(good)
        return len(good)

    return run_import(kind=ImportKind.READINGS, data=data, filename=filename, mode=mode, user=user,
                       columns=READING_COLUMNS, validate=validate, load=load)


_PARSERS = {
    "value": lambda s: Decimal(s.replace(",", ".").replace(" ", "")),
    "zone": lambda s: int(s) if s else 1,
    "date": lambda s: date.fromisoformat(s) if "-" in s else date(*reversed([int(p) for p in s.split(".")])),
}


def _parse(line: int, row: dict, name: str, errors: list[RowError]):
    """One cell by its column's parser; a cell that does not parse is an error naming its line and column."""
    try:
        value = _PARSERS[name](row[name])
        if isinstance(value, Decimal) and not value.is_finite():
            raise InvalidOperation
        return value
    except (InvalidOperation, ValueError, TypeError):
        errors.append(RowError(line, name, _("Не удалось прочитать «%(v)s».") % {"v": row[name]}, "INVALID"))
        return None
