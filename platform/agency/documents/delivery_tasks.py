"""Celery tasks for ЕПД e-mail delivery: one task per delivery, and one that enqueues a run's.

Queue them after the rows are committed (``transaction.on_commit``): a worker reads only committed
rows. Both tasks take ids and are safe to run twice: a delivery already sent is skipped.
"""

import random

from celery import shared_task
from django.conf import settings

from agency.documents.delivery import Outcome, delivery_attempt, delivery_ids_to_send, delivery_send_on_commit


def retry_delay(attempts: int) -> float:
    """Exponential backoff from ``EPD_DELIVERY_RETRY_SECONDS`` (1 min), capped at an hour, with jitter
    so a mail server coming back is not hit by every retry at once."""
    base = float(getattr(settings, "EPD_DELIVERY_RETRY_SECONDS", 60))
    delay = min(base * 2 ** max(attempts - 1, 0), 3600.0)
    return delay * random.uniform(0.8, 1.2)


@shared_task(bind=True, name="documents.delivery_send", max_retries=None, acks_late=True)
def delivery_send_task(self, delivery_id: int) -> str:
    """Send one delivery; retry transient failures. The row's ``attempts`` bounds the retries, so
    re-enqueueing cannot exceed ``EPD_DELIVERY_MAX_ATTEMPTS`` either."""
    attempt = delivery_attempt(delivery_id)
    if attempt.outcome is Outcome.RETRY:
        raise self.retry(countdown=retry_delay(attempt.attempts))
    return attempt.outcome.value


@shared_task(name="documents.deliveries_enqueue")
def deliveries_enqueue_task(run_id: int, include_failed: bool = False) -> int:
    """Queue a send for each of the run's deliveries still pending (and failed ones with attempts left,
    if asked). Returns how many were queued."""
    ids = delivery_ids_to_send(run_id, include_failed=include_failed)
    for delivery_id in ids:
        delivery_send_on_commit(delivery_id)
    return len(ids)
