"""The daily payout build as a Celery task, run by beat every morning (``CELERY_BEAT_SCHEDULE``).

The task takes a date (ISO text) or none (today, in the project's time zone). On a day off it does
nothing; on a working day it builds the day's payouts (``payouts.build.payouts_build``), which is one
transaction and idempotent: a worker killed mid-build leaves nothing, and the redelivered or repeated
task builds the same payouts once. Approval and export stay with an operator.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from agency.payments.payouts.build import payouts_build
from tenants.regulations.selectors import is_working_day

log = logging.getLogger(__name__)


@shared_task(name="payments.payouts_build")
def payouts_build_task(business_day: str | None = None) -> dict:
    day = date.fromisoformat(business_day) if business_day else timezone.localdate()
    with schema_context(get_public_schema_name()):  # payouts live in public, wherever the task was sent from
        if not is_working_day(day):
            log.info("payouts: %s is a day off, nothing to build", day)
            return {"business_day": day.isoformat(), "status": "day_off"}
        try:
            report = payouts_build(business_day=day)
        except ValidationError as exc:  # a refusal (calendar not loaded, a later day built): recorded, not retried
            log.error("payouts for %s refused: %s", day, exc.messages)
            return {"business_day": day.isoformat(), "status": "refused", "errors": exc.messages}
    log.info("payouts for %s: %s built (%s), net %s", day, len(report.payout_ids),
             "now" if report.built_now else "before", report.net)
    return {"business_day": day.isoformat(), "status": "built" if report.built_now else "already_built",
            "payouts": len(report.payout_ids), "gross": str(report.gross), "fee": str(report.fee),
            "net": str(report.net), "skipped": len(report.skipped)}
