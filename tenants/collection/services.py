"""The acts of collection work in the current principal's schema, each checked against the rule that allows it.

Every write here is idempotent where it can be repeated (a warning once per account, service and month; a reminder
once per run; a money event once per document) and refuses with a reason naming the rule where the law forbids
the act: restriction of a service the law does not allow to restrict, before the warning's term, while an
agreement is kept; a court package without a posted calculation.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing_core import collection as rules
from billing_core.error_codes import ErrorCode
from billing_core.money import from_kopecks, split_largest_remainder, to_kopecks, to_money
from tenants.billing.models import BillingPeriod, PeriodStatus, PersonalAccount, Service
from tenants.billing.recalculations import booking_period
from tenants.collection.models import (
    STAGE_ORDER,
    AccountCollection,
    Agreement,
    AgreementStatus,
    Amnesty,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    CourtCase,
    CourtRoute,
    Debtor,
    DebtorLine,
    Installment,
    Restriction,
    RestrictionKind,
    RestrictionStatus,
    Stage,
    Warning,
    WarningChannel,
    WarningStatus,
)
from tenants.collection.register import register_refresh
from tenants.ledger.services import Leg, transaction_post
from tenants.penalties.statement import penalty_statement
from tenants.receipts.models import Receipt, ReceiptSource
from tenants.receipts.services import OWN_CASH, RECEIVABLE, principal_ledger_ensure

ZERO = Decimal("0.00")


def _refuse(field: str, message, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- stage ----------------------------------------------------------------------------------------------------------

def stage_advance(account_id: int, stage: str, *, on: date, force: bool = False) -> None:
    """Move the account's stage forward (never back, unless ``force``: a closed case, a lifted restriction)."""
    row, created = AccountCollection.objects.get_or_create(account_id=account_id,
                                                           defaults={"stage": stage, "stage_since": on})
    if created:
        return
    if force or STAGE_ORDER[stage] > STAGE_ORDER[row.stage]:
        AccountCollection.objects.filter(pk=account_id).update(stage=stage, stage_since=on, updated_at=timezone.now())


def stages_advance_bulk(account_ids: Sequence[int], stage: str, *, on: date) -> None:
    """``stage_advance`` for many accounts in two statements (campaign runs)."""
    later = [s for s in Stage.values if STAGE_ORDER[s] >= STAGE_ORDER[stage]]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_accountcollection (account_id, stage, stage_since, stopped_reason, updated_at) "
            "SELECT unnest(%s::bigint[]), %s, %s, '', now() "
            "ON CONFLICT (account_id) DO UPDATE SET stage = EXCLUDED.stage, stage_since = EXCLUDED.stage_since, "
            "updated_at = now() WHERE collection_accountcollection.stage <> ALL(%s)",
            [list(account_ids), stage, on, later],
        )


@transaction.atomic
def work_stop(*, account: PersonalAccount, reason: str, user=None) -> AccountCollection:
    """The principal stops work on an account: no campaign picks it until work is resumed."""
    if not (reason or "").strip():
        raise _refuse("reason", _("Укажите причину остановки работы."), ErrorCode.REQUIRED)
    row, _created = AccountCollection.objects.get_or_create(
        account=account, defaults={"stage": Stage.NONE, "stage_since": timezone.localdate()})
    row.stopped_at, row.stopped_reason, row.stopped_by = timezone.now(), reason.strip()[:300], user
    row.save()
    Debtor.objects.filter(account=account).update(stopped=True)
    return row


@transaction.atomic
def work_resume(*, account: PersonalAccount) -> None:
    AccountCollection.objects.filter(account=account).update(stopped_at=None, stopped_reason="", stopped_by=None)
    Debtor.objects.filter(account=account).update(stopped=False)


def _stopped(account_id: int) -> bool:
    return AccountCollection.objects.filter(account_id=account_id, stopped_at__isnull=False).exists()


def _kept_agreement(account_id: int) -> bool:
    return Agreement.objects.filter(account_id=account_id, status=AgreementStatus.ACTIVE).exists()


# --- warnings (ПП 354 п.119 «а») ------------------------------------------------------------------------------------

def warning_refusal(*, account: PersonalAccount, service: Service, on: date) -> ValidationError | None:
    """Why a warning (and later a restriction) of this service on this account is not allowed now, or None."""
    # every premise of the registry is in an apartment block (a flat or a non-residential premise of a house of flats)
    reason = rules.restriction_refusal(service.kind, apartment_block=True, on=on, heating_season=True)
    if reason:
        return _refuse("service", reason, ErrorCode.RESTRICTION_FORBIDDEN)
    if _stopped(account.pk):
        return _refuse("account", _("Работа по лицевому счёту остановлена принципалом."), ErrorCode.WORK_STOPPED)
    if _kept_agreement(account.pk):
        return _refuse("account", _("Должник исполняет соглашение о погашении задолженности (ПП 354 п.118): "
                                    "ограничение не допускается."), ErrorCode.AGREEMENT_KEPT)
    line = DebtorLine.objects.filter(account=account, service=service).first()
    if line is None or line.norm_charge is None or not line.threshold:
        return _refuse("service", _("Долг по услуге не превышает двух месячных начислений по нормативу и тарифу "
                                    "(ПП 354 п.118)."), ErrorCode.THRESHOLD_NOT_REACHED)
    return None


@transaction.atomic
def warning_issue(*, account: PersonalAccount, service: Service, month: date, channel: str,
                  on: date | None = None, campaign_run_id: int | None = None) -> tuple[Warning, bool]:
    """Issue the п.119 warning for one service; (warning, created). Once per account, service and month."""
    on = on or timezone.localdate()
    month = month.replace(day=1)
    existing = Warning.objects.filter(account=account, service=service, month=month).first()
    if existing:
        return existing, False
    refusal = warning_refusal(account=account, service=service, on=on)
    if refusal:
        raise refusal
    line = DebtorLine.objects.get(account=account, service=service)
    warning = Warning.objects.create(
        account=account, service=service, month=month, debt=line.principal_debt, norm_charge=line.norm_charge,
        channel=WarningChannel(channel), issued_on=on, campaign_run_id=campaign_run_id)
    stage_advance(account.pk, Stage.WARNED, on=on)
    return warning, True


@transaction.atomic
def warnings_issue_bulk(*, account_ids: Sequence[int], month: date, channel: str, on: date,
                        campaign_run_id: int | None) -> list[int]:
    """Warnings for every restrictable service over the threshold of these accounts, in one statement; the ids
    of the accounts warned now (a rerun of the month warns nobody twice: the conflict is skipped)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_warning (account_id, service_id, month, debt, norm_charge, channel, issued_on, "
            "status, campaign_run_id, postal_id, created_at) "
            "SELECT l.account_id, l.service_id, %s, l.principal_debt, l.norm_charge, %s, %s, 'issued', %s, '', now() "
            "FROM collection_debtorline l "
            "WHERE l.account_id = ANY(%s) AND l.threshold AND l.restrictable AND l.principal_debt > 0 "
            "AND NOT EXISTS (SELECT 1 FROM collection_agreement g WHERE g.account_id = l.account_id "
            "                AND g.status = 'active') "
            "AND NOT EXISTS (SELECT 1 FROM collection_accountcollection c WHERE c.account_id = l.account_id "
            "                AND c.stopped_at IS NOT NULL) "
            "ON CONFLICT (account_id, service_id, month) DO NOTHING RETURNING account_id",
            [month.replace(day=1), channel, on, campaign_run_id, list(account_ids)],
        )
        warned = sorted({row[0] for row in cursor.fetchall()})
    # a warning printed on the ЕПД is delivered with it: the term runs from the document's delivery, which the
    # agent records when the run's documents are delivered (``warnings_delivered_bulk``)
    stages_advance_bulk(warned, Stage.WARNED, on=on)
    return warned


@transaction.atomic
def warning_delivered(*, warning: Warning, delivered_on: date, postal_id: str = "") -> Warning:
    """Record the delivery; the 20 days of п.119 «а» run from it."""
    if delivered_on < warning.issued_on:
        raise _refuse("deliveredOn", _("Дата доставки раньше даты предупреждения."), ErrorCode.DATE_RANGE)
    if delivered_on > timezone.localdate():
        raise _refuse("deliveredOn", _("Дата доставки в будущем."), ErrorCode.INVALID)
    if warning.status not in (WarningStatus.ISSUED, WarningStatus.DELIVERED):
        raise _refuse("warning", _("Предупреждение уже закрыто."), ErrorCode.COLLECTION_STATE)
    warning.delivered_on = delivered_on
    warning.term_end = rules.warning_term_end(delivered_on)
    warning.status = WarningStatus.DELIVERED
    warning.postal_id = (postal_id or warning.postal_id)[:20]
    warning.save(update_fields=["delivered_on", "term_end", "status", "postal_id"])
    return warning


def warnings_delivered_bulk(*, month: date, channel: str, delivered_on: date) -> int:
    """Every warning of the month sent by ``channel`` and not yet delivered is delivered on ``delivered_on`` (the
    ЕПД run's delivery date); one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE collection_warning SET delivered_on = %s, term_end = %s, status = 'delivered' "
            "WHERE month = %s AND channel = %s AND status = 'issued' AND delivered_on IS NULL AND issued_on <= %s",
            [delivered_on, rules.warning_term_end(delivered_on), month.replace(day=1), channel, delivered_on],
        )
        return cursor.rowcount


# --- restriction (п.117–121) ----------------------------------------------------------------------------------------

@transaction.atomic
def restriction_order(*, warning: Warning, executor: str, kind: str = RestrictionKind.RESTRICTION,
                      on: date | None = None, no_technical_possibility: bool = False) -> Restriction:
    """A work order for the executor to restrict the warned service, once the warning's term is over; to suspend it
    at once only where a restriction is technically impossible (п.119 «в»), else suspension follows a restriction
    (``restriction_suspend``)."""
    on = on or timezone.localdate()
    if not (executor or "").strip():
        raise _refuse("executor", _("Укажите исполнителя работ."), ErrorCode.REQUIRED)
    if kind == RestrictionKind.SUSPENSION and not no_technical_possibility:
        raise _refuse("kind", _("Приостановить услугу без ограничения можно только при отсутствии технической "
                                "возможности ввести ограничение; иначе — через 10 дней после ограничения "
                                "(ПП 354 п.119 «в»)."), ErrorCode.COLLECTION_STATE)
    if warning.status not in (WarningStatus.ISSUED, WarningStatus.DELIVERED):
        raise _refuse("warning", _("Предупреждение закрыто: долг погашен, услуга уже ограничена или предупреждение "
                                   "отменено."), ErrorCode.COLLECTION_STATE)
    if warning.delivered_on is None:
        raise _refuse("warning", _("Предупреждение не доставлено: срок в 20 дней (ПП 354 п.119 «а») ещё не начал "
                                   "течь."), ErrorCode.WARNING_TERM_RUNNING)
    earliest = rules.restriction_earliest(warning.delivered_on)
    if on < earliest:
        raise _refuse("warning", _("Срок предупреждения истекает %(end)s; ограничение возможно с %(from)s "
                                   "(ПП 354 п.119 «а»).") % {"end": warning.term_end.strftime("%d.%m.%Y"),
                                                              "from": earliest.strftime("%d.%m.%Y")},
                      ErrorCode.WARNING_TERM_RUNNING)
    account = warning.account
    refusal = warning_refusal(account=account, service=warning.service, on=on)
    if refusal:
        raise refusal
    if Restriction.objects.filter(account=account, service=warning.service,
                                  status__in=[RestrictionStatus.ORDERED, RestrictionStatus.DONE]).exists():
        raise _refuse("warning", _("По услуге уже выдан наряд на ограничение."), ErrorCode.DUPLICATE)
    restriction = Restriction.objects.create(account=account, service=warning.service, warning=warning,
                                             kind=RestrictionKind(kind), executor=executor.strip()[:200],
                                             ordered_on=on,
                                             no_technical_possibility=bool(no_technical_possibility))
    return restriction


@transaction.atomic
def restriction_suspend(*, restriction: Restriction, on: date | None = None) -> Restriction:
    """Suspend a restricted service whose debt is still unpaid 10 days after the restriction (ПП 354 п.119 «в»);
    never heating, nor cold water in an apartment block — those are never restricted in the first place."""
    on = on or timezone.localdate()
    if restriction.status != RestrictionStatus.DONE or restriction.kind != RestrictionKind.RESTRICTION:
        raise _refuse("restriction", _("Приостановить можно только введённое ограничение."),
                      ErrorCode.COLLECTION_STATE)
    if on > timezone.localdate():
        raise _refuse("suspendedOn", _("Дата в будущем."), ErrorCode.INVALID)
    earliest = rules.suspension_earliest(restriction.done_on)
    if on < earliest:
        raise _refuse("suspendedOn", _("Приостановление возможно по истечении 10 дней со дня ограничения — с "
                                       "%(from)s (ПП 354 п.119 «в»).") % {"from": earliest.strftime("%d.%m.%Y")},
                      ErrorCode.WARNING_TERM_RUNNING)
    refusal = warning_refusal(account=restriction.account, service=restriction.service, on=on)
    if refusal:
        raise refusal
    restriction.kind, restriction.suspended_on = RestrictionKind.SUSPENSION, on
    restriction.save(update_fields=["kind", "suspended_on"])
    return restriction


@transaction.atomic
def restriction_done(*, restriction: Restriction, done_on: date, act_number: str) -> Restriction:
    if restriction.status != RestrictionStatus.ORDERED:
        raise _refuse("restriction", _("Ограничение уже выполнено или отменено."), ErrorCode.COLLECTION_STATE)
    if done_on < restriction.ordered_on or done_on > timezone.localdate():
        raise _refuse("doneOn", _("Дата ограничения — между датой наряда и сегодняшним днём."), ErrorCode.DATE_RANGE)
    if not (act_number or "").strip():
        raise _refuse("actNumber", _("Укажите номер акта."), ErrorCode.REQUIRED)
    restriction.status, restriction.done_on, restriction.act_number = RestrictionStatus.DONE, done_on, act_number
    restriction.save(update_fields=["status", "done_on", "act_number"])
    Warning.objects.filter(pk=restriction.warning_id).update(status=WarningStatus.RESTRICTED)
    stage_advance(restriction.account_id, Stage.RESTRICTED, on=done_on)
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: Restriction, lifted_on: date, act_number: str) -> Restriction:
    if restriction.status != RestrictionStatus.DONE:
        raise _refuse("restriction", _("Услуга не ограничена."), ErrorCode.COLLECTION_STATE)
    if lifted_on < restriction.done_on or lifted_on > timezone.localdate():
        raise _refuse("liftedOn", _("Дата возобновления — между датой ограничения и сегодняшним днём."),
                      ErrorCode.DATE_RANGE)
    restriction.status, restriction.lifted_on = RestrictionStatus.LIFTED, lifted_on
    restriction.lift_act_number = (act_number or "").strip()[:40]
    restriction.save(update_fields=["status", "lifted_on", "lift_act_number"])
    # the last restriction of the account lifted: work on it is back where the payment (or the agreement) put it
    still = Restriction.objects.filter(account_id=restriction.account_id, status=RestrictionStatus.DONE).exists()
    if not still and AccountCollection.objects.filter(pk=restriction.account_id, stage=Stage.RESTRICTED).exists():
        stage_advance(restriction.account_id, Stage.RECOVERED if restriction.paid_on else Stage.WARNED,
                      on=lifted_on, force=True)
    return restriction


# the day the cause of a restriction was removed (п.120): the last payment of the account up to ``today``
_SETTLED_ON = (
    "COALESCE((SELECT max(rc.paid_on) FROM receipts_receipt rc WHERE rc.account_id = r.account_id "
    "AND rc.amount > 0 AND rc.paid_on <= %(today)s), %(today)s)"
)
# … or the day a repayment agreement was signed (п.120)
_AGREED_ON = (
    "(SELECT max(g.signed_on) FROM collection_agreement g WHERE g.account_id = r.account_id AND g.status = 'active' "
    "AND g.signed_on <= %(today)s)"
)


@transaction.atomic
def restrictions_settle(*, today: date) -> int:
    """Restrictions whose cause is gone — the service's principal debt paid (a fresh register shows none) or a
    repayment agreement signed — get the day it went and their lifting deadline, 2 calendar days after it
    (п.120, ``rules.lift_deadline``); orders not yet carried out are cancelled. Set-based; how many were settled."""
    paid_off = ("NOT EXISTS (SELECT 1 FROM collection_debtorline l WHERE l.account_id = r.account_id "
                "AND l.service_id = r.service_id AND l.principal_debt > 0)")
    params = {"today": today, "days": rules.LIFT_DAYS}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE collection_restriction r SET status = 'cancelled' WHERE r.status = 'ordered' "  # noqa: S608
            "AND (NOT EXISTS (SELECT 1 FROM collection_debtorline l WHERE l.account_id = r.account_id "
            f"               AND l.service_id = r.service_id AND l.threshold) OR {_AGREED_ON} IS NOT NULL)",
            params)
        cancelled = cursor.rowcount
        cursor.execute(
            "UPDATE collection_restriction r SET paid_on = x.day, lift_due = x.day + %(days)s "  # noqa: S608
            f"FROM (SELECT r.id, CASE WHEN {paid_off} THEN {_SETTLED_ON} ELSE {_AGREED_ON} END AS day "
            "      FROM collection_restriction r WHERE r.status = 'done' AND r.paid_on IS NULL) x "
            "WHERE r.id = x.id AND x.day IS NOT NULL",
            params)
        return cancelled + cursor.rowcount


# --- agreements (ПП 354 п.72, 118) ----------------------------------------------------------------------------------

def _no_open_agreement(account: PersonalAccount) -> None:
    if Agreement.objects.filter(account=account, status__in=["requested", "draft", "active"]).exists():
        raise _refuse("account", _("По лицевому счёту уже есть действующее соглашение или запрос."),
                      ErrorCode.DUPLICATE)


def _agreement_number(account: PersonalAccount, on: date) -> str:
    count = Agreement.objects.filter(account=account).count() + 1
    return f"С-{account.number}-{on:%y%m}-{count}"[:30]


@transaction.atomic
def agreement_request(*, account: PersonalAccount, parts: int, note: str = "") -> Agreement:
    """A resident asks for an agreement from the cabinet: staff prepare and sign it."""
    _no_open_agreement(account)
    if not 1 <= parts <= rules.MAX_INSTALLMENT_PARTS:
        raise _refuse("parts", _("Число платежей — от 1 до %(n)s.") % {"n": rules.MAX_INSTALLMENT_PARTS},
                      ErrorCode.INVALID)
    if not Debtor.objects.filter(account=account, debt__gt=0).exists():
        raise _refuse("account", _("По лицевому счёту нет задолженности."), ErrorCode.INVALID)
    return Agreement.objects.create(account=account, number=_agreement_number(account, timezone.localdate()),
                                    status=AgreementStatus.REQUESTED, parts=parts, requested_by_resident=True,
                                    resident_note=(note or "")[:500])


@transaction.atomic
def agreement_prepare(*, account: PersonalAccount, parts: int, first_due: date, total: Decimal | None = None,
                      agreement: Agreement | None = None) -> Agreement:
    """Staff prepare the agreement (from a resident's request, or anew): the debt now and its schedule."""
    debtor = Debtor.objects.filter(account=account).first()
    amount = to_money(total) if total is not None else (debtor.debt if debtor else ZERO)
    if amount <= 0:
        raise _refuse("total", _("По лицевому счёту нет задолженности."), ErrorCode.INVALID)
    schedule = rules.installment_schedule(amount, parts=parts, first_due=first_due)
    if agreement is None:
        _no_open_agreement(account)
        agreement = Agreement(account=account, number=_agreement_number(account, timezone.localdate()))
    elif agreement.status not in (AgreementStatus.REQUESTED, AgreementStatus.DRAFT):
        raise _refuse("agreement", _("Соглашение уже подписано."), ErrorCode.COLLECTION_STATE)
    agreement.status, agreement.total, agreement.parts, agreement.first_due = (
        AgreementStatus.DRAFT, amount, parts, first_due)
    agreement.save()
    agreement.installments.all().delete()
    Installment.objects.bulk_create(Installment(agreement=agreement, seq=i, due_on=due, amount=value)
                                    for i, (due, value) in enumerate(schedule, start=1))
    return agreement


@transaction.atomic
def agreement_sign(*, agreement: Agreement, signed_on: date) -> Agreement:
    if agreement.status != AgreementStatus.DRAFT:
        raise _refuse("agreement", _("Подписать можно только подготовленное соглашение."), ErrorCode.COLLECTION_STATE)
    if signed_on > timezone.localdate():
        raise _refuse("signedOn", _("Дата подписания в будущем."), ErrorCode.INVALID)
    agreement.status, agreement.signed_on = AgreementStatus.ACTIVE, signed_on
    agreement.save(update_fields=["status", "signed_on"])
    stage_advance(agreement.account_id, Stage.AGREEMENT, on=signed_on, force=True)
    return agreement


@transaction.atomic
def agreement_decline(*, agreement: Agreement, reason: str) -> Agreement:
    if agreement.status not in (AgreementStatus.REQUESTED, AgreementStatus.DRAFT):
        raise _refuse("agreement", _("Отклонить можно только запрос или проект."), ErrorCode.COLLECTION_STATE)
    if not (reason or "").strip():
        raise _refuse("reason", _("Укажите причину."), ErrorCode.REQUIRED)
    agreement.status, agreement.decline_reason = AgreementStatus.DECLINED, reason.strip()[:300]
    agreement.save(update_fields=["status", "decline_reason"])
    return agreement


PAID_TOWARDS_SQL = """
SELECT g.id, GREATEST(0, COALESCE(r.received, 0) - COALESCE(bl.billed, 0))
FROM collection_agreement g
LEFT JOIN LATERAL (
    SELECT sum(amount) AS received FROM receipts_receipt
    WHERE account_id = g.account_id AND paid_on BETWEEN g.signed_on AND %(today)s
) r ON TRUE
LEFT JOIN LATERAL (
    SELECT sum(b.charged + b.recalculated - b.benefits) AS billed
    FROM billing_balance b JOIN billing_billingperiod p ON p.id = b.period_id
    WHERE b.account_id = g.account_id AND p.month > date_trunc('month', g.signed_on)
      AND p.status IN ('calculated', 'posted')
) bl ON TRUE
WHERE g.status = 'active'
"""


def agreements_track(*, today: date, grace_days: int = 0) -> list[int]:
    """Compare every active agreement with the money paid under it: paid, shortfall, completed or breached.
    Returns the ids of agreements breached now (each gets a notice).

    Paid under an agreement = the money received from its signing day, less the bills of the months after the
    signing month (those are paid as they come; the agreement covers the debt it was signed on): one statement for
    every agreement of the schema, then one UPDATE.
    """
    with connection.cursor() as cursor:
        cursor.execute(PAID_TOWARDS_SQL, {"today": today})
        paid_by = dict(cursor.fetchall())
    breached, changed = [], []
    # a breached agreement is no longer kept: the п.118 threshold applies again at the next register refresh
    for agreement in Agreement.objects.filter(pk__in=paid_by).prefetch_related("installments"):
        paid = paid_by[agreement.pk]
        schedule = [(i.due_on, i.amount) for i in agreement.installments.all()]
        is_breached, shortfall = rules.installment_breached(schedule, paid, on=today, grace_days=grace_days)
        agreement.paid, agreement.shortfall = paid, shortfall
        if paid >= agreement.total:
            agreement.status, agreement.completed_on = AgreementStatus.COMPLETED, today
            stage_advance(agreement.account_id, Stage.RECOVERED, on=today, force=True)
        elif is_breached:
            agreement.status, agreement.breached_on = AgreementStatus.BREACHED, today
            breached.append(agreement.pk)
        changed.append(agreement)
    Agreement.objects.bulk_update(changed, ["paid", "shortfall", "status", "completed_on", "breached_on"])
    return breached


# --- court work (ГПК ст.121–124, НК ст.333.19) ---------------------------------------------------------------------

def _case_number(case: CourtCase) -> str:
    """The case's number in the system: the month it was opened and its own id (unique without a counter)."""
    return f"Д-{case.calculated_on:%Y%m}-{case.pk:05d}"


def court_case_calculation(*, account: PersonalAccount, on: date) -> dict:
    """What a court package states: the principal debt by service and its period, the penalties as of ``on``, the
    route (order up to the limit of ГПК ст.121, else a lawsuit) and the state fee. Refuses without a posted
    calculation."""
    if not BillingPeriod.objects.filter(status=PeriodStatus.POSTED).exists():
        raise _refuse("account", _("Нет проведённого расчётного периода: расчёт задолженности для суда построить "
                                   "не из чего."), ErrorCode.CALCULATION_MISSING)
    lines = list(DebtorLine.objects.filter(account=account, principal_debt__gt=0).select_related("service"))
    if not lines:
        raise _refuse("account", _("По лицевому счёту нет основного долга в реестре должников (обновите реестр)."),
                      ErrorCode.CALCULATION_MISSING)
    principal = sum((line.principal_debt for line in lines), ZERO)
    statement = penalty_statement(account=account, as_of=on)
    penalties = statement.total
    claim = principal + penalties
    route = rules.court_route(claim)
    fee = (rules.court_order_fee(claim, on=on) if route == rules.CourtRoute.ORDER
           else rules.lawsuit_fee(claim, on=on))
    last = BillingPeriod.objects.filter(status=PeriodStatus.POSTED).order_by("-month").values_list("month", flat=True)
    return {"principal": principal, "penalties": penalties, "claim": claim, "route": str(route), "fee": fee,
            "fee_source": rules.fee_scale_on(on).source, "lines": lines, "statement": statement,
            "period_from": _oldest_unpaid_month(account) or account.opened_on, "period_to": last.first()}


def _oldest_unpaid_month(account: PersonalAccount) -> date | None:
    """The month the claim's period starts: the oldest posted month whose charge (or imported opening debt) is
    still partly unpaid — the register's walk for one account, exact beyond the register's 12 months."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH line AS (SELECT service_id, principal_debt AS p FROM collection_debtorline "
            "              WHERE account_id = %(a)s AND principal_debt > 0), "
            "m AS (SELECT b.service_id, bp.month, GREATEST(0, CASE WHEN bp.opening_import THEN b.opening "
            "             ELSE b.charged + b.recalculated - b.benefits END) AS c "
            "      FROM billing_balance b JOIN billing_billingperiod bp ON bp.id = b.period_id "
            "      WHERE bp.status = 'posted' AND b.account_id = %(a)s) "
            "SELECT min(month) FROM (SELECT m.month, m.c, l.p, "
            "  sum(m.c) OVER (PARTITION BY m.service_id ORDER BY m.month DESC) - m.c AS newer "
            "  FROM m JOIN line l ON l.service_id = m.service_id) x WHERE c > 0 AND newer < p",
            {"a": account.pk})
        return cursor.fetchone()[0]


@transaction.atomic
def court_case_open(*, account: PersonalAccount, on: date | None = None, debtor_ids: dict | None = None) -> CourtCase:
    """Open court work with the pre-court claim (претензия); the calculation is fixed as of ``on``."""
    on = on or timezone.localdate()
    if _stopped(account.pk):
        raise _refuse("account", _("Работа по лицевому счёту остановлена принципалом."), ErrorCode.WORK_STOPPED)
    if _kept_agreement(account.pk):
        raise _refuse("account", _("Должник исполняет соглашение о погашении задолженности."),
                      ErrorCode.AGREEMENT_KEPT)
    if CourtCase.objects.filter(account=account).exclude(status=CaseStatus.CLOSED).exists():
        raise _refuse("account", _("По лицевому счёту уже ведётся судебная работа."), ErrorCode.DUPLICATE)
    calc = court_case_calculation(account=account, on=on)
    case = CourtCase.objects.create(
        account=account, number=f"new-{account.pk}", route=CourtRoute(calc["route"]), period_from=calc["period_from"],
        period_to=calc["period_to"], principal_debt=calc["principal"], penalties=calc["penalties"],
        state_fee=calc["fee"], fee_source=calc["fee_source"][:200], calculated_on=on,
        debtor_ids=_debtor_ids_clean(debtor_ids or {}))
    case.number = _case_number(case)
    case.save(update_fields=["number"])
    CaseEvent.objects.create(case=case, kind=CaseEventKind.CLAIM_SENT, happened_on=on)
    stage_advance(account.pk, Stage.CLAIM, on=on)
    return case


DEBTOR_ID_FIELDS = ("birth_date", "birth_place", "snils", "inn", "passport", "driver_license")


def _debtor_ids_clean(ids: dict) -> dict:
    """The debtor's identifiers of 229-ФЗ ст.13 ч.1 п.5 «а» that are known; unknown keys refused."""
    unknown = set(ids) - set(DEBTOR_ID_FIELDS)
    if unknown:
        raise _refuse("debtorIds", _("Неизвестные поля: %(f)s.") % {"f": ", ".join(sorted(unknown))}, ErrorCode.INVALID)
    return {k: str(v).strip()[:120] for k, v in ids.items() if str(v or "").strip()}


# the events each status allows next, and the status each event leads to
_NEXT: dict[str, dict[str, str]] = {
    CaseStatus.CLAIM: {CaseEventKind.FILED: CaseStatus.FILED, CaseEventKind.LAWSUIT_FILED: CaseStatus.FILED},
    CaseStatus.FILED: {CaseEventKind.ORDER_ISSUED: CaseStatus.ORDER_ISSUED,
                       CaseEventKind.JUDGMENT: CaseStatus.JUDGMENT},
    CaseStatus.ORDER_ISSUED: {CaseEventKind.ORDER_CANCELLED: CaseStatus.ORDER_CANCELLED,
                              CaseEventKind.SENT_TO_BAILIFFS: CaseStatus.ENFORCEMENT,
                              CaseEventKind.SENT_TO_EMPLOYER: CaseStatus.ENFORCEMENT,
                              CaseEventKind.SENT_TO_BANK: CaseStatus.ENFORCEMENT},
    CaseStatus.ORDER_CANCELLED: {CaseEventKind.LAWSUIT_FILED: CaseStatus.FILED},
    CaseStatus.JUDGMENT: {CaseEventKind.WRIT_ISSUED: CaseStatus.WRIT_ISSUED},
    CaseStatus.WRIT_ISSUED: {CaseEventKind.SENT_TO_BAILIFFS: CaseStatus.ENFORCEMENT,
                             CaseEventKind.SENT_TO_EMPLOYER: CaseStatus.ENFORCEMENT,
                             CaseEventKind.SENT_TO_BANK: CaseStatus.ENFORCEMENT},
    CaseStatus.ENFORCEMENT: {},
}
_MONEY = {CaseEventKind.RECOVERED, CaseEventKind.COSTS_RECOVERED}
_ENFORCEMENT_TO = {CaseEventKind.SENT_TO_BAILIFFS: "bailiffs", CaseEventKind.SENT_TO_EMPLOYER: "employer",
                   CaseEventKind.SENT_TO_BANK: "bank"}
_STAGE_OF = {CaseStatus.FILED: Stage.COURT, CaseStatus.ENFORCEMENT: Stage.ENFORCEMENT}


# a step that only one route takes: a court order up to the limit of ГПК ст.121, a lawsuit above it (and after
# an order is cancelled, ГПК ст.129); an application for an order is not filed for a lawsuit's claim and the other
# way round, and an order is not issued on a lawsuit nor a judgment on an application for an order
_ROUTE_ONLY = {CaseEventKind.FILED: CourtRoute.ORDER, CaseEventKind.ORDER_ISSUED: CourtRoute.ORDER,
               CaseEventKind.LAWSUIT_FILED: CourtRoute.LAWSUIT, CaseEventKind.JUDGMENT: CourtRoute.LAWSUIT}


def case_events_allowed(case: CourtCase) -> list[str]:
    if case.status == CaseStatus.CLOSED:
        return []
    route = CourtRoute.LAWSUIT if case.status == CaseStatus.ORDER_CANCELLED else case.route
    allowed = [kind for kind in _NEXT.get(case.status, {}) if _ROUTE_ONLY.get(kind, route) == route]
    if case.status in (CaseStatus.ORDER_ISSUED, CaseStatus.JUDGMENT, CaseStatus.WRIT_ISSUED, CaseStatus.ENFORCEMENT):
        allowed += [CaseEventKind.RECOVERED, CaseEventKind.COSTS_RECOVERED]
    return [*allowed, CaseEventKind.CLOSED]


@transaction.atomic
def case_event_record(*, case: CourtCase, kind: str, happened_on: date, amount=None, document_number: str = "",
                      note: str = "", court_name: str = "", court_case_number: str = "",
                      user=None) -> tuple[CaseEvent, bool]:
    """Record a step of the case; (event, created). Money recovered by enforcement is recorded as a receipt on the
    account (source «взыскание»), split over the case's services in proportion to their debt — allocated like any
    other payment; once per payment document."""
    case = CourtCase.objects.select_for_update().get(pk=case.pk)
    if kind not in CaseEventKind.values:
        raise _refuse("kind", _("Неизвестный шаг дела: %(k)s.") % {"k": kind}, ErrorCode.INVALID)
    if kind not in case_events_allowed(case):
        raise _refuse("kind", _("Шаг «%(k)s» невозможен в состоянии «%(s)s».")
                      % {"k": CaseEventKind(kind).label, "s": CaseStatus(case.status).label},
                      ErrorCode.COLLECTION_STATE)
    if happened_on > timezone.localdate():
        raise _refuse("happenedOn", _("Дата в будущем."), ErrorCode.INVALID)
    value = None
    if kind in _MONEY:
        value = to_money(amount) if amount is not None else ZERO
        if value <= 0:
            raise _refuse("amount", _("Сумма должна быть больше нуля."), ErrorCode.INVALID)
        if not (document_number or "").strip():
            raise _refuse("documentNumber", _("Укажите номер платёжного документа."), ErrorCode.REQUIRED)
        existing = CaseEvent.objects.filter(case=case, kind=kind, document_number=document_number.strip()).first()
        if existing:
            return existing, False
    event = CaseEvent.objects.create(case=case, kind=kind, happened_on=happened_on, amount=value,
                                     document_number=(document_number or "").strip()[:60], note=(note or "")[:500],
                                     created_by=user)
    _case_apply(case, event, court_name=court_name, court_case_number=court_case_number)
    return event, True


def _case_apply(case: CourtCase, event: CaseEvent, *, court_name: str, court_case_number: str) -> None:
    kind = event.kind
    if court_name:
        case.court_name = court_name.strip()[:300]
    if court_case_number:
        case.court_case_number = court_case_number.strip()[:60]
    if kind == CaseEventKind.RECOVERED:
        case.recovered += event.amount
        _enforcement_receipts(case, event)
    elif kind == CaseEventKind.COSTS_RECOVERED:
        case.costs_recovered += event.amount
    elif kind == CaseEventKind.CLOSED:
        case.status, case.closed_on = CaseStatus.CLOSED, event.happened_on
        stage_advance(case.account_id, Stage.RECOVERED if case.recovered > 0 else Stage.NONE,
                      on=event.happened_on, force=True)
    else:
        before, case.status = case.status, _NEXT[case.status][kind]
        if kind == CaseEventKind.LAWSUIT_FILED:
            if before == CaseStatus.ORDER_CANCELLED:
                # after a cancelled order the fee paid for it counts towards the lawsuit's (НК ст.333.20 п.1 пп.13)
                case.fee_offset = case.state_fee
            case.route = CourtRoute.LAWSUIT
            case.state_fee = rules.lawsuit_fee(case.principal_debt + case.penalties, on=event.happened_on)
        case.enforcement_to = _ENFORCEMENT_TO.get(kind, case.enforcement_to)
        if case.status in _STAGE_OF:
            stage_advance(case.account_id, _STAGE_OF[case.status], on=event.happened_on)
    case.save()


def _enforcement_receipts(case: CourtCase, event: CaseEvent) -> None:
    """The recovered money as receipts of the account, split over the services it was owed for."""
    lines = list(DebtorLine.objects.filter(account_id=case.account_id, principal_debt__gt=0)
                 .values_list("service_id", "principal_debt"))
    if not lines:  # the debt is gone from the register: the money is an advance on the account
        lines = [(None, Decimal(1))]
    parts = [from_kopecks(k) for k in split_largest_remainder(to_kopecks(event.amount),
                                                              [weight for _service, weight in lines])]
    memo = str(_("Взыскано по делу %(n)s, документ %(d)s") % {"n": case.number, "d": event.document_number})
    Receipt.objects.bulk_create(
        Receipt(account_id=case.account_id, service_id=service, amount=part, paid_on=event.happened_on,
                source=ReceiptSource.ENFORCEMENT, external_key=f"enf:{case.pk}:{event.pk}:{service or 0}",
                comment=memo[:300])
        for (service, _weight), part in zip(lines, parts, strict=True) if part)
    # the bailiffs (the employer, the bank) pay to the principal's own account: on its ledger like its own receipts
    principal_ledger_ensure()
    number = PersonalAccount.objects.filter(pk=case.account_id).values_list("number", flat=True).first()
    transaction_post(kind="enforcement_receipt", key=f"enf:{case.pk}:{event.pk}", occurred_on=event.happened_on,
                     memo=memo, legs=[Leg(OWN_CASH, event.amount), Leg(RECEIVABLE, -event.amount, f"pa:{number}")])


# --- amnesty ----------------------------------------------------------------------------------------------------------

def amnesty_enroll(*, campaign_id: int, account_ids: Sequence[int], pay_by: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_amnesty (account_id, campaign_id, pay_by, created_at) "
            "SELECT unnest(%s::bigint[]), %s, %s, now() ON CONFLICT (campaign_id, account_id) DO NOTHING",
            [list(account_ids), campaign_id, pay_by])
        return cursor.rowcount


# The enrolled accounts due (their date passed) that paid their principal debt by it. The principal debt on
# ``pay_by`` is read back from now: the principal debt of a fresh register, plus the money received after ``pay_by``
# (it was still owed that day), less the charges of the months from ``pay_by``'s month on (not owed yet that day).
AMNESTY_PAID_SQL = """
WITH due AS (
    SELECT id, account_id, pay_by FROM collection_amnesty WHERE written_off_on IS NULL AND pay_by < %(today)s
),
principal AS (
    SELECT d.id, COALESCE(sum(l.principal_debt), 0) AS amount
    FROM due d LEFT JOIN collection_debtorline l ON l.account_id = d.account_id GROUP BY d.id
),
later_charges AS (
    SELECT d.id, sum(b.charged - b.benefits) AS amount
    FROM due d JOIN billing_balance b ON b.account_id = d.account_id
    JOIN billing_billingperiod p ON p.id = b.period_id
    WHERE p.status = 'posted' AND p.month >= date_trunc('month', d.pay_by)::date GROUP BY d.id
),
later_receipts AS (
    SELECT d.id, sum(r.amount) AS amount
    FROM due d JOIN receipts_receipt r ON r.account_id = d.account_id AND r.paid_on > d.pay_by GROUP BY d.id
)
SELECT d.id FROM due d JOIN principal pr ON pr.id = d.id
LEFT JOIN later_charges lc ON lc.id = d.id LEFT JOIN later_receipts lr ON lr.id = d.id
WHERE pr.amount + COALESCE(lr.amount, 0) - COALESCE(lc.amount, 0) <= 0
"""

AMNESTY_WRITE_OFF_SQL = """
INSERT INTO billing_recalculation
    (period_id, account_id, service_id, corrected_month, amount, reason, comment, created_at)
SELECT %(period)s, l.account_id, l.service_id, %(month)s, -l.penalties, 'penalty_amnesty',
       replace(%(comment)s, '{pay_by}', to_char(a.pay_by, 'DD.MM.YYYY')), now()
FROM collection_amnesty a JOIN collection_debtorline l ON l.account_id = a.account_id
WHERE a.id = ANY(%(ids)s) AND l.penalties > 0
"""

AMNESTY_CLOSE_SQL = """
UPDATE collection_amnesty a SET written_off_on = %(today)s,
       penalties_written_off = CASE WHEN a.id = ANY(%(ids)s) THEN COALESCE(
           (SELECT sum(l.penalties) FROM collection_debtorline l WHERE l.account_id = a.account_id), 0) ELSE 0 END
WHERE a.written_off_on IS NULL AND a.pay_by < %(today)s
"""


@transaction.atomic
def amnesties_settle(*, today: date) -> int:
    """Write off the penalties of enrolled accounts that paid their principal debt by the campaign's date (the day
    after it at the earliest): a recalculation «амнистия пеней» per service, booked into the first period not
    posted, of the penalties the register shows; an account that did not pay is closed with nothing written off.
    Once per account and campaign; set-based. Returns how many accounts had their penalties written off."""

    if not Amnesty.objects.filter(written_off_on__isnull=True, pay_by__lt=today).exists():
        return 0
    register_refresh(today=today)  # the decision and the amounts read the debt as it is now
    with connection.cursor() as cursor:
        cursor.execute(AMNESTY_PAID_SQL, {"today": today})
        paid = [row[0] for row in cursor.fetchall()]
        if paid:
            last = BillingPeriod.objects.filter(status=PeriodStatus.POSTED).order_by("-month").first()
            period = booking_period(after=last.month if last else today.replace(day=1))
            comment = str(_("Амнистия пеней: основной долг погашен до %(d)s") % {"d": "{pay_by}"})
            cursor.execute(AMNESTY_WRITE_OFF_SQL, {"period": period.pk, "month": period.month, "comment": comment,
                                                   "ids": paid})
        # the amounts are read before the register drops them
        cursor.execute(AMNESTY_CLOSE_SQL, {"today": today, "ids": paid})
    if paid:
        register_refresh(today=today)
    return len(paid)
