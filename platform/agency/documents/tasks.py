"""The ЕПД run as Celery work: a coordinator that re-enqueues itself, and the steps it sends.

The coordinator's logic (which phase a run is in, what to send next) is ``documents.runs``; these tasks
call it and do the steps. Every step is safe to run twice (staging replaced per principal, documents
guarded by their content hash, only documents without a PDF rendered, deliveries unique per document and
user), so a crash anywhere is repaired by running the same run again (``epd_run_resume``): what was done is
skipped, what was lost is redone, and the documents come out the same.

Tasks are sent from the public schema (the documents live there); they read principals'
schemas by qualified names.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

# delivery_tasks: imported to register its tasks (autodiscovery imports the modules named tasks only)
from agency.documents import assembly, delivery_tasks, runs  # noqa: F401
from agency.documents.models import Epd, EpdRun, RunStatus
from tenants.models import Principal

log = logging.getLogger(__name__)

ERROR_LIMIT = 2000


def _fail(run_id: int, exc: BaseException) -> None:
    EpdRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT])


@shared_task(name=runs.ADVANCE, acks_late=True)
def epd_run_advance_task(run_id: int, kick: bool = False) -> str:
    status = runs.advance(run_id, kick=kick, wait=kick)
    if status == runs.BUSY:  # what it would have seen may be committed after the holder looked: look again
        runs.step_on_commit(runs.ADVANCE, run_id, kick, countdown=runs.BUSY_RETRY_SECONDS)
    return status


@shared_task(name=runs.GATHER, acks_late=True)
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
        runs.step_on_commit(runs.ADVANCE, run_id)
    return {"principal": principal.schema_name, "blocks": result.blocks, "issues": result.issues}


@shared_task(name=runs.ASSEMBLE, acks_late=True)
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
        runs.step_on_commit(runs.ADVANCE, run_id)
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


@shared_task(name=runs.RENDER, acks_late=True)
def epd_render_task(run_id: int, epd_ids: list[int]) -> int:
    try:
        stored = render_documents(epd_ids)
        EpdRun.objects.filter(pk=run_id).update(documents_rendered=F("documents_rendered") + stored)
    except Exception as exc:
        log.exception("ЕПД render failed: run %s", run_id)
        _fail(run_id, exc)
        raise
    with transaction.atomic():
        runs.step_on_commit(runs.ADVANCE, run_id)
    return stored
