"""Payout deadlines (ПП РФ №253 п.6): a principal is paid no later than the working day after the money arrives.

The deadline of a payout is ``next_working_day(covers_from)``: ``covers_from`` is the day of the oldest money it
pays (the allocation day: money becomes a principal's when a payment is allocated to it, so a payment matched
days after it arrived counts from its allocation [practice; the decree counts from receipt — check]). An
ordinary day's payout is due on its own business day (Friday's to Sunday's money on Monday); a payout that
sweeps up an earlier day's money (a day that was never built, a late allocation) is due earlier, so it is late.

The state of a payout, as of ``now`` (``TIME_ZONE``, Moscow):

* ``on_time``: exported with a payment order dated on or before the deadline;
* ``late``: exported with a later order date (export dates an order today, whatever the payout's day), or not
  exported and the deadline has passed;
* ``at_risk``: not exported on the deadline day at or after ``PAYOUT_EXPORT_CUTOFF`` (15:00 by default: banks
  execute orders sent in the afternoon on the next business day, so the money would arrive late) [practice];
* ``pending``: not exported, the deadline still ahead (or today before the cut-off).

Days late count calendar days from the deadline to the order date (or today). A weekly schedule (by contract) is
flagged like any other: ПП 253 speaks of resource suppliers' money, and it is for staff to judge a flagged row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.payments.models import Payout, PayoutStatus
from tenants.regulations.selectors import next_working_days, previous_working_day


class DeadlineState(TextChoices):
    ON_TIME = "on_time", _("перечислено в срок")
    PENDING = "pending", _("срок не наступил")
    AT_RISK = "at_risk", _("под угрозой: сегодня последний день, после 15:00 не выгружено")
    LATE = "late", _("просрочено")


FLAGGED = (DeadlineState.AT_RISK, DeadlineState.LATE)
EXPORTED = (PayoutStatus.EXPORTED, PayoutStatus.CONFIRMED)


@dataclass(frozen=True)
class PayoutDeadline:
    deadline: date
    state: str
    days_late: int  # calendar days past the deadline (0 unless late)


def export_cutoff() -> time:
    hours, minutes = (int(part) for part in settings.PAYOUT_EXPORT_CUTOFF.split(":"))
    return time(hours, minutes)


def deadline_state(*, deadline: date, order_date: date | None, now: datetime, cutoff: time | None = None,
                   ) -> PayoutDeadline:
    """The state of one payout due on ``deadline`` whose order is dated ``order_date`` (None: not exported)."""
    local = timezone.localtime(now)
    today = local.date()
    if order_date is not None:
        late = (order_date - deadline).days
        return PayoutDeadline(deadline, DeadlineState.LATE if late > 0 else DeadlineState.ON_TIME, max(late, 0))
    if today > deadline:
        return PayoutDeadline(deadline, DeadlineState.LATE, (today - deadline).days)
    if today == deadline and local.time() >= (cutoff or export_cutoff()):
        return PayoutDeadline(deadline, DeadlineState.AT_RISK, 0)
    return PayoutDeadline(deadline, DeadlineState.PENDING, 0)


def payouts_deadlines_attach(payouts: Iterable[Payout], *, now: datetime | None = None) -> list[Payout]:
    """Each payout with ``deadline_info`` (a ``PayoutDeadline``): one query for the whole list."""
    payouts = list(payouts)
    deadlines = next_working_days(p.covers_from for p in payouts)
    now = now or timezone.now()
    cutoff = export_cutoff()
    for p in payouts:
        exported = p.order_date if p.status in EXPORTED else None
        p.deadline_info = deadline_state(deadline=deadlines[p.covers_from], order_date=exported, now=now,
                                         cutoff=cutoff)
    return payouts


def payout_deadline(payout: Payout) -> PayoutDeadline:
    """A payout's deadline and state: attached by ``payouts_deadlines_attach`` (a list), else one query."""
    info = getattr(payout, "deadline_info", None)
    if info is None:
        payouts_deadlines_attach([payout])
        info = payout.deadline_info
    return info


def payouts_flagged_for_day(*, day: date, now: datetime | None = None) -> list[Payout]:
    """The payouts the reconciliation of ``day`` lists: those due on ``day`` that are late or at risk, and those
    due earlier that were still not exported at the end of ``day`` (ordered by deadline, then id).

    A payout is due on ``day`` exactly when its ``covers_from`` lies in [previous working day of ``day``,
    ``day`` − 1] (and ``day`` is a working day): one indexed range, then the deadlines in one query.
    """
    now = now or timezone.now()
    since = previous_working_day(day)
    candidates = (
        Payout.objects.select_related("principal")
        .filter(covers_from__lt=day)
        .exclude(covers_from__lt=since, status__in=EXPORTED, order_date__lte=day)
        .order_by("covers_from", "pk")
    )
    flagged = []
    for p in payouts_deadlines_attach(candidates, now=now):
        info = p.deadline_info
        if info.deadline == day and info.state in FLAGGED:
            flagged.append(p)
        elif info.deadline < day:
            exported_by_day = p.status in EXPORTED and p.order_date is not None and p.order_date <= day
            if not exported_by_day:
                flagged.append(p)
    return sorted(flagged, key=lambda p: (p.deadline_info.deadline, p.pk))
