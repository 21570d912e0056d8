"""ЕПД types: a document is read from its stored content; a principal's view is its own block only."""

from datetime import date
from decimal import Decimal

import graphene

from graphql_api.core.links import download_link


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _date(value) -> date | None:
    return None if not value else date.fromisoformat(value)


def _key(name: str):
    return lambda root, info: root.get(name)


def _money_key(name: str):
    return lambda root, info: _money(root.get(name))


class EpdLineNode(graphene.ObjectType):
    class Meta:
        name = "EpdLine"
        description = "Раздел 3: расчёт по одной услуге."

    service = graphene.String(required=True, resolver=_key("service"))
    unit = graphene.String(required=True, resolver=_key("unit"))
    method = graphene.String(required=True, resolver=_key("method"), description="meter, average, norm or fixed.")
    quantity = graphene.Decimal(resolver=_money_key("quantity"))
    rate = graphene.Decimal(resolver=_money_key("rate"))
    uplift = graphene.Decimal(resolver=_money_key("uplift"), description="Повышающий коэффициент, if applied.")
    norm_quantity = graphene.Decimal(resolver=_money_key("norm_quantity"),
                                     description="With an uplift above 1: the volume by the norm, without it.")
    base_amount = graphene.Decimal(resolver=_money_key("base_amount"),
                                   description="With an uplift above 1: normQuantity × rate, the charge by the norm.")
    uplift_amount = graphene.Decimal(resolver=_money_key("uplift_amount"),
                                     description="With an uplift above 1: what the coefficient adds (charged − "
                                                 "baseAmount), shown separately on the ЕПД (ПП 354 п.69).")
    charged = graphene.Decimal(required=True, resolver=_money_key("charged"))
    recalculated = graphene.Decimal(required=True, resolver=_money_key("recalculated"))
    benefits = graphene.Decimal(required=True, resolver=_money_key("benefits"))
    penalties = graphene.Decimal(required=True, resolver=_money_key("penalties"))
    total = graphene.Decimal(required=True, resolver=_money_key("total"))


class EpdRecalculationNode(graphene.ObjectType):
    class Meta:
        name = "EpdRecalculation"
        description = "Раздел 5: перерасчёт с основанием."

    service = graphene.String(required=True, resolver=_key("service"))
    reason = graphene.String(required=True, resolver=_key("reason"))
    comment = graphene.String(required=True, resolver=lambda root, info: root.get("comment") or "")
    amount = graphene.Decimal(required=True, resolver=_money_key("amount"))


class EpdMeterNode(graphene.ObjectType):
    class Meta:
        name = "EpdMeter"
        description = "Раздел 4: показания прибора учёта."

    service = graphene.String(required=True, resolver=_key("service"))
    serial = graphene.String(required=True, resolver=_key("serial"))
    zone = graphene.Int(required=True, resolver=lambda root, info: root.get("zone") or 1)
    previous = graphene.Decimal(resolver=_money_key("previous"))
    current = graphene.Decimal(resolver=_money_key("current"))


class _BalanceAmounts(graphene.ObjectType):
    """The balance columns a payee's block and the document's totals both print (roubles)."""

    class Meta:
        abstract = True

    opening = graphene.Decimal(required=True, resolver=_money_key("opening"))
    paid = graphene.Decimal(required=True, resolver=_money_key("paid"))
    charged = graphene.Decimal(required=True, resolver=_money_key("charged"))
    recalculated = graphene.Decimal(required=True, resolver=_money_key("recalculated"))
    benefits = graphene.Decimal(required=True, resolver=_money_key("benefits"))
    penalties = graphene.Decimal(required=True, resolver=_money_key("penalties"))
    closing = graphene.Decimal(required=True, resolver=_money_key("closing"))
    amount_due = graphene.Decimal(required=True, resolver=_money_key("amount_due"))


class EpdContactsNode(graphene.ObjectType):
    class Meta:
        name = "EpdContacts"

    address = graphene.String(required=True, resolver=lambda r, i: r.get("address") or "")
    phone = graphene.String(required=True, resolver=lambda r, i: r.get("phone") or "")
    email = graphene.String(required=True, resolver=lambda r, i: r.get("email") or "")
    website = graphene.String(required=True, resolver=lambda r, i: r.get("website") or "")
    working_hours = graphene.String(required=True, resolver=lambda r, i: r.get("working_hours") or "")


class EpdPayeeNode(_BalanceAmounts):
    class Meta:
        name = "EpdPayee"
        description = "Раздел 2 and its lines: one payee's block of a document."

    principal_id = graphene.ID(required=True, resolver=_key("principal_id"))
    name = graphene.String(required=True, resolver=_key("name"))
    inn = graphene.String(required=True, resolver=_key("inn"))
    kpp = graphene.String(resolver=_key("kpp"))
    bank_name = graphene.String(required=True, resolver=_key("bank_name"))
    bic = graphene.String(required=True, resolver=_key("bic"))
    account = graphene.String(required=True, resolver=_key("account"), description="The payee's bank account.")
    corr_account = graphene.String(required=True, resolver=_key("corr_account"))
    account_number = graphene.String(
        required=True, resolver=_key("account_number"), description="The payer's personal account with this payee."
    )
    qr_mode = graphene.String(required=True, resolver=_key("qr_mode"))
    debt = graphene.Decimal(required=True, resolver=_money_key("debt"), description="Earlier periods' unpaid debt.")
    advance = graphene.Decimal(required=True, resolver=_money_key("advance"))
    last_payment_date = graphene.Date(resolver=lambda root, info: _date(root.get("last_payment_date")))
    persons = graphene.Int(resolver=_key("persons"), description="The persons this payee charged for.")
    contacts = graphene.Field(lambda: EpdContactsNode, resolver=lambda r, i: r.get("contacts"),
                              description="The executor's contacts printed on the ЕПД (ПП 354 п.69 «а»).")
    lines = graphene.List(graphene.NonNull(EpdLineNode), required=True, resolver=lambda r, i: r.get("lines") or [])
    recalculations = graphene.List(
        graphene.NonNull(EpdRecalculationNode), required=True, resolver=lambda r, i: r.get("recalculations") or []
    )
    meters = graphene.List(graphene.NonNull(EpdMeterNode), required=True, resolver=lambda r, i: r.get("meters") or [])


class EpdTotalsNode(_BalanceAmounts):
    class Meta:
        name = "EpdTotals"



class EpdDocumentNode(graphene.ObjectType):
    """A whole document: for residents (their own households) and agent staff."""

    class Meta:
        name = "EpdDocument"

    id = graphene.ID(required=True)
    ipd = graphene.String(required=True, description="ИПД")
    els = graphene.String(required=True, description="ЕЛС")
    month = graphene.Date(required=True)
    version = graphene.Int(required=True)
    is_current = graphene.Boolean(required=True, description="False once a newer version was issued.")
    due_date = graphene.Date(required=True)
    payer = graphene.String(required=True)
    address = graphene.String(required=True)
    total_due = graphene.Decimal(required=True)
    created_at = graphene.DateTime(required=True)
    pdf_ready = graphene.Boolean(required=True)
    payees = graphene.List(graphene.NonNull(EpdPayeeNode), required=True)
    totals = graphene.Field(EpdTotalsNode, required=True)
    download_url = graphene.String(description="A short-lived link to the PDF; null until it is rendered.")

    @staticmethod
    def resolve_els(epd, info):
        return epd.content.get("els") or ""

    @staticmethod
    def resolve_payer(epd, info):
        return epd.payer_name

    @staticmethod
    def resolve_pdf_ready(epd, info):
        return bool(epd.pdf_key)

    @staticmethod
    def resolve_payees(epd, info):
        return epd.content.get("payees") or []

    @staticmethod
    def resolve_totals(epd, info):
        return epd.content.get("totals") or {}

    @staticmethod
    def resolve_download_url(epd, info):
        # a short-lived link to the document's PDF; the storage key itself is never shown
        return download_link(epd.pdf_key, f"ЕПД_{epd.content.get('els', '')}_{epd.month:%m.%Y}.pdf")


def _of_document(attr: str):
    return lambda row, info: getattr(row.epd, attr)


class PrincipalEpdBlockNode(graphene.ObjectType):
    """A principal's own block of one document: never another payee's lines or totals."""

    class Meta:
        name = "PrincipalEpdBlock"

    id = graphene.ID(required=True)
    document_id = graphene.ID(required=True, resolver=lambda row, info: row.epd_id)
    ipd = graphene.String(required=True, resolver=_of_document("ipd"))
    els = graphene.String(required=True, resolver=lambda row, info: row.epd.content.get("els") or "")
    month = graphene.Date(required=True, resolver=_of_document("month"))
    version = graphene.Int(required=True, resolver=_of_document("version"))
    is_current = graphene.Boolean(required=True, resolver=_of_document("is_current"))
    due_date = graphene.Date(required=True, resolver=_of_document("due_date"))
    payer = graphene.String(required=True, resolver=_of_document("payer_name"))
    address = graphene.String(required=True, resolver=_of_document("address"))
    account_number = graphene.String(required=True)
    amount_due = graphene.Decimal(required=True)
    block = graphene.Field(EpdPayeeNode, required=True)


class EpdRunIssueNode(graphene.ObjectType):
    class Meta:
        name = "EpdRunIssue"

    id = graphene.ID(required=True)
    principal_id = graphene.ID()
    els = graphene.String()
    account_number = graphene.String(required=True)
    code = graphene.String(required=True)
    message = graphene.String(required=True)

    @staticmethod
    def resolve_els(issue, info):
        return issue.unified_account.number if issue.unified_account_id else None


class EpdRunNode(graphene.ObjectType):
    class Meta:
        name = "EpdRun"

    id = graphene.ID(required=True)
    month = graphene.Date(required=True)
    status = graphene.String(required=True)
    principals_total = graphene.Int(required=True)
    principals_done = graphene.Int(required=True)
    documents_total = graphene.Int(required=True)
    documents_written = graphene.Int(required=True, description="New document versions written by this run.")
    documents_rendered = graphene.Int(required=True)
    issues_count = graphene.Int(required=True)
    error = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()
