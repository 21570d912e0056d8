"""The operator's queue: paged by key, resolved to a household, or returned to the payer with the ledger."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from agency.documents.models import Epd, EpdRun
from agency.payments.intake.queue import payment_queue, payment_resolve, payment_return
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import CASH, UNALLOCATED
from agency.payments.models import Payment, PaymentStatus
from billing_core.error_codes import ErrorCode
from tenants.ledger.services import account_balance, trial_balance
from tenants.registry.models import UnifiedAccount
from tests import factories
from tests.payments.allocation_oracle import payment_allocate

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 5)


@pytest.fixture
def operator(db):
    return factories.user("operator@erc.test")


def _queued(n: int, ref: str = "NOBODY") -> list[Payment]:
    return [payment_record(channel="bank_registry", source="q", external_id=str(i), amount=f"{i + 1}.00",
                           paid_on=DAY, payer_ref=f"{ref}{i}")[0] for i in range(n)]


def test_the_queue_pages_by_key_and_holds_only_unmatched_and_ambiguous(homes):
    queued = _queued(7)
    payment_record(channel="bank_registry", source="q", external_id="ok", amount="1.00", paid_on=DAY,
                   payer_ref="7600000001")  # matched: not in the queue

    seen, after, pages = [], None, 0
    while True:
        page = payment_queue(after=after, limit=3)
        seen += [p.pk for p in page.payments]
        pages += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted(p.pk for p in queued)
    assert pages == 3
    assert payment_queue(status=PaymentStatus.AMBIGUOUS).payments == []


def test_resolving_by_els_matches_the_household_and_its_current_document(homes, operator):
    (payment,) = _queued(1)
    household = UnifiedAccount.objects.get(number="7600000002")
    epd = Epd.objects.create(run=EpdRun.objects.create(month=date(2026, 10, 1)), unified_account=household,
                             month=date(2026, 10, 1), ipd="7600000002-1026-01", payer_name="-", address="-",
                             house=household.premise.house, due_date=DAY, total_due=D("1.00"), content={},
                             content_sha256="0" * 64)

    resolved = payment_resolve(payment_id=payment.pk, els="7600000002", user=operator)

    resolved.refresh_from_db()
    assert (resolved.status, resolved.unified_account_id, resolved.epd_id) == (PaymentStatus.MATCHED, household.pk,
                                                                             epd.pk)
    assert resolved.resolved_by == operator and resolved.resolved_at is not None
    assert "7600000002" in resolved.match_note
    assert payment_queue().payments == []


def test_resolving_by_account_number_and_then_allocating(homes, operator, principal_a):
    (payment,) = _queued(1)
    household = UnifiedAccount.objects.get(number="7600000001")
    epd = Epd.objects.create(run=EpdRun.objects.create(month=date(2026, 10, 1)), unified_account=household,
                             month=date(2026, 10, 1), ipd="7600000001-1026-01", payer_name="-", address="-",
                             house=household.premise.house, due_date=DAY, total_due=D("1.00"), content={},
                             content_sha256="0" * 64)
    from agency.documents.models import EpdPayee

    EpdPayee.objects.create(epd=epd, principal=principal_a, account_number="L-MY-A", amount_due=D("1.00"),
                            closing=D("1.00"), block={"lines": []})

    payment_resolve(payment_id=payment.pk, account_number="L-MY-A", user=operator, note="звонок плательщика")
    rows = payment_allocate(payment_id=payment.pk, on=DAY)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ALLOCATED and payment.match_note == "звонок плательщика"
    assert [(r.principal_id, r.amount) for r in rows] == [(principal_a.pk, payment.amount)]


def test_an_account_number_of_two_households_is_refused(homes, operator, principal_a, principal_b):
    from tenants.billing.models import PersonalAccount

    for principal, number in ((principal_a, "7600000001"), (principal_b, "7600000002")):
        household = UnifiedAccount.objects.get(number=number)
        with schema_context(principal.schema_name):
            PersonalAccount.objects.create(number="L-DUP", premise=household.premise, unified_account=household,
                                           payer_name="-", charge_area=40, opened_on=date(2020, 1, 1))
    (payment,) = _queued(1)

    with pytest.raises(ValidationError) as caught:
        payment_resolve(payment_id=payment.pk, account_number="L-DUP", user=operator)
    assert caught.value.error_dict["accountNumber"][0].code == ErrorCode.EPD_ACCOUNT_AMBIGUOUS
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.UNMATCHED and payment.resolved_by is None


@pytest.mark.parametrize(("els", "account", "field", "code"), [
    ("", "", "els", ErrorCode.REQUIRED),
    ("7600000001", "L-MY-A", "els", ErrorCode.REQUIRED),
    ("0000000000", "", "els", ErrorCode.NOT_FOUND),
    ("", "NO-SUCH", "accountNumber", ErrorCode.NOT_FOUND),
])
def test_bad_resolutions_are_named(homes, operator, els, account, field, code):
    (payment,) = _queued(1)
    with pytest.raises(ValidationError) as caught:
        payment_resolve(payment_id=payment.pk, els=els, account_number=account, user=operator)
    assert caught.value.error_dict[field][0].code == code
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.UNMATCHED


def test_returning_a_payment_reverses_the_cash_once(homes, operator):
    first, second = _queued(2)
    cash_before = account_balance(code=CASH)

    returned = payment_return(payment_id=second.pk, user=operator, note="по заявлению плательщика", on=DAY)

    assert returned.status == PaymentStatus.REFUNDED and returned.resolved_by == operator
    assert account_balance(code=CASH) == cash_before - second.amount
    assert account_balance(code=UNALLOCATED) == -first.amount
    assert sum(trial_balance().values()) == 0
    with pytest.raises(ValidationError) as caught:  # a returned payment is not in the queue any more
        payment_return(payment_id=second.pk, user=operator)
    assert caught.value.error_dict["payment"][0].code == ErrorCode.INVALID
    with pytest.raises(ValidationError):
        payment_resolve(payment_id=second.pk, els="7600000001", user=operator)
    assert account_balance(code=CASH) == cash_before - second.amount
    assert [p.pk for p in payment_queue().payments] == [first.pk]
