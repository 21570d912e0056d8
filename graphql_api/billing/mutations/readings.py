import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.billing.types import MeterReadingNode, ZoneValue
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from graphql_api.identity.schema import _int_id
from tenants.billing.models import Meter, ReadingSource
from tenants.billing.readings import reading_submit


def zone_values(values) -> dict:
    """The input list as {zone: value}; a zone given twice is refused rather than silently dropped."""
    result = {}
    for item in values:
        if item.zone in result:
            raise ValidationError({"values": ValidationError(
                _("Зона %(zone)s указана дважды.") % {"zone": item.zone}, code=ErrorCode.INVALID)})
        result[item.zone] = item.value
    if not result:
        raise ValidationError({"values": ValidationError(_("Укажите показания."), code=ErrorCode.REQUIRED)})
    return result


def meter_field_renamed(exc: ValidationError) -> ValidationError:
    """The services name the meter ``meter``; the API's argument is ``meterId``."""
    if not hasattr(exc, "error_dict") or "meter" not in exc.error_dict:
        return exc
    return ValidationError({("meter_id" if f == "meter" else f): errs for f, errs in exc.error_dict.items()})


class ReadingSubmit(BaseMutation):
    """Accept one meter's reading, every zone at once (readings.manage). Resubmitting within the month replaces it."""

    readings = graphene.List(graphene.NonNull(MeterReadingNode), description="The month's readings, by zone.")

    class Arguments:
        meter_id = graphene.ID(required=True)
        values = graphene.List(graphene.NonNull(ZoneValue), required=True)
        reading_date = graphene.Date(required=True)
        rollover_zones = graphene.List(
            graphene.NonNull(graphene.Int), default_value=[],
            description="Zones whose counter passed its maximum and started again from zero.",
        )

    @classmethod
    def perform(cls, root, info, meter_id, values, reading_date, rollover_zones):
        actor, _principal = require_principal_perm(info, Perm.READINGS_MANAGE)
        meter = Meter.objects.filter(pk=_int_id(meter_id)).first()
        if meter is None:
            raise ValidationError({"meter_id": ValidationError(_("Прибор учёта не найден."),
                                                               code=ErrorCode.NOT_FOUND)})
        source = ReadingSource.API if actor.api_key is not None else ReadingSource.PORTAL
        try:
            readings = reading_submit(meter=meter, values=zone_values(values), reading_date=reading_date,
                                      source=source.value, rollover_zones=rollover_zones)
        except ValidationError as exc:
            raise meter_field_renamed(exc) from exc
        return cls(readings=readings)
