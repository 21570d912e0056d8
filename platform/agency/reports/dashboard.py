"""The principal's dashboard: accounts, debt and collection by month, read from its balances.

Runs in the current connection's schema (the principal's): two statements whatever the number of
months. "Charged" is what the balance row adds to the debt in the period: charges + recalculations
− benefits + penalties (``Balance``'s own identity: closing = opening + that − paid). Debt and
advances are per account: an account's services are summed first, so one service's overpayment
offsets another's debt as it does on the ЕПД. Only posted periods make a month: a draft may still change.

Debtors, debt and advances are as they stand now, and ``current`` is the month being collected (the one after
the last posted period): both from ``tenants.billing.balances``, the last posted closing less the payments
received since, so a payment shows here as soon as it is allocated.
Tables: billing_balance, billing_billingperiod, billing_personalaccount (``tenants.billing.models``),
receipts_receipt (``tenants.receipts.models``).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from tenants.billing.balances import balance_summary
from tenants.billing.models import PeriodStatus

MONTHS_MAX = 120
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class DashboardMonth:
    month: date
    charged: Decimal
    collected: Decimal
    collection_rate: Decimal | None  # collected / charged; None when nothing was charged
    debt_end: Decimal  # the sum of positive closing balances per account


@dataclass(frozen=True)
class DashboardCurrent:
    """The month being collected: the payments received since the last posted period, against its charges."""

    month: date  # the first day of the month after the last posted period
    billed: Decimal  # the last posted period's charges: the bill being paid now
    collected: Decimal  # received since (not counted by a posted period)
    collection_rate: Decimal | None  # collected / billed; None when nothing was billed


@dataclass(frozen=True)
class Dashboard:
    accounts_count: int
    debtors_count: int  # accounts owing now (the last posted closing less the payments since)
    debt_total: Decimal  # the sum of the accounts' positive balances now
    advance_total: Decimal  # the sum of the accounts' negative balances now, as a positive amount
    months: list[DashboardMonth]
    current: DashboardCurrent | None  # None until a period is posted


def _rate(collected: Decimal, charged: Decimal) -> Decimal | None:
    if not charged:
        return None
    return (collected / charged).quantize(RATE_PLACES)


def principal_dashboard(*, months: int = 12, today: date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH periods AS (
                SELECT id, month FROM billing_billingperiod WHERE status = %s ORDER BY month DESC LIMIT %s
            ), per_account AS (
                SELECT b.period_id, b.account_id,
                       sum(b.charged + b.recalculated - b.benefits + b.penalties) AS charged,
                       sum(b.paid) AS paid, sum(b.closing) AS closing
                FROM billing_balance b JOIN periods p ON p.id = b.period_id
                GROUP BY b.period_id, b.account_id
            )
            SELECT p.month, coalesce(sum(a.charged), 0), coalesce(sum(a.paid), 0),
                   coalesce(sum(greatest(a.closing, 0)), 0)
            FROM periods p LEFT JOIN per_account a ON a.period_id = p.id
            GROUP BY p.month ORDER BY p.month
            """,
            [PeriodStatus.POSTED.value, months],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM billing_personalaccount WHERE closed_on IS NULL OR closed_on >= %s",
                       [today])
        (accounts_count,) = cursor.fetchone()
    month_list = [
        DashboardMonth(month=month, charged=charged, collected=paid, collection_rate=_rate(paid, charged),
                       debt_end=debt)
        for month, charged, paid, debt in rows
    ]
    now = balance_summary()
    current = None
    if month_list:
        last = month_list[-1]
        current = DashboardCurrent(month=(last.month + timedelta(days=32)).replace(day=1), billed=last.charged,
                                   collected=now.received_since, collection_rate=_rate(now.received_since,
                                                                                       last.charged))
    return Dashboard(accounts_count=accounts_count, debtors_count=now.debtors_count, debt_total=now.debt_total,
                     advance_total=now.advance_total, months=month_list, current=current)
