"""What a resident sees and submits, across the principals that serve their household."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from billing_core.error_codes import ErrorCode
from cabinet.models import ResidentLink
from tenants.billing.models import Meter
from tenants.billing.readings import reading_submit
from tenants.schemas import across_schemas, active_principals


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
    if not linked:
        return []
    principals = {p.schema_name: p for p in active_principals()}
    rows = across_schemas(
        list(principals),
        "m.id, m.serial, sv.name, m.zones, a.number FROM {schema}.billing_meter m "
        "JOIN {schema}.billing_personalaccount a ON a.id = m.account_id "
        "JOIN {schema}.billing_service sv ON sv.id = m.service_id "
        "WHERE a.unified_account_id = ANY(%s) AND m.archived_at IS NULL",
        [linked],
    )
    meters = [ResidentMeter(principals[s].pk, principals[s].short_name, mid, serial, service, zones, number)
              for s, mid, serial, service, zones, number in rows]
    return sorted(meters, key=lambda m: (m.principal_id, m.meter_id))


def resident_reading_submit(*, user, principal_id: int, meter_id: int, values: dict[int, Decimal],
                            reading_date: date):
    """Submit a reading for one of the resident's own meters; any other meter is simply not found."""
    principal = active_principals().filter(pk=principal_id).first()
    linked = _linked_ids(user)
    not_found = ValidationError({"meter": ValidationError(_("Прибор учёта не найден."), code=ErrorCode.NOT_FOUND)})
    if principal is None or not linked:
        raise not_found
    with tenant_context(principal):
        meter = Meter.objects.filter(pk=meter_id, account__unified_account_id__in=linked).first()
        if meter is None:
            raise not_found
        return reading_submit(meter=meter, values=values, reading_date=reading_date, source="cabinet")
