"""What a principal's staff and API keys see of their own money, on the principal's host only.

Receipts live in the principal's own schema (the host's search path), so another principal's rows are not
even reachable; payouts live in public and are always filtered by the host's principal id.
"""

import graphene
from django.db.models import Sum

from agency.identity.permissions import Perm
from agency.payments.payouts import payout_list
from agency.payments.payouts.deadlines import payouts_deadlines_attach
from graphql_api.core.enums import enum_value
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.pagination import connection_type, page, resolve_connection
from graphql_api.core.permissions import require_principal_perm
from graphql_api.payments.types import (
    PayoutNode,
    PayoutStatusEnum,
    PrincipalReceiptConnection,
    PrincipalReceiptNode,
    ReceiptSourceEnum,
    exact_money,
    money,
)
from tenants.receipts.models import Receipt
from tenants.receipts.services import own_receipt_record

PrincipalPayoutConnection = connection_type(PayoutNode, "PrincipalPayoutConnection")


class Queries(graphene.ObjectType):
    principal_payouts = graphene.Field(
        PrincipalPayoutConnection, required=True, date_from=graphene.Date(), date_to=graphene.Date(),
        status=PayoutStatusEnum(), first=graphene.Int(), after=graphene.String(),
        description="This principal's payouts with short-lived links to their registers, newest first (payments.view).",
    )
    principal_receipts = graphene.Field(
        PrincipalReceiptConnection, required=True,
        date_from=graphene.Date(description="Payment days from (inclusive)."),
        date_to=graphene.Date(description="Payment days to (inclusive)."),
        source=ReceiptSourceEnum(), account_number=graphene.String(), first=graphene.Int(), after=graphene.String(),
        description="Money received on this principal's accounts: the agent's allocations and its own receipts, "
                    "newest first (payments.view).",
    )

    @staticmethod
    def resolve_principal_payouts(root, info, date_from=None, date_to=None, status=None, first=None, after=None):
        _actor, principal = require_principal_perm(info, Perm.PAYMENTS_VIEW)
        qs = payout_list(principal_id=principal.pk, date_from=date_from, date_to=date_to).select_related("principal")
        if status:
            qs = qs.filter(status=enum_value(status))
        return resolve_connection(PrincipalPayoutConnection, qs, first=first, after=after, newest_first=True,
                                  fetch=payouts_deadlines_attach)

    @staticmethod
    def resolve_principal_receipts(root, info, date_from=None, date_to=None, source=None, account_number=None,
                                   first=None, after=None):
        require_principal_perm(info, Perm.PAYMENTS_VIEW)
        qs = Receipt.objects.all()  # the host's schema: this principal's own table
        if date_from:
            qs = qs.filter(paid_on__gte=date_from)
        if date_to:
            qs = qs.filter(paid_on__lte=date_to)
        if source:
            qs = qs.filter(source=enum_value(source))
        if account_number:
            qs = qs.filter(account__number=account_number)
        rows, info_ = page(qs.select_related("account", "service"), first=first, after=after, newest_first=True)
        return PrincipalReceiptConnection(
            nodes=rows, page_info=info_, total_count=qs.count,
            total_amount=lambda: money(qs.aggregate(s=Sum("amount"))["s"]),
        )


class OwnReceiptRecord(BaseMutation):
    """Record money the principal collected itself on one of its accounts; once per document number and date
    (payments.manage)."""

    receipt = graphene.Field(PrincipalReceiptNode)
    created = graphene.Boolean(description="False: this document was recorded before; nothing changed.")

    class Arguments:
        account_number = graphene.String(required=True)
        amount = graphene.Decimal(required=True, description="Roubles, to the kopeck.")
        paid_on = graphene.Date(required=True)
        document_number = graphene.String(required=True, description="The principal's own document (ПКО, п/п) number.")
        service_code = graphene.String(description="The service it pays; an advance on the account when omitted.")
        comment = graphene.String()

    @classmethod
    def perform(cls, root, info, account_number, amount, paid_on, document_number, service_code="", comment=""):
        require_principal_perm(info, Perm.PAYMENTS_MANAGE)
        receipt, created = own_receipt_record(
            account_number=account_number.strip(), amount=exact_money(amount, "amount"), paid_on=paid_on,
            document_number=document_number, service_code=(service_code or "").strip(), comment=comment or "")
        return cls(receipt=Receipt.objects.select_related("account", "service").get(pk=receipt.pk), created=created)


class Mutations(graphene.ObjectType):
    own_receipt_record = OwnReceiptRecord.Field()
