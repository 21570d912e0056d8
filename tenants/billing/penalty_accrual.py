"""Penalty accrual (ЖК РФ ст.155 ч.14) into a draft period's balances: the penalties of the period's own days.

What is accrued is exactly the account's penalty statement (``tenants.billing.penalties``) as of
the period's last day, restricted to the period's days: every statement row is cut to the days
inside the period and that part is rounded to kopecks half up on its own. So:

* the base of each earlier period is its own amount (charges + recalculations − benefits, or the
  imported opening debt), never penalties: no penalty accrues on penalties;
* the period's payments (``paid``) count as paid on the period's first day and pay the oldest
  debt first [check: a convention until payment intake records real dates];
* R is the key rate on the period's last day (the calculation date), capped by the cap in force
  on that day (``CapBasis.RATE_DAY``); moratoria and caps come from the dated tables;
* the account's total is split among its services in proportion to each service's own
  overdue debt (its share of each period's unpaid amount, as ПП 354 п.118 splits a payment)
  weighted by that period's days and band, by the largest-remainder method, so the services add
  up to the statement to the kopeck.

How it is computed. The calendar part — which days of this period fall into which band at which
rate for a debt due on a given date — depends only on the due date, not on the account. It is
found in Python once per earlier billing period (a few dozen at most), by running
``billing_core.penalties.calculate_penalties`` on a debt of one rouble, and passed to SQL as a
small table. Everything per account — the debts, the allocation of payments, the rounded rows,
the split among services, the write into ``billing_balance`` — is one set-based statement.

Cost: the statement reads every balance row of the principal's periods up to this one once
(one hash aggregate and one window over account × period), so it grows with the principal's
history, not with the number of debtors: about 2–3 s for 10 000 accounts × 2 services × 12 months
(240 000 rows) on a shared 2-core machine (the bench in tests/tenants/billing/test_penalty_accrual.py).
At a large principal's full history that is too much per run; the fix is a per-period "unpaid at
close" figure carried forward, so a run reads only the previous period and the accounts in debt.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from billing_core.penalties import BAND_130, BAND_300, PeriodDebt, calculate_penalties
from billing_core.periods import month_bounds
from billing_core.rules import PenaltyRules
from regulations.selectors import payment_deadlines, payment_due_date, penalty_rules_load
from tenants.billing.benefits import locked_draft_period
from tenants.billing.models import BillingPeriod
from tenants.workspace.models import WorkspaceSettings

_DIVISOR = {BAND_300: 300, BAND_130: 130}
_UNIT = Decimal("1.00")
_GRACE = timedelta(days=30)

ACCRUAL_SQL = """
WITH
seg AS (
    -- the calendar: for a debt of period_id, ``days`` of this period at ``rate`` per cent over ``divisor``
    SELECT * FROM unnest(%(seg_period)s::bigint[], %(seg_days)s::int[], %(seg_rate)s::numeric[],
                         %(seg_divisor)s::int[]) AS s(period_id, days, rate, divisor)
),
svc AS (
    SELECT b.account_id, b.service_id, b.period_id, bp.month, b.paid,
           CASE WHEN bp.opening_import THEN b.opening ELSE b.charged + b.recalculated - b.benefits END AS amount
    FROM billing_balance b
    JOIN billing_billingperiod bp ON bp.id = b.period_id
    WHERE bp.month <= %(month)s
),
debt AS (
    SELECT account_id, period_id, month, SUM(amount) AS amount, SUM(paid) AS paid
    FROM svc GROUP BY account_id, period_id, month
),
paid AS (
    -- a period whose payments sum to zero or less pays nothing (as the statement skips it)
    SELECT account_id, SUM(paid) AS total FROM debt WHERE paid > 0 GROUP BY account_id
),
ordered AS (
    SELECT d.account_id, d.period_id, d.amount,
           COALESCE(SUM(d.amount) OVER (PARTITION BY d.account_id ORDER BY d.month
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM debt d
    WHERE d.amount > 0
),
unpaid AS (
    -- payments pay the oldest debt first: what is left of each period after all of them
    SELECT o.account_id, o.period_id,
           o.amount - LEAST(o.amount, GREATEST(COALESCE(p.total, 0) - o.before, 0)) AS unpaid
    FROM ordered o
    LEFT JOIN paid p ON p.account_id = o.account_id
),
accruing AS (
    SELECT u.account_id, u.period_id, u.unpaid, s.days, s.rate, s.divisor
    FROM unpaid u
    JOIN seg s ON s.period_id = u.period_id
    WHERE u.unpaid > 0
),
account_total AS MATERIALIZED (
    -- each statement row's part inside this period, rounded on its own. MATERIALIZED here and in ``weight``:
    -- inlined, the planner (blind to a CTE's row count) re-aggregated it once per account, quadratic in debtors
    SELECT account_id,
           SUM(ROUND(unpaid * days * rate / (100 * divisor)::numeric(60, 30), 2)) AS total
    FROM accruing GROUP BY account_id
),
service_share AS (
    SELECT s.account_id, s.service_id, s.period_id,
           GREATEST(s.amount, 0) / NULLIF(SUM(GREATEST(s.amount, 0)) OVER (PARTITION BY s.account_id, s.period_id), 0)
               AS share
    FROM svc s
    JOIN (SELECT DISTINCT account_id, period_id FROM accruing) ap
      ON ap.account_id = s.account_id AND ap.period_id = s.period_id
),
weight AS MATERIALIZED (
    SELECT sh.account_id, sh.service_id,
           SUM(a.unpaid * sh.share * a.days * a.rate / a.divisor) AS w
    FROM service_share sh
    JOIN accruing a ON a.account_id = sh.account_id AND a.period_id = sh.period_id
    WHERE sh.share > 0
    GROUP BY sh.account_id, sh.service_id
),
exact AS (
    SELECT w.account_id, w.service_id, t.total * 100 AS total_kop,
           t.total * 100 * w.w / SUM(w.w) OVER (PARTITION BY w.account_id) AS kop
    FROM weight w
    JOIN account_total t ON t.account_id = w.account_id
    WHERE t.total > 0
),
floored AS (
    SELECT account_id, service_id, total_kop, kop, FLOOR(kop) AS base,
           ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY kop - FLOOR(kop) DESC, service_id) AS place
    FROM exact
),
result AS (
    -- largest remainder: the kopecks lost to flooring go to the largest remainders, ties to the lower id
    SELECT f.account_id, f.service_id,
           (f.base + CASE WHEN f.place <= f.total_kop - SUM(f.base) OVER (PARTITION BY f.account_id) THEN 1 ELSE 0 END)
               / 100 AS penalty
    FROM floored f
),
target AS (
    SELECT b.id, COALESCE(r.penalty, 0) AS penalty
    FROM billing_balance b
    LEFT JOIN result r ON r.account_id = b.account_id AND r.service_id = b.service_id
    WHERE b.period_id = %(period_id)s
),
changed AS (
    UPDATE billing_balance b
    SET penalties = t.penalty,
        closing = b.opening + b.charged + b.recalculated - b.benefits + t.penalty - b.paid
    FROM target t
    WHERE b.id = t.id AND b.penalties <> t.penalty
    RETURNING b.id
)
INSERT INTO billing_balance
    (period_id, account_id, service_id, opening, charged, recalculated, benefits, penalties, paid, closing)
SELECT %(period_id)s, r.account_id, r.service_id, 0, 0, 0, 0, r.penalty, 0, r.penalty
FROM result r
WHERE r.penalty > 0 AND NOT EXISTS (
    SELECT 1 FROM billing_balance b
    WHERE b.period_id = %(period_id)s AND b.account_id = r.account_id AND b.service_id = r.service_id
)
"""


def accrual_calendar(
    *, month: date, debt_periods: list[tuple[int, date]], rules: PenaltyRules, due_dates: dict[date, date]
) -> list[tuple[int, int, Decimal, int]]:
    """``(period_id, days, rate, divisor)`` for every accruing stretch of ``month``'s days, per earlier period.

    A stretch is a statement row of a unit debt as of the month's last day, cut to the month: the
    same rows the account's statement has (its debt is constant inside the month, since payments
    count from the first day), so rounding each stretch matches the statement's rounding.
    """
    start, end, _days = month_bounds(month)
    calendar = []
    for period_id, debt_month in debt_periods:
        due = due_dates[debt_month]
        if due + _GRACE >= end:
            continue  # still within the 30 days of grace on the month's last day
        statement = calculate_penalties(debts=[PeriodDebt(debt_month, _UNIT, due)], calculation_date=end, rules=rules)
        for row in statement.rows:
            if row.band not in _DIVISOR or row.rate is None:
                continue
            first, last = max(row.date_from, start), min(row.date_to, end)
            if first <= last:
                calendar.append((period_id, (last - first).days + 1, row.rate, _DIVISOR[row.band]))
    return calendar


@transaction.atomic
def penalties_accrue(period: BillingPeriod) -> None:
    """Write the period's penalties into its balances (a calculated draft only); run it after ``benefits_apply``."""
    period = locked_draft_period(period)
    rules = penalty_rules_load(disputed_moratoria=WorkspaceSettings.current().penalties_apply_disputed_moratoria)
    deadlines = payment_deadlines()
    earlier = list(BillingPeriod.objects.filter(month__lt=period.month).values_list("pk", "month"))
    due_dates = {m: payment_due_date(month=m, deadlines=deadlines) for _pk, m in earlier}
    calendar = accrual_calendar(month=period.month, debt_periods=earlier, rules=rules, due_dates=due_dates)
    params = {
        "month": period.month, "period_id": period.pk,
        "seg_period": [c[0] for c in calendar], "seg_days": [c[1] for c in calendar],
        "seg_rate": [c[2] for c in calendar], "seg_divisor": [c[3] for c in calendar],
    }
    with connection.cursor() as cursor:
        cursor.execute(ACCRUAL_SQL, params)
