"""Recording a payment once and matching it to a household.

One payment at a time (a card payment, a cash desk receipt) goes through ``payment_record``; files of
a million payments go through the set-based registry import (``intake.registry_import``), which uses the
same identity (source, external_id), the same matching rules and the same ledger accounts
(``agency.payments.ledger_accounts``). A received payment: Dr agent.cash, Cr agent.unallocated.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from agency.documents.models import Epd
from agency.payments.ledger_accounts import CASH, UNALLOCATED, agent_ledger_ensure
from agency.payments.models import Payment, PaymentStatus
from billing_core.error_codes import ErrorCode
from billing_core.money import to_money
from tenants.ledger.services import Leg, transaction_post
from tenants.registry.models import UnifiedAccount
from tenants.schemas import across_schemas, active_principals


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


