"""Agent-side control of charge runs across principals: start them all, watch them all."""

from datetime import date

from billing_core.periods import require_month_start
from tenants.billing.services import period_queue_failed
from tenants.enqueue import send_on_commit
from tenants.schemas import across_schemas, active_principals


def _principal_schemas() -> list[str]:
    return list(active_principals().values_list("schema_name", flat=True))


def charge_run_all(*, month: date) -> list[str]:
    """Queue one charge-run task per active principal, each sent from (and so run in) its schema.

    Queued after the caller's transaction commits. Running it twice queues the runs again,
    which is harmless: each run replaces its draft, and a posted period refuses. A run the broker
    refuses leaves its principal's period failed, with the reason (``period_queue_failed``).
    """
    require_month_start(month)
    schemas = _principal_schemas()
    for schema in schemas:
        send_on_commit("billing.charge_run", month.isoformat(), schema=schema,
                       on_failure=lambda message: period_queue_failed(month=month, message=message))
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
