"""Agent-side control of charge runs across principals: start them all, watch them all."""

from datetime import date

from django.db import transaction
from django_tenants.utils import schema_context

from billing_core.periods import require_month_start
from tenants.billing.tasks import charge_run_task
from tenants.schemas import across_schemas, active_principals


def _principal_schemas() -> list[str]:
    return list(active_principals().values_list("schema_name", flat=True))


def charge_run_all(*, month: date) -> list[str]:
    """Queue one charge-run task per active principal, each sent from (and so run in) its schema.

    Queued after the caller's transaction commits. Running it twice queues the runs again,
    which is harmless: each run replaces its draft, and a posted period refuses.
    """
    require_month_start(month)
    schemas = _principal_schemas()

    def send() -> None:
        for schema in schemas:
            with schema_context(schema):
                charge_run_task.delay(month.isoformat())

    transaction.on_commit(send)
    return schemas


def charge_run_progress(*, month: date) -> list[dict]:
    """Each principal's period status for ``month``, in one query across their schemas."""
    rows = across_schemas(
        _principal_schemas(),
        "p.status, p.charge_lines FROM (SELECT 1) one "
        "LEFT JOIN {schema}.billing_billingperiod p ON p.month = %s",
        [month],
    )
    return [{"schema": s, "status": status or "open", "charge_lines": lines or 0} for s, status, lines in rows]
