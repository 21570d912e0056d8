"""Requesting a report and building it: the job row names the principal, and the build reads only that
principal's schema, whatever schema the worker happens to be in."""

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, tenant_context

from agency.documents import storage
from agency.reports.builders import BUILDERS, NEEDS_MONTH, report_xlsx
from agency.reports.models import ReportDelivery, ReportJob, ReportKind, ReportStatus
from billing_core.error_codes import ErrorCode
from tenants.enqueue import send_on_commit

log = logging.getLogger(__name__)
SEARCH_MAX = 200
XLSX = storage.content_type_for("x.xlsx")


@transaction.atomic
def report_request(*, principal, user=None, api_key=None, kind: str, month: date | None = None,
                   delivery: str = ReportDelivery.DOWNLOAD, search: str | None = None,
                   house_id: int | None = None, has_debt: bool | None = None) -> ReportJob:
    """Record the job and queue its build once committed.

    ``search``, ``house_id`` and ``has_debt`` narrow an ACCOUNTS report as they narrow the accounts query;
    the build runs in the principal's schema, so a house with none of its accounts gives an empty report.
    """
    kind = ReportKind(kind)
    delivery = ReportDelivery(delivery)
    errors = {}
    if kind in NEEDS_MONTH and month is None:
        errors["month"] = ValidationError(_("Укажите месяц отчёта."), code=ErrorCode.REQUIRED)
    if delivery == ReportDelivery.EMAIL and (user is None or not user.email):
        errors["delivery"] = ValidationError(_("Отправить по e-mail можно только пользователю с адресом."),
                                             code=ErrorCode.INVALID)
    if search and len(search) > SEARCH_MAX:
        errors["search"] = ValidationError(_("Слишком длинная строка поиска."), code=ErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)
    params = {}
    if month is not None:
        params["month"] = month.replace(day=1).isoformat()
    if kind == ReportKind.ACCOUNTS:
        if search:
            params["search"] = search.strip()
        if house_id is not None:
            params["house_id"] = int(house_id)
        if has_debt is not None:
            params["has_debt"] = bool(has_debt)
    job = ReportJob.objects.create(principal=principal, requested_by=user, requested_by_key=api_key,
                                   kind=kind.value, params=params, delivery=delivery.value)
    _build_on_commit(job.pk)
    return job


def _build_on_commit(job_id: int) -> None:
    # from public: the task finds its schema in the job row, not in where it was sent from
    send_on_commit("reports.build", job_id, schema=get_public_schema_name(),
                   on_failure=lambda message: report_queue_failed(job_id=job_id, message=message))


def report_queue_failed(*, job_id: int, message: str) -> None:
    """A build the broker refused: the job is failed with the reason, as the user's list shows it."""
    ReportJob.objects.filter(pk=job_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.FAILED, error=message, finished_at=timezone.now())


def filename_for(job: ReportJob) -> str:
    label = ReportKind(job.kind).label
    month = job.params.get("month")
    stamp = month[:7] if month else f"{timezone.localdate():%Y-%m-%d}"
    return f"{label} {stamp}.xlsx"


def report_build(job_id: int) -> str:
    """Build the job's file; a failed job is left as it is, a done one only gets a mail still owed. Returns the
    final status."""
    with transaction.atomic():
        job = (ReportJob.objects.select_for_update(of=("self",)).select_related("principal", "requested_by")
               .filter(pk=job_id).first())
        if job is None:
            return "missing"
        if job.status == ReportStatus.FAILED:
            return job.status
        done = job.status == ReportStatus.DONE
        if not done:
            job.status = ReportStatus.RUNNING
            job.started_at = timezone.now()
            job.save(update_fields=["status", "started_at"])
    if done:  # a redelivered task: the file is stored; only a mail that did not go out is still owed
        _email_once(job.pk)
        return ReportStatus.DONE
    try:
        if job.principal is None:
            raise ValueError(_("Отчёт без принципала не поддерживается."))
        params = dict(job.params)
        if "month" in params:
            params["month"] = date.fromisoformat(params["month"])
        with tenant_context(job.principal):
            data, rows = report_xlsx(BUILDERS[ReportKind(job.kind)](**params))
        key = storage.new_key("reports", ext="xlsx")
        storage.put(key, data, XLSX)
    except Exception as exc:
        log.exception("report job %s failed", job_id)
        ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.FAILED, error=str(exc)[:2000],
                                                   finished_at=timezone.now())
        return ReportStatus.FAILED
    job.storage_key, job.filename, job.rows = key, filename_for(job), rows
    job.status, job.finished_at = ReportStatus.DONE, timezone.now()
    job.save(update_fields=["storage_key", "filename", "rows", "status", "finished_at"])
    _email_once(job.pk, data)
    return job.status


def _email_once(job_id: int, data: bytes | None = None) -> None:
    """Mail a done EMAIL job's file to its requester once: the row lock and ``emailed_at`` make a redelivered or
    concurrent task send nothing more; a task that died between saving the file and mailing it sends it now."""
    with transaction.atomic():
        job = (ReportJob.objects.select_for_update(of=("self",)).select_related("requested_by")
               .filter(pk=job_id).first())
        if job is None or job.delivery != ReportDelivery.EMAIL or job.emailed_at is not None:
            return
        _email(job, storage.get(job.storage_key) if data is None else data)


def _email(job: ReportJob, data: bytes) -> None:
    user = job.requested_by
    if user is None or not user.email:
        return
    message = EmailMessage(
        subject=_("Отчёт «%(name)s» готов") % {"name": ReportKind(job.kind).label},
        body="\n\n".join([_("Здравствуйте!"),
                          _("Во вложении — отчёт «%(name)s», строк: %(rows)s.")
                          % {"name": ReportKind(job.kind).label, "rows": job.rows}]),
        to=[user.email], headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach(job.filename, data, XLSX)
    try:
        message.send()
    except OSError as exc:  # the file is stored and can still be downloaded: record why the mail did not go
        ReportJob.objects.filter(pk=job.pk).update(error=_("Письмо не отправлено: %(reason)s") % {"reason": exc})
        return
    job.emailed_at = timezone.now()
    job.save(update_fields=["emailed_at"])


def report_download_url(job: ReportJob) -> str | None:
    if job.status != ReportStatus.DONE or not job.storage_key:
        return None
    return storage.download_url(job.storage_key, job.filename)
