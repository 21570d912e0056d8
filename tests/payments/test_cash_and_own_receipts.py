"""The agent's cash desk (shifts, receipts once, totals at closing) and a principal's own receipts."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from agency.payments.intake.cash_desk import cash_receipt_record, cash_shift_close, cash_shift_open
from agency.payments.models import Payment
from tenants.ledger.services import account_balance
from tenants.receipts.models import Receipt
from tenants.receipts.services import OWN_CASH, own_receipt_record
from tests import factories

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 5)


def test_a_shift_takes_receipts_once_and_closes_with_their_totals(homes):
    operator = factories.user(email="cashier@erc.test")
    shift = cash_shift_open(operator=operator, desk="Касса 1")
    assert cash_shift_open(operator=operator, desk="Касса 1").pk == shift.pk
    cash_receipt_record(shift_id=shift.pk, operator=operator, receipt_number="000101", amount="1200.00",
                        payer_ref="7600000001", paid_on=DAY)
    _again, created = cash_receipt_record(shift_id=shift.pk, operator=operator, receipt_number="000101",
                                          amount="1200.00", payer_ref="7600000001", paid_on=DAY)
    cash_receipt_record(shift_id=shift.pk, operator=operator, receipt_number="000102", amount="300.50",
                        payer_ref="7600000002", paid_on=DAY)
    assert not created
    closed = cash_shift_close(shift_id=shift.pk, operator=operator)
    assert (closed.receipts_count, closed.total) == (2, Decimal("1500.50"))
    with pytest.raises(ValidationError):
        cash_receipt_record(shift_id=shift.pk, operator=operator, receipt_number="000103", amount="1",
                            payer_ref="7600000001", paid_on=DAY)
    assert Payment.objects.filter(cash_shift=shift).count() == 2


def test_another_operators_shift_is_refused(homes):
    owner, other = factories.user(email="c1@erc.test"), factories.user(email="c2@erc.test")
    shift = cash_shift_open(operator=owner, desk="Касса 2")
    with pytest.raises(ValidationError):
        cash_receipt_record(shift_id=shift.pk, operator=other, receipt_number="1", amount="5",
                            payer_ref="7600000001", paid_on=DAY)
    assert not Payment.objects.exists()


def test_a_principals_own_receipt_is_recorded_once_in_its_schema(homes):
    with schema_context("principal_a"):
        receipt, created = own_receipt_record(account_number="L-MY-A", amount="250.00", paid_on=DAY,
                                              document_number="ПКО-17", service_code="cold")
        _same, again = own_receipt_record(account_number="L-MY-A", amount="250.00", paid_on=DAY,
                                          document_number="ПКО-17", service_code="cold")
        assert created and not again
        assert Receipt.objects.count() == 1 and receipt.service.code == "cold"
        assert account_balance(code=OWN_CASH) == Decimal("250.00")
    with schema_context("principal_b"):
        assert not Receipt.objects.exists()


def test_an_own_receipt_names_every_bad_field(homes):
    with schema_context("principal_a"), pytest.raises(ValidationError) as exc:
        own_receipt_record(account_number="NOPE", amount="0", paid_on=date(2099, 1, 1), document_number=" ",
                           service_code="gas")
    assert set(exc.value.error_dict) == {"accountNumber", "serviceCode", "amount", "paidOn", "documentNumber"}
