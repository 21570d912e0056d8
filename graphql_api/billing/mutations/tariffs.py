import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.billing.types import TariffNode
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from tenants.billing import services
from tenants.billing.models import Service


def _service_of(service_id) -> Service:
    service = Service.objects.filter(pk=int_id(service_id)).first()
    if service is None:
        raise ValidationError({"service_id": ValidationError(_("Услуга не найдена."), code=ErrorCode.NOT_FOUND)})
    return service


class TariffCreate(BaseMutation):
    """Add a dated tariff to a service (settings.manage). Two-component hot water takes the three components."""

    tariff = graphene.Field(TariffNode)

    class Arguments:
        service_id = graphene.ID(required=True)
        valid_from = graphene.Date(required=True)
        valid_to = graphene.Date(description="Last day it applies (inclusive); omit for open-ended.")
        rate = graphene.Decimal(description="Required unless the service is two-component hot water.")
        cold_component_rate = graphene.Decimal()
        heat_rate = graphene.Decimal()
        heat_norm = graphene.Decimal()

    @classmethod
    def perform(cls, root, info, service_id, valid_from, valid_to=None, rate=None, cold_component_rate=None,
                heat_rate=None, heat_norm=None):
        require_principal_perm(info, Perm.SETTINGS_MANAGE)
        tariff = services.tariff_create(
            service=_service_of(service_id), valid_from=valid_from, valid_to=valid_to, rate=rate,
            cold_component_rate=cold_component_rate, heat_rate=heat_rate, heat_norm=heat_norm,
        )
        return cls(tariff=tariff)
