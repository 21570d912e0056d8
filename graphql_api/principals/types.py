import graphene

from agency.principals.requisites_changes import confirm_refusal, reject_allowed
from agency.principals.services import PRINCIPAL_FIELDS
from graphql_api.core.enums import ServiceKindEnum, choices_enum
from tenants.models import PayoutSchedule, PrincipalKind, QrMode, RequisitesChangeStatus

PrincipalKindEnum = choices_enum("PrincipalKind", PrincipalKind)
PayoutScheduleEnum = choices_enum("PayoutSchedule", PayoutSchedule)
QrModeEnum = choices_enum("QrMode", QrMode, "How the ЕПД carries payment QR codes for this principal.")


REQUISITE_FIELDS = tuple(f for f in PRINCIPAL_FIELDS if f != "kind")


def _requisite_fields() -> dict:
    return {name: graphene.String(required=True) for name in REQUISITE_FIELDS}


# The same nine fields are read (interface) and written (input): one list defines both.
Requisites = type("Requisites", (graphene.Interface,), _requisite_fields())
RequisitesInput = type("RequisitesInput", (graphene.InputObjectType,), _requisite_fields())


class PrincipalNode(graphene.ObjectType):
    class Meta:
        name = "Principal"
        interfaces = (Requisites,)

    id = graphene.ID(required=True)
    kind = graphene.Field(PrincipalKindEnum, required=True)
    schema_name = graphene.String(required=True)
    domains = graphene.List(graphene.NonNull(graphene.String), required=True)
    is_active = graphene.Boolean(required=True)
    created_at = graphene.DateTime(required=True)
    address = graphene.String(required=True, description="Адрес (место нахождения): on the ЕПД (ПП 354 п.69 «а»).")
    phone = graphene.String(required=True, description="Contact phone numbers, printed on the ЕПД.")
    email = graphene.String(required=True, description="E-mail, printed on the ЕПД.")
    website = graphene.String(required=True, description="Website, printed on the ЕПД.")
    working_hours = graphene.String(required=True, description="Режим работы, printed on the ЕПД.")

    @staticmethod
    def resolve_domains(principal, info):
        # prefetched by the list resolvers: no query per row
        return [d.domain for d in principal.domains.all()]


class AgencyContractNode(graphene.ObjectType):
    class Meta:
        name = "AgencyContract"

    id = graphene.ID(required=True)
    principal_id = graphene.ID(required=True)
    number = graphene.String(required=True)
    signed_on = graphene.Date(required=True)
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date()
    fee_rate = graphene.Decimal(required=True, description="Percent of collected money.")
    fee_min = graphene.Decimal()
    fee_max = graphene.Decimal()
    services = graphene.List(graphene.NonNull(ServiceKindEnum), required=True)
    payout_schedule = graphene.Field(PayoutScheduleEnum, required=True)
    qr_mode = graphene.Field(QrModeEnum, required=True)
    payout_bank_name = graphene.String(required=True)
    payout_bic = graphene.String(required=True)
    payout_account = graphene.String(required=True)
    payout_correspondent_account = graphene.String(required=True)


class WorkspaceSettingsNode(graphene.ObjectType):
    class Meta:
        name = "WorkspaceSettings"

    display_name = graphene.String(required=True)
    readings_window_start_day = graphene.Int(required=True)
    readings_window_end_day = graphene.Int(required=True)
    payment_due_day = graphene.Int(required=True)
    support_email = graphene.String(required=True)
    penalty_payment_day_accrues = graphene.Boolean(
        required=True, description="Penalties accrue on the payment day itself (ЖК РФ ст.155 ч.14 «по день "
                                   "фактической оплаты» включительно); false: the day before is the last."
    )


RequisitesChangeStatusEnum = choices_enum("RequisitesChangeStatus", RequisitesChangeStatus)


class BankRequisitesNode(graphene.ObjectType):
    class Meta:
        name = "BankRequisites"

    bank_name = graphene.String(required=True)
    bic = graphene.String(required=True)
    account = graphene.String(required=True, description="The settlement (or payout) account.")
    correspondent_account = graphene.String(required=True)


def _person(user) -> str | None:
    return (user.full_name or user.email) if user is not None else None


class RequisitesChangeNode(graphene.ObjectType):
    class Meta:
        name = "RequisitesChange"
        description = ("A proposed change of a payee's bank requisites (the principal's own, or a contract's payout "
                       "account). It takes effect only when a different person with the approver role confirms it; "
                       "until then the old requisites stay in force.")

    id = graphene.ID(required=True)
    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    contract_id = graphene.ID(description="Empty: the principal's own requisites.")
    contract_number = graphene.String()
    proposed = graphene.Field(BankRequisitesNode, required=True)
    before = graphene.Field(BankRequisitesNode, required=True, description="The requisites in force when proposed.")
    status = graphene.Field(RequisitesChangeStatusEnum, required=True)
    proposed_by_name = graphene.String(required=True)
    proposed_at = graphene.DateTime(required=True)
    decided_by_name = graphene.String()
    decided_at = graphene.DateTime()
    note = graphene.String(required=True)
    confirm_refusal = graphene.String(description="Why the caller may not confirm it (null: the caller may).")
    can_reject = graphene.Boolean(required=True, description="The caller may reject it: an approver or the agent's "
                                                             "admin, or its proposer (a withdrawal).")

    resolve_principal_name = staticmethod(lambda c, info: c.principal.short_name)
    resolve_contract_number = staticmethod(lambda c, info: c.contract.number if c.contract_id else None)
    resolve_status = staticmethod(lambda c, info: c.status)
    resolve_proposed_by_name = staticmethod(lambda c, info: _person(c.proposed_by))
    resolve_decided_by_name = staticmethod(lambda c, info: _person(c.decided_by))

    @staticmethod
    def resolve_proposed(change, info):
        return BankRequisitesNode(bank_name=change.bank_name, bic=change.bic, account=change.account,
                                  correspondent_account=change.correspondent_account)

    @staticmethod
    def resolve_before(change, info):
        before = change.before or {}
        return BankRequisitesNode(**{k: before.get(k, "") for k in ("bank_name", "bic", "account",
                                                                    "correspondent_account")})

    @staticmethod
    def resolve_can_reject(change, info):
        return reject_allowed(change, info.context.actor.user)

    @staticmethod
    def resolve_confirm_refusal(change, info):
        return confirm_refusal(change, info.context.actor.user)
