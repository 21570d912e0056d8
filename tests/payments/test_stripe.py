"""Card payments through the Stripe SDK against localstripe on loopback: signed webhooks, handled once, refunds.

Nothing is mocked: the application talks to localstripe over HTTP through the Stripe SDK; the tests play
the resident's browser (confirming the intent with a test card through the SDK) and Stripe's webhook
sender (localstripe's own delivery, or its events re-signed exactly as Stripe signs them).
"""

import http.client
import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import stripe
from django.core.exceptions import ValidationError
from django.test import Client

from agency.payments.ledger_accounts import CASH, UNALLOCATED
from agency.payments.models import EventStatus, GatewayEvent, IntentStatus, OnlinePayment, Payment, PaymentStatus
from agency.payments.online import gateway_events_retry, online_payment_refund, online_payment_start
from agency.payments.online.gateways.stripe_gateway import stripe_gateway
from tenants.ledger.models import LedgerLeg, LedgerTransaction
from tests.payments.conftest import (
    CARD_DECLINED,
    card_pay,
    charge_refunded_raw,
    event_raw,
    stripe_signature,
    world_make,
)

D = Decimal
MOSCOW = ZoneInfo("Europe/Moscow")


# --- helpers ---------------------------------------------------------------------------------------------------


def deliver(client: Client, body: bytes, *, host: str = "localhost", **sign):
    return client.post("/webhooks/stripe", data=body, content_type="application/json", HTTP_HOST=host,
                       HTTP_STRIPE_SIGNATURE=stripe_signature(body, **sign))


def deliver_http(port: int, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/webhooks/stripe", body=body, headers={
            "Host": "localhost", "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body)})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def paid_day(server, intent_id: str):
    """The day the charge succeeded, in Moscow, as localstripe reports it."""
    intent = json.loads(server.get(f"/v1/payment_intents/{intent_id}"))
    return datetime.fromtimestamp(intent["latest_charge"]["created"], MOSCOW).date()


def postings(payment_id: int) -> list[tuple[str, dict[str, Decimal]]]:
    """Every ledger transaction touching this payment: its kind and its legs by account, in posting order."""
    found = []
    for tx in LedgerTransaction.objects.filter(legs__ref=f"payment:{payment_id}").distinct().order_by("pk"):
        legs = dict(LedgerLeg.objects.filter(transaction=tx).values_list("account__code", "amount"))
        found.append((tx.kind, legs))
    return found


def money_state(online_id: int) -> dict:
    """What the money side holds for one online payment, free of ids and timestamps."""
    online = OnlinePayment.objects.get(pk=online_id)
    payments = list(Payment.objects.filter(source="stripe", external_id=online.intent_id)
                    .values("channel", "amount", "status", "paid_on", "unified_account_id", "epd_id"))
    return {
        "status": online.status, "refunded": online.refunded, "payments": payments,
        "postings": postings(online.payment_id) if online.payment_id else [],
    }


def events_of(intent_id: str) -> list[tuple[str, str]]:
    return sorted(GatewayEvent.objects.filter(payload__data__object__payment_intent=intent_id)
                  .values_list("type", "status")) + sorted(
        GatewayEvent.objects.filter(payload__data__object__id=intent_id).values_list("type", "status"))


def wait_until(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def received(amount: str) -> tuple[str, dict]:
    return ("payment_received", {CASH: D(amount), UNALLOCATED: -D(amount)})


def refunded(amount: str) -> tuple[str, dict]:
    return ("payment_refunded", {UNALLOCATED: D(amount), CASH: -D(amount)})


# --- the whole flow over real HTTP: localstripe delivers its own signed webhook ----------------------------------


def test_localstripe_delivers_the_signed_event_and_one_payment_is_posted(localstripe, committed, live_server_http):
    # given a resident with a current ЕПД of 1500.50, and localstripe sending its webhooks to our live server
    world = committed.world(1)
    time.sleep(1.2)  # localstripe sends each event 1 s after it happens: let earlier tests' events go nowhere
    localstripe.webhook_register("suite-live", live_server_http.webhook_url)
    try:
        # when the resident starts a payment for the document's amount and pays with a test card
        started = committed.run(online_payment_start, user=world.resident, els=world.household.number)
        intent = localstripe.sdk.v1.payment_intents.retrieve(started.online_payment.intent_id)
        assert (intent.amount, intent.currency) == (150050, "rub")
        assert intent.metadata["online_payment_id"] == str(started.online_payment.pk)
        assert started.client_secret == intent.client_secret
        assert card_pay(localstripe, intent.id).status == "succeeded"

        # then localstripe's signed payment_intent.succeeded reaches the webhook and the payment is posted
        wait_until(lambda: OnlinePayment.objects.get(pk=started.online_payment.pk).status == IntentStatus.SUCCEEDED)
    finally:
        localstripe.webhook_disable("suite-live")
    event_id = json.loads(event_raw(localstripe, intent.id, "payment_intent.succeeded"))["id"]
    assert list(GatewayEvent.objects.filter(payload__data__object__id=intent.id)
                .values_list("event_id", "status")) == [(event_id, EventStatus.PROCESSED)]
    state = money_state(started.online_payment.pk)
    assert state["payments"] == [{"channel": "card_online", "amount": D("1500.50"), "status": PaymentStatus.MATCHED,
                                  "paid_on": paid_day(localstripe, intent.id),
                                  "unified_account_id": world.household.pk, "epd_id": world.epd.pk}]
    assert state["postings"] == [received("1500.50")]


# --- ten concurrent deliveries of one event, shuffled with a refund event ----------------------------------------


def test_ten_concurrent_deliveries_and_a_refund_event_post_once(localstripe, committed, live_server_http):
    # given a paid intent, and a refund of 500.25 made at Stripe (we learn of it only from its webhook)
    world = committed.world(2)
    started = committed.run(online_payment_start, user=world.resident, els=world.household.number)
    intent_id = started.online_payment.intent_id
    card_pay(localstripe, intent_id)
    refund = localstripe.sdk.v1.refunds.create(params={"payment_intent": intent_id, "amount": 50025})
    succeeded, refund_event = (event_raw(localstripe, intent_id, "payment_intent.succeeded"),
                               charge_refunded_raw(localstripe, intent_id))
    deliveries = [succeeded] * 10 + [refund_event] * 3
    random.Random(20261103).shuffle(deliveries)
    start = threading.Barrier(len(deliveries))

    def send(body: bytes) -> int:
        start.wait()
        return deliver_http(live_server_http.port, body)

    # when all thirteen deliveries hit the webhook at once, from their own threads and connections
    with ThreadPoolExecutor(len(deliveries)) as pool:
        statuses = list(pool.map(send, deliveries))

    # then every delivery is acknowledged, and there is one payment, one receipt posting, one refund posting
    assert statuses == [200] * len(deliveries)
    state = money_state(started.online_payment.pk)
    assert state["status"] == IntentStatus.PARTIALLY_REFUNDED and state["refunded"] == D("500.25")
    assert len(state["payments"]) == 1 and state["payments"][0]["amount"] == D("1500.50")
    assert state["postings"] == [received("1500.50"), refunded("500.25")]
    assert LedgerTransaction.objects.filter(key=f"refund:stripe:{refund.id}").count() == 1
    assert sorted(GatewayEvent.objects.filter(event_id__in=[json.loads(succeeded)["id"],
                                                            json.loads(refund_event)["id"]])
                  .values_list("type", "status")) == [("charge.refunded", "processed"),
                                                      ("payment_intent.succeeded", "processed")]


# --- out of order: a refund event before the succeeded event ------------------------------------------------------


@pytest.mark.django_db
def test_a_refund_event_before_the_succeeded_event_ends_in_the_same_state(localstripe):
    # given two households paying the same document amount, each refunded 300.00 at Stripe
    client = Client()
    cases = []
    for n in (3, 4):
        world = world_make(n)
        started = online_payment_start(user=world.resident, els=world.household.number)
        intent_id = started.online_payment.intent_id
        card_pay(localstripe, intent_id)
        localstripe.sdk.v1.refunds.create(params={"payment_intent": intent_id, "amount": 30000})
        cases.append((world, started.online_payment.pk, intent_id,
                      event_raw(localstripe, intent_id, "payment_intent.succeeded"),
                      charge_refunded_raw(localstripe, intent_id)))

    # when the first gets its events in order and the second refund-first
    (w1, id1, intent1, ok1, refund1), (w2, id2, intent2, ok2, refund2) = cases
    assert [deliver(client, body).status_code for body in (ok1, refund1)] == [200, 200]
    assert [deliver(client, body).status_code for body in (refund2, ok2)] == [200, 200]

    # then both end in the same rows: one payment, its receipt and its refund, the intent partially refunded
    for world, online_id, intent_id in ((w1, id1, intent1), (w2, id2, intent2)):
        assert money_state(online_id) == {
            "status": IntentStatus.PARTIALLY_REFUNDED, "refunded": D("300.00"),
            "payments": [{"channel": "card_online", "amount": D("1500.50"), "status": PaymentStatus.MATCHED,
                          "paid_on": paid_day(localstripe, intent_id), "unified_account_id": world.household.pk,
                          "epd_id": world.epd.pk}],
            "postings": [received("1500.50"), refunded("300.00")],
        }
    assert events_of(intent2) == [("charge.refunded", "processed"), ("payment_intent.succeeded", "processed")]


# --- signatures -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_signature_is_refused_and_nothing_is_stored(localstripe):
    # given a real succeeded event, and a client that enforces CSRF like a browser would (the webhook is exempt)
    world = world_make(5)
    started = online_payment_start(user=world.resident, els=world.household.number)
    card_pay(localstripe, started.online_payment.intent_id)
    body = event_raw(localstripe, started.online_payment.intent_id, "payment_intent.succeeded")
    client = Client(enforce_csrf_checks=True)
    tampered = body.replace(b'"amount": 150050', b'"amount": 1', 1)
    assert tampered != body

    # when it arrives signed with another secret, too old, with a body changed after signing, or unsigned
    answers = [
        deliver(client, body, secret="whsec_not_ours"),
        deliver(client, body, at=int(time.time()) - 3600),
        client.post("/webhooks/stripe", data=tampered, content_type="application/json", HTTP_HOST="localhost",
                    HTTP_STRIPE_SIGNATURE=stripe_signature(body)),
        client.post("/webhooks/stripe", data=body, content_type="application/json", HTTP_HOST="localhost"),
    ]

    # then each is a 400, nothing is stored and nothing is paid
    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert GatewayEvent.objects.count() == 0
    assert not Payment.objects.filter(external_id=started.online_payment.intent_id).exists()
    assert OnlinePayment.objects.get(pk=started.online_payment.pk).status == IntentStatus.CREATED

    # and the same body, properly signed, is taken
    assert deliver(client, body).status_code == 200
    assert OnlinePayment.objects.get(pk=started.online_payment.pk).status == IntentStatus.SUCCEEDED


@pytest.mark.django_db
def test_the_webhook_is_not_served_on_a_principals_host(localstripe, tenants):
    world = world_make(6)
    started = online_payment_start(user=world.resident, els=world.household.number)
    card_pay(localstripe, started.online_payment.intent_id)
    body = event_raw(localstripe, started.online_payment.intent_id, "payment_intent.succeeded")

    answer = deliver(Client(), body, host=tenants.a_host)

    assert answer.status_code == 404
    assert GatewayEvent.objects.count() == 0


# --- refunds ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_partial_then_a_full_refund(localstripe):
    # given a paid 1500.50
    world = world_make(7)
    client = Client()
    started = online_payment_start(user=world.resident, els=world.household.number)
    intent_id = started.online_payment.intent_id
    card_pay(localstripe, intent_id)
    assert deliver(client, event_raw(localstripe, intent_id, "payment_intent.succeeded")).status_code == 200
    payment = Payment.objects.get(source="stripe", external_id=intent_id)
    ref = f"payment:{payment.pk}"

    # when 400.00 is refunded
    online = online_payment_refund(online_payment_id=started.online_payment.pk, amount="400.00")

    # then the intent is partly refunded, the payment still stands, and the agent's cash went down by 400.00
    assert (online.status, online.refunded) == (IntentStatus.PARTIALLY_REFUNDED, D("400.00"))
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.MATCHED
    from tenants.ledger.services import account_balance

    assert account_balance(code=CASH, ref=ref) == D("1500.50") - D("400.00")
    assert account_balance(code=UNALLOCATED, ref=ref) == -(D("1500.50") - D("400.00"))

    # when more than what is left is asked, it is refused and nothing moves
    with pytest.raises(ValidationError) as refused:
        online_payment_refund(online_payment_id=started.online_payment.pk, amount="1100.51")
    assert refused.value.error_dict["amount"][0].code == "PAYMENT_AMOUNT"
    assert account_balance(code=CASH, ref=ref) == D("1100.50")

    # when the rest is refunded
    online = online_payment_refund(online_payment_id=started.online_payment.pk)

    # then the intent and the payment are refunded, the ledger is back to zero, Stripe holds both refunds
    assert (online.status, online.refunded) == (IntentStatus.REFUNDED, D("1500.50"))
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED
    assert account_balance(code=CASH, ref=ref) == 0 and account_balance(code=UNALLOCATED, ref=ref) == 0
    charge = json.loads(localstripe.get(f"/v1/payment_intents/{intent_id}"))["latest_charge"]
    assert charge["amount_refunded"] == 150050
    assert sorted(r.amount for r in localstripe.sdk.v1.refunds.list(params={"payment_intent": intent_id}).data) == [
        40000, 110050]

    # and Stripe's charge.refunded webhook for those same refunds changes nothing
    assert deliver(client, charge_refunded_raw(localstripe, intent_id)).status_code == 200
    assert money_state(online.pk)["postings"] == [received("1500.50"), refunded("400.00"), refunded("1100.50")]

    # and nothing more can be refunded
    with pytest.raises(ValidationError):
        online_payment_refund(online_payment_id=started.online_payment.pk, amount="0.01")
    assert len(money_state(online.pk)["postings"]) == 3


# --- failures, foreign intents, unknown events, retries -----------------------------------------------------------


@pytest.mark.django_db
def test_a_declined_card_marks_the_intent_failed_and_posts_nothing(localstripe):
    world = world_make(8)
    started = online_payment_start(user=world.resident, els=world.household.number)
    intent_id = started.online_payment.intent_id
    with pytest.raises(stripe.CardError):
        card_pay(localstripe, intent_id, CARD_DECLINED)

    answer = deliver(Client(), event_raw(localstripe, intent_id, "payment_intent.payment_failed"))

    assert answer.status_code == 200
    assert money_state(started.online_payment.pk) == {"status": IntentStatus.FAILED, "refunded": D("0"),
                                                      "payments": [], "postings": []}


@pytest.mark.django_db
def test_a_failed_event_keeps_its_error_and_is_handled_when_delivered_again(localstripe):
    # given an intent carrying our marker whose row is not there (as if written by a transaction not yet visible)
    world = world_make(9)
    intent = stripe_gateway().create_intent(amount=12345, currency="rub", idempotency_key="suite:orphan",
                                            metadata={"online_payment_id": "987654321"})
    card_pay(localstripe, intent.id)
    body = event_raw(localstripe, intent.id, "payment_intent.succeeded")
    client = Client()

    # when its succeeded event arrives
    first = deliver(client, body)

    # then the answer asks the gateway to retry, and the event keeps the error
    assert first.status_code == 500
    event = GatewayEvent.objects.get(event_id=json.loads(body)["id"])
    assert event.status == EventStatus.FAILED and f"no online payment for intent {intent.id}" in event.error
    assert not Payment.objects.filter(external_id=intent.id).exists()

    # when the row is there and the event comes again
    OnlinePayment.objects.create(gateway="stripe", intent_id=intent.id, user=world.resident,
                                 unified_account=world.household, amount=D("123.45"))
    again = deliver(client, body)

    # then it is handled, once
    assert again.status_code == 200
    event.refresh_from_db()
    assert (event.status, event.error) == (EventStatus.PROCESSED, "")
    assert list(Payment.objects.filter(external_id=intent.id).values_list("amount", flat=True)) == [D("123.45")]
    assert gateway_events_retry(gateway_name="stripe") == []


@pytest.mark.django_db
def test_foreign_intents_and_unknown_event_types_are_ignored(localstripe):
    # given an intent someone else made on the same Stripe account (no marker of ours), paid
    foreign = localstripe.sdk.v1.payment_intents.create(params={"amount": 5000, "currency": "rub"})
    card_pay(localstripe, foreign.id)
    method = json.loads(localstripe.get(f"/v1/payment_intents/{foreign.id}"))["payment_method"]
    unknown = json.dumps({"id": "evt_unknownsuite01", "object": "event", "type": "payment_method.attached",
                          "created": int(time.time()), "livemode": False,
                          "data": {"object": json.loads(localstripe.get(f"/v1/payment_methods/{method}"))}}).encode()
    client = Client()

    # when both events arrive
    answers = [deliver(client, event_raw(localstripe, foreign.id, "payment_intent.succeeded")),
               deliver(client, unknown)]

    # then both are acknowledged, stored as ignored, and nothing is paid
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted(GatewayEvent.objects.values_list("type", "status")) == [
        ("payment_intent.succeeded", "ignored"), ("payment_method.attached", "ignored")]
    assert Payment.objects.count() == 0
