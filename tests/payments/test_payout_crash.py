"""A worker killed with SIGKILL in the middle of a payout build, and an export process killed in the middle of an
export: running again gives the same totals, posts nothing twice and numbers no order twice.

"The middle" is made certain, not guessed: a second connection holds a row lock the step needs half-way (an
allocation row the build's UPDATE must change; the agent.fee ledger account the export's postings reference),
the test waits until PostgreSQL shows the process's backend waiting on that lock — after the build inserted its
payouts, after the export numbered its orders and wrote its files — and then kills the process with SIGKILL.

Everything here must be committed for the other processes to see it, so rows are written on connections of their
own and removed at the end (the ledger's append-only triggers bypassed for that cleanup only). The allocations are
written as ``payments.allocation`` writes their public side (rows, ledger posting, payment status): the build and
the export read only public rows.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from agency.documents import storage
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import CASH, FEE, UNALLOCATED, agent_ledger_ensure, payable_account
from agency.payments.models import Allocation, Payment, Payout, PayoutRun, PayoutStatus
from agency.payments.payouts import payouts_approve, payouts_export
from agency.payments.payouts.tasks import payouts_build_task
from billing_core.onec_exchange import statement_read
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import Leg, account_balance, transaction_post
from tests import factories
from tests.payments.test_payouts import contract, fee_oracle
from tests.test_celery_worker import ROOT, worker_database_url

pytestmark = [pytest.mark.celery, pytest.mark.django_db]

MON, TUE = date(2026, 10, 19), date(2026, 10, 20)
D = Decimal
WAIT = 60.0
TABLES = ["payments_payout", "payments_payoutrun", "payments_allocation", "payments_payment", "ledger_ledgerleg",
          "ledger_ledgertransaction", "ledger_ledgeraccount", "tenants_agencycontract", "registry_unifiedaccount",
          "registry_premise", "registry_house", "identity_user"]


def own(fn, *args, **kwargs):
    """``fn`` on a connection of its own, committed."""
    outcome = {}

    def run():
        try:
            with transaction.atomic():
                outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _marks() -> dict[str, int]:
    with connection.cursor() as cursor:
        marks = {}
        for table in TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            marks[table] = cursor.fetchone()[0]
        return marks


def _drop_after(marks: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in TABLES:  # children first
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [marks[table]])


def _world(n_payments: int) -> dict:
    """Contracts for A and B, a household, and Monday's payments allocated 70/30 between A and B."""
    from tenants.models import Principal
    from tenants.registry.models import House, Premise, UnifiedAccount

    a, b = Principal.objects.get(schema_name="principal_a"), Principal.objects.get(schema_name="principal_b")
    contract(a, rate="1.5", fee_min="20.00")
    contract(b, rate="2", fee_max="50.00")
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Аварийная", house_number="1")
    household = UnifiedAccount.objects.create(number="7611111111", payer_name="Плательщик",
                                              premise=Premise.objects.create(house=house, number="1", area=40))
    agent_ledger_ensure([a.pk, b.pk])
    for i in range(n_payments):
        payment, _ = payment_record(channel="bank_registry", source="crash", external_id=str(i),
                                    amount=D("100.00") + D(i * 37) / 100, paid_on=MON,
                                    unified_account_id=household.pk)
        share_a = (payment.amount * D("0.7")).quantize(D("0.01"))
        shares = {a.pk: share_a, b.pk: payment.amount - share_a}
        Allocation.objects.bulk_create([
            Allocation(payment=payment, principal_id=pid, account_number=f"L-{pid}", service_code="cold",
                       amount=amount, allocated_on=MON) for pid, amount in shares.items()])
        transaction_post(kind="allocation", key=f"allocation:{payment.pk}", occurred_on=MON, legs=[
            Leg(UNALLOCATED, payment.amount, f"payment:{payment.pk}"),
            *(Leg(payable_account(pid), -amount, f"payment:{payment.pk}") for pid, amount in shares.items())])
        Payment.objects.filter(pk=payment.pk).update(status="allocated")
    return {"a": a, "b": b, "operator": factories.user(agent_role="operator"),
            "approver": factories.user(agent_role="approver")}


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


_started: list[subprocess.Popen] = []


@pytest.fixture
def committed(db, media):
    marks = own(_marks)
    yield
    for proc in _started:  # a failed test may leave one running
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    _started.clear()
    own(_drop_after, marks)


def _env(media: Path, app: str) -> dict:
    env = dict(os.environ)
    env["PGAPPNAME"] = app  # names the process's backends in pg_stat_activity
    env["DATABASE_URL"] = worker_database_url()
    env["MEDIA_ROOT"] = str(media)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "platform"), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    return env


def _worker(media: Path, queue: str, log: Path) -> subprocess.Popen:
    """A worker of our own on a queue of our own: no other worker of the session can take the task."""
    from agency.site.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        pytest.skip("needs a real broker: set CELERY_BROKER_URL")
    name = f"crash-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "--workdir", str(ROOT / "platform"), "-A", "agency.site", "worker",
         "--pool", "solo", "--loglevel", "INFO", "--hostname", name, "-Q", queue, "--without-mingle",
         "--without-gossip"], cwd=ROOT, env=_env(media, queue), stdout=log.open("ab"), stderr=subprocess.STDOUT)
    _started.append(proc)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"worker exited: {log.read_text()[-2000:]}")
        try:
            if any(name in reply for reply in app.control.ping(destination=[name], timeout=1.0)):
                return proc
        except Exception:
            pass
        time.sleep(0.3)
    proc.kill()
    pytest.fail(f"worker did not start: {log.read_text()[-2000:]}")


class Blocker:
    """A connection of its own holding a row lock until released."""

    def __init__(self, sql: str, params):
        self.conn = psycopg.connect(worker_database_url(), autocommit=False)
        self.conn.execute(sql, params)

    def release(self):
        self.conn.rollback()
        self.conn.close()


def _waiting_backend(app: str, query_start: str) -> int:
    """The pid of ``app``'s backend once it waits on a lock in a statement beginning with ``query_start``."""
    deadline = time.monotonic() + WAIT
    with psycopg.connect(worker_database_url(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s "
                "AND wait_event_type = 'Lock' AND query LIKE %s", [app, query_start + "%"]).fetchone()
            if row:
                return row[0]
            time.sleep(0.1)
    pytest.fail(f"{app} never waited in {query_start!r}")


def _gone(pid: int) -> None:
    """The killed process's backend ends (its transaction rolled back) once it can run on and finds no client."""
    deadline = time.monotonic() + WAIT
    with psycopg.connect(worker_database_url(), autocommit=True) as conn:
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            if time.monotonic() > deadline:
                conn.execute("SELECT pg_terminate_backend(%s)", [pid])
            time.sleep(0.1)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


EXPORT = """
import django, sys
django.setup()
from agency.identity.models import User
from agency.payments.payouts import payouts_export
from datetime import date
payouts_export(business_day=date.fromisoformat(sys.argv[1]), user=User.objects.get(pk=int(sys.argv[2])))
"""


def test_a_killed_build_and_a_killed_export_are_repaired_by_running_again(committed, media, tmp_path):
    world = own(_world, 30)
    a, b = world["a"], world["b"]
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    # the oracle: Monday's allocations per principal, and the contracts' fees on them
    gross = {p.pk: Allocation.objects.filter(principal=p, allocated_on=MON).aggregate(s=Sum("amount"))["s"]
             for p in (a, b)}
    fees = {a.pk: fee_oracle(gross[a.pk], "1.5", "20.00"), b.pk: fee_oracle(gross[b.pk], "2", None, "50.00")}
    before = {code: account_balance(code=code) for code in (CASH, FEE, payable_account(a.pk), payable_account(b.pk))}

    # 1. the build, killed after inserting its payouts, while attaching the allocations
    blocker = Blocker("SELECT id FROM payments_allocation WHERE principal_id = %s AND allocated_on = %s "
                      "ORDER BY id LIMIT 1 FOR UPDATE", [a.pk, MON])
    try:
        worker = _worker(media, queue, log)
        payouts_build_task.apply_async(args=[TUE.isoformat()], queue=queue)
        pid = _waiting_backend(queue, "UPDATE payments_allocation")
        _kill(worker)
    finally:
        blocker.release()
    _gone(pid)
    assert not PayoutRun.objects.exists() and not Payout.objects.exists()
    assert not Allocation.objects.filter(payout__isnull=False).exists()

    worker = _worker(media, queue, log)
    try:
        result = payouts_build_task.apply_async(args=[TUE.isoformat()], queue=queue).get(timeout=WAIT)
        again = payouts_build_task.apply_async(args=[TUE.isoformat()], queue=queue).get(timeout=WAIT)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert (result["status"], again["status"]) == ("built", "already_built")
    payouts = {p.principal_id: p for p in Payout.objects.filter(business_day=TUE)}
    assert {pid: p.gross for pid, p in payouts.items()} == gross
    assert {pid: p.fee for pid, p in payouts.items()} == fees
    assert PayoutRun.objects.count() == 1 and not Allocation.objects.filter(allocated_on=MON, payout__isnull=True)

    # 2. the export, killed after numbering its orders, writing its files and marking the payouts, while posting
    own(payouts_approve, payout_ids=[p.pk for p in payouts.values()], user=world["approver"])
    # An uncommitted posting under the first payout's key: the export's postings (ON CONFLICT on the key) wait for
    # it, with every order numbered, every file written and the payouts marked, uncommitted. (A row lock on a ledger
    # account would not do: Django's foreign keys are checked at COMMIT, and a COMMIT already sent completes.)
    blocker = Blocker("INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, created_at) "
                      "VALUES ('test', %s, '', %s, now())", [f"payout:{min(p.pk for p in payouts.values())}", TUE])
    try:
        export = subprocess.Popen([sys.executable, "-c", EXPORT, TUE.isoformat(), str(world["operator"].pk)],
                                  cwd=ROOT, env=_env(media, f"{queue}-export"),
                                  stdout=(tmp_path / "export.log").open("wb"), stderr=subprocess.STDOUT)
        _started.append(export)
        pid = _waiting_backend(f"{queue}-export", "WITH tx AS (INSERT INTO ledger_ledgertransaction")
        _kill(export)
    finally:
        blocker.release()
    _gone(pid)
    orphans = list((media / "payout-orders").rglob("*.txt"))
    assert len(orphans) == 1  # the files were written before the kill, and are referenced by nothing
    assert {p.status for p in Payout.objects.all()} == {PayoutStatus.APPROVED}
    assert not Payout.objects.filter(order_number__isnull=False).exists()
    assert not LedgerTransaction.objects.filter(kind="payout").exists()

    own(payouts_export, business_day=TUE, user=world["operator"])
    exported = list(Payout.objects.order_by("order_number"))
    assert {p.status for p in exported} == {PayoutStatus.EXPORTED}
    numbers = [p.order_number for p in exported]
    assert len(set(numbers)) == 2 and numbers[1] == numbers[0] + 1
    assert {p.principal_id: (p.gross, p.fee, p.net) for p in exported} == {
        pid: (gross[pid], fees[pid], gross[pid] - fees[pid]) for pid in gross}
    assert LedgerTransaction.objects.filter(kind="payout").count() == 2
    assert account_balance(code=FEE) == before[FEE] - sum(fees.values())
    assert account_balance(code=CASH) == before[CASH] - sum(gross[pid] - fees[pid] for pid in gross)
    for pid in gross:
        assert account_balance(code=payable_account(pid)) == before[payable_account(pid)] + gross[pid] == 0
    statement = statement_read(storage.get(exported[0].orders_file_key))
    assert sorted(int(d.number) for d in statement.outgoing) == numbers
    assert exported[0].orders_file_key not in {str(p.relative_to(media)) for p in orphans}
