"""Warnings of ПП 354 п.119, restrictions and their lifting (п.117–120), and penalty amnesties, in a principal's
schema with posted periods (``tenants.collection.services``)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing_core.error_codes import ErrorCode
from tenants.billing.models import Recalculation, Service
from tenants.collection.models import (
    AccountCollection,
    Agreement,
    AgreementStatus,
    Amnesty,
    Debtor,
    DebtorLine,
    RestrictionStatus,
    Stage,
    Warning,
    WarningStatus,
)
from tenants.collection.register import register_refresh
from tenants.collection.services import (
    amnesties_settle,
    amnesty_enroll,
    restriction_done,
    restriction_lift,
    restriction_order,
    restriction_suspend,
    restrictions_settle,
    warning_delivered,
    warning_issue,
    warnings_delivered_bulk,
    warnings_issue_bulk,
    work_stop,
)
from tests.collection.test_register import hot_water, post
from tests.tenants.billing.test_balances import _accounts, _receipt

pytestmark = pytest.mark.django_db
D = Decimal
FEB_2027 = date(2027, 2, 1)


def code_of(exc: pytest.ExceptionInfo) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


def day_freezer(monkeypatch):
    """Freeze ``timezone.localdate()`` on a day (neither freezegun nor time-machine is in requirements.lock)."""
    def freeze(day: date) -> date:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return freeze


@pytest.fixture
def today(monkeypatch):
    return day_freezer(monkeypatch)


def _hot_water_debtors(principal, count: int, prefix: str):
    """Hot water by norm (1 750.00 a month) charged for 09–11.2026 and not paid: 5 250.00 each, over the
    threshold of п.118 (2 × 1 750.00 = 3 500.00)."""
    service, accounts = hot_water(principal, count, prefix=prefix)
    with tenant_context(principal):
        post(date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
        register_refresh(today=date(2026, 12, 5))
    return service, accounts


def test_a_warning_is_refused_where_the_law_or_the_principal_forbids_it(principal_a):
    service, (debtor, small, stopped, agreed) = _hot_water_debtors(principal_a, 4, "WR")
    with tenant_context(principal_a):
        # the kinds the law never restricts for debt (ПП 354 п.119 «в»; п.117 names no others)
        for code, kind in (("heat", "heating"), ("cw", "cold_water"), ("maint", "maintenance")):
            other = Service.objects.get_or_create(code=code, defaults={
                "kind": kind, "name": kind, "unit": "-", "tariff_kind": "per_area"})[0]
            with pytest.raises(ValidationError) as refused:
                warning_issue(account=debtor, service=other, month=FEB_2027, channel="epd", on=date(2026, 12, 6))
            assert code_of(refused) == ErrorCode.RESTRICTION_FORBIDDEN, kind
        # under the threshold: 1 750.00 paid leaves exactly 3 500.00, which is not over 2 × 1 750.00
        _receipt(small.number, "1750.00", date(2026, 12, 1), "WR-1", service="hw")
        # the principal stopped work; an agreement is being kept (п.118)
        work_stop(account=stopped, reason="Спор о начислениях")
        Agreement.objects.create(account=agreed, number="С-WR", status=AgreementStatus.ACTIVE, total=D("5250.00"),
                                 parts=3, signed_on=date(2026, 12, 1))
        register_refresh(today=date(2026, 12, 5))
        for account, code in ((small, ErrorCode.THRESHOLD_NOT_REACHED), (stopped, ErrorCode.WORK_STOPPED),
                              (agreed, ErrorCode.AGREEMENT_KEPT)):
            with pytest.raises(ValidationError) as refused:
                warning_issue(account=account, service=service, month=FEB_2027, channel="epd", on=date(2026, 12, 6))
            assert code_of(refused) == code, account.number
        # the bulk run picks none of them, and warns the debtor over the threshold
        warned = warnings_issue_bulk(account_ids=[debtor.pk, small.pk, stopped.pk, agreed.pk], month=FEB_2027,
                                     channel="epd", on=date(2026, 12, 6), campaign_run_id=7)
        assert warned == [debtor.pk]
        assert Warning.objects.get().debt == D("5250.00")


def test_a_warning_is_issued_once_per_account_service_and_month(principal_a):
    service, (one, two, three) = _hot_water_debtors(principal_a, 3, "WO")
    with tenant_context(principal_a):
        first, created = warning_issue(account=one, service=service, month=date(2026, 12, 15), channel="epd",
                                       on=date(2026, 12, 6))
        again, created_again = warning_issue(account=one, service=service, month=date(2026, 12, 1),
                                             channel="registered_letter", on=date(2026, 12, 7))
        assert (created, created_again, again.pk) == (True, False, first.pk)
        assert first.month == date(2026, 12, 1) and first.norm_charge == D("1750.00")
        assert AccountCollection.objects.get(pk=one.pk).stage == Stage.WARNED
        ids = [one.pk, two.pk, three.pk]
        assert warnings_issue_bulk(account_ids=ids, month=date(2026, 12, 1), channel="epd", on=date(2026, 12, 6),
                                   campaign_run_id=1) == sorted([two.pk, three.pk])
        assert warnings_issue_bulk(account_ids=ids, month=date(2026, 12, 1), channel="epd", on=date(2026, 12, 6),
                                   campaign_run_id=2) == []
        assert Warning.objects.count() == 3
        assert set(AccountCollection.objects.values_list("stage", flat=True)) == {Stage.WARNED}
        # a new month is a new warning
        assert warnings_issue_bulk(account_ids=ids, month=date(2027, 1, 1), channel="epd", on=date(2027, 1, 2),
                                   campaign_run_id=3) == sorted(ids)


def test_the_twenty_days_from_delivery_then_restriction_and_lifting_two_days_after_payment(principal_a, today):
    """ПП 354 п.119 «а»: the debt is to be paid within 20 days of the warning's delivery; the days are counted from
    the day after the delivery (ГК ст.191). Delivered on 05.02.2027, day 1 is 06.02 and day 20 is
    05.02 + 20 days = 25.02.2027, the term's last day; restriction (п.119 «б») is possible from the next day,
    26.02.2027. п.120: the service is resumed within 2 calendar days of the debt being paid: paid on 02.03.2027,
    resumed by 02.03 + 2 days = 04.03.2027."""
    delivered = date(2027, 2, 5)
    term_end = delivered + timedelta(days=20)
    assert term_end == date(2027, 2, 25)
    earliest = term_end + timedelta(days=1)
    assert earliest == date(2027, 2, 26)
    service, (account, other) = _hot_water_debtors(principal_a, 2, "TERM")
    with tenant_context(principal_a):
        today(date(2027, 2, 4))
        warning, _created = warning_issue(account=account, service=service, month=FEB_2027, channel="signature",
                                          on=date(2027, 2, 1))
        with pytest.raises(ValidationError) as refused:  # not delivered: the term has not started
            restriction_order(warning=warning, executor="ООО «Сантехник»", on=date(2027, 3, 1))
        assert code_of(refused) == ErrorCode.WARNING_TERM_RUNNING
        with pytest.raises(ValidationError) as refused:  # delivered tomorrow: not yet
            warning_delivered(warning=warning, delivered_on=delivered)
        assert code_of(refused) == ErrorCode.INVALID
        today(date(2027, 3, 10))
        warning = warning_delivered(warning=warning, delivered_on=delivered, postal_id="80080012345678")
        assert (warning.status, warning.term_end) == (WarningStatus.DELIVERED, term_end)
        # the bulk delivery of the ЕПД warnings gives the same term
        bulk, _created = warning_issue(account=other, service=service, month=FEB_2027, channel="epd",
                                       on=date(2027, 2, 1))
        assert warnings_delivered_bulk(month=FEB_2027, channel="epd", delivered_on=delivered) == 1
        bulk.refresh_from_db()
        assert (bulk.delivered_on, bulk.term_end) == (delivered, term_end)

        with pytest.raises(ValidationError) as refused:
            restriction_order(warning=warning, executor="ООО «Сантехник»", on=term_end)
        assert code_of(refused) == ErrorCode.WARNING_TERM_RUNNING
        restriction = restriction_order(warning=warning, executor="ООО «Сантехник»", on=earliest)
        assert (restriction.status, restriction.ordered_on) == (RestrictionStatus.ORDERED, earliest)
        with pytest.raises(ValidationError) as refused:  # one open order per service
            restriction_order(warning=warning, executor="ООО «Сантехник»", on=earliest)
        assert code_of(refused) == ErrorCode.DUPLICATE

        for wrong in (earliest - timedelta(days=1), date(2027, 3, 11)):  # before the order; in the future
            with pytest.raises(ValidationError) as refused:
                restriction_done(restriction=restriction, done_on=wrong, act_number="А-1")
            assert code_of(refused) == ErrorCode.DATE_RANGE
        restriction = restriction_done(restriction=restriction, done_on=date(2027, 2, 27), act_number="А-1")
        assert AccountCollection.objects.get(pk=account.pk).stage == Stage.RESTRICTED
        assert Warning.objects.get(pk=warning.pk).status == WarningStatus.RESTRICTED
        with pytest.raises(ValidationError) as refused:
            restriction_done(restriction=restriction, done_on=date(2027, 2, 27), act_number="А-1")
        assert code_of(refused) == ErrorCode.COLLECTION_STATE

        # nothing paid: settling changes nothing
        register_refresh(today=date(2027, 3, 1))
        assert restrictions_settle(today=date(2027, 3, 1)) == 0
        # the principal debt for hot water paid on 02.03.2027 (the register learns it on the 3rd, settled on the 4th)
        paid_on = date(2027, 3, 2)
        _receipt(account.number, "5250.00", paid_on, "TERM-PAY", service="hw")
        register_refresh(today=date(2027, 3, 3))
        assert restrictions_settle(today=date(2027, 3, 4)) == 1
        restriction.refresh_from_db()
        assert (restriction.paid_on, restriction.lift_due) == (paid_on, paid_on + timedelta(days=2))
        assert restriction.lift_due == date(2027, 3, 4)
        assert restrictions_settle(today=date(2027, 3, 5)) == 0  # once

        with pytest.raises(ValidationError) as refused:  # before it was restricted
            restriction_lift(restriction=restriction, lifted_on=date(2027, 2, 26), act_number="В-1")
        assert code_of(refused) == ErrorCode.DATE_RANGE
        restriction = restriction_lift(restriction=restriction, lifted_on=date(2027, 3, 4), act_number="В-1")
        assert restriction.status == RestrictionStatus.LIFTED
        assert AccountCollection.objects.get(pk=account.pk).stage == Stage.RECOVERED
        with pytest.raises(ValidationError) as refused:
            restriction_lift(restriction=restriction, lifted_on=date(2027, 3, 4), act_number="В-1")
        assert code_of(refused) == ErrorCode.COLLECTION_STATE
        # a closed warning does not restrict again
        with pytest.raises(ValidationError) as refused:
            restriction_order(warning=Warning.objects.get(pk=warning.pk), executor="ООО", on=date(2027, 3, 5))
        assert code_of(refused) == ErrorCode.COLLECTION_STATE


def test_suspension_ten_days_after_the_restriction_or_at_once_only_without_the_means_to_restrict(principal_a, today):
    """ПП 354 п.119 «в»: a restricted service is suspended when the debt is still unpaid «по истечении 10 дней со дня
    введения ограничения»: restricted on 27.02.2027, the 10 days are 28.02–09.03 (counted from the next day, ГК
    ст.191), so suspension is possible from 27.02 + 11 days = 10.03.2027, not on 09.03. Suspension without a
    restriction first only where a restriction is technically impossible."""
    restricted_on = date(2027, 2, 27)
    earliest = restricted_on + timedelta(days=10 + 1)
    assert earliest == date(2027, 3, 10)
    service, (account, other) = _hot_water_debtors(principal_a, 2, "SUSP")
    with tenant_context(principal_a):
        today(date(2027, 3, 20))
        warnings = []
        for payer in (account, other):
            warning, _created = warning_issue(account=payer, service=service, month=FEB_2027, channel="signature",
                                              on=date(2027, 2, 1))
            warnings.append(warning_delivered(warning=warning, delivered_on=date(2027, 2, 5)))
        # straight to suspension: refused unless restriction is technically impossible
        with pytest.raises(ValidationError) as refused:
            restriction_order(warning=warnings[1], executor="ООО", kind="suspension", on=date(2027, 2, 26))
        assert code_of(refused) == ErrorCode.COLLECTION_STATE
        at_once = restriction_order(warning=warnings[1], executor="ООО", kind="suspension", on=date(2027, 2, 26),
                                    no_technical_possibility=True)
        assert (at_once.kind, at_once.no_technical_possibility) == ("suspension", True)

        restriction = restriction_order(warning=warnings[0], executor="ООО", on=date(2027, 2, 26))
        restriction = restriction_done(restriction=restriction, done_on=restricted_on, act_number="А-7")
        with pytest.raises(ValidationError) as refused:
            restriction_suspend(restriction=restriction, on=earliest - timedelta(days=1))
        assert code_of(refused) == ErrorCode.WARNING_TERM_RUNNING
        restriction = restriction_suspend(restriction=restriction, on=earliest)
        assert (restriction.kind, restriction.suspended_on, restriction.status) == ("suspension", earliest, "done")
        with pytest.raises(ValidationError) as refused:  # suspended already
            restriction_suspend(restriction=restriction, on=earliest)
        assert code_of(refused) == ErrorCode.COLLECTION_STATE


def test_an_order_not_carried_out_is_cancelled_once_an_agreement_is_signed(principal_a, today):
    """п.120: an agreement made removes the cause as payment does; the order not yet carried out is cancelled."""
    service, (account,) = _hot_water_debtors(principal_a, 1, "AGR")
    with tenant_context(principal_a):
        today(date(2027, 3, 10))
        warning, _created = warning_issue(account=account, service=service, month=FEB_2027, channel="epd",
                                          on=date(2027, 2, 1))
        warning_delivered(warning=warning, delivered_on=date(2027, 2, 5))
        restriction = restriction_order(warning=warning, executor="ООО", on=date(2027, 2, 26))
        Agreement.objects.create(account=account, number="С-AGR", status=AgreementStatus.ACTIVE,
                                 total=D("5250.00"), parts=3, signed_on=date(2027, 3, 1))
        assert restrictions_settle(today=date(2027, 3, 2)) == 1
        restriction.refresh_from_db()
        assert restriction.status == RestrictionStatus.CANCELLED


def test_an_amnesty_writes_off_the_penalties_of_those_who_paid_the_principal_debt_by_the_date(principal_a):
    """Three months of 1 500.00 (08–10.2026) accrue penalties; the amnesty's date is 30.11.2026. One debtor paid the
    principal debt, 3 × 1 500.00 = 4 500.00, on 20.11; the other paid nothing. The first's penalties are written off
    as a recalculation «penalty_amnesty» and leave the register; the second's stay."""
    payer, idle = _accounts(principal_a, 2, prefix="AMN")
    with tenant_context(principal_a):
        post(date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
        register_refresh(today=date(2026, 11, 5))
        penalties = dict(DebtorLine.objects.values_list("account_id", "penalties"))
        assert penalties[payer.pk] > 0 and penalties[idle.pk] > 0
        assert amnesty_enroll(campaign_id=5, account_ids=[payer.pk, idle.pk], pay_by=date(2026, 11, 30)) == 2
        assert amnesty_enroll(campaign_id=5, account_ids=[payer.pk], pay_by=date(2026, 11, 30)) == 0
        _receipt(payer.number, "4500.00", date(2026, 11, 20), "AMN-1")
        assert amnesties_settle(today=date(2026, 11, 30)) == 0  # the date has not passed
        assert amnesties_settle(today=date(2026, 12, 1)) == 1
        write_off = Recalculation.objects.get(reason="penalty_amnesty")
        assert (write_off.account_id, write_off.amount) == (payer.pk, -penalties[payer.pk])
        assert write_off.period.month == date(2026, 11, 1)  # the first period not posted
        amnesties = dict(Amnesty.objects.values_list("account_id", "penalties_written_off"))
        assert amnesties == {payer.pk: penalties[payer.pk], idle.pk: D("0.00")}
        # the register (refreshed by the settlement): the payer owes nothing, the other's penalties are as they were
        assert not Debtor.objects.filter(account=payer).exists()
        assert DebtorLine.objects.get(account=idle).penalties == penalties[idle.pk]
        # once: a rerun writes off nothing more
        assert amnesties_settle(today=date(2026, 12, 2)) == 0
        assert Recalculation.objects.filter(reason="penalty_amnesty").count() == 1


def test_an_amnesty_looks_at_the_debt_on_its_date_not_at_later_charges_or_later_payments(principal_a):
    """Paid by the date, then November charged (not owed on 30.11): still entitled. Paid after the date: not."""
    on_time, late = _accounts(principal_a, 2, prefix="AML")
    with tenant_context(principal_a):
        post(date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
        amnesty_enroll(campaign_id=6, account_ids=[on_time.pk, late.pk], pay_by=date(2026, 11, 1))
        _receipt(on_time.number, "4500.00", date(2026, 10, 30), "AML-1")
        _receipt(late.number, "4500.00", date(2026, 11, 3), "AML-2")
        post(date(2026, 11, 1))
        assert amnesties_settle(today=date(2026, 12, 5)) == 1
        assert list(Recalculation.objects.filter(reason="penalty_amnesty").values_list("account_id", flat=True)
                    .distinct()) == [on_time.pk]
