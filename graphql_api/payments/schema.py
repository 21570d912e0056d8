"""Payments over GraphQL.

- Residents (their own session on the agent's host): start a card payment, list their own card payments.
- Agent staff: the payments back office (``back_office``): intake files, the unmatched queue, allocation, the
  cash desk, daily payouts and the reconciliation.
- Principal staff and API keys (``principal``): their own receipts and payouts, their own receipts entered.
"""

import graphene
from django.core.exceptions import ValidationError

from agency.payments import online
from graphql_api.core.errors import query_error
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_resident
from graphql_api.payments import back_office, principal
from graphql_api.payments.types import OnlinePaymentNode


class ResidentQueries(graphene.ObjectType):
    resident_online_payments = graphene.List(
        graphene.NonNull(OnlinePaymentNode), required=True, els=graphene.String(required=True),
        description="The resident's own card payments for one of their linked households, newest first (residents).",
    )

    @staticmethod
    def resolve_resident_online_payments(root, info, els):
        actor = require_resident(info)
        try:
            return list(online.resident_online_payments(user=actor.user, els=els))
        except ValidationError as exc:
            raise query_error(exc) from exc


class ResidentPaymentStart(BaseMutation):
    """Start a card payment for one of the resident's households (residents).

    Without an amount the current ЕПД's total is asked. The client secret confirms the card with the
    gateway from the browser; the payment counts once the gateway's signed webhook says it succeeded.
    """

    online_payment_id = graphene.ID()
    client_secret = graphene.String(description="For the gateway's card form in the browser; never stored by us.")
    amount = graphene.Decimal()

    class Arguments:
        els = graphene.String(required=True, description="The household's ЕЛС (one the resident has linked).")
        amount = graphene.Decimal(description="Roubles, to the kopeck; default: the current ЕПД's total.")

    @classmethod
    def perform(cls, root, info, els, amount=None):
        actor = require_resident(info)
        started = online.online_payment_start(user=actor.user, els=els, amount=amount)
        return cls(online_payment_id=started.online_payment.pk, client_secret=started.client_secret,
                   amount=started.online_payment.amount)


class ResidentMutations(graphene.ObjectType):
    resident_payment_start = ResidentPaymentStart.Field()


class Queries(ResidentQueries, back_office.Queries, principal.Queries, graphene.ObjectType):
    pass


class Mutations(ResidentMutations, back_office.Mutations, principal.Mutations, graphene.ObjectType):
    pass
