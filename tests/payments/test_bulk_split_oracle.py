"""The set-based split of ``payments_allocate`` against the pure rule, payment by payment.

The oracle here is built from ``billing_core`` alone: the payee's amount due spread over its coded lines by
``split_largest_remainder`` (by the lines' totals, or their charges when no total is positive), then
``billing_core.allocation.allocate`` over the payment's lines with the charges as the fallback weights. The
SQL computes in bigint when every product fits and in numeric otherwise; both are checked.
"""

import random
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from agency.documents.models import Epd, EpdPayee, EpdRun
from agency.payments.allocation import bulk as bulk_allocation
from agency.payments.allocation.bulk import payments_allocate
from agency.payments.intake.recording import payment_record
from agency.payments.models import Allocation
from billing_core.allocation import allocate
from billing_core.money import from_kopecks, split_largest_remainder, to_kopecks
from tenants.registry.models import UnifiedAccount

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 6)
CODES = ["cold", "drain", "heat", "maint", "hot", "waste"]
NUMBERS = {"7600000001": ("L-MY-A", "L-MY-B"), "7600000002": ("L-NB-A", "L-NB-B")}


def rub(kopecks: int) -> str:
    return str(from_kopecks(kopecks))


@pytest.fixture
def services(homes, principal_a, principal_b):
    from tenants.billing.models import Service

    for principal in (principal_a, principal_b):
        with schema_context(principal.schema_name):
            for code in CODES:
                Service.objects.get_or_create(code=code, defaults={"kind": "other", "name": code, "unit": "-",
                                                                   "tariff_kind": "per_unit"})


def _block(rng: random.Random, scale: int) -> tuple[dict, int]:
    """A payee block (lines may repeat a code, have zero totals or none at all) and its amount due."""
    lines = []
    for _i in range(rng.choice([0, 1, 2, 3, 5])):
        code = rng.choice(CODES)
        total = rng.choice([0, rng.randint(1, 50_000 * scale), rng.randint(1, 99), 33_333])
        lines.append({"service": code, "service_code": code, "total": rub(total),
                      "charged": rub(rng.choice([0, total, rng.randint(0, 40_000 * scale)]))})
    coded_total = sum(to_kopecks(D(ln["total"])) for ln in lines)
    due = rng.choice([0, coded_total, rng.randint(1, 200_000 * scale), 7])
    return {"lines": lines, "charged": rub(rng.choice([0, rng.randint(1, 90_000 * scale)]))}, due


def _oracle(amount: Decimal, payees: list[EpdPayee]) -> dict:
    """(principal, code) → amount, from the pure functions."""
    dues, fallback = [], {}
    for payee in sorted(payees, key=lambda p: p.principal_id):
        coded = [ln for ln in payee.block["lines"] if ln.get("service_code")]
        if not coded:
            key = (payee.principal_id, "")
            dues.append((key, max(payee.amount_due, D(0))))
            fallback[key] = D(payee.block["charged"])
            continue
        totals, charges = {}, {}
        for ln in coded:  # a repeated code: the later line's values at the first line's place
            totals[ln["service_code"]] = max(D(ln["total"]), D(0))
            charges[ln["service_code"]] = max(D(ln["charged"]), D(0))
        weights = list(totals.values()) if sum(totals.values()) else list(charges.values())
        parts = split_largest_remainder(max(to_kopecks(payee.amount_due), 0), weights)
        for code, part in zip(totals, parts, strict=True):
            dues.append(((payee.principal_id, code), from_kopecks(part)))
            fallback[(payee.principal_id, code)] = charges[code]
    return {share.key: share.amount for share in allocate(amount, dues, fallback=fallback) if share.amount}


def _payments(rng: random.Random, n: int, principals, scale: int = 1) -> dict[int, dict]:
    households = list(UnifiedAccount.objects.filter(number__in=NUMBERS).order_by("number"))
    run = EpdRun.objects.create(month=date(2026, 10, 1))
    expected = {}
    for i in range(n):
        household = households[i % 2]
        epd = Epd.objects.create(
            run=run, unified_account=household, month=date(1900 + i // 12, i % 12 + 1, 1), is_current=False,
            ipd=f"{household.number}-S{i}", payer_name="-", address="-", house=household.premise.house,
            due_date=DAY, total_due=D("0.00"), content={}, content_sha256="0" * 64)
        payees = []
        for principal in [p for p in principals if rng.random() < 0.75] or [rng.choice(principals)]:
            block, due = _block(rng, scale)
            number = NUMBERS[household.number][0 if principal.schema_name == "principal_a" else 1]
            payees.append(EpdPayee.objects.create(epd=epd, principal=principal, account_number=number,
                                                  amount_due=from_kopecks(due), closing=from_kopecks(due),
                                                  block=block))
        due = sum(max(to_kopecks(p.amount_due), 0) for p in payees)
        kopecks = rng.choice([due, max(due // 3, 1), due + rng.randint(1, 30_000 * scale), 1,
                              rng.randint(1, 300_000 * scale)]) or 1
        payment, _ = payment_record(channel="cash_desk", source="oracle-split", external_id=str(i),
                                    amount=from_kopecks(kopecks), paid_on=DAY,
                                    unified_account_id=household.pk, epd_id=epd.pk)
        expected[payment.pk] = _oracle(payment.amount, payees)
    return expected


def _allocated(payment_ids) -> dict[int, dict]:
    got: dict[int, dict] = {}
    for row in Allocation.objects.filter(payment_id__in=payment_ids):
        got.setdefault(row.payment_id, {})[(row.principal_id, row.service_code)] = row.amount
    return got


@pytest.mark.parametrize("int_limit", [bulk_allocation.INT_LIMIT, 0], ids=["bigint", "numeric"])
def test_set_based_split_equals_the_pure_rule(services, principal_a, principal_b, monkeypatch, int_limit):
    monkeypatch.setattr(bulk_allocation, "INT_LIMIT", int_limit)
    expected = _payments(random.Random(5 + int_limit % 97), 300, [principal_a, principal_b])

    result = payments_allocate(payment_ids=list(expected), on=DAY)

    got = _allocated(expected)
    mismatched = [pk for pk in expected if got.get(pk) != expected[pk]]
    assert mismatched == [], [(pk, expected[pk], got.get(pk)) for pk in mismatched[:3]]
    assert (result.payments, result.skipped) == (300, {})
    assert result.allocations == sum(len(shares) for shares in expected.values())


def test_payments_too_large_for_bigint_products_are_split_exactly(services, principal_a, principal_b):
    # tens of millions of roubles: products of kopecks beyond bigint, so the run computes in numeric
    expected = _payments(random.Random(11), 40, [principal_a, principal_b], scale=100_000)
    assert max(max(shares.values(), default=D(0)) for shares in expected.values()) * 100 > bulk_allocation.INT_LIMIT

    payments_allocate(payment_ids=list(expected), on=DAY)

    got = _allocated(expected)
    assert [pk for pk in expected if got.get(pk) != expected[pk]] == []
