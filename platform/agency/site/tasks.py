"""Platform-level periodic tasks."""

import logging

from celery import shared_task
from django.db import connection

log = logging.getLogger(__name__)


@shared_task(name="agentsite.tasks.heartbeat")
def heartbeat() -> str:
    """Beat's liveness signal: proves the worker, the broker and the database are reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    log.info("heartbeat ok")
    return "ok"
