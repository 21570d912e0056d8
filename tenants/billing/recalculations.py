"""Recalculations booked into the next open period, each with its reason (ПП 354: absence, poor quality;
or manual with a written basis). The amount comes from the corrected month's own charge."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing_core import recalculations as rules
from billing_core.error_codes import ErrorCode
from billing_core.money import to_money
from billing_core.periods import require_month_start
from tenants.billing.charge_run import month_bounds
from tenants.billing.models import (
    BillingPeriod,
    Charge,
    Meter,
    Occupancy,
    PeriodStatus,
    PersonalAccount,
    Recalculation,
    RecalculationReason,
    Service,
)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def booking_period(*, after: date) -> BillingPeriod:
    """The first period after ``after`` that is not posted (created when missing)."""
    month = _next_month(after)
    while BillingPeriod.objects.filter(month=month, status=PeriodStatus.POSTED).exists():
        month = _next_month(month)
    period, _created = BillingPeriod.objects.get_or_create(month=month)
    return period


def _charge_of(account: PersonalAccount, service: Service, month: date) -> Charge:
    charge = Charge.objects.filter(account=account, service=service, period__month=month).first()
    if charge is None:
        raise ValidationError({"corrected_month": ValidationError(
            _("За %(m)s по этой услуге ничего не начислено.") % {"m": month.strftime("%m.%Y")},
            code=ErrorCode.NOT_FOUND)})
    return charge


def _book(*, account, service, corrected_month, amount, reason, comment, user) -> Recalculation:
    require_month_start(corrected_month, field="corrected_month")
    return Recalculation.objects.create(
        period=booking_period(after=corrected_month), account=account, service=service,
        corrected_month=corrected_month, amount=amount, reason=reason, comment=comment[:500], created_by=user,
    )


@transaction.atomic
def recalculation_absence_create(
    *, account: PersonalAccount, service: Service, corrected_month: date, departure_date: date, return_date: date,
    application_date: date, absent_persons: int = 1, meter_installable: bool = False, user=None,
) -> Recalculation:
    charge = _charge_of(account, service, corrected_month)
    start, end, _days = month_bounds(corrected_month)
    occupancy = Occupancy.objects.filter(account=account, valid_from__lte=end).order_by("-valid_from").first()
    persons = (occupancy.living or occupancy.registered) if occupancy else 1
    result = rules.absence_recalculation(
        service=service.kind, charge=charge.amount, period_start=start, period_end=end,
        departure_date=departure_date, return_date=return_date, application_date=application_date,
        meter_installed=Meter.objects.filter(account=account, service=service, archived_at__isnull=True).exists(),
        meter_installable=meter_installable, persons=max(persons, 1), absent_persons=absent_persons,
    )
    return _book(account=account, service=service, corrected_month=corrected_month, amount=result.amount,
                 reason=RecalculationReason.TEMPORARY_ABSENCE, comment=str(result.reason_text), user=user)


@transaction.atomic
def recalculation_quality_create(
    *, account: PersonalAccount, service: Service, corrected_month: date, interruptions_hours: list, user=None,
) -> Recalculation:
    charge = _charge_of(account, service, corrected_month)
    result = rules.interruption_recalculation(service=service.kind, charge=charge.amount,
                                              interruptions_hours=interruptions_hours)
    return _book(account=account, service=service, corrected_month=corrected_month, amount=result.amount,
                 reason=RecalculationReason.POOR_QUALITY, comment=str(result.reason_text), user=user)


@transaction.atomic
def recalculation_temperature_create(
    *, account: PersonalAccount, service: Service, corrected_month: date, deviations: list,
    corner_room: bool = False, cold_region: bool = False, user=None,
) -> Recalculation:
    """Heating below the normative air temperature (ПП 354 прил.1 п.15); ``deviations`` are
    ``billing_core.recalculations.TemperatureDeviation`` (or dicts of its fields), hours of an interruption left
    out."""
    charge = _charge_of(account, service, corrected_month)
    result = rules.temperature_recalculation(
        service=service.kind, charge=charge.amount,
        deviations=[d if isinstance(d, rules.TemperatureDeviation) else rules.TemperatureDeviation(**d)
                    for d in deviations],
        corner_room=corner_room, cold_region=cold_region,
    )
    return _book(account=account, service=service, corrected_month=corrected_month, amount=result.amount,
                 reason=RecalculationReason.POOR_QUALITY, comment=str(result.reason_text), user=user)


@transaction.atomic
def recalculation_manual_create(
    *, account: PersonalAccount, service: Service, corrected_month: date, amount, comment: str, user=None,
) -> Recalculation:
    if not comment.strip():
        raise ValidationError({"comment": ValidationError(_("Укажите основание перерасчёта."),
                                                          code=ErrorCode.REQUIRED)})
    amount = to_money(amount)
    if amount == 0:
        raise ValidationError({"amount": ValidationError(_("Сумма перерасчёта не может быть нулевой."),
                                                         code=ErrorCode.INVALID)})
    return _book(account=account, service=service, corrected_month=corrected_month, amount=amount,
                 reason=RecalculationReason.MANUAL, comment=comment.strip(), user=user)
