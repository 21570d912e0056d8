"""The agent's payments back office (agent staff): intake files, the unmatched queue, allocation, the cash desk,
daily payouts and the reconciliation. Every resolver checks the caller first and calls one domain service or
selector of ``payments``; files arrive through ``/uploads/<kind>`` (graphql_api.uploads)."""

from datetime import date

import graphene
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.identity.permissions import AgentPerm
from agency.identity.services import audit_party
from agency.payments import payouts as payout_services
from agency.payments.allocation.bulk import payments_allocate
from agency.payments.intake import cash_desk as payment_services
from agency.payments.intake import queue as queue_services
from agency.payments.models import Allocation, CashShift, Payment, Payout, RegistryImport
from agency.payments.payouts.deadlines import payouts_deadlines_attach
from agency.payments.payouts.reconciliation import reconciliation_day
from billing_core.error_codes import ErrorCode
from graphql_api.core.enums import enum_value
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.links import download_link
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.pagination import PageInfo, connection_type, decode_cursor, encode_cursor, resolve_connection
from graphql_api.core.permissions import audit_parties_add, require_agent_perm, require_agent_staff
from graphql_api.payments.types import (
    CashShiftNode,
    PaymentChannelEnum,
    PaymentImportKindEnum,
    PaymentImportNode,
    PaymentImportStatusEnum,
    PaymentNode,
    PaymentsAllocateSkippedNode,
    PaymentStatusEnum,
    PayoutBuildNode,
    PayoutNode,
    PayoutSkippedNode,
    PayoutStatusEnum,
    ReconciliationNode,
    exact_money,
)
from tenants.regulations.selectors import calendar_coverage

PaymentImportConnection = connection_type(PaymentImportNode, "PaymentImportConnection")


class CalendarCoverageNode(graphene.ObjectType):
    """How far the loaded production calendar reaches (regulations.selectors.calendar_coverage)."""

    class Meta:
        name = "CalendarCoverage"

    today = graphene.Date(required=True)
    last_year = graphene.Int(description="The last year loaded from its government decree; null: none is.")
    last_day = graphene.Date(description="31 December of that year.")
    days_left = graphene.Int(required=True, description="Days after today the decreed calendar still covers.")
    warn = graphene.Boolean(required=True, description="Within CALENDAR_WARN_DAYS of the end (or past it).")
    warn_days = graphene.Int(required=True)
    message = graphene.String(required=True)
    provisional_years = graphene.List(graphene.NonNull(graphene.Int), required=True, description=(
        "Later years loaded provisionally from the Labour Code (ТК РФ ст.112) until their decree is entered: "
        "payouts can be dated in them, the decree's own transfers are missing."))
    covered_until = graphene.Date(description="31 December of the last year with any rows, provisional included.")

    resolve_warn_days = staticmethod(lambda c, info: settings.CALENDAR_WARN_DAYS)
PaymentConnection = connection_type(PaymentNode, "PaymentConnection")
CashShiftConnection = connection_type(CashShiftNode, "CashShiftConnection")
PayoutConnection = connection_type(PayoutNode, "PayoutConnection")

QUEUE_PAGE = 50


def payments_prefetch(rows: list[Payment]) -> list[Payment]:
    """Household, document and allocations of a page of payments: three queries whatever the page size."""
    prefetch_related_objects(rows, "unified_account", "epd", "allocations")
    return rows


def _ids(values, field: str) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: ValidationError(_("Неверный идентификатор."), code=ErrorCode.INVALID)}) from exc


def payout_rows(ids) -> list[Payout]:
    return payouts_deadlines_attach(Payout.objects.select_related("principal", "built_by", "approved_by")
                                    .filter(pk__in=list(ids)).order_by("pk"))


class Queries(graphene.ObjectType):
    payment_imports = graphene.Field(
        PaymentImportConnection, required=True, kind=PaymentImportKindEnum(), status=PaymentImportStatusEnum(),
        first=graphene.Int(), after=graphene.String(),
        description="Registry and statement files with their status and errors by line and field, newest first "
                    "(agent staff).",
    )
    payment_queue = graphene.Field(
        PaymentConnection, required=True,
        status=PaymentStatusEnum(description="UNMATCHED or AMBIGUOUS; both if omitted."),
        channel=PaymentChannelEnum(), first=graphene.Int(), after=graphene.String(),
        description="Payments waiting for an operator: unmatched and ambiguous, oldest first (agent staff).",
    )
    payments = graphene.Field(
        PaymentConnection, required=True,
        search=graphene.String(description="A ЕЛС, a personal account number (as paid or as allocated), a source or "
                                           "the payment's id in its source."),
        day=graphene.Date(description="The payment day."), channel=PaymentChannelEnum(), status=PaymentStatusEnum(),
        first=graphene.Int(), after=graphene.String(),
        description="Incoming payments with their allocations, newest first (agent staff).",
    )
    cash_shifts = graphene.Field(
        CashShiftConnection, required=True, open=graphene.Boolean(description="Only open (true) or closed (false)."),
        desk=graphene.String(), first=graphene.Int(), after=graphene.String(),
        description="Cash desk shifts, newest first (agent staff).",
    )
    payouts = graphene.Field(
        PayoutConnection, required=True, business_day=graphene.Date(), status=PayoutStatusEnum(),
        principal_id=graphene.ID(), first=graphene.Int(), after=graphene.String(),
        description="Daily payouts to principals, newest first (agent staff).",
    )
    reconciliation = graphene.Field(
        ReconciliationNode, required=True, day=graphene.Date(required=True),
        description="The day's reconciliation with every difference named (agent staff).",
    )
    calendar_coverage = graphene.Field(
        CalendarCoverageNode, required=True,
        description="The production calendar's last loaded day and the days left, with a warning within "
                    "CALENDAR_WARN_DAYS (agent staff).",
    )

    @staticmethod
    def resolve_calendar_coverage(root, info):
        require_agent_staff(info)
        return calendar_coverage()

    @staticmethod
    def resolve_payment_imports(root, info, kind=None, status=None, first=None, after=None):
        require_agent_staff(info)
        qs = RegistryImport.objects.all()
        if kind:
            qs = qs.filter(kind=enum_value(kind))
        if status:
            qs = qs.filter(status=enum_value(status))
        return resolve_connection(PaymentImportConnection, qs, first=first, after=after, newest_first=True)

    @staticmethod
    def resolve_payment_queue(root, info, status=None, channel=None, first=None, after=None):
        require_agent_staff(info)
        status = enum_value(status) if status else None
        if status is not None and status not in queue_services.QUEUE_STATUSES:
            raise ApiError(ErrorCode.INVALID, _("В очереди только несопоставленные и неоднозначные платежи."))
        size = QUEUE_PAGE if first is None else first
        if not 1 <= size <= queue_services.PAGE_MAX:
            raise ApiError(ErrorCode.INVALID,
                           _("Размер страницы — от 1 до %(max)s.") % {"max": queue_services.PAGE_MAX})
        channel = enum_value(channel) if channel else None
        found = queue_services.payment_queue(after=decode_cursor(after) if after else None, limit=size, status=status,
                                             channel=channel)
        rows = payments_prefetch(found.payments)
        counted = Payment.objects.filter(status__in=[status] if status else list(queue_services.QUEUE_STATUSES))
        if channel:
            counted = counted.filter(channel=channel)
        return PaymentConnection(
            nodes=rows, total_count=counted.count,
            page_info=PageInfo(has_next_page=found.next_after is not None,
                               end_cursor=encode_cursor(rows[-1].pk) if rows else None),
        )

    @staticmethod
    def resolve_payments(root, info, search=None, day=None, channel=None, status=None, first=None, after=None):
        require_agent_staff(info)
        qs = Payment.objects.all()
        if search:
            text = search.strip()
            qs = qs.filter(Q(payer_ref=text) | Q(unified_account__number=text) | Q(source=text)
                           | Q(external_id=text)
                           | Q(pk__in=Allocation.objects.filter(account_number=text).values("payment_id")))
        if day:
            qs = qs.filter(paid_on=day)
        if channel:
            qs = qs.filter(channel=enum_value(channel))
        if status:
            qs = qs.filter(status=enum_value(status))
        return resolve_connection(PaymentConnection, qs, first=first, after=after, newest_first=True,
                                  fetch=lambda page: payments_prefetch(list(page)))

    @staticmethod
    def resolve_cash_shifts(root, info, open=None, desk=None, first=None, after=None):
        require_agent_staff(info)
        qs = CashShift.objects.select_related("operator")
        if open is not None:
            qs = qs.filter(closed_at__isnull=open)
        if desk:
            qs = qs.filter(desk=desk)
        return resolve_connection(CashShiftConnection, qs, first=first, after=after, newest_first=True)

    @staticmethod
    def resolve_payouts(root, info, business_day=None, status=None, principal_id=None, first=None, after=None):
        require_agent_staff(info)
        qs = Payout.objects.select_related("principal", "built_by", "approved_by")
        if business_day:
            qs = qs.filter(business_day=business_day)
        if status:
            qs = qs.filter(status=enum_value(status))
        if principal_id:
            qs = qs.filter(principal_id=int_id(principal_id))
        return resolve_connection(PayoutConnection, qs, first=first, after=after, newest_first=True,
                                  fetch=payouts_deadlines_attach)

    @staticmethod
    def resolve_reconciliation(root, info, day: date):
        require_agent_staff(info)
        return reconciliation_day(day=day)


# --- the queue ----------------------------------------------------------------------------------------------


class PaymentResolve(BaseMutation):
    """Match a queued payment to the household named by its ЕЛС or by a personal account number (agent staff)."""

    payment = graphene.Field(PaymentNode)

    class Arguments:
        payment_id = graphene.ID(required=True)
        els = graphene.String()
        account_number = graphene.String(description="Instead of the ЕЛС: an account number of exactly one household.")
        note = graphene.String()

    @classmethod
    def perform(cls, root, info, payment_id, els="", account_number="", note=""):
        actor = require_agent_staff(info)
        payment = queue_services.payment_resolve(payment_id=int_id(payment_id), user=actor.user, els=els or "",
                                                 account_number=account_number or "", note=note or "")
        return cls(payment=payments_prefetch([payment])[0])


class PaymentReturn(BaseMutation):
    """Send a queued payment back to the payer (agent staff): it is refunded and leaves the agent's account."""

    payment = graphene.Field(PaymentNode)

    class Arguments:
        payment_id = graphene.ID(required=True)
        note = graphene.String()
        on = graphene.Date(description="The day the money went back; today by default.")

    @classmethod
    def perform(cls, root, info, payment_id, note="", on=None):
        actor = require_agent_staff(info)
        payment = queue_services.payment_return(payment_id=int_id(payment_id), user=actor.user, note=note or "",
                                                on=on)
        return cls(payment=payments_prefetch([payment])[0])


class PaymentsAllocate(BaseMutation):
    """Allocate matched payments among their documents' payees, set-based (agent staff): those given, or all of a
    payment day. Payments that cannot be allocated stay matched and are listed with the reason."""

    payments_count = graphene.Int(description="Payments allocated now.")
    amount = graphene.Decimal()
    allocations_count = graphene.Int()
    receipts_count = graphene.Int(description="Receipts written in the principals' schemas.")
    principals_count = graphene.Int()
    skipped = graphene.List(graphene.NonNull(PaymentsAllocateSkippedNode))

    class Arguments:
        day = graphene.Date(description="Every matched payment of this payment day.")
        payment_ids = graphene.List(graphene.NonNull(graphene.ID), description="Or exactly these payments.")
        on = graphene.Date(description="The allocation date; today by default.")

    @classmethod
    def perform(cls, root, info, day=None, payment_ids=None, on=None):
        require_agent_staff(info)
        if (day is None) == (payment_ids is None):
            raise ValidationError({"day": ValidationError(_("Укажите день платежей или платежи (одно из двух)."),
                                                          code=ErrorCode.REQUIRED)})
        ids = _ids(payment_ids, "payment_ids") if payment_ids is not None else None
        result = payments_allocate(payment_ids=ids, day=day if ids is None else None, on=on)
        return cls(payments_count=result.payments, amount=result.amount, allocations_count=result.allocations,
                   receipts_count=result.receipts, principals_count=result.principals,
                   skipped=[PaymentsAllocateSkippedNode(reason=reason, count=n, payment_ids=result.skipped_ids[reason])
                            for reason, n in sorted(result.skipped.items())])


# --- the cash desk --------------------------------------------------------------------------------------------


class CashShiftOpen(BaseMutation):
    """Open the caller's shift at a desk; an open one is returned as it is (agent staff)."""

    shift = graphene.Field(CashShiftNode)

    class Arguments:
        desk = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, desk):
        actor = require_agent_staff(info)
        desk = desk.strip()
        if not desk:
            raise ValidationError({"desk": ValidationError(_("Укажите кассу."), code=ErrorCode.REQUIRED)})
        return cls(shift=payment_services.cash_shift_open(operator=actor.user, desk=desk[:40]))


class CashReceiptRecord(BaseMutation):
    """A payment taken in cash in the caller's own open shift; once per desk and receipt number (agent staff)."""

    payment = graphene.Field(PaymentNode)
    created = graphene.Boolean(description="False: this receipt number was recorded before; nothing changed.")

    class Arguments:
        shift_id = graphene.ID(required=True)
        receipt_number = graphene.String(required=True)
        amount = graphene.Decimal(required=True, description="Roubles, to the kopeck.")
        payer_ref = graphene.String(required=True, description="The ЕЛС, ИПД or account number being paid.")
        payer_name = graphene.String()
        paid_on = graphene.Date(required=True)

    @classmethod
    def perform(cls, root, info, shift_id, receipt_number, amount, payer_ref, paid_on, payer_name=""):
        actor = require_agent_staff(info)
        payment, created = payment_services.cash_receipt_record(
            shift_id=int_id(shift_id), operator=actor.user, receipt_number=receipt_number,
            amount=exact_money(amount, "amount"), payer_ref=payer_ref.strip(), payer_name=payer_name or "",
            paid_on=paid_on)
        return cls(payment=payments_prefetch([payment])[0], created=created)


class CashShiftClose(BaseMutation):
    """Close the caller's shift: its count and total are fixed from its receipts (agent staff)."""

    shift = graphene.Field(CashShiftNode)

    class Arguments:
        shift_id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, shift_id):
        actor = require_agent_staff(info)
        return cls(shift=payment_services.cash_shift_close(shift_id=int_id(shift_id), operator=actor.user))


# --- payouts ---------------------------------------------------------------------------------------------------


class PayoutsBuild(BaseMutation):
    """Build a working day's payouts, one per principal; building the day again changes nothing (agent staff)."""

    build = graphene.Field(PayoutBuildNode)

    class Arguments:
        business_day = graphene.Date(required=True)

    @classmethod
    def perform(cls, root, info, business_day):
        actor = require_agent_perm(info, AgentPerm.PAYOUTS_BUILD)
        report = payout_services.payouts_build(business_day=business_day, user=actor.user)
        if report.built_now and report.payout_ids:
            audit_parties_add(info, audit_party("builder", actor.user, payouts=report.payout_ids))
        return cls(build=PayoutBuildNode(
            business_day=report.business_day, covers_from=report.covers_from, covers_to=report.covers_to,
            built_now=report.built_now, payouts=payout_rows(report.payout_ids), gross=report.gross, fee=report.fee,
            net=report.net, skipped=[PayoutSkippedNode(**s) for s in report.skipped]))


class PayoutApprove(BaseMutation):
    """created → approved for every payout given, or for none: an approver or the agent's admin, never the person
    who built the payout (payouts the 07:00 schedule built may be approved by any approver)."""

    payouts = graphene.List(graphene.NonNull(PayoutNode))

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    @classmethod
    def perform(cls, root, info, ids):
        actor = require_agent_perm(info, AgentPerm.PAYOUTS_APPROVE)
        if not ids:
            raise ValidationError({"ids": ValidationError(_("Укажите перечисления."), code=ErrorCode.REQUIRED)})
        approved = payout_services.payouts_approve(payout_ids=_ids(ids, "ids"), user=actor.user)
        rows = payout_rows(p.pk for p in approved)
        now = [p for p in rows if p.approved_by_id == actor.user.pk]
        builders: dict[int | None, list[int]] = {}
        for p in now:
            builders.setdefault(p.built_by_id, []).append(p.pk)
        audit_parties_add(info, *(audit_party("builder", next(p.built_by for p in now if p.built_by_id == who),
                                              payouts=pks) for who, pks in builders.items()),
                          audit_party("approver", actor.user, payouts=[p.pk for p in now]))
        return cls(payouts=rows)


class PayoutsExport(BaseMutation):
    """Export approved payouts (of a day, or exactly those given): one 1C file of payment orders and a register
    per payout; approved → exported (agent staff)."""

    payouts = graphene.List(graphene.NonNull(PayoutNode))
    orders_count = graphene.Int()
    total_net = graphene.Decimal()
    orders_file_url = graphene.String(description="A short-lived link to the 1C client-bank file; null when no "
                                                  "payout had anything to send.")

    class Arguments:
        business_day = graphene.Date()
        payout_ids = graphene.List(graphene.NonNull(graphene.ID))

    @classmethod
    def perform(cls, root, info, business_day=None, payout_ids=None):
        actor = require_agent_perm(info, AgentPerm.PAYOUTS_EXPORT)
        ids = _ids(payout_ids, "payout_ids") if payout_ids is not None else None
        result = payout_services.payouts_export(business_day=business_day, payout_ids=ids, user=actor.user)
        url = download_link(result.orders_file_key, f"payouts_{timezone.localdate():%Y%m%d}.txt")
        return cls(payouts=payout_rows(result.payout_ids), orders_count=result.orders_count,
                   total_net=result.total_net, orders_file_url=url)


class Mutations(graphene.ObjectType):
    payment_resolve = PaymentResolve.Field()
    payment_return = PaymentReturn.Field()
    payments_allocate = PaymentsAllocate.Field()
    cash_shift_open = CashShiftOpen.Field()
    cash_receipt_record = CashReceiptRecord.Field()
    cash_shift_close = CashShiftClose.Field()
    payouts_build = PayoutsBuild.Field()
    payout_approve = PayoutApprove.Field()
    payouts_export = PayoutsExport.Field()
