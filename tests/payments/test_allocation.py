"""A matched payment is allocated over its document's payees and services, posted on both sides, once."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from agency.documents.models import Epd, EpdPayee, EpdRun
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import UNALLOCATED, payable_account
from agency.payments.models import Allocation, PaymentStatus
from billing_core.allocation import allocate
from tenants.ledger.services import account_balance, trial_balance
from tenants.receipts.models import Receipt
from tenants.receipts.services import HELD, RECEIVABLE
from tenants.registry.models import UnifiedAccount
from tests.payments.allocation_oracle import payment_allocate

pytestmark = pytest.mark.django_db
D = Decimal
MONTH = date(2026, 10, 1)


def _line(code: str, total: str) -> dict:
    return {"service": code, "service_code": code, "unit": "м³", "method": "meter", "charged": total,
            "recalculated": "0.00", "benefits": "0.00", "penalties": "0.00", "total": total}


@pytest.fixture
def document(homes, principal_a, principal_b):
    """The household's October ЕПД: A's cold water 600.00, B's cold water 300.00 + 100.00 of earlier debt."""
    with schema_context("principal_b"):
        from tenants.billing.models import Service

        Service.objects.get_or_create(code="drain", defaults={"kind": "drainage", "name": "Водоотведение",
                                                               "unit": "м³", "tariff_kind": "per_unit"})
    household = UnifiedAccount.objects.get(number="7600000001")
    run = EpdRun.objects.create(month=MONTH)
    epd = Epd.objects.create(
        run=run, unified_account=household, month=MONTH, ipd="7600000001-1026-1", payer_name="Я",
        address="Ярославль, ул. Жилая, д. 1, кв. 1", house=household.premise.house, due_date=date(2026, 11, 15),
        total_due=D("1000.00"), content={"els": "7600000001"}, content_sha256="x" * 64,
    )
    EpdPayee.objects.create(epd=epd, principal=principal_a, account_number="L-MY-A", amount_due=D("600.00"),
                            closing=D("600.00"), block={"lines": [_line("cold", "600.00")], "charged": "600.00"})
    EpdPayee.objects.create(epd=epd, principal=principal_b, account_number="L-MY-B", amount_due=D("400.00"),
                            closing=D("400.00"),
                            block={"lines": [_line("cold", "200.00"), _line("drain", "100.00")], "charged": "300.00"})
    return epd


def _receipts(schema: str) -> dict[str, Decimal]:
    with schema_context(schema):
        return {r.service.code: r.amount for r in Receipt.objects.select_related("service")}


def test_a_partial_payment_is_split_in_proportion_and_posted_on_both_sides(document, principal_a, principal_b):
    payment, _ = payment_record(channel="cash_desk", source="desk", external_id="1", amount="500.00",
                                paid_on=date(2026, 11, 5), payer_ref="7600000001")
    rows = payment_allocate(payment_id=payment.pk, on=date(2026, 11, 5))
    # due 600 (A cold) / 400 (B: its lines' totals 200 + 100 carry its 400 due as 266.67 + 133.33)
    expected = {s.key: s.amount for s in allocate(D("500.00"), [
        ((principal_a.pk, "cold"), D("600.00")), ((principal_b.pk, "cold"), D("266.67")),
        ((principal_b.pk, "drain"), D("133.33"))])}
    assert {(r.principal_id, r.service_code): r.amount for r in rows} == expected
    assert sum(r.amount for r in rows) == D("500.00")
    assert _receipts("principal_a") == {"cold": expected[(principal_a.pk, "cold")]}
    assert _receipts("principal_b") == {"cold": expected[(principal_b.pk, "cold")],
                                        "drain": expected[(principal_b.pk, "drain")]}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ALLOCATED
    assert account_balance(code=UNALLOCATED) == 0
    assert account_balance(code=payable_account(principal_a.pk)) == -expected[(principal_a.pk, "cold")]
    assert sum(trial_balance().values()) == 0
    with schema_context("principal_b"):
        b_total = expected[(principal_b.pk, "cold")] + expected[(principal_b.pk, "drain")]
        assert account_balance(code=HELD) == b_total
        assert account_balance(code=RECEIVABLE, ref="pa:L-MY-B") == -b_total


def test_allocating_again_changes_nothing(document):
    payment, _ = payment_record(channel="cash_desk", source="desk", external_id="2", amount="1000.00",
                                paid_on=date(2026, 11, 5), payer_ref="7600000001")
    first = payment_allocate(payment_id=payment.pk)
    again = payment_allocate(payment_id=payment.pk)
    assert [r.pk for r in again] == [r.pk for r in first]
    assert Allocation.objects.filter(payment=payment).count() == 3
    with schema_context("principal_a"):
        assert Receipt.objects.count() == 1


def test_an_overpayment_is_an_advance_spread_like_the_dues(document, principal_a):
    payment, _ = payment_record(channel="cash_desk", source="desk", external_id="3", amount="1100.00",
                                paid_on=date(2026, 11, 5), payer_ref="7600000001")
    rows = payment_allocate(payment_id=payment.pk)
    assert sum(r.amount for r in rows) == D("1100.00")
    assert {(r.principal_id, r.service_code): r.amount for r in rows}[(principal_a.pk, "cold")] == D("660.00")


def test_an_unmatched_payment_is_not_allocated(document):
    payment, _ = payment_record(channel="bank_registry", source="sber", external_id="4", amount="10",
                                paid_on=date(2026, 11, 5), payer_ref="UNKNOWN")
    with pytest.raises(ValidationError):
        payment_allocate(payment_id=payment.pk)
    assert not Allocation.objects.filter(payment=payment).exists()
