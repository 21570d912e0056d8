"""The set-based allocation agrees to the kopeck with the one-payment allocation, and posts both sides once."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from agency.documents.models import Epd, EpdPayee, EpdRun
from agency.payments.allocation.bulk import payments_allocate
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import UNALLOCATED, payable_account
from agency.payments.models import Allocation, Payment, PaymentStatus
from tenants.ledger.services import account_balance, trial_balance
from tenants.receipts.models import Receipt
from tenants.registry.models import Premise, UnifiedAccount
from tests.payments.allocation_oracle import payment_allocate

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 5)
CODES = ["cold", "drain", "heat", "maint", "hot"]
ACCOUNTS = {"7600000001": ("L-MY-A", "L-MY-B"), "7600000002": ("L-NB-A", "L-NB-B")}


def rub(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100}.{abs(kopecks) % 100:02d}"


@pytest.fixture
def services(homes, principal_a, principal_b):
    from tenants.billing.models import Service

    for principal in (principal_a, principal_b):
        with schema_context(principal.schema_name):
            for code in CODES:
                Service.objects.get_or_create(code=code, defaults={"kind": "other", "name": code, "unit": "-",
                                                                   "tariff_kind": "per_unit"})


def _random_block(rng: random.Random) -> tuple[dict, int]:
    """A payee block: 0–4 lines (codes may repeat), totals and charges that may be zero or negative."""
    lines = []
    for _i in range(rng.choice([0, 1, 1, 2, 3, 4])):
        total = rng.choice([0, 0, -5000, rng.randint(1, 300_000), rng.randint(1, 99), 33_333, 66_667])
        charged = rng.choice([0, total, rng.randint(0, 200_000)])
        code = rng.choice(CODES)
        lines.append({"service": code, "service_code": code, "charged": rub(charged), "total": rub(total)})
    if lines and rng.random() < 0.1:
        lines.append({"service": "без кода", "charged": "10.00", "total": "10.00"})  # no code: not a line to pay
    due = rng.choice([0, rng.randint(1, 500_000), sum(max(int(D(ln["total"]) * 100), 0) for ln in lines), 1, 7])
    return {"lines": lines, "charged": rub(rng.choice([0, rng.randint(0, 100_000)]))}, due


def _documents(rng: random.Random, n: int, principals) -> list[Epd]:
    households = list(UnifiedAccount.objects.filter(number__in=ACCOUNTS).order_by("number"))
    run = EpdRun.objects.create(month=date(2026, 10, 1))
    docs = []
    for i in range(n):
        household = households[i % 2]
        epd = Epd.objects.create(
            run=run, unified_account=household, month=date(1990 + i // 12, i % 12 + 1, 1), is_current=False,
            ipd=f"{household.number}-T{i}", payer_name="-", address="-", house=household.premise.house,
            due_date=DAY, total_due=D("0.00"), content={}, content_sha256="0" * 64)
        payees = [p for p in principals if rng.random() < 0.7] or [rng.choice(principals)]
        for principal in payees:
            block, due = _random_block(rng)
            number = ACCOUNTS[household.number][0 if principal.schema_name == "principal_a" else 1]
            EpdPayee.objects.create(epd=epd, principal=principal, account_number=number, amount_due=D(rub(due)),
                                    closing=D(rub(due)), block=block)
        docs.append(epd)
    return docs


def _amount(rng: random.Random, epd: Epd) -> Decimal:
    due = sum(max(p.amount_due, D(0)) for p in epd.payees.all())
    kind = rng.choice(["partial", "exact", "over", "tiny", "odd"])
    if kind == "exact" and due > 0:
        return due
    if kind == "partial" and due > D("0.01"):
        return D(rub(rng.randint(1, int(due * 100) - 1)))
    if kind == "over":
        return due + D(rub(rng.randint(1, 100_000)))
    if kind == "tiny":
        return D("0.01")
    return D(rub(rng.randint(1, 1_000_000)))


def _shares(rows) -> dict:
    return {(r.principal_id, r.service_code): r.amount for r in rows}


def test_bulk_allocation_agrees_with_the_one_payment_oracle(services, principal_a, principal_b):
    rng = random.Random(20261105)
    docs = _documents(rng, 160, [principal_a, principal_b])
    pairs = []
    for i, epd in enumerate(docs):
        amount = _amount(rng, epd)
        common = {"channel": "cash_desk", "amount": amount, "paid_on": DAY,
                  "unified_account_id": epd.unified_account_id, "epd_id": epd.pk}
        oracle, _ = payment_record(source="oracle", external_id=str(i), **common)
        bulk, _ = payment_record(source="bulk", external_id=str(i), **common)
        pairs.append((oracle, bulk))
    expected = {bulk.pk: _shares(payment_allocate(payment_id=oracle.pk, on=DAY)) for oracle, bulk in pairs}

    result = payments_allocate(payment_ids=[bulk.pk for _o, bulk in pairs], on=DAY)

    got: dict[int, dict] = {}
    for row in Allocation.objects.filter(payment_id__in=expected):
        got.setdefault(row.payment_id, {})[(row.principal_id, row.service_code)] = row.amount
    mismatched = [pk for pk in expected if got.get(pk) != expected[pk]]
    assert mismatched == [], [(pk, expected[pk], got.get(pk)) for pk in mismatched[:3]]
    assert (result.payments, result.skipped) == (len(pairs), {})
    assert result.allocations == sum(len(shares) for shares in expected.values())
    assert result.amount == sum(bulk.amount for _o, bulk in pairs)
    kinds = {"advance": 0, "partial": 0}
    for oracle, _bulk in pairs:
        due = sum(max(p.amount_due, D(0)) for p in EpdPayee.objects.filter(epd_id=oracle.epd_id))
        kinds["advance" if oracle.amount > due else "partial"] += 1
    assert min(kinds.values()) > 20  # both sides of the total due were exercised
    assert set(Payment.objects.filter(source="bulk").values_list("status", flat=True)) == {PaymentStatus.ALLOCATED}


def test_receipts_land_in_each_schema_and_every_ledger_balances(services, principal_a, principal_b):
    rng = random.Random(7)
    docs = _documents(rng, 30, [principal_a, principal_b])
    payments = [payment_record(channel="cash_desk", source="bulk", external_id=str(i), amount=_amount(rng, epd),
                               paid_on=DAY, unified_account_id=epd.unified_account_id, epd_id=epd.pk)[0]
                for i, epd in enumerate(docs)]

    result = payments_allocate(day=DAY, on=DAY)

    assert result.payments == len(payments) and result.receipts == result.allocations
    for principal in (principal_a, principal_b):
        allocations = {a.pk: a for a in Allocation.objects.filter(principal=principal)}
        with schema_context(principal.schema_name):
            receipts = list(Receipt.objects.select_related("account", "service"))
            assert {r.allocation_id for r in receipts} == set(allocations)
            for receipt in receipts:
                allocation = allocations[receipt.allocation_id]
                assert (receipt.amount, receipt.account.number, receipt.paid_on, receipt.source) == (
                    allocation.amount, allocation.account_number, DAY, "agent")
                assert (receipt.service.code if receipt.service else "") == allocation.service_code
            assert sum(trial_balance().values()) == 0
            total = sum(a.amount for a in allocations.values())
            assert account_balance(code="agent.held") == total
            for number in {a.account_number for a in allocations.values()}:
                assert account_balance(code="receivable", ref=f"pa:{number}") == -sum(
                    a.amount for a in allocations.values() if a.account_number == number)
        assert account_balance(code=payable_account(principal.pk)) == -sum(a.amount for a in allocations.values())
    assert sum(trial_balance().values()) == 0
    # everything received is now owed to the principals
    assert account_balance(code=UNALLOCATED) == sum(p.amount for p in payments) - sum(p.amount for p in payments)

    again = payments_allocate(day=DAY, on=DAY)
    assert (again.payments, again.allocations) == (0, 0)
    assert Allocation.objects.count() == result.allocations


def test_payments_that_cannot_be_allocated_stay_matched_and_are_reported(services, principal_a, principal_b):
    rng = random.Random(3)
    (doc,) = _documents(rng, 1, [principal_a])
    good, _ = payment_record(channel="cash_desk", source="bulk", external_id="good", amount="10.00", paid_on=DAY,
                             unified_account_id=doc.unified_account_id, epd_id=doc.pk)
    # a household with no document at all
    premise = Premise.objects.create(house=doc.house, number="99", area=D("30"))
    lonely = UnifiedAccount.objects.create(number="7600000099", premise=premise, payer_name="-")
    paperless = UnifiedAccount.objects.create(number="7600000098", payer_name="-", premise=Premise.objects.create(
        house=doc.house, number="98", area=D("30")))
    no_doc, _ = payment_record(channel="cash_desk", source="bulk", external_id="no-doc", amount="5.00", paid_on=DAY,
                               unified_account_id=paperless.pk)
    # a document naming an account the principal does not have
    broken = Epd.objects.create(run=doc.run, unified_account=lonely, month=date(2026, 10, 1), ipd="7600000099-1026",
                                payer_name="-", address="-", house=doc.house, due_date=DAY, total_due=D("1.00"),
                                content={}, content_sha256="0" * 64)
    EpdPayee.objects.create(epd=broken, principal=principal_a, account_number="NOPE", amount_due=D("1.00"),
                            closing=D("1.00"), block={"lines": []})
    no_account, _ = payment_record(channel="cash_desk", source="bulk", external_id="no-acc", amount="3.00",
                                   paid_on=DAY, unified_account_id=lonely.pk, epd_id=broken.pk)
    empty = Epd.objects.create(run=doc.run, unified_account=lonely, month=date(2026, 9, 1), ipd="7600000099-0926",
                               payer_name="-", address="-", house=doc.house, due_date=DAY, total_due=D("0.00"),
                               content={}, content_sha256="0" * 64)
    no_payees, _ = payment_record(channel="cash_desk", source="bulk", external_id="no-payees", amount="2.00",
                                  paid_on=DAY, unified_account_id=lonely.pk, epd_id=empty.pk)

    result = payments_allocate(payment_ids=[good.pk, no_doc.pk, no_account.pk, no_payees.pk], on=DAY)

    assert result.payments == 1 and result.amount == D("10.00")
    assert result.skipped == {"no_document": 1, "no_account": 1, "no_payees": 1}
    assert result.skipped_ids == {"no_document": [no_doc.pk], "no_account": [no_account.pk],
                                  "no_payees": [no_payees.pk]}
    statuses = dict(Payment.objects.filter(source="bulk").values_list("external_id", "status"))
    assert statuses == {"good": "allocated", "no-doc": "matched", "no-acc": "matched", "no-payees": "matched"}
    assert not Allocation.objects.exclude(payment=good).exists()
