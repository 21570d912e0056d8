"""Write-side operations on a principal's billing data: tariffs, queuing a charge run, posting a period.

Each runs in the current connection's schema (the host's principal) and in one transaction;
refusals are ``ValidationError({field: ValidationError(message, code=...)})`` with the codes of
``billing_core.error_codes.ErrorCode``.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.periods import require_month_start
from billing_core.tariffs import Tariff as TariffRule
from tenants.billing import charge_run as runs
from tenants.billing.models import BillingPeriod, PeriodStatus, Service, Tariff
from tenants.enqueue import send_on_commit

TARIFF_OVERLAP_CONSTRAINT = "tariff_no_overlap"
# billing_core's names for the components → the model's (and so the API's) field names
_RULE_FIELDS = {"rate": "rate", "cold_water_rate": "cold_component_rate", "heat_rate": "heat_rate",
                "heat_norm": "heat_norm"}


def _overlap_error(*, service: Service, valid_from: date, valid_to: date | None) -> ValidationError:
    clash = Tariff.objects.filter(service=service).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        clash = clash.filter(valid_from__lte=valid_to)
    clash = clash.order_by("valid_from").first()
    if clash is None:  # the other row was not yet committed when we looked (a concurrent create)
        return ValidationError(_("Период действия пересекается с другим тарифом услуги."),
                               code=ErrorCode.TARIFF_OVERLAP)
    params = {"start": f"{clash.valid_from:%d.%m.%Y}"}
    if clash.valid_to is None:
        message = _("Период действия пересекается с тарифом, действующим с %(start)s бессрочно.")
    else:
        message = _("Период действия пересекается с тарифом, действующим с %(start)s по %(end)s.")
        params["end"] = f"{clash.valid_to:%d.%m.%Y}"
    return ValidationError(message, code=ErrorCode.TARIFF_OVERLAP, params=params)


def _check_tariff_rule(*, service: Service, valid_from: date, valid_to: date | None, rate, cold_component_rate,
                       heat_rate, heat_norm) -> None:
    """The domain rule (billing_core.tariffs.Tariff), its errors pinned to the input fields."""
    try:
        TariffRule(kind=service.tariff_kind, valid_from=valid_from, valid_to=valid_to, rate=rate,
                   cold_water_rate=cold_component_rate, heat_rate=heat_rate, heat_norm=heat_norm)
    except ValidationError as exc:
        if exc.code == ErrorCode.DATE_RANGE:
            field = "valid_to"
        else:
            field = _RULE_FIELDS.get((exc.params or {}).get("name"), NON_FIELD_ERRORS)
        raise ValidationError({field: exc}) from exc


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


@transaction.atomic
def tariff_create(
    *, service: Service, valid_from: date, valid_to: date | None = None, rate: Decimal | None = None,
    cold_component_rate: Decimal | None = None, heat_rate: Decimal | None = None, heat_norm: Decimal | None = None,
) -> Tariff:
    """Add a dated tariff to ``service``; refuse one sharing a day with another (TARIFF_OVERLAP on valid_from).

    The overlap is found by ``full_clean`` (the model's exclusion constraint, validated in Python)
    before any write; the database constraint remains the last word against a concurrent create.
    """
    _check_tariff_rule(service=service, valid_from=valid_from, valid_to=valid_to, rate=rate,
                       cold_component_rate=cold_component_rate, heat_rate=heat_rate, heat_norm=heat_norm)
    tariff = Tariff(
        service=service, valid_from=valid_from, valid_to=valid_to, rate=Decimal(0) if rate is None else rate,
        cold_component_rate=cold_component_rate, heat_rate=heat_rate, heat_norm=heat_norm,
    )
    try:
        tariff.full_clean()
    except ValidationError as exc:
        errors = exc.update_error_dict({})
        general = errors.pop(NON_FIELD_ERRORS, [])
        for error in general:
            if error.code == ErrorCode.TARIFF_OVERLAP:
                errors.setdefault("valid_from", []).append(
                    _overlap_error(service=service, valid_from=valid_from, valid_to=valid_to))
            else:
                errors.setdefault(NON_FIELD_ERRORS, []).append(error)
        raise ValidationError(errors) from exc
    try:
        with transaction.atomic():
            tariff.save()
    except IntegrityError as exc:
        if _constraint_name(exc) != TARIFF_OVERLAP_CONSTRAINT:
            raise
        raise ValidationError(
            {"valid_from": _overlap_error(service=service, valid_from=valid_from, valid_to=valid_to)}
        ) from exc
    tariff.refresh_from_db()  # the stored (rounded) values, as a later read shows them
    return tariff




@transaction.atomic
def charge_run_enqueue(*, month: date) -> BillingPeriod:
    """Mark ``month`` as being calculated and queue the charge run once this transaction commits.

    The task is sent from the current principal's schema, so the worker runs it there
    (tenant-schemas-celery). Queued after commit: a worker never sees the period before it
    exists, and a rolled-back request queues nothing. A posted period is refused at once.
    """
    require_month_start(month)
    BillingPeriod.objects.get_or_create(month=month)
    period = BillingPeriod.objects.select_for_update().get(month=month)
    if period.status == PeriodStatus.POSTED:
        raise ValidationError(
            {"month": ValidationError(_("Период проведён; исправления — перерасчётом."), code=ErrorCode.PERIOD_POSTED)}
        )
    period.status = PeriodStatus.RUNNING
    period.started_at = timezone.now()
    period.finished_at = None
    period.error = ""
    period.save(update_fields=["status", "started_at", "finished_at", "error"])

    send_on_commit("billing.charge_run", month.isoformat(), schema=connection.schema_name,
                   on_failure=lambda message: period_queue_failed(month=month, message=message))
    return period


def period_queue_failed(*, month: date, message: str) -> None:
    """A charge run the broker refused: the period shows it failed (and why), unless it is posted."""
    BillingPeriod.objects.get_or_create(month=month)
    BillingPeriod.objects.filter(month=month).exclude(status=PeriodStatus.POSTED).update(
        status=PeriodStatus.FAILED, error=message, finished_at=timezone.now())


@transaction.atomic
def period_post(*, month: date) -> BillingPeriod:
    """Post a calculated period: its charges and balances never change afterwards."""
    require_month_start(month)
    if not BillingPeriod.objects.filter(month=month).exists():
        raise ValidationError(
            {"month": ValidationError(_("Период ещё не рассчитан."), code=ErrorCode.PERIOD_NOT_CALCULATED)}
        )
    return runs.period_post(month=month)
