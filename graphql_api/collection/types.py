"""Debt collection types: the register's debtors, an account's collection file, the resident's view of it."""

import graphene

from agency.collection.documents import collection_document_download
from billing_core.collection import suspension_earliest
from graphql_api.core.enums import choices_enum, enum_value
from graphql_api.core.pagination import PageInfo
from tenants.collection.models import (
    AgreementStatus,
    CaseEventKind,
    CaseStatus,
    CourtRoute,
    DocumentKind,
    RestrictionKind,
    RestrictionStatus,
    Stage,
    WarningChannel,
    WarningStatus,
)

CollectionStageEnum = choices_enum("CollectionStage", Stage, "How far work on an account has gone.")
WarningChannelEnum = choices_enum("WarningChannel", WarningChannel, "How a п.119 warning reaches the debtor.")
WarningStatusEnum = choices_enum("WarningStatus", WarningStatus)
RestrictionKindEnum = choices_enum("RestrictionKind", RestrictionKind)
RestrictionStatusEnum = choices_enum("RestrictionStatus", RestrictionStatus)
AgreementStatusEnum = choices_enum("AgreementStatus", AgreementStatus)
CourtRouteEnum = choices_enum("CourtRoute", CourtRoute, "A court order (up to 500 000 ₽, ГПК ст.121) or a lawsuit.")
CaseStatusEnum = choices_enum("CourtCaseStatus", CaseStatus)
CaseEventKindEnum = choices_enum("CourtCaseEventKind", CaseEventKind)
CollectionDocumentKindEnum = choices_enum("CollectionDocumentKind", DocumentKind)


def _choice(field: str):
    """A resolver giving a model choice as its stored string (a fresh row holds the choice member)."""
    return staticmethod(lambda row, info: enum_value(getattr(row, field)))


class DebtorFields:
    """The register's figures of one account (``tenants.collection.models.Debtor``)."""

    account_number = graphene.String(required=True)
    payer_name = graphene.String(required=True)
    address = graphene.String(required=True)
    debt = graphene.Decimal(required=True, description="The balance now, penalties included.")
    principal_debt = graphene.Decimal(required=True, description="The debt without the penalties.")
    penalties = graphene.Decimal(required=True)
    months = graphene.Int(required=True, description="Age of the oldest unpaid charge, in months.")
    max_months_of_norm = graphene.Decimal(
        description="The largest debt of one service in monthly charges by norm and tariff (ПП 354 п.118).")
    threshold = graphene.Boolean(required=True, description="Some service's debt is over two monthly charges by "
                                                            "norm (ПП 354 п.118).")
    last_paid_on = graphene.Date()
    last_paid_amount = graphene.Decimal()
    stage = graphene.Field(CollectionStageEnum, required=True)
    stage_label = graphene.String(required=True)
    kept_agreement = graphene.Boolean(required=True, description="A repayment agreement is being kept.")
    stopped = graphene.Boolean(required=True, description="The principal stopped work on the account.")

    resolve_account_number = staticmethod(lambda row, info: row.number)
    resolve_stage = _choice("stage")
    resolve_stage_label = staticmethod(lambda row, info: str(Stage(row.stage).label))


class DebtorNode(DebtorFields, graphene.ObjectType):
    class Meta:
        name = "Debtor"
        description = "One account in the debtor register (the last refresh's snapshot)."


class DebtorConnection(graphene.ObjectType):
    """Debtors by debt, largest first (then by account), in keyset pages."""

    nodes = graphene.List(graphene.NonNull(DebtorNode), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(conn, info):
        return conn.total_count()  # counted only when asked for


class StageCountNode(graphene.ObjectType):
    class Meta:
        name = "DebtorStageCount"

    stage = graphene.Field(CollectionStageEnum, required=True)
    label = graphene.String(required=True)
    count = graphene.Int(required=True)
    debt = graphene.Decimal(required=True)


class AgeAmountNode(graphene.ObjectType):
    class Meta:
        name = "DebtAgeAmount"

    bucket = graphene.String(required=True, description="Months since the charge: 1, 2, 3, 4–6, 7–12 or >12.")
    amount = graphene.Decimal(required=True)


class DebtorSummaryNode(graphene.ObjectType):
    class Meta:
        name = "DebtorSummary"

    refreshed_at = graphene.DateTime(description="The register's last refresh; null — never refreshed.")
    debtors = graphene.Int(required=True)
    debt_total = graphene.Decimal(required=True)
    by_stage = graphene.List(graphene.NonNull(StageCountNode), required=True)
    by_age = graphene.List(graphene.NonNull(AgeAmountNode), required=True)


class DebtorLineNode(graphene.ObjectType):
    class Meta:
        name = "DebtorLine"
        description = "One service's debt of the account, aged by the month of its charge."

    service_code = graphene.String(required=True)
    service_name = graphene.String(required=True)
    restrictable = graphene.Boolean(required=True, description="The law allows restricting this service.")
    debt = graphene.Decimal(required=True)
    principal_debt = graphene.Decimal(required=True)
    penalties = graphene.Decimal(required=True)
    age1 = graphene.Decimal(required=True)
    age2 = graphene.Decimal(required=True)
    age3 = graphene.Decimal(required=True)
    age4to6 = graphene.Decimal(required=True)
    age7to12 = graphene.Decimal(required=True)
    age_over12 = graphene.Decimal(required=True)
    norm_charge = graphene.Decimal(description="One month's charge by norm and tariff (ПП 354 п.118).")
    months_of_norm = graphene.Decimal()
    threshold = graphene.Boolean(required=True)

    resolve_service_code = staticmethod(lambda line, info: line.service.code)
    resolve_service_name = staticmethod(lambda line, info: line.service.name)
    resolve_age1 = staticmethod(lambda line, info: line.age_1)
    resolve_age2 = staticmethod(lambda line, info: line.age_2)
    resolve_age3 = staticmethod(lambda line, info: line.age_3)
    resolve_age4to6 = staticmethod(lambda line, info: line.age_4_6)
    resolve_age7to12 = staticmethod(lambda line, info: line.age_7_12)
    resolve_age_over12 = staticmethod(lambda line, info: line.age_over_12)


class WarningNode(graphene.ObjectType):
    class Meta:
        name = "CollectionWarning"
        description = "The warning of ПП 354 п.119 «а»: restriction may follow 20 days after its delivery."

    id = graphene.ID(required=True)
    account_number = graphene.String(required=True)
    service_code = graphene.String(required=True)
    service_name = graphene.String(required=True)
    month = graphene.Date(required=True)
    debt = graphene.Decimal(required=True)
    norm_charge = graphene.Decimal(required=True)
    channel = graphene.Field(WarningChannelEnum, required=True)
    issued_on = graphene.Date(required=True)
    delivered_on = graphene.Date()
    postal_id = graphene.String(required=True)
    term_end = graphene.Date(description="The 20 days of п.119 «а» end on this day.")
    restriction_from = graphene.Date(description="The first day a restriction may be ordered.")
    status = graphene.Field(WarningStatusEnum, required=True)

    resolve_account_number = staticmethod(lambda w, info: w.account.number)
    resolve_service_code = staticmethod(lambda w, info: w.service.code)
    resolve_service_name = staticmethod(lambda w, info: w.service.name)
    resolve_channel = _choice("channel")
    resolve_status = _choice("status")

    @staticmethod
    def resolve_restriction_from(w, info):
        from billing_core.collection import restriction_earliest

        return restriction_earliest(w.delivered_on) if w.delivered_on else None


class RestrictionNode(graphene.ObjectType):
    class Meta:
        name = "CollectionRestriction"
        description = "Restriction or suspension of a service (ПП 354 п.117–119) and its lifting (п.120)."

    id = graphene.ID(required=True)
    warning_id = graphene.ID(required=True)
    service_name = graphene.String(required=True)
    kind = graphene.Field(RestrictionKindEnum, required=True)
    status = graphene.Field(RestrictionStatusEnum, required=True)
    executor = graphene.String(required=True)
    ordered_on = graphene.Date(required=True)
    done_on = graphene.Date()
    act_number = graphene.String(required=True)
    no_technical_possibility = graphene.Boolean(required=True)
    suspended_on = graphene.Date(description="Suspended after the restriction (п.119 «в»).")
    suspension_from = graphene.Date(description="The first day suspension is possible: 10 days after the "
                                                "restriction (п.119 «в»); null — not restricted.")
    lift_due = graphene.Date(description="To be lifted by this day (п.120), once the debt is paid.")
    lifted_on = graphene.Date()
    lift_act_number = graphene.String(required=True)

    resolve_service_name = staticmethod(lambda r, info: r.service.name)
    resolve_kind = _choice("kind")
    resolve_status = _choice("status")

    @staticmethod
    def resolve_suspension_from(r, info):
        if r.status != "done" or r.kind != "restriction" or r.done_on is None:
            return None
        return suspension_earliest(r.done_on)


class InstallmentNode(graphene.ObjectType):
    class Meta:
        name = "AgreementInstallment"

    seq = graphene.Int(required=True)
    due_on = graphene.Date(required=True)
    amount = graphene.Decimal(required=True)


class AgreementNode(graphene.ObjectType):
    class Meta:
        name = "CollectionAgreement"
        description = "An agreement to repay the debt in parts (ПП 354 п.72, 118)."

    id = graphene.ID(required=True)
    number = graphene.String(required=True)
    status = graphene.Field(AgreementStatusEnum, required=True)
    total = graphene.Decimal()
    parts = graphene.Int(required=True)
    first_due = graphene.Date()
    signed_on = graphene.Date()
    paid = graphene.Decimal(required=True, description="Received since signing.")
    shortfall = graphene.Decimal(required=True, description="Overdue against the schedule.")
    schedule = graphene.List(graphene.NonNull(InstallmentNode), required=True)
    requested_by_resident = graphene.Boolean(required=True)
    resident_note = graphene.String(required=True)
    decline_reason = graphene.String(required=True)

    resolve_status = _choice("status")
    resolve_schedule = staticmethod(lambda a, info: list(a.installments.all()))  # prefetched


class CaseEventNode(graphene.ObjectType):
    class Meta:
        name = "CourtCaseEvent"

    kind = graphene.Field(CaseEventKindEnum, required=True)
    label = graphene.String(required=True)
    happened_on = graphene.Date(required=True)
    amount = graphene.Decimal()
    document_number = graphene.String(required=True)
    note = graphene.String(required=True)

    resolve_kind = _choice("kind")
    resolve_label = staticmethod(lambda e, info: str(CaseEventKind(e.kind).label))


class CaseEventKindNode(graphene.ObjectType):
    class Meta:
        name = "CourtCaseEventChoice"

    kind = graphene.Field(CaseEventKindEnum, required=True)
    label = graphene.String(required=True)


class CourtCaseNode(graphene.ObjectType):
    class Meta:
        name = "CourtCase"
        description = "Court work on the account's debt, from the pre-court claim to enforcement."

    id = graphene.ID(required=True)
    number = graphene.String(required=True)
    route = graphene.Field(CourtRouteEnum, required=True)
    status = graphene.Field(CaseStatusEnum, required=True)
    status_label = graphene.String(required=True)
    period_from = graphene.Date(required=True)
    period_to = graphene.Date()
    principal_debt = graphene.Decimal(required=True)
    penalties = graphene.Decimal(required=True)
    state_fee = graphene.Decimal(required=True, description="НК РФ ст.333.19 on the calculation day.")
    fee_source = graphene.String(required=True)
    court_name = graphene.String(required=True)
    court_case_number = graphene.String(required=True)
    recovered = graphene.Decimal(required=True)
    costs_recovered = graphene.Decimal(required=True)
    events = graphene.List(graphene.NonNull(CaseEventNode), required=True)
    allowed_events = graphene.List(graphene.NonNull(CaseEventKindNode), required=True,
                                   description="The steps the case's status allows next.")

    resolve_route = _choice("route")
    resolve_status = _choice("status")
    resolve_status_label = staticmethod(lambda c, info: str(CaseStatus(c.status).label))
    resolve_events = staticmethod(lambda c, info: list(c.events.all()))  # prefetched

    @staticmethod
    def resolve_allowed_events(case, info):
        from tenants.collection.services import case_events_allowed

        return [CaseEventKindNode(kind=str(kind), label=str(CaseEventKind(kind).label))
                for kind in case_events_allowed(case)]


class CollectionDocumentNode(graphene.ObjectType):
    class Meta:
        name = "CollectionDocument"

    kind = graphene.Field(CollectionDocumentKindEnum, required=True)
    title = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    url = graphene.String(description="A short-lived download link; null — nothing stored.")

    resolve_kind = _choice("kind")

    @staticmethod
    def resolve_url(doc, info):
        # a letter of a print batch links to the batch's PDF (its page is named in the title)
        return collection_document_download(doc) if doc.file_key else None


class DebtorDetailNode(DebtorFields, graphene.ObjectType):
    class Meta:
        name = "DebtorDetail"
        description = "One account's collection file: its debt by service and everything done about it."

    lines = graphene.List(graphene.NonNull(DebtorLineNode), required=True)
    warnings = graphene.List(graphene.NonNull(WarningNode), required=True, description="Newest first.")
    restrictions = graphene.List(graphene.NonNull(RestrictionNode), required=True, description="Newest first.")
    agreements = graphene.List(graphene.NonNull(AgreementNode), required=True, description="Newest first.")
    cases = graphene.List(graphene.NonNull(CourtCaseNode), required=True, description="Newest first.")
    documents = graphene.List(graphene.NonNull(CollectionDocumentNode), required=True, description="Newest first.")
    stopped_reason = graphene.String(description="Why the principal stopped work; null — not stopped.")


# --- the resident's side (the cabinet) --------------------------------------------------------------------------


class ResidentWarningNode(graphene.ObjectType):
    class Meta:
        name = "ResidentCollectionWarning"

    month = graphene.Date(required=True)
    service_name = graphene.String(required=True)
    debt = graphene.Decimal(required=True)
    term_end = graphene.Date(description="Pay by this day to avoid the restriction; null — not delivered yet.")
    status = graphene.Field(WarningStatusEnum, required=True)


class ResidentAgreementNode(graphene.ObjectType):
    class Meta:
        name = "ResidentCollectionAgreement"

    id = graphene.ID(required=True)
    number = graphene.String(required=True)
    status = graphene.Field(AgreementStatusEnum, required=True)
    total = graphene.Decimal()
    parts = graphene.Int(required=True)
    signed_on = graphene.Date()
    paid = graphene.Decimal(required=True)
    shortfall = graphene.Decimal(required=True)
    schedule = graphene.List(graphene.NonNull(InstallmentNode), required=True)


class ResidentCollectionAccountNode(graphene.ObjectType):
    class Meta:
        name = "ResidentCollectionAccount"
        description = "One principal's account of a linked household, with the debt work on it."

    els = graphene.String(required=True)
    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    account_number = graphene.String(required=True)
    balance = graphene.Decimal(description="The balance now (plus — a debt), as residentHouseholds shows it.")
    warnings = graphene.List(graphene.NonNull(ResidentWarningNode), required=True)
    agreements = graphene.List(graphene.NonNull(ResidentAgreementNode), required=True)
    can_request_agreement = graphene.Boolean(required=True, description="There is a debt and no open agreement "
                                                                        "or request.")


class ResidentCollectionNode(graphene.ObjectType):
    class Meta:
        name = "ResidentCollection"

    els = graphene.String(required=True)
    address = graphene.String(required=True)
    amount_due = graphene.Decimal(required=True, description="As residentHouseholds.amountDue; paid with "
                                                             "residentPaymentStart(els).")
    current_document_id = graphene.ID(description="The current ЕПД, as residentHouseholds.currentDocumentId.")
    accounts = graphene.List(graphene.NonNull(ResidentCollectionAccountNode), required=True)
