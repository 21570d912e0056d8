"""Payout deadlines (ПП РФ №253 п.6: no later than the working day after the money arrives): each payout's
deadline from the production calendar, its state (on time, pending, at risk after the 15:00 cut-off, late), and
the reconciliation's list. Expected dates are worked out here from the 2026 calendar, not read from the code."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from agency.payments.models import Payout, PayoutStatus
from agency.payments.payouts import payouts_build
from agency.payments.payouts.deadlines import (
    DeadlineState,
    deadline_state,
    payouts_deadlines_attach,
    payouts_flagged_for_day,
)
from agency.payments.payouts.reconciliation import reconciliation_day
from tenants.regulations.selectors import next_working_day, next_working_days
from tests.payments.test_payouts import FRI, MON, SAT, SUN, THU, TUE, contract, pay, world  # noqa: F401

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
WED = date(2026, 10, 21)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=MSK)


def test_the_deadline_is_the_next_working_day_after_the_money_by_the_calendar():
    # Tuesday 03.11.2026: Wednesday 04.11 is a public holiday (День народного единства), so Thursday 05.11;
    # Friday 16.10.2026 → Monday 19.10; Saturday 17.10 → Monday 19.10 as well
    tue, holiday, thu = date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)
    assert next_working_day(tue) == thu
    assert next_working_days([tue, holiday, FRI, SAT]) == {tue: thu, holiday: thu, FRI: MON, SAT: MON}
    assert next_working_days([]) == {}


@pytest.mark.parametrize(("order_date", "now", "state", "days_late"), [
    # exported: judged by the payment order's date against the deadline (Thursday 05.11.2026)
    (date(2026, 11, 5), at(date(2026, 11, 20), 10), DeadlineState.ON_TIME, 0),
    (date(2026, 11, 2), at(date(2026, 11, 20), 10), DeadlineState.ON_TIME, 0),
    (date(2026, 11, 6), at(date(2026, 11, 20), 10), DeadlineState.LATE, 1),
    (date(2026, 11, 9), at(date(2026, 11, 20), 10), DeadlineState.LATE, 4),  # Friday, weekend, Monday
    # not exported: judged by the clock in Moscow
    (None, at(date(2026, 11, 4), 18), DeadlineState.PENDING, 0),
    (None, at(date(2026, 11, 5), 14, 59), DeadlineState.PENDING, 0),
    (None, at(date(2026, 11, 5), 15, 0), DeadlineState.AT_RISK, 0),  # the cut-off: 15:00 on the deadline day
    (None, datetime(2026, 11, 5, 12, 30, tzinfo=ZoneInfo("UTC")), DeadlineState.AT_RISK, 0),  # 15:30 in Moscow
    (None, at(date(2026, 11, 6), 0, 1), DeadlineState.LATE, 1),
])
def test_states_worked_examples(order_date, now, state, days_late):
    result = deadline_state(deadline=date(2026, 11, 5), order_date=order_date, now=now)
    assert (result.deadline, result.state, result.days_late) == (date(2026, 11, 5), state, days_late)


def test_the_cutoff_is_a_setting(settings):
    settings.PAYOUT_EXPORT_CUTOFF = "12:00"
    result = deadline_state(deadline=date(2026, 11, 5), order_date=None, now=at(date(2026, 11, 5), 12, 5))
    assert result.state == DeadlineState.AT_RISK


def _export(payout: Payout, on: date) -> None:
    """As export leaves it: the order dated ``on`` (export dates orders on the day it runs)."""
    Payout.objects.filter(pk=payout.pk).update(status=PayoutStatus.EXPORTED, order_date=on, order_number=payout.pk)


def test_a_skipped_day_makes_the_next_payout_late_and_the_reconciliation_lists_it(world):  # noqa: F811
    # Money of Thursday 15.10 is due Friday 16.10 and paid on Friday: on time. Friday–Sunday's money is due Monday
    # 19.10, and Monday's payout is exported on Monday: on time. Monday's own money is due Tuesday 20.10, but
    # Tuesday's build is skipped; Wednesday 21.10 sweeps it up (covers_from 19.10), so Wednesday's payout is due
    # Tuesday 20.10: exported on Wednesday it is one day late.
    a = world["a"]
    contract(a)
    for day in (THU, FRI, SAT, SUN, MON):
        pay(world["other"], "100.00", day)
    fri = Payout.objects.get(pk=payouts_build(business_day=FRI).payout_ids[0])
    mon = Payout.objects.get(pk=payouts_build(business_day=MON).payout_ids[0])
    wed = Payout.objects.get(pk=payouts_build(business_day=WED).payout_ids[0])
    assert (fri.covers_from, mon.covers_from, wed.covers_from) == (THU, FRI, MON)
    _export(fri, FRI)
    _export(mon, MON)
    now = at(date(2026, 10, 21), 16)  # Wednesday, 16:00: Wednesday's payout not exported yet
    rows = {p.pk: p.deadline_info for p in payouts_deadlines_attach(Payout.objects.order_by("pk"), now=now)}
    assert (rows[fri.pk].deadline, rows[fri.pk].state) == (FRI, DeadlineState.ON_TIME)
    assert (rows[mon.pk].deadline, rows[mon.pk].state) == (MON, DeadlineState.ON_TIME)
    assert (rows[wed.pk].deadline, rows[wed.pk].state, rows[wed.pk].days_late) == (TUE, DeadlineState.LATE, 1)

    # the reconciliation of Tuesday lists Wednesday's payout (due that day, not paid by it); Monday's shows nothing
    tuesday = reconciliation_day(day=TUE, now=now)
    assert [(r["payout_id"], r["deadline"], r["state"], r["days_late"]) for r in tuesday.late_payouts] == [
        (wed.pk, TUE, DeadlineState.LATE, 1)]
    assert tuesday.late_payouts[0]["principal_name"] == a.short_name
    assert reconciliation_day(day=MON, now=now).late_payouts == []
    # still not exported: every later day's report carries it until it is
    assert [p.pk for p in payouts_flagged_for_day(day=date(2026, 10, 22), now=now)] == [wed.pk]
    _export(wed, date(2026, 10, 22))
    assert [p.pk for p in payouts_flagged_for_day(day=date(2026, 10, 22), now=now)] == []
    assert [(p.pk, p.deadline_info.days_late) for p in payouts_flagged_for_day(day=TUE, now=now)] == [(wed.pk, 2)]
    assert wed.net > Decimal(0)


def test_a_payout_due_today_is_at_risk_after_the_cutoff(world):  # noqa: F811
    contract(world["a"])
    pay(world["other"], "100.00", FRI)
    mon = Payout.objects.get(pk=payouts_build(business_day=MON).payout_ids[0])
    assert payouts_flagged_for_day(day=MON, now=at(MON, 14, 59)) == []
    flagged = payouts_flagged_for_day(day=MON, now=at(MON, 15, 0))
    assert [(p.pk, p.deadline_info.state) for p in flagged] == [(mon.pk, DeadlineState.AT_RISK)]
