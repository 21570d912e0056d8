"""The daily reconciliation: zero unexplained difference on a normal day; every difference named."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import CASH, UNALLOCATED
from agency.payments.models import Allocation, Payment, PaymentStatus, Payout
from agency.payments.payouts import payouts_approve, payouts_build, payouts_confirm, payouts_export
from agency.payments.payouts.reconciliation import reconciliation_day
from tenants.ledger.services import Leg, ledger_account_ensure, transaction_post
from tests.payments import test_payouts
from tests.payments.test_payouts import FRI, MON, SAT, SUN, bank_statement, contract, pay

pytestmark = pytest.mark.django_db
world = test_payouts.world  # the same households, documents, contracts and operator
D = Decimal


def _payments(day: date) -> Decimal:
    return Payment.objects.filter(paid_on=day).aggregate(s=Sum("amount"))["s"] or D("0.00")


def _normal_week(world) -> list[Payout]:
    """Fri–Sun money over two households and two channels, paid out on Monday, exported and confirmed."""
    contract(world["a"], rate="1.5", fee_min="25.00")
    contract(world["b"], rate="2.25", fee_max="10.00")
    for day, amount in ((FRI, "1234.57"), (SAT, "99.99"), (SUN, "3000.00")):
        pay(world["mine"], amount, day)
        pay(world["other"], amount, day, channel="cash_desk")
    ids = payouts_build(business_day=MON).payout_ids
    payouts_approve(payout_ids=ids, user=world["approver"])
    payouts_export(payout_ids=ids, user=world["operator"])
    return list(Payout.objects.filter(pk__in=ids).order_by("pk"))


def _confirm_all(world, payouts):
    day = timezone.localdate()
    payouts_confirm(statement=bank_statement(world["agent"].settlement_account, [
        {"number": p.order_number, "date": p.order_date, "amount": p.net, "payee": p.payee_account}
        for p in payouts], day))


def test_a_normal_day_reconciles_with_zero_unexplained_difference(world):
    payouts = _normal_week(world)
    _confirm_all(world, payouts)

    reports = {day: reconciliation_day(day=day) for day in (FRI, SAT, SUN, timezone.localdate())}

    for day in (FRI, SAT, SUN):
        r = reports[day]
        assert r.ok and r.unexplained == 0 and r.differences == []
        assert r.money_in_total == _payments(day) == r.allocated
        assert set(r.money_in) == {"bank_registry", "cash_desk"}
        assert r.money_in["cash_desk"] == Payment.objects.filter(paid_on=day, channel="cash_desk").aggregate(
            s=Sum("amount"))["s"]
        allocated = Allocation.objects.filter(allocated_on=day).aggregate(s=Sum("amount"))["s"]
        assert r.allocations_made == allocated == r.paid_out_net + r.paid_out_fee
        assert r.not_paid_out == 0 and r.pending_total == 0
        assert [e.difference for e in r.equations] == [0, 0]
        assert r.explained == []  # all confirmed: nothing waits
    # the fees attributed to the three days add up to the payouts' fees, and so the nets
    assert sum(reports[d].paid_out_fee for d in (FRI, SAT, SUN)) == sum(p.fee for p in payouts)
    assert sum(reports[d].paid_out_net for d in (FRI, SAT, SUN)) == sum(p.net for p in payouts)
    # the export day: the payout postings are the ones the payouts imply, and the balances agree
    export_day = reports[timezone.localdate()]
    assert export_day.ok and export_day.ledger_day["agent.fee"]["actual"] == -sum(p.fee for p in payouts)
    assert export_day.ledger_balance[CASH]["actual"] == export_day.ledger_balance[CASH]["expected"]


def test_money_waiting_is_named_pending_payments_and_unconfirmed_payouts(world):
    payouts = _normal_week(world)  # exported, not confirmed
    stray, _ = payment_record(channel="bank_registry", source="sber", external_id="stray", amount="55.55", paid_on=FRI,
                              payer_ref="NO-SUCH-ACCOUNT")
    matched, _ = payment_record(channel="bank_registry", source="sber", external_id="unalloc", amount="10.00",
                                paid_on=FRI, payer_ref=world["mine"].number)

    r = reconciliation_day(day=FRI)

    assert r.ok and r.unexplained == 0
    assert r.money_in_total == _payments(FRI) == r.allocated + D("65.55")
    assert r.pending == {PaymentStatus.UNMATCHED: D("55.55"), PaymentStatus.MATCHED: D("10.00")}
    named = {(e.kind, e.ref): e.amount for e in r.explained}
    assert named[("pending_payment", f"payment:{stray.pk}")] == D("55.55")
    assert named[("pending_payment", f"payment:{matched.pk}")] == D("10.00")
    for p in payouts:
        assert named[("payout_awaiting_statement", f"payout:{p.pk}")] == p.net


def test_money_allocated_but_not_yet_paid_out_is_named_with_the_reason(world):
    contract(world["a"])
    pay(world["mine"], "500.00", MON)  # B has no contract
    payouts_build(business_day=date(2026, 10, 20))

    r = reconciliation_day(day=MON)

    b_share = Allocation.objects.filter(principal=world["b"], allocated_on=MON).aggregate(s=Sum("amount"))["s"]
    assert r.ok and r.not_paid_out == b_share
    item = next(e for e in r.explained if e.kind == "not_paid_out")
    assert item.ref == f"principal:{world['b'].pk}" and item.amount == b_share and "договор" in item.message
    assert next(e for e in r.explained if e.kind == "payout_not_exported").amount == \
        Payout.objects.get(principal=world["a"]).net


def test_a_payment_without_its_ledger_posting_and_a_stray_posting_are_named(world):
    _normal_week(world)
    with connection.cursor() as cursor:  # a broken intake path: the payment row without its posting
        cursor.execute(
            "INSERT INTO payments_payment (channel, source, external_id, amount, paid_on, received_at, payer_ref, "
            "payer_name, purpose, status, match_note) VALUES ('bank_registry', 'broken', '1', 42.00, %s, now(), "
            "'', '', '', 'unmatched', '') RETURNING id", [SAT])
        broken = cursor.fetchone()[0]
    ledger_account_ensure(code="suspense", name="test", kind="asset")
    transaction_post(kind="payment_received", key="payment:999999999", occurred_on=SAT,
                     legs=[Leg(CASH, D("7.00")), Leg("suspense", D("-7.00"))])

    r = reconciliation_day(day=SAT)

    assert not r.ok
    named = {(d.ref, d.account): (d.expected, d.actual) for d in r.differences if d.kind == "ledger"}
    assert named[(f"payment:{broken}", CASH)] == (D("42.00"), 0)
    assert named[(f"payment:{broken}", UNALLOCATED)] == (D("-42.00"), 0)
    assert named[("payment:999999999", CASH)] == (0, D("7.00"))
    assert named[("payment:999999999", "suspense")] == (0, D("-7.00"))
    assert r.unexplained == 42 + 42 + 7 + 7
    balances = {d.ref: d.amount for d in r.differences if d.kind == "balance"}
    assert balances[CASH] == D("-42.00") + D("7.00")  # the actual balance misses 42 and carries a stray 7
    assert balances[UNALLOCATED] == D("42.00")
    # the pending payment itself is still explained on the intake side
    assert any(e.ref == f"payment:{broken}" for e in r.explained)


# --- batch postings: one transaction per registry file, one per bulk allocation run and principal -------------------


def _registry(world, rows: list[tuple[str, str, str]]):
    """A Sberbank registry of (household, amount, dd-mm-yyyy) rows, imported through the real intake."""
    from agency.payments.intake.registry_import import registry_import
    from tests.payments.test_registry_import import sber_file, sber_line

    data = sber_file([sber_line(n, world[who].number, amount, day=day)
                      for n, (who, amount, day) in enumerate(rows, start=1)])
    return registry_import(data=data, filename="reg.txt", layout_name="sber_standard")


def test_a_registry_file_over_two_days_and_a_bulk_run_reconcile_per_transaction(world):
    from agency.payments.allocation.bulk import payments_allocate
    from tenants.ledger.models import LedgerTransaction

    imp = _registry(world, [("mine", "1000,00", "16-10-2026"), ("other", "250,00", "16-10-2026"),
                            ("mine", "99,99", "17-10-2026")])
    payments = Payment.objects.filter(registry_import=imp)
    run = payments_allocate(payment_ids=list(payments.values_list("pk", flat=True)), on=SAT)
    file_total = payments.aggregate(s=Sum("amount"))["s"]

    fri, sat = reconciliation_day(day=FRI), reconciliation_day(day=SAT)

    # one transaction for the file, dated its latest payment day; one per principal for the run
    assert list(LedgerTransaction.objects.filter(kind="registry_received").values_list("key", "occurred_on")) == [
        (f"registry:{imp.pk}", SAT)]
    assert run.payments == 3 and Allocation.objects.filter(ledger_key__startswith=run.run_key).count() == \
        run.allocations
    for r in (fri, sat):
        assert r.ok and r.differences == [] and r.unexplained == 0, r.differences
        assert not any(e.kind == "other_ledger_operation" for e in r.explained)  # nothing is "taken as posted"
    assert fri.money_in_total == _payments(FRI) and fri.allocated == _payments(FRI)
    assert CASH not in fri.ledger_day  # the file is posted on its last day
    assert sat.ledger_day[CASH] == {"expected": file_total, "actual": file_total}
    assert sat.ledger_day[UNALLOCATED]["actual"] == 0  # the whole file received, then all of it allocated
    assert sat.ledger_balance[CASH] == {"expected": file_total, "actual": file_total}


def test_a_registry_posting_that_disagrees_with_its_payments_is_named_with_them(world):
    imp = _registry(world, [("mine", "1000,00", "16-10-2026"), ("other", "250,00", "16-10-2026")])
    with connection.cursor() as cursor:  # a broken intake path: a payment claimed by the file but never posted
        cursor.execute(
            "INSERT INTO payments_payment (channel, source, external_id, amount, paid_on, received_at, payer_ref, "
            "payer_name, purpose, status, match_note, registry_import_id) VALUES ('bank_registry', 'broken', '1', "
            "42.00, %s, now(), '', '', '', 'unmatched', '', %s)", [FRI, imp.pk])
    rows = Payment.objects.filter(registry_import=imp)
    claimed = rows.aggregate(s=Sum("amount"))["s"]

    r = reconciliation_day(day=FRI)

    key = f"registry:{imp.pk}"
    named = {(d.ref, d.account): d for d in r.differences if d.kind == "ledger"}
    assert (named[(key, CASH)].expected, named[(key, CASH)].actual) == (claimed, claimed - D("42.00"))
    assert (named[(key, UNALLOCATED)].expected, named[(key, UNALLOCATED)].actual) == (-claimed, -claimed + 42)
    ids = sorted(rows.values_list("pk", flat=True))
    assert f"{len(ids)} шт. (№{ids[0]}–{ids[-1]}) на {claimed} руб." in named[(key, CASH)].message
    assert r.unexplained == 42 + 42 and not r.ok
