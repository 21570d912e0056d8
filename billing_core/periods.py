"""Billing periods are calendar months, named by their first day."""

from calendar import monthrange
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode


def require_month_start(month: date, *, field: str = "month") -> date:
    """Refuse any date but the first of a month, as a field error on ``field``."""
    if month.day != 1:
        raise ValidationError({field: ValidationError(_("Период — первое число месяца."), code=ErrorCode.INVALID)})
    return month


def month_bounds(month: date) -> tuple[date, date, int]:
    """The month's first day, last day and number of days."""
    days = monthrange(month.year, month.month)[1]
    return month, month.replace(day=days), days
