"""The operator's queue: payments nobody could match (or that matched several households) wait here.

The operator either names the household (``payment_resolve``: by ЕЛС, or by a personal account number
that belongs to exactly one household), after which the payment is ``matched`` and goes to allocation
like any other, or sends the money back to the payer (``payment_return``: ``refunded``, and the
agent's ledger gives the money back out of the bank account). Who did it and when is kept on the
payment; the audit entry is written by the API layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.documents.models import Epd
from agency.payments.allocation.reversal import allocation_reverse
from agency.payments.ledger_accounts import CASH, UNALLOCATED, agent_ledger_ensure
from agency.payments.models import Channel, Payment, PaymentStatus
from billing_core.error_codes import ErrorCode
from tenants.ledger.services import Leg, transaction_post
from tenants.registry.models import UnifiedAccount
from tenants.schemas import across_schemas, active_principals

QUEUE_STATUSES = (PaymentStatus.UNMATCHED, PaymentStatus.AMBIGUOUS)
PAGE_MAX = 200


@dataclass(frozen=True)
class QueuePage:
    payments: list[Payment]
    next_after: int | None  # pass as ``after`` for the next page; ``None``: this was the last one


def payment_queue(*, after: int | None = None, limit: int = 50, status: str | None = None,
                  channel: str | None = None) -> QueuePage:
    """Unmatched and ambiguous payments, oldest first, a page at a time (keyset: ids after ``after``)."""
    limit = max(1, min(limit, PAGE_MAX))
    statuses = [status] if status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    qs = Payment.objects.filter(status__in=statuses)
    if channel:
        qs = qs.filter(channel=channel)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.select_related("registry_import").order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(rows, rows[-1].pk if more else None)


def _queued(payment_id: int) -> Payment:
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise ValidationError({"payment": ValidationError(_("Платёж не найден."), code=ErrorCode.NOT_FOUND)})
    if payment.status not in QUEUE_STATUSES:
        raise ValidationError({"payment": ValidationError(
            _("Платёж уже разобран (статус: %(status)s).") % {"status": payment.get_status_display()},
            code=ErrorCode.INVALID)})
    return payment


def _household(*, els: str, account_number: str) -> int:
    els, account_number = (els or "").strip(), (account_number or "").strip()
    if bool(els) == bool(account_number):
        raise ValidationError({"els": ValidationError(_("Укажите ЕЛС или номер лицевого счёта (одно из двух)."),
                                                      code=ErrorCode.REQUIRED)})
    if els:
        household = UnifiedAccount.objects.filter(number=els).values_list("pk", flat=True).first()
        if household is None:
            raise ValidationError({"els": ValidationError(_("ЕЛС %(n)s не найден.") % {"n": els},
                                                          code=ErrorCode.NOT_FOUND)})
        return household
    schemas = [p.schema_name for p in active_principals()]
    found = {row[1] for row in across_schemas(
        schemas, "unified_account_id FROM {schema}.billing_personalaccount WHERE number = %s", [account_number]
    ) if row[1] is not None}
    if not found:
        raise ValidationError({"accountNumber": ValidationError(
            _("Лицевой счёт %(n)s не найден ни у одного принципала.") % {"n": account_number},
            code=ErrorCode.NOT_FOUND)})
    if len(found) > 1:
        raise ValidationError({"accountNumber": ValidationError(
            _("Лицевой счёт %(n)s есть у нескольких домохозяйств: укажите ЕЛС.") % {"n": account_number},
            code=ErrorCode.EPD_ACCOUNT_AMBIGUOUS)})
    (household,) = found
    return household


@transaction.atomic
def payment_resolve(*, payment_id: int, user, els: str = "", account_number: str = "", note: str = "") -> Payment:
    """Match a queued payment to the household the operator names; it then waits for allocation."""
    payment = _queued(payment_id)
    household = _household(els=els, account_number=account_number)
    current = (Epd.objects.filter(unified_account_id=household, is_current=True).order_by("-month")
               .values_list("pk", flat=True).first())
    named = (els or account_number).strip()
    payment.unified_account_id = household
    payment.epd_id = current
    payment.status = PaymentStatus.MATCHED
    payment.match_note = (note.strip() or _("Сопоставлен вручную: %(ref)s.") % {"ref": named})[:300]
    payment.resolved_by = user
    payment.resolved_at = timezone.now()
    payment.save(update_fields=["unified_account", "epd", "status", "match_note", "resolved_by", "resolved_at"])
    return payment


@transaction.atomic
def payment_return(*, payment_id: int, user, note: str = "", on: date | None = None) -> Payment:
    """Send a queued payment back to the payer: ``refunded``, Dr agent.unallocated / Cr agent.cash, once.

    An allocated payment (not a card payment: that one goes back through the gateway's refund) may be sent
    back too: its allocation is reversed first (``allocation.reversal``)."""
    on = on or timezone.localdate()
    ref = f"payment:{payment_id}"
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is not None and payment.status == PaymentStatus.ALLOCATED and payment.channel != Channel.CARD_ONLINE:
        allocation_reverse(payment_id=payment.pk, on=on, key=f"return:{ref}", reason=_("возврат плательщику"))
    else:
        payment = _queued(payment_id)
    agent_ledger_ensure()
    transaction_post(
        kind="payment_returned", key=f"return:{ref}", occurred_on=on,
        memo=_("Возврат платежа %(id)s плательщику") % {"id": payment.pk},
        legs=[Leg(UNALLOCATED, payment.amount, ref), Leg(CASH, -payment.amount, ref)],
    )
    payment.status = PaymentStatus.REFUNDED
    payment.match_note = (note.strip() or _("Возвращён плательщику."))[:300]
    payment.resolved_by = user
    payment.resolved_at = timezone.now()
    payment.save(update_fields=["status", "match_note", "resolved_by", "resolved_at"])
    return payment
