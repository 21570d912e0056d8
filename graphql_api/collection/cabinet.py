"""The resident's side of debt collection, in the cabinet on the agent's host: their own warnings and agreements,
what they owe and how to pay it, and a request for an agreement.

Only the households the resident linked are read (``ResidentLink``); each principal's rows are read across the
principals' schemas in one statement per kind (``agency.cabinet.services.resident_collection_rows``), whatever the
number of households and principals.
"""

import json
from datetime import date
from decimal import Decimal

import graphene

from agency.cabinet.services import resident_agreement_request, resident_collection_rows, resident_households
from graphql_api.collection.types import (
    InstallmentNode,
    ResidentAgreementNode,
    ResidentCollectionAccountNode,
    ResidentCollectionNode,
    ResidentWarningNode,
)
from graphql_api.core.enums import enum_value
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_resident
from tenants.registry.models import UnifiedAccount

OPEN_AGREEMENT = ("requested", "draft", "active")


def _schedule(value) -> list[InstallmentNode]:
    items = json.loads(value) if isinstance(value, str) else (value or [])
    return [InstallmentNode(seq=i["seq"], due_on=date.fromisoformat(i["due_on"]), amount=Decimal(i["amount"]))
            for i in items]


def resident_collection(user) -> list[ResidentCollectionNode]:
    """The resident's linked households, each principal's account with its warnings and agreements: six queries."""
    households = resident_households(user=user)
    if not households:
        return []
    unified = dict(UnifiedAccount.objects.filter(number__in=[h.els for h in households]).values_list("number", "pk"))
    warning_rows, agreement_rows = resident_collection_rows(unified_ids=list(unified.values()))
    warnings: dict[tuple, list] = {}
    for principal_id, ua_id, number, month, service, debt, term_end, status in warning_rows:
        warnings.setdefault((principal_id, ua_id, number), []).append(ResidentWarningNode(
            month=month, service_name=service, debt=debt, term_end=term_end, status=status))
    agreements: dict[tuple, list] = {}
    for principal_id, ua_id, account, pk, number, status, total, parts, signed_on, paid, shortfall, schedule in (
            agreement_rows):
        agreements.setdefault((principal_id, ua_id, account), []).append(ResidentAgreementNode(
            id=pk, number=number, status=status, total=total, parts=parts, signed_on=signed_on, paid=paid,
            shortfall=shortfall, schedule=_schedule(schedule)))
    result = []
    for household in households:
        ua_id = unified.get(household.els)
        accounts = []
        for acc in household.accounts:
            key = (acc.principal_id, ua_id, acc.account_number)
            own_agreements = sorted(agreements.get(key, []), key=lambda a: -a.id)
            accounts.append(ResidentCollectionAccountNode(
                els=household.els, principal_id=acc.principal_id, principal_name=acc.principal_name,
                account_number=acc.account_number, balance=acc.balance,
                warnings=sorted(warnings.get(key, []), key=lambda w: w.month, reverse=True),
                agreements=own_agreements,
                can_request_agreement=bool(acc.balance and acc.balance > 0)
                and not any(a.status in OPEN_AGREEMENT for a in own_agreements)))
        result.append(ResidentCollectionNode(
            els=household.els, address=household.address, amount_due=household.amount_due,
            current_document_id=household.current_document_id, accounts=accounts))
    return result


class Queries(graphene.ObjectType):
    my_collection = graphene.List(
        graphene.NonNull(ResidentCollectionNode), required=True,
        description="The resident's linked households: each principal's account with its п.119 warnings and "
                    "repayment agreements, and the amount due (residents).",
    )

    @staticmethod
    def resolve_my_collection(root, info):
        actor = require_resident(info)
        return resident_collection(actor.user)


class AgreementRequest(BaseMutation):
    """Ask a principal serving one of the resident's households to repay its debt in parts (residents); its staff
    prepare the agreement and its schedule."""

    agreement = graphene.Field(ResidentAgreementNode)

    class Arguments:
        els = graphene.String(required=True, description="One of the resident's linked households.")
        principal_id = graphene.ID(required=True, description="From myCollection.accounts.")
        parts = graphene.Int(required=True, description="Monthly payments, 1 to 36.")
        note = graphene.String()

    @classmethod
    def perform(cls, root, info, els, principal_id, parts, note=""):
        actor = require_resident(info)
        agreement = resident_agreement_request(user=actor.user, els=els, principal_id=int_id(principal_id),
                                               parts=parts, note=note or "")
        node = ResidentAgreementNode(
            id=agreement.pk, number=agreement.number, status=enum_value(agreement.status), total=agreement.total,
            parts=agreement.parts, signed_on=agreement.signed_on, paid=agreement.paid,
            shortfall=agreement.shortfall, schedule=[])
        return cls(agreement=node)


class Mutations(graphene.ObjectType):
    agreement_request = AgreementRequest.Field()
