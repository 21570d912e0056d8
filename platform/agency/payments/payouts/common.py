"""What the payout steps share: the date format of bank documents, a field's error, a payout's period, and the
agency contract in force on a day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q

from agency.payments.models import Payout
from billing_core.error_codes import ErrorCode
from tenants.models import AgencyContract

DATE = "%d.%m.%Y"


def error(field_name: str, message, code: ErrorCode, **params) -> ValidationError:
    text = message % params if params else message
    return ValidationError({field_name: ValidationError(text, code=code)})


def ids_text(ids: Iterable[int]) -> str:
    return ", ".join(map(str, ids))


def covered_period(p: Payout) -> str:
    """The allocation days a payout covers, as a bank document writes them."""
    if p.covers_from == p.covers_to:
        return p.covers_from.strftime(DATE)
    return f"{p.covers_from.strftime(DATE)}–{p.covers_to.strftime(DATE)}"


def contracts_in_force(principal_ids: Iterable[int], day: date) -> dict[int, AgencyContract]:
    """Each principal's agency contract valid on ``day`` (at most one: the database forbids overlaps); one query."""
    rows = AgencyContract.objects.filter(principal_id__in=list(principal_ids), valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return {c.principal_id: c for c in rows}
