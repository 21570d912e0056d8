"""The monthly charge run: every account and service of one principal, in one SQL statement.

Quantities by tariff kind: area (per m²), persons (living, else registered, as on the
period's last day), one premise, or a volume: the meter's consumption (current minus
previous reading, all zones); for a metered service without this month's reading, the
average of up to three earlier metered months; with no history, the norm; with no
working meter, the norm × persons (or area) × the uplift coefficient.

Drainage (водоотведение) without its own meter data is the sum of the premise's cold and hot water volumes
(ПП 354 п.42; формула 4 прил.2), method ``sum``, when at least one of them comes from a meter. The water utility
often does not bill hot water (the heat supplier does, in its own schema, and principals never read each other's
schemas), so each part is taken from what *this* principal knows, in order: its own line of that water (meter,
average or norm), a premise meter of that water it keeps readings of without billing it, the norm of that water,
and, with no norm of that water in its catalogue, the drainage norm less the other water's norm — regional
drainage norms are set as the sum of the cold and hot norms. The uplift coefficient is not carried into drainage.
With no meter behind either part, the drainage line stays norm × persons as before.

Common property (СОИ, коммунальные ресурсы на содержание общего имущества): a service with
``common_property_of`` bills the share of its resource's house volume (ПП 354 п.44; формулы 11 и 15 прил.2) for the
houses described in ``HouseCommonProperty``. With a read collective meter (``Meter(house=…)`` of the resource): its
consumption less the premises' volumes of the resource (this principal's accounts in the house; norm volumes
without the uplift), capped at the СОИ norm × the common area unless the owners' meeting decided to distribute the
excess (``above_norm_decided``), and never below zero (method ``meter``); otherwise the СОИ norm × the common area
(method ``norm``). Each account's share is that volume × its charge area / the area of all premises (the house's
``premises_area``, else the sum of the registry's premises). The house figures are written to
``HouseCommonVolume`` for the ЕПД. A house with no ``HouseCommonProperty`` row gets no СОИ line.

A tariff that changes mid-period is charged by days: Σ(quantity × days × rate) / period_days,
rounded once to kopecks (half up) — exactly ``billing_core.tariffs.charge_amount``, which the
tests use as the oracle. The average is rounded to 3 places (litres), as ``resolve_volume`` does.

Balances (opening from the previous period's closing, charged, recalculated, paid, closing) are
built in the same statement, from the lines as they are inserted; ``paid`` is every receipt dated up to
the period's end not counted by an earlier period, and the statement marks those receipts as counted here
(``Receipt.counted_in``).

A run is one transaction per principal: a crash leaves the previous state, and running
again replaces a draft exactly. A posted period never changes.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from billing_core.periods import month_bounds, require_month_start
from tenants.billing.benefits import benefits_apply
from tenants.billing.models import BillingPeriod, PeriodStatus

CHARGE_SQL = """
WITH
acc_svc AS (
    SELECT asv.account_id, asv.service_id, s.tariff_kind, s.norm_basis, s.kind, s.common_property_of_id,
           a.charge_area
    FROM billing_accountservice asv
    JOIN billing_personalaccount a ON a.id = asv.account_id
    JOIN billing_service s ON s.id = asv.service_id
    WHERE s.is_active
      AND asv.valid_from <= %(end)s AND (asv.valid_to IS NULL OR asv.valid_to >= %(start)s)
      AND a.opened_on <= %(end)s AND (a.closed_on IS NULL OR a.closed_on >= %(start)s)
),
persons AS (
    SELECT DISTINCT ON (o.account_id) o.account_id, COALESCE(NULLIF(o.living, 0), o.registered) AS n
    FROM billing_occupancy o
    WHERE o.valid_from <= %(end)s AND (o.valid_to IS NULL OR o.valid_to >= %(end)s)
    ORDER BY o.account_id, o.valid_from DESC
),
common_service AS (  -- the common-property (СОИ) services and the resource each bills the house share of
    SELECT s.id AS service_id, s.common_property_of_id AS resource_id
    FROM billing_service s WHERE s.common_property_of_id IS NOT NULL AND s.is_active
),
working_meter AS (  -- the premises' meters, and the houses' collective meters of a resource with a СОИ service
    SELECT m.id, m.account_id, CASE WHEN m.account_id IS NULL THEN m.house_id END AS house_id, m.service_id,
           m.digit_capacity
    FROM billing_meter m
    WHERE (m.account_id IS NOT NULL OR m.service_id IN (SELECT resource_id FROM common_service))
      AND m.installed_on <= %(end)s
      AND (m.archived_at IS NULL OR m.archived_at > %(end)s) AND m.verified_until >= %(start)s
),
metered AS (
    -- a reading below the previous one was accepted only as a rollover past the register's capacity
    SELECT wm.account_id, wm.house_id, wm.service_id,
           SUM(CASE WHEN cur.value >= prev.value THEN cur.value - prev.value
                    ELSE cur.value + power(10::numeric, wm.digit_capacity) - prev.value END) AS volume
    FROM working_meter wm
    JOIN billing_reading cur ON cur.meter_id = wm.id AND cur.period = %(start)s
    JOIN LATERAL (
        SELECT p.value FROM billing_reading p
        WHERE p.meter_id = wm.id AND p.zone = cur.zone AND p.period < %(start)s
        ORDER BY p.period DESC LIMIT 1
    ) prev ON TRUE
    GROUP BY wm.account_id, wm.house_id, wm.service_id
),
history AS (
    SELECT c.account_id, c.service_id, ROUND(AVG(c.quantity), 3) AS volume
    FROM billing_charge c
    JOIN billing_billingperiod bp ON bp.id = c.period_id
    WHERE bp.month >= %(history_from)s AND bp.month < %(start)s AND c.method = 'meter'
    GROUP BY c.account_id, c.service_id
),
norm AS (
    SELECT DISTINCT ON (n.service_id) n.service_id, n.value, n.uplift_coefficient
    FROM billing_norm n
    WHERE n.valid_from <= %(end)s AND (n.valid_to IS NULL OR n.valid_to >= %(end)s)
    ORDER BY n.service_id, n.valid_from DESC
),
quantity_own AS (  -- each line by its own service's data
    SELECT
        x.account_id, x.service_id, x.kind, x.common_property_of_id,
        CASE x.norm_basis WHEN 'area' THEN x.charge_area ELSE COALESCE(p.n, 0) END AS basis,
        -- the volume before the uplift coefficient (which raises the charge, not what was consumed)
        CASE WHEN x.tariff_kind NOT IN ('per_area', 'per_person', 'per_premise') THEN COALESCE(
            mt.volume,
            CASE WHEN has_meter.account_id IS NOT NULL THEN h.volume END,
            nm.value * CASE x.norm_basis WHEN 'area' THEN x.charge_area ELSE COALESCE(p.n, 0) END
        ) END AS volume,
        CASE x.tariff_kind
            WHEN 'per_area' THEN x.charge_area
            WHEN 'per_person' THEN COALESCE(p.n, 0)
            WHEN 'per_premise' THEN 1
            ELSE COALESCE(
                mt.volume,
                CASE WHEN has_meter.account_id IS NOT NULL THEN h.volume END,
                nm.value * CASE x.norm_basis WHEN 'area' THEN x.charge_area ELSE COALESCE(p.n, 0) END
                         * CASE WHEN has_meter.account_id IS NULL THEN nm.uplift_coefficient ELSE 1 END
            )
        END AS quantity,
        CASE
            WHEN x.tariff_kind IN ('per_area', 'per_person', 'per_premise') THEN 'fixed'
            WHEN mt.volume IS NOT NULL THEN 'meter'
            WHEN has_meter.account_id IS NOT NULL AND h.volume IS NOT NULL THEN 'average'
            ELSE 'norm'
        END AS method
    FROM acc_svc x
    LEFT JOIN persons p ON p.account_id = x.account_id
    LEFT JOIN metered mt ON mt.account_id = x.account_id AND mt.service_id = x.service_id
    LEFT JOIN (SELECT DISTINCT account_id, service_id FROM working_meter WHERE account_id IS NOT NULL) has_meter
           ON has_meter.account_id = x.account_id AND has_meter.service_id = x.service_id
    LEFT JOIN history h ON h.account_id = x.account_id AND h.service_id = x.service_id
    LEFT JOIN norm nm ON nm.service_id = x.service_id
),
-- Drainage without its own meter data (ПП 354 п.42, формула 4 прил.2): the premise's cold and hot water volumes,
-- each as this principal knows it — its own line of that water (meter, average or norm, without the uplift), else a
-- premise meter of that water kept for reference (readings of a service it does not bill), else the norm of that
-- water; a missing norm is the drainage norm less the other water's norm (regional drainage norms are the sum of
-- the two). Only when at least one part comes from a meter; all by norm stays the drainage norm line.
water_own AS (  -- per account: its own cold and hot water lines' volumes (without the uplift)
    SELECT q.account_id,
           SUM(q.volume) FILTER (WHERE q.kind = 'cold_water') AS cold,
           SUM(q.volume) FILTER (WHERE q.kind = 'hot_water') AS hot,
           bool_or(q.method IN ('meter', 'average')) AS metered
    FROM quantity_own q
    WHERE q.kind IN ('cold_water', 'hot_water') AND q.common_property_of_id IS NULL
    GROUP BY q.account_id
),
water_ref AS (  -- per account: read meters of cold or hot water (billed or kept for reference)
    SELECT mt.account_id,
           SUM(mt.volume) FILTER (WHERE s.kind = 'cold_water') AS cold,
           SUM(mt.volume) FILTER (WHERE s.kind = 'hot_water') AS hot
    FROM metered mt JOIN billing_service s ON s.id = mt.service_id
    WHERE s.kind IN ('cold_water', 'hot_water') AND mt.account_id IS NOT NULL
    GROUP BY mt.account_id
),
kind_norm AS (
    SELECT DISTINCT ON (s.kind) s.kind, nm.value
    FROM norm nm JOIN billing_service s ON s.id = nm.service_id
    WHERE s.kind IN ('cold_water', 'hot_water', 'drainage') AND s.common_property_of_id IS NULL
    ORDER BY s.kind, s.id
),
water_norm AS (
    SELECT COALESCE(c.value, d.value - h.value) AS cold, COALESCE(h.value, d.value - c.value) AS hot
    FROM (SELECT 1) one
    LEFT JOIN kind_norm c ON c.kind = 'cold_water'
    LEFT JOIN kind_norm h ON h.kind = 'hot_water'
    LEFT JOIN kind_norm d ON d.kind = 'drainage'
),
quantity_water AS (
    SELECT q.*,
           CASE WHEN q.kind = 'drainage' AND q.method = 'norm' AND q.common_property_of_id IS NULL
                     AND (wo.metered OR wr.account_id IS NOT NULL)
                THEN COALESCE(wo.cold, wr.cold, wn.cold * q.basis) + COALESCE(wo.hot, wr.hot, wn.hot * q.basis)
           END AS drainage_volume
    FROM quantity_own q
    CROSS JOIN water_norm wn
    LEFT JOIN water_own wo ON q.kind = 'drainage' AND wo.account_id = q.account_id
    LEFT JOIN water_ref wr ON q.kind = 'drainage' AND wr.account_id = q.account_id
),
-- Common property (СОИ; ПП 354 п.44, формулы 11 и 15 прил.2): per house and СОИ service, the collective meter's
-- consumption less the premises' volumes of the resource (this principal's accounts in the house), at most the
-- СОИ norm × the common area unless the owners' meeting decided otherwise, never below zero; without a read
-- collective meter, the norm × the common area. Each premise's share: × its area / the area of all premises.
house_meter AS (
    SELECT mt.house_id, mt.service_id, SUM(mt.volume) AS volume
    FROM metered mt WHERE mt.account_id IS NULL
    GROUP BY mt.house_id, mt.service_id
),
premises_volume AS (
    SELECT pr.house_id, q.service_id, SUM(q.volume) AS volume
    FROM quantity_own q
    JOIN billing_personalaccount a ON a.id = q.account_id
    JOIN registry_premise pr ON pr.id = a.premise_id
    WHERE q.service_id IN (SELECT resource_id FROM common_service)
    GROUP BY pr.house_id, q.service_id
),
house_area AS (
    SELECT pr.house_id, SUM(pr.area) AS area
    FROM registry_premise pr
    WHERE pr.house_id IN (SELECT house_id FROM billing_housecommonproperty)
    GROUP BY pr.house_id
),
common_house AS (
    SELECT hp.house_id, cs.service_id, hm.volume AS collective_volume, pv.volume AS premises_volume,
           nm.value * hp.common_area AS norm_volume, COALESCE(hp.premises_area, ha.area) AS total_area,
           CASE
               WHEN hm.volume IS NULL THEN nm.value * hp.common_area
               WHEN hp.above_norm_decided THEN GREATEST(hm.volume - COALESCE(pv.volume, 0), 0)
               WHEN nm.value IS NULL THEN NULL  -- no norm to cap by (LEAST would ignore the NULL)
               ELSE GREATEST(LEAST(hm.volume - COALESCE(pv.volume, 0), nm.value * hp.common_area), 0)
           END AS volume,
           CASE WHEN hm.volume IS NULL THEN 'norm' ELSE 'meter' END AS method
    FROM billing_housecommonproperty hp
    CROSS JOIN common_service cs
    LEFT JOIN norm nm ON nm.service_id = cs.service_id
    LEFT JOIN house_meter hm ON hm.house_id = hp.house_id AND hm.service_id = cs.resource_id
    LEFT JOIN premises_volume pv ON pv.house_id = hp.house_id AND pv.service_id = cs.resource_id
    LEFT JOIN house_area ha ON ha.house_id = hp.house_id
),
common_recorded AS (
    INSERT INTO billing_housecommonvolume
        (period_id, house_id, service_id, collective_volume, premises_volume, norm_volume, common_volume,
         total_area, method)
    SELECT %(period_id)s, house_id, service_id, ROUND(collective_volume, 4), ROUND(premises_volume, 4),
           ROUND(norm_volume, 4), ROUND(volume, 4), total_area, method
    FROM common_house WHERE volume IS NOT NULL AND total_area > 0
    RETURNING 1
),
common_share AS (
    SELECT q.account_id, q.service_id, ch.volume * a.charge_area / ch.total_area AS volume, ch.method
    FROM quantity_own q
    JOIN billing_personalaccount a ON a.id = q.account_id
    JOIN registry_premise pr ON pr.id = a.premise_id
    JOIN common_house ch ON ch.house_id = pr.house_id AND ch.service_id = q.service_id
    WHERE q.common_property_of_id IS NOT NULL AND ch.total_area > 0
),
quantity AS (
    SELECT q.account_id, q.service_id,
           CASE WHEN q.common_property_of_id IS NOT NULL THEN cs.volume
                ELSE COALESCE(q.drainage_volume, q.quantity) END AS quantity,
           CASE WHEN q.common_property_of_id IS NOT NULL THEN cs.method
                WHEN q.drainage_volume IS NOT NULL THEN 'sum' ELSE q.method END AS method
    FROM quantity_water q
    LEFT JOIN common_share cs ON cs.account_id = q.account_id AND cs.service_id = q.service_id
),
segment AS (
    SELECT t.service_id,
           (LEAST(COALESCE(t.valid_to, %(end)s), %(end)s) - GREATEST(t.valid_from, %(start)s) + 1) AS days,
           GREATEST(t.valid_from, %(start)s) AS seg_start,
           CASE s.tariff_kind
               WHEN 'two_component_hot_water' THEN t.cold_component_rate + t.heat_norm * t.heat_rate
               ELSE t.rate
           END AS rate
    FROM billing_tariff t
    JOIN billing_service s ON s.id = t.service_id
    WHERE t.valid_from <= %(end)s AND (t.valid_to IS NULL OR t.valid_to >= %(start)s)
),
-- Σ(quantity × days × rate) = quantity × Σ(days × rate), exactly (numeric products and sums do not round):
-- one row per service instead of a line per tariff segment regrouped afterwards
service_rate AS (
    SELECT service_id, SUM(days * rate) AS day_rate, (ARRAY_AGG(rate ORDER BY seg_start DESC))[1] AS rate
    FROM segment
    GROUP BY service_id
),
charged AS (
    INSERT INTO billing_charge (period_id, account_id, service_id, quantity, method, rate, amount)
    SELECT %(period_id)s, q.account_id, q.service_id, ROUND(q.quantity, 4), q.method, sr.rate,
           ROUND(q.quantity * sr.day_rate / %(days)s, 2)
    FROM quantity q
    JOIN service_rate sr ON sr.service_id = q.service_id
    WHERE q.quantity IS NOT NULL
    -- in key order, the unique index grows at its right edge instead of splitting pages all over
    ORDER BY q.account_id, q.service_id
    RETURNING account_id, service_id, amount
),
"""

# The balances are built from the lines as they are inserted (RETURNING), not by reading billing_charge again:
# the statement's snapshot could not see them there anyway.
BALANCE_SQL = """
recalculated AS (
    SELECT account_id, service_id, SUM(amount) AS amount
    FROM billing_recalculation WHERE period_id = %(period_id)s
    GROUP BY account_id, service_id
),
previous AS (
    SELECT account_id, service_id, closing FROM billing_balance WHERE period_id = %(previous_id)s
),
-- money received on each account and service: the agent's allocations and the principal's own receipts
-- (tenants/receipts) dated up to the period's end that no earlier period counted, marked as counted here. A
-- receipt of an already posted month (a registry that came late) counts in this period: never lost, never twice.
counted AS (
    UPDATE receipts_receipt SET counted_in_id = %(period_id)s
    WHERE counted_in_id IS NULL AND paid_on <= %(end)s AND service_id IS NOT NULL
    RETURNING account_id, service_id, amount
),
paid AS (
    SELECT account_id, service_id, SUM(amount) AS amount FROM counted GROUP BY account_id, service_id
),
balanced AS (
    INSERT INTO billing_balance
        (period_id, account_id, service_id, opening, charged, recalculated, benefits, penalties, paid, closing)
    SELECT %(period_id)s, account_id, service_id,
           COALESCE(p.closing, 0), COALESCE(c.amount, 0), COALESCE(r.amount, 0), 0, 0, COALESCE(m.amount, 0),
           COALESCE(p.closing, 0) + COALESCE(c.amount, 0) + COALESCE(r.amount, 0) - COALESCE(m.amount, 0)
    FROM charged c
    FULL JOIN recalculated r USING (account_id, service_id)
    FULL JOIN previous p USING (account_id, service_id)
    FULL JOIN paid m USING (account_id, service_id)
    -- a key only the previous period has is carried while its closing is not zero
    WHERE c.amount IS NOT NULL OR r.amount IS NOT NULL OR m.amount IS NOT NULL OR p.closing <> 0
    ORDER BY account_id, service_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM charged), (SELECT count(*) FROM balanced)
"""

RUN_SQL = CHARGE_SQL + BALANCE_SQL


def _months_before(month: date, n: int) -> date:
    for _step in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


@transaction.atomic
def charge_run(*, month: date) -> BillingPeriod:
    """Compute (or recompute) the draft charges of ``month`` in the current principal's schema."""
    require_month_start(month)
    period, _created = BillingPeriod.objects.get_or_create(month=month)
    period = BillingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.status == PeriodStatus.POSTED:
        raise ValidationError(
            {"month": ValidationError(_("Период проведён; исправления — перерасчётом."), code="PERIOD_POSTED")}
        )
    start, end, days = month_bounds(month)
    period.started_at = timezone.now()
    previous = BillingPeriod.objects.filter(month__lt=month).order_by("-month").first()
    with connection.cursor() as cursor:
        # The run's sort and hash fit in memory at 10k accounts a principal; JIT costs more than it saves here
        # (tests/bench/test_charge_run_bench.py).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        # The CTEs the run reads twice (quantity_own) carry no statistics: a filtered scan of one is estimated
        # at a row or two, and a nested loop over two of them is quadratic. Hash joins throughout; the LATERAL
        # previous-reading lookups stay nested loops (they can be nothing else).
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("DELETE FROM billing_balance WHERE period_id = %s", [period.pk])
        cursor.execute("DELETE FROM billing_charge WHERE period_id = %s", [period.pk])
        cursor.execute("DELETE FROM billing_housecommonvolume WHERE period_id = %s", [period.pk])
        # a draft computed again counts its receipts afresh
        cursor.execute("UPDATE receipts_receipt SET counted_in_id = NULL WHERE counted_in_id = %s", [period.pk])
        cursor.execute(
            RUN_SQL,
            {"start": start, "end": end, "days": days, "period_id": period.pk,
             "history_from": _months_before(month, 3), "previous_id": previous.pk if previous else None},
        )
        lines, _balances = cursor.fetchone()
    period.status = PeriodStatus.CALCULATED
    period.charge_lines = lines
    period.error = ""
    period.save()
    # In the same transaction: benefits lower the closing, then penalties on earlier periods' unpaid debt
    # (the debt base excludes penalties), so a rerun of the draft replaces all of it exactly. Penalties read the
    # receipts, which sit above billing: the settings name them (``BILLING_DRAFT_STEPS``) so billing imports neither.
    benefits_apply(period)
    for step in settings.BILLING_DRAFT_STEPS:
        import_string(step)(period)
    period.finished_at = timezone.now()
    period.save(update_fields=["finished_at"])
    return period


@transaction.atomic
def period_post(*, month: date) -> BillingPeriod:
    period = BillingPeriod.objects.select_for_update().get(month=month)
    if period.status != PeriodStatus.CALCULATED:
        raise ValidationError(
            {"month": ValidationError(_("Провести можно только рассчитанный период."), code="PERIOD_NOT_CALCULATED")}
        )
    period.status = PeriodStatus.POSTED
    period.posted_at = timezone.now()
    period.save(update_fields=["status", "posted_at"])
    return period
