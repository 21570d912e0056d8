"""ЕПД assembly at scale: BENCH_EPD_ACCOUNTS accounts over BENCH_EPD_PRINCIPALS principals.

Data: ``scale_data_generate`` (8 services an account), one ЕЛС per premise
(``scale_unified_accounts_link``; BENCH_EPD_SPREAD=k makes one household span k principals),
then every principal's charge run and posting. Timed on its own: the assembly, i.e. gathering
every principal's blocks (BENCH_EPD_WORKERS threads, each with its own connection, as parallel
Celery workers would) and writing the documents. Target: 1,000,000 documents over 100 principals
in 5 minutes. A second run of the same month must write nothing. Asserts the documents' totals
against billing_balance for a sample of households.

    BENCH_EPD_ACCOUNTS=100000 BENCH_EPD_PRINCIPALS=10 \
        python -m pytest -m bench -s tests/bench/test_epd_assembly_bench.py
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from agency.demo.scale import (
    scale_data_drop,
    scale_data_generate,
    scale_unified_accounts_drop,
    scale_unified_accounts_link,
)
from agency.documents import assembly
from agency.documents.models import Epd, EpdRun, RunIssue
from tenants.billing.charge_run import charge_run, period_post
from tenants.models import Principal
from tests.bench._util import assert_test_database, bench, verdict

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

ACCOUNTS = int(os.environ.get("BENCH_EPD_ACCOUNTS", "1000000"))
PRINCIPALS = int(os.environ.get("BENCH_EPD_PRINCIPALS", "100"))
SPREAD = int(os.environ.get("BENCH_EPD_SPREAD", "1"))
WORKERS = int(os.environ.get("BENCH_EPD_WORKERS", "2"))
RERUN = os.environ.get("BENCH_EPD_RERUN", "1") == "1"
PREFIX = "bench_epd"
MONTH = date(2026, 6, 1)
TARGET_S = 300.0


def _cleanup() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM documents_epdstaging")
        cursor.execute("DELETE FROM documents_epdgathered")
        runs = "SELECT id FROM documents_epdrun WHERE month = %s"
        docs = f"SELECT id FROM documents_epd WHERE run_id IN ({runs})"
        cursor.execute(f"DELETE FROM documents_epdpayee WHERE epd_id IN ({docs})", [MONTH])
        cursor.execute(f"DELETE FROM documents_epddelivery WHERE epd_id IN ({docs})", [MONTH])
        cursor.execute(f"DELETE FROM documents_epd WHERE run_id IN ({runs})", [MONTH])
        cursor.execute(f"DELETE FROM documents_runissue WHERE run_id IN ({runs})", [MONTH])
        cursor.execute(f"DELETE FROM documents_epdassemblyslice WHERE run_id IN ({runs})", [MONTH])
        cursor.execute("DELETE FROM documents_epdrun WHERE month = %s", [MONTH])
    for principal in Principal.objects.filter(schema_name__regex=rf"^{PREFIX}_[0-9]+$"):
        principal.delete(force_drop=True)  # first: their accounts point at the ЕЛС
    connection.set_schema_to_public()
    scale_unified_accounts_drop(prefix=PREFIX)
    scale_data_drop(prefix=PREFIX)


def _gather(run_id: int, principal_id: int) -> int:
    try:
        run = EpdRun.objects.get(pk=run_id)
        return assembly.gather_principal(run=run, principal=Principal.objects.get(pk=principal_id)).blocks
    finally:
        connection.close()


def _assemble_slice(run_id: int, index: int) -> int:
    try:
        return assembly.assemble_slice(run=EpdRun.objects.get(pk=run_id), index=index).chunks
    finally:
        connection.close()


def _timed_run(principals: list[Principal]) -> dict:
    """What the Celery tasks do, with WORKERS threads standing in for WORKERS workers."""
    run = EpdRun.objects.create(month=MONTH)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        blocks = sum(pool.map(lambda p: _gather(run.pk, p.pk), principals))
    gathered = time.perf_counter()
    slices = assembly.slices_plan(run=run, slices=WORKERS)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(lambda piece: _assemble_slice(run.pk, piece.index), slices))
    result = assembly.assembly_finish(run=run)
    done = time.perf_counter()
    assembly.staging_drop(run=run)
    return {"run": run, "blocks": blocks, "gather_s": gathered - start, "assemble_s": done - gathered,
            "total_s": done - start, "result": result}


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    try:
        with django_db_blocker.unblock():
            assert_test_database()
            _cleanup()
            start = time.perf_counter()
            report = scale_data_generate(accounts=ACCOUNTS, principals=PRINCIPALS, seed=1, month=MONTH, prefix=PREFIX)
            linked = scale_unified_accounts_link(prefix=PREFIX, principals_per_household=SPREAD)
            bench(f"epd data: {ACCOUNTS} accounts, {PRINCIPALS} principals, {linked} linked to an ЕЛС "
                  f"in {time.perf_counter() - start:.1f}s")
            schemas = [p.schema_name for p in report.principals]
            start = time.perf_counter()
            for schema in schemas:
                with schema_context(schema):
                    charge_run(month=MONTH)
                    period_post(month=MONTH)
            connection.set_schema_to_public()
            bench(f"epd data: charge runs and posting in {time.perf_counter() - start:.1f}s")
            principals = list(Principal.objects.filter(schema_name__in=schemas).order_by("schema_name"))
            first = _timed_run(principals)
            second = _timed_run(principals) if RERUN else None
            sample = list(Epd.objects.filter(month=MONTH, is_current=True).order_by("?")
                          .values_list("unified_account_id", "content")[:20])
            expected = _expected_totals([ua for ua, _content in sample], schemas)
            yield {"first": first, "second": second, "sample": sample, "expected": expected,
                   "households": _households()}
    finally:
        with django_db_blocker.unblock():
            if os.environ.get("BENCH_EPD_KEEP") != "1":  # keep the data to look at plans (with --reuse-db)
                _cleanup()
            connection.set_schema_to_public()


def _households() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_unifiedaccount WHERE number LIKE '9%%'")
        return cursor.fetchone()[0]


def _expected_totals(unified_ids: list[int], schemas: list[str]) -> dict[int, dict[str, Decimal]]:
    """Σ billing_balance per ЕЛС over every principal's schema, read here without the assembly's SQL."""
    totals: dict[int, dict[str, Decimal]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for schema in schemas:
            s = quote(schema)
            cursor.execute(
                f"SELECT a.unified_account_id, a.id, SUM(b.opening), SUM(b.charged), SUM(b.closing) "
                f"FROM {s}.billing_balance b JOIN {s}.billing_personalaccount a ON a.id = b.account_id "
                f"JOIN {s}.billing_billingperiod p ON p.id = b.period_id "
                "WHERE p.month = %s AND a.unified_account_id = ANY(%s) GROUP BY 1, 2",
                [MONTH, unified_ids],
            )
            for ua, _account, opening, charged, closing in cursor.fetchall():
                t = totals.setdefault(ua, {"opening": Decimal(0), "charged": Decimal(0), "closing": Decimal(0),
                                           "amount_due": Decimal(0), "payees": 0})
                t["opening"] += opening
                t["charged"] += charged
                t["closing"] += closing
                t["amount_due"] += max(closing, Decimal(0))
                t["payees"] += 1
    return totals


def test_epd_assembly_at_scale(measured):
    first = measured["first"]
    result = first["result"]
    docs = result.documents
    rate = docs / first["total_s"]
    bench(f"epd assembly: {docs} documents ({first['blocks']} payee blocks) from {PRINCIPALS} principals "
          f"in {first['total_s']:.1f}s = {rate:,.0f} docs/s (gather {first['gather_s']:.1f}s with {WORKERS} "
          f"workers, assemble {first['assemble_s']:.1f}s in {result.chunks} slices)")
    if ACCOUNTS >= 1_000_000:
        bench(f"epd assembly target 1,000,000 documents <= {TARGET_S:.0f}s: {first['total_s']:.1f}s "
              f"{verdict(first['total_s'], TARGET_S)}")
    else:
        projected = first["total_s"] * 1_000_000 / max(docs, 1)
        bench(f"epd assembly projected linearly to 1,000,000 documents: {projected:.0f}s "
              f"(target {TARGET_S:.0f}s; not measured at that size)")

    assert docs == result.written == measured["households"]
    assert first["blocks"] == ACCOUNTS
    assert result.issues == 0 and not RunIssue.objects.filter(run=first["run"]).exists()  # no bad input here
    for unified_id, content in measured["sample"]:
        expected = measured["expected"][unified_id]
        assert len(content["payees"]) == expected["payees"]
        for name in ("opening", "charged", "closing", "amount_due"):
            assert Decimal(content["totals"][name]) == expected[name], (unified_id, name)

    second = measured["second"]
    if second is not None:
        bench(f"epd assembly rerun (nothing changed): {second['result'].documents} documents checked, "
              f"{second['result'].written} written in {second['total_s']:.1f}s")
        assert second["result"].written == 0 and second["result"].documents == docs
