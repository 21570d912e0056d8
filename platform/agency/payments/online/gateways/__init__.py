"""Payment gateways by name: ``gateway("stripe")``; a domestic acquirer registers itself the same way."""

from collections.abc import Callable

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

__all__ = [
    "CardDeclined", "GatewayError", "Intent", "IntentFailed", "IntentSucceeded", "Occurrence", "PaymentGateway",
    "Refund",
    "RefundSucceeded", "RefundsChanged", "SignatureError", "WebhookEvent", "default_gateway", "gateway", "register",
]

_factories: dict[str, Callable[[], PaymentGateway]] = {}


def register(name: str, factory: Callable[[], PaymentGateway]) -> None:
    """Make a gateway available under ``name`` (the value stored in OnlinePayment.gateway and GatewayEvent.gateway)."""
    _factories[name] = factory


def gateway(name: str) -> PaymentGateway:
    """The gateway registered under ``name``, built from the current settings (cheap: clients are cached)."""
    try:
        factory = _factories[name]
    except KeyError:
        raise GatewayError(f"no payment gateway named {name!r}") from None
    return factory()


def default_gateway() -> PaymentGateway:
    """The gateway new online payments go through (settings.PAYMENT_GATEWAY)."""
    return gateway(settings.PAYMENT_GATEWAY)


def _stripe() -> PaymentGateway:
    from agency.payments.online.gateways.stripe_gateway import stripe_gateway

    return stripe_gateway()


register("stripe", _stripe)
