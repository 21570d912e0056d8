"""Celery tasks of appeals: tell a resident about a staff answer. Takes an id; running it twice sends once."""

from celery import shared_task

from agency.appeals.services import appeal_answer_notify


@shared_task(name="appeals.answer_notify", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def appeal_answer_notify_task(message_id: int) -> bool:
    return appeal_answer_notify(message_id)
