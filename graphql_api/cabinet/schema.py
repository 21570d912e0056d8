"""The residents' cabinet on the agent's host: their households' meters across principals, and readings."""

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from cabinet import services
from graphql_api.billing.mutations.readings import meter_field_renamed, zone_values
from graphql_api.billing.types import MeterReadingNode, ZoneValue
from graphql_api.cabinet.types import ResidentMeterNode
from graphql_api.core.errors import ApiError
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_authenticated
from graphql_api.identity.schema import _int_id


def require_resident(info):
    """A resident's own session on the agent's host; staff, keys and principals' hosts are refused."""
    actor = require_authenticated(info)
    if not actor.is_resident or actor.principal is not None or actor.api_key is not None:
        raise ApiError(ErrorCode.PERMISSION_DENIED, _("Доступно только жителям в личном кабинете."))
    return actor


class Queries(graphene.ObjectType):
    resident_meters = graphene.List(
        graphene.NonNull(ResidentMeterNode), required=True,
        description="Working meters of the resident's linked households, at every principal (residents).",
    )

    @staticmethod
    def resolve_resident_meters(root, info):
        actor = require_resident(info)
        return services.resident_meters(user=actor.user)  # ResidentMeter rows carry the type's fields


class ResidentReadingSubmit(BaseMutation):
    """Submit a reading for a meter of the resident's own household (residents); any other meter is not found."""

    readings = graphene.List(graphene.NonNull(MeterReadingNode), description="The month's readings, by zone.")

    class Arguments:
        principal_id = graphene.ID(required=True, description="From residentMeters.")
        meter_id = graphene.ID(required=True, description="From residentMeters.")
        values = graphene.List(graphene.NonNull(ZoneValue), required=True)
        reading_date = graphene.Date(required=True)

    @classmethod
    def perform(cls, root, info, principal_id, meter_id, values, reading_date):
        actor = require_resident(info)
        try:
            readings = services.resident_reading_submit(
                user=actor.user, principal_id=_int_id(principal_id), meter_id=_int_id(meter_id),
                values=zone_values(values), reading_date=reading_date,
            )
        except ValidationError as exc:
            raise meter_field_renamed(exc) from exc
        return cls(readings=readings)


class Mutations(graphene.ObjectType):
    resident_reading_submit = ResidentReadingSubmit.Field()
