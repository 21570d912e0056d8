"""What a resident sees and submits, across the principals that serve their household."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from billing_core.error_codes import ErrorCode
from cabinet.models import ResidentLink
from tenants.billing.models import Meter
from tenants.billing.readings import reading_submit
from tenants.models import Principal, PrincipalKind


@dataclass(frozen=True)
class ResidentMeter:
    principal_id: int
    principal_name: str
    meter_id: int
    serial: str
    service_name: str
    zones: int
    account_number: str


def _linked_ids(user) -> list[int]:
    return list(ResidentLink.objects.filter(user=user).values_list("unified_account_id", flat=True))


def resident_meters(*, user) -> list[ResidentMeter]:
    """Every working meter of the resident's linked households, in one query across principals' schemas."""
    linked = _linked_ids(user)
    principals = list(Principal.objects.exclude(kind=PrincipalKind.AGENT).filter(is_active=True).order_by("pk"))
    if not linked or not principals:
        return []
    parts, params = [], []
    for p in principals:
        s = connection.ops.quote_name(p.schema_name)
        parts.append(
            f"SELECT %s, m.id, m.serial, sv.name, m.zones, a.number FROM {s}.billing_meter m "  # noqa: S608 - quoted
            f"JOIN {s}.billing_personalaccount a ON a.id = m.account_id "
            f"JOIN {s}.billing_service sv ON sv.id = m.service_id "
            "WHERE a.unified_account_id = ANY(%s) AND m.archived_at IS NULL"
        )
        params += [p.pk, linked]
    names = {p.pk: p.short_name for p in principals}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2", params)
        return [ResidentMeter(pid, names[pid], mid, serial, service, zones, number)
                for pid, mid, serial, service, zones, number in cursor.fetchall()]


def resident_reading_submit(*, user, principal_id: int, meter_id: int, values: dict[int, Decimal],
                            reading_date: date):
    """Submit a reading for one of the resident's own meters; any other meter is simply not found."""
    principal = Principal.objects.filter(pk=principal_id, is_active=True).exclude(kind=PrincipalKind.AGENT).first()
    linked = _linked_ids(user)
    not_found = ValidationError({"meter": ValidationError(_("Прибор учёта не найден."), code=ErrorCode.NOT_FOUND)})
    if principal is None or not linked:
        raise not_found
    with tenant_context(principal):
        meter = Meter.objects.filter(pk=meter_id, account__unified_account_id__in=linked).first()
        if meter is None:
            raise not_found
        return reading_submit(meter=meter, values=values, reading_date=reading_date, source="cabinet")
