"""A registry import killed with SIGKILL mid-way leaves nothing behind, and running it again posts it once.

The import runs in a separate process (the Celery task's function, in a subprocess on the test
database), which needs committed rows: this module writes them on its own and removes them after.
The test holds a row lock on the agent's cash ledger account, so the import blocks exactly when it
posts to the ledger: after the COPY, the matching and the INSERT of every payment. Then the process
is killed (its backend too), the lock released, and the import run again.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import override_settings

from agency.payments.intake.registry_import import Phase, import_row_ensure, registry_import_run
from agency.payments.ledger_accounts import CASH, agent_ledger_ensure
from agency.payments.models import ImportStatus, Payment, RegistryImport
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import account_balance
from tests.test_celery_worker import worker_database_url

ROOT = Path(__file__).resolve().parents[2]
D = Decimal
ROWS = 300
APP_NAME = "intake-crash-test"

RUNNER = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency.site.settings")
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SET application_name = %s", [sys.argv[2]])
from agency.payments.intake.tasks import registry_import_task
print(registry_import_task(int(sys.argv[1])), flush=True)
"""

_TABLES = ["payments_payment", "payments_registryimport", "ledger_ledgerleg", "ledger_ledgertransaction",
           "ledger_ledgeraccount", "registry_unifiedaccount", "registry_premise", "registry_house"]


def _marks() -> dict[str, int]:
    with connection.cursor() as cursor:
        marks = {}
        for table in _TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            marks[table] = cursor.fetchone()[0]
        return marks


def _cleanup(marks: dict[str, int]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # the ledger is append-only otherwise
        for table in _TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [marks[table]])


def _registry(households: list[str]) -> tuple[bytes, Decimal]:
    lines, total = [], D("0.00")
    for n in range(ROWS):
        account = households[n % len(households)] if n % 5 else f"NOBODY-{n}"
        amount = D(n + 1) + D(n % 100) / 100
        total += amount
        lines.append(f"05-11-2026;10-{n // 60 % 60:02d}-{n % 60:02d};8640;0017;{account};ПЛАТЕЛЬЩИК {n};АДРЕС;1026;"
                     f"{str(amount).replace('.', ',')};0,00;CRASH{n:06d}")
    lines.append(f"={ROWS};{str(total).replace('.', ',')};{str(total).replace('.', ',')};0,00;1;05-11-2026")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251"), total


def _wait_for_lock(conn, deadline: float, proc) -> int:
    while time.monotonic() < deadline:
        row = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
                           [APP_NAME]).fetchone()
        if row:
            return row[0]
        if proc.poll() is not None:
            pytest.fail(f"the import process ended before it blocked: {proc.stdout.read()}")
        time.sleep(0.1)
    pytest.fail("the import never reached the ledger")


def test_sigkill_mid_import_then_run_again(django_db_setup, django_db_blocker, tmp_path):
    from tenants.registry.models import House, Premise, UnifiedAccount

    env = {**os.environ, "DATABASE_URL": worker_database_url(), "MEDIA_ROOT": str(tmp_path), "S3_BUCKET": "",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")])}
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path, S3_BUCKET=""):
        marks = _marks()
        try:
            house = House.objects.create(region="Обл.", city="Город", street="ул. Аварийная", house_number="1")
            households = [UnifiedAccount.objects.create(number=f"55{n:08d}", payer_name="-", premise=Premise.objects
                                                        .create(house=house, number=str(n), area=D("40"))).number
                          for n in range(3)]
            agent_ledger_ensure()
            data, total = _registry(households)
            from agency.documents import storage

            key = storage.new_key("registry", ext="txt")
            storage.put(key, data, "text/plain")
            imp, _ = import_row_ensure(kind="registry", layout="sber_standard", filename="crash.txt",
                                       sha256=__import__("hashlib").sha256(data).hexdigest(), file_key=key)
            cash_before = account_balance(code=CASH)

            locker = psycopg.connect(worker_database_url(), autocommit=False)
            try:
                locker.execute("SELECT id FROM ledger_ledgeraccount WHERE code = %s FOR UPDATE", [CASH])
                proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(imp.pk), APP_NAME], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                watcher = psycopg.connect(worker_database_url(), autocommit=True)
                try:
                    backend = _wait_for_lock(watcher, time.monotonic() + 90, proc)
                    # blocked at the ledger, with the payments already inserted in its open transaction
                    inserted = watcher.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE l.pid = %s AND c.relname = 'payments_payment' AND l.mode = 'RowExclusiveLock'",
                        [backend]).fetchone()[0]
                    assert inserted == 1
                    assert RegistryImport.objects.get(pk=imp.pk).phase == Phase.POSTING
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
                    watcher.execute("SELECT pg_terminate_backend(%s)", [backend])
                finally:
                    watcher.close()
            finally:
                locker.rollback()
                locker.close()
            assert proc.returncode == -signal.SIGKILL

            # nothing of the killed run is left
            assert RegistryImport.objects.get(pk=imp.pk).status == ImportStatus.STAGED
            assert not Payment.objects.filter(registry_import_id=imp.pk).exists()
            assert not LedgerTransaction.objects.filter(key=f"registry:{imp.pk}").exists()
            assert account_balance(code=CASH) == cash_before

            again = registry_import_run(import_id=imp.pk)
            payments = Payment.objects.filter(registry_import_id=imp.pk)
            assert again.status == ImportStatus.POSTED
            assert (again.rows_posted, again.amount_posted) == (ROWS, total)
            assert (payments.count(), sum(p.amount for p in payments)) == (ROWS, total)
            assert payments.filter(status="matched").count() == ROWS - ROWS // 5
            assert account_balance(code=CASH) - cash_before == total

            # and once more: the same totals, nothing twice
            assert registry_import_run(import_id=imp.pk).pk == imp.pk
            assert Payment.objects.filter(registry_import_id=imp.pk).count() == ROWS
            assert LedgerTransaction.objects.filter(key=f"registry:{imp.pk}").count() == 1
            assert account_balance(code=CASH) - cash_before == total
        finally:
            _cleanup(marks)
            connection.set_schema_to_public()


def test_enqueue_stores_the_file_and_queues_the_import_after_commit(db, tmp_path, django_capture_on_commit_callbacks):
    from agency.payments.intake.tasks import registry_import_enqueue, registry_import_task

    data, total = _registry(["NONE"])
    app = registry_import_task.app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # in-process: this test checks the hand-over, not the broker
    try:
        with override_settings(MEDIA_ROOT=tmp_path, S3_BUCKET=""):
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                imp = registry_import_enqueue(data=data, filename="q.txt", layout_name="sber_standard")
                assert (imp.status, imp.phase) == (ImportStatus.STAGED, Phase.QUEUED)
                assert not Payment.objects.exists()
            assert len(callbacks) == 1
            callbacks[0]()
            imp.refresh_from_db()
            from agency.documents import storage

            assert storage.get(imp.file_key) == data
            again = registry_import_enqueue(data=data, filename="q2.txt", layout_name="sber_standard")
    finally:
        app.conf.task_always_eager = eager
    assert (imp.status, imp.phase, imp.rows_posted, imp.amount_posted) == (ImportStatus.POSTED, Phase.DONE, ROWS,
                                                                          total)
    assert again.pk == imp.pk and Payment.objects.count() == ROWS
    assert date(2026, 11, 5) == Payment.objects.first().paid_on
