"""Building a working day's payouts, one per principal, set-based and idempotent (see the package docstring:
what a build covers, its idempotency, the fees, who is skipped and why)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from agency.payments.models import Payout, PayoutRun, PayoutStatus
from agency.payments.payouts.common import DATE, contracts_in_force, error
from billing_core.error_codes import ErrorCode
from billing_core.fees import FeeTerms, payout_fee_split
from tenants.models import AgencyContract, PayoutSchedule, Principal
from tenants.regulations.selectors import calendar_year_loaded, is_working_day, previous_working_day

# pg_advisory_xact_lock key: one build at a time.
BUILD_LOCK = 7_301_001


@dataclass(frozen=True)
class Skipped:
    principal_id: int
    name: str
    reason: str  # "no_contract" | "weekly_schedule" | "not_positive"
    gross: str  # roubles, as text (JSON-safe)
    message: str


@dataclass
class BuildReport:
    business_day: date
    covers_from: date
    covers_to: date
    built_now: bool
    payout_ids: list[int]
    gross: Decimal
    fee: Decimal
    net: Decimal
    skipped: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class _Chosen:
    principal_id: int
    gross: Decimal
    fee: Decimal
    net: Decimal
    covers_from: date


def payouts_window(business_day: date) -> tuple[date, date]:
    """The allocation days a payout on ``business_day`` is for: the previous working day up to the day before."""
    return previous_working_day(business_day), business_day - timedelta(days=1)


def _day_check(business_day: date) -> None:
    for year in sorted({business_day.year, previous_working_day(business_day).year}):
        if not calendar_year_loaded(year):
            raise error("business_day", _("Производственный календарь на %(year)s год не загружен."),
                        ErrorCode.PAYOUT_CALENDAR_MISSING, year=year)
    if not is_working_day(business_day):
        raise error("business_day", _("%(day)s — нерабочий день: перечисления не формируются."),
                    ErrorCode.PAYOUT_NOT_WORKING_DAY, day=business_day.strftime(DATE))
    if business_day > timezone.localdate():
        raise error("business_day", _("Нельзя сформировать перечисления за будущий день %(day)s."),
                    ErrorCode.PAYOUT_DAY_ORDER, day=business_day.strftime(DATE))


def _report(run: PayoutRun, *, built_now: bool) -> BuildReport:
    ids = list(Payout.objects.filter(business_day=run.business_day).order_by("pk").values_list("pk", flat=True))
    return BuildReport(run.business_day, run.covers_from, run.covers_to, built_now, ids, run.gross, run.fee, run.net,
                       list(run.skipped))


def _later_run_check(business_day: date) -> None:
    later = PayoutRun.objects.filter(business_day__gt=business_day).order_by("business_day").first()
    if later is not None:
        raise error("business_day", _("Перечисления за более поздний день %(day)s уже сформированы: деньги за "
                                      "%(this)s попали в них."), ErrorCode.PAYOUT_DAY_ORDER,
                    day=later.business_day.strftime(DATE), this=business_day.strftime(DATE))


def _unpaid_sums(window_to: date) -> list[tuple[int, Decimal, date]]:
    """(principal, sum, oldest day) of the allocations in no payout yet, up to ``window_to``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT principal_id, SUM(amount), MIN(allocated_on) FROM payments_allocation "
            "WHERE payout_id IS NULL AND allocated_on <= %s GROUP BY principal_id ORDER BY principal_id",
            [window_to],
        )
        return cursor.fetchall()


def _skip_reason(gross: Decimal, contract: AgencyContract | None, *, business_day: date,
                 first_of_week: bool) -> tuple[str, str] | None:
    """Why a principal's sum is not paid on the day (reason, message), or None: it is paid."""
    if gross <= 0:
        return "not_positive", _g("Сумма к перечислению %(sum)s руб. не положительна: ждёт следующих поступлений."
                                  ) % {"sum": gross}
    if contract is None:
        return "no_contract", _g("Нет агентского договора, действующего на %(day)s: %(sum)s руб. не перечислены."
                                 ) % {"day": business_day.strftime(DATE), "sum": gross}
    if contract.payout_schedule == PayoutSchedule.WEEKLY and not first_of_week:
        return "weekly_schedule", _g("Еженедельный график: перечисление в первый рабочий день недели.")
    return None


def _choose(sums, business_day: date, window_from: date) -> tuple[list[_Chosen], list[Skipped]]:
    """The principals paid on the day, with their fee split; and those skipped, with the reason."""
    contracts = contracts_in_force((row[0] for row in sums), business_day)
    names = dict(Principal.objects.filter(pk__in=[row[0] for row in sums]).values_list("pk", "short_name"))
    first_of_week = window_from.isocalendar()[:2] != business_day.isocalendar()[:2]
    chosen: list[_Chosen] = []
    skipped: list[Skipped] = []
    for principal_id, gross, oldest in sums:
        contract = contracts.get(principal_id)
        reason = _skip_reason(gross, contract, business_day=business_day, first_of_week=first_of_week)
        if reason is not None:
            skipped.append(Skipped(principal_id, names.get(principal_id, str(principal_id)), reason[0], str(gross),
                                   reason[1]))
            continue
        split = payout_fee_split(gross, terms=FeeTerms.from_contract(contract))
        chosen.append(_Chosen(principal_id, split.amount, split.fee, split.net, min(oldest, window_from)))
    return chosen, skipped


def _payouts_insert(chosen: list[_Chosen], *, business_day: date, window_to: date, builder_id: int | None) -> list[int]:
    """Insert the payouts and attach their allocations; refused when an allocation arrived in between."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_payout (principal_id, business_day, covers_from, covers_to, gross, fee, net, "
            "status, order_number, built_by_id, approved_by_id, approved_at, exported_at, confirmed_at, "
            "created_at, order_date, payee_account, orders_file_key, register_xlsx_key, register_csv_key) "
            "SELECT p, %s, f, %s, g, fe, n, %s, NULL, %s, NULL, NULL, NULL, NULL, now(), NULL, '', '', '', '' "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::date[]) "
            "AS t(p, g, fe, n, f) RETURNING id",
            [business_day, window_to, PayoutStatus.CREATED, builder_id, [c.principal_id for c in chosen],
             [c.gross for c in chosen], [c.fee for c in chosen], [c.net for c in chosen],
             [c.covers_from for c in chosen]],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            "UPDATE payments_allocation a SET payout_id = p.id FROM payments_payout p "
            "WHERE p.id = ANY(%s) AND a.principal_id = p.principal_id AND a.payout_id IS NULL "
            "AND a.allocated_on <= %s",
            [ids, window_to],
        )
        cursor.execute(
            "SELECT p.id FROM payments_payout p LEFT JOIN (SELECT payout_id, SUM(amount) AS s "
            "FROM payments_allocation WHERE payout_id = ANY(%s) GROUP BY payout_id) a ON a.payout_id = p.id "
            "WHERE p.id = ANY(%s) AND COALESCE(a.s, 0) <> p.gross",
            [ids, ids],
        )
        moved = [row[0] for row in cursor.fetchall()]
    if moved:
        # rolled back with the whole build; the next run sees the new allocations from the start
        raise error("business_day", _("Распределения изменились во время формирования перечислений: "
                                      "запустите формирование ещё раз."), ErrorCode.PAYOUT_DAY_ORDER)
    return ids


@transaction.atomic
def payouts_build(*, business_day: date, user=None) -> BuildReport:
    """Build the day's payouts, one per principal, set-based; building the same day again changes nothing."""
    _day_check(business_day)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BUILD_LOCK])
    run = PayoutRun.objects.filter(business_day=business_day).first()
    if run is not None:
        return _report(run, built_now=False)
    _later_run_check(business_day)
    window_from, window_to = payouts_window(business_day)
    chosen, skipped = _choose(_unpaid_sums(window_to), business_day, window_from)
    builder = user if getattr(user, "pk", None) else None
    ids: list[int] = []
    if chosen:
        ids = _payouts_insert(chosen, business_day=business_day, window_to=window_to,
                              builder_id=builder.pk if builder else None)
    run = PayoutRun.objects.create(
        business_day=business_day, covers_from=window_from, covers_to=window_to, payouts_count=len(ids),
        gross=sum((c.gross for c in chosen), Decimal("0.00")), fee=sum((c.fee for c in chosen), Decimal("0.00")),
        net=sum((c.net for c in chosen), Decimal("0.00")), skipped=[asdict(s) for s in skipped], built_by=builder,
    )
    return _report(run, built_now=True)
