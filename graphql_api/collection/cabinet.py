"""The resident's side of debt collection, in the cabinet on the agent's host: their own warnings and agreements,
what they owe and how to pay it, and a request for an agreement.

Only the households the resident linked are read (``ResidentLink``); each principal's rows are read across the
principals' schemas in one statement per kind (``tenants.schemas.across_schemas``), whatever the number of
households and principals.
"""

import json
from datetime import date
from decimal import Decimal

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from agency.cabinet.services import resident_households
from billing_core.error_codes import ErrorCode
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
from tenants.billing.models import PersonalAccount
from tenants.collection import services
from tenants.registry.models import UnifiedAccount
from tenants.residents.models import ResidentLink
from tenants.schemas import across_schemas, active_principals

OPEN_AGREEMENT = ("requested", "draft", "active")

WARNINGS_SQL = (
    "a.unified_account_id, a.number, w.month, s.name, w.debt, w.term_end, w.status "
    "FROM {schema}.collection_warning w JOIN {schema}.billing_personalaccount a ON a.id = w.account_id "
    "JOIN {schema}.billing_service s ON s.id = w.service_id "
    "WHERE a.unified_account_id = ANY(%s) AND w.status <> 'cancelled'"
)
# the schedule as JSON with amounts as text: money never passes through a float
AGREEMENTS_SQL = (
    "a.unified_account_id, a.number, g.id, g.number, g.status, g.total, g.parts, g.signed_on, g.paid, g.shortfall, "
    "(SELECT COALESCE(json_agg(json_build_object('seq', i.seq, 'due_on', i.due_on, 'amount', i.amount::text) "
    "ORDER BY i.seq), '[]'::json) FROM {schema}.collection_installment i WHERE i.agreement_id = g.id) "
    "FROM {schema}.collection_agreement g JOIN {schema}.billing_personalaccount a ON a.id = g.account_id "
    "WHERE a.unified_account_id = ANY(%s)"
)


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
    schemas = list(active_principals().values_list("schema_name", "pk"))
    principal_of = dict(schemas)
    ids = list(unified.values())
    warnings: dict[tuple, list] = {}
    for schema, ua_id, number, month, service, debt, term_end, status in across_schemas(
            [s for s, _pk in schemas], WARNINGS_SQL, [ids]):
        warnings.setdefault((principal_of[schema], ua_id, number), []).append(ResidentWarningNode(
            month=month, service_name=service, debt=debt, term_end=term_end, status=status))
    agreements: dict[tuple, list] = {}
    for schema, ua_id, account, pk, number, status, total, parts, signed_on, paid, shortfall, schedule in (
            across_schemas([s for s, _pk in schemas], AGREEMENTS_SQL, [ids])):
        agreements.setdefault((principal_of[schema], ua_id, account), []).append(ResidentAgreementNode(
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


def _not_linked() -> ValidationError:
    return ValidationError({"els": ValidationError(_("Лицевой счёт не привязан к вашему кабинету."),
                                                   code=ErrorCode.NOT_FOUND)})


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
        household = UnifiedAccount.objects.filter(
            number=(els or "").strip(),
            pk__in=ResidentLink.objects.filter(user=actor.user).values("unified_account_id")).first()
        if household is None:
            raise _not_linked()
        principal = active_principals().filter(pk=int_id(principal_id)).first()
        if principal is None:
            raise ValidationError({"principalId": ValidationError(_("Принципал не найден."),
                                                                  code=ErrorCode.NOT_FOUND)})
        with tenant_context(principal):
            account = PersonalAccount.objects.filter(unified_account_id=household.pk).order_by("pk").first()
            if account is None:
                raise ValidationError({"principalId": ValidationError(
                    _("Этот принципал не обслуживает ваш лицевой счёт."), code=ErrorCode.NOT_FOUND)})
            try:
                agreement = services.agreement_request(account=account, parts=parts, note=note or "")
            except ValidationError as exc:
                # the service names the account; the resident named the household
                if hasattr(exc, "error_dict") and "account" in exc.error_dict:
                    raise ValidationError({"els": exc.error_dict["account"]}) from exc
                raise
            node = ResidentAgreementNode(
                id=agreement.pk, number=agreement.number, status=enum_value(agreement.status), total=agreement.total,
                parts=agreement.parts, signed_on=agreement.signed_on, paid=agreement.paid,
                shortfall=agreement.shortfall, schedule=[])
        return cls(agreement=node)


class Mutations(graphene.ObjectType):
    agreement_request = AgreementRequest.Field()
