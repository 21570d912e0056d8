import graphene
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.identity.permissions import AgentPerm, Perm
from agency.identity.services import audit_party
from agency.principals import requisites_changes, services
from billing_core.error_codes import ErrorCode
from graphql_api.core.enums import ServiceKindEnum, enum_value
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.pagination import connection_type, resolve_connection
from graphql_api.core.permissions import (
    audit_parties_add,
    require_agent_perm,
    require_agent_staff,
    require_principal_perm,
)
from graphql_api.core.types import RuleTableAgeNode
from graphql_api.principals.types import (
    AgencyContractNode,
    PayoutScheduleEnum,
    PrincipalKindEnum,
    PrincipalNode,
    QrModeEnum,
    RequisitesChangeNode,
    RequisitesChangeStatusEnum,
    RequisitesInput,
    WorkspaceSettingsNode,
)
from tenants.models import AgencyContract, Principal, PrincipalKind, RequisitesChange
from tenants.regulations.selectors import rule_tables_age
from tenants.workspace import services as workspace_services
from tenants.workspace.models import WorkspaceSettings

PrincipalConnection = connection_type(PrincipalNode, "PrincipalConnection")


def _principals():
    return Principal.objects.exclude(kind=PrincipalKind.AGENT).prefetch_related("domains")


class Queries(graphene.ObjectType):
    principals = graphene.Field(
        PrincipalConnection, required=True, first=graphene.Int(), after=graphene.String(),
        search=graphene.String(description="Name, INN or schema."), kind=PrincipalKindEnum(),
        description="All principals (agent staff).",
    )
    principal = graphene.Field(PrincipalNode, id=graphene.ID(required=True), description="Agent staff.")
    agency_contracts = graphene.List(
        graphene.NonNull(AgencyContractNode), required=True, principal_id=graphene.ID(required=True),
        description="A principal's contracts (agent staff).",
    )
    requisites_changes = graphene.List(
        graphene.NonNull(RequisitesChangeNode), required=True, status=RequisitesChangeStatusEnum(),
        principal_id=graphene.ID(), first=graphene.Int(description="At most 100 (default 100), newest first."),
        description="Proposed changes of payees' bank requisites, newest first: pending ones wait for a different "
                    "person with the approver role (agent staff).",
    )
    current_principal = graphene.Field(PrincipalNode, description="The principal whose host this is.")
    workspace_settings = graphene.Field(WorkspaceSettingsNode, required=True)
    rule_tables = graphene.List(
        graphene.NonNull(RuleTableAgeNode), required=True, as_of=graphene.Date(),
        description="The dated rule tables that run out (key rate, penalty caps) and whether each is stale on asOf "
                    "(default today): a task for agent staff to add the missing decisions (agent staff).",
    )

    @staticmethod
    def resolve_rule_tables(root, info, as_of=None):
        require_agent_staff(info)
        return rule_tables_age(as_of=as_of or timezone.localdate(), stale_days=settings.RULES_STALE_DAYS)

    @staticmethod
    def resolve_principals(root, info, first=None, after=None, search=None, kind=None):
        require_agent_staff(info)
        qs = _principals()
        if search:
            qs = qs.filter(
                Q(short_name__icontains=search) | Q(legal_name__icontains=search) | Q(inn=search)
                | Q(schema_name=search)
            )
        if kind is not None:
            qs = qs.filter(kind=enum_value(kind))
        return resolve_connection(PrincipalConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_principal(root, info, id):
        require_agent_staff(info)
        return _principals().filter(pk=int_id(id)).first()

    @staticmethod
    def resolve_agency_contracts(root, info, principal_id):
        require_agent_staff(info)
        return AgencyContract.objects.filter(principal_id=int_id(principal_id)).order_by("valid_from", "pk")

    @staticmethod
    def resolve_requisites_changes(root, info, status=None, principal_id=None, first=None):
        require_agent_staff(info)
        size = 100 if first is None else max(0, min(first, 100))
        qs = requisites_changes.requisites_change_list(
            status=enum_value(status) if status else None,
            principal_id=int_id(principal_id) if principal_id is not None else None)
        return list(qs[:size])

    @staticmethod
    def resolve_current_principal(root, info):
        actor = info.context.actor
        if actor.principal is None or not actor.is_authenticated:
            return None
        return Principal.objects.prefetch_related("domains").get(pk=actor.principal.pk)

    @staticmethod
    def resolve_workspace_settings(root, info):
        require_principal_perm(info, Perm.SETTINGS_VIEW)
        return WorkspaceSettings.current()


class ContactsInput(graphene.InputObjectType):
    """The executor's contacts every ЕПД prints (ПП 354 п.69 «а»); an empty string clears one."""

    address = graphene.String()
    phone = graphene.String()
    email = graphene.String()
    website = graphene.String()
    working_hours = graphene.String()


class PrincipalCreateInput(RequisitesInput, ContactsInput):
    kind = PrincipalKindEnum(required=True)
    schema_name = graphene.String(required=True)
    subdomain = graphene.String(required=True, description="The portal answers on <subdomain>.<public host>.")


class PrincipalCreate(BaseMutation):
    principal = graphene.Field(PrincipalNode)

    class Arguments:
        input = PrincipalCreateInput(required=True)

    @classmethod
    def perform(cls, root, info, input):
        require_agent_staff(info)
        data = dict(input)
        data["kind"] = enum_value(data["kind"])
        principal = services.principal_create(**data)
        return cls(principal=principal)


class PrincipalUpdateInput(ContactsInput):
    legal_name = graphene.String()
    short_name = graphene.String()
    kpp = graphene.String()
    bank_name = graphene.String()
    bic = graphene.String()
    settlement_account = graphene.String()
    correspondent_account = graphene.String()
    is_active = graphene.Boolean()


def _pending_id(principal, contract=None) -> int | None:
    change = requisites_changes.requisites_change_pending(principal=principal, contract=contract)
    return change.pk if change is not None else None


def _proposed(info, *, principal, contract=None, before: int | None = None):
    """The payee's pending change (for the payload); one this call made is recorded with its proposer."""
    change = requisites_changes.requisites_change_pending(principal=principal, contract=contract)
    if change is not None and change.pk != before:
        audit_parties_add(info, audit_party("proposer", change.proposed_by, requisites_change=change.pk,
                                            principal=principal.pk, contract=contract.pk if contract else None))
    return change


REQUISITES_NOTE = ("Bank fields are not applied here: they are proposed, and take effect when a different person with "
                   "the approver role confirms them (requisitesChangeConfirm); the payload's requisitesChange is the "
                   "pending change.")


class PrincipalUpdate(BaseMutation):
    __doc__ = "Change a principal's names, codes or status (agent staff). " + REQUISITES_NOTE

    principal = graphene.Field(PrincipalNode)
    requisites_change = graphene.Field(RequisitesChangeNode)

    class Arguments:
        id = graphene.ID(required=True)
        input = PrincipalUpdateInput(required=True)

    @classmethod
    def perform(cls, root, info, id, input):
        actor = require_agent_perm(info, AgentPerm.REQUISITES_PROPOSE)
        principal = _principals().get(pk=int_id(id))
        fields = {k: v for k, v in input.items() if v is not None}
        before = _pending_id(principal)
        principal = services.principal_update(principal=principal, proposed_by=actor.user, **fields)
        return cls(principal=principal, requisites_change=_proposed(info, principal=principal, before=before))


class AgencyContractInput(graphene.InputObjectType):
    number = graphene.String(required=True)
    signed_on = graphene.Date(required=True)
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date()
    fee_rate = graphene.Decimal(required=True)
    fee_min = graphene.Decimal()
    fee_max = graphene.Decimal()
    services = graphene.List(graphene.NonNull(ServiceKindEnum), required=True)
    payout_schedule = PayoutScheduleEnum(required=True)
    qr_mode = QrModeEnum(required=True)
    payout_bank_name = graphene.String(description="Defaults to the principal's bank.")
    payout_bic = graphene.String()
    payout_account = graphene.String()
    payout_correspondent_account = graphene.String()


def _contract_fields(input) -> dict:
    data = dict(input)
    for key in ("payout_schedule", "qr_mode"):
        if key in data and data[key] is not None:
            data[key] = enum_value(data[key])
    if data.get("services") is not None:
        data["services"] = [enum_value(s) for s in data["services"]]
    return data


class AgencyContractCreate(BaseMutation):
    __doc__ = ("A contract on the principal's confirmed requisites (agent staff). A payout account that differs from "
               "them is proposed, not applied: it takes effect when a different person with the approver role "
               "confirms it.")

    agency_contract = graphene.Field(AgencyContractNode)
    requisites_change = graphene.Field(RequisitesChangeNode)

    class Arguments:
        principal_id = graphene.ID(required=True)
        input = AgencyContractInput(required=True)

    @classmethod
    def perform(cls, root, info, principal_id, input):
        actor = require_agent_perm(info, AgentPerm.REQUISITES_PROPOSE)
        principal = _principals().get(pk=int_id(principal_id))
        data = _contract_fields(input)
        for key in ("valid_to", "fee_min", "fee_max"):
            data.setdefault(key, None)
        contract = services.agency_contract_create(principal=principal, proposed_by=actor.user, **data)
        return cls(agency_contract=contract, requisites_change=_proposed(info, principal=principal, contract=contract))


class AgencyContractUpdateInput(graphene.InputObjectType):
    valid_to = graphene.Date()
    fee_rate = graphene.Decimal()
    fee_min = graphene.Decimal()
    fee_max = graphene.Decimal()
    services = graphene.List(graphene.NonNull(ServiceKindEnum))
    payout_schedule = PayoutScheduleEnum()
    qr_mode = QrModeEnum()
    payout_bank_name = graphene.String()
    payout_bic = graphene.String()
    payout_account = graphene.String()
    payout_correspondent_account = graphene.String()


class AgencyContractUpdate(BaseMutation):
    __doc__ = "Change a contract's terms (agent staff). " + REQUISITES_NOTE

    agency_contract = graphene.Field(AgencyContractNode)
    requisites_change = graphene.Field(RequisitesChangeNode)

    class Arguments:
        id = graphene.ID(required=True)
        input = AgencyContractUpdateInput(required=True)

    @classmethod
    def perform(cls, root, info, id, input):
        actor = require_agent_perm(info, AgentPerm.REQUISITES_PROPOSE)
        contract = AgencyContract.objects.get(pk=int_id(id))
        fields = {k: v for k, v in _contract_fields(input).items() if v is not None}
        before = _pending_id(contract.principal, contract)
        contract = services.agency_contract_update(contract=contract, proposed_by=actor.user, **fields)
        return cls(agency_contract=contract,
                   requisites_change=_proposed(info, principal=contract.principal, contract=contract, before=before))


class RequisitesChangeConfirm(BaseMutation):
    """Confirm a pending requisites change: the new requisites take effect now. Only an approver or the agent's
    admin, and never the person who proposed it."""

    requisites_change = graphene.Field(RequisitesChangeNode)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, id):
        actor = require_agent_perm(info, AgentPerm.REQUISITES_CONFIRM)
        change = requisites_changes.requisites_change_confirm(change_id=int_id(id), user=actor.user)
        audit_parties_add(info, audit_party("proposer", change.proposed_by, requisites_change=change.pk),
                          audit_party("approver", actor.user, requisites_change=change.pk))
        return cls(requisites_change=_change_row(change.pk))


class RequisitesChangeReject(BaseMutation):
    """Reject a pending requisites change (an approver or the agent's admin), or withdraw one's own proposal: the
    old requisites stay in force."""

    requisites_change = graphene.Field(RequisitesChangeNode)

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(description="Why (kept with the change).")

    @classmethod
    def perform(cls, root, info, id, note=None):
        actor = require_agent_staff(info)
        pk = int_id(id)
        if not actor.has_agent_perm(AgentPerm.REQUISITES_CONFIRM) and not RequisitesChange.objects.filter(
                pk=pk, proposed_by=actor.user).exists():
            raise ApiError(ErrorCode.PERMISSION_DENIED, _("Отклонить смену реквизитов может контролёр, администратор "
                                                          "агента или тот, кто её предложил."))
        change = requisites_changes.requisites_change_reject(change_id=pk, user=actor.user, note=note or "")
        role = "proposer" if change.proposed_by_id == actor.user.pk else "rejecter"
        parties = [audit_party("proposer", change.proposed_by, requisites_change=change.pk)]
        if role == "rejecter":
            parties.append(audit_party("rejecter", actor.user, requisites_change=change.pk))
        audit_parties_add(info, *parties)
        return cls(requisites_change=_change_row(change.pk))


def _change_row(pk: int) -> RequisitesChange:
    return requisites_changes.requisites_change_list().get(pk=pk)


class WorkspaceSettingsInput(graphene.InputObjectType):
    display_name = graphene.String()
    readings_window_start_day = graphene.Int()
    readings_window_end_day = graphene.Int()
    payment_due_day = graphene.Int()
    support_email = graphene.String()
    penalty_payment_day_accrues = graphene.Boolean()


class WorkspaceSettingsUpdate(BaseMutation):
    workspace_settings = graphene.Field(WorkspaceSettingsNode)

    class Arguments:
        input = WorkspaceSettingsInput(required=True)

    @classmethod
    def perform(cls, root, info, input):
        require_principal_perm(info, Perm.SETTINGS_MANAGE)
        fields = {k: v for k, v in input.items() if v is not None}
        return cls(workspace_settings=workspace_services.workspace_settings_update(**fields))


class Mutations(graphene.ObjectType):
    principal_create = PrincipalCreate.Field()
    principal_update = PrincipalUpdate.Field()
    agency_contract_create = AgencyContractCreate.Field()
    agency_contract_update = AgencyContractUpdate.Field()
    requisites_change_confirm = RequisitesChangeConfirm.Field()
    requisites_change_reject = RequisitesChangeReject.Field()
    workspace_settings_update = WorkspaceSettingsUpdate.Field()
