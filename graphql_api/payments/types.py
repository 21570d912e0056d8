"""Online payment types for the residents' cabinet."""

import graphene

from payments.models import IntentStatus

OnlinePaymentStatusEnum = graphene.Enum(
    "OnlinePaymentStatus", [(c.name, c.value) for c in IntentStatus], description="Where a card payment stands.",
)


class OnlinePaymentNode(graphene.ObjectType):
    """A resident's card payment: asked, paid (confirmed by the gateway's webhook), refunded."""

    class Meta:
        name = "OnlinePayment"

    id = graphene.ID(required=True)
    els = graphene.String(required=True, description="The household's ЕЛС.")
    epd_ipd = graphene.String(description="The document it pays (ИПД), when there was a current one.")
    amount = graphene.Decimal(required=True)
    refunded = graphene.Decimal(required=True)
    status = graphene.Field(OnlinePaymentStatusEnum, required=True)
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_els(root, info):
        return root.unified_account.number

    @staticmethod
    def resolve_epd_ipd(root, info):
        return root.epd.ipd if root.epd_id else None

    @staticmethod
    def resolve_status(root, info):
        return getattr(root.status, "value", root.status)
