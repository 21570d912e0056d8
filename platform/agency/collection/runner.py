"""A campaign run: in each principal's schema, refresh the register, pick the debtors by the rules, act on them.

Each principal is one transaction: the register refresh, the selection (one statement), every action's rows
(warnings, reminders, court cases, amnesties, touches) and the principal's entry in the run's stats marked done —
a crash leaves the principal either done or untouched, and a rerun skips the principals marked done and does the
rest. Everything written is keyed so that it cannot happen twice: a warning once per account, service and month,
a reminder once per account, channel and run, a touch once per run, account and action, a court case once open,
an amnesty once per campaign and account.

Messages leave after the principal's commit (never from inside a transaction that may still roll back): the
reminders queued by the run are sent one by one and marked sent, and a rerun sends those still queued — for the
principals already done as well. Each message carries our key (``reminder:<schema>:<id>``) for the gateway to drop
a repeat.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from agency.collection import acts, documents, messaging
from agency.collection.call_lists import CallRow, call_list_store, phone_digits
from agency.collection.models import Campaign, CampaignAction, CampaignRun, RunStatus
from tenants.billing.models import PersonalAccount
from tenants.collection.models import (
    CaseStatus,
    CourtCase,
    Reminder,
    ReminderChannel,
    ReminderStatus,
    Stage,
    TouchAction,
    Warning,
    WarningChannel,
)
from tenants.collection.register import register_refresh
from tenants.collection.services import amnesty_enroll, stages_advance_bulk, warnings_issue_bulk
from tenants.models import Principal

log = logging.getLogger(__name__)
PAY_WITHIN_DAYS = 10  # the call script's «оплатите до»: ten days from the run

# One statement: the register rows the campaign's rules pick. With service kinds named, the amount, the months of
# norm and the п.118 threshold are those of the lines of these services; otherwise the account's.
SELECT_SQL = """
WITH kinds AS (
    SELECT l.account_id, sum(l.debt) AS debt, max(l.months_of_norm) AS months_of_norm,
           bool_or(l.threshold AND l.restrictable) AS threshold
    FROM collection_debtorline l JOIN billing_service s ON s.id = l.service_id
    WHERE s.kind = ANY(%(kinds)s::text[]) AND l.debt > 0
    GROUP BY l.account_id
)
SELECT d.account_id, d.number, d.payer_name, d.address, COALESCE(k.debt, d.debt) AS debt, d.months,
       COALESCE(ua.number, '') AS unified_number
FROM collection_debtor d
JOIN billing_personalaccount a ON a.id = d.account_id
LEFT JOIN registry_unifiedaccount ua ON ua.id = a.unified_account_id
LEFT JOIN kinds k ON k.account_id = d.account_id
LEFT JOIN collection_accountcollection ac ON ac.account_id = d.account_id
WHERE NOT d.stopped AND ac.stopped_at IS NULL
  AND (cardinality(%(kinds)s::text[]) = 0 OR k.account_id IS NOT NULL)
  AND COALESCE(k.debt, d.debt) >= %(min_debt)s AND COALESCE(k.debt, d.debt) > 0
  AND d.months >= %(min_months)s
  AND (%(min_norm)s::numeric IS NULL OR COALESCE(k.months_of_norm, d.max_months_of_norm) >= %(min_norm)s::numeric)
  AND (NOT %(threshold_only)s OR (COALESCE(k.threshold, d.threshold) AND NOT d.kept_agreement))
  AND (NOT %(exclude_kept)s OR NOT d.kept_agreement)
  AND (cardinality(%(houses)s::bigint[]) = 0 OR d.house_id = ANY(%(houses)s::bigint[]))
  AND (cardinality(%(stages)s::text[]) = 0 OR d.stage = ANY(%(stages)s::text[]))
ORDER BY d.account_id
"""


@dataclass(frozen=True)
class Selected:
    account_id: int
    number: str
    payer_name: str
    address: str
    debt: Decimal
    months: int
    unified_number: str


@dataclass
class PrincipalRun:
    """What one principal's part of the run works with and what it records."""

    run: CampaignRun
    campaign: Campaign
    principal: Principal
    today: date
    selected: list[Selected]
    stats: dict = field(default_factory=dict)
    files: list = field(default_factory=list)
    touches: dict[str, list[Selected]] = field(default_factory=dict)
    contacts: dict[int, messaging.Contact] | None = None

    def ids(self) -> list[int]:
        return [s.account_id for s in self.selected]

    def note(self, text: str) -> None:
        self.stats.setdefault("notes", []).append(text)


def debtors_select(campaign: Campaign) -> list[Selected]:
    """The current schema's register rows the campaign picks (stopped accounts never)."""
    params = {
        "kinds": list(campaign.service_kinds or []), "min_debt": campaign.min_debt or Decimal(0),
        "min_months": campaign.min_months or 0, "min_norm": campaign.min_months_of_norm,
        "threshold_only": campaign.threshold_only, "exclude_kept": campaign.exclude_kept_agreement,
        "houses": list(campaign.house_ids or []), "stages": list(campaign.stages or []),
    }
    with connection.cursor() as cursor:
        cursor.execute(SELECT_SQL, params)
        return [Selected(*row) for row in cursor.fetchall()]


# --- actions (each in the principal's transaction) ------------------------------------------------------------------

def _warn(ctx: PrincipalRun, channel: str) -> list[int]:
    warned = warnings_issue_bulk(account_ids=ctx.ids(), month=ctx.run.month, channel=channel, on=ctx.today,
                                 campaign_run_id=ctx.run.pk)
    ctx.stats["warned"] = ctx.stats.get("warned", 0) + len(warned)
    return warned


def _touch(ctx: PrincipalRun, action: str, account_ids) -> None:
    wanted = set(account_ids)
    ctx.touches.setdefault(action, []).extend(s for s in ctx.selected if s.account_id in wanted)


def action_epd_warning(ctx: PrincipalRun) -> None:
    _touch(ctx, TouchAction.EPD_WARNING, _warn(ctx, WarningChannel.EPD))


def action_letter_warning(ctx: PrincipalRun) -> None:
    warned = _warn(ctx, WarningChannel.REGISTERED_LETTER)
    _touch(ctx, TouchAction.LETTER_WARNING, warned)
    warning_ids = list(Warning.objects.filter(campaign_run_id=ctx.run.pk, account_id__in=warned,
                                              channel=WarningChannel.REGISTERED_LETTER).values_list("pk", flat=True))
    ctx.stats["letters"] = len(warning_ids)
    if not warning_ids:
        return
    keys = documents.warning_letters_batch(schema_name=ctx.principal.schema_name, warning_ids=warning_ids,
                                           month=ctx.run.month)
    for key in keys or []:
        ctx.files.append(key if isinstance(key, dict) else
                         {"schema": ctx.principal.schema_name, "kind": "warning_letters", "key": str(key)})


def _remind(ctx: PrincipalRun, channel: str, contacts: dict[int, messaging.Contact]) -> None:
    """Reminder rows for the selected accounts in one statement; queued with a contact, «no contact» without."""
    name = ctx.principal.short_name
    rows = []
    for s in ctx.selected:
        contact = contacts.get(s.account_id, messaging.Contact())
        address = phone_digits(contact.phone) if channel == ReminderChannel.SMS else contact.email
        if channel == ReminderChannel.SMS:
            text = messaging.sms_text(principal_name=name, account_number=s.number, debt=s.debt)
        else:
            text = messaging.email_text(principal_name=name, account_number=s.number, address=s.address,
                                        debt=s.debt, months=s.months)
        rows.append((s.account_id, address, s.debt, text,
                     ReminderStatus.QUEUED if address else ReminderStatus.NO_CONTACT))
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], [], [], []]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_reminder (account_id, channel, campaign_run_id, address, debt, text, status, "
            "provider_id, error, created_at) "
            "SELECT r.account_id, %s, %s, r.address, r.debt, r.text, r.status, '', '', now() "
            "FROM unnest(%s::bigint[], %s::text[], %s::numeric[], %s::text[], %s::text[]) "
            "     AS r(account_id, address, debt, text, status) "
            "ON CONFLICT (account_id, channel, campaign_run_id) DO NOTHING RETURNING account_id, status",
            [channel, ctx.run.pk, *columns],
        )
        made = cursor.fetchall()
    queued = [account_id for account_id, status in made if status == ReminderStatus.QUEUED]
    ctx.stats.setdefault("reminded", {})[channel] = len(queued)
    ctx.stats.setdefault("no_contact", {})[channel] = sum(1 for _a, status in made
                                                          if status == ReminderStatus.NO_CONTACT)
    _touch(ctx, TouchAction.SMS if channel == ReminderChannel.SMS else TouchAction.EMAIL, queued)
    stages_advance_bulk(queued, Stage.REMINDED, on=ctx.today)


def _contacts(ctx: PrincipalRun) -> dict[int, messaging.Contact]:
    if ctx.contacts is None:  # one statement for all the channels of the principal
        ctx.contacts = messaging.account_contacts(ctx.ids())
    return ctx.contacts


def action_sms(ctx: PrincipalRun) -> None:
    _remind(ctx, ReminderChannel.SMS, _contacts(ctx))


def action_email(ctx: PrincipalRun) -> None:
    _remind(ctx, ReminderChannel.EMAIL, _contacts(ctx))


def action_call_list(ctx: PrincipalRun) -> None:
    contacts = _contacts(ctx)
    rows = [CallRow(phone=phone_digits(contacts.get(s.account_id, messaging.Contact()).phone), payer=s.payer_name,
                    unified_account=s.unified_number, account=s.number, address=s.address, debt=s.debt,
                    months=s.months) for s in ctx.selected]
    ctx.stats["call_list"] = len(rows)
    ctx.stats.setdefault("no_contact", {})["call"] = sum(1 for r in rows if not r.phone)
    if not rows:
        return
    ctx.files.extend(call_list_store(rows, schema_name=ctx.principal.schema_name, month=ctx.run.month,
                                     due_on=ctx.today + timedelta(days=PAY_WITHIN_DAYS),
                                     principal_name=ctx.principal.short_name, campaign_name=ctx.campaign.name))
    _touch(ctx, TouchAction.CALL, ctx.ids())
    stages_advance_bulk(ctx.ids(), Stage.REMINDED, on=ctx.today)


def action_claim(ctx: PrincipalRun) -> None:
    """Court work opened with the claim for each selected account not already in court; a refusal (a kept
    agreement, no calculation, …) is counted by its code and the run goes on."""
    in_court = set(CourtCase.objects.filter(account_id__in=ctx.ids()).exclude(status=CaseStatus.CLOSED)
                   .values_list("account_id", flat=True))
    accounts = PersonalAccount.objects.in_bulk([i for i in ctx.ids() if i not in in_court])
    opened, refused = [], Counter()
    for account_id, account in sorted(accounts.items()):
        try:
            with transaction.atomic():
                acts.court_case_open(account=account, on=ctx.today)  # the claim drawn with it
        except ValidationError as exc:
            codes = [e.code for errors in exc.error_dict.values() for e in errors] if hasattr(exc, "error_dict") \
                else [exc.code]
            refused[str(codes[0] or "INVALID")] += 1
        else:
            opened.append(account_id)
    ctx.stats["claims"] = len(opened)
    ctx.stats["claims_skipped_in_court"] = len(in_court)
    ctx.stats["claims_refused"] = dict(sorted(refused.items()))
    _touch(ctx, TouchAction.CLAIM, opened)


def action_amnesty(ctx: PrincipalRun) -> None:
    enrolled = amnesty_enroll(campaign_id=ctx.campaign.pk, account_ids=ctx.ids(), pay_by=ctx.campaign.amnesty_pay_by)
    ctx.stats["amnesty"] = enrolled
    _touch(ctx, TouchAction.AMNESTY, ctx.ids())


ACTIONS = {
    CampaignAction.EPD_WARNING: action_epd_warning,
    CampaignAction.LETTER_WARNING: action_letter_warning,
    CampaignAction.SMS: action_sms,
    CampaignAction.EMAIL: action_email,
    CampaignAction.CALL_LIST: action_call_list,
    CampaignAction.CLAIM: action_claim,
    CampaignAction.AMNESTY: action_amnesty,
}


def _touches_write(ctx: PrincipalRun) -> int:
    account_ids, actions, debts = [], [], []
    for action, rows in ctx.touches.items():
        for s in rows:
            account_ids.append(s.account_id)
            actions.append(str(action))
            debts.append(s.debt)
    if not account_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_campaigntouch (campaign_run_id, campaign_id, account_id, action, touched_on, debt) "
            "SELECT %s, %s, t.account_id, t.action, %s, t.debt "
            "FROM unnest(%s::bigint[], %s::text[], %s::numeric[]) AS t(account_id, action, debt) "
            "ON CONFLICT (campaign_run_id, account_id, action) DO NOTHING",
            [ctx.run.pk, ctx.campaign.pk, ctx.today, account_ids, actions, debts],
        )
        return cursor.rowcount


def principal_process(ctx: PrincipalRun) -> None:
    """Every action of the campaign, in the order the campaign lists them, then the touches."""
    for action in ctx.campaign.actions:
        ACTIONS[CampaignAction(action)](ctx)
    ctx.stats["touched"] = _touches_write(ctx)


def _principal_run(run_id: int, campaign: Campaign, principal: Principal, today: date) -> None:
    schema = principal.schema_name
    with tenant_context(principal), transaction.atomic():
        run = CampaignRun.objects.select_for_update().get(pk=run_id)  # public, on the search path
        if run.stats.get("principals", {}).get(schema, {}).get("done"):
            return  # another worker finished it meanwhile
        register_refresh(today=today)
        selected = debtors_select(campaign)
        debt = sum((s.debt for s in selected), Decimal("0.00"))
        ctx = PrincipalRun(run=run, campaign=campaign, principal=principal, today=today, selected=selected,
                           stats={"selected": len(selected), "selected_debt": str(debt)})
        principal_process(ctx)
        ctx.stats["done"] = True
        ctx.stats["done_at"] = timezone.now().isoformat()
        run.stats.setdefault("principals", {})[schema] = ctx.stats
        run.files = [f for f in run.files if f.get("schema") != schema] + ctx.files
        run.save(update_fields=["stats", "files"])


# --- sending (after the commit) -------------------------------------------------------------------------------------

def _send_one(reminder: Reminder, schema: str, principal_name: str) -> None:
    key = f"reminder:{schema}:{reminder.pk}"
    try:
        if reminder.channel == ReminderChannel.SMS:
            provider_id = messaging.sms_provider().send(to=reminder.address, text=reminder.text, key=key)
        else:
            subject = messaging.email_subject(principal_name=principal_name, account_number=reminder.account.number)
            provider_id = messaging.email_provider().send(to=reminder.address, subject=subject, text=reminder.text,
                                                          key=key)
    except messaging.SendError as exc:
        Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.FAILED, error=str(exc)[:300])
        return
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SENT, provider_id=str(provider_id)[:120],
                                                   sent_at=timezone.now())


def reminders_send(run_id: int, principal: Principal) -> dict[str, int]:
    """Send the run's queued SMS and e-mail reminders of this principal; the counts sent and failed by channel."""
    with tenant_context(principal):
        queued = (Reminder.objects.filter(campaign_run_id=run_id, status=ReminderStatus.QUEUED,
                                          channel__in=[ReminderChannel.SMS, ReminderChannel.EMAIL])
                  .select_related("account").order_by("pk"))
        for reminder in queued.iterator(chunk_size=500):
            _send_one(reminder, principal.schema_name, principal.short_name)
        counts = Counter()
        for channel, status in (Reminder.objects.filter(campaign_run_id=run_id)
                                .values_list("channel", "status")):
            counts[f"{channel}_{status}"] += 1
        return dict(sorted(counts.items()))


# --- the run --------------------------------------------------------------------------------------------------------

def campaign_principals(campaign: Campaign) -> list[Principal]:
    """The campaign's principals (none named: every active one), active only, in a stable order."""
    named = campaign.principals.all()
    chosen = named if named.exists() else Principal.objects.all()
    return list(chosen.filter(is_active=True).exclude(schema_name=get_public_schema_name()).order_by("schema_name"))


_TOTAL_KEYS = ("selected", "warned", "letters", "call_list", "claims", "amnesty", "touched")


def _totals(stats: dict) -> dict:
    totals: Counter = Counter()
    debt = Decimal("0.00")
    for entry in stats.get("principals", {}).values():
        for key in _TOTAL_KEYS:
            totals[key] += entry.get(key, 0)
        for group in ("reminded", "no_contact", "claims_refused", "sent"):
            for name, count in entry.get(group, {}).items():
                totals[f"{group}_{name}"] += count
        debt += Decimal(entry.get("selected_debt", "0"))
    return {**dict(sorted(totals.items())), "selected_debt": str(debt),
            "principals_done": sum(1 for e in stats.get("principals", {}).values() if e.get("done"))}


def _run_start(run_id: int) -> CampaignRun:
    with transaction.atomic():
        run = CampaignRun.objects.select_for_update().select_related("campaign").get(pk=run_id)
        run.status, run.error = RunStatus.RUNNING, ""
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "error", "started_at"])
    return run


def _run_finish(run_id: int, *, sent: dict[str, dict], error: str = "") -> CampaignRun:
    with transaction.atomic():
        run = CampaignRun.objects.select_for_update().get(pk=run_id)
        for schema, counts in sent.items():
            run.stats.setdefault("principals", {}).setdefault(schema, {})["sent"] = counts
        run.stats["totals"] = _totals(run.stats)
        run.status = RunStatus.FAILED if error else RunStatus.DONE
        run.error, run.finished_at = error, timezone.now()
        run.save(update_fields=["stats", "status", "error", "finished_at"])
    return run


def campaign_run_execute(run_id: int, *, today: date | None = None) -> CampaignRun:
    """Run (or resume) the campaign run ``run_id``: every principal not done yet, then every queued message.

    A failure of one principal's part stops the run, which is marked failed with the error: the principals done
    before it stay done, its own part is rolled back, and a rerun goes on from there.
    """
    today = today or timezone.localdate()
    with schema_context(get_public_schema_name()):
        run = _run_start(run_id)
        campaign = run.campaign
        principals = campaign_principals(campaign)
    sent: dict[str, dict] = {}
    try:
        for principal in principals:
            done = run.stats.get("principals", {}).get(principal.schema_name, {}).get("done")
            if not done:
                _principal_run(run_id, campaign, principal, today)
                run.refresh_from_db(fields=["stats"])
            sent[principal.schema_name] = reminders_send(run_id, principal)
    except Exception as exc:
        log.exception("campaign run %s failed", run_id)
        with schema_context(get_public_schema_name()):
            _run_finish(run_id, sent=sent, error=_("Запуск прерван: %(e)s") % {"e": f"{type(exc).__name__}: {exc}"})
        raise
    with schema_context(get_public_schema_name()):
        return _run_finish(run_id, sent=sent)
