import graphene

from agency.identity.permissions import Perm
from graphql_api.billing.types import BillingPeriodNode
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from tenants.billing import services


class ChargeRun(BaseMutation):
    """Queue the month's charge run (charges.run); the period comes back RUNNING and turns CALCULATED or FAILED."""

    period = graphene.Field(BillingPeriodNode)

    class Arguments:
        month = graphene.Date(required=True, description="First day of the month.")

    @classmethod
    def perform(cls, root, info, month):
        require_principal_perm(info, Perm.CHARGES_RUN)
        return cls(period=services.charge_run_enqueue(month=month))


class PeriodPost(BaseMutation):
    """Post a calculated period (charges.run): its charges never change afterwards."""

    period = graphene.Field(BillingPeriodNode)

    class Arguments:
        month = graphene.Date(required=True, description="First day of the month.")

    @classmethod
    def perform(cls, root, info, month):
        require_principal_perm(info, Perm.CHARGES_RUN)
        return cls(period=services.period_post(month=month))
