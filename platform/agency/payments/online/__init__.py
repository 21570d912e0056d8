"""Online card payments: the resident's payment (``services``), the gateways' webhooks (``webhooks``) and the
gateways themselves behind one interface (``gateways``: Stripe; a domestic acquirer registers the same way).
This package re-exports the services."""

from agency.payments.online.services import (
    ConfirmedCard,
    StartedPayment,
    gateway_event_handle,
    gateway_event_store,
    gateway_events_retry,
    gateway_webhook_receive,
    online_payment_confirm_card,
    online_payment_refund,
    online_payment_start,
    resident_household,
    resident_online_payments,
)

__all__ = [
    "ConfirmedCard", "StartedPayment", "gateway_event_handle", "gateway_event_store", "gateway_events_retry",
    "gateway_webhook_receive", "online_payment_confirm_card", "online_payment_refund", "online_payment_start",
    "resident_household", "resident_online_payments",
]
