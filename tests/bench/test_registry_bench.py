"""A bank registry of BENCH_REGISTRY_ROWS payments, imported and allocated end to end (target: 1,000,000 in 2 min).

Data (not timed): ``scale_data_generate`` accounts over BENCH_REGISTRY_PRINCIPALS principals, one ЕЛС
per premise (``scale_unified_accounts_link``), and one current ЕПД per household written set-based
(Epd and EpdPayee rows, BENCH_REGISTRY_LINES service lines a payee with random totals). The
registry: one payment per household in the sber_standard layout (cp1251), referring to the
household by ЕЛС (70 %), ИПД (15 %), a personal account number (10 %) or nothing known (5 %), paying
the amount due exactly, part of it, or more.

Timed: ``registry_import`` (parse → stage by COPY → match → insert → ledger, one transaction) and
``payments_allocate`` of the day (the set-based split, allocations, receipts in every schema,
ledgers), each statement of the allocation taken apart (``BENCH_REGISTRY_STATEMENTS`` of the slowest
are printed). The test runs in a transaction that is rolled back, so the foreign keys (deferred to the
commit) are checked on their own afterwards (``SET CONSTRAINTS ALL IMMEDIATE``) and printed apart: the
figure a real commit adds. Baseline in the same run: the rows the run wrote (payments, allocations,
receipts) written again by COPY into copies of their tables with the same indexes (no triggers, no
foreign keys), and the ratio of the run to it. Asserted: every row posted, the sums, the
allocation equal to the matched payments, every ledger balanced.

    BENCH_REGISTRY_ROWS=100000 python -m pytest -m bench -s tests/bench/test_registry_bench.py
"""

import os
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from agency.demo.scale import (
    SERVICES,
    scale_data_drop,
    scale_data_generate,
    scale_unified_accounts_drop,
    scale_unified_accounts_link,
)
from agency.payments.allocation.bulk import payments_allocate
from agency.payments.models import Allocation, Payment, RegistryImport
from tenants.ledger.services import trial_balance
from tests.bench._util import assert_test_database, bench, verdict

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

ROWS = int(os.environ.get("BENCH_REGISTRY_ROWS", "100000"))
PRINCIPALS = int(os.environ.get("BENCH_REGISTRY_PRINCIPALS", "10"))
LINES = int(os.environ.get("BENCH_REGISTRY_LINES", "8"))
PREFIX = "bench_reg"
MONTH = date(2026, 6, 1)
DAY = date(2026, 7, 5)
STATEMENTS = int(os.environ.get("BENCH_REGISTRY_STATEMENTS", "8"))
TARGET_S = 120.0 * ROWS / 1_000_000  # 2 minutes for a million, pro rata

_DOCUMENTS = """
INSERT INTO documents_epd (run_id, unified_account_id, month, version, is_current, ipd, payer_name, address, house_id,
                           due_date, total_due, content, content_sha256, pdf_key, pdf_rendered_at, created_at)
SELECT %(run)s, ua.id, %(month)s, 1, TRUE, ua.number || '-0626-01', ua.payer_name, '-', p.house_id, %(due)s, 0,
       '{{}}'::jsonb, repeat('0', 64), '', NULL, now()
FROM registry_unifiedaccount ua JOIN registry_premise p ON p.id = ua.premise_id
WHERE ua.id IN (SELECT unified_account_id FROM {s}.billing_personalaccount WHERE unified_account_id IS NOT NULL)
ON CONFLICT DO NOTHING
"""

_PAYEES = """
INSERT INTO documents_epdpayee (epd_id, principal_id, account_number, amount_due, closing, block)
SELECT e.id, %(principal)s, a.number, l.due, l.due, jsonb_build_object('charged', l.due::text, 'lines', l.lines)
FROM {s}.billing_personalaccount a
JOIN documents_epd e ON e.unified_account_id = a.unified_account_id AND e.run_id = %(run)s
CROSS JOIN LATERAL (
    SELECT sum(v) AS due,
           jsonb_agg(jsonb_build_object('service', c, 'service_code', c, 'charged', v::text, 'total', v::text)
                     ORDER BY i) AS lines
    FROM (SELECT c, i, (mod(abs(hashint8extended(a.id * 16 + i, 7)), 300000) / 100.0)::numeric(14, 2) AS v
          FROM unnest(%(codes)s::text[]) WITH ORDINALITY AS u(c, i)) x
) l
"""

# One payment per household: how it names the household, and how much it pays.
_REGISTRY = """
SELECT e.ipd, ua.number, a.number, e.total_due, ua.id
FROM documents_epd e JOIN registry_unifiedaccount ua ON ua.id = e.unified_account_id
JOIN LATERAL (SELECT account_number AS number FROM documents_epdpayee WHERE epd_id = e.id
              ORDER BY principal_id LIMIT 1) a ON TRUE
WHERE e.run_id = %s ORDER BY e.id LIMIT %s
"""


def _copy_baseline(import_id: int, schemas: list[tuple[int, str]]) -> tuple[float, int]:
    """Seconds to COPY the rows the run wrote into index-bearing copies of their tables; how many rows."""
    quote = connection.ops.quote_name
    sources = [
        ("payments_payment", f"SELECT * FROM payments_payment WHERE registry_import_id = {int(import_id)}"),
        ("payments_allocation", "SELECT a.* FROM payments_allocation a JOIN payments_payment p ON p.id = a.payment_id "
                                f"WHERE p.registry_import_id = {int(import_id)}"),
    ] + [(f"{quote(schema)}.receipts_receipt", f"SELECT * FROM {quote(schema)}.receipts_receipt WHERE paid_on = "
                                               f"'{DAY.isoformat()}'") for _pid, schema in schemas]
    seconds, rows = 0.0, 0
    with connection.cursor() as cursor:
        for n, (table, query) in enumerate(sources):
            data = bytearray()
            with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                for chunk in copy:
                    data += chunk
            cursor.execute(f"CREATE TEMP TABLE bench_copy_{n} (LIKE {table} INCLUDING ALL)")
            start = time.perf_counter()
            with cursor.copy(f"COPY bench_copy_{n} FROM STDIN") as copy:
                copy.write(bytes(data))
            seconds += time.perf_counter() - start
            cursor.execute(f"SELECT count(*) FROM bench_copy_{n}")
            rows += cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE bench_copy_{n}")
    return seconds, rows


def _cleanup() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # the ledgers are append-only otherwise
        try:
            cursor.execute("DELETE FROM payments_allocation WHERE payment_id IN (SELECT id FROM payments_payment "
                           "WHERE source = 'sber_standard' AND paid_on = %s)", [DAY])
            cursor.execute("DELETE FROM payments_payment WHERE source = 'sber_standard' AND paid_on = %s", [DAY])
            cursor.execute("DELETE FROM payments_registryimport WHERE filename = 'bench-registry.txt'")
            cursor.execute("DELETE FROM ledger_ledgerleg")
            cursor.execute("DELETE FROM ledger_ledgertransaction")
            docs = "SELECT id FROM documents_epd WHERE run_id IN (SELECT id FROM documents_epdrun WHERE month = %s)"
            cursor.execute(f"DELETE FROM documents_epdpayee WHERE epd_id IN ({docs})", [MONTH])
            cursor.execute(f"DELETE FROM documents_epd WHERE id IN ({docs})", [MONTH])
            cursor.execute("DELETE FROM documents_epdrun WHERE month = %s", [MONTH])
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    from tenants.models import Principal

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # the ЕЛС go first, and the accounts point at them
        for schema in Principal.objects.filter(schema_name__regex=rf"^{PREFIX}_[0-9]+$").values_list("schema_name",
                                                                                                    flat=True):
            cursor.execute(f"UPDATE {quote(schema)}.billing_personalaccount SET unified_account_id = NULL")
    scale_unified_accounts_drop(prefix=PREFIX)
    scale_data_drop(prefix=PREFIX)


def _documents(schemas: list[tuple[int, str]]) -> int:
    from agency.documents.models import EpdRun

    run = EpdRun.objects.create(month=MONTH)
    codes = [s[0] for s in SERVICES][:LINES]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for principal_id, schema in schemas:
            cursor.execute(_DOCUMENTS.format(s=quote(schema)), {"run": run.pk, "month": MONTH, "due": DAY})
            cursor.execute(_PAYEES.format(s=quote(schema)), {"run": run.pk, "principal": principal_id,
                                                             "codes": codes})
        cursor.execute("UPDATE documents_epd e SET total_due = s.due FROM (SELECT epd_id, sum(amount_due) AS due "
                       "FROM documents_epdpayee GROUP BY epd_id) s WHERE e.id = s.epd_id AND e.run_id = %s", [run.pk])
        cursor.execute("ANALYZE documents_epd")
        cursor.execute("ANALYZE documents_epdpayee")
    return run.pk


def _registry_file(run_id: int) -> tuple[bytes, Decimal, int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_REGISTRY, [run_id, ROWS])
        households = cursor.fetchall()
    lines, total, unknown = [], Decimal("0.00"), 0
    for n, (ipd, els, account, due, ua_id) in enumerate(households):
        pick = (ua_id * 7919) % 100
        ref = els if pick < 70 else ipd if pick < 85 else account if pick < 95 else f"X{n:09d}"
        unknown += pick >= 95
        kind = (ua_id * 104729) % 10
        amount = due if kind < 6 else (due * Decimal("0.37")).quantize(Decimal("0.01")) if kind < 8 else due + 150
        amount = max(amount, Decimal("0.01"))
        total += amount
        lines.append(f"05-07-2026;{n // 3600 % 24:02d}-{n // 60 % 60:02d}-{n % 60:02d};8640;0017;{ref};"
                     f"ПЛАТЕЛЬЩИК;АДРЕС;0626;{str(amount).replace('.', ',')};0,00;B{n:09d}")
    lines.append(f"={len(lines)};{str(total).replace('.', ',')};{str(total).replace('.', ',')};0,00;1;05-07-2026")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251"), total, len(households), unknown


@pytest.fixture(scope="module")
def prepared(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert_test_database()
        _cleanup()
        try:
            start = time.perf_counter()
            report = scale_data_generate(accounts=ROWS, principals=PRINCIPALS, seed=1, month=MONTH, prefix=PREFIX)
            scale_unified_accounts_link(prefix=PREFIX)
            from tenants.models import Principal

            schemas = list(Principal.objects.filter(schema_name__in=[p.schema_name for p in report.principals])
                           .order_by("schema_name").values_list("pk", "schema_name"))
            run_id = _documents(schemas)
            data, total, rows, unknown = _registry_file(run_id)
            bench(f"registry data: {rows} households, {PRINCIPALS} principals, {LINES} lines a payee, "
                  f"{len(data) / 1e6:.1f} MB file in {time.perf_counter() - start:.1f}s")
            yield {"data": data, "total": total, "rows": rows, "unknown": unknown, "schemas": schemas}
        finally:
            if os.environ.get("BENCH_REGISTRY_KEEP") != "1":
                _cleanup()
            connection.set_schema_to_public()


def test_registry_import_and_allocation_end_to_end(prepared, django_db_blocker):
    rows = prepared["rows"]
    with django_db_blocker.unblock():
        timings: dict[str, float] = {}
        start = time.perf_counter()
        from agency.payments.intake import registry_import as intake

        layout = intake.layout_get("sber_standard")
        imp, _ = intake.import_row_ensure(kind="registry", layout=layout.name, filename="bench-registry.txt",
                                          sha256=intake.file_sha256(prepared["data"]))
        imp = intake.registry_import_run(import_id=imp.pk, data=prepared["data"], timings=timings)
        imported = time.perf_counter()
        statements: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - began, " ".join(sql.split())[:100]))

        with connection.execute_wrapper(timed):
            result = payments_allocate(day=DAY, on=DAY)
        done = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what the commit would check
        checked = time.perf_counter()

        total_s = done - start
        for step in ("parse", "stage", "match", "insert", "ledger"):
            bench(f"registry {step}: {timings[step]:.2f}s ({rows / max(timings[step], 1e-9):,.0f} rows/s)")
        bench(f"registry import total: {imported - start:.2f}s ({rows / (imported - start):,.0f} rows/s)")
        bench(f"allocation: {result.payments} payments → {result.allocations} allocations and receipts in "
              f"{result.principals} schemas in {done - imported:.2f}s "
              f"({result.payments / max(done - imported, 1e-9):,.0f} payments/s)")
        for seconds, sql in sorted(statements, reverse=True)[:STATEMENTS]:
            bench(f"allocation statement {seconds:6.2f}s  {sql}")
        bench(f"registry end to end: {rows} payments in {total_s:.2f}s (target {TARGET_S:.0f}s pro rata for "
              f"{rows}) {verdict(total_s, TARGET_S)}")
        bench(f"deferred foreign keys checked at commit: {checked - done:.2f}s; end to end with them "
              f"{checked - start:.2f}s {verdict(checked - start, TARGET_S)}")
        baseline_s, copied = _copy_baseline(imp.pk, prepared["schemas"])
        bench(f"baseline: COPY of the same {copied} rows (payments, allocations, receipts) into indexed copies "
              f"in {baseline_s:.2f}s; end to end = {total_s / baseline_s:.1f}× it "
              f"({(checked - start) / baseline_s:.1f}× with the commit's checks)")

        assert imp.status == "posted" and (imp.rows_posted, imp.amount_posted) == (rows, prepared["total"])
        matched = Payment.objects.filter(registry_import=imp, status="allocated")
        assert result.payments == matched.count() and result.skipped == {}
        assert imp.summary == {"matched": result.payments, "ambiguous": 0, "unmatched": prepared["unknown"],
                               "duplicates": 0}
        assert Allocation.objects.filter(payment__registry_import=imp).count() == result.allocations
        assert sum(trial_balance().values()) == 0
        for _pid, schema in prepared["schemas"]:
            with schema_context(schema):
                assert sum(trial_balance().values()) == 0
        assert RegistryImport.objects.filter(pk=imp.pk, status="posted").exists()
