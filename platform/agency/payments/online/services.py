"""Online card payments from the resident cabinet: start an intent, take the gateway's webhooks once, refund.

The flow:
1. ``online_payment_start``: the resident's own household only; the amount is the current ЕПД's total
   or one the resident chose. Our ``OnlinePayment`` row is written first, then the gateway's intent
   with the idempotency key ``online:<row id>``; the client secret goes back to the browser, which
   confirms the card with the gateway directly.
2. The gateway's webhook (``gateway_webhook_receive``): the signature is verified, the event is stored
   under its id with ``INSERT … ON CONFLICT DO NOTHING`` (committed at once, so a crash later leaves it
   RECEIVED and the next delivery picks it up), then handled in one transaction under ``SELECT … FOR
   UPDATE`` of the event row, only while it is RECEIVED or FAILED. Ten concurrent deliveries of one
   event queue on that row lock; the first handles it, the rest find it PROCESSED and change nothing.
3. What an event does is order-independent: an intent's state only moves forward (created → failed →
   succeeded → partially refunded → refunded; a late "failed" never undoes a success), the payment is
   recorded once per (gateway, intent id) by ``payment_record``, and each refund posts once, keyed by
   the gateway's refund id. A refund event that arrives before the succeeded event first records the
   payment from the intent as the gateway reports it, so either order ends in the same rows.

Ledger (public schema): a received card payment posts Dr agent.cash / Cr agent.unallocated through
``payment_record``; a refund posts the mirror, Dr agent.unallocated / Cr agent.cash, keyed
``refund:<gateway>:<refund id>``. A refund of an allocated payment first reverses that much of its allocation
(``allocation.reversal``), so the payees' shares come back to agent.unallocated before the money leaves it.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.documents.models import Epd
from agency.payments.allocation.reversal import allocation_reverse
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import CASH, UNALLOCATED, agent_ledger_ensure
from agency.payments.models import (
    Channel,
    EventStatus,
    GatewayEvent,
    IntentStatus,
    OnlinePayment,
    Payment,
    PaymentStatus,
)
from agency.payments.online.gateways import (
    CardDeclined,
    GatewayError,
    IntentFailed,
    IntentSucceeded,
    PaymentGateway,
    RefundsChanged,
    RefundSucceeded,
    default_gateway,
    gateway,
)
from billing_core.error_codes import ErrorCode
from billing_core.money import KOPECK, from_kopecks, to_kopecks
from tenants.billing.balances import household_amount_due, household_balances
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import Leg, transaction_post
from tenants.registry.models import UnifiedAccount
from tenants.residents.models import ResidentLink
from tenants.schemas import active_principals

log = logging.getLogger(__name__)

CURRENCY = "rub"
# Events handled again when they arrive again (or by gateway_events_retry): never handled, or failed.
RETRIABLE = (EventStatus.RECEIVED, EventStatus.FAILED)


# --- starting a payment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedPayment:
    online_payment: OnlinePayment
    client_secret: str


def _field_error(field: str, message, code: ErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def resident_household(*, user, els: str) -> UnifiedAccount:
    """One of the resident's own linked households by its ЕЛС; any other number is simply not found."""
    household = UnifiedAccount.objects.filter(
        number=(els or "").strip(),
        pk__in=ResidentLink.objects.filter(user=user).values("unified_account_id"),
    ).first()
    if household is None:
        raise _field_error("els", _("Лицевой счёт не найден среди ваших."), ErrorCode.NOT_FOUND)
    return household


def _payment_amount(value) -> Decimal:
    """A positive amount in exact kopecks, not above the configured cap; anything else is refused, not rounded."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _field_error("amount", _("Сумма указана неверно."), ErrorCode.INVALID) from None
    if not amount.is_finite() or amount != amount.quantize(KOPECK):
        raise _field_error("amount", _("Сумма указывается в рублях с точностью до копейки."), ErrorCode.INVALID)
    if amount <= 0:
        raise _field_error("amount", _("Сумма оплаты должна быть больше нуля."), ErrorCode.PAYMENT_AMOUNT)
    cap = Decimal(settings.ONLINE_PAYMENT_MAX_AMOUNT)
    if amount > cap:
        raise _field_error("amount", _("Сумма онлайн-оплаты не может превышать %(cap)s ₽.") % {"cap": cap},
                           ErrorCode.PAYMENT_AMOUNT)
    return amount.quantize(KOPECK)


def online_payment_start(*, user, els: str, amount: Decimal | str | None = None) -> StartedPayment:
    """Start a card payment for one of the resident's households: our row first, then the gateway's intent.

    Without an amount what the household owes now is asked (the current ЕПД's total less the payments received
    since, ``tenants.billing.balances``); the payment is tied to that document either way. Nothing is left behind
    when the gateway refuses (the row is rolled back with the error).
    """
    household = resident_household(user=user, els=els)
    epd = Epd.objects.filter(unified_account=household, is_current=True).order_by("-month").first()
    if amount is None:
        if epd is None:
            raise _field_error("amount", _("Нет текущего платёжного документа: укажите сумму."),
                               ErrorCode.REQUIRED)
        schemas = list(active_principals().values_list("schema_name", flat=True))
        accounts = household_balances(schemas=schemas, unified_ids=[household.pk])
        owed = household_amount_due((a.balance for a in accounts), document_total=epd.total_due)
        if owed <= 0:
            raise _field_error("amount", _("По текущему платёжному документу нечего оплачивать: укажите сумму."),
                               ErrorCode.PAYMENT_AMOUNT)
        amount = owed
    amount = _payment_amount(amount)
    gw = default_gateway()
    with transaction.atomic():
        # The intent id is not known yet: a unique placeholder keeps (gateway, intent_id) unique meanwhile.
        row = OnlinePayment.objects.create(gateway=gw.name, intent_id=f"pending:{uuid.uuid4().hex}", user=user,
                                           unified_account=household, epd=epd, amount=amount)
        try:
            intent = gw.create_intent(
                amount=to_kopecks(amount), currency=CURRENCY, idempotency_key=f"online:{row.pk}",
                metadata={"online_payment_id": str(row.pk), "els": household.number,
                          **({"ipd": epd.ipd} if epd else {})},
            )
        except GatewayError as exc:
            log.warning("online payment %s: the gateway refused the intent: %s", row.pk, exc)
            raise ValidationError(ValidationError(
                _("Платёжный сервис недоступен, попробуйте позже."), code=ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
            )) from exc
        if intent.amount != to_kopecks(amount) or intent.currency != CURRENCY:
            raise ValidationError(ValidationError(_("Платёжный сервис вернул другую сумму."),
                                                  code=ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE))
        row.intent_id = intent.id
        row.save(update_fields=["intent_id", "updated_at"])
    return StartedPayment(row, intent.client_secret)


@dataclass(frozen=True)
class ConfirmedCard:
    status: str  # the gateway's word: "succeeded", "requires_action", "processing", …
    client_secret: str | None  # only when the browser must finish it (3-D Secure)

    @property
    def requires_action(self) -> bool:
        return self.status == "requires_action"


def online_payment_confirm_card(*, user, online_payment_id: int, card_token: str) -> ConfirmedCard:
    """Confirm the resident's own started payment with a card tokenized in their browser.

    Nothing is posted here: the gateway's signed webhook records the payment (``gateway_webhook_receive``),
    whatever this call returns. Another resident's payment, or one that is no longer waiting for a card,
    is not found.
    """
    online = OnlinePayment.objects.filter(pk=online_payment_id, user=user, status=IntentStatus.CREATED).first()
    if online is None or online.intent_id.startswith("pending:"):
        raise _field_error("online_payment_id", _("Оплата не найдена."), ErrorCode.NOT_FOUND)
    token = (card_token or "").strip()
    if not token:
        raise _field_error("card_token", _("Не переданы данные карты."), ErrorCode.REQUIRED)
    try:
        intent = gateway(online.gateway).confirm_with_card_token(intent_id=online.intent_id, card_token=token)
    except CardDeclined as exc:
        log.info("online payment %s: the card was refused: %s", online.pk, exc)
        raise _field_error("card_token", _("Банк отклонил оплату картой. Попробуйте другую карту."),
                           ErrorCode.PAYMENT_DECLINED) from exc
    except GatewayError as exc:
        log.warning("online payment %s: the gateway refused the confirmation: %s", online.pk, exc)
        raise ValidationError(ValidationError(
            _("Платёжный сервис недоступен, попробуйте позже."), code=ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
        )) from exc
    if intent.id != online.intent_id:
        raise ValidationError(ValidationError(_("Платёжный сервис вернул другой платёж."),
                                              code=ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE))
    needs_browser = intent.status == "requires_action"
    return ConfirmedCard(status=intent.status, client_secret=intent.client_secret if needs_browser else None)


def resident_online_payments(*, user, els: str):
    """The resident's own online payments for one of their households, newest first."""
    household = resident_household(user=user, els=els)
    return (OnlinePayment.objects.filter(user=user, unified_account=household)
            .select_related("unified_account", "epd").order_by("-created_at", "-pk"))


# --- webhooks ---------------------------------------------------------------------------------------------


def _day(unix_time: int) -> date:
    return timezone.localtime(datetime.fromtimestamp(unix_time, tz=UTC)).date()


def gateway_event_store(*, gateway_name: str, event_id: str, event_type: str, payload: dict) -> bool:
    """Store a verified event under its id, once; True when this delivery stored it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_gatewayevent (gateway, event_id, type, payload, status, error, received_at) "
            "VALUES (%s, %s, %s, %s::jsonb, %s, '', now()) ON CONFLICT (gateway, event_id) DO NOTHING RETURNING id",
            [gateway_name, event_id, event_type[:80], json.dumps(payload, ensure_ascii=False), EventStatus.RECEIVED],
        )
        return cursor.fetchone() is not None


def gateway_webhook_receive(*, gateway_name: str, payload: bytes, headers) -> GatewayEvent:
    """Verify, store and handle one webhook delivery. Raises ``SignatureError`` (nothing stored) when it fails."""
    gw = gateway(gateway_name)
    event = gw.parse_webhook(payload, headers)
    gateway_event_store(gateway_name=gw.name, event_id=event.id, event_type=event.type, payload=event.payload)
    # A copy arriving while another delivery of the same event is being handled does not queue behind it:
    # it is answered at once (the event is stored; if that handling fails, its own delivery says so and
    # the gateway delivers again).
    return gateway_event_handle(gateway_name=gw.name, event_id=event.id, wait=False)


def gateway_event_handle(*, gateway_name: str, event_id: str, wait: bool = True) -> GatewayEvent:
    """Handle a stored event once: under its row lock, only while RECEIVED or FAILED.

    A failure is recorded on the event (FAILED, with the error) and its effects are rolled back, so the
    next delivery, or ``gateway_events_retry``, handles it again from scratch. With ``wait=False`` an event
    locked by another handler is returned as it stands instead of waiting for the lock.
    """
    with transaction.atomic():
        event = (GatewayEvent.objects.select_for_update(skip_locked=not wait)
                 .filter(gateway=gateway_name, event_id=event_id).first())
        if event is None:  # being handled right now by another delivery
            return GatewayEvent.objects.get(gateway=gateway_name, event_id=event_id)
        if event.status not in RETRIABLE:
            return event
        try:
            with transaction.atomic():
                status, note = _event_apply(gateway(gateway_name), event)
        except Exception as exc:  # any failure is recorded on the event and retried, never lost
            log.exception("gateway event %s:%s failed", gateway_name, event_id)
            status, note = EventStatus.FAILED, f"{type(exc).__name__}: {exc}"
        event.status, event.error, event.processed_at = status, note[:500], timezone.now()
        event.save(update_fields=["status", "error", "processed_at"])
    return event


def gateway_events_retry(*, gateway_name: str, limit: int = 100) -> list[GatewayEvent]:
    """Handle again the events left FAILED (or RECEIVED by a crash); each in its own transaction and lock."""
    ids = list(GatewayEvent.objects.filter(gateway=gateway_name, status__in=RETRIABLE)
               .order_by("received_at", "pk").values_list("event_id", flat=True)[:limit])
    return [gateway_event_handle(gateway_name=gateway_name, event_id=event_id) for event_id in ids]


def _locked_online_payment(gateway_name: str, intent_id: str) -> OnlinePayment | None:
    return (OnlinePayment.objects.select_for_update().select_related("unified_account")
            .filter(gateway=gateway_name, intent_id=intent_id).first())


def _event_apply(gw: PaymentGateway, event: GatewayEvent) -> tuple[str, str]:
    """Apply what the event means; returns the event's new status and a note."""
    occurrences = gw.interpret(event.type, event.payload)
    if not occurrences:
        return EventStatus.IGNORED, f"type {event.type} is not handled"
    notes: list[str] = []
    applied = False
    for occurrence in occurrences:
        online = _locked_online_payment(gw.name, occurrence.intent_id)
        if online is None:
            if getattr(occurrence, "ours", False):
                # our metadata is on it, so our row must exist: fail and be retried rather than lose a payment
                raise LookupError(f"no online payment for intent {occurrence.intent_id}")
            notes.append(f"intent {occurrence.intent_id} is not ours")
            continue
        applied = True
        if isinstance(occurrence, IntentSucceeded):
            if occurrence.amount != to_kopecks(online.amount) or occurrence.currency != CURRENCY:
                raise ValueError(f"intent {occurrence.intent_id}: {occurrence.amount} {occurrence.currency} "
                                 f"does not match {online.amount} {CURRENCY}")
            _online_payment_succeeded(online, paid_on=_day(occurrence.paid_at))
        elif isinstance(occurrence, IntentFailed):
            if online.status == IntentStatus.CREATED:
                online.status = IntentStatus.FAILED
                online.save(update_fields=["status", "updated_at"])
            else:
                notes.append(f"intent {online.intent_id} is {online.status}: a failed attempt changes nothing")
        elif isinstance(occurrence, RefundSucceeded):
            _refund_apply(gw, online, refund_id=occurrence.refund_id, amount=occurrence.amount,
                          created=occurrence.created)
        elif isinstance(occurrence, RefundsChanged):
            for refund in gw.refunds(online.intent_id):
                if refund.status == "succeeded":
                    _refund_apply(gw, online, refund_id=refund.id, amount=refund.amount, created=refund.created)
    return (EventStatus.PROCESSED if applied else EventStatus.IGNORED), "; ".join(notes)


def _online_payment_succeeded(online: OnlinePayment, *, paid_on: date) -> None:
    """Record the card payment once (per gateway and intent id) and move the intent to SUCCEEDED if behind."""
    fields = []
    if online.payment_id is None:
        household = online.unified_account
        payment, _created = payment_record(
            channel=Channel.CARD_ONLINE, source=online.gateway, external_id=online.intent_id, amount=online.amount,
            paid_on=paid_on, payer_ref=household.number, payer_name=household.payer_name,
            purpose=str(_("Оплата картой в личном кабинете, ЕЛС %(els)s") % {"els": household.number}),
            unified_account_id=household.pk, epd_id=online.epd_id,
        )
        online.payment = payment
        fields.append("payment")
    if online.status in (IntentStatus.CREATED, IntentStatus.FAILED):
        online.status = IntentStatus.SUCCEEDED
        fields.append("status")
    if fields:
        online.save(update_fields=[*fields, "updated_at"])


def _refund_apply(gw: PaymentGateway, online: OnlinePayment, *, refund_id: str, amount: int, created: int) -> bool:
    """Apply one refund once (its ledger key is the gateway's refund id); the caller holds the row lock.

    True when this call applied it. A refund seen before the payment's own success event proves the
    charge succeeded: the payment is recorded first, from the intent as the gateway reports it.
    """
    if online.payment_id is None:
        intent = gw.retrieve(online.intent_id)
        if intent.status != "succeeded" or intent.paid_at is None:
            raise GatewayError(f"refund {refund_id} of intent {online.intent_id}, which has not succeeded")
        if intent.amount != to_kopecks(online.amount):
            raise ValueError(f"intent {online.intent_id}: {intent.amount} does not match {online.amount}")
        _online_payment_succeeded(online, paid_on=_day(intent.paid_at))
    key = f"refund:{online.gateway}:{refund_id}"
    # check-then-act is safe here: every path that applies a refund holds this online payment's row lock
    if LedgerTransaction.objects.filter(key=key).exists():
        return False
    refunded = from_kopecks(amount)
    if refunded <= 0 or online.refunded + refunded > online.amount:
        raise ValueError(f"refund {refund_id} of {refunded} exceeds what is left of {online.amount} "
                         f"(refunded {online.refunded})")
    full = online.refunded + refunded == online.amount
    if Payment.objects.filter(pk=online.payment_id, status=PaymentStatus.ALLOCATED).exists():
        # the payees' shares come back to agent.unallocated first (all that is left of them on a full refund)
        allocation_reverse(payment_id=online.payment_id, on=_day(created), amount=None if full else refunded,
                           key=key, reason=str(_("возврат %(r)s по карте") % {"r": refund_id}))
    agent_ledger_ensure()
    ref = f"payment:{online.payment_id}"
    transaction_post(
        kind="payment_refunded", key=key, occurred_on=_day(created),
        memo=f"refund {online.gateway}:{refund_id} of {online.intent_id}",
        legs=[Leg(UNALLOCATED, refunded, ref), Leg(CASH, -refunded, ref)],
    )
    online.refunded += refunded
    online.status = IntentStatus.REFUNDED if full else IntentStatus.PARTIALLY_REFUNDED
    online.save(update_fields=["refunded", "status", "updated_at"])
    if full:
        Payment.objects.filter(pk=online.payment_id).update(status=PaymentStatus.REFUNDED)
    return True


# --- refunds ----------------------------------------------------------------------------------------------


def online_payment_refund(*, online_payment_id: int, amount: Decimal | str | None = None) -> OnlinePayment:
    """Refund part or all of a succeeded card payment (agent staff's decision; the caller checks who may).

    The gateway call carries the idempotency key ``online:<id>:refund:<refunded before>+<amount>`` (in
    kopecks): a retry of the same request after a lost answer gets the same refund back, not a second one.
    A refund the gateway confirms at once is applied here; a pending one is applied by its webhook.
    """
    with transaction.atomic():
        online = (OnlinePayment.objects.select_for_update().select_related("unified_account")
                  .filter(pk=online_payment_id).first())
        if online is None:
            raise _field_error("online_payment", _("Онлайн-оплата не найдена."), ErrorCode.NOT_FOUND)
        if online.status not in (IntentStatus.SUCCEEDED, IntentStatus.PARTIALLY_REFUNDED):
            raise _field_error("online_payment", _("Вернуть можно только оплаченный платёж."), ErrorCode.INVALID)
        remaining = online.amount - online.refunded
        amount = remaining if amount is None else _payment_amount(amount)
        if amount > remaining:
            raise _field_error("amount", _("Сумма возврата больше оплаченного остатка %(rest)s ₽.")
                               % {"rest": remaining}, ErrorCode.PAYMENT_AMOUNT)
        gw = gateway(online.gateway)
        try:
            refund = gw.refund(intent_id=online.intent_id, amount=to_kopecks(amount),
                               idempotency_key=f"online:{online.pk}:refund:{to_kopecks(online.refunded)}"
                                               f"+{to_kopecks(amount)}")
        except GatewayError as exc:
            log.warning("online payment %s: the gateway refused the refund: %s", online.pk, exc)
            raise ValidationError(ValidationError(
                _("Платёжный сервис не выполнил возврат, попробуйте позже."),
                code=ErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
            )) from exc
        if refund.status == "succeeded":
            _refund_apply(gw, online, refund_id=refund.id, amount=refund.amount, created=refund.created)
    return online
