"""Campaign services: create and change a campaign's rules, and request its run for a month.

A run is once per campaign and month (``CampaignRun``'s unique constraint): asking again for a month already run
returns the same run and queues it again — the job resumes it, skipping the principals already done and repairing
what the others miss (nothing is done twice: every act below is keyed by the run). The job is sent by its name
(``agentcollection.campaign_run``) once the request commits, from the public schema (runs live there).
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from agency.collection.models import Campaign, CampaignAction, CampaignRun, CampaignSchedule, RunStatus
from billing_core.error_codes import ErrorCode
from billing_core.service_kinds import ServiceKind
from tenants.collection.models import Stage
from tenants.enqueue import send_on_commit
from tenants.models import Principal

RUN_TASK = "agentcollection.campaign_run"

_SCALAR_FIELDS = ("name", "description", "min_debt", "min_months", "min_months_of_norm", "threshold_only",
                  "house_ids", "service_kinds", "stages", "exclude_kept_agreement", "actions", "amnesty_pay_by",
                  "schedule", "run_day", "active")


def _error(field: str, message, code: str = ErrorCode.INVALID) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _unknown(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    return sorted({str(v) for v in values} - allowed)


def _check_texts(campaign: Campaign, errors: dict) -> None:
    if not (campaign.name or "").strip():
        errors["name"] = ValidationError(_("Укажите название кампании."), code=ErrorCode.REQUIRED)
    if not campaign.actions:
        errors["actions"] = ValidationError(_("Выберите хотя бы одно действие."), code=ErrorCode.REQUIRED)
    for field, values, allowed, message in (
        ("actions", campaign.actions, CampaignAction.values, _("Неизвестные действия: %(v)s.")),
        ("serviceKinds", campaign.service_kinds, [k.value for k in ServiceKind], _("Неизвестные виды услуг: %(v)s.")),
        ("stages", campaign.stages, Stage.values, _("Неизвестные стадии: %(v)s.")),
    ):
        unknown = _unknown(values or [], allowed)
        if unknown:
            errors[field] = ValidationError(message % {"v": ", ".join(unknown)}, code=ErrorCode.INVALID)
    if len(set(campaign.actions or [])) != len(campaign.actions or []):
        errors.setdefault("actions", ValidationError(_("Действие указано дважды."), code=ErrorCode.DUPLICATE))


def _check_figures(campaign: Campaign, errors: dict) -> None:
    try:
        campaign.min_debt = Decimal(str(campaign.min_debt if campaign.min_debt is not None else "0")).quantize(
            Decimal("0.01"))
    except InvalidOperation:
        errors["minDebt"] = ValidationError(_("Сумма долга указана неверно."), code=ErrorCode.INVALID)
    else:
        if campaign.min_debt < 0:
            errors["minDebt"] = ValidationError(_("Сумма долга не может быть отрицательной."), code=ErrorCode.INVALID)
    if campaign.min_months is None or not 0 <= int(campaign.min_months) <= 600:
        errors["minMonths"] = ValidationError(_("Число месяцев — от 0 до 600."), code=ErrorCode.INVALID)
    if campaign.min_months_of_norm is not None and Decimal(str(campaign.min_months_of_norm)) < 0:
        errors["minMonthsOfNorm"] = ValidationError(_("Число месячных начислений не может быть отрицательным."),
                                                    code=ErrorCode.INVALID)
    if any(not isinstance(h, int) or h <= 0 for h in campaign.house_ids or []):
        errors["houseIds"] = ValidationError(_("Дома указаны неверно."), code=ErrorCode.INVALID)


def _check_schedule(campaign: Campaign, errors: dict) -> None:
    if CampaignAction.AMNESTY in (campaign.actions or []) and not campaign.amnesty_pay_by:
        errors["amnestyPayBy"] = ValidationError(
            _("Для амнистии пеней укажите дату, до которой нужно оплатить основной долг."), code=ErrorCode.REQUIRED)
    if campaign.schedule not in CampaignSchedule.values:
        errors["schedule"] = ValidationError(_("Неизвестный порядок запуска."), code=ErrorCode.INVALID)
    elif campaign.schedule == CampaignSchedule.MONTHLY:
        if campaign.run_day is None:
            errors["runDay"] = ValidationError(_("Для ежемесячного запуска укажите день месяца."),
                                               code=ErrorCode.REQUIRED)
        elif not 1 <= int(campaign.run_day) <= 28:
            errors["runDay"] = ValidationError(_("День запуска — с 1 по 28 число."), code=ErrorCode.INVALID)
    elif campaign.run_day is not None and not 1 <= int(campaign.run_day) <= 28:
        errors["runDay"] = ValidationError(_("День запуска — с 1 по 28 число."), code=ErrorCode.INVALID)


def campaign_validate(campaign: Campaign) -> None:
    """Every fault of the campaign's rules at once, each under its (API) field name."""
    errors: dict[str, ValidationError] = {}
    _check_texts(campaign, errors)
    _check_figures(campaign, errors)
    _check_schedule(campaign, errors)
    if errors:
        raise ValidationError(errors)


def _principals_check(principal_ids: Iterable[int] | None) -> list[Principal]:
    ids = sorted(set(principal_ids or []))
    principals = list(Principal.objects.filter(pk__in=ids).exclude(schema_name=get_public_schema_name()))
    if len(principals) != len(ids):
        raise _error("principalIds", _("Принципал не найден."), ErrorCode.NOT_FOUND)
    return principals


@transaction.atomic
def campaign_create(*, user=None, principal_ids: Iterable[int] | None = None, **fields) -> Campaign:
    """A new campaign; ``fields`` are the model's rule fields (unknown ones are a programming error)."""
    unknown = set(fields) - set(_SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"unknown campaign fields: {sorted(unknown)}")
    campaign = Campaign(created_by=user if getattr(user, "pk", None) else None, **fields)
    campaign.name = (campaign.name or "").strip()
    campaign_validate(campaign)
    principals = _principals_check(principal_ids)
    campaign.save()
    campaign.principals.set(principals)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, principal_ids: Iterable[int] | None = None, **fields) -> Campaign:
    """Change the rules; ``principal_ids`` None leaves the principals, a list (maybe empty) replaces them."""
    unknown = set(fields) - set(_SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"unknown campaign fields: {sorted(unknown)}")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.name = (campaign.name or "").strip()
    campaign_validate(campaign)
    campaign.save()
    if principal_ids is not None:
        campaign.principals.set(_principals_check(principal_ids))
    return campaign


def _mark_failed(run_id: int):
    def mark(message: str) -> None:
        CampaignRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=message,
                                                     finished_at=timezone.now())
    return mark


STALE_AFTER = timedelta(hours=2)


def _stale(run: CampaignRun) -> bool:
    """A run left running by a worker that died (the broker redelivers a lost task; this is the fallback)."""
    return run.status == RunStatus.RUNNING and run.started_at is not None and \
        timezone.now() - run.started_at > STALE_AFTER


@transaction.atomic
def campaign_run_request(*, campaign: Campaign, month: date | None = None, user=None) -> CampaignRun:
    """The campaign's run for ``month`` (its first day; default: this month), queued for the job.

    Once per month: a second request returns the same run. A run still queued or running is left as it is; a done
    or failed one is queued again and the job resumes it (what was done stays done, what is missing is done now).
    """
    if not campaign.active:
        raise _error("campaign", _("Кампания не действует."), ErrorCode.COLLECTION_STATE)
    month = (month or timezone.localdate()).replace(day=1)
    try:
        with transaction.atomic():
            run, created = CampaignRun.objects.get_or_create(
                campaign=campaign, month=month,
                defaults={"created_by": user if getattr(user, "pk", None) else None})
    except IntegrityError:  # a concurrent request made it first
        run, created = CampaignRun.objects.get(campaign=campaign, month=month), False
    run = CampaignRun.objects.select_for_update().get(pk=run.pk)
    if not created and run.status in (RunStatus.QUEUED, RunStatus.RUNNING) and not _stale(run):
        return run
    if not created:
        run.status, run.error, run.finished_at = RunStatus.QUEUED, "", None
        run.save(update_fields=["status", "error", "finished_at"])
    send_on_commit(RUN_TASK, run.pk, schema=get_public_schema_name(), on_failure=_mark_failed(run.pk))
    return run


def epd_warnings_delivered(*, month: date, delivered_on: date, principal_ids: Iterable[int] | None = None,
                           today: date | None = None) -> list[tuple[Principal, int]]:
    """The month's ЕПД (with their printed п.119 «а» warnings) were delivered on ``delivered_on``: in each
    principal's schema (these, or every active one) the month's ЕПД warnings not yet delivered are marked delivered
    that day, so the 20-day term runs from it (``warnings_delivered_bulk``, one statement a schema). Answers
    ``[(principal, warnings marked)]``; a principal named but missing or inactive is refused on ``principalIds``.
    Runs in the caller's transaction: all principals or none."""
    from django_tenants.utils import tenant_context

    from tenants.collection.models import WarningChannel
    from tenants.collection.services import warnings_delivered_bulk

    today = today or timezone.localdate()
    month = month.replace(day=1)
    if delivered_on < month:
        raise _error("deliveredOn", _("ЕПД за месяц не может быть доставлен раньше начала месяца."))
    if delivered_on > today:
        raise _error("deliveredOn", _("Дата доставки ещё не наступила."))
    if not principal_ids:  # none named: every active principal
        principals = list(Principal.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())
                          .order_by("schema_name"))
    else:
        principals = [p for p in _principals_check(principal_ids) if p.is_active]
        if len(principals) != len(set(principal_ids)):
            raise _error("principalIds", _("Принципал не действует."), ErrorCode.COLLECTION_STATE)
        principals.sort(key=lambda p: p.schema_name)
    marked = []
    with transaction.atomic():
        for principal in principals:
            with tenant_context(principal):
                marked.append((principal, warnings_delivered_bulk(month=month, channel=WarningChannel.EPD,
                                                                  delivered_on=delivered_on)))
    return marked
