"""Starting, resuming and reissuing ЕПД runs (agent side). The work itself is in ``documents.tasks``, sent by
name through ``documents.runs``."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.documents import assembly, runs
from agency.documents.models import Epd, EpdRun, RunStatus
from billing_core.error_codes import ErrorCode
from billing_core.periods import require_month_start
from tenants.registry.models import UnifiedAccount


@transaction.atomic
def epd_run_start(*, month: date, user=None, include_unposted: bool = False) -> EpdRun:
    """Create a run for ``month`` and queue its coordinator once the run row is committed.

    ``include_unposted`` also issues principals whose period is calculated but not posted
    (see ``documents.assembly``); by default only posted periods are issued.
    """
    require_month_start(month)
    run = EpdRun.objects.create(month=month, created_by=user, include_unposted=include_unposted)
    runs.step_on_commit(runs.ADVANCE, run.pk)
    return run


@transaction.atomic
def epd_run_resume(*, run_id: int) -> EpdRun:
    """Run again whatever the run's phase lost (a crashed worker, a failed step); done work is skipped."""
    run = EpdRun.objects.get(pk=run_id)
    runs.step_on_commit(runs.ADVANCE, run.pk, True)
    return run


def _target(*, epd_id: int | None, els: str | None, month: date | None) -> tuple[UnifiedAccount, date]:
    if epd_id is not None:
        epd = Epd.objects.select_related("unified_account").filter(pk=epd_id).first()
        if epd is None:
            raise ValidationError({"epd_id": ValidationError(_("Документ не найден."), code=ErrorCode.EPD_NOT_FOUND)})
        return epd.unified_account, epd.month
    if not els or month is None:
        raise ValidationError({"els": ValidationError(_("Укажите документ или ЕЛС и месяц."),
                                                      code=ErrorCode.REQUIRED)})
    require_month_start(month)
    unified = UnifiedAccount.objects.filter(number=els).first()
    if unified is None:
        raise ValidationError({"els": ValidationError(_("ЕЛС %(els)s не найден.") % {"els": els},
                                                      code=ErrorCode.EPD_NOT_FOUND)})
    return unified, month


@transaction.atomic
def epd_reissue(
    *, epd_id: int | None = None, els: str | None = None, month: date | None = None, user=None,
    include_unposted: bool = False,
) -> tuple[EpdRun, Epd | None]:
    """Assemble one household's document again, now; a new version only if its content changed.

    Runs in this transaction (one ЕЛС is small): a run scoped to the ЕЛС gathers every principal,
    assembles, and queues the render of the current document if it has no PDF (a new version).
    Returns the run (its issues say what was left out) and the current document, if any.
    """
    unified, month = _target(epd_id=epd_id, els=els, month=month)
    run = EpdRun.objects.create(month=month, created_by=user, include_unposted=include_unposted,
                                unified_account=unified, status=RunStatus.GATHERING, started_at=timezone.now())
    principals = runs.run_principals(run)
    for principal in principals:
        assembly.gather_principal(run=run, principal=principal)
    run.status = RunStatus.ASSEMBLING
    run.principals_total = run.principals_done = len(principals)
    run.save()
    assembly.assemble(run=run, slices=1)
    assembly.staging_drop(run=run)
    run.refresh_from_db()
    run.status = RunStatus.RENDERING
    run.save()
    ids = list(runs.documents_to_render(run).values_list("pk", flat=True))
    if ids:
        runs.step_on_commit(runs.RENDER, run.pk, ids)
    else:
        runs.step_on_commit(runs.ADVANCE, run.pk)
    current = Epd.objects.filter(unified_account=unified, month=month, is_current=True).first()
    return run, current
