"""Penalty accrual (ЖК РФ ст.155 ч.14) into a draft period's balances: the penalties of the period's own days.

What is accrued is exactly the account's penalty statement (``tenants.penalties.statement``) as of
the period's last day, restricted to the period's days: every statement row is cut to the days
inside the period and that part is rounded to kopecks half up on its own. So:

* the base of each earlier period is its own amount (charges + recalculations − benefits, or the
  imported opening debt), never penalties: no penalty accrues on penalties;
* payments are the receipts (``tenants.receipts``) by their own ``paid_on``, oldest debt first: a part
  paid on day P accrues up to P (or P − 1, by the principal's ``penalty_payment_day_accrues``) at R(P),
  the part unpaid at the month's end accrues all month at R of the month's last day;
* caps apply on the day R is taken (``CapBasis.RATE_DAY``); moratoria and caps come from the dated tables;
* the account's total is split among its services in proportion to each service's own
  overdue debt (its share of each period's unpaid amount, as ПП 354 п.118 splits a payment)
  weighted by that period's days and band, by the largest-remainder method, so the services add
  up to the statement to the kopeck.

How it is computed. The calendar part — which days of this period fall into which band at which
rate for a debt due on a given date, unpaid or paid on a given day — depends only on the due date
and the payment day, not on the account. It is found in Python once per earlier billing period and
payment day of the month (a few dozen periods × at most 31 days), by running
``billing_core.penalties.calculate_penalties`` on a debt of one rouble, and passed to SQL as a
small table. Everything per account — the debts, the allocation of payments by date (running sums),
the statement's rows and their rounding, the split among services, the write into
``billing_balance`` — is one set-based statement.

Cost: the statement reads every balance row of the principal's periods up to this one once
(one hash aggregate and one window over account × period), so it grows with the principal's
history, not with the number of debtors: about 2–3 s for 10 000 accounts × 2 services × 12 months
(240 000 rows) on a shared 2-core machine (the bench in tests/tenants/penalties/test_accrual.py).
At a large principal's full history that is too much per run; the fix is a per-period "unpaid at
close" figure carried forward, so a run reads only the previous period and the accounts in debt.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from billing_core.penalties import BAND_130, BAND_300, Payment, PeriodDebt, calculate_penalties
from billing_core.periods import month_bounds
from billing_core.rules import PenaltyRules
from tenants.billing.benefits import locked_draft_period
from tenants.billing.models import BillingPeriod
from tenants.receipts.models import Receipt
from tenants.regulations.selectors import payment_deadlines, payment_due_date, penalty_rules_load
from tenants.workspace.models import WorkspaceSettings

_DIVISOR = {BAND_300: 300, BAND_130: 130}
_UNIT = Decimal("1.00")
_GRACE = timedelta(days=30)

ACCRUAL_SQL = """
WITH
seg AS (
    -- the calendar: for a part of period_id's debt paid on paid_on (NULL: unpaid at the month's end), the days
    -- first_day..last_day of this month it accrues at ``rate`` per cent over ``divisor``
    SELECT * FROM unnest(%(seg_period)s::bigint[], %(seg_paid)s::date[], %(seg_first)s::date[],
                         %(seg_last)s::date[], %(seg_rate)s::numeric[], %(seg_divisor)s::int[])
        AS s(period_id, paid_on, first_day, last_day, rate, divisor)
),
amnesty AS (
    -- penalties written off under an amnesty are booked as recalculations: they are not a period's own amount
    SELECT period_id, account_id, service_id, SUM(amount) AS amount FROM billing_recalculation
    WHERE reason = 'penalty_amnesty' GROUP BY period_id, account_id, service_id
),
svc AS (
    SELECT b.account_id, b.service_id, b.period_id, bp.month,
           CASE WHEN bp.opening_import THEN b.opening
                ELSE b.charged + b.recalculated - COALESCE(am.amount, 0) - b.benefits END AS amount
    FROM billing_balance b
    JOIN billing_billingperiod bp ON bp.id = b.period_id
    LEFT JOIN amnesty am ON am.period_id = b.period_id AND am.account_id = b.account_id
                        AND am.service_id = b.service_id
    WHERE bp.month <= %(month)s
),
debt AS (
    SELECT account_id, period_id, month, SUM(amount) AS amount
    FROM svc GROUP BY account_id, period_id, month
),
ordered AS (
    -- each period's debt as the interval [before, before + amount) of the account's debts, oldest first
    SELECT d.account_id, d.period_id, d.amount,
           COALESCE(SUM(d.amount) OVER (PARTITION BY d.account_id ORDER BY d.month
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM debt d
    WHERE d.amount > 0
),
day_net AS (
    -- money received on the account by day, up to the month's end (tenants/receipts; a reversal is negative)
    SELECT account_id, paid_on, SUM(amount) AS amount
    FROM receipts_receipt WHERE paid_on <= %(end)s
    GROUP BY account_id, paid_on
),
running AS (
    SELECT account_id, paid_on, SUM(amount) OVER (PARTITION BY account_id ORDER BY paid_on) AS c FROM day_net
),
effective AS (
    -- billing_core.penalties.payments_net: what counts as paid by a day is the least running sum from that day
    -- on (a reversal cancels the payments before it, latest first), never below zero
    SELECT account_id, paid_on, GREATEST(MIN(c) OVER (PARTITION BY account_id ORDER BY paid_on DESC), 0) AS e
    FROM running
),
pays AS (
    SELECT account_id, paid_on, COALESCE(LAG(e) OVER (PARTITION BY account_id ORDER BY paid_on), 0) AS p_from,
           e AS p_to
    FROM effective
),
tranche AS (
    -- the part of each period's debt each day's payment pays: the overlap of the two intervals (oldest first)
    SELECT o.account_id, o.period_id, p.paid_on,
           LEAST(o.before + o.amount, p.p_to) - GREATEST(o.before, p.p_from) AS part
    FROM ordered o
    JOIN pays p ON p.account_id = o.account_id
    WHERE LEAST(o.before + o.amount, p.p_to) > GREATEST(o.before, p.p_from)
),
unpaid AS (
    SELECT o.account_id, o.period_id, o.amount - COALESCE(SUM(t.part), 0) AS part
    FROM ordered o
    LEFT JOIN tranche t ON t.account_id = o.account_id AND t.period_id = o.period_id
    GROUP BY o.account_id, o.period_id, o.amount
),
accruing AS (
    -- paid parts up to their payment day at its rate; the unpaid rest at the rate of the month's last day
    SELECT t.account_id, t.period_id, t.part, s.first_day, s.last_day, s.rate, s.divisor
    FROM tranche t
    JOIN seg s ON s.period_id = t.period_id AND s.paid_on = t.paid_on
    WHERE t.paid_on >= %(start)s
    UNION ALL
    SELECT u.account_id, u.period_id, u.part, s.first_day, s.last_day, s.rate, s.divisor
    FROM unpaid u
    JOIN seg s ON s.period_id = u.period_id AND s.paid_on IS NULL
    WHERE u.part > 0
),
cuts AS (
    SELECT DISTINCT account_id, period_id, d FROM (
        SELECT account_id, period_id, first_day AS d FROM accruing
        UNION ALL
        SELECT account_id, period_id, last_day + 1 FROM accruing
    ) c
),
pieces AS (
    SELECT account_id, period_id, d AS a, LEAD(d) OVER (PARTITION BY account_id, period_id ORDER BY d) AS b
    FROM cuts
),
piece_rows AS (
    -- the debt at each rate on each stretch where no part starts or stops
    SELECT p.account_id, p.period_id, p.a, p.b, x.rate, x.divisor, SUM(x.part) AS debt
    FROM pieces p
    JOIN accruing x ON x.account_id = p.account_id AND x.period_id = p.period_id
                   AND x.first_day <= p.a AND x.last_day >= p.b - 1
    WHERE p.b IS NOT NULL
    GROUP BY p.account_id, p.period_id, p.a, p.b, x.rate, x.divisor
),
islands AS (
    SELECT account_id, period_id, rate, divisor, debt, b - a AS days,
           SUM(CASE WHEN a = prev_b THEN 0 ELSE 1 END)
               OVER (PARTITION BY account_id, period_id, rate, divisor, debt ORDER BY a) AS island
    FROM (SELECT *, LAG(b) OVER (PARTITION BY account_id, period_id, rate, divisor, debt ORDER BY a) AS prev_b
          FROM piece_rows) r
),
statement_rows AS (
    -- the statement's rows inside this month: contiguous stretches with the same debt, rate and band are one row
    SELECT account_id, period_id, rate, divisor, debt, SUM(days) AS days
    FROM islands GROUP BY account_id, period_id, rate, divisor, debt, island
),
account_total AS MATERIALIZED (
    -- each statement row's part inside this period, rounded on its own. MATERIALIZED here and in ``weight``:
    -- inlined, the planner (blind to a CTE's row count) re-aggregated it once per account, quadratic in debtors
    SELECT account_id,
           SUM(ROUND(debt * days * rate / (100 * divisor)::numeric(60, 30), 2)) AS total
    FROM statement_rows GROUP BY account_id
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
           SUM(a.part * sh.share * (a.last_day - a.first_day + 1) * a.rate / a.divisor) AS w
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


Segment = tuple[int, date | None, date, date, Decimal, int]


def _cut_to_month(statement, *, start: date, end: date) -> list[tuple[date, date, Decimal, int]]:
    cut = []
    for row in statement.rows:
        if row.band not in _DIVISOR or row.rate is None:
            continue
        first, last = max(row.date_from, start), min(row.date_to, end)
        if first <= last:
            cut.append((first, last, row.rate, _DIVISOR[row.band]))
    return cut


def accrual_calendar(
    *, month: date, debt_periods: list[tuple[int, date]], rules: PenaltyRules, due_dates: dict[date, date],
    paid_days: list[date] = (), payment_day_accrues: bool = True,
) -> list[Segment]:
    """``(period_id, paid_on, first, last, rate, divisor)`` for every accruing stretch of ``month``'s days.

    For each earlier period: the stretches of a unit debt still unpaid on the month's last day (``paid_on``
    None), and, for each day of the month on which some account paid, those of a unit debt paid in full that
    day (at the rate of that day, up to that day or the day before, by ``payment_day_accrues``). These are the
    rows of the account's statement cut to the month, so the SQL rounds what the statement rounds.
    """
    start, end, _days = month_bounds(month)
    calendar: list[Segment] = []
    for period_id, debt_month in debt_periods:
        due = due_dates[debt_month]
        debt = [PeriodDebt(debt_month, _UNIT, due)]
        if due + _GRACE < end:
            unpaid = calculate_penalties(debts=debt, calculation_date=end, rules=rules,
                                         payment_day_accrues=payment_day_accrues)
            calendar.extend((period_id, None, *seg) for seg in _cut_to_month(unpaid, start=start, end=end))
        for day in paid_days:
            if due + _GRACE >= day:
                continue  # paid within the 30 days of grace: nothing accrues
            paid = calculate_penalties(debts=debt, payments=[Payment(day, _UNIT)], calculation_date=end,
                                       rules=rules, payment_day_accrues=payment_day_accrues)
            calendar.extend((period_id, day, *seg) for seg in _cut_to_month(paid, start=start, end=end))
    return calendar


@transaction.atomic
def penalties_accrue(period: BillingPeriod) -> None:
    """Write the period's penalties into its balances (a calculated draft only); run it after ``benefits_apply``."""
    period = locked_draft_period(period)
    settings = WorkspaceSettings.current()
    rules = penalty_rules_load(disputed_moratoria=settings.penalties_apply_disputed_moratoria)
    deadlines = payment_deadlines()
    start, end, _days = month_bounds(period.month)
    earlier = list(BillingPeriod.objects.filter(month__lt=period.month).values_list("pk", "month"))
    due_dates = {m: payment_due_date(month=m, deadlines=deadlines) for _pk, m in earlier}
    paid_days = sorted(Receipt.objects.filter(paid_on__range=(start, end)).values_list("paid_on", flat=True)
                       .distinct().order_by())
    calendar = accrual_calendar(month=period.month, debt_periods=earlier, rules=rules, due_dates=due_dates,
                                paid_days=paid_days, payment_day_accrues=settings.penalty_payment_day_accrues)
    params = {
        "month": period.month, "period_id": period.pk, "start": start, "end": end,
        "seg_period": [c[0] for c in calendar], "seg_paid": [c[1] for c in calendar],
        "seg_first": [c[2] for c in calendar], "seg_last": [c[3] for c in calendar],
        "seg_rate": [c[4] for c in calendar], "seg_divisor": [c[5] for c in calendar],
    }
    with connection.cursor() as cursor:
        cursor.execute(ACCRUAL_SQL, params)
