"""Refunds of allocated payments: the allocations are reversed in proportion (negative rows linked to their originals,
negative receipts in the principals' schemas, both ledgers), the day reconciles, and money already paid out comes
back out of the principal's next payout."""

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from agency.payments.allocation.bulk import payments_allocate
from agency.payments.allocation.reversal import allocation_reverse
from agency.payments.intake.queue import payment_return
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import CASH, UNALLOCATED, payable_account
from agency.payments.models import Allocation, IntentStatus, Payment, PaymentStatus, Payout
from agency.payments.online import online_payment_refund, online_payment_start
from agency.payments.payouts import payouts_approve, payouts_build, payouts_export
from agency.payments.payouts.reconciliation import reconciliation_day
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import account_balance, trial_balance
from tenants.receipts.models import Receipt
from tenants.receipts.services import HELD, RECEIVABLE
from tenants.residents.models import ResidentLink
from tests import factories
from tests.payments import test_payouts
from tests.payments.allocation_oracle import payment_allocate
from tests.payments.conftest import card_pay, event_raw
from tests.payments.test_payouts import FRI, MON, contract, pay
from tests.payments.test_stripe import deliver

pytestmark = pytest.mark.django_db
world = test_payouts.world  # household "mine" pays A (cold) and B (cold, drain); "other" pays A only
D = Decimal
TUE, WED = date(2026, 10, 20), date(2026, 10, 21)


def proportional_oracle(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Largest remainder in exact fractions, written out again for the test: floors, then the kopecks left to the
    largest remainders, ties to the earlier part."""
    t = int(total * 100)
    w = [Fraction(int(x * 100)) for x in weights]
    exact = [t * x / sum(w) for x in w]
    parts = [math.floor(e) for e in exact]
    for i in sorted(range(len(w)), key=lambda i: (-(exact[i] - parts[i]), i))[: t - sum(parts)]:
        parts[i] += 1
    return [D(p) / 100 for p in parts]


def net_by_line(payment: Payment) -> dict[tuple[int, str], Decimal]:
    """What stays allocated per (principal, service), originals and reversals together (the ORM's sums)."""
    rows = Allocation.objects.filter(payment=payment).values("principal_id", "service_code").annotate(s=Sum("amount"))
    return {(r["principal_id"], r["service_code"]): r["s"] for r in rows}


def receipts_by_line(schema: str, account: str) -> dict[str, Decimal]:
    with schema_context(schema):
        rows = (Receipt.objects.filter(account__number=account).values("service__code").annotate(s=Sum("amount")))
        return {r["service__code"] or "": r["s"] for r in rows}


def principal_books(schema: str) -> dict[str, Decimal]:
    with schema_context(schema):
        return trial_balance()


def test_a_partial_reversal_is_proportional_and_a_second_one_takes_the_rest(world):
    a, b = world["a"], world["b"]
    payment = pay(world["mine"], "1000.00", FRI)
    originals = list(Allocation.objects.filter(payment=payment).order_by("pk"))
    assert len(originals) == 3  # A cold, B cold, B drain

    rows = allocation_reverse(payment_id=payment.pk, amount="400.00", on=TUE, reason="возврат", key="r1")

    expected = proportional_oracle(D("400.00"), [o.amount for o in originals])
    assert [(r.reverses_id, -r.amount) for r in rows] == [(o.pk, e) for o, e in zip(originals, expected, strict=True)]
    assert sum(r.amount for r in rows) == D("-400.00")
    assert {r.allocated_on for r in rows} == {TUE} and {r.payout_id for r in rows} == {None}
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.ALLOCATED
    # the same key again changes nothing
    again = allocation_reverse(payment_id=payment.pk, amount="400.00", on=TUE, reason="возврат", key="r1")
    assert [r.pk for r in again] == [r.pk for r in rows]
    assert Allocation.objects.filter(payment=payment).count() == 6

    # more than what is left is refused whole
    with pytest.raises(ValidationError) as refused:
        allocation_reverse(payment_id=payment.pk, amount="600.01", on=TUE, reason="возврат", key="r2")
    assert refused.value.error_dict["amount"][0].code == "PAYMENT_AMOUNT"
    assert Allocation.objects.filter(payment=payment).count() == 6

    # the rest, without an amount: everything left of each line
    left = {o.pk: o.amount + e for o, e in zip(originals, [-x for x in expected], strict=True)}
    rest = allocation_reverse(payment_id=payment.pk, on=TUE, reason="возврат", key="r2")
    assert {r.reverses_id: -r.amount for r in rest} == left
    assert set(net_by_line(payment).values()) == {D("0.00")}
    for schema, account in ((a.schema_name, "L-MY-A"), (b.schema_name, "L-MY-B")):
        assert set(receipts_by_line(schema, account).values()) == {D("0.00")}
        books = principal_books(schema)
        assert sum(books.values()) == 0 and books[HELD] == 0 and books[RECEIVABLE] == 0
    assert account_balance(code=payable_account(a.pk)) == 0 and account_balance(code=payable_account(b.pk)) == 0
    # the books of the agent now hold the money as received and not allocated, as before allocation
    assert account_balance(code=UNALLOCATED) == -D("1000.00") and account_balance(code=CASH) == D("1000.00")

    # nothing left to reverse
    with pytest.raises(ValidationError):
        allocation_reverse(payment_id=payment.pk, on=TUE, reason="возврат", key="r3")


def test_only_an_allocated_payment_is_reversed(world):
    matched, _ = payment_record(channel="bank_registry", source="sber", external_id="m1", amount="10.00", paid_on=FRI,
                                payer_ref=world["mine"].number)
    with pytest.raises(ValidationError) as refused:
        allocation_reverse(payment_id=matched.pk, on=FRI, reason="x")
    assert refused.value.error_dict["payment"][0].code == "INVALID"
    assert not Allocation.objects.exists() and not LedgerTransaction.objects.filter(kind="allocation_reversal").exists()


def test_returning_an_allocated_payment_reverses_everything_and_the_day_reconciles(world):
    a, b = world["a"], world["b"]
    keep = pay(world["mine"], "700.00", FRI)
    payment = pay(world["mine"], "1000.00", FRI)
    before = {key: amount for key, amount in net_by_line(payment).items()}
    receipts_before = {"a": receipts_by_line(a.schema_name, "L-MY-A"), "b": receipts_by_line(b.schema_name, "L-MY-B")}

    returned = payment_return(payment_id=payment.pk, user=world["operator"], note="ошибочный платёж", on=TUE)

    assert returned.status == PaymentStatus.REFUNDED
    assert set(net_by_line(payment).values()) == {D("0.00")}
    reversals = Allocation.objects.filter(payment=payment, reverses__isnull=False)
    assert {(r.principal_id, r.service_code): r.amount for r in reversals} == {k: -v for k, v in before.items()}
    # receipts in the schemas: the returned payment's part is gone, the other payment's stays
    kept = net_by_line(keep)
    after_a, after_b = receipts_by_line(a.schema_name, "L-MY-A"), receipts_by_line(b.schema_name, "L-MY-B")
    assert after_a == {"cold": kept[(a.pk, "cold")]}
    assert after_b == {"cold": kept[(b.pk, "cold")], "drain": kept[(b.pk, "drain")]}
    assert receipts_before["a"]["cold"] - after_a["cold"] == before[(a.pk, "cold")]
    with schema_context(b.schema_name):  # the reversal receipts are dated the day of the return, one per row
        assert sorted(Receipt.objects.filter(paid_on=TUE).values_list("allocation_id", "amount")) == sorted(
            (r.pk, r.amount) for r in reversals if r.principal_id == b.pk)
    # both ledgers: the agent's payables hold only the kept payment's shares, unallocated is back to zero
    public = trial_balance()
    assert sum(public.values()) == 0
    assert public[UNALLOCATED] == 0 and public[CASH] == keep.amount
    assert public[payable_account(a.pk)] == -kept[(a.pk, "cold")]
    assert public[payable_account(b.pk)] == -(kept[(b.pk, "cold")] + kept[(b.pk, "drain")])
    for schema, share in ((a.schema_name, kept[(a.pk, "cold")]),
                          (b.schema_name, kept[(b.pk, "cold")] + kept[(b.pk, "drain")])):
        books = principal_books(schema)
        assert sum(books.values()) == 0 and books[HELD] == share and books[RECEIVABLE] == -share

    for day in (FRI, TUE):
        report = reconciliation_day(day=day)
        assert report.ok and report.differences == [] and report.unexplained == 0, report.differences
    fri = reconciliation_day(day=FRI)
    assert fri.refunded == payment.amount and fri.allocated == keep.amount
    tue = reconciliation_day(day=TUE)
    assert tue.allocations_made == -payment.amount and tue.not_paid_out == -payment.amount
    assert tue.ledger_day[UNALLOCATED] == {"expected": D("0.00"), "actual": D("0.00")}  # reversal in, return out


def test_a_refund_after_payout_is_recovered_from_the_next_payout(world):
    a, b = world["a"], world["b"]
    contract(a)
    contract(b)
    refunded = pay(world["mine"], "1000.00", FRI)
    monday = payouts_build(business_day=MON)
    payouts_approve(payout_ids=monday.payout_ids, user=world["approver"])
    payouts_export(payout_ids=monday.payout_ids, user=world["operator"])
    paid_out = net_by_line(refunded)

    payment_return(payment_id=refunded.pk, user=world["operator"], on=TUE)
    fresh = pay(world["other"], "1000.00", TUE)  # A only

    # the reversal waits outside any payout, and the next build nets it against the principal's new money
    assert set(Allocation.objects.filter(payment=refunded, reverses__isnull=False)
               .values_list("payout_id", flat=True)) == {None}
    wednesday = payouts_build(business_day=WED)
    a_payout = Payout.objects.get(principal=a, business_day=WED)
    fresh_a = sum(v for (p, _c), v in net_by_line(fresh).items() if p == a.pk)
    assert a_payout.gross == fresh_a - paid_out[(a.pk, "cold")]
    # B got nothing new: its negative sum is carried, not paid, and named
    b_owed = paid_out[(b.pk, "cold")] + paid_out[(b.pk, "drain")]
    assert not Payout.objects.filter(principal=b, business_day=WED).exists()
    skipped = {s["principal_id"]: s for s in wednesday.skipped}
    assert skipped[b.pk]["reason"] == "not_positive" and D(skipped[b.pk]["gross"]) == -b_owed
    assert set(Allocation.objects.filter(principal=b, payment=refunded, reverses__isnull=False)
               .values_list("payout_id", flat=True)) == {None}

    # B's next money pays the debt back first
    later = pay(world["mine"], "1500.00", WED)
    thursday = payouts_build(business_day=date(2026, 10, 22))
    b_payout = Payout.objects.get(principal=b, business_day=date(2026, 10, 22))
    b_new = sum(v for (p, _c), v in net_by_line(later).items() if p == b.pk)
    assert b_payout.gross == b_new - b_owed and b_payout.pk in thursday.payout_ids
    for day in (FRI, TUE, WED):
        report = reconciliation_day(day=day)
        assert report.ok and report.unexplained == 0, report.differences


def test_bulk_allocation_then_a_partial_reversal_reconciles_per_transaction(world):
    b = world["b"]
    first, _ = payment_record(channel="bank_registry", source="sber", external_id="b1", amount="1000.00", paid_on=FRI,
                              payer_ref=world["mine"].number)
    second, _ = payment_record(channel="bank_registry", source="sber", external_id="b2", amount="300.00", paid_on=FRI,
                               payer_ref=world["other"].number)
    run = payments_allocate(payment_ids=[first.pk, second.pk], on=FRI)
    assert run.allocations == 4
    # every row carries its run transaction's key
    assert set(Allocation.objects.values_list("principal_id", "ledger_key")) == {
        (p, f"{run.run_key}:p{p}") for p in (world["a"].pk, b.pk)}

    rows = allocation_reverse(payment_id=first.pk, amount="250.00", on=FRI, reason="частичный возврат", key="x")

    assert -sum(r.amount for r in rows) == D("250.00")
    report = reconciliation_day(day=FRI)
    assert report.ok and report.differences == [] and report.unexplained == 0
    # the partial refund is counted as refunded and named, the rest stays allocated
    assert report.allocated == D("1300.00") - D("250.00") and report.refunded == D("250.00")
    assert [(e.kind, e.amount) for e in report.explained if e.ref == f"payment:{first.pk}"] == [
        ("refunded_payment", D("250.00"))]
    # the run's postings per principal and the reversal's match the rows they cover
    keys = set(LedgerTransaction.objects.filter(kind__in=["allocation", "allocation_reversal"])
               .values_list("key", flat=True))
    assert keys == {f"{run.run_key}:p{world['a'].pk}", f"{run.run_key}:p{b.pk}", f"allocation_reversal:{first.pk}:x"}
    books = principal_books(b.schema_name)
    b_net = Allocation.objects.filter(principal=b).aggregate(s=Sum("amount"))["s"]
    assert sum(books.values()) == 0 and books[HELD] == b_net and books[RECEIVABLE] == -b_net


def test_a_bulk_posting_that_disagrees_with_its_rows_is_named_with_its_rows(world):
    from django.db import connection

    first, _ = payment_record(channel="bank_registry", source="sber", external_id="c1", amount="1000.00", paid_on=FRI,
                              payer_ref=world["mine"].number)
    run = payments_allocate(payment_ids=[first.pk], on=FRI)
    row = Allocation.objects.filter(principal=world["b"]).order_by("pk").first()
    with connection.cursor() as cursor:  # a broken row: one kopeck moved off the run's B allocation
        cursor.execute("UPDATE payments_allocation SET amount = amount - 0.01 WHERE id = %s", [row.pk])

    report = reconciliation_day(day=FRI)

    key = f"{run.run_key}:p{world['b'].pk}"
    named = {(d.ref, d.account): (d.expected, d.actual, d.rows) for d in report.differences if d.kind == "ledger"}
    total_b = Allocation.objects.filter(principal=world["b"]).aggregate(s=Sum("amount"))["s"]
    assert named[(key, payable_account(world["b"].pk))][:2] == (-total_b, -(total_b + D("0.01")))
    assert named[(key, UNALLOCATED)][:2] == (total_b, total_b + D("0.01"))
    b_rows = list(Allocation.objects.filter(principal=world["b"]).order_by("pk"))
    described = named[(key, UNALLOCATED)][2]
    assert f"№{b_rows[0].pk}–{b_rows[-1].pk}: {len(b_rows)} шт. на {total_b} руб." in described
    assert not report.ok


@pytest.mark.django_db
def test_card_refunds_of_an_allocated_payment_reverse_its_allocation(world, localstripe):
    a, b = world["a"], world["b"]
    resident = factories.user("reversal-payer@pay.test", is_resident=True)
    ResidentLink.objects.create(user=resident, unified_account=world["mine"])
    started = online_payment_start(user=resident, els=world["mine"].number, amount="1000.00")
    intent_id = started.online_payment.intent_id
    card_pay(localstripe, intent_id)
    assert deliver(Client(), event_raw(localstripe, intent_id, "payment_intent.succeeded")).status_code == 200
    payment = Payment.objects.get(source="stripe", external_id=intent_id)
    day = payment.paid_on
    payment_allocate(payment_id=payment.pk, on=day)
    originals = list(Allocation.objects.filter(payment=payment).order_by("pk"))

    online = online_payment_refund(online_payment_id=started.online_payment.pk, amount="333.33")

    assert online.status == IntentStatus.PARTIALLY_REFUNDED
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.ALLOCATED
    expected = proportional_oracle(D("333.33"), [o.amount for o in originals])
    reversals = Allocation.objects.filter(payment=payment, reverses__isnull=False).order_by("reverses_id")
    assert [(r.reverses_id, -r.amount) for r in reversals] == [
        (o.pk, e) for o, e in zip(originals, expected, strict=True)]
    ref = f"payment:{payment.pk}"
    assert account_balance(code=UNALLOCATED, ref=ref) == 0  # the refund left nothing in debit
    assert account_balance(code=CASH, ref=ref) == D("1000.00") - D("333.33")
    partial = reconciliation_day(day=timezone.localdate())
    assert partial.ok and partial.unexplained == 0, partial.differences

    online = online_payment_refund(online_payment_id=started.online_payment.pk)

    assert online.status == IntentStatus.REFUNDED
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED
    assert set(net_by_line(payment).values()) == {D("0.00")}
    assert set(receipts_by_line(a.schema_name, "L-MY-A").values()) == {D("0.00")}
    assert set(receipts_by_line(b.schema_name, "L-MY-B").values()) == {D("0.00")}
    public = trial_balance()
    assert sum(public.values()) == 0 and public[UNALLOCATED] == 0 and public[CASH] == 0
    assert public[payable_account(a.pk)] == 0 and public[payable_account(b.pk)] == 0
    for schema in (a.schema_name, b.schema_name):
        books = principal_books(schema)
        assert sum(books.values()) == 0 and books[HELD] == 0 and books[RECEIVABLE] == 0
    for when in {day, timezone.localdate()}:
        report = reconciliation_day(day=when)
        assert report.ok and report.differences == [] and report.unexplained == 0, report.differences
    assert reconciliation_day(day=day).refunded == D("1000.00")
