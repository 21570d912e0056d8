"""Stripe through its official SDK: an explicit ``stripe.StripeClient`` per (key, API base), no global module state.

``STRIPE_API_BASE`` points the client at a local fake Stripe (localstripe) in development and tests;
empty means Stripe itself. Webhooks are verified with ``STRIPE_WEBHOOK_SECRET`` the way Stripe signs
them (``Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">``), with a bounded clock skew.
"""

import json
import threading
from collections.abc import Mapping

import stripe
from django.conf import settings

from agency.payments.online.gateways.base import (
    CardDeclined,
    GatewayError,
    Intent,
    IntentFailed,
    IntentSucceeded,
    Occurrence,
    PaymentGateway,
    Refund,
    RefundsChanged,
    RefundSucceeded,
    SignatureError,
    WebhookEvent,
)

# Our marker on every intent we create; an intent without it belongs to another product on the same account.
OURS_KEY = "online_payment_id"

_clients: dict[tuple, stripe.StripeClient] = {}
_clients_lock = threading.Lock()


def _client() -> stripe.StripeClient:
    key = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_TIMEOUT_SECONDS,
           settings.STRIPE_MAX_NETWORK_RETRIES)
    client = _clients.get(key)
    if client is None:
        if not settings.STRIPE_SECRET_KEY:
            raise GatewayError("STRIPE_SECRET_KEY is not set")
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = stripe.StripeClient(
                    settings.STRIPE_SECRET_KEY,
                    base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None,
                    # Retries resend the same Idempotency-Key, so a retried create or refund happens once.
                    max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
                    http_client=stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS),
                )
                _clients[key] = client
    return client


def _value(obj, name: str, default=None):
    """A field of an SDK object or of a plain dict (webhook payloads are dicts)."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _intent(obj) -> Intent:
    charge = _value(obj, "latest_charge")
    paid_at = _value(charge, "created") if not isinstance(charge, str) else None
    metadata = _value(obj, "metadata") or {}
    if not isinstance(metadata, Mapping):
        metadata = metadata.to_dict()  # an SDK StripeObject
    return Intent(
        id=obj["id"], client_secret=_value(obj, "client_secret") or "", amount=int(obj["amount"]),
        currency=str(obj["currency"]).lower(), status=str(_value(obj, "status") or ""),
        metadata={str(k): str(v) for k, v in metadata.items()},
        paid_at=int(paid_at) if paid_at is not None and obj["status"] == "succeeded" else None,
    )


def _refund(obj, intent_id: str | None = None) -> Refund:
    return Refund(id=obj["id"], intent_id=_value(obj, "payment_intent") or intent_id or "",
                  amount=int(obj["amount"]), status=str(_value(obj, "status") or ""), created=int(obj["created"]))


class StripeGateway(PaymentGateway):
    name = "stripe"

    def create_intent(self, *, amount: int, currency: str, metadata: Mapping[str, str],
                      idempotency_key: str) -> Intent:
        try:
            obj = _client().v1.payment_intents.create(
                params={"amount": amount, "currency": currency, "metadata": dict(metadata),
                        "payment_method_types": ["card"]},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(f"stripe: {exc.user_message or exc}") from exc
        return _intent(obj)

    def retrieve(self, intent_id: str) -> Intent:
        try:
            obj = _client().v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
        except stripe.StripeError as exc:
            raise GatewayError(f"stripe: {exc.user_message or exc}") from exc
        return _intent(obj)

    def confirm_with_card_token(self, *, intent_id: str, card_token: str) -> Intent:
        # The browser made the token with Stripe.js ``createToken(cardElement)``; a token carries a card
        # (``card_…``), which the intent takes as its payment method before it is confirmed. localstripe
        # accepts exactly this shape. [check] Against real Stripe: card ids from tokens are accepted as a
        # payment_method by the legacy compatibility layer; the documented alternative is
        # ``confirm(payment_method_data={"type": "card", "card": {"token": card_token}})``.
        if not card_token.startswith("tok_"):
            raise CardDeclined("stripe: not a card token")
        try:
            token = _client().v1.tokens.retrieve(card_token)
            card = _value(token, "card")
            card_id = card if isinstance(card, str) else _value(card, "id")
            if not card_id:
                raise CardDeclined("stripe: the token holds no card")
            _client().v1.payment_intents.update(intent_id, params={"payment_method": card_id})
            obj = _client().v1.payment_intents.confirm(intent_id)
        except stripe.CardError as exc:
            raise CardDeclined(f"stripe: {exc.user_message or exc}") from exc
        except stripe.InvalidRequestError as exc:
            # an unknown or used token, or an intent that cannot take a card any more
            raise CardDeclined(f"stripe: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"stripe: {exc.user_message or exc}") from exc
        return _intent(obj)

    def refund(self, *, intent_id: str, amount: int, idempotency_key: str) -> Refund:
        try:
            obj = _client().v1.refunds.create(params={"payment_intent": intent_id, "amount": amount},
                                              options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise GatewayError(f"stripe: {exc.user_message or exc}") from exc
        return _refund(obj, intent_id)

    def refunds(self, intent_id: str) -> list[Refund]:
        try:
            page = _client().v1.refunds.list(params={"payment_intent": intent_id, "limit": 100})
            return [_refund(obj, intent_id) for obj in page.auto_paging_iter()]
        except stripe.StripeError as exc:
            raise GatewayError(f"stripe: {exc.user_message or exc}") from exc

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise SignatureError("STRIPE_WEBHOOK_SECRET is not set: no webhook can be verified")
        header = headers.get("Stripe-Signature") or headers.get("stripe-signature")
        try:
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), header, secret,
                                                  settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise SignatureError(str(exc)) from exc
        try:
            body = json.loads(payload)
            event = WebhookEvent(id=str(body["id"]), type=str(body["type"]), created=int(body["created"]),
                                 payload=body)
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayError(f"stripe: not an event: {exc}") from exc
        if not event.id.startswith("evt_") or not isinstance((body.get("data") or {}).get("object"), dict):
            raise GatewayError("stripe: not an event")
        return event

    def interpret(self, event_type: str, payload: dict) -> list[Occurrence]:
        read = _EVENT_READERS.get(event_type)
        return read(payload["data"]["object"], payload) if read is not None else []


def _intent_succeeded(obj: dict, payload: dict) -> list[Occurrence]:
    intent = _intent(obj)
    return [IntentSucceeded(intent_id=intent.id, amount=intent.amount, currency=intent.currency,
                            paid_at=intent.paid_at or int(payload["created"]), ours=OURS_KEY in intent.metadata)]


def _intent_failed(obj: dict, payload: dict) -> list[Occurrence]:
    error = obj.get("last_payment_error") or {}
    return [IntentFailed(intent_id=obj["id"], ours=OURS_KEY in (obj.get("metadata") or {}),
                         reason=str(error.get("message") or obj.get("cancellation_reason") or ""))]


def _charge_refunded(obj: dict, payload: dict) -> list[Occurrence]:
    intent_id = obj.get("payment_intent")
    if not intent_id:
        return []
    listed = obj.get("refunds")
    if not isinstance(listed, Mapping) or listed.get("has_more"):
        # API versions since 2022-11-15 leave the list out: ask for it
        return [RefundsChanged(intent_id=intent_id)]
    return [RefundSucceeded(intent_id=intent_id, refund_id=r["id"], amount=int(r["amount"]), created=int(r["created"]))
            for r in listed.get("data", []) if r.get("status") == "succeeded"]


def _refund_changed(obj: dict, payload: dict) -> list[Occurrence]:
    if obj.get("status") != "succeeded" or not obj.get("payment_intent"):
        return []
    return [RefundSucceeded(intent_id=obj["payment_intent"], refund_id=obj["id"], amount=int(obj["amount"]),
                            created=int(obj["created"]))]


# What each event type we act on says, read from its object; other types say nothing.
_EVENT_READERS = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "payment_intent.canceled": _intent_failed,
    "charge.refunded": _charge_refunded,
    "refund.created": _refund_changed,
    "refund.updated": _refund_changed,
    "charge.refund.updated": _refund_changed,
}


_gateway = StripeGateway()


def stripe_gateway() -> StripeGateway:
    return _gateway
