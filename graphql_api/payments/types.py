"""Payment types: residents' card payments, the agent's back office (intake, queue, allocations, cash desk,
payouts, reconciliation) and what a principal sees of its own money (receipts, payouts with their registers).

Nested lists read what the resolvers prefetched; a resolver here never queries per row. Storage keys are
never shown: a file is reached through a short-lived link made from its key.
"""

from decimal import Decimal

import graphene

from agency.payments.models import Channel, ImportStatus, IntentStatus, PaymentStatus, PayoutStatus
from agency.payments.payouts.deadlines import DeadlineState, payout_deadline
from billing_core.error_codes import ErrorCode
from graphql_api.core.enums import choices_enum, enum_value
from graphql_api.core.links import download_link
from graphql_api.core.pagination import PageInfo
from tenants.receipts.models import ReceiptSource

OnlinePaymentStatusEnum = choices_enum("OnlinePaymentStatus", IntentStatus, "Where a card payment stands.")
PaymentChannelEnum = choices_enum("PaymentChannel", Channel, "How the money reached the agent.")
PaymentStatusEnum = choices_enum("PaymentStatus", PaymentStatus, "Where an incoming payment stands.")
PaymentImportStatusEnum = choices_enum("PaymentImportStatus", ImportStatus)
PayoutStatusEnum = choices_enum("PayoutStatus", PayoutStatus, "created → approved → exported → confirmed.")
PayoutDeadlineStateEnum = choices_enum(
    "PayoutDeadlineState", DeadlineState,
    "Against the legal deadline (ПП 253 п.6, the working day after the money arrived): ON_TIME (exported by it), "
    "PENDING (not yet due), AT_RISK (not exported by the cut-off on the deadline day), LATE.")
ReceiptSourceEnum = choices_enum("ReceiptSource", ReceiptSource, "Through the agent, or the principal's own receipt.")
PaymentImportKindEnum = graphene.Enum("PaymentImportKind", [("REGISTRY", "registry"), ("STATEMENT", "statement")],
                                      description="A bank registry, or a 1C client-bank statement.")


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
        return enum_value(root.status)


# --- intake ------------------------------------------------------------------------------------------------


class PaymentImportErrorNode(graphene.ObjectType):
    class Meta:
        name = "PaymentImportError"
        description = "One problem of a refused file: its line (null: the file as a whole) and field."

    line = graphene.Int()
    field = graphene.String(description="The column or 1C key at fault, or null for the whole line.")
    message = graphene.String(required=True)
    code = graphene.String(required=True, description="An ErrorCode value.")


class PaymentImportNode(graphene.ObjectType):
    """A bank registry or 1C statement file: posted whole, or refused whole with every error named."""

    class Meta:
        name = "PaymentImport"

    id = graphene.ID(required=True)
    kind = graphene.Field(PaymentImportKindEnum, required=True)
    layout = graphene.String(required=True, description="The registry layout (e.g. sber_standard) or 1c_statement.")
    filename = graphene.String(required=True)
    status = graphene.Field(PaymentImportStatusEnum, required=True)
    phase = graphene.String(required=True, description="Progress of a staged import: queued, parsing, posting, done.")
    mode = graphene.String(required=True, description="validate, all_or_nothing or good_rows (a registry's upload).")
    rows_total = graphene.Int(required=True)
    rows_posted = graphene.Int(required=True, description="Rows posted now (rows recorded before are not).")
    amount_total = graphene.Decimal(required=True)
    amount_posted = graphene.Decimal(required=True)
    matched = graphene.Int(required=True)
    ambiguous = graphene.Int(required=True)
    unmatched = graphene.Int(required=True)
    duplicates = graphene.Int(required=True, description="Rows already recorded by another file or channel.")
    rows_rejected = graphene.Int(required=True, description="Bad lines not posted (listed in errors).")
    errors = graphene.List(graphene.NonNull(PaymentImportErrorNode), required=True)
    created_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()

    resolve_kind = staticmethod(lambda imp, info: enum_value(imp.kind))
    resolve_status = staticmethod(lambda imp, info: enum_value(imp.status))
    resolve_matched = staticmethod(lambda imp, info: (imp.summary or {}).get("matched", 0))
    resolve_ambiguous = staticmethod(lambda imp, info: (imp.summary or {}).get("ambiguous", 0))
    resolve_unmatched = staticmethod(lambda imp, info: (imp.summary or {}).get("unmatched", 0))
    resolve_duplicates = staticmethod(lambda imp, info: (imp.summary or {}).get("duplicates", 0))
    resolve_rows_rejected = staticmethod(lambda imp, info: (imp.summary or {}).get("rejected", 0))

    @staticmethod
    def resolve_errors(imp, info):
        return [PaymentImportErrorNode(line=e.get("line"), field=e.get("field") or None,
                                       message=e.get("message") or "", code=e.get("code") or ErrorCode.INVALID.value)
                for e in imp.errors or []]


class AllocationNode(graphene.ObjectType):
    """A payment's share for one principal and service, owed to that principal until its payout."""

    class Meta:
        name = "Allocation"

    id = graphene.ID(required=True)
    payment_id = graphene.ID(required=True)
    principal_id = graphene.ID(required=True)
    account_number = graphene.String(required=True, description="The personal account at that principal.")
    service_code = graphene.String(required=True, description="Empty: an advance on the account.")
    amount = graphene.Decimal(required=True)
    allocated_on = graphene.Date(required=True)
    payout_id = graphene.ID(description="The payout it went out in; null until one is built.")


class PaymentNode(graphene.ObjectType):
    """Money received by the agent from any channel, its household and its allocations."""

    class Meta:
        name = "Payment"

    id = graphene.ID(required=True)
    channel = graphene.Field(PaymentChannelEnum, required=True)
    source = graphene.String(required=True, description="Registry layout, 1c:<account>, desk:<desk> or stripe.")
    external_id = graphene.String(required=True, description="The payment's id in its source.")
    amount = graphene.Decimal(required=True)
    paid_on = graphene.Date(required=True)
    received_at = graphene.DateTime(required=True)
    payer_ref = graphene.String(required=True, description="The ЕЛС, ИПД or account number the payer gave.")
    payer_name = graphene.String(required=True)
    purpose = graphene.String(required=True)
    els = graphene.String(description="The household it was matched to; null while unmatched.")
    epd_ipd = graphene.String(description="The document it pays.")
    import_id = graphene.ID(description="The registry or statement it came in.")
    cash_shift_id = graphene.ID()
    status = graphene.Field(PaymentStatusEnum, required=True)
    match_note = graphene.String(required=True, description="Why it waits in the queue, or how it was resolved.")
    resolved_at = graphene.DateTime()
    allocations = graphene.List(graphene.NonNull(AllocationNode), required=True)

    resolve_channel = staticmethod(lambda p, info: enum_value(p.channel))
    resolve_status = staticmethod(lambda p, info: enum_value(p.status))
    resolve_import_id = staticmethod(lambda p, info: p.registry_import_id)

    @staticmethod
    def resolve_els(p, info):
        return p.unified_account.number if p.unified_account_id else None

    @staticmethod
    def resolve_epd_ipd(p, info):
        return p.epd.ipd if p.epd_id else None

    @staticmethod
    def resolve_allocations(p, info):
        return list(p.allocations.all())  # prefetched by the resolver that listed the payments


class PaymentsAllocateSkippedNode(graphene.ObjectType):
    class Meta:
        name = "PaymentsAllocateSkipped"
        description = "Payments left matched, and why: no_document, no_payees or no_account."

    reason = graphene.String(required=True)
    count = graphene.Int(required=True)
    payment_ids = graphene.List(graphene.NonNull(graphene.ID), required=True, description="Up to 1,000 of them.")


class CashShiftNode(graphene.ObjectType):
    class Meta:
        name = "CashShift"
        description = "An operator's shift at the agent's cash desk; closing fixes its count and total."

    id = graphene.ID(required=True)
    desk = graphene.String(required=True)
    operator_email = graphene.String(required=True)
    opened_at = graphene.DateTime(required=True)
    closed_at = graphene.DateTime()
    receipts_count = graphene.Int(required=True, description="Fixed at closing.")
    total = graphene.Decimal(required=True, description="Fixed at closing.")

    resolve_operator_email = staticmethod(lambda s, info: s.operator.email)


# --- payouts ---------------------------------------------------------------------------------------------


def payout_register_url(payout, fmt: str) -> str | None:
    """A short-lived link to the payout's register (XLSX or CSV); null until the payout is exported."""
    filename = f"reestr_{payout.business_day:%Y%m%d}_{payout.order_number or payout.pk}.{fmt}"
    return download_link(getattr(payout, f"register_{fmt}_key", ""), filename)


def _agent_view(info) -> bool:
    """The agent's back office: agent staff on the agent's host (principals see no names of the agent's staff)."""
    actor = info.context.actor
    return actor.is_agent_staff and actor.principal is None


class PayoutNode(graphene.ObjectType):
    """One principal's transfer for one working day: its allocations less the agent's fee."""

    class Meta:
        name = "Payout"

    id = graphene.ID(required=True)
    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    business_day = graphene.Date(required=True)
    covers_from = graphene.Date(required=True, description="The oldest allocation day it pays.")
    covers_to = graphene.Date(required=True)
    gross = graphene.Decimal(required=True, description="Collected.")
    fee = graphene.Decimal(required=True, description="The agent's fee.")
    net = graphene.Decimal(required=True, description="Sent to the principal.")
    status = graphene.Field(PayoutStatusEnum, required=True)
    order_number = graphene.Int(description="The payment order's number (per year), set at export.")
    order_date = graphene.Date()
    payee_account = graphene.String(required=True, description="The account it was sent to (set at export).")
    approved_at = graphene.DateTime()
    exported_at = graphene.DateTime()
    confirmed_at = graphene.DateTime()
    register_xlsx_url = graphene.String(description="A short-lived link to the register of covered payments (XLSX).")
    register_csv_url = graphene.String(description="The same register as CSV (UTF-8, ';', decimal comma).")
    built_by_schedule = graphene.Boolean(required=True, description="Built by the 07:00 schedule (no human builder).")
    built_by_name = graphene.String(description="Who built it (agent staff only; null for the schedule).")
    approved_by_name = graphene.String(description="Who approved it (agent staff only).")
    approval_refusal = graphene.String(
        description="Agent staff: why the caller may not approve it — not an approver, or its builder (four eyes); "
                    "null when the caller may.")
    deadline = graphene.Date(required=True, description="The legal deadline: the working day after coversFrom "
                                                        "(ПП 253 п.6).")
    deadline_state = graphene.Field(PayoutDeadlineStateEnum, required=True)
    days_late = graphene.Int(required=True, description="Calendar days past the deadline (0 unless LATE).")

    resolve_deadline = staticmethod(lambda p, info: payout_deadline(p).deadline)
    resolve_deadline_state = staticmethod(lambda p, info: enum_value(payout_deadline(p).state))
    resolve_days_late = staticmethod(lambda p, info: payout_deadline(p).days_late)

    resolve_principal_name = staticmethod(lambda p, info: p.principal.short_name)
    resolve_built_by_schedule = staticmethod(lambda p, info: p.built_by_id is None)

    @staticmethod
    def resolve_built_by_name(payout, info):
        if not _agent_view(info) or payout.built_by_id is None:
            return None
        return payout.built_by.full_name or payout.built_by.email

    @staticmethod
    def resolve_approved_by_name(payout, info):
        if not _agent_view(info) or payout.approved_by_id is None:
            return None
        return payout.approved_by.full_name or payout.approved_by.email

    @staticmethod
    def resolve_approval_refusal(payout, info):
        if not _agent_view(info) or enum_value(payout.status) != PayoutStatus.CREATED:
            return None
        from agency.payments.payouts import payout_approval_refusal

        return payout_approval_refusal(payout, info.context.actor.user)
    resolve_status = staticmethod(lambda p, info: enum_value(p.status))
    resolve_register_xlsx_url = staticmethod(lambda p, info: payout_register_url(p, "xlsx"))
    resolve_register_csv_url = staticmethod(lambda p, info: payout_register_url(p, "csv"))


class PayoutSkippedNode(graphene.ObjectType):
    class Meta:
        name = "PayoutSkipped"
        description = "A principal left out of a day's build, and why (no_contract, weekly_schedule, not_positive)."

    principal_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    reason = graphene.String(required=True)
    gross = graphene.Decimal(required=True)
    message = graphene.String(required=True)


class PayoutBuildNode(graphene.ObjectType):
    class Meta:
        name = "PayoutBuild"
        description = "A working day's payout build; building the day again returns it unchanged."

    business_day = graphene.Date(required=True)
    covers_from = graphene.Date(required=True)
    covers_to = graphene.Date(required=True)
    built_now = graphene.Boolean(required=True, description="False: the day was built before; nothing changed.")
    payouts = graphene.List(graphene.NonNull(PayoutNode), required=True)
    gross = graphene.Decimal(required=True)
    fee = graphene.Decimal(required=True)
    net = graphene.Decimal(required=True)
    skipped = graphene.List(graphene.NonNull(PayoutSkippedNode), required=True)


# --- reconciliation -------------------------------------------------------------------------------------


class AmountByKeyNode(graphene.ObjectType):
    class Meta:
        name = "AmountByKey"

    key = graphene.String(required=True, description="A channel or a payment status.")
    amount = graphene.Decimal(required=True)


class LedgerCheckNode(graphene.ObjectType):
    class Meta:
        name = "LedgerCheck"
        description = "An account of the agent's ledger: what the day's operations imply against what is posted."

    account = graphene.String(required=True)
    expected = graphene.Decimal(required=True)
    actual = graphene.Decimal(required=True)


class ReconciliationEquationNode(graphene.ObjectType):
    class Meta:
        name = "ReconciliationEquation"

    name = graphene.String(required=True)
    left = graphene.Decimal(required=True)
    right = graphene.Decimal(required=True)
    difference = graphene.Decimal(required=True)


class ReconciliationDifferenceNode(graphene.ObjectType):
    class Meta:
        name = "ReconciliationDifference"
        description = "Something the books do not explain, named by its row or posting."

    kind = graphene.String(required=True, description="payment, payout, ledger or balance.")
    ref = graphene.String(required=True, description="payment:<id>, payout:<id>, a posting key or an account.")
    account = graphene.String(required=True)
    expected = graphene.Decimal(required=True)
    actual = graphene.Decimal(required=True)
    amount = graphene.Decimal(required=True, description="actual − expected.")
    message = graphene.String(required=True)


class ReconciliationExplainedNode(graphene.ObjectType):
    class Meta:
        name = "ReconciliationExplained"
        description = "A named item that accounts for money not (yet) further down the chain."

    kind = graphene.String(required=True)
    ref = graphene.String(required=True)
    amount = graphene.Decimal(required=True)
    message = graphene.String(required=True)


class ReconciliationPayoutNode(graphene.ObjectType):
    class Meta:
        name = "ReconciliationPayout"
        description = "A payout that carries some of the day's allocations, and the day's share of it."

    payout_id = graphene.ID(required=True)
    principal_id = graphene.ID(required=True)
    business_day = graphene.Date(required=True)
    status = graphene.Field(PayoutStatusEnum, required=True)
    gross = graphene.Decimal(required=True)
    fee = graphene.Decimal(required=True)
    net = graphene.Decimal(required=True)
    order_number = graphene.Int()
    day_gross = graphene.Decimal(required=True)
    day_fee = graphene.Decimal(required=True)
    day_net = graphene.Decimal(required=True)

    resolve_status = staticmethod(lambda p, info: enum_value(p["status"]))


class ReconciliationLatePayoutNode(graphene.ObjectType):
    class Meta:
        name = "ReconciliationLatePayout"
        description = ("A payout due on the day that is late or at risk, or due earlier and still not exported at the "
                       "day's end (ПП 253 п.6).")

    payout_id = graphene.ID(required=True)
    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    business_day = graphene.Date(required=True)
    covers_from = graphene.Date(required=True)
    deadline = graphene.Date(required=True)
    state = graphene.Field(PayoutDeadlineStateEnum, required=True)
    days_late = graphene.Int(required=True)
    status = graphene.Field(PayoutStatusEnum, required=True)
    order_date = graphene.Date()
    net = graphene.Decimal(required=True)

    resolve_status = staticmethod(lambda p, info: enum_value(p["status"]))
    resolve_state = staticmethod(lambda p, info: enum_value(p["state"]))


def _checks(table: dict) -> list[LedgerCheckNode]:
    return [LedgerCheckNode(account=code, expected=v["expected"], actual=v["actual"])
            for code, v in sorted(table.items())]


class ReconciliationNode(graphene.ObjectType):
    """One day: money in = allocated + pending + refunded; allocations = paid out + fee + not yet paid out; and
    the agent's ledger against both. ``ok`` when nothing is unexplained."""

    class Meta:
        name = "Reconciliation"

    day = graphene.Date(required=True)
    ok = graphene.Boolean(required=True)
    unexplained = graphene.Decimal(required=True, description="Sum of the unexplained differences: 0 on a normal day.")
    money_in = graphene.List(graphene.NonNull(AmountByKeyNode), required=True, description="By channel.")
    money_in_total = graphene.Decimal(required=True)
    payments_count = graphene.Int(required=True)
    allocated = graphene.Decimal(required=True)
    pending = graphene.List(graphene.NonNull(AmountByKeyNode), required=True, description="By payment status.")
    pending_total = graphene.Decimal(required=True)
    pending_count = graphene.Int(required=True)
    refunded = graphene.Decimal(required=True)
    allocations_made = graphene.Decimal(required=True)
    paid_out_net = graphene.Decimal(required=True)
    paid_out_fee = graphene.Decimal(required=True)
    not_paid_out = graphene.Decimal(required=True)
    payouts = graphene.List(graphene.NonNull(ReconciliationPayoutNode), required=True)
    late_payouts = graphene.List(graphene.NonNull(ReconciliationLatePayoutNode), required=True,
                                 description="Payouts late or at risk against their legal deadline.")
    ledger_day = graphene.List(graphene.NonNull(LedgerCheckNode), required=True)
    ledger_balance = graphene.List(graphene.NonNull(LedgerCheckNode), required=True)
    equations = graphene.List(graphene.NonNull(ReconciliationEquationNode), required=True)
    differences = graphene.List(graphene.NonNull(ReconciliationDifferenceNode), required=True)
    explained = graphene.List(graphene.NonNull(ReconciliationExplainedNode), required=True)

    resolve_money_in = staticmethod(
        lambda r, info: [AmountByKeyNode(key=k, amount=v) for k, v in sorted(r.money_in.items())])
    resolve_pending = staticmethod(
        lambda r, info: [AmountByKeyNode(key=k, amount=v) for k, v in sorted(r.pending.items())])
    resolve_ledger_day = staticmethod(lambda r, info: _checks(r.ledger_day))
    resolve_ledger_balance = staticmethod(lambda r, info: _checks(r.ledger_balance))

    @staticmethod
    def resolve_equations(r, info):
        return [ReconciliationEquationNode(name=e.name, left=e.left, right=e.right, difference=e.difference)
                for e in r.equations]

    @staticmethod
    def resolve_differences(r, info):
        return [ReconciliationDifferenceNode(kind=d.kind, ref=d.ref, account=d.account, expected=d.expected,
                                             actual=d.actual, amount=d.amount, message=d.message)
                for d in r.differences]

    @staticmethod
    def resolve_explained(r, info):
        return [ReconciliationExplainedNode(kind=e.kind, ref=e.ref, amount=e.amount, message=e.message)
                for e in r.explained]


# --- what a principal sees --------------------------------------------------------------------------------


class PrincipalReceiptNode(graphene.ObjectType):
    """Money received on one of the principal's accounts: the agent's allocation, or its own receipt."""

    class Meta:
        name = "PrincipalReceipt"

    id = graphene.ID(required=True)
    account_number = graphene.String(required=True)
    service_code = graphene.String(description="Null: an advance on the account.")
    amount = graphene.Decimal(required=True)
    paid_on = graphene.Date(required=True)
    source = graphene.Field(ReceiptSourceEnum, required=True)
    allocation_id = graphene.ID(description="The agent's allocation it comes from.")
    document_number = graphene.String(description="The principal's own document number (own receipts).")
    comment = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    resolve_account_number = staticmethod(lambda r, info: r.account.number)
    resolve_service_code = staticmethod(lambda r, info: r.service.code if r.service_id else None)
    resolve_source = staticmethod(lambda r, info: enum_value(r.source))

    @staticmethod
    def resolve_document_number(r, info):
        # the key is "<paid_on ISO>:<number>"; the number itself may contain colons
        return r.external_key.partition(":")[2] if r.external_key else None


class PrincipalReceiptConnection(graphene.ObjectType):
    nodes = graphene.List(graphene.NonNull(PrincipalReceiptNode), required=True)
    page_info = graphene.Field(PageInfo, required=True)
    total_count = graphene.Int(required=True)
    total_amount = graphene.Decimal(required=True, description="The sum over every matching receipt, not the page.")

    resolve_total_count = staticmethod(lambda conn, info: conn.total_count())
    resolve_total_amount = staticmethod(lambda conn, info: conn.total_amount())


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def exact_money(value, field: str) -> Decimal:
    """An amount as given, refused (not rounded) when it is not whole kopecks or not positive."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    try:
        amount = Decimal(value)
        inexact = not amount.is_finite() or amount != amount.quantize(Decimal("0.01"))
    except ArithmeticError:  # decimal.InvalidOperation: an exponent past the context's precision
        inexact = True
    if inexact:
        raise ValidationError({field: ValidationError(_("Сумма — в рублях с точностью до копейки."),
                                                      code=ErrorCode.INVALID)})
    if amount <= 0:
        raise ValidationError({field: ValidationError(_("Сумма должна быть больше нуля."), code=ErrorCode.INVALID)})
    return amount
