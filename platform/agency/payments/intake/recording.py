"""Recording a payment once, matching it to a household, and the agent's ledger accounts.

One payment at a time (a card payment, a cash desk receipt) goes through ``payment_record``; files of
a million payments go through the set-based registry import, which uses the same identity
(source, external_id), the same matching rules and the same ledger accounts.

Ledger (public schema, the agent's books; debit +, credit −):
- ``agent.cash``        the special bank account money arrives on (asset);
- ``agent.unallocated`` received but not yet allocated to payees, unmatched payments included (liability);
- ``agent.payable:<principal id>`` allocated and owed to that principal (liability);
- ``agent.fee``         the agent's fee, kept from payouts (income).
A received payment: Dr agent.cash, Cr agent.unallocated.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from agency.documents.models import Epd
from agency.payments.models import Payment, PaymentStatus
from billing_core.error_codes import ErrorCode
from billing_core.money import to_money
from billing_core.text import name_check
from tenants.ledger.models import AccountKind
from tenants.ledger.services import Leg, transaction_post
from tenants.models import Principal
from tenants.registry.models import UnifiedAccount
from tenants.schemas import across_schemas, active_principals

CASH = "agent.cash"
UNALLOCATED = "agent.unallocated"
FEE = "agent.fee"


def payable_account(principal_id: int) -> str:
    return f"agent.payable:{principal_id}"


def agent_ledger_ensure(principal_ids=()) -> None:
    """The agent's ledger accounts (public schema), and one payable account per principal given: one statement."""
    principals = sorted(set(principal_ids))
    codes = [CASH, UNALLOCATED, FEE, *(payable_account(p) for p in principals)]
    names = [str(_("Специальный банковский счёт агента")), str(_("Нераспределённые поступления")),
             str(_("Агентское вознаграждение")),
             *(str(_("Расчёты с принципалом №%(id)s") % {"id": p}) for p in principals)]
    kinds = [AccountKind.ASSET, AccountKind.LIABILITY, AccountKind.INCOME] + [AccountKind.LIABILITY] * len(principals)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_ledgeraccount (code, name, kind, created_at) "
            "SELECT c, n, k, now() FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(c, n, k) "
            "ON CONFLICT (code) DO NOTHING",
            [codes, names, [str(k) for k in kinds]],
        )


def agent_principal() -> Principal:
    """The agent's own row (the public schema's tenant): the payer of every payout, the owner of the statements."""
    agent = Principal.objects.filter(schema_name=get_public_schema_name()).first()
    if agent is None:
        raise ValidationError({"agent": ValidationError(_("Не заведены реквизиты агента."), code=ErrorCode.NOT_FOUND)})
    return agent


@dataclass(frozen=True)
class Match:
    status: str
    unified_account_id: int | None = None
    epd_id: int | None = None
    note: str = ""


def payment_match(*, payer_ref: str) -> Match:
    """Whose payment is it: a ЕЛС, an ИПД (a document), or one principal's personal account number.

    The same order as the registry import's set-based matching: ЕЛС first, then ИПД, then account
    numbers; an account number found at several principals on different households is ambiguous.
    """
    ref = (payer_ref or "").strip()
    if not ref:
        return Match(PaymentStatus.UNMATCHED, note=str(_("В платеже нет номера счёта.")))
    els = UnifiedAccount.objects.filter(number=ref).values_list("pk", flat=True).first()
    if els:
        current = Epd.objects.filter(unified_account_id=els, is_current=True).order_by("-month").first()
        return Match(PaymentStatus.MATCHED, els, current.pk if current else None)
    epd = Epd.objects.filter(ipd=ref).values("pk", "unified_account_id").first()
    if epd:
        return Match(PaymentStatus.MATCHED, epd["unified_account_id"], epd["pk"])
    schemas = [p.schema_name for p in active_principals()]
    found = {row[1] for row in across_schemas(
        schemas, "unified_account_id FROM {schema}.billing_personalaccount WHERE number = %s", [ref]
    ) if row[1] is not None}
    if len(found) == 1:
        (household,) = found
        current = Epd.objects.filter(unified_account_id=household, is_current=True).order_by("-month").first()
        return Match(PaymentStatus.MATCHED, household, current.pk if current else None)
    if found:
        return Match(PaymentStatus.AMBIGUOUS, note=str(_("Лицевой счёт %(ref)s найден у нескольких домохозяйств.")
                                                    % {"ref": ref}))
    return Match(PaymentStatus.UNMATCHED, note=str(_("Счёт %(ref)s не найден.") % {"ref": ref}))


@transaction.atomic
def payment_record(
    *, channel: str, source: str, external_id: str, amount: Decimal | str, paid_on: date, payer_ref: str = "",
    payer_name: str = "", purpose: str = "", unified_account_id: int | None = None, epd_id: int | None = None,
    cash_shift_id: int | None = None,
) -> tuple[Payment, bool]:
    """Record a payment once per (source, external_id); returns (payment, created).

    A repeat of the same identity returns the payment first recorded and changes nothing, whatever
    the repeat carried. The ledger posting's key is the payment's own id, so it is posted once too.
    """
    amount = to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": ValidationError(_("Сумма платежа должна быть больше нуля."),
                                                         code=ErrorCode.INVALID)})
    if unified_account_id is None:
        match = payment_match(payer_ref=payer_ref)
    else:
        match = Match(PaymentStatus.MATCHED, unified_account_id, epd_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_payment (channel, source, external_id, amount, paid_on, received_at, payer_ref, "
            "payer_name, purpose, unified_account_id, epd_id, cash_shift_id, status, match_note) "
            "VALUES (%s, %s, %s, %s, %s, now(), %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (source, external_id) DO NOTHING RETURNING id",
            [channel, source, external_id, amount, paid_on, payer_ref[:60], payer_name[:200], purpose[:500],
             match.unified_account_id, match.epd_id, cash_shift_id, match.status, match.note[:300]],
        )
        row = cursor.fetchone()
    if row is None:
        return Payment.objects.get(source=source, external_id=external_id), False
    payment = Payment.objects.get(pk=row[0])
    agent_ledger_ensure()
    transaction_post(
        kind="payment_received", key=f"payment:{payment.pk}", occurred_on=paid_on,
        memo=f"{channel} {source}:{external_id}",
        legs=[Leg(CASH, amount, f"payment:{payment.pk}"), Leg(UNALLOCATED, -amount, f"payment:{payment.pk}")],
    )
    return payment, True


# --- the agent's cash desk ----------------------------------------------------------------------


@transaction.atomic
def cash_shift_open(*, operator, desk: str):
    """Open the operator's shift at a desk; an already open one is returned."""
    from agency.payments.models import CashShift

    shift = CashShift.objects.filter(operator=operator, desk=desk, closed_at__isnull=True).first()
    return shift or CashShift.objects.create(operator=operator, desk=desk)


@transaction.atomic
def cash_receipt_record(*, shift_id: int, operator, receipt_number: str, amount, payer_ref: str,
                        payer_name: str = "", paid_on: date) -> tuple[Payment, bool]:
    """A payment taken in cash: once per (desk, receipt number), only in the operator's own open shift."""
    from agency.payments.models import CashShift, Channel

    name_check(payer_name, field="payer_name")
    shift = CashShift.objects.select_for_update().filter(pk=shift_id, operator=operator).first()
    if shift is None or shift.closed_at is not None:
        raise ValidationError({"shift": ValidationError(_("Смена не открыта."), code=ErrorCode.INVALID)})
    if not (receipt_number or "").strip():
        raise ValidationError({"receiptNumber": ValidationError(_("Укажите номер квитанции."),
                                                                code=ErrorCode.REQUIRED)})
    return payment_record(channel=Channel.CASH_DESK, source=f"desk:{shift.desk}", external_id=receipt_number.strip(),
                          amount=amount, paid_on=paid_on, payer_ref=payer_ref, payer_name=payer_name,
                          cash_shift_id=shift.pk)


@transaction.atomic
def cash_shift_close(*, shift_id: int, operator):
    """Close the shift: its count and total are fixed from the receipts taken in it."""
    from django.db.models import Count, Sum
    from django.utils import timezone

    from agency.payments.models import CashShift

    shift = CashShift.objects.select_for_update().get(pk=shift_id, operator=operator)
    if shift.closed_at is None:
        totals = Payment.objects.filter(cash_shift=shift).aggregate(n=Count("pk"), total=Sum("amount"))
        shift.receipts_count = totals["n"]
        shift.total = totals["total"] or Decimal(0)
        shift.closed_at = timezone.now()
        shift.save(update_fields=["receipts_count", "total", "closed_at"])
    return shift
