"""Celery tasks of collection campaigns: a campaign's run, and the daily round over every principal.

Both take ids or ISO dates, never objects, and run in the public schema whatever schema sent them (they switch to
each principal's schema themselves). Both are idempotent: a run resumes (``agency.collection.runner``), and the
daily round's steps are each a no-op when nothing changed (a register refresh rewrites the same snapshot, a breach
is detected once — the agreement leaves «active» — and its notice is drawn once, restrictions and amnesties are
settled once). Monthly campaigns due today are requested through ``campaign_run_request``, once per month.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from agency.collection.campaigns import campaign_run_request
from agency.collection.documents import breach_notice
from agency.collection.models import Campaign, CampaignRun, CampaignSchedule
from agency.collection.runner import campaign_run_execute
from tenants.collection.models import Agreement
from tenants.collection.register import register_refresh
from tenants.collection.services import agreements_track, amnesties_settle, restrictions_settle
from tenants.models import Principal

log = logging.getLogger(__name__)


@shared_task(name="agentcollection.campaign_run", acks_late=True)
def campaign_run_task(run_id: int) -> dict:
    with schema_context(get_public_schema_name()):
        if not CampaignRun.objects.filter(pk=run_id).exists():
            log.warning("campaign run %s is gone; nothing to do", run_id)
            return {"run": run_id, "status": "missing"}
        run = campaign_run_execute(run_id)
        return {"run": run.pk, "status": run.status, "totals": run.stats.get("totals", {})}


def _breach_notices(agreement_ids: list[int], today: date) -> int:
    drawn = 0
    for agreement in Agreement.objects.filter(pk__in=agreement_ids):
        breach_notice(agreement, on=today)
        drawn += 1
    return drawn


def principal_daily(principal: Principal, today: date) -> dict:
    """One principal's daily round, in one transaction: the register, agreements (and breach notices),
    restrictions whose cause is gone, amnesties due."""
    with tenant_context(principal), transaction.atomic():
        debtors, _lines = register_refresh(today=today)
        breached = agreements_track(today=today)
        notices = _breach_notices(breached, today)
        settled = restrictions_settle(today=today)
        amnesties = amnesties_settle(today=today)
        if amnesties:  # written-off penalties change the debt: the register shows it today, not tomorrow
            debtors, _lines = register_refresh(today=today)
    return {"debtors": debtors, "breached": len(breached), "notices": notices, "restrictions_settled": settled,
            "amnesties_settled": amnesties}


def campaigns_due(today: date) -> list[Campaign]:
    """Active monthly campaigns whose run day is today (or passed this month without a run: a missed day catches
    up), with no run for this month yet."""
    month = today.replace(day=1)
    return list(Campaign.objects.filter(active=True, schedule=CampaignSchedule.MONTHLY, run_day__lte=today.day)
                .exclude(runs__month=month).order_by("pk"))


@shared_task(name="agentcollection.collection_daily", acks_late=True)
def collection_daily_task(day: str | None = None) -> dict:
    today = date.fromisoformat(day) if day else timezone.localdate()
    report: dict = {"day": today.isoformat(), "principals": {}, "failed": {}, "campaigns": []}
    with schema_context(get_public_schema_name()):
        principals = list(Principal.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())
                          .order_by("schema_name"))
    for principal in principals:
        try:
            report["principals"][principal.schema_name] = principal_daily(principal, today)
        except Exception as exc:  # one principal's fault does not stop the others; it is retried tomorrow
            log.exception("collection daily round failed for %s", principal.schema_name)
            report["failed"][principal.schema_name] = f"{type(exc).__name__}: {exc}"
    with schema_context(get_public_schema_name()):
        for campaign in campaigns_due(today):
            run = campaign_run_request(campaign=campaign, month=today)
            report["campaigns"].append(run.pk)
    return report
