"""Rule tables read from the database into billing_core's types."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.rules import Confidence, DatedTable, Moratorium, PenaltyRules, RuleTableAge
from tenants.regulations.models import (
    WORKING_DAY_KINDS,
    CalendarDay,
    CalendarYear,
    CalendarYearStatus,
    KeyRate,
    PaymentDeadline,
    PenaltyMoratorium,
    PenaltyRateCap,
)


def penalty_rules_load(*, disputed_moratoria: bool = True) -> PenaltyRules:
    """Three queries; ``disputed_moratoria=False`` leaves out the moratoria marked ``check``."""
    moratoria = PenaltyMoratorium.objects.all()
    if not disputed_moratoria:
        moratoria = moratoria.exclude(confidence=Confidence.CHECK)
    return PenaltyRules(
        key_rates=DatedTable.from_rows(
            "Ключевая ставка Банка России",
            KeyRate.objects.values("valid_from", "source", "confidence", value=F("rate")),
        ),
        rate_caps=DatedTable.from_rows(
            "Ограничение ставки для пеней",
            PenaltyRateCap.objects.values("valid_from", "source", "confidence", value=F("cap")),
            default=None,
        ),
        moratoria=DatedTable.from_rows(
            "Мораторий на начисление пеней",
            [
                {"valid_from": m.valid_from, "source": m.source, "confidence": m.confidence,
                 "value": Moratorium(m.label, debts_due_before=m.debts_due_before) if m.label else None}
                for m in moratoria
            ],
            default=None,
        ),
    )


def rule_tables_age(*, as_of: date, stale_days: int) -> tuple[RuleTableAge, ...]:
    """The age of the tables that run out (key rate, penalty caps) on ``as_of``: what the back office shows its staff
    as a task to update a table, and what every penalty statement past it is marked with."""
    return penalty_rules_load().ages_on(as_of, stale_days=stale_days)


def payment_deadlines() -> DatedTable[int]:
    """ЖК РФ ст.155 ч.1: the due day of the next month, as a dated table (one query)."""
    return DatedTable.from_rows(
        "Срок оплаты ЖКУ", PaymentDeadline.objects.values("valid_from", "source", "confidence", value=F("due_day"))
    )


def payment_due_date(*, month: date, deadlines: DatedTable[int] | None = None) -> date:
    """The last day to pay ``month``'s charges: the rule in force at the start of the next month.

    Pass ``deadlines`` when computing many months, so the table is read once.
    """
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    table = deadlines if deadlines is not None else payment_deadlines()
    return next_month.replace(day=table.value_on(next_month))


# --- production calendar -----------------------------------------------------------------------
# A day is working when its CalendarDay row says so, or, without a row, when it is Monday to
# Friday. Each selector is one SQL query over a generated series of days, never a query per day.

CALENDAR_SEARCH_DAYS = 60  # far longer than any Russian run of days off (the New Year's is 12)

_WORKING_SQL = "COALESCE(c.kind IN ({kinds}), EXTRACT(ISODOW FROM g.ts) < 6)".format(
    kinds=", ".join(f"'{k.value}'" for k in WORKING_DAY_KINDS)
)


def _working_days_sql(*, select: str, tail: str = "") -> str:
    """Working days of ``generate_series(start, stop, step)``: the series left-joined to the exceptions."""
    table = connection.ops.quote_name(CalendarDay._meta.db_table)
    # the pieces are this module's constants and the model's quoted table name; values are bound
    return (
        f"SELECT {select} FROM generate_series(%(start)s::date, %(stop)s::date, %(step)s::interval) AS g(ts) "  # noqa: S608
        f"LEFT JOIN {table} AS c ON c.date = g.ts::date WHERE {_WORKING_SQL} {tail}"
    )


def is_working_day(day: date) -> bool:
    """One query: the day's row, else Monday–Friday."""
    kind = CalendarDay.objects.filter(date=day).values_list("kind", flat=True).first()
    if kind is None:
        return day.isoweekday() < 6
    return kind in WORKING_DAY_KINDS


def _nearest_working_day(day: date, step: int) -> date:
    start = day + timedelta(days=step)
    stop = day + timedelta(days=step * CALENDAR_SEARCH_DAYS)
    sql = _working_days_sql(select="g.ts::date", tail="ORDER BY g.ts " + ("ASC" if step > 0 else "DESC") + " LIMIT 1")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "stop": stop, "step": f"{step} day"})
        row = cursor.fetchone()
    if row is None:
        raise ValidationError(
            _("В производственном календаре нет рабочего дня в пределах %(n)s дней от %(day)s."),
            code=ErrorCode.CALENDAR_NO_WORKING_DAY,
            params={"n": CALENDAR_SEARCH_DAYS, "day": day.strftime("%d.%m.%Y")},
        )
    return row[0]


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day`` (one query): a payout for money that arrived on ``day``."""
    return _nearest_working_day(day, 1)


def next_working_days(days) -> dict[date, date]:
    """``next_working_day`` of each of ``days`` in one query (a list of payouts, one deadline each)."""
    days = sorted(set(days))
    if not days:
        return {}
    table = connection.ops.quote_name(CalendarDay._meta.db_table)
    sql = (
        "SELECT d.day, (SELECT g.ts::date FROM generate_series(d.day + 1, d.day + %(n)s, '1 day'::interval) AS g(ts) "  # noqa: S608
        f"LEFT JOIN {table} AS c ON c.date = g.ts::date WHERE {_WORKING_SQL} ORDER BY g.ts LIMIT 1) "
        "FROM unnest(%(days)s::date[]) AS d(day)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"days": days, "n": CALENDAR_SEARCH_DAYS})
        found = dict(cursor.fetchall())
    for day, nearest in found.items():
        if nearest is None:  # as next_working_day says it
            next_working_day(day)
    return found


def previous_working_day(day: date) -> date:
    """The last working day strictly before ``day`` (one query): whose allocations a payout on ``day`` covers."""
    return _nearest_working_day(day, -1)


def working_days_between(start: date, end: date) -> int:
    """How many working days lie in ``[start, end]``, both ends included (0 when ``end < start``); one query."""
    if end < start:
        return 0
    sql = _working_days_sql(select="count(*)")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "stop": end, "step": "1 day"})
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class CalendarCoverage:
    """How far the production calendar reaches from ``today``; ``warn`` within ``CALENDAR_WARN_DAYS``.

    ``last_year``/``last_day``/``days_left`` are about the calendar as the government's decrees set it; a year
    loaded provisionally from the Labour Code alone (``CalendarYear``) lets payouts be dated but is named in
    ``provisional_years`` and keeps the warning on until its decree is entered."""

    today: date
    last_year: int | None  # the last year loaded from its decree; None: none is
    last_day: date | None  # 31 December of that year
    days_left: int  # days after today that the decrees still cover (0 when none is)
    warn: bool
    message: str
    provisional_years: tuple[int, ...] = ()
    covered_until: date | None = None  # 31 December of the last year with any rows, provisional ones included


def _coverage_message(today: date, official: int | None, provisional: list[int], covered: date,
                      days_left: int, warn: bool) -> str:
    if covered < today:
        return str(_("Производственный календарь закончился %(last)s: перечисления за дни после этой даты не "
                     "формируются. Загрузите календарь на %(next)s год по постановлению Правительства.")) % {
            "last": f"{covered:%d.%m.%Y}", "next": covered.year + 1}
    reach = (str(_("Производственный календарь утверждён по %(last)s, осталось дней: %(days)s.")) % {
        "last": f"{date(official, 12, 31):%d.%m.%Y}", "days": days_left} if official is not None
        else str(_("Утверждённого производственного календаря нет.")))
    if provisional:
        years = ", ".join(str(y) for y in provisional)
        return reach + " " + str(_(
            "На %(years)s год загружен предварительный календарь по ТК РФ ст.112: праздники и переносы с выходных "
            "по закону есть, переносов по постановлению Правительства нет. Внесите постановление о переносе "
            "выходных дней, когда оно будет опубликовано.")) % {"years": years}
    if warn:
        return str(_("Производственный календарь загружен по %(last)s, осталось дней: %(days)s. Загрузите "
                     "календарь на %(next)s год по постановлению Правительства, иначе перечисления за дни после "
                     "%(last)s не сформировать.")) % {
            "last": f"{covered:%d.%m.%Y}", "days": days_left, "next": covered.year + 1}
    return str(_("Производственный календарь загружен по %(last)s, осталось дней: %(days)s.")) % {
        "last": f"{covered:%d.%m.%Y}", "days": days_left}


def calendar_coverage(today: date | None = None, *, warn_days: int | None = None) -> CalendarCoverage:
    """The production calendar's reach, for the back office's warning (two queries).

    Payouts are dated by working days (ПП 253 п.6), and a year without its rows cannot be planned
    (``calendar_year_loaded``), so staff are told at least ``CALENDAR_WARN_DAYS`` days before the years loaded
    from decrees end that the next year's decree is due, and for as long as a year is loaded only
    provisionally. A year counts as loaded to its 31 December."""
    today = today or timezone.localdate()
    warn_days = settings.CALENDAR_WARN_DAYS if warn_days is None else warn_days
    loaded = sorted(day.year for day in CalendarDay.objects.dates("date", "year"))
    if not loaded:
        return CalendarCoverage(today, None, None, 0, True, str(_(
            "Производственный календарь не загружен: перечисления принципалам нельзя запланировать. "
            "Загрузите календарь по постановлению Правительства о переносе выходных дней.")))
    covered = date(loaded[-1], 12, 31)
    provisional_all = set(CalendarYear.objects.filter(status=CalendarYearStatus.PROVISIONAL)
                          .values_list("year", flat=True))
    official = max((y for y in loaded if y not in provisional_all), default=None)
    provisional = [y for y in loaded if y in provisional_all and (official is None or y > official)]
    last_day = date(official, 12, 31) if official is not None else None
    days_left = max((last_day - today).days, 0) if last_day else 0
    warn = days_left <= warn_days
    message = _coverage_message(today, official, provisional, covered, days_left, warn)
    return CalendarCoverage(today, official, last_day, days_left, warn, message, tuple(provisional), covered)


def calendar_year_loaded(year: int) -> bool:
    """Whether the calendar holds the year's exceptions (one query). Without them every weekday would count
    as working, New Year's included: callers that plan payouts should refuse a year that is not loaded."""
    return CalendarDay.objects.filter(date__year=year).exists()
