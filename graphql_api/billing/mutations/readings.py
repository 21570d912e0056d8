import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from graphql_api.core.readings import MeterReadingNode, ZoneValue, meter_field_renamed, zone_values
from tenants.billing.models import Meter, ReadingSource
from tenants.billing.readings import reading_submit


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
        meter = Meter.objects.filter(pk=int_id(meter_id)).first()
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
