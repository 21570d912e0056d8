"""The ЕПД run's coordinator: look at a run under its row lock and move it on, queueing the steps it needs.

``advance`` is the only place a run changes phase; it holds the run's row lock while it looks, so any number
of copies (one after each finished step, one from a manual resume) agree. A copy that finds the row locked (a
gather holds it FOR SHARE while it writes, so the move to assembling waits for every gather in flight) does not
wait: it looks again a moment later.

    pending → gathering: one ``epd_gather`` per principal not yet gathered
    gathering → assembling, once every principal is gathered: the ЕЛС are split into slices
        (``EPD_ASSEMBLY_SLICES``, one per worker) and one ``epd_assemble`` per slice is queued
    assembling → rendering, once every slice is written: ``epd_render`` for chunks of the
        month's current documents that have no PDF yet
    rendering → delivering → done, once no document lacks its PDF: deliveries are created
        (``documents.delivery``) and one send task per delivery is queued

Steps are queued by their task names (``tenants.enqueue.send_on_commit``), from the public schema (the
documents live there); the tasks themselves are in ``documents.tasks``, which this module never imports.
"""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from agency.documents import assembly
from agency.documents.delivery import deliveries_create, delivery_ids_to_send, delivery_send_on_commit
from agency.documents.models import Epd, EpdAssemblySlice, EpdGathered, EpdRun, RunStatus
from tenants.enqueue import send_on_commit
from tenants.models import Principal
from tenants.schemas import active_principals

# the run's steps, by task name
ADVANCE = "documents.epd_run_advance"
GATHER = "documents.epd_gather"
ASSEMBLE = "documents.epd_assemble"
RENDER = "documents.epd_render"

RENDER_CHUNK = 50  # documents per render task
ASSEMBLY_SLICES_DEFAULT = 2  # parallel assembly tasks a run; set EPD_ASSEMBLY_SLICES to the worker count
BUSY = "busy"
BUSY_RETRY_SECONDS = 2


def step_on_commit(task_name: str, run_id: int, *args, countdown: float | None = None) -> None:
    """Queue a step of run ``run_id`` after commit, from the public schema (tenant-schemas-celery runs it where
    it was sent from). A step the broker refuses fails the run with the reason; resuming it sends it again."""
    send_on_commit(task_name, run_id, *args, schema=get_public_schema_name(), countdown=countdown,
                   on_failure=lambda message: run_queue_failed(run_id, message))


def run_queue_failed(run_id: int, message: str) -> None:
    EpdRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(status=RunStatus.FAILED, error=message)


def run_principals(run: EpdRun) -> list[Principal]:
    return list(active_principals())


def documents_to_render(run: EpdRun):
    """Current documents of the run's month (its ЕЛС for a reissue) that have no PDF yet."""
    docs = Epd.objects.filter(month=run.month, is_current=True, pdf_key="")
    if run.unified_account_id:
        docs = docs.filter(unified_account_id=run.unified_account_id)
    return docs


def _render_dispatch(run: EpdRun) -> int:
    ids = list(documents_to_render(run).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), RENDER_CHUNK):
        step_on_commit(RENDER, run.pk, ids[start : start + RENDER_CHUNK])
    return len(ids)


def _deliver(run: EpdRun) -> int:
    deliveries_create(run)
    ids = delivery_ids_to_send(run)
    for delivery_id in ids:
        delivery_send_on_commit(delivery_id)
    return len(ids)


def _rendered_count(run: EpdRun) -> int:
    docs = Epd.objects.filter(month=run.month, is_current=True).exclude(pdf_key="")
    if run.unified_account_id:
        docs = docs.filter(unified_account_id=run.unified_account_id)
    return docs.count()


def _slices_dispatch(run: EpdRun) -> int:
    pending = [p.index for p in EpdAssemblySlice.objects.filter(run=run).order_by("index") if not p.done]
    for index in pending:
        step_on_commit(ASSEMBLE, run.pk, index)
    return len(pending)


# --- the phases: each looks at the run only in its own phase and returns whether the next one kicks -----


def _started(run: EpdRun, kick: bool) -> bool:
    if run.status == RunStatus.FAILED:  # only when kicked: a failed run is otherwise left alone
        # Every step is idempotent: start over and let the guards skip what is done.
        run.status, run.error = RunStatus.GATHERING, ""
        EpdGathered.objects.filter(run_id=run.pk).delete()
        EpdAssemblySlice.objects.filter(run=run).delete()
    if run.status == RunStatus.PENDING:
        run.status, run.started_at = RunStatus.GATHERING, timezone.now()
        return True
    return kick


def _gathering(run: EpdRun, kick: bool) -> bool:
    if run.status != RunStatus.GATHERING:
        return kick
    principals = run_principals(run)
    gathered = set(EpdGathered.objects.filter(run_id=run.pk).values_list("principal_id", flat=True))
    missing = [p.pk for p in principals if p.pk not in gathered]
    run.principals_total = len(principals)
    run.principals_done = len(principals) - len(missing)
    if not missing:
        run.status = RunStatus.ASSEMBLING
        assembly.slices_plan(run=run, slices=getattr(settings, "EPD_ASSEMBLY_SLICES", ASSEMBLY_SLICES_DEFAULT))
        return True
    if kick:
        for principal_id in missing:
            step_on_commit(GATHER, run.pk, principal_id)
    return kick


def _assembling(run: EpdRun, kick: bool) -> bool:
    if run.status != RunStatus.ASSEMBLING:
        return kick
    slices = EpdAssemblySlice.objects.filter(run=run)
    if slices.exists() and all(p.done for p in slices):
        assembly.assembly_finish(run=run)
        assembly.staging_drop(run=run)
        run.refresh_from_db(fields=["documents_total", "documents_written", "issues_count"])
        run.status = RunStatus.RENDERING
        return True
    if kick:
        if not slices.exists():  # a reissue's run, or a lost plan
            assembly.slices_plan(run=run, slices=1)
        _slices_dispatch(run)
    return kick


def _rendering(run: EpdRun, kick: bool) -> bool:
    if run.status != RunStatus.RENDERING:
        return kick
    if documents_to_render(run).exists():  # epd_unrendered_idx: cheap after every render task
        if kick:
            _render_dispatch(run)
    else:
        run.documents_rendered = _rendered_count(run)
        run.status = RunStatus.DELIVERING
    return kick


def _delivering(run: EpdRun, kick: bool) -> bool:
    if run.status == RunStatus.DELIVERING:
        # Sends are queued, not awaited: each delivery keeps its own status, attempts and error.
        _deliver(run)
        run.status, run.finished_at = RunStatus.DONE, timezone.now()
    return kick


PHASES = (_started, _gathering, _assembling, _rendering, _delivering)  # in order: each sees what the last left


def advance(run_id: int, *, kick: bool = False, wait: bool = True) -> str:
    """Move the run on if its current phase is complete; with ``kick``, also resend the phase's lost work.

    With ``wait=False`` a run locked by someone else (a gather holding it FOR SHARE, another
    coordinator) is left alone and ``BUSY`` returned: the caller looks again later, and no
    worker sits blocked behind a long step.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = EpdRun.objects.select_for_update(nowait=not wait).get(pk=run_id)
        except OperationalError:
            return BUSY
        if run.status == RunStatus.DONE or (run.status == RunStatus.FAILED and not kick):
            return run.status
        for phase in PHASES:
            kick = phase(run, kick)
        run.save()
        return run.status
