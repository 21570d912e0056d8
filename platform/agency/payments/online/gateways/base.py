"""The payment gateway seam: what the online-payment services need from an acquirer, in our own terms.

Stripe is the first implementation (``stripe_gateway``); a domestic acquirer (Stripe does not serve
Russia today) implements the same class and registers itself under its own name (``gateways.register``).
Amounts cross this seam in integer kopecks, never floats; events come back already verified and
translated into the few facts the services act on (``Occurrence``), so nothing outside the gateway
module knows a provider's event names or object shapes.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field


class GatewayError(Exception):
    """The gateway refused a call or could not be reached; the message is safe to log, not to show."""


class SignatureError(GatewayError):
    """A webhook whose signature (or timestamp, or body) does not check out: it is not stored."""


class CardDeclined(GatewayError):
    """The card was refused (declined, expired, wrong details): the resident may try another card."""


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    amount: int  # kopecks
    currency: str
    status: str  # the provider's own word; "succeeded" when the money is taken
    metadata: Mapping[str, str] = field(default_factory=dict)
    paid_at: int | None = None  # unix time the charge succeeded, when known


@dataclass(frozen=True)
class Refund:
    id: str
    intent_id: str
    amount: int  # kopecks
    status: str  # "succeeded" once the money is returned; "pending" until then
    created: int  # unix time


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook event: its id (the idempotency key), type, creation time and the raw payload."""

    id: str
    type: str
    created: int
    payload: dict


# What an event means for us. The handler acts on these and on nothing provider-specific.


@dataclass(frozen=True)
class IntentSucceeded:
    intent_id: str
    amount: int
    currency: str
    paid_at: int
    ours: bool  # our metadata is on the intent: an unknown intent is then an error, not someone else's


@dataclass(frozen=True)
class IntentFailed:
    intent_id: str
    ours: bool
    reason: str = ""


@dataclass(frozen=True)
class RefundSucceeded:
    intent_id: str
    refund_id: str
    amount: int
    created: int


@dataclass(frozen=True)
class RefundsChanged:
    """Refunds of an intent changed but the event does not list them: read them from the gateway."""

    intent_id: str


Occurrence = IntentSucceeded | IntentFailed | RefundSucceeded | RefundsChanged


class PaymentGateway(ABC):
    """One acquirer. Every call that creates something carries an idempotency key derived from our own rows."""

    name: str

    @abstractmethod
    def create_intent(self, *, amount: int, currency: str, metadata: Mapping[str, str],
                      idempotency_key: str) -> Intent:
        """Ask for ``amount`` kopecks; the client secret lets the resident's browser confirm the card."""

    @abstractmethod
    def retrieve(self, intent_id: str) -> Intent:
        """The intent as the gateway sees it now (with ``paid_at`` when it succeeded)."""

    @abstractmethod
    def confirm_with_card_token(self, *, intent_id: str, card_token: str) -> Intent:
        """Confirm an intent with a card the browser tokenized (the card details never reach us).

        The returned status says what happens next: "succeeded" (the webhook will post the payment),
        "requires_action" (3-D Secure: the browser finishes it with the client secret), "processing".
        Raises ``CardDeclined`` when the card is refused.
        """

    @abstractmethod
    def refund(self, *, intent_id: str, amount: int, idempotency_key: str) -> Refund:
        """Return ``amount`` kopecks of a succeeded intent to the card."""

    @abstractmethod
    def refunds(self, intent_id: str) -> list[Refund]:
        """Every refund of an intent."""

    @abstractmethod
    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify a webhook delivery and read its envelope; raises ``SignatureError`` when it does not verify."""

    @abstractmethod
    def interpret(self, event_type: str, payload: dict) -> list[Occurrence]:
        """What a stored event means for us; an empty list for events we do not act on."""
