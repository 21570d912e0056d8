"""A resident pays a started card payment with a card token from the browser (against localstripe on loopback).

The browser side (Stripe.js ``createToken``) is played by the Stripe SDK creating the same token at localstripe.
"""

from decimal import Decimal

import pytest

from agency.payments.models import IntentStatus, OnlinePayment, Payment
from tests import factories
from tests.payments.conftest import localstripe, world_make  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.django_db

START = (
    "mutation($els: String!, $amount: Decimal) { residentPaymentStart(els: $els, amount: $amount) "
    "{ onlinePaymentId clientSecret errors { field code } } }"
)
CONFIRM = (
    "mutation($id: ID!, $token: String!) { residentPaymentConfirm(onlinePaymentId: $id, cardToken: $token) "
    "{ status clientSecret requiresAction errors { field code } } }"
)
CARD_OK = "4242424242424242"
CARD_3DS = "4000000000003220"
CARD_DECLINED = "4000000000000341"


def _token(server, number: str) -> str:
    return server.sdk.v1.tokens.create(params={"card": {"number": number, "exp_month": "12", "exp_year": "2030",
                                                        "cvc": "123"}}).id


def _started(client, world, amount: str = "250.00") -> str:
    answer = client(START, {"els": world.household.number, "amount": amount})["data"]["residentPaymentStart"]
    assert answer["errors"] == []
    return answer["onlinePaymentId"]


def test_a_card_token_confirms_the_residents_payment_and_nothing_is_posted_here(localstripe, tenants, gql):  # noqa: F811
    # given a resident's started payment of 250.00
    world = world_make(41)
    client = gql(tenants.public_host, user=world.resident)
    online_id = _started(client, world)
    token = _token(localstripe, CARD_OK)
    assert token.startswith("tok_")

    # when the browser's card token is sent
    answer = client(CONFIRM, {"id": online_id, "token": token})["data"]["residentPaymentConfirm"]

    # then the intent at the gateway succeeded for the whole amount, with the token's card
    assert answer == {"status": "succeeded", "clientSecret": None, "requiresAction": False, "errors": []}
    online = OnlinePayment.objects.get(pk=online_id)
    intent = localstripe.sdk.v1.payment_intents.retrieve(online.intent_id)
    assert (intent.status, intent.amount) == ("succeeded", 25000)
    card_id = localstripe.sdk.v1.tokens.retrieve(token).card.id
    assert intent.payment_method == card_id
    # and the payment is left to the signed webhook: nothing is recorded by this call
    assert (online.status, online.payment_id) == (IntentStatus.CREATED, None)
    assert not Payment.objects.filter(unified_account=world.household).exists()


def test_a_card_asking_for_3d_secure_returns_the_client_secret(localstripe, tenants, gql):  # noqa: F811
    world = world_make(42)
    client = gql(tenants.public_host, user=world.resident)
    online_id = _started(client, world, "99.99")

    answer = client(CONFIRM, {"id": online_id, "token": _token(localstripe, CARD_3DS)})["data"][
        "residentPaymentConfirm"]

    intent = localstripe.sdk.v1.payment_intents.retrieve(OnlinePayment.objects.get(pk=online_id).intent_id)
    assert answer == {"status": "requires_action", "clientSecret": intent.client_secret, "requiresAction": True,
                      "errors": []}
    assert intent.status == "requires_action"


def test_a_declined_card_is_reported_and_the_payment_stays_open(localstripe, tenants, gql):  # noqa: F811
    world = world_make(43)
    client = gql(tenants.public_host, user=world.resident)
    online_id = _started(client, world)

    answer = client(CONFIRM, {"id": online_id, "token": _token(localstripe, CARD_DECLINED)})["data"][
        "residentPaymentConfirm"]

    assert answer["errors"] == [{"field": "cardToken", "code": "PAYMENT_DECLINED"}]
    assert answer["status"] is None
    assert OnlinePayment.objects.get(pk=online_id).status == IntentStatus.CREATED


def test_another_residents_payment_is_not_found_and_not_charged(localstripe, tenants, gql):  # noqa: F811
    world = world_make(44)
    online_id = _started(gql(tenants.public_host, user=world.resident), world)
    stranger = gql(tenants.public_host, user=factories.user(is_resident=True))

    answer = stranger(CONFIRM, {"id": online_id, "token": _token(localstripe, CARD_OK)})["data"][
        "residentPaymentConfirm"]

    assert answer["errors"] == [{"field": "onlinePaymentId", "code": "NOT_FOUND"}]
    intent = localstripe.sdk.v1.payment_intents.retrieve(OnlinePayment.objects.get(pk=online_id).intent_id)
    assert intent.status == "requires_payment_method"
    assert OnlinePayment.objects.get(pk=online_id).amount == Decimal("250.00")
