"""The demo's payments day end to end: cash desk, a bank registry and a card payment (against localstripe) are
allocated, paid out to the three principals on the next working day, exported, and the day reconciles to zero."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Count, Q, Sum

from agency.demo.payments import UNKNOWN_ACCOUNT, demo_payments_seed, registry_file
from agency.demo.seed import PRINCIPALS, demo_seed
from agency.documents import storage
from agency.documents.models import Epd
from agency.payments.ledger_accounts import agent_principal
from agency.payments.models import Allocation, Channel, OnlinePayment, Payment, PaymentStatus, Payout, PayoutStatus
from agency.payments.payouts import contracts_in_force
from agency.payments.payouts.reconciliation import reconciliation_day
from billing_core.fees import FeeTerms, payout_fee_split
from billing_core.onec_exchange import statement_read
from billing_core.registry_formats import PRESETS, parse_registry
from tenants.ledger.models import LedgerTransaction
from tenants.models import Principal
from tenants.residents.models import ResidentLink
from tests.payments.conftest import localstripe_ensure

pytestmark = pytest.mark.django_db


def _state() -> tuple:
    return (Payment.objects.count(), Allocation.objects.count(), Payout.objects.count(),
            LedgerTransaction.objects.count(), OnlinePayment.objects.count(),
            Payment.objects.aggregate(s=Sum("amount"))["s"], Allocation.objects.aggregate(s=Sum("amount"))["s"])


def test_the_demo_payments_day_runs_end_to_end_and_reconciles_to_zero(settings, tmp_path):
    server = localstripe_ensure()
    settings.S3_BUCKET = ""
    settings.MEDIA_ROOT = tmp_path
    result = demo_seed()
    day = result["payments"]
    calendar = result["calendar"]
    PAY_DAY, PAYOUT_DAY = calendar.pay_day, calendar.payout_day
    # the demo's days follow the day it is loaded: payments on a working day, paid out on the next one, no later
    # than the load day, after the demo month
    assert calendar.month < PAY_DAY < PAYOUT_DAY <= calendar.today
    assert (day.day, day.payout_day) == (PAY_DAY, PAYOUT_DAY)

    # the registry file as the bank would send it, read independently: every line is one payment of the import
    parsed = parse_registry(registry_file(calendar), PRESETS["sber_standard"])
    assert parsed.ok and len(parsed.rows) >= 60
    registry = Payment.objects.filter(channel=Channel.BANK_REGISTRY, paid_on=PAY_DAY)
    assert registry.count() == len(parsed.rows)
    assert registry.aggregate(s=Sum("amount"))["s"] == parsed.amount_sum
    assert list(registry.exclude(status=PaymentStatus.ALLOCATED).values_list("payer_ref", "status")) == [
        (UNKNOWN_ACCOUNT, PaymentStatus.UNMATCHED)]

    # the cash desk: receipts of the operator's closed shift, all on the payment day
    cash = Payment.objects.filter(channel=Channel.CASH_DESK)
    assert cash.count() >= 3 and set(cash.values_list("paid_on", flat=True)) == {PAY_DAY}
    assert cash.aggregate(s=Sum("amount"))["s"] == day.cash["total"]
    dues = {p.pk: p.epd.total_due for p in cash.select_related("epd")}
    amounts = {p.pk: p.amount for p in cash}
    assert {(amounts[k] > dues[k]) - (amounts[k] < dues[k]) for k in dues} == {-1, 0, 1}  # partial, exact, over

    # the card: resident1 paid their ЕПД's amount, the charge succeeded at localstripe, the event was handled
    resident_els = ResidentLink.objects.get(user__email="resident1@mail.demo").unified_account
    card = Payment.objects.get(channel=Channel.CARD_ONLINE)
    epd = Epd.objects.get(unified_account=resident_els, is_current=True)
    assert (card.unified_account_id, card.amount) == (resident_els.pk, epd.total_due)
    intent = json.loads(server.get(f"/v1/payment_intents/{card.external_id}"))
    assert intent["status"] == "succeeded" and intent["amount"] == int(epd.total_due * 100)

    # every matched payment is allocated, and each one's allocations add up to it
    assert not Payment.objects.filter(status=PaymentStatus.MATCHED).exists()
    allocated = Payment.objects.filter(status=PaymentStatus.ALLOCATED).annotate(
        shares=Sum("allocations__amount"), n=Count("allocations"))
    assert allocated.count() == Payment.objects.exclude(payer_ref=UNKNOWN_ACCOUNT).count()
    assert all(p.n > 0 and p.shares == p.amount for p in allocated)

    # the payouts of the next working day: one per principal, fee by its contract, net = gross − fee, exported
    payouts = list(Payout.objects.filter(business_day=PAYOUT_DAY).order_by("principal_id"))
    principals = Principal.objects.filter(schema_name__in=[p.schema for p in PRINCIPALS])
    assert sorted(p.principal_id for p in payouts) == sorted(principals.values_list("pk", flat=True))
    contracts = contracts_in_force([p.principal_id for p in payouts], PAYOUT_DAY)
    for payout in payouts:
        day_sum = Allocation.objects.filter(principal_id=payout.principal_id, allocated_on=PAY_DAY).aggregate(
            s=Sum("amount"))["s"]
        split = payout_fee_split(day_sum, terms=FeeTerms.from_contract(contracts[payout.principal_id]))
        assert (payout.gross, payout.fee, payout.net) == (day_sum, split.fee, day_sum - split.fee)
        assert payout.status == PayoutStatus.EXPORTED and payout.order_number
        assert not Allocation.objects.filter(principal_id=payout.principal_id, allocated_on=PAY_DAY).exclude(
            payout=payout).exists()

        # its registers, in storage: every allocation a line, the total the gross
        rows = list(csv.reader(io.StringIO(storage.get(payout.register_csv_key).decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == 2 + payout.allocations.count()
        assert Decimal(rows[-1][-1].replace(",", ".")) == payout.gross
        sheet = openpyxl.load_workbook(io.BytesIO(storage.get(payout.register_xlsx_key))).active
        assert sheet.max_row >= payout.allocations.count() + 2

    # the 1C file: one payment order per payout, from the agent's account to the contract's account, for the net
    (key,) = {p.orders_file_key for p in payouts}
    orders = statement_read(storage.get(key))
    assert orders.ok, orders.errors
    agent = agent_principal()
    assert sorted((d.number, d.amount, d.payer_account, d.payee_account) for d in orders.documents) == sorted(
        (str(p.order_number), p.net, agent.settlement_account, contracts[p.principal_id].payout_account)
        for p in payouts)

    # the reconciliation of the payment day: everything explained, the one unknown payment named as pending
    report = reconciliation_day(day=PAY_DAY)
    assert report.ok and report.unexplained == 0 and report.differences == []
    assert report.money_in_total == Payment.objects.filter(paid_on=PAY_DAY).aggregate(s=Sum("amount"))["s"]
    assert report.paid_out_net + report.paid_out_fee == sum(p.gross for p in payouts)
    assert [e.ref for e in report.explained if e.kind == "pending_payment"] == [
        f"payment:{Payment.objects.get(payer_ref=UNKNOWN_ACCOUNT).pk}"]
    card_day = reconciliation_day(day=card.paid_on)
    assert card_day.ok and card_day.unexplained == 0
    assert [r["unexplained"] for r in day.reconciliation] == [Decimal(0)] * len(day.reconciliation)

    # a second run changes nothing
    before = _state()
    again = demo_payments_seed(calendar)
    assert _state() == before
    assert (again.payouts["net"], again.registry["import_id"]) == (day.payouts["net"], day.registry["import_id"])
    assert not Payment.objects.filter(Q(status=PaymentStatus.MATCHED) | Q(channel="")).exists()
