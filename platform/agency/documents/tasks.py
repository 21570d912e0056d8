"""The ЕПД run as Celery work: a coordinator that re-enqueues itself, and the steps it sends.

``epd_run_advance`` is the only place a run changes phase; it holds the run's row lock while it
looks, so any number of copies (one after each finished step, one from a manual resume) agree.
A copy that finds the row locked (a gather holds it FOR SHARE while it writes, so the move to
assembling waits for every gather in flight) does not wait: it looks again a moment later.

    pending → gathering: one ``epd_gather`` per principal not yet gathered
    gathering → assembling, once every principal is gathered: the ЕЛС are split into slices
        (``EPD_ASSEMBLY_SLICES``, one per worker) and one ``epd_assemble`` per slice is queued
    assembling → rendering, once every slice is written: ``epd_render`` for chunks of the
        month's current documents that have no PDF yet
    rendering → delivering → done, once no document lacks its PDF: deliveries are created
        (``documents.delivery``) and one send task per delivery is queued

Every step is safe to run twice (staging replaced per principal, documents guarded by their
content hash, only documents without a PDF rendered, deliveries unique per document and user),
so a crash anywhere is repaired by running the same run again (``epd_run_resume``): what was
done is skipped, what was lost is redone, and the documents come out the same.

Tasks are sent from the public schema (the documents live there); they read principals'
schemas by qualified names.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

# delivery_tasks is used below, and importing it here also registers its tasks with the worker
from agency.documents import assembly, delivery_tasks
from agency.documents.models import Epd, EpdAssemblySlice, EpdGathered, EpdRun, RunStatus
from tenants.enqueue import enqueue_on_commit
from tenants.models import Principal
from tenants.schemas import active_principals

log = logging.getLogger(__name__)

RENDER_CHUNK = 50  # documents per render task
ASSEMBLY_SLICES_DEFAULT = 2  # parallel assembly tasks a run; set EPD_ASSEMBLY_SLICES to the worker count
ERROR_LIMIT = 2000


def send_on_commit(task, run_id: int, *args, countdown: float | None = None) -> None:
    """Queue a step of run ``run_id`` after commit, from the public schema (tenant-schemas-celery runs it where
    it was sent from). A step the broker refuses fails the run with the reason; resuming it sends it again."""
    enqueue_on_commit(task, run_id, *args, schema=get_public_schema_name(), countdown=countdown,
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
        send_on_commit(epd_render_task, run.pk, ids[start : start + RENDER_CHUNK])
    return len(ids)


def _deliver(run: EpdRun) -> int:
    from agency.documents.delivery import deliveries_create, delivery_ids_to_send

    deliveries_create(run)
    ids = delivery_ids_to_send(run)
    for delivery_id in ids:
        delivery_tasks.delivery_send_on_commit(delivery_id)
    return len(ids)


def _rendered_count(run: EpdRun) -> int:
    docs = Epd.objects.filter(month=run.month, is_current=True).exclude(pdf_key="")
    if run.unified_account_id:
        docs = docs.filter(unified_account_id=run.unified_account_id)
    return docs.count()


def _slices_dispatch(run: EpdRun) -> int:
    pending = [p.index for p in EpdAssemblySlice.objects.filter(run=run).order_by("index") if not p.done]
    for index in pending:
        send_on_commit(epd_assemble_task, run.pk, index)
    return len(pending)


BUSY = "busy"
BUSY_RETRY_SECONDS = 2


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
        if run.status == RunStatus.DONE:
            return run.status
        if run.status == RunStatus.FAILED:
            if not kick:
                return run.status
            # Every step is idempotent: start over and let the guards skip what is done.
            run.status, run.error = RunStatus.GATHERING, ""
            EpdGathered.objects.filter(run_id=run.pk).delete()
            EpdAssemblySlice.objects.filter(run=run).delete()
        if run.status == RunStatus.PENDING:
            run.status, run.started_at, kick = RunStatus.GATHERING, timezone.now(), True
        if run.status == RunStatus.GATHERING:
            principals = run_principals(run)
            gathered = set(EpdGathered.objects.filter(run_id=run.pk).values_list("principal_id", flat=True))
            missing = [p.pk for p in principals if p.pk not in gathered]
            run.principals_total = len(principals)
            run.principals_done = len(principals) - len(missing)
            if missing:
                if kick:
                    for principal_id in missing:
                        send_on_commit(epd_gather_task, run.pk, principal_id)
            else:
                run.status = RunStatus.ASSEMBLING
                slices = getattr(settings, "EPD_ASSEMBLY_SLICES", ASSEMBLY_SLICES_DEFAULT)
                assembly.slices_plan(run=run, slices=slices)
                kick = True
        if run.status == RunStatus.ASSEMBLING:
            if EpdAssemblySlice.objects.filter(run=run).exists() and all(
                p.done for p in EpdAssemblySlice.objects.filter(run=run)
            ):
                assembly.assembly_finish(run=run)
                assembly.staging_drop(run=run)
                run.refresh_from_db(fields=["documents_total", "documents_written", "issues_count"])
                run.status, kick = RunStatus.RENDERING, True
            elif kick:
                if not EpdAssemblySlice.objects.filter(run=run).exists():  # a reissue's run, or a lost plan
                    assembly.slices_plan(run=run, slices=1)
                _slices_dispatch(run)
        if run.status == RunStatus.RENDERING:
            if documents_to_render(run).exists():  # epd_unrendered_idx: cheap after every render task
                if kick:
                    _render_dispatch(run)
            else:
                run.documents_rendered = _rendered_count(run)
                run.status = RunStatus.DELIVERING
        if run.status == RunStatus.DELIVERING:
            # Sends are queued, not awaited: each delivery keeps its own status, attempts and error.
            _deliver(run)
            run.status, run.finished_at = RunStatus.DONE, timezone.now()
        run.save()
        return run.status


def _fail(run_id: int, exc: BaseException) -> None:
    EpdRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT])


@shared_task(name="documents.epd_run_advance", acks_late=True)
def epd_run_advance_task(run_id: int, kick: bool = False) -> str:
    status = advance(run_id, kick=kick, wait=kick)
    if status == BUSY:  # what it would have seen may be committed after the holder looked: look again
        send_on_commit(epd_run_advance_task, run_id, kick, countdown=BUSY_RETRY_SECONDS)
    return status


@shared_task(name="documents.epd_gather", acks_late=True)
def epd_gather_task(run_id: int, principal_id: int) -> dict:
    principal = Principal.objects.get(pk=principal_id)
    try:
        with transaction.atomic():
            # FOR SHARE: gathers run side by side, but the move to assembling waits for them, and a
            # late copy of this task (a redelivery) finds the run moved on and changes nothing.
            run = EpdRun.objects.raw("SELECT * FROM documents_epdrun WHERE id = %s FOR SHARE", [run_id])[0]
            if run.status != RunStatus.GATHERING:
                return {"skipped": run.status}
            result = assembly.gather_principal(run=run, principal=principal)
    except Exception as exc:
        log.exception("ЕПД gather failed: run %s, principal %s", run_id, principal.schema_name)
        _fail(run_id, exc)
        raise
    with transaction.atomic():
        send_on_commit(epd_run_advance_task, run_id)
    return {"principal": principal.schema_name, "blocks": result.blocks, "issues": result.issues}


@shared_task(name="documents.epd_assemble", acks_late=True)
def epd_assemble_task(run_id: int, index: int) -> dict:
    run = EpdRun.objects.get(pk=run_id)
    if run.status != RunStatus.ASSEMBLING:
        return {"skipped": run.status}
    try:
        result = assembly.assemble_slice(run=run, index=index)
    except Exception as exc:
        log.exception("ЕПД assembly failed: run %s, slice %s", run_id, index)
        _fail(run_id, exc)
        raise
    with transaction.atomic():
        send_on_commit(epd_run_advance_task, run_id)
    return {"slice": index, "written": result.written, "chunks": result.chunks}


def render_documents(ids: list[int]) -> int:
    """Render and store each listed document that still has no PDF; returns how many it stored."""
    from agency.documents import storage
    from agency.documents.render import render_epd

    stored = 0
    for epd_id in ids:
        content = Epd.objects.filter(pk=epd_id, pdf_key="").values_list("content", flat=True).first()
        if content is None:
            continue  # rendered meanwhile (a duplicate task), or gone
        pdf = render_epd(content)
        key = storage.new_key("epd")
        storage.put(key, pdf, "application/pdf")
        # Conditional: of two concurrent renders of one document, the first key stays.
        if Epd.objects.filter(pk=epd_id, pdf_key="").update(pdf_key=key, pdf_rendered_at=timezone.now()):
            stored += 1
        else:
            storage.delete(key)
    return stored


@shared_task(name="documents.epd_render", acks_late=True)
def epd_render_task(run_id: int, epd_ids: list[int]) -> int:
    try:
        stored = render_documents(epd_ids)
        EpdRun.objects.filter(pk=run_id).update(documents_rendered=F("documents_rendered") + stored)
    except Exception as exc:
        log.exception("ЕПД render failed: run %s", run_id)
        _fail(run_id, exc)
        raise
    with transaction.atomic():
        send_on_commit(epd_run_advance_task, run_id)
    return stored
