"""A local fake Stripe (localstripe) on loopback for the payment tests, and committed data for live HTTP tests.

localstripe runs as a subprocess on a free 127.0.0.1 port: its aiohttp app is served bound to loopback
only (its own command line binds every interface) and with its pickle-to-/tmp persistence switched off,
so parallel runs on this machine do not share or clobber one store file. The application's settings
point at it for the session (``localstripe_ensure``); it stops at the end of the session (or at exit
when another test module started it lazily, e.g. the permission matrix).

Tests that deliver webhooks over real HTTP, from localstripe itself or from concurrent threads, need
rows the server's threads can see: ``committed`` writes them committed (on connections of their own)
and removes every row it or the code under test created when the test ends (the ledger's append-only
triggers are bypassed for that cleanup only, with ``session_replication_role = replica``).
"""

import atexit
import hashlib
import hmac
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import stripe
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application
from django.db import connection, transaction
from django.test.utils import override_settings

SECRET_KEY = "sk_test_localstripe_suite"
WEBHOOK_SECRET = "whsec_localstripe_suite_" + secrets.token_hex(8)

RUNNER = """
import sys
from aiohttp import web
import localstripe.resources
from localstripe.server import app
localstripe.resources.Store.dump_to_disk = lambda self: None
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(f"/tmp/localstripe-{self.port}.log")
        self.process = subprocess.Popen([sys.executable, "-c", RUNNER, str(self.port)],
                                        stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.get("/v1/events?limit=1")
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"localstripe did not start: {self.log.read_text()[-2000:]}") from None
                time.sleep(0.1)
        self.sdk = stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.base}, max_network_retries=0)

    def get(self, path: str) -> bytes:
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {SECRET_KEY}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def webhook_register(self, hook_id: str, url: str, *, events: list[str] | None = None) -> None:
        """localstripe's own delivery: every event (or the listed types) is POSTed to ``url``, signed."""
        body = {"url": url, "secret": WEBHOOK_SECRET}
        if events is not None:
            body["events"] = events
        request = urllib.request.Request(f"{self.base}/_config/webhooks/{hook_id}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    def webhook_disable(self, hook_id: str) -> None:
        # localstripe cannot delete a hook: narrow it to an event type that never happens
        self.webhook_register(hook_id, "http://127.0.0.1:9/", events=["never.happens"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_state: dict = {}


def localstripe_ensure() -> LocalStripe:
    """Start localstripe once per test process and point the application's settings at it."""
    if "server" not in _state:
        server = LocalStripe()
        _state["override"] = override_settings(
            PAYMENT_GATEWAY="stripe", STRIPE_API_BASE=server.base, STRIPE_SECRET_KEY=SECRET_KEY,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_MAX_NETWORK_RETRIES=0,
        )
        _state["override"].enable()
        _state["server"] = server
        atexit.register(localstripe_stop)
    return _state["server"]


def localstripe_stop() -> None:
    server = _state.pop("server", None)
    if server is not None:
        server.stop()
        _state.pop("override").disable()


@pytest.fixture(scope="session")
def localstripe() -> LocalStripe:
    yield localstripe_ensure()
    localstripe_stop()


# --- what a resident's browser and Stripe itself do, through the SDK and Stripe's signing rule ----------------

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"  # attaches, then the charge is declined


def card_pay(server: LocalStripe, intent_id: str, number: str = CARD_OK):
    """Confirm an intent with a test card, as Stripe.js would with the client secret."""
    method = server.sdk.v1.payment_methods.create(params={
        "type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    server.sdk.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return server.sdk.v1.payment_intents.confirm(intent_id)


def event_raw(server: LocalStripe, intent_id: str, event_type: str) -> bytes:
    """The body of the event localstripe emitted for this intent, exactly as it serves it."""
    listed = json.loads(server.get(f"/v1/events?type={event_type}&limit=1000"))["data"]
    ids = [e["id"] for e in listed if e["data"]["object"]["id"] == intent_id]
    assert len(ids) == 1, (intent_id, event_type, ids)
    return server.get(f"/v1/events/{ids[0]}")


def charge_refunded_raw(server: LocalStripe, intent_id: str) -> bytes:
    """A ``charge.refunded`` event around the real charge as localstripe holds it now (refunds listed).

    localstripe emits no refund events; Stripe does, with this envelope. The charge inside is fetched
    from localstripe, not made up.
    """
    intent = json.loads(server.get(f"/v1/payment_intents/{intent_id}"))
    charge = json.loads(server.get(f"/v1/charges/{intent['latest_charge']['id']}"))
    event = {"id": "evt_" + secrets.token_hex(7), "object": "event", "type": "charge.refunded",
             "created": int(time.time()), "api_version": "2017-08-15", "livemode": False,
             "data": {"object": charge}}
    return json.dumps(event, indent=2, sort_keys=True).encode()


def stripe_signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """``Stripe-Signature`` as Stripe computes it: HMAC-SHA256 of "<timestamp>.<body>" with the endpoint secret."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), b"%d." % at + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


# --- a real HTTP server for webhooks, and committed rows it can see --------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class LiveServer:
    """The Django WSGI app on 127.0.0.1 in a threaded server (one thread, and one DB connection, per request)."""

    def __init__(self):
        self.httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
        self.httpd.set_app(get_internal_wsgi_application())
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        # the public host's name: the routing middleware finds the agent's own tenant by it
        self.webhook_url = f"http://localhost:{self.port}/webhooks/stripe"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server_http():
    server = LiveServer()
    yield server
    server.stop()


@dataclass
class World:
    resident: object
    household: object
    epd: object
    user_ids: list
    household_ids: list


_TABLES = ["payments_onlinepayment", "payments_payment", "payments_gatewayevent", "ledger_ledgerleg",
           "ledger_ledgertransaction", "ledger_ledgeraccount", "documents_epd", "documents_epdrun", "identity_auditlog"]


def _high_water() -> dict[str, int]:
    with connection.cursor() as cursor:
        marks = {}
        for table in _TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            marks[table] = cursor.fetchone()[0]
        return marks


def _delete_after(marks: dict[str, int]) -> None:
    """Delete every row of these tables above the marks (children first), the ledger's triggers bypassed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM ledger_ledgerleg WHERE id > %s OR transaction_id > %s",
                       [marks["ledger_ledgerleg"], marks["ledger_ledgertransaction"]])
        for table in _TABLES:
            if table != "ledger_ledgerleg":
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [marks[table]])


def world_make(n: int, *, total_due: str = "1500.50") -> World:
    """A household with a current ЕПД and its linked resident, written committed (the DB must be unblocked)."""
    from agency.documents.models import Epd, EpdRun
    from tenants.registry.models import House, Premise, UnifiedAccount
    from tenants.residents.models import ResidentLink
    from tests import factories

    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Платёжная",
                                 house_number=str(n))
    premise = Premise.objects.create(house=house, number="1", area=Decimal("40"))
    household = UnifiedAccount.objects.create(number=f"77{n:08d}", premise=premise, payer_name="Плательщик")
    resident = factories.user(f"payer{n}@pay.test", is_resident=True)
    ResidentLink.objects.create(user=resident, unified_account=household)
    run = EpdRun.objects.create(month=date(2026, 10, 1))
    epd = Epd.objects.create(
        run=run, unified_account=household, month=date(2026, 10, 1), ipd=f"{household.number}-1026-1",
        payer_name="Плательщик", address=f"Ярославль, ул. Платёжная, д. {n}, кв. 1", house=house,
        due_date=date(2026, 11, 15), total_due=Decimal(total_due), content={"els": household.number},
        content_sha256="0" * 64,
    )
    return World(resident, household, epd, [resident.pk], [household.pk])


def world_drop(worlds: list[World]) -> None:
    """Delete the households, premises, houses and residents (raw SQL: the ORM's cascade would look into
    principals' tables, which are not on the public search path)."""
    household_ids = [pk for w in worlds for pk in w.household_ids]
    user_ids = [pk for w in worlds for pk in w.user_ids]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT premise_id FROM registry_unifiedaccount WHERE id = ANY(%s)", [household_ids])
        premise_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT house_id FROM registry_premise WHERE id = ANY(%s)", [premise_ids])
        house_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("DELETE FROM cabinet_residentlink WHERE unified_account_id = ANY(%s) OR user_id = ANY(%s)",
                       [household_ids, user_ids])
        cursor.execute("DELETE FROM registry_unifiedaccount WHERE id = ANY(%s)", [household_ids])
        cursor.execute("DELETE FROM registry_premise WHERE id = ANY(%s)", [premise_ids])
        cursor.execute("DELETE FROM registry_house WHERE id = ANY(%s)", [house_ids])
        cursor.execute("UPDATE identity_auditlog SET actor_user_id = NULL WHERE actor_user_id = ANY(%s)", [user_ids])
        cursor.execute("DELETE FROM identity_user WHERE id = ANY(%s)", [user_ids])


def own_connection(fn, *args, **kwargs):
    """Run ``fn`` on a thread of its own, so on a database connection of its own, outside the test's
    transaction: what it writes is committed and visible to server threads (and, read committed, to the test)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class Committed:
    """Committed households and calls; at the end removes them and every payment-side row written meanwhile."""

    def __init__(self):
        self.marks = own_connection(_high_water)
        self.worlds: list[World] = []

    def world(self, n: int, **kwargs) -> World:
        made = own_connection(world_make, n, **kwargs)
        self.worlds.append(made)
        return made

    def run(self, fn, *args, **kwargs):
        return own_connection(fn, *args, **kwargs)

    def close(self):
        own_connection(_delete_after, self.marks)
        own_connection(world_drop, self.worlds)


@pytest.fixture
def committed(db):
    """For tests whose work happens on other connections (server threads): every write goes through
    ``committed.world`` / ``committed.run``, on connections of their own, committed; the test's own
    connection (inside its transaction) only reads, and sees those rows."""
    made = Committed()
    try:
        yield made
    finally:
        made.close()
