"""Repayment agreements (соглашение о погашении задолженности): the resident's request, the schedule, signing, and
tracking against the money received, with their effect on the п.118 threshold and on the stage of work."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from billing_core.error_codes import ErrorCode
from tenants.collection.models import AccountCollection, AgreementStatus, Debtor, Stage
from tenants.collection.register import register_refresh
from tenants.collection.services import (
    agreement_decline,
    agreement_prepare,
    agreement_request,
    agreement_sign,
    agreements_track,
)
from tests.collection.test_register import hot_water, post
from tests.collection.test_services import code_of, day_freezer
from tests.tenants.billing.test_balances import _accounts, _receipt

pytestmark = pytest.mark.django_db
D = Decimal
NOV = date(2026, 11, 1)


@pytest.fixture
def today(monkeypatch):
    return day_freezer(monkeypatch)


def _debtors_of_10000(principal, prefix: str, count: int = 1):
    """50 m² × 200.00 ₽ = 10 000.00 charged for 11.2026, due in December: no penalties yet on 05.12.2026."""
    accounts = _accounts(principal, count, rate="200.00", prefix=prefix)
    with tenant_context(principal):
        post(NOV)
        register_refresh(today=date(2026, 12, 5))
        assert [d.debt for d in Debtor.objects.filter(account__in=accounts)] == [D("10000.00")] * count
    return accounts


def test_a_request_becomes_a_schedule_that_adds_up_to_the_debt(principal_a):
    """10 000.00 in 3 monthly parts: 1 000 000 kopecks ÷ 3 = 333 333 kopecks and 1 kopeck over; the odd kopeck goes
    to the first part: 3 333.34 + 3 333.33 + 3 333.33 = 10 000.00, due 15.01, 15.02 and 15.03.2027."""
    whole, odd = divmod(1_000_000, 3)
    expected = [D(whole + 1) / 100, D(whole) / 100, D(whole) / 100]
    assert expected == [D("3333.34"), D("3333.33"), D("3333.33")] and sum(expected) == D("10000.00") and odd == 1
    (account,) = _debtors_of_10000(principal_a, "AGQ")
    with tenant_context(principal_a):
        request = agreement_request(account=account, parts=3, note="Прошу рассрочку на три месяца")
        assert (request.status, request.requested_by_resident) == (AgreementStatus.REQUESTED, True)
        with pytest.raises(ValidationError) as refused:
            agreement_request(account=account, parts=2)
        assert code_of(refused) == ErrorCode.DUPLICATE
        with pytest.raises(ValidationError) as refused:
            agreement_sign(agreement=request, signed_on=date(2026, 12, 6))  # not prepared yet
        assert code_of(refused) == ErrorCode.COLLECTION_STATE
        draft = agreement_prepare(account=account, parts=3, first_due=date(2027, 1, 15), agreement=request)
        assert (draft.pk, draft.status, draft.total) == (request.pk, AgreementStatus.DRAFT, D("10000.00"))
        assert [(i.seq, i.due_on, i.amount) for i in draft.installments.all()] == [
            (1, date(2027, 1, 15), expected[0]), (2, date(2027, 2, 15), expected[1]),
            (3, date(2027, 3, 15), expected[2])]
        # prepared again with 4 parts: the schedule is replaced, never doubled
        draft = agreement_prepare(account=account, parts=4, first_due=date(2027, 1, 15), agreement=draft)
        assert [i.amount for i in draft.installments.all()] == [D("2500.00")] * 4
        declined = agreement_decline(agreement=draft, reason="Должник не явился")
        assert declined.status == AgreementStatus.DECLINED
        with pytest.raises(ValidationError) as refused:
            agreement_decline(agreement=declined, reason="ещё раз")
        assert code_of(refused) == ErrorCode.COLLECTION_STATE


def test_tracking_keeps_breaches_and_completes_an_agreement(principal_a, today):
    """Parts of 3 333.34, 3 333.33, 3 333.33 due 15.01, 15.02, 15.03.2027. A part is overdue from the day after its
    due date: on 20.01 the first is due and paid (kept); on 16.02 the second is overdue and unpaid — 3 333.34 +
    3 333.33 due, 3 333.34 paid, a shortfall of 3 333.33 (breached)."""
    kept, done = _debtors_of_10000(principal_a, "AGT", 2)
    with tenant_context(principal_a):
        today(date(2026, 12, 8))
        agreement = agreement_prepare(account=kept, parts=3, first_due=date(2027, 1, 15))
        agreement = agreement_sign(agreement=agreement, signed_on=date(2026, 12, 8))
        assert AccountCollection.objects.get(pk=kept.pk).stage == Stage.AGREEMENT
        today(date(2027, 3, 31))
        _receipt(kept.number, "3333.34", date(2027, 1, 14), "AGT-1")
        assert agreements_track(today=date(2027, 1, 20)) == []
        agreement.refresh_from_db()
        assert (agreement.status, agreement.paid, agreement.shortfall) == (AgreementStatus.ACTIVE, D("3333.34"), 0)
        assert agreements_track(today=date(2027, 2, 15)) == []  # the due day itself is a day to pay
        assert agreements_track(today=date(2027, 2, 16)) == [agreement.pk]
        agreement.refresh_from_db()
        assert (agreement.status, agreement.shortfall, agreement.breached_on) == (
            AgreementStatus.BREACHED, D("3333.34") + D("3333.33") - D("3333.34"), date(2027, 2, 16))
        assert agreements_track(today=date(2027, 2, 17)) == []  # a breach is reported once

        # another account pays its 10 000.00 in full: completed, and its work is over
        today(date(2026, 12, 8))
        other = agreement_sign(agreement=agreement_prepare(account=done, parts=2, first_due=date(2027, 1, 10)),
                               signed_on=date(2026, 12, 8))
        today(date(2027, 3, 31))
        _receipt(done.number, "10000.00", date(2027, 1, 5), "AGD-1")
        agreements_track(today=date(2027, 1, 6))
        other.refresh_from_db()
        assert (other.status, other.paid, other.completed_on) == (AgreementStatus.COMPLETED, D("10000.00"),
                                                                  date(2027, 1, 6))
        assert AccountCollection.objects.get(pk=done.pk).stage == Stage.RECOVERED


def test_a_kept_agreement_lifts_the_threshold_and_a_breach_brings_it_back(principal_a, today):
    """п.118: over two monthly charges by norm, but an agreement is being kept — not a debtor to restrict."""
    _service, (account,) = hot_water(principal_a, 1, prefix="AGH")
    with tenant_context(principal_a):
        post(date(2026, 9, 1), date(2026, 10, 1), NOV)
        register_refresh(today=date(2026, 12, 5))
        assert Debtor.objects.get(account=account).threshold is True
        today(date(2026, 12, 8))
        agreement = agreement_prepare(account=account, parts=2, first_due=date(2026, 12, 20), total=D("5250.00"))
        agreement_sign(agreement=agreement, signed_on=date(2026, 12, 8))
        register_refresh(today=date(2026, 12, 8))
        debtor = Debtor.objects.get(account=account)
        assert (debtor.threshold, debtor.kept_agreement, debtor.stage) == (False, True, Stage.AGREEMENT)
        today(date(2027, 1, 31))
        assert agreements_track(today=date(2026, 12, 21)) == [agreement.pk]  # the first part unpaid
        register_refresh(today=date(2026, 12, 21))
        debtor = Debtor.objects.get(account=account)
        assert (debtor.threshold, debtor.kept_agreement) == (True, False)
