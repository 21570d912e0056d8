"""Charge runs as Celery work: one task per principal, sent from (and so run in) its schema."""

import logging
from datetime import date

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import connection

from tenants.billing.charge_run import charge_run
from tenants.billing.models import BillingPeriod, PeriodStatus

log = logging.getLogger(__name__)


@shared_task(name="billing.charge_run", acks_late=True)
def charge_run_task(month: str) -> dict:
    """Run (or rerun) a principal's draft for ``month`` (ISO date). Safe to run twice.

    The run is one transaction, so a worker killed mid-way leaves the previous state and
    the redelivered task (acks_late) computes it again; a posted period is left alone.
    """
    day = date.fromisoformat(month)
    try:
        period = charge_run(month=day)
    except ValidationError as refused:  # e.g. already posted: nothing to record, nothing changed
        return {"schema": connection.schema_name, "month": month, "refused": refused.messages}
    except Exception as exc:
        BillingPeriod.objects.update_or_create(
            month=day, defaults={"status": PeriodStatus.FAILED, "error": str(exc)[:2000]}
        )
        log.exception("charge run failed in %s for %s", connection.schema_name, month)
        raise
    return {"schema": connection.schema_name, "month": month, "lines": period.charge_lines,
            "status": period.status}
