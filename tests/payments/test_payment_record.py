"""One payment at a time: recorded once per (source, external id), matched, posted to the agent's ledger once."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agency.payments.intake.recording import payment_match, payment_record
from agency.payments.ledger_accounts import CASH, UNALLOCATED
from agency.payments.models import Payment, PaymentStatus
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import account_balance, trial_balance
from tenants.registry.models import UnifiedAccount

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 3)


def test_a_payment_is_recorded_matched_by_els_and_posted(homes):
    payment, created = payment_record(channel="cash_desk", source="desk-1", external_id="R-1", amount="1500.40",
                                      paid_on=DAY, payer_ref="7600000001", payer_name="Я")
    assert created
    assert payment.status == PaymentStatus.MATCHED
    assert payment.unified_account.number == "7600000001"
    assert account_balance(code=CASH) == Decimal("1500.40")
    assert account_balance(code=UNALLOCATED) == Decimal("-1500.40")
    assert sum(trial_balance().values()) == 0


def test_the_same_payment_again_changes_nothing(homes):
    first, _ = payment_record(channel="bank_registry", source="sber", external_id="D-77", amount="100.00",
                              paid_on=DAY, payer_ref="7600000001")
    again, created = payment_record(channel="bank_registry", source="sber", external_id="D-77", amount="999.00",
                                    paid_on=DAY, payer_ref="7600000002")
    assert not created and again.pk == first.pk
    assert again.amount == Decimal("100.00") and again.unified_account.number == "7600000001"
    assert Payment.objects.filter(source="sber", external_id="D-77").count() == 1
    assert LedgerTransaction.objects.filter(key=f"payment:{first.pk}").count() == 1
    assert account_balance(code=CASH) == Decimal("100.00")


def test_a_personal_account_number_at_a_principal_finds_its_household(homes):
    match = payment_match(payer_ref="L-MY-B")  # the household's account at principal B
    assert match.status == PaymentStatus.MATCHED
    assert match.unified_account_id == UnifiedAccount.objects.get(number="7600000001").pk


def test_an_unknown_account_waits_unmatched_with_the_reason(homes):
    payment, _ = payment_record(channel="bank_registry", source="sber", external_id="D-78", amount="10",
                                paid_on=DAY, payer_ref="NO-SUCH-1")
    assert payment.status == PaymentStatus.UNMATCHED and payment.unified_account is None
    assert "NO-SUCH-1" in payment.match_note
    assert account_balance(code=UNALLOCATED) == Decimal("-10.00")  # the money is in, waiting for an operator


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_a_payment_without_a_positive_amount_is_refused(homes, amount):
    with pytest.raises(ValidationError) as exc:
        payment_record(channel="cash_desk", source="desk-1", external_id=f"R-{amount}", amount=amount,
                       paid_on=DAY, payer_ref="7600000001")
    assert "amount" in exc.value.error_dict
    assert not Payment.objects.filter(external_id=f"R-{amount}").exists()
