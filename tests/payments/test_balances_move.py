"""A payment through each channel lowers what is owed, at once and by exactly its share, in every view.

The household 7600000001 has an account at A (maintenance, 40 m² × 30.00 = 1200.00 a month) and at B (heating,
40 m² × 50.00 = 2000.00 a month). October is charged, posted and issued as a real ЕПД (payees A 1200.00 and
B 2000.00, total 3200.00). A payment of 800.00 through the agent is allocated over that document in proportion to
the dues (ПП 354 п.118): A 800 × 1200 / 3200 = 300.00, B 800 × 2000 / 3200 = 500.00. A principal's own receipt
of 800.00 at A goes to A alone. The views compared before and after: the cabinet's «К оплате» and its accounts,
the default card amount, the principal's account card, accounts list and debtors filter, the dashboard, the
debtors and accounts reports, and the next month's ЕПД.
"""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from agency.cabinet.services import resident_households
from agency.documents import assembly
from agency.documents.models import Epd, EpdPayee, EpdRun
from agency.identity.permissions import Perm
from agency.payments.intake.cash_desk import cash_receipt_record, cash_shift_open
from agency.payments.intake.registry_import import registry_import
from agency.payments.intake.statements import statement_import
from agency.payments.models import Payment, PaymentStatus
from agency.payments.online import online_payment_start
from agency.reports.builders import accounts_report, debtors_report
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import AccountService, Balance, PersonalAccount, Service, Tariff
from tenants.models import AgencyContract, Principal, PrincipalKind
from tenants.receipts.models import Receipt
from tenants.receipts.services import own_receipt_record
from tenants.registry.models import UnifiedAccount
from tenants.schemas import active_principals
from tests import factories
from tests.payments.allocation_oracle import payment_allocate
from tests.payments.conftest import card_pay, event_raw, stripe_signature
from tests.payments.test_registry_import import sber_file, sber_line
from tests.payments.test_statement_import import statement

pytestmark = pytest.mark.django_db
D = Decimal
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
ELS = "7600000001"
PAID = D("800.00")
# the agent's split of 800.00 over the dues 1200.00 (A) and 2000.00 (B)
AGENT_SHARES = {"a": D("300.00"), "b": D("500.00")}
OWN_SHARES = {"a": PAID, "b": D("0.00")}

ACCOUNTS = "query($debt: Boolean) { accounts(hasDebt: $debt, first: 50) { totalCount nodes { number debt } } }"
CARD = "query($id: ID!) { account(id: $id) { account { number debt } } }"
DASHBOARD = ("query { principalDashboard { debtorsCount debtTotal advanceTotal "
             "current { month billed collected collectionRate } } }")


def _contract(principal) -> None:
    req = factories.requisites(principal.pk + 700)
    AgencyContract.objects.create(
        principal=principal, number=f"АД-{principal.pk}", signed_on=date(2026, 1, 1), valid_from=date(2026, 1, 1),
        fee_rate=D("1.5"), qr_mode="per_payee", payout_bank_name=req["bank_name"], payout_bic=req["bic"],
        payout_account=req["settlement_account"], payout_correspondent_account=req["correspondent_account"],
    )


def _charged_service(principal, number: str, code: str, kind: str, rate: str) -> None:
    with tenant_context(principal):
        service = Service.objects.create(code=code, kind=kind, name=code, unit="м²", tariff_kind="per_area")
        Tariff.objects.create(service=service, valid_from=date(2026, 1, 1), rate=D(rate))
        AccountService.objects.create(account=PersonalAccount.objects.get(number=number), service=service,
                                      valid_from=date(2020, 1, 1))


def _issue(month: date) -> EpdRun:
    run = EpdRun.objects.create(month=month)
    for principal in active_principals():
        assembly.gather_principal(run=run, principal=principal)
    assembly.assemble(run=run)
    return run


@pytest.fixture
def issued(homes, principal_a, principal_b):
    """October charged, posted and issued: A's account owes 1200.00, B's 2000.00; the ЕПД asks 3200.00."""
    _charged_service(principal_a, "L-MY-A", "maint", "maintenance", "30.00")
    _charged_service(principal_b, "L-MY-B", "heat", "heating", "50.00")
    for principal in (principal_a, principal_b):
        _contract(principal)
        with tenant_context(principal):
            charge_run(month=OCT)
            period_post(month=OCT)
    _issue(OCT)
    epd = Epd.objects.get(unified_account__number=ELS, is_current=True)
    assert epd.total_due == D("3200.00")
    return {"a": principal_a, "b": principal_b, "resident": homes["resident"], "epd": epd}


def _views(world, gql, tenants) -> dict:
    """Every figure of what is owed, as each view shows it."""
    (household,) = [h for h in resident_households(user=world["resident"]) if h.els == ELS]
    shown = {"cabinet_due": household.amount_due,
             "cabinet": {a.account_number: a.balance for a in household.accounts}}
    for key, number, host in (("a", "L-MY-A", tenants.a_host), ("b", "L-MY-B", tenants.b_host)):
        principal = world[key]
        staff = factories.staff(principal, permissions=[Perm.ACCOUNTS_VIEW, Perm.REPORTS_VIEW],
                                email=f"views-{key}-{factories.user().pk}@staff.test")
        client = gql(host, user=staff)
        with schema_context(principal.schema_name):
            account_id = PersonalAccount.objects.get(number=number).pk
        card = client(CARD, {"id": str(account_id)})["data"]["account"]["account"]
        listed = {n["number"]: n["debt"] and D(n["debt"]) for n in client(ACCOUNTS)["data"]["accounts"]["nodes"]}
        debtors = {n["number"]: D(n["debt"]) for n in client(ACCOUNTS, {"debt": True})["data"]["accounts"]["nodes"]}
        dashboard = client(DASHBOARD)["data"]["principalDashboard"]
        with schema_context(principal.schema_name):
            report_debtors = {row[0]: row[-1] for row in debtors_report().rows}
            report_accounts = {row[0]: row[-1] for row in accounts_report().rows}
        shown[key] = {
            "card": D(card["debt"]), "list": listed[number], "debtors": debtors.get(number),
            "debt_total": D(dashboard["debtTotal"]), "debtors_count": dashboard["debtorsCount"],
            "collected": D(dashboard["current"]["collected"]), "rate": dashboard["current"]["collectionRate"],
            "report_debtors": report_debtors.get(number), "report_accounts": report_accounts[number],
        }
    return shown


def _expected(shares: dict[str, Decimal]) -> dict:
    """October's dues less the shares: A 1200.00 − a, B 2000.00 − b; the household owes 3200.00 − both."""
    a, b = D("1200.00") - shares["a"], D("2000.00") - shares["b"]
    rate = {k: str((shares[k] / billed).quantize(D("0.0001")))
            for k, billed in (("a", D("1200.00")), ("b", D("2000.00")))}
    return {
        "cabinet_due": a + b, "cabinet": {"L-MY-A": a, "L-MY-B": b},
        **{k: {"card": owed, "list": owed, "debtors": owed, "debt_total": owed, "debtors_count": 1,
               "collected": shares[k], "rate": rate[k], "report_debtors": owed, "report_accounts": owed}
           for k, owed in (("a", a), ("b", b))},
    }


# --- the channels: each pays 800.00 and returns the payment (None for the principal's own receipt) -------------


def _card(world, localstripe) -> Payment:
    started = online_payment_start(user=world["resident"], els=ELS, amount="800.00")
    intent_id = started.online_payment.intent_id
    card_pay(localstripe, intent_id)
    body = event_raw(localstripe, intent_id, "payment_intent.succeeded")
    response = Client().post("/webhooks/stripe", data=body, content_type="application/json", HTTP_HOST="localhost",
                             HTTP_STRIPE_SIGNATURE=stripe_signature(body))
    assert response.status_code == 200
    return Payment.objects.get(channel="card_online", unified_account__number=ELS)


def _registry(world, localstripe) -> Payment:
    imp = registry_import(data=sber_file([sber_line(1, ELS, "800,00")]), filename="reestr.txt",
                          layout_name="sber_standard")
    return Payment.objects.get(registry_import=imp)


def _statement(world, localstripe) -> Payment:
    agent_account = Principal.objects.get(kind=PrincipalKind.AGENT).settlement_account
    imp = statement_import(data=statement(agent_account, incoming=[("201", "800.00", f"Оплата ЖКУ по ЕЛС {ELS}")]),
                           filename="kl_to_1c.txt")
    return Payment.objects.get(registry_import=imp)


def _cash(world, localstripe) -> Payment:
    operator = factories.user(email="cashier@balances.test")
    shift = cash_shift_open(operator=operator, desk="Касса 1")
    payment, _created = cash_receipt_record(shift_id=shift.pk, operator=operator, receipt_number="000201",
                                            amount="800.00", payer_ref=ELS, paid_on=date(2026, 11, 5))
    return payment


def _own(world, localstripe) -> None:
    with schema_context(world["a"].schema_name):
        own_receipt_record(account_number="L-MY-A", amount="800.00", paid_on=date(2026, 11, 5),
                           document_number="ПКО-201", service_code="maint")


CHANNELS = {"card": (_card, AGENT_SHARES), "registry": (_registry, AGENT_SHARES),
            "statement": (_statement, AGENT_SHARES), "cash": (_cash, AGENT_SHARES), "own": (_own, OWN_SHARES)}


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_a_payment_lowers_every_view_by_its_share(channel, issued, gql, tenants, localstripe):
    pay, shares = CHANNELS[channel]
    # given October issued: nothing paid yet, every view shows the document's dues
    assert _views(issued, gql, tenants) == _expected({"a": D("0.00"), "b": D("0.00")})
    # and the card form offers the whole 3200.00 by default
    assert online_payment_start(user=issued["resident"], els=ELS).online_payment.amount == D("3200.00")

    # when 800.00 arrives through the channel and is allocated (the agent's channels) or recorded (own receipt)
    payment = pay(issued, localstripe)
    if payment is not None:
        assert payment.status == PaymentStatus.MATCHED and payment.amount == PAID
        payment_allocate(payment_id=payment.pk)

    # then every view moved by exactly the channel's share, at once
    assert _views(issued, gql, tenants) == _expected(shares)
    # and the card form now offers what is left: 3200.00 − 800.00
    assert online_payment_start(user=issued["resident"], els=ELS).online_payment.amount == D("2400.00")

    # and the next ЕПД shows the payment once, as paid since the last one: posting the months up to the payment's
    # leaves every balance where it was (the receipt is counted by a period now, no longer subtracted on top)
    paid_on = (payment.paid_on if payment is not None else date(2026, 11, 5)).replace(day=1)
    month, last = NOV, max(NOV, paid_on)
    while month <= last:
        for key in ("a", "b"):
            with tenant_context(issued[key]):
                charge_run(month=month)
                period_post(month=month)
        _issue(month)
        if month == paid_on or (month == NOV and paid_on < NOV):
            counted_in = month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    for key, number in (("a", "L-MY-A"), ("b", "L-MY-B")):
        payee = EpdPayee.objects.get(epd__unified_account__number=ELS, epd__month=counted_in, epd__is_current=True,
                                     principal=issued[key])
        assert D(payee.block["paid"]) == shares[key], (key, payee.block)
        with schema_context(issued[key].schema_name):
            assert set(Receipt.objects.values_list("counted_in__month", flat=True)) <= {counted_in}
    views = _views(issued, gql, tenants)
    for key, number in (("a", "L-MY-A"), ("b", "L-MY-B")):
        with schema_context(issued[key].schema_name):
            posted = Balance.objects.filter(account__number=number, period__status="posted")
            # the payment is in the posted periods' paid exactly once, and the balance now is the last closing
            # (charges and any penalties of the months since included): nothing subtracted on top of it
            assert posted.aggregate(s=Sum("paid"))["s"] == shares[key]
            closing = posted.filter(period__month=last).aggregate(s=Sum("closing"))["s"]
        assert views[key]["card"] == views[key]["list"] == closing


def test_the_payment_is_not_seen_at_a_principal_it_did_not_pay(issued, gql, tenants, localstripe):
    # given a principal's own receipt at A only
    _own(issued, localstripe)
    # then B's views are October's, A's have moved by the whole receipt
    views = _views(issued, gql, tenants)
    assert views["b"] == _expected({"a": D("0"), "b": D("0")})["b"]
    assert views["a"]["card"] == D("400.00")


def test_the_household_in_the_json_of_the_cabinet(issued, gql, tenants, localstripe):
    # given a cash payment allocated
    payment_allocate(payment_id=_cash(issued, localstripe).pk)
    # then the cabinet's GraphQL answer carries the amount left to pay
    payload = gql(tenants.public_host, user=issued["resident"])(
        "query { residentHouseholds { els amountDue accounts { accountNumber balance } } }")
    (household,) = payload["data"]["residentHouseholds"]
    assert household["amountDue"] == "2400.00", json.dumps(payload)
    assert {a["accountNumber"]: a["balance"] for a in household["accounts"]} == {"L-MY-A": "900.00",
                                                                                  "L-MY-B": "1500.00"}
    assert UnifiedAccount.objects.filter(number=ELS).exists()
