"""The demo's calendar, relative to the day the demo is loaded.

A newcomer who loads the demo on any day sees the agent's month as it stands on that day:

- ``month``: the last full month, charged, posted and issued as a ЕПД to every household;
- ``previous_month``: the month before it, whose meter readings open the demo month's consumption;
- ``pay_day``: the working day whose cash-desk receipts and bank registry the demo posts and allocates;
- ``payout_day``: the next working day after ``pay_day`` (ПП 253 п.6: the payout of the next working day),
  the latest working day that is not after the load day, so its payouts "have just passed" and are built;
- the tariffs, norms and agency contracts in force long enough before ``month`` that a tariff change lies
  inside the demo's history (``tariff_change``).

Working days come from the production calendar (``regulations``); without a loaded year they fall back to
Monday to Friday, as the calendar's selectors do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from tenants.regulations.selectors import is_working_day, previous_working_day


def month_shift(month: date, months: int) -> date:
    """The first day of the month ``months`` after (or, negative, before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class DemoCalendar:
    today: date
    month: date
    previous_month: date
    pay_day: date
    payout_day: date
    tariff_change: date  # the current tariffs apply from this day; the earlier ones from ``history_from``
    history_from: date  # norms, the earlier tariffs and the agency contracts apply from this day

    @property
    def month_label(self) -> str:
        return f"{self.month:%m.%Y}"


def demo_calendar(today: date | None = None) -> DemoCalendar:
    """The demo's dates for a load on ``today`` (by default the local date, Moscow time)."""
    today = today or timezone.localdate()
    month = month_shift(today.replace(day=1), -1)
    payout_day = today if is_working_day(today) else previous_working_day(today)
    return DemoCalendar(
        today=today,
        month=month,
        previous_month=month_shift(month, -1),
        pay_day=previous_working_day(payout_day),
        payout_day=payout_day,
        tariff_change=month_shift(month, -3),
        history_from=month_shift(month, -12),
    )


def day_in_month(month: date, day: int) -> date:
    """``day`` of ``month``, or the month's last day when it is shorter."""
    last = month_shift(month, 1) - timedelta(days=1)
    return month.replace(day=min(day, last.day))
