"""A page of accounts with services and debt through GraphQL over real HTTP, under concurrency.

Setup (committed, module-scoped): BENCH_PAGE_ACCOUNTS accounts in 2 principals (scale_data_generate,
prefix "pagebench"), the charge run of one month in each, posted so every account has a debt, an API
key of the first principal with accounts.view and charges.view, and a real threaded HTTP server
(django.core.servers.basehttp.ThreadedWSGIServer) serving the Django WSGI app on 127.0.0.1 with an
ephemeral port. The server's request threads use their own connections to the test database; a thin
WSGI wrapper counts each request's SQL statements and their time (connection.execute_wrapper, per
thread). Clients are standard-library http.client connections with keep-alive, Host
``<subdomain>.localhost`` and ``Authorization: Bearer <key>``.

Production serves with several worker processes (gunicorn, infra/Dockerfile); one process of
threads is bound by the GIL. So the latency is measured twice: against the in-process threaded
server (1 process), and against BENCH_PAGE_WORKERS (default: the number of cores) worker processes,
each started with ``spawn`` (a fresh interpreter: no inherited database sockets), each running the
same ThreadedWSGIServer with the same counting wrapper on one shared listening socket, as a
pre-fork server does. Workers send their per-request records to this process through a queue.

Asserted: the same number of queries for first=10 and first=100 (and for a page after a cursor),
every answer correct (ids ascending and after the cursor, 8 services per account in sort order, debt
equal to the latest posted period's closing balance), on both servers. Printed: latency of
BENCH_PAGE_CLIENTS clients × BENCH_PAGE_REQUESTS requests against the target (p95 <= 100 ms), the
1-client baseline and the ratio, for 1 process and for N; and EXPLAIN ANALYZE of the page's statements.

    python -m pytest tests/bench/test_accounts_page_bench.py -m bench -s -q
"""

import http.client
import json
import multiprocessing
import os
import queue
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, get_internal_wsgi_application
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from agency.demo.scale import SERVICES, scale_data_drop, scale_data_generate
from graphql_api.core.pagination import encode_cursor
from tests.bench._page_worker import CountingApp, QuietHandler, worker_main
from tests.bench._util import assert_test_database, bench, verdict

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

ACCOUNTS = int(os.environ.get("BENCH_PAGE_ACCOUNTS", "20000"))
PRINCIPALS = 2
CLIENTS = int(os.environ.get("BENCH_PAGE_CLIENTS", "20"))
REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "25"))
WORKERS = int(os.environ.get("BENCH_PAGE_WORKERS", str(os.cpu_count() or 2)))
WARMUP = 10
PAGE = 100
PREFIX = "pagebench"
MONTH = date(2026, 6, 1)
TARGET_P95_MS = 100.0
SERVICE_CODES = [s[0] for s in SERVICES]

QUERY = """
query Page($first: Int!, $after: String) {
  accounts(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id number payerName address houseId houseAddress premiseId premiseNumber
      chargeArea ownershipShare persons openedOn closedOn debt
      services { serviceId code name unit kind validFrom validTo }
    }
  }
}
"""


class Server:
    def __init__(self):
        self.app = CountingApp(get_internal_wsgi_application())
        self.httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
        self.httpd.set_app(self.app)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    label = "1 process"

    def take(self, expected: int | None = None) -> list[dict]:
        return self.app.take()  # recorded before the response is written: complete when the clients are done

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


class ProcessServer:
    """N worker processes accepting from one listening socket, as a pre-fork server (gunicorn) does."""

    def __init__(self, workers: int):
        self.label = f"{workers} processes"
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self.listener.getsockname()[1]
        ctx = multiprocessing.get_context("spawn")
        self.records = ctx.Queue()
        self.procs = [
            ctx.Process(target=worker_main, daemon=True,
                        args=(self.listener, connection.settings_dict["NAME"], self.records))
            for _ in range(workers)
        ]
        for proc in self.procs:
            proc.start()
        ready = set()
        while len(ready) < workers:
            record = self.records.get(timeout=120)
            assert "ready" in record, record
            ready.add(record["ready"])

    def take(self, expected: int | None = None) -> list[dict]:
        """The records of the requests served so far; waits for ``expected`` of them (queues lag a little)."""
        taken = []
        deadline = time.monotonic() + 30
        while True:
            try:
                wait = max(0.0, deadline - time.monotonic()) if expected is not None and len(taken) < expected else 0
                taken.append(self.records.get(timeout=wait) if wait else self.records.get_nowait())
            except queue.Empty:
                return taken

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.join(timeout=10)
        self.listener.close()
        self.records.close()


class ApiClient:
    """One keep-alive HTTP connection, as an integrator's client would hold."""

    def __init__(self, port: int, host: str, key: str, *, keep_alive: bool = True):
        self.port, self.host, self.key, self.keep_alive = port, host, key, keep_alive
        self.conn = None

    def post(self, variables: dict) -> tuple[float, int, dict]:
        body = json.dumps({"query": QUERY, "variables": variables}).encode()
        headers = {"Host": self.host, "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        if not self.keep_alive:
            headers["Connection"] = "close"
        start = time.perf_counter()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.request("POST", "/graphql", body=body, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - start
        if not self.keep_alive or response.getheader("Connection", "").lower() == "close":
            self.close()
        return elapsed, response.status, json.loads(raw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_line(samples: list[float], wall: float) -> str:
    return (f"n={len(samples)} median={statistics.median(samples) * 1000:.1f}ms "
            f"p95={percentile(samples, 0.95) * 1000:.1f}ms p99={percentile(samples, 0.99) * 1000:.1f}ms "
            f"max={max(samples) * 1000:.1f}ms throughput={len(samples) / wall:.1f} req/s")


def expected_debts(schema_ids: list[int]) -> dict[int, Decimal]:
    """The latest posted period's closing balance per account, straight from SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.account_id, sum(b.closing) FROM billing_balance b WHERE b.account_id = ANY(%s) AND b.period_id = "
            "(SELECT id FROM billing_billingperiod WHERE status = 'posted' ORDER BY month DESC LIMIT 1) "
            "GROUP BY b.account_id",
            [schema_ids],
        )
        return {a: d for a, d in cursor.fetchall()}


def check_page(payload: dict, status: int, *, size: int, after_pk: int | None, total: int) -> list[dict]:
    assert status == 200, payload
    assert "errors" not in payload, payload["errors"]
    conn = payload["data"]["accounts"]
    nodes = conn["nodes"]
    assert conn["totalCount"] == total
    assert len(nodes) == size
    ids = [int(n["id"]) for n in nodes]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    if after_pk is not None:
        assert ids[0] > after_pk
    for node in nodes:
        assert [s["code"] for s in node["services"]] == SERVICE_CODES, node
        assert node["debt"] is not None and node["persons"] is not None
        assert node["address"].endswith(f"кв. {node['premiseNumber']}")
    if conn["pageInfo"]["hasNextPage"]:
        assert conn["pageInfo"]["endCursor"] == encode_cursor(ids[-1])
    return nodes


@pytest.fixture(scope="module")
def env(django_db_setup, django_db_blocker):
    """Committed data, an API key and a running HTTP server; torn down whatever happens."""
    from agency.identity.services import api_key_create
    from tenants.billing.charge_run import charge_run, period_post
    from tenants.models import Domain

    server = None
    try:
        with django_db_blocker.unblock():
            assert_test_database()
            scale_data_drop(prefix=PREFIX)  # leftovers of an interrupted run
            start = time.perf_counter()
            report = scale_data_generate(accounts=ACCOUNTS, principals=PRINCIPALS, seed=1, month=MONTH,
                                         prefix=PREFIX)
            generated = time.perf_counter() - start
            principals = []
            lines = 0
            start = time.perf_counter()
            for load in report.principals:
                from tenants.models import Principal

                principal = Principal.objects.get(schema_name=load.schema_name)
                with tenant_context(principal):
                    lines += charge_run(month=MONTH).charge_lines
                    period_post(month=MONTH)  # the debt field reads the latest *posted* period
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE billing_balance")
                        cursor.execute("ANALYZE billing_billingperiod")
                connection.set_schema_to_public()
                principals.append(principal)
            charged = time.perf_counter() - start
            bench(f"accounts page setup: {ACCOUNTS} accounts in {PRINCIPALS} principals generated in {generated:.1f}s, "
                  f"charge run + post {lines} lines in {charged:.1f}s")
            principal = principals[0]
            _key, plain = api_key_create(principal=principal, name="pagebench", created_by=None,
                                         permissions=["accounts.view", "charges.view"])
            host = Domain.objects.get(tenant=principal, is_primary=True).domain
            with tenant_context(principal), connection.cursor() as cursor:
                cursor.execute("SELECT min(id), max(id), count(*) FROM billing_personalaccount")
                min_pk, max_pk, total = cursor.fetchone()
            connection.set_schema_to_public()
            server = Server()
            yield {"principal": principal, "host": host, "key": plain, "server": server,
                   "min_pk": min_pk, "max_pk": max_pk, "total": total}
    finally:
        if server is not None:
            server.stop()
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            dropped = scale_data_drop(prefix=PREFIX)
            connection.set_schema_to_public()
        bench(f"accounts page teardown: server stopped, {dropped} principals dropped")


def _client_run(env, port: int, index: int, requests: int, *,
                keep_alive: bool = True) -> list[tuple[float, list[dict]]]:
    """Walk pages from a staggered start; at the end of the list, start over."""
    client = ApiClient(port, env["host"], env["key"], keep_alive=keep_alive)
    span = env["max_pk"] - env["min_pk"] + 1
    after_pk = env["min_pk"] - 1 + (index * 997) % span
    out = []
    try:
        for _ in range(requests):
            elapsed, status, payload = client.post({"first": PAGE, "after": encode_cursor(after_pk)})
            size = min(PAGE, env["max_pk"] - after_pk)
            nodes = check_page(payload, status, size=size, after_pk=after_pk, total=env["total"])
            conn = payload["data"]["accounts"]
            out.append((elapsed, nodes))
            after_pk = int(nodes[-1]["id"]) if conn["pageInfo"]["hasNextPage"] else env["min_pk"] - 1
    finally:
        client.close()
    return out


def _load(env, server, clients: int, requests: int, *, keep_alive: bool = True):
    server.take()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        runs = list(pool.map(lambda i: _client_run(env, server.port, i, requests, keep_alive=keep_alive),
                             range(clients)))
    wall = time.perf_counter() - start
    records = server.take(expected=clients * requests)
    samples = [elapsed for run in runs for elapsed, _nodes in run]
    nodes = [node for run in runs for _elapsed, page in run for node in page]
    return samples, wall, records, nodes


def _server_line(records: list[dict]) -> str:
    app = [r["app"] for r in records]
    db = [r["db"] for r in records]
    return (f"server-side per request: app median={statistics.median(app) * 1000:.1f}ms "
            f"p95={percentile(app, 0.95) * 1000:.1f}ms, SQL median={statistics.median(db) * 1000:.1f}ms "
            f"p95={percentile(db, 0.95) * 1000:.1f}ms, queries={sorted({r['queries'] for r in records})} "
            f"(+ SET search_path on {sum(r['sets'] > 0 for r in records)}, key touch on "
            f"{sum(r['touches'] for r in records)} of {len(records)} requests)")


def test_accounts_page_constant_queries(env):
    server = env["server"]
    client = ApiClient(server.port, env["host"], env["key"])
    counts = {}
    try:
        client.post({"first": 1})  # warm: the key's last_used_at update, first connection
        server.app.take()
        for label, variables, size, after_pk in (
            ("first=10", {"first": 10}, 10, None),
            ("first=100", {"first": 100}, 100, None),
            ("first=100 after", {"first": 100, "after": encode_cursor(env["min_pk"] + 4999)}, 100,
             env["min_pk"] + 4999),
        ):
            _elapsed, status, payload = client.post(variables)
            check_page(payload, status, size=size, after_pk=after_pk, total=env["total"])
            (record,) = server.app.take()
            counts[label] = record["queries"]
    finally:
        client.close()
    bench(f"accounts page queries per request over HTTP: {counts}")
    assert counts["first=10"] == counts["first=100"] == counts["first=100 after"]
    assert counts["first=100"] <= 8

    # the same in-process, statement by statement (CaptureQueriesContext on this thread's connection)
    django_client = Client(HTTP_HOST=env["host"])
    statements = {}
    for first in (1, 10, 100):  # the first switches this connection to the principal's schema
        with CaptureQueriesContext(connection) as ctx:
            response = django_client.post("/graphql", data={"query": QUERY, "variables": {"first": first}},
                                          content_type="application/json",
                                          HTTP_AUTHORIZATION=f"Bearer {env['key']}")
        assert response.status_code == 200 and "errors" not in response.json()
        statements[first] = [q["sql"][:90] for q in ctx.captured_queries]
    connection.set_schema_to_public()
    assert len(statements[10]) == len(statements[100]) == counts["first=100"]
    bench(f"accounts page queries in-process (after the schema switch): first=10 {len(statements[10])}, "
          f"first=100 {len(statements[100])}")
    for i, sql in enumerate(statements[100], 1):
        print(f"  query {i}: {sql}")


def test_accounts_page_correct(env):
    """One page's debts against SQL, and a whole walk covers every account once."""
    nodes = []
    client = ApiClient(env["server"].port, env["host"], env["key"])
    after_pk = None
    try:
        while True:
            variables = {"first": PAGE} if after_pk is None else {"first": PAGE, "after": encode_cursor(after_pk)}
            _e, status, payload = client.post(variables)
            remaining = env["total"] - len(nodes)
            page = check_page(payload, status, size=min(PAGE, remaining), after_pk=after_pk, total=env["total"])
            nodes += page
            if not payload["data"]["accounts"]["pageInfo"]["hasNextPage"]:
                break
            after_pk = int(page[-1]["id"])
    finally:
        client.close()
    ids = [int(n["id"]) for n in nodes]
    assert len(ids) == len(set(ids)) == env["total"]
    with tenant_context(env["principal"]):
        debts = expected_debts(ids)
    connection.set_schema_to_public()
    assert len(debts) == env["total"]
    mismatched = [n["id"] for n in nodes if Decimal(str(n["debt"])) != debts[int(n["id"])]]
    assert not mismatched, mismatched[:10]
    assert sum(debts.values()) > 0
    bench(f"accounts page correctness: walked {len(nodes)} accounts in {len(nodes) // PAGE} pages, "
          f"debts equal SQL, 8 services each")


def _latency(env, server, queries: int) -> None:
    """1-client baseline, then CLIENTS concurrent clients, against one server; every answer checked."""
    label = server.label
    _load(env, server, 1, WARMUP)
    _load(env, server, CLIENTS, 2)  # every client's keep-alive connection (a server thread and its DB connection)

    base, base_wall, base_records, base_nodes = _load(env, server, 1, REQUESTS)
    assert len(base_nodes) >= (REQUESTS - 1) * PAGE
    assert {r["queries"] for r in base_records} == {queries}
    bench(f"accounts page first={PAGE} [{label}] 1 client x {REQUESTS}: {latency_line(base, base_wall)}")
    bench(f"  [{label}] 1 client {_server_line(base_records)}")

    samples, wall, records, nodes = _load(env, server, CLIENTS, REQUESTS)
    assert len(samples) == len(records) == CLIENTS * REQUESTS
    assert len(nodes) >= CLIENTS * (REQUESTS - 1) * PAGE  # every page checked; a wrap may give a short one
    assert {r["queries"] for r in records} == {queries}
    p95 = percentile(samples, 0.95) * 1000
    bench(f"accounts page first={PAGE} [{label}] {CLIENTS} clients x {REQUESTS}: {latency_line(samples, wall)} "
          f"(target p95 <= {TARGET_P95_MS:.0f}ms: {verdict(p95, TARGET_P95_MS)})")
    bench(f"  [{label}] {CLIENTS} clients {_server_line(records)}")
    bench(f"  [{label}] ratio {CLIENTS} clients / 1 client: "
          f"median x{statistics.median(samples) / statistics.median(base):.1f}, "
          f"p95 x{percentile(samples, 0.95) / percentile(base, 0.95):.1f}, "
          f"throughput x{(len(samples) / wall) / (len(base) / base_wall):.2f}")

    # connection handling: a new TCP connection per request means a new server thread and a new DB connection
    fresh, fresh_wall, fresh_records, _n = _load(env, server, CLIENTS, max(5, REQUESTS // 5), keep_alive=False)
    assert {r["queries"] for r in fresh_records} == {queries}
    bench(f"  [{label}] {CLIENTS} clients, new HTTP connection per request: {latency_line(fresh, fresh_wall)}")
    bench(f"  [{label}] {CLIENTS} clients, new HTTP connection per request {_server_line(fresh_records)}")


def test_accounts_page_latency(env):
    server = env["server"]
    server.take()
    client = ApiClient(server.port, env["host"], env["key"])
    try:
        client.post({"first": PAGE})
    finally:
        client.close()
    (record,) = server.take()
    queries = record["queries"]  # the count the constant-queries test pins; every request below must match it

    _latency(env, server, queries)
    if WORKERS > 1:
        workers = ProcessServer(WORKERS)
        try:
            _latency(env, workers, queries)
        finally:
            workers.stop()

    # where a request's time goes, and what PostgreSQL does with the page's statements
    server.app.keep_sql = True
    client = ApiClient(server.port, env["host"], env["key"])
    try:
        client.post({"first": PAGE, "after": encode_cursor(env["min_pk"] + 4999)})
    finally:
        client.close()
        server.app.keep_sql = False
    (record,) = server.app.take()
    _explain(env, record["sql"])


def _explain(env, sqls: list[str]) -> None:
    """EXPLAIN ANALYZE of every SELECT of the same page, captured in-process with its literals bound."""
    after_pk = env["min_pk"] + 4999
    with CaptureQueriesContext(connection) as ctx:
        response = Client(HTTP_HOST=env["host"]).post(
            "/graphql", data={"query": QUERY, "variables": {"first": PAGE, "after": encode_cursor(after_pk)}},
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {env['key']}",
        )
    assert response.status_code == 200 and "errors" not in response.json()
    bench(f"  statements of one page request over HTTP: {len(sqls)}; in-process: {len(ctx.captured_queries)}")
    with tenant_context(env["principal"]), connection.cursor() as cursor:
        for i, query in enumerate(ctx.captured_queries, 1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                bench(f"  query {i}: {sql[:100]} ({float(query['time']) * 1000:.1f}ms)")
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
            total = next((line for line in plan if line.startswith("Execution Time")), "?")
            bench(f"  query {i}: {sql[:100]} ... EXPLAIN {total}")
            for line in plan:
                print(f"      {line}")
    connection.set_schema_to_public()
