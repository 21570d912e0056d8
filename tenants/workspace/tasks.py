"""Background tasks that run inside a principal's schema (sent from it; tenant-schemas-celery)."""

from celery import shared_task
from django.db import connection

from tenants.workspace.models import WorkspaceSettings


@shared_task(name="workspace.settings_snapshot")
def settings_snapshot() -> dict:
    """Which schema the task ran in and that schema's payment due day: a tenant-routing probe."""
    return {"schema": connection.schema_name, "payment_due_day": WorkspaceSettings.current().payment_due_day}
