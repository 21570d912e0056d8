import graphene

from billing_core.service_kinds import ServiceKind
from tenants.models import PayoutSchedule, PrincipalKind, QrMode
from tenants.services import PRINCIPAL_FIELDS


def _enum(name: str, choices, description: str = ""):
    return graphene.Enum(name, [(c.name, c.value) for c in choices], description=description)


PrincipalKindEnum = _enum("PrincipalKind", PrincipalKind)
ServiceKindEnum = _enum("ServiceKind", ServiceKind)
PayoutScheduleEnum = _enum("PayoutSchedule", PayoutSchedule)
QrModeEnum = _enum("QrMode", QrMode, "How the ЕПД carries payment QR codes for this principal.")


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


class RuleTableAgeNode(graphene.ObjectType):
    class Meta:
        name = "RuleTableAge"
        description = "How far a date lies past a dated rule table's last entry (the key rate, the penalty caps)."

    name = graphene.String(required=True)
    last_change = graphene.Date(required=True, description="When the table's last entry took effect.")
    source = graphene.String(required=True, description="The last entry's source.")
    confidence = graphene.String(required=True, description="law, practice or check.")
    days_past = graphene.Int(required=True, description="Days from the last entry to the date; negative: ahead.")
    stale_days = graphene.Int(required=True, description="RULES_STALE_DAYS.")
    stale = graphene.Boolean(required=True, description="More than staleDays past: a decision may be missing.")
