"""Queue a Celery task once the current transaction commits, and survive a broker that refuses it.

Every place that starts background work goes through ``send_on_commit`` (by the task's name: the caller
imports no task module, so a service never imports the tasks that call it) or ``enqueue_on_commit``:

- the task is sent after the commit (a worker reads only committed rows; a rolled-back request queues
  nothing), from the schema given (tenant-schemas-celery runs it where it was sent from);
- when the broker refuses the message (down, unreachable, a missing queue folder, a full disk), the send
  does not raise out of the commit, where it would turn a request whose work is already committed into a
  500: it is logged, ``on_failure`` marks the job's own row failed with a message for people in Russian,
  and the failure is recorded for whoever collects them (``queue_failures_collected``: the GraphQL
  gateway adds it to the mutation's typed errors).

It lives in ``tenants`` so that both ``tenants.billing`` and the platform apps can use it (the layers go
billing_core ← tenants ← platform ← graphql_api).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from celery.exceptions import CeleryError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context
from kombu.exceptions import KombuError

from billing_core.error_codes import ErrorCode

log = logging.getLogger(__name__)

QUEUE_UNAVAILABLE = ErrorCode.QUEUE_UNAVAILABLE
QUEUE_UNAVAILABLE_MESSAGE = _(
    "Не удалось поставить задание в очередь: служба фоновых задач недоступна. Попробуйте ещё раз позже."
)


def _broker_errors() -> tuple[type[BaseException], ...]:
    """What a refused publish raises: kombu wraps most transport errors in its OperationalError, but a socket
    or folder error can come through as OSError, and a Redis result backend subscribing to the task's result
    raises redis' own errors."""
    errors: list[type[BaseException]] = [KombuError, CeleryError, OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover — redis is in requirements
        pass
    else:
        errors.append(RedisError)
    try:
        from amqp.exceptions import AMQPError
    except ImportError:  # pragma: no cover — amqp comes with kombu
        pass
    else:
        errors.append(AMQPError)
    return tuple(errors)


BROKER_ERRORS = _broker_errors()


@dataclass(frozen=True)
class QueueFailure:
    task: str
    message: str  # for people, in Russian
    tell_user: bool  # False: the caller's own work is done and the failure is only logged (a notification)


_failures: ContextVar[list[QueueFailure] | None] = ContextVar("queue_failures", default=None)


@contextmanager
def queue_failures_collected() -> Iterator[list[QueueFailure]]:
    """Collect the failures of the sends made within (commits included) into the yielded list."""
    failures: list[QueueFailure] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


def enqueue_on_commit(
    task,
    *args,
    schema: str | None = None,
    countdown: float | None = None,
    on_failure: Callable[[str], None] | None = None,
    tell_user: bool = True,
) -> None:
    """Send ``task(*args)`` once the current transaction commits (at once outside one).

    ``schema``: where the task is sent from, so where it runs (default: the current schema, as it is now).
    ``on_failure(message)``: called, in that schema, when the broker refuses; it marks the job's row failed
    with ``message`` (Russian). ``tell_user=False``: the failure is logged but not reported to the user
    (the user's own work is saved and a notification is all that was lost).
    """
    schema = schema or connection.schema_name
    countdown_options = {} if countdown is None else {"countdown": countdown}

    def send() -> None:
        with schema_context(schema):
            try:
                task.apply_async(args, **countdown_options)
            except BROKER_ERRORS as exc:
                _refused(task, args, schema, exc, on_failure, tell_user)

    transaction.on_commit(send)


def send_on_commit(
    task_name: str,
    *args,
    schema: str | None,
    countdown: float | None = None,
    on_failure: Callable[[str], None] | None = None,
    tell_user: bool = True,
) -> None:
    """Send the task registered as ``task_name`` with ``args`` once the current transaction commits.

    The task is found by its name in the Celery app's registry, and sent with ``enqueue_on_commit`` (see
    there for ``schema``, ``countdown``, ``on_failure`` and ``tell_user``). ``schema`` is always stated:
    where a task is sent from is where it runs (None: the current schema).
    """
    enqueue_on_commit(task_named(task_name), *args, schema=schema, countdown=countdown, on_failure=on_failure,
                      tell_user=tell_user)


def task_named(task_name: str):
    """The registered task ``task_name``; an unknown name raises ``celery.exceptions.NotRegistered``.

    Task modules are imported when the app first needs them (a worker imports them at start; a web process
    when it first sends), so a name not registered yet has the app import its task modules once."""
    from celery import current_app

    tasks = current_app.tasks
    if task_name not in tasks:
        current_app.loader.import_default_modules()
    return tasks[task_name]


def _refused(task, args, schema: str, exc: BaseException, on_failure, tell_user: bool) -> None:
    name = getattr(task, "name", repr(task))
    log.error("the broker refused task %s%r from schema %s: %s: %s", name, tuple(args), schema,
              type(exc).__name__, exc, exc_info=exc)
    message = str(QUEUE_UNAVAILABLE_MESSAGE)
    if on_failure is not None:
        try:
            with transaction.atomic():
                on_failure(message)
        except Exception:  # the row stays as it was; the failure itself is logged above
            log.exception("could not mark the job of refused task %s as failed", name)
    failures = _failures.get()
    if failures is not None:
        failures.append(QueueFailure(task=name, message=message, tell_user=tell_user))
