"""The charge run at scale: BENCH_ACCOUNTS accounts × 8 services over BENCH_PRINCIPALS principals.

Generation (timed on its own), then the charge run of every principal sequentially and with two
parallel workers (threads, each with its own connection), against PostgreSQL's own COPY of the
same number of rows into tables shaped like billing_charge. Asserts correctness, prints figures.

    BENCH_ACCOUNTS=100000 BENCH_PRINCIPALS=10 python -m pytest -m bench -s tests/bench/test_charge_run_bench.py
"""

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from agency.demo.scale import scale_data_drop, scale_data_generate
from billing_core import house_volumes
from billing_core import tariffs as reference
from tenants.billing.charge_run import charge_run
from tests.bench._util import assert_test_database, bench

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "1000000"))
PRINCIPALS = int(os.environ.get("BENCH_PRINCIPALS", "100"))
PREFIX = "bench_scale"
MONTH, MONTH_END = date(2026, 6, 1), date(2026, 6, 30)
TARGET_LINES_PER_S = 200_000
WORKERS = 2
COLUMNS = "period_id, account_id, service_id, quantity, method, rate, amount"


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """All timed work runs here, unblocked and outside any test transaction (the runs commit)."""
    try:
        with django_db_blocker.unblock():
            assert_test_database()
            start = time.perf_counter()
            report = scale_data_generate(accounts=ACCOUNTS, principals=PRINCIPALS, seed=1, month=MONTH,
                                         prefix=PREFIX)
            elapsed = time.perf_counter() - start
            rows = sum(report.rows.values())
            bench(f"scale generate accounts={ACCOUNTS} principals={PRINCIPALS}: {rows} rows in {elapsed:.1f}s "
                  f"({rows / elapsed:,.0f} rows/s, incl. {report.created} principal clones)")
            connection.set_schema_to_public()
            results = _measure([p.schema_name for p in report.principals])
        yield results
    finally:
        with django_db_blocker.unblock():
            scale_data_drop(prefix=PREFIX)
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE")
            connection.set_schema_to_public()


def _run_one(schema: str) -> int:
    with schema_context(schema):
        return charge_run(month=MONTH).charge_lines


def _run_in_thread(schema: str) -> int:
    try:
        return _run_one(schema)
    finally:
        connection.close()


def _reset(schemas: list[str]) -> None:
    """Back to no charges, so every measured run writes into empty tables."""
    for schema in schemas:
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute("TRUNCATE billing_balance, billing_charge, billing_billingperiod CASCADE")
    connection.set_schema_to_public()


def _count_lines(schemas: list[str], table: str = "billing_charge") -> int:
    total = 0
    for schema in schemas:
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
            total += cursor.fetchone()[0]
    connection.set_schema_to_public()
    return total


def _copy_rate(schemas: list[str]) -> tuple[int, float]:
    """PostgreSQL's COPY FROM STDIN of each principal's charge rows into a fresh table of the same shape."""
    rows, seconds = 0, 0.0
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE")
        cursor.execute("CREATE SCHEMA bench_copy")
    raw = connection.connection  # psycopg 3, autocommit outside atomic blocks: each COPY commits
    for i, schema in enumerate(schemas):
        quoted = connection.ops.quote_name(schema)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE bench_copy.c_{i} (LIKE {quoted}.billing_charge INCLUDING ALL)")
        buffer = io.BytesIO()
        with raw.cursor() as cur:
            with cur.copy(f"COPY (SELECT {COLUMNS} FROM {quoted}.billing_charge) TO STDOUT") as copy:
                for data in copy:
                    buffer.write(data)
            start = time.perf_counter()
            with cur.copy(f"COPY bench_copy.c_{i} ({COLUMNS}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            rows += cur.rowcount
            seconds += time.perf_counter() - start
    return rows, seconds


def _recompute(schema: str, account_ids: list[int]) -> dict:
    """The charges of a few accounts from the raw rows, by billing_core.tariffs (no SQL arithmetic)."""
    from tenants.billing.models import Meter, Norm, Occupancy, PersonalAccount, Reading, Service, Tariff

    expected = {}
    with schema_context(schema):
        services = {s.pk: s for s in Service.objects.all()}
        tariffs = {}
        for t in Tariff.objects.all():
            kind = services[t.service_id].tariff_kind
            if kind == "two_component_hot_water":
                ref = reference.Tariff(kind=kind, valid_from=t.valid_from, valid_to=t.valid_to,
                                       cold_water_rate=t.cold_component_rate, heat_rate=t.heat_rate,
                                       heat_norm=t.heat_norm)
            else:
                ref = reference.Tariff(kind=kind, valid_from=t.valid_from, valid_to=t.valid_to, rate=t.rate)
            tariffs.setdefault(t.service_id, []).append(ref)
        norms = {n.service_id: n for n in Norm.objects.all()}
        for account in PersonalAccount.objects.filter(pk__in=account_ids):
            occupancy = Occupancy.objects.get(account=account)
            persons = occupancy.living or occupancy.registered
            meters = {m.service_id: m for m in Meter.objects.filter(account=account)}
            water = {}  # kind → (volume without the uplift, method), for drainage (ПП 354 п.42)
            # drainage last: its volume is the sum of the cold and hot water volumes when one is by a meter
            for service in sorted(services.values(), key=lambda s: s.kind == "drainage"):
                uplift, method = Decimal(1), "fixed"
                volume = None
                if service.tariff_kind in ("per_unit", "two_component_hot_water"):
                    meter = meters.get(service.pk)
                    readings = {r.period: r.value for r in Reading.objects.filter(meter=meter)} if meter else {}
                    previous = readings.get(date(2026, 5, 1))
                    norm = norms[service.pk]
                    volume, method = reference.resolve_volume(
                        current_reading=readings.get(MONTH), previous_reading=previous, history_volumes=[],
                        norm_volume=reference.norm_volume(norm=norm.value, persons=persons),
                    )
                    if meter is None:
                        uplift = norm.uplift_coefficient
                    water[service.kind] = (volume, method)
                    if service.kind == "drainage" and any(
                            str(water.get(k, (None, None))[1]) == "meter" for k in ("cold_water", "hot_water")):
                        by_kind = {s.kind: norms[s.pk].value for s in services.values() if s.pk in norms}
                        volume, method = house_volumes.drainage_volume(
                            cold=water["cold_water"][0], hot=water["hot_water"][0],
                            cold_norm=by_kind["cold_water"], hot_norm=by_kind["hot_water"], basis=persons,
                        ), "sum"
                result = reference.charge_amount(
                    tariffs=tariffs[service.pk], period_start=MONTH, period_end=MONTH_END, volume=volume,
                    area=account.charge_area, persons=persons, uplift_coefficient=uplift,
                )
                quantity = (result.quantity * uplift).quantize(Decimal("0.0001"))
                expected[(account.pk, service.code)] = (quantity, str(method), result.total)
    return expected


def _measure(schemas: list[str]) -> dict:
    expected_lines = ACCOUNTS * 8

    start = time.perf_counter()
    lines = sum(_run_one(s) for s in schemas)
    sequential = time.perf_counter() - start
    connection.set_schema_to_public()
    assert lines == expected_lines == _count_lines(schemas)
    seq_rate = lines / sequential
    bench(f"charge run sequential: {len(schemas)} principals, {lines} lines in {sequential:.2f}s = "
          f"{seq_rate:,.0f} lines/s (target >= {TARGET_LINES_PER_S:,}: "
          f"{'PASS' if seq_rate >= TARGET_LINES_PER_S else 'MISS'})")

    # correctness: a sample of accounts with a meter read, a meter not read, and no meter
    sample_schema = schemas[0]
    with schema_context(sample_schema), connection.cursor() as cursor:
        cursor.execute(
            "(SELECT account_id FROM billing_charge WHERE method = 'meter' ORDER BY account_id LIMIT 2) UNION "
            "(SELECT account_id FROM billing_charge WHERE method = 'norm' AND service_id IN "
            " (SELECT service_id FROM billing_meter) ORDER BY account_id LIMIT 2) UNION "
            "(SELECT a.id FROM billing_personalaccount a WHERE NOT EXISTS "
            " (SELECT 1 FROM billing_meter m WHERE m.account_id = a.id) ORDER BY a.id LIMIT 2)"
        )
        sample = sorted(r[0] for r in cursor.fetchall())
        cursor.execute(
            "SELECT c.account_id, s.code, c.quantity, c.method, c.amount FROM billing_charge c "
            "JOIN billing_service s ON s.id = c.service_id WHERE c.account_id = ANY(%s)", [sample]
        )
        actual = {(a, code): (q, m, amt) for a, code, q, m, amt in cursor.fetchall()}
    connection.set_schema_to_public()
    expected = _recompute(sample_schema, sample)
    assert len(sample) >= 4 and len(actual) == len(sample) * 8
    assert actual == expected
    methods = {v[1] for v in actual.values()}
    assert {"fixed", "meter", "norm"} <= methods
    bench(f"charge run sample check: {len(actual)} lines of {len(sample)} accounts in {sample_schema} "
          f"equal billing_core.tariffs (methods {sorted(methods)})")

    _reset(schemas)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        lines = sum(pool.map(_run_in_thread, schemas))
    parallel = time.perf_counter() - start
    assert lines == expected_lines == _count_lines(schemas)
    par_rate = lines / parallel
    bench(f"charge run parallel x{WORKERS}: {len(schemas)} principals, {lines} lines in {parallel:.2f}s = "
          f"{par_rate:,.0f} lines/s (target >= {TARGET_LINES_PER_S:,}: "
          f"{'PASS' if par_rate >= TARGET_LINES_PER_S else 'MISS'})")

    assert _count_lines(schemas, "billing_balance") == expected_lines  # no previous period: a balance a line

    # a rerun replaces every draft: the old lines are deleted, the new ones inserted next to their dead tuples
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        lines = sum(pool.map(_run_in_thread, schemas))
    rerun = time.perf_counter() - start
    assert lines == expected_lines == _count_lines(schemas)
    bench(f"charge rerun of every draft, parallel x{WORKERS}: {lines} lines in {rerun:.2f}s = "
          f"{lines / rerun:,.0f} lines/s")

    copied, copy_seconds = _copy_rate(schemas)
    assert copied == expected_lines
    copy_rate = copied / copy_seconds
    bench(f"COPY FROM STDIN of the same rows into billing_charge-shaped tables (same indexes, no triggers): "
          f"{copied} rows in {copy_seconds:.2f}s = {copy_rate:,.0f} rows/s")
    bench(f"ratio charge-run-rate / COPY-rate: sequential {seq_rate / copy_rate:.3f}, "
          f"parallel x{WORKERS} {par_rate / copy_rate:.3f} (the run also writes as many balance rows)")
    connection.set_schema_to_public()
    return {"lines": lines, "expected_lines": expected_lines, "copied": copied, "sample": actual == expected}


def test_charge_run_at_scale(measured):
    assert measured["lines"] == measured["expected_lines"] == ACCOUNTS * 8 == measured["copied"]
    assert measured["sample"]
