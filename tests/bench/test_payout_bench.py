"""The day's payouts for BENCH_PAYOUT_PRINCIPALS principals (200) over BENCH_PAYOUT_ALLOCATIONS allocations (50,000)
of the previous day: build, then export (one 1C file of payment orders and an XLSX and a CSV register per payout).
Target: build + export ≤ 10 s. Approval and the day's reconciliation are timed too, outside the target.

The build and the export read only public rows (principals, their contracts, payments, allocations) and
write public rows, the agent's ledger and object storage: no principal schema is touched. So the principals
here are rows without schemas (``bulk_create`` skips the schema a ``save()`` would create): 200 of them cost
milliseconds instead of ~0.5 s each. Payments, allocations and their ledger postings are written set-based.

    python -m pytest -m bench -s tests/bench/test_payout_bench.py
"""

import csv
import io
import os
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agency.documents import storage
from agency.payments.ledger_accounts import agent_ledger_ensure
from agency.payments.models import Allocation, Payout, PayoutStatus
from agency.payments.payouts import payouts_approve, payouts_build, payouts_export
from agency.payments.payouts.reconciliation import reconciliation_day
from billing_core.onec_exchange import statement_read
from billing_core.requisites import account_with_control_key
from tenants.models import AgencyContract, Principal
from tenants.registry.models import House, Premise, UnifiedAccount
from tests import factories
from tests.bench._util import assert_test_database, bench, verdict

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

PRINCIPALS = int(os.environ.get("BENCH_PAYOUT_PRINCIPALS", "200"))
ALLOCATIONS = int(os.environ.get("BENCH_PAYOUT_ALLOCATIONS", "50000"))
DAY = date(2026, 11, 26)  # Thursday: allocations
BUSINESS_DAY = date(2026, 11, 27)  # Friday: payouts
TARGET_S = 10.0


def _principals() -> list[Principal]:
    rows = []
    for i in range(PRINCIPALS):
        fields = factories.requisites(60000 + i)
        rows.append(Principal(schema_name=f"bench_payout_{i}", kind="resource_supplier", **fields))
    made = Principal.objects.bulk_create(rows)  # no schema: payouts need none
    AgencyContract.objects.bulk_create([
        AgencyContract(principal=p, number=f"АГ-{i}/2026", signed_on=date(2025, 12, 1), valid_from=date(2026, 1, 1),
                       fee_rate=Decimal("1.25"), fee_min=Decimal("100.00"), fee_max=Decimal("25000.00"),
                       services=["heating"], payout_bank_name="ПАО Сбербанк", payout_bic=factories.BIC,
                       payout_account=account_with_control_key(f"40702810{60000 + i:012d}", factories.BIC),
                       payout_correspondent_account=factories.CORR)
        for i, p in enumerate(made)])
    return made


def _money(principal_ids: list[int]) -> None:
    """ALLOCATIONS / 2 payments of DAY, each split between two principals, with the ledger postings the intake and
    the allocation make (set-based, one statement per transaction set)."""
    payments = ALLOCATIONS // 2
    agent_ledger_ensure(principal_ids)
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Стендовая", house_number="1")
    household = UnifiedAccount.objects.create(number="7699999999", payer_name="Стенд",
                                              premise=Premise.objects.create(house=house, number="1", area=40))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_payment (channel, source, external_id, amount, paid_on, received_at, payer_ref, "
            "payer_name, purpose, status, match_note, unified_account_id) "
            "SELECT CASE WHEN g %% 3 = 0 THEN 'card_online' ELSE 'bank_registry' END, 'bench', g::text, "
            "(100 + (g * 7919) %% 900000 / 100.0)::numeric(14, 2), %s, now(), lpad(g::text, 10, '0'), "
            "'Плательщик ' || g, '', 'allocated', '', %s FROM generate_series(1, %s) g",
            [DAY, household.pk, payments],
        )
        cursor.execute(
            "WITH p AS (SELECT id, amount, row_number() OVER (ORDER BY id) AS n FROM payments_payment "
            "WHERE source = 'bench'), "
            "ids AS (SELECT array_agg(id ORDER BY id) AS a, count(*) AS c FROM unnest(%s::bigint[]) id) "
            "INSERT INTO payments_allocation (payment_id, principal_id, account_number, service_code, amount, "
            "allocated_on, created_at) "
            "SELECT p.id, ids.a[1 + (p.n + k) %% ids.c], 'LS' || p.n, 'heat', "
            "CASE WHEN k = 0 THEN round(p.amount * 0.6, 2) ELSE p.amount - round(p.amount * 0.6, 2) END, %s, now() "
            "FROM p CROSS JOIN ids CROSS JOIN generate_series(0, 1) k",
            [principal_ids, DAY],
        )
        cursor.execute(
            "WITH tx AS (INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, created_at) "
            "SELECT 'payment_received', 'payment:' || id, '', paid_on, now() FROM payments_payment "
            "WHERE source = 'bench' RETURNING id, key) "
            "INSERT INTO ledger_ledgerleg (transaction_id, account_id, amount, ref) "
            "SELECT tx.id, acc.id, CASE WHEN acc.code = 'agent.cash' THEN p.amount ELSE -p.amount END, tx.key "
            "FROM tx JOIN payments_payment p ON 'payment:' || p.id = tx.key "
            "JOIN ledger_ledgeraccount acc ON acc.code IN ('agent.cash', 'agent.unallocated')"
        )
        cursor.execute(
            "WITH tx AS (INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, created_at) "
            "SELECT 'allocation', 'allocation:' || id, '', %s, now() FROM payments_payment "
            "WHERE source = 'bench' RETURNING id, key) "
            "INSERT INTO ledger_ledgerleg (transaction_id, account_id, amount, ref) "
            "SELECT tx.id, acc.id, l.amount, tx.key FROM tx "
            "JOIN (SELECT 'allocation:' || payment_id AS key, 'agent.payable:' || principal_id AS code, "
            "      -amount AS amount FROM payments_allocation WHERE allocated_on = %s "
            "      UNION ALL SELECT 'allocation:' || id, 'agent.unallocated', amount FROM payments_payment "
            "      WHERE source = 'bench') l ON l.key = tx.key "
            "JOIN ledger_ledgeraccount acc ON acc.code = l.code",
            [DAY, DAY],
        )


def test_payouts_for_200_principals(settings, tmp_path):
    assert_test_database()
    settings.MEDIA_ROOT = tmp_path / "media"
    operator = factories.user(agent_role="operator")
    approver = factories.user(agent_role="approver")
    started = time.perf_counter()
    principals = _principals()
    _money([p.pk for p in principals])
    bench(f"payout setup: {PRINCIPALS} principals, {Allocation.objects.filter(allocated_on=DAY).count()} "
          f"allocations in {time.perf_counter() - started:.1f}s")

    with CaptureQueriesContext(connection) as build_queries:
        t0 = time.perf_counter()
        report = payouts_build(business_day=BUSINESS_DAY)
        t_build = time.perf_counter() - t0
    ids = report.payout_ids
    t0 = time.perf_counter()
    payouts_approve(payout_ids=ids, user=approver)
    t_approve = time.perf_counter() - t0
    with CaptureQueriesContext(connection) as export_queries:
        t0 = time.perf_counter()
        result = payouts_export(business_day=BUSINESS_DAY, user=operator)
        t_export = time.perf_counter() - t0
    t0 = time.perf_counter()
    recon = reconciliation_day(day=DAY)
    t_recon = time.perf_counter() - t0

    total = t_build + t_export
    bench(f"payout build: {len(ids)} payouts in {t_build:.2f}s ({len(build_queries)} queries)")
    bench(f"payout approve: {t_approve:.2f}s (set-based, outside the target)")
    bench(f"payout export: {result.orders_count} orders + {2 * len(ids)} registers in {t_export:.2f}s "
          f"({len(export_queries)} queries)")
    bench(f"payout build+export: {total:.2f}s target {TARGET_S:.0f}s {verdict(total, TARGET_S)}")
    bench(f"payout reconciliation of the day: {t_recon:.2f}s, unexplained {recon.unexplained}")

    # the figures are right, not only fast
    allocated = Allocation.objects.filter(allocated_on=DAY).values_list("amount", flat=True)
    payouts = list(Payout.objects.filter(pk__in=ids))
    assert len(payouts) == PRINCIPALS and {p.status for p in payouts} == {PayoutStatus.EXPORTED}
    assert sum(p.gross for p in payouts) == sum(allocated) == report.gross
    statement = statement_read(result.orders_file)
    assert statement.ok and len(statement.outgoing) == PRINCIPALS
    assert sum(d.amount for d in statement.outgoing) == sum(p.net for p in payouts)
    rows = 0
    for p in payouts:
        table = list(csv.reader(io.StringIO(storage.get(p.register_csv_key).decode("utf-8-sig")), delimiter=";"))
        assert sum(Decimal(r[7].replace(",", ".")) for r in table[1:-1]) == p.gross
        rows += len(table) - 2
    assert rows == len(allocated)
    assert recon.ok and recon.unexplained == 0
    # set-based: the number of queries does not grow with the number of principals or allocations
    assert len(build_queries) <= 20 and len(export_queries) <= 30
