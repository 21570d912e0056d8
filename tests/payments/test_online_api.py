"""The residents' cabinet over GraphQL: start a card payment (against localstripe), list one's own payments."""

from decimal import Decimal

import pytest
from django.test import override_settings

from agency.payments.models import OnlinePayment
from tenants.residents.models import ResidentLink
from tests import factories
from tests.conftest import error_codes
from tests.payments.conftest import free_port, world_make

pytestmark = pytest.mark.django_db

START = (
    "mutation($els: String!, $amount: Decimal) { residentPaymentStart(els: $els, amount: $amount) "
    "{ onlinePaymentId clientSecret amount errors { field code } } }"
)
LIST = "query($els: String!) { residentOnlinePayments(els: $els) { id els epdIpd amount refunded status } }"


def test_a_resident_starts_a_payment_for_the_documents_amount(localstripe, tenants, gql):
    # given a resident whose household's current ЕПД asks 1500.50
    world = world_make(21)
    client = gql(tenants.public_host, user=world.resident)

    # when they start a payment without naming an amount
    payload = client(START, {"els": world.household.number})

    # then the intent at Stripe asks exactly the document's total, in kopecks, and is tied to our row
    answer = payload["data"]["residentPaymentStart"]
    assert answer["errors"] == []
    assert Decimal(answer["amount"]) == world.epd.total_due
    online = OnlinePayment.objects.get(pk=answer["onlinePaymentId"])
    assert (online.user_id, online.unified_account_id, online.epd_id, online.amount, online.status) == (
        world.resident.pk, world.household.pk, world.epd.pk, Decimal("1500.50"), "created")
    intent = localstripe.sdk.v1.payment_intents.retrieve(online.intent_id)
    assert (intent.amount, intent.currency, intent.client_secret) == (150050, "rub", answer["clientSecret"])
    assert intent.metadata.to_dict() == {"online_payment_id": str(online.pk), "els": world.household.number,
                                         "ipd": world.epd.ipd}


def test_a_resident_may_choose_the_amount(localstripe, tenants, gql):
    world = world_make(22)
    client = gql(tenants.public_host, user=world.resident)

    payload = client(START, {"els": world.household.number, "amount": "700.25"})

    answer = payload["data"]["residentPaymentStart"]
    assert answer["errors"] == [] and Decimal(answer["amount"]) == Decimal("700.25")
    online = OnlinePayment.objects.get(pk=answer["onlinePaymentId"])
    assert localstripe.sdk.v1.payment_intents.retrieve(online.intent_id).amount == 70025


@pytest.mark.parametrize(("amount", "code"), [
    ("0", "PAYMENT_AMOUNT"), ("-5.00", "PAYMENT_AMOUNT"), ("500000.01", "PAYMENT_AMOUNT"), ("10.001", "INVALID"),
])
def test_an_amount_out_of_range_or_finer_than_a_kopeck_is_refused(localstripe, tenants, gql, amount, code):
    world = world_make(23)
    client = gql(tenants.public_host, user=world.resident)

    payload = client(START, {"els": world.household.number, "amount": amount})

    assert payload["data"]["residentPaymentStart"]["errors"] == [{"field": "amount", "code": code}]
    assert not OnlinePayment.objects.exists()


def test_without_a_current_document_an_amount_is_required(localstripe, tenants, gql):
    world = world_make(24)
    world.epd.delete()
    client = gql(tenants.public_host, user=world.resident)

    payload = client(START, {"els": world.household.number})

    assert payload["data"]["residentPaymentStart"]["errors"] == [{"field": "amount", "code": "REQUIRED"}]
    assert not OnlinePayment.objects.exists()


def test_another_resident_cannot_pay_for_or_list_a_household_they_do_not_own(localstripe, tenants, gql):
    # given a household with its own resident's payment, and another resident linked elsewhere
    mine, theirs = world_make(25), world_make(26)
    gql(tenants.public_host, user=mine.resident)(START, {"els": mine.household.number})
    stranger = gql(tenants.public_host, user=theirs.resident)

    # when the other resident tries to pay for it, and to list its payments
    started = stranger(START, {"els": mine.household.number, "amount": "10.00"})
    listed = stranger(LIST, {"els": mine.household.number})

    # then the household is simply not found, and nothing was written
    assert started["data"]["residentPaymentStart"]["errors"] == [{"field": "els", "code": "NOT_FOUND"}]
    assert error_codes(listed) == ["NOT_FOUND"] and listed["data"] is None
    assert list(OnlinePayment.objects.values_list("user_id", flat=True)) == [mine.resident.pk]


def test_a_resident_lists_only_their_own_payments(localstripe, tenants, gql):
    # given a household linked to two residents, each with a payment
    world = world_make(27)
    partner = factories.user("partner27@pay.test", is_resident=True)
    ResidentLink.objects.create(user=partner, unified_account=world.household)
    mine = gql(tenants.public_host, user=world.resident)
    first = mine(START, {"els": world.household.number})["data"]["residentPaymentStart"]["onlinePaymentId"]
    second = mine(START, {"els": world.household.number, "amount": "99.99"})["data"]["residentPaymentStart"]
    gql(tenants.public_host, user=partner)(START, {"els": world.household.number, "amount": "1.00"})

    # when the first resident lists the household's payments
    payload = mine(LIST, {"els": world.household.number})

    # then only theirs show, newest first
    assert payload["data"]["residentOnlinePayments"] == [
        {"id": second["onlinePaymentId"], "els": world.household.number, "epdIpd": world.epd.ipd,
         "amount": "99.99", "refunded": "0.00", "status": "CREATED"},
        {"id": first, "els": world.household.number, "epdIpd": world.epd.ipd,
         "amount": "1500.50", "refunded": "0.00", "status": "CREATED"},
    ]


def test_an_unreachable_gateway_is_reported_and_leaves_nothing(localstripe, tenants, gql):
    # given Stripe's address pointing at a port nobody listens on
    world = world_make(28)
    client = gql(tenants.public_host, user=world.resident)

    with override_settings(STRIPE_API_BASE=f"http://127.0.0.1:{free_port()}"):
        payload = client(START, {"els": world.household.number})

    assert payload["data"]["residentPaymentStart"]["errors"] == [
        {"field": None, "code": "PAYMENT_GATEWAY_UNAVAILABLE"}]
    assert not OnlinePayment.objects.exists()
