import graphene

from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_agent_staff
from tenants.billing import fanout


class ChargeRunAll(BaseMutation):
    """Queue the month's charge run in every active principal (agent staff); sent after the commit."""

    month = graphene.Date()
    queued = graphene.List(graphene.NonNull(graphene.String), description="Schemas a run was queued for.")

    class Arguments:
        month = graphene.Date(required=True, description="First day of the month.")

    @classmethod
    def perform(cls, root, info, month):
        require_agent_staff(info)
        return cls(month=month, queued=fanout.charge_run_all(month=month))
