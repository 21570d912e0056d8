"""The debtor register of one principal: who owes what now, for how long, and against the п.118 threshold.

``register_refresh`` rewrites the schema's snapshot (``DebtorLine`` per account and service, ``Debtor`` per
account) in two set-based statements inside one transaction: a reader sees the old register or the new one,
never half of each, and a crashed refresh leaves the old one. Pages, filters, exports and campaign selection
read the snapshot (indexed, keyset-paged); the snapshot is refreshed after every posting, payment import and on
demand.

How each figure is computed (one account, one service):

- ``debt``: the balance now (``tenants.billing.balances``: the last posted closing minus the receipts since).
- ``penalties``: the penalties accrued (``Balance.penalties`` of the posted periods) less those written off under
  an amnesty. A write-off is a recalculation booked into the next period; until that period is posted the balance
  does not hold it yet, so the register lowers the debt by the write-offs not posted yet: the penalties drop at
  once and the principal debt stays what it was. ``principal_debt`` = max(0, debt − penalties): a payment goes to
  the charges before the penalties, so the penalties are the last part of the debt to be paid.
- age: the principal debt is the newest charges left unpaid (payments close the oldest periods first, DOMAIN.md):
  walking back from the last posted month, each month's net charge (charged + recalculated − benefits, an amnesty
  write-off of penalties booked there not counted: it lowers the penalties, not the month's charges) takes what
  is left of the debt; a rest older than the posted months (an imported opening balance) is over 12 months old.
  A month's age is 1 for the last posted month, 2 for the one before, and so on.
- ``norm_charge``: one month's charge by norm and tariff as of the refresh (ПП 354 п.118: «исходя из норматива
  потребления … и тарифа … независимо от наличия … прибора учёта»): norm × unit rate × persons (living, else
  registered) or m²; ``threshold``: the principal debt is more than two such charges.
- ``restrictable``: the service's kind is one where the law allows restriction (``billing_core.collection``), and
  cold water only outside an apartment block — every premise in this registry is in one (a flat or a
  non-residential premise of a house of flats), so cold water never is.
"""

from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from billing_core import collection as rules

LINES_SQL = """
WITH posted AS (  -- each posted month with its age: 1 for the last posted month, 2 for the one before, …
    SELECT id, month,
           (EXTRACT(YEAR FROM age(max(month) OVER (), month)) * 12
            + EXTRACT(MONTH FROM age(max(month) OVER (), month)))::int + 1 AS age
    FROM billing_billingperiod WHERE status = 'posted'
),
debt AS (
    SELECT account_id, service_id, amount AS debt FROM _register_parts WHERE service_id IS NOT NULL AND amount > 0
),
amnesty AS (
    SELECT account_id, service_id, -sum(amount) AS written_off FROM billing_recalculation
    WHERE reason = 'penalty_amnesty' GROUP BY account_id, service_id
),
scan AS MATERIALIZED (
    -- the posted balances of the owing lines, read once: the analysed table itself is joined (not a CTE over it),
    -- so the planner hashes the owing lines and streams the balances; the month's net charge for the age walk and
    -- the penalties for the line
    SELECT b.account_id, b.service_id, p.month, p.age,
           GREATEST(0, b.charged + b.recalculated - b.benefits - COALESCE(wo.amount, 0)) AS charge,
           b.penalties
    FROM billing_balance b JOIN posted p ON p.id = b.period_id
    JOIN _register_parts d ON d.account_id = b.account_id AND d.service_id = b.service_id AND d.amount > 0
    LEFT JOIN (SELECT period_id, account_id, service_id, sum(amount) AS amount FROM billing_recalculation
               WHERE reason = 'penalty_amnesty' GROUP BY period_id, account_id, service_id) wo
        ON wo.period_id = b.period_id AND wo.account_id = b.account_id AND wo.service_id = b.service_id
),
penalty AS (
    SELECT account_id, service_id, sum(penalties) AS accrued FROM scan GROUP BY account_id, service_id
),
line AS (
    SELECT d.account_id, d.service_id, d.debt,
           GREATEST(0, LEAST(d.debt, COALESCE(pe.accrued, 0) - COALESCE(am.written_off, 0))) AS penalties
    FROM debt d
    LEFT JOIN penalty pe ON pe.account_id = d.account_id AND pe.service_id = d.service_id
    LEFT JOIN amnesty am ON am.account_id = d.account_id AND am.service_id = d.service_id
),
walked AS (
    -- the principal debt is the newest charges unpaid: each month takes what the newer months left of it
    SELECT m.account_id, m.service_id, m.month, m.age,
           GREATEST(0, LEAST(m.charge, (l.debt - l.penalties)
               - (SUM(m.charge) OVER w - m.charge))) AS part
    FROM scan m JOIN line l ON l.account_id = m.account_id AND l.service_id = m.service_id
    WINDOW w AS (PARTITION BY m.account_id, m.service_id ORDER BY m.month DESC ROWS UNBOUNDED PRECEDING)
),
aged AS (
    SELECT account_id, service_id,
           sum(part) FILTER (WHERE age = 1) AS a1, sum(part) FILTER (WHERE age = 2) AS a2,
           sum(part) FILTER (WHERE age = 3) AS a3, sum(part) FILTER (WHERE age BETWEEN 4 AND 6) AS a4,
           sum(part) FILTER (WHERE age BETWEEN 7 AND 12) AS a7, sum(part) FILTER (WHERE age > 12) AS a13,
           sum(part) AS placed, min(month) FILTER (WHERE part > 0 AND age <= 12) AS oldest
    FROM walked GROUP BY account_id, service_id
),
persons AS (
    SELECT DISTINCT ON (o.account_id) o.account_id, COALESCE(NULLIF(o.living, 0), o.registered) AS n
    FROM billing_occupancy o
    WHERE o.valid_from <= %(today)s AND (o.valid_to IS NULL OR o.valid_to >= %(today)s)
    ORDER BY o.account_id, o.valid_from DESC
),
norm AS (
    SELECT DISTINCT ON (n.service_id) n.service_id, n.value FROM billing_norm n
    WHERE n.valid_from <= %(today)s AND (n.valid_to IS NULL OR n.valid_to >= %(today)s)
    ORDER BY n.service_id, n.valid_from DESC
),
tariff AS (
    SELECT DISTINCT ON (t.service_id) t.service_id,
           CASE WHEN t.cold_component_rate IS NOT NULL AND t.heat_rate IS NOT NULL AND t.heat_norm IS NOT NULL
                THEN t.cold_component_rate + t.heat_norm * t.heat_rate ELSE t.rate END AS unit_rate
    FROM billing_tariff t
    WHERE t.valid_from <= %(today)s AND (t.valid_to IS NULL OR t.valid_to >= %(today)s)
    ORDER BY t.service_id, t.valid_from DESC
)
INSERT INTO collection_debtorline
    (account_id, service_id, debt, principal_debt, penalties, age_1, age_2, age_3, age_4_6, age_7_12, age_over_12,
     oldest_month, norm_charge, months_of_norm, threshold, restrictable)
SELECT l.account_id, l.service_id, l.debt, l.debt - l.penalties, l.penalties,
       COALESCE(ag.a1, 0), COALESCE(ag.a2, 0), COALESCE(ag.a3, 0), COALESCE(ag.a4, 0), COALESCE(ag.a7, 0),
       COALESCE(ag.a13, 0) + GREATEST(0, l.debt - l.penalties - COALESCE(ag.placed, 0)),
       -- the oldest unpaid month within the register's 12; older (or an imported opening debt): none
       CASE WHEN l.debt - l.penalties - COALESCE(ag.placed, 0) > 0 OR COALESCE(ag.a13, 0) > 0 THEN NULL
            ELSE ag.oldest END,
       nc.charge,
       CASE WHEN nc.charge > 0 THEN ROUND((l.debt - l.penalties) / nc.charge, 2) END,
       COALESCE(nc.charge > 0 AND l.debt - l.penalties > 2 * nc.charge, FALSE),
       s.kind = ANY(%(restrictable)s)
FROM line l
JOIN billing_service s ON s.id = l.service_id
LEFT JOIN aged ag ON ag.account_id = l.account_id AND ag.service_id = l.service_id
JOIN billing_personalaccount a ON a.id = l.account_id
-- norm and tariff by service, persons by account: no join back on (account, service) that a misestimate can turn
-- into a nested loop over every pair of lines
LEFT JOIN norm nm ON nm.service_id = l.service_id AND s.tariff_kind IN ('per_unit', 'two_component_hot_water')
LEFT JOIN tariff tf ON tf.service_id = l.service_id
LEFT JOIN persons pr ON pr.account_id = l.account_id
CROSS JOIN LATERAL (
    SELECT ROUND(nm.value * tf.unit_rate
                 * CASE s.norm_basis WHEN 'area' THEN a.charge_area ELSE COALESCE(pr.n, 0) END, 2) AS charge
) nc
"""

DEBTORS_SQL = """
WITH per_account AS (
    SELECT account_id, sum(amount) AS balance FROM _register_parts GROUP BY account_id HAVING sum(amount) > 0
),
lines AS (
    SELECT account_id, sum(penalties) AS penalties, max(months_of_norm) AS months_of_norm,
           bool_or(threshold AND restrictable) AS threshold,
           -- the oldest unpaid month of the principal debt; none known within 12 months: older than that
           min(COALESCE(oldest_month, '0001-01-01'::date)) FILTER (WHERE principal_debt > 0) AS oldest
    FROM collection_debtorline GROUP BY account_id
),
last_paid AS (
    SELECT DISTINCT ON (r.account_id) r.account_id, r.paid_on, sum(r.amount) OVER (
        PARTITION BY r.account_id, r.paid_on) AS amount
    FROM receipts_receipt r
    WHERE r.amount > 0 AND r.account_id IN (SELECT account_id FROM per_account)
    ORDER BY r.account_id, r.paid_on DESC
),
kept AS (
    SELECT DISTINCT account_id FROM collection_agreement WHERE status = 'active'
)
INSERT INTO collection_debtor
    (account_id, number, payer_name, house_id, address, debt, principal_debt, penalties, months, max_months_of_norm,
     threshold, last_paid_on, last_paid_amount, stage, kept_agreement, stopped, refreshed_at)
SELECT a.id, a.number, a.payer_name, h.id,
       concat_ws(', ', h.city, h.street,
                 'д. ' || h.house_number || COALESCE(NULLIF(' корп. ' || h.building, ' корп. '), ''),
                 CASE pm.kind WHEN 'flat' THEN 'кв. ' ELSE 'пом. ' END || pm.number),
       pa.balance, GREATEST(0, pa.balance - COALESCE(ln.penalties, 0)), LEAST(pa.balance, COALESCE(ln.penalties, 0)),
       CASE WHEN ln.oldest IS NULL THEN 1
            WHEN ln.oldest = '0001-01-01'::date OR %(as_of)s::date IS NULL THEN 13
            ELSE (EXTRACT(YEAR FROM age(%(as_of)s::date, ln.oldest)) * 12
                  + EXTRACT(MONTH FROM age(%(as_of)s::date, ln.oldest)))::int + 1 END,
       ln.months_of_norm, COALESCE(ln.threshold, FALSE) AND kp.account_id IS NULL,
       lp.paid_on, lp.amount,
       COALESCE(ac.stage, 'none'), kp.account_id IS NOT NULL, ac.stopped_at IS NOT NULL, %(now)s
FROM per_account pa
JOIN billing_personalaccount a ON a.id = pa.account_id
JOIN registry_premise pm ON pm.id = a.premise_id
JOIN registry_house h ON h.id = pm.house_id
LEFT JOIN lines ln ON ln.account_id = pa.account_id
LEFT JOIN last_paid lp ON lp.account_id = pa.account_id
LEFT JOIN kept kp ON kp.account_id = pa.account_id
LEFT JOIN collection_accountcollection ac ON ac.account_id = pa.account_id
"""


# amnesty write-offs booked into a period not posted yet: the balance does not hold them, the register does
AMNESTY_PENDING_SQL = (
    "SELECT rc.account_id, rc.service_id, rc.amount FROM billing_recalculation rc "
    "JOIN billing_billingperiod bp ON bp.id = rc.period_id "
    "WHERE rc.reason = 'penalty_amnesty' AND bp.status <> 'posted'"
)


PARTS_SQL = """
DROP TABLE IF EXISTS _register_parts;
CREATE TEMP TABLE _register_parts ON COMMIT DROP AS
SELECT x.account_id, x.service_id, sum(x.amount) AS amount FROM ({parts}) x GROUP BY x.account_id, x.service_id
"""


def _parts() -> str:
    # imported here, not at module level, to keep the SQL text importable by the bench without Django set up
    from tenants.billing.balances import balance_parts_sql

    return f"{balance_parts_sql()} UNION ALL {AMNESTY_PENDING_SQL}"


@transaction.atomic
def register_refresh(*, today: date | None = None) -> tuple[int, int]:
    """Rewrite the current schema's register; (debtor accounts, debt lines). One transaction: all or nothing."""
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(month) FROM billing_billingperiod WHERE status = 'posted'")
        as_of = cursor.fetchone()[0]
        # the balance now per account and service, computed once for both statements and analysed, so the planner
        # sizes the owing lines right (a CTE's estimate was a quarter of them, and it hashed the whole balance
        # table instead of the lines); dropped with the transaction
        # the age walk sorts every posted month of the owing lines: in memory, not in a spill file
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(PARTS_SQL.replace("{parts}", _parts()))
        cursor.execute("ANALYZE _register_parts")
        cursor.execute("DELETE FROM collection_debtor")
        cursor.execute("DELETE FROM collection_debtorline")
        cursor.execute(LINES_SQL, {"today": today, "restrictable": sorted(rules.RESTRICTABLE_KINDS)})
        lines = cursor.rowcount
        cursor.execute(DEBTORS_SQL, {"as_of": as_of, "now": timezone.now()})
        debtors = cursor.rowcount
    return debtors, lines
