"""The debtor register at scale: ``register_refresh`` over every principal against a plain aggregate over the same
balances, in the same run. Target (issue 15): 1 000 000 accounts over 100 principals in <= 30 s.

BENCH_REGISTER_PRINCIPALS principals × BENCH_REGISTER_ACCOUNTS accounts each (default 4 × 5 000; the target size is
100 × 10 000), each account with 13 posted months of balances for three services (maintenance and heating by
area, hot water by the two-component tariff with a norm per person — the п.118 threshold's service), receipts of
the last months counted by their periods and some since the last posting, repayment agreements and stages.
Everything is written set-based (``INSERT … SELECT … generate_series``) into schemas copied from the template.

    BENCH_REGISTER_PRINCIPALS=100 BENCH_REGISTER_ACCOUNTS=10000 \
        .venv/bin/pytest -m bench -s tests/bench/test_debtor_register_bench.py
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenants.billing.balances import balance_summary
from tenants.collection.register import register_refresh
from tests.bench._util import assert_test_database, bench, principal_make_light, principals_drop, verdict

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

PRINCIPALS = int(os.environ.get("BENCH_REGISTER_PRINCIPALS", "4"))
ACCOUNTS = int(os.environ.get("BENCH_REGISTER_ACCOUNTS", "5000"))  # per principal
PREFIX = "bench_reg"
FIRST_N = 7000  # requisites' sequence numbers clear of the session's principals and of the other benches
CITY, REGION = "Реестровск", "Бенчмарочная обл."
MONTHS = 13
FIRST = date(2025, 6, 1)  # 13 months: June 2025 … June 2026
TODAY = date(2026, 7, 10)
TARGET_ACCOUNTS, TARGET_SECONDS = 1_000_000, 30.0
FLATS_PER_HOUSE = 100
WORKERS = 2  # schemas refreshed at once in the parallel round (each its own connection), as the charge run bench
# the statements of one refresh: BEGIN, search_path, as_of, work_mem, the balance parts, ANALYZE, two deletes, the
# lines, the debtors, COMMIT
MAX_QUERIES = 11

_CATALOGUE = """
INSERT INTO billing_service (code, kind, name, unit, tariff_kind, norm_basis, sort_order, is_active) VALUES
    ('maint', 'maintenance', 'Содержание', 'м²', 'per_area', '', 1, TRUE),
    ('heat', 'heating', 'Отопление', 'м²', 'per_area', '', 2, TRUE),
    ('hot', 'hot_water', 'Горячее водоснабжение', 'м³', 'two_component_hot_water', 'person', 3, TRUE);
INSERT INTO billing_tariff (service_id, valid_from, valid_to, rate, cold_component_rate, heat_rate, heat_norm)
SELECT id, DATE '2025-01-01', NULL, CASE code WHEN 'maint' THEN 32.50 WHEN 'heat' THEN 52.80 ELSE 0 END,
       CASE code WHEN 'hot' THEN 45.00 END, CASE code WHEN 'hot' THEN 2500.00 END, CASE code WHEN 'hot' THEN 0.06 END
FROM billing_service;
INSERT INTO billing_norm (service_id, valid_from, valid_to, value, uplift_coefficient)
SELECT id, DATE '2025-01-01', NULL, 3.6, 1.5 FROM billing_service WHERE code = 'hot';
INSERT INTO billing_billingperiod (month, status, charge_lines, opening_import, error)
SELECT (DATE '2025-06-01' + make_interval(months => k))::date, 'calculated', 0, FALSE, ''
FROM generate_series(0, 12) k;
"""

# an account's attributes from its number n: area 30–99 m², 1–4 persons, and how it pays (u): 0.00–0.70 in full,
# to 0.90 two thirds, else nothing for its last 1–9 months
_ACCOUNTS_TMP = """
CREATE TEMP TABLE reg_acc ON COMMIT DROP AS
SELECT n, 30 + mod(n * 7, 70) AS area, 1 + mod(n, 4) AS persons,
       (hashint8extended(n, %(salt)s) & 1023)::float8 / 1024 AS u,
       1 + mod(n, 9) AS unpaid_months
FROM generate_series(1, %(count)s) n;
INSERT INTO registry_house (region, city, street, house_number, building, postal_code)
SELECT %(region)s, %(city)s, %(street)s, h::text, '', '150000' FROM generate_series(1, %(houses)s) h;
INSERT INTO registry_premise (house_id, number, kind, area)
SELECT h.id, (mod(t.n - 1, %(per_house)s) + 1)::text, 'flat', t.area FROM reg_acc t
JOIN registry_house h ON h.region = %(region)s AND h.city = %(city)s AND h.street = %(street)s
                     AND h.house_number = ((t.n - 1) / %(per_house)s + 1)::text AND h.building = '';
INSERT INTO billing_personalaccount
    (number, premise_id, unified_account_id, payer_name, ownership_share, charge_area, opened_on, closed_on, phone,
     email)
SELECT %(number_prefix)s || lpad(t.n::text, 7, '0'), p.id, NULL, 'Плательщик ' || t.n, 1, t.area, DATE '2020-01-01',
       NULL, '', ''
FROM reg_acc t
JOIN registry_house h ON h.region = %(region)s AND h.city = %(city)s AND h.street = %(street)s
                     AND h.house_number = ((t.n - 1) / %(per_house)s + 1)::text AND h.building = ''
JOIN registry_premise p ON p.house_id = h.id AND p.number = (mod(t.n - 1, %(per_house)s) + 1)::text;
ALTER TABLE reg_acc ADD COLUMN account_id bigint;
UPDATE reg_acc t SET account_id = a.id FROM billing_personalaccount a
WHERE a.number = %(number_prefix)s || lpad(t.n::text, 7, '0');
INSERT INTO billing_occupancy (account_id, valid_from, valid_to, registered, living)
SELECT account_id, DATE '2020-01-01', NULL, persons, persons FROM reg_acc;
ANALYZE reg_acc;
"""

# 13 months × 3 services per account; closing = the running sum of (charged + penalties − paid), opening the one before
_BALANCES = """
WITH rows AS (
    SELECT t.account_id, s.id AS service_id, p.id AS period_id, k,
           CASE s.code WHEN 'maint' THEN round(t.area * 32.50, 2) WHEN 'heat' THEN round(t.area * 52.80, 2)
                ELSE round(t.persons * 3.6 * 195.00 * (0.6 + mod(t.n + k, 5) * 0.1), 2) END AS charged,
           t.u, t.unpaid_months
    FROM reg_acc t CROSS JOIN billing_service s
    CROSS JOIN generate_series(0, 12) k
    JOIN billing_billingperiod p ON p.month = (DATE '2025-06-01' + make_interval(months => k))::date
),
flows AS (
    SELECT *, CASE WHEN u < 0.70 THEN charged
                   WHEN u < 0.90 THEN round(charged * 2 / 3, 2)
                   WHEN k > 12 - unpaid_months THEN 0 ELSE charged END AS paid,
              CASE WHEN u >= 0.70 AND k > 0 THEN round(charged * 0.01 * LEAST(k, 12 - unpaid_months + 1), 2)
                   ELSE 0 END AS penalties
    FROM rows
),
running AS (
    SELECT *, sum(charged + penalties - paid) OVER (PARTITION BY account_id, service_id ORDER BY k) AS closing
    FROM flows
)
INSERT INTO billing_balance
    (period_id, account_id, service_id, opening, charged, recalculated, benefits, penalties, paid, closing)
SELECT period_id, account_id, service_id, closing - (charged + penalties - paid), charged, 0, 0, penalties, paid,
       closing
FROM running
ORDER BY period_id, account_id, service_id
"""

# receipts counted by the last three periods (what they paid), one receipt since the last posting for every fifth
# account, agreements on a fiftieth of the accounts, a stage on a tenth
_RECEIPTS_AND_WORK = """
INSERT INTO receipts_receipt (account_id, service_id, amount, paid_on, source, external_key, comment, counted_in_id,
                              created_at)
SELECT b.account_id, b.service_id, b.paid, p.month + 14, 'own', 'k-' || b.id, '', p.id, now()
FROM billing_balance b JOIN billing_billingperiod p ON p.id = b.period_id
WHERE b.paid > 0 AND p.month >= DATE '2026-04-01';
INSERT INTO receipts_receipt (account_id, service_id, amount, paid_on, source, external_key, comment, counted_in_id,
                              created_at)
SELECT t.account_id, s.id, 500.00, DATE '2026-07-05', 'own', 'new-' || t.n || '-' || s.id, '', NULL, now()
FROM reg_acc t JOIN billing_service s ON s.code = 'heat' WHERE mod(t.n, 5) = 0;
INSERT INTO collection_agreement (account_id, number, status, total, parts, first_due, signed_on,
    requested_by_resident, resident_note, paid, shortfall, decline_reason, created_at)
SELECT account_id, 'СГ-' || n, 'active', 10000.00, 6, DATE '2026-06-25', DATE '2026-06-01', FALSE, '', 0, 0, '',
       now()
FROM reg_acc WHERE mod(n, 50) = 0;
INSERT INTO collection_accountcollection (account_id, stage, stage_since, stopped_at, stopped_reason, updated_at)
SELECT account_id, CASE WHEN mod(n, 50) = 0 THEN 'agreement' ELSE 'warned' END, DATE '2026-06-01', NULL, '', now()
FROM reg_acc WHERE mod(n, 10) = 0;
UPDATE billing_billingperiod SET status = 'posted', posted_at = now(), finished_at = now();
"""

_ANALYZE = ("billing_balance", "billing_billingperiod", "billing_personalaccount", "billing_service", "billing_tariff",
            "billing_norm", "billing_occupancy", "receipts_receipt", "collection_agreement",
            "collection_accountcollection", "registry_house", "registry_premise")

BASELINE = "SELECT account_id, sum(closing) FROM billing_balance GROUP BY account_id"


def _street(schema: str) -> str:
    return f"ул. Реестровая ({schema})"


def _generate(schema: str, index: int) -> None:
    params = {"count": ACCOUNTS, "salt": 15, "region": REGION, "city": CITY, "street": _street(schema),
              "houses": -(-ACCOUNTS // FLATS_PER_HOUSE), "per_house": FLATS_PER_HOUSE,
              "number_prefix": f"{index:03d}-"}
    with schema_context(schema), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CATALOGUE)
        cursor.execute(_ACCOUNTS_TMP, params)
        cursor.execute(_BALANCES)
        cursor.execute(_RECEIPTS_AND_WORK)
    with schema_context(schema), connection.cursor() as cursor:
        for table in _ANALYZE:
            cursor.execute(f"ANALYZE {table}")
    connection.set_schema_to_public()


def _drop(principals) -> None:
    principals_drop(principals)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_premise WHERE house_id IN "
                       "(SELECT id FROM registry_house WHERE region = %s AND city = %s)", [REGION, CITY])
        cursor.execute("DELETE FROM registry_house WHERE region = %s AND city = %s", [REGION, CITY])


def _baseline(schemas: list[str]) -> tuple[float, int]:
    rows = 0
    start = time.perf_counter()
    for schema in schemas:
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute(BASELINE)
            rows += len(cursor.fetchall())
    seconds = time.perf_counter() - start
    connection.set_schema_to_public()
    return seconds, rows


def _refresh_all(schemas: list[str]) -> tuple[float, int, int, int]:
    debtors = lines = most_queries = 0
    start = time.perf_counter()
    for schema in schemas:
        with schema_context(schema), CaptureQueriesContext(connection) as queries:
            d, n = register_refresh(today=TODAY)
        if os.environ.get("BENCH_REGISTER_EXPLAIN") and schema == schemas[0]:
            bench("queries of one refresh: " + " | ".join(q["sql"][:60] for q in queries))
        debtors, lines, most_queries = debtors + d, lines + n, max(most_queries, len(queries))
    seconds = time.perf_counter() - start
    connection.set_schema_to_public()
    return seconds, debtors, lines, most_queries


def _explain(schema: str) -> None:
    """EXPLAIN ANALYZE of the refresh's two statements in one schema (BENCH_REGISTER_EXPLAIN=1), rolled back."""
    from billing_core import collection as rules
    from tenants.collection import register

    parts = register._parts()
    statements = (("lines", register.LINES_SQL, {"today": TODAY, "restrictable": sorted(rules.RESTRICTABLE_KINDS)}),
                  ("debtors", register.DEBTORS_SQL, {"as_of": date(2026, 6, 1), "now": TODAY}))
    with schema_context(schema), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(register.PARTS_SQL.replace("{parts}", parts))
        cursor.execute("ANALYZE _register_parts")
        cursor.execute("DELETE FROM collection_debtor")
        cursor.execute("DELETE FROM collection_debtorline")
        for name, sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("{parts}", parts), params)
            bench(f"EXPLAIN {name} in {schema}:\n" + "\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)
    connection.set_schema_to_public()


def _refresh_one(schema: str) -> int:
    try:
        with schema_context(schema):
            return register_refresh(today=TODAY)[0]
    finally:
        connection.close()


def _refresh_parallel(schemas: list[str]) -> tuple[float, int]:
    """Each principal's register is its own: ``WORKERS`` schemas refreshed at once."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        debtors = sum(pool.map(_refresh_one, schemas))
    return time.perf_counter() - start, debtors


def _check(schema: str) -> dict:
    """The register against the balance module's own summary and its own invariants, in one schema."""
    with schema_context(schema), connection.cursor() as cursor:
        summary = balance_summary()
        cursor.execute("SELECT count(*), COALESCE(sum(debt), 0) FROM collection_debtor")
        debtors, debt = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FILTER (WHERE age_1 + age_2 + age_3 + age_4_6 + age_7_12 + age_over_12 "
            "<> principal_debt), count(*) FILTER (WHERE threshold AND restrictable), "
            "count(*) FILTER (WHERE norm_charge IS NOT NULL) FROM collection_debtorline")
        unbalanced_ages, over_threshold, normed = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM collection_debtor WHERE kept_agreement AND threshold")
        kept_over = cursor.fetchone()[0]
    connection.set_schema_to_public()
    return {"debtors": (debtors, summary.debtors_count), "debt": (debt, summary.debt_total),
            "unbalanced_ages": unbalanced_ages, "over_threshold": over_threshold, "normed": normed,
            "kept_over": kept_over}


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    principals = []
    try:
        with django_db_blocker.unblock():
            assert_test_database()
            start = time.perf_counter()
            for n in range(FIRST_N + 1, FIRST_N + PRINCIPALS + 1):
                principals.append(principal_make_light(n, PREFIX))
                _generate(principals[-1].schema_name, n)
            schemas = [p.schema_name for p in principals]
            total = PRINCIPALS * ACCOUNTS
            bench(f"register data: {PRINCIPALS} principals × {ACCOUNTS} accounts = {total} accounts, "
                  f"{total * 3 * MONTHS:,} balance rows, generated in {time.perf_counter() - start:.1f}s")
            _baseline(schemas)  # warm the same pages both will read
            register_s, debtors, lines, most_queries = _refresh_all(schemas)
            baseline_s, baseline_rows = _baseline(schemas)
            parallel_s, parallel_debtors = _refresh_parallel(schemas)
            projected = register_s * TARGET_ACCOUNTS / total
            projected_parallel = parallel_s * TARGET_ACCOUNTS / total
            bench(f"register_refresh over {PRINCIPALS} schemas: {debtors:,} debtors, {lines:,} lines in "
                  f"{register_s:.2f}s ({total / register_s:,.0f} accounts/s, at most {most_queries} queries a schema)")
            bench(f"baseline `{BASELINE}` over the same schemas: {baseline_rows:,} rows in {baseline_s:.2f}s")
            bench(f"ratio register / baseline: {register_s / baseline_s:.2f}")
            bench(f"register_refresh parallel x{WORKERS}: {parallel_debtors:,} debtors in {parallel_s:.2f}s "
                  f"(ratio to the sequential baseline {parallel_s / baseline_s:.2f})")
            bench(f"projected for {TARGET_ACCOUNTS:,} accounts: sequential {projected:.1f}s, parallel x{WORKERS} "
                  f"{projected_parallel:.1f}s (target <= {TARGET_SECONDS:.0f}s: sequential "
                  f"{verdict(projected, TARGET_SECONDS)}, parallel {verdict(projected_parallel, TARGET_SECONDS)})")
            if os.environ.get("BENCH_REGISTER_EXPLAIN"):
                _explain(schemas[0])
            checks = _check(schemas[0])
            bench(f"register check in {schemas[0]}: {checks}")
        yield {"debtors": debtors, "parallel_debtors": parallel_debtors, "lines": lines,
               "baseline_rows": baseline_rows, "queries": most_queries,
               "checks": checks, "accounts": total}
    finally:
        with django_db_blocker.unblock():
            _drop(principals)


def test_debtor_register_at_scale(measured):
    checks = measured["checks"]
    # every account is in the baseline; the register holds the ones owing now, as the balance module counts them
    assert measured["baseline_rows"] == measured["accounts"]
    assert checks["debtors"][0] == checks["debtors"][1] > 0
    assert checks["debt"][0] == checks["debt"][1]
    assert 0 < measured["debtors"] < measured["accounts"] and measured["lines"] >= measured["debtors"]
    assert measured["parallel_debtors"] == measured["debtors"]  # a second refresh rewrites the same register
    # the age buckets place the whole principal debt; hot water carries a norm charge, and some lines pass п.118
    assert checks["unbalanced_ages"] == 0 and checks["normed"] > 0 and checks["over_threshold"] > 0
    # a kept agreement suspends the п.118 threshold
    assert checks["kept_over"] == 0
    # a fixed number of statements a schema, whatever its size
    assert measured["queries"] <= MAX_QUERIES
