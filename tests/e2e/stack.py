"""The live stack behind the browser tests: a fresh database with the demo, the web server (the run command's own
gunicorn command, infra/devstack.py ``web_command``), a Celery worker and beat, and localstripe, all as
subprocesses, built from the dev stack's own helpers (infra/devstack.py).

Everything runs on loopback. The stack's database is the test run's DATABASE_URL database name plus ``_e2e``
(dropped and created anew each session). Its broker is the run command's own: the filesystem transport in the
stack's state folder; with E2E_BROKER=neighbour, a neighbour of the pytest worker's broker (the next Redis db,
another RabbitMQ vhost), so the two workers never take each other's tasks.
"""

import glob
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

import psycopg
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 90.0
# variables of the caller's environment that would point the live stack at shared or real services
SCRUBBED_ENV = ("CACHE_URL", "CELERY_RESULT_BACKEND", "ALLOWED_HOSTS", "DJANGO_DEBUG", "EMAIL_HOST", "S3_BUCKET",
                "S3_ENDPOINT_URL", "PAYMENT_GATEWAY", "STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                "MEDIA_ROOT", "FRONTEND_DIST", "CSRF_TRUSTED_ORIGINS", "DJANGO_SECRET_KEY")


def devstack():
    """infra/devstack.py as a module (it is a script, not a package)."""
    module = sys.modules.get("devstack")
    if module is None:
        spec = importlib.util.spec_from_file_location("devstack", ROOT / "infra" / "devstack.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["devstack"] = module
        spec.loader.exec_module(module)
    return module


def database_name(url: str) -> str:
    return unquote(urlparse(url).path.lstrip("/"))


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/" + name))


def database_recreate(url: str) -> None:
    """DROP (closing its sessions) and CREATE the database of url, through the server's maintenance database."""
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_drop(url: str) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url))))


def neighbour_broker_url(url: str) -> str:
    """A broker next to url that shares no queue with it: Redis db n+1 (mod 16), a sibling RabbitMQ vhost
    (which must exist on the server), or the same filesystem transport (its folders follow APP_STATE_DIR)."""
    parts = urlparse(url)
    if parts.scheme in {"redis", "rediss"}:
        path = parts.path.strip("/")
        db = int(path) if path.isdigit() else 0
        return urlunparse(parts._replace(path=f"/{(db + 1) % 16}"))
    if parts.scheme in {"amqp", "amqps", "pyamqp"}:
        vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        return urlunparse(parts._replace(path="/" + ("e2e" if vhost == "/" else f"{vhost}_e2e")))
    return url


def live_broker_url(test_broker_url: str) -> str:
    """The live stack's broker: the run command's own (the filesystem broker in the stack's state folder) unless
    E2E_BROKER is ``neighbour``, which takes the broker next to the test run's (Redis, RabbitMQ)."""
    if os.environ.get("E2E_BROKER", "filesystem") == "neighbour":
        return neighbour_broker_url(test_broker_url)
    return "filesystem://"


# GraphQL from inside a page, as the front end sends it: the session cookie and the CSRF token
GRAPHQL_FETCH = """async ([query, variables]) => {
    await fetch("/auth/csrf", {credentials: "same-origin"});
    const token = (document.cookie.match(/(?:^|;\\s*)csrftoken=([^;]+)/) || [])[1] || "";
    const response = await fetch("/graphql", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token)},
        body: JSON.stringify({query, variables})});
    return await response.json();
}"""


def page_graphql(page, query: str, **variables) -> dict:
    """The response of a GraphQL request made by the page (Chromium resolves *.localhost; urllib does not)."""
    return page.evaluate(GRAPHQL_FETCH, [query, variables])


def http_get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class LiveStack:
    port: int
    database_url: str
    broker_url: str
    stripe_base: str
    logs: Path
    timings: dict[str, float] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    _demo_calendar: object = field(default=None, repr=False)

    @property
    def public(self) -> str:
        """The agent's host: the residents' cabinet and the back office."""
        return f"http://localhost:{self.port}"

    def principal(self, subdomain: str = "uk-demo") -> str:
        return f"http://{subdomain}.localhost:{self.port}"

    def log(self, name: str, lines: int = 40) -> str:
        return log_tail(self.logs / f"{name}.log", lines)

    def manage_output(self, *args: str, at: datetime | None = None) -> str:
        """A management command against the live stack, its output returned; with ``at``, the command's
        process runs with its clock moved to that moment (Moscow time) by Debian's libfaketime."""
        env = dict(self.env)
        if at is not None:
            preload = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
            if not preload:
                raise RuntimeError("libfaketime is missing: apt-get install faketime (infra/test.sh installs it)")
            env.update(LD_PRELOAD=preload[0], FAKETIME="@" + at.strftime("%Y-%m-%d %H:%M:%S"),
                       TZ="Europe/Moscow", FAKETIME_DONT_FAKE_MONOTONIC="1")
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def demo_calendar(self):
        """The demo's calendar (``agency.demo.dates.DemoCalendar``) as the stack's demo was loaded: its month,
        payment day and payout day follow the day it was loaded on, never a fixed date."""
        if self._demo_calendar is None:
            from agency.demo.dates import DemoCalendar

            script = ("import json; from dataclasses import asdict; from agency.demo.seed import demo_loaded_calendar; "
                      "print(json.dumps(asdict(demo_loaded_calendar()), default=str))")
            fields = json.loads(self.manage_output("shell", "-c", script).strip().splitlines()[-1])
            self._demo_calendar = DemoCalendar(**{k: date.fromisoformat(v) for k, v in fields.items()})
        return self._demo_calendar

    def next_payout_day(self) -> date:
        """The working day whose payouts will take today's allocations: the next working day after today by the
        application's calendar, or, when an earlier browser test of the session has built that day already
        (its payouts are then closed to new money), the working day after the latest one built."""
        script = ("from django.db.models import Max; from django.utils import timezone; "
                  "from agency.payments.models import PayoutRun; "
                  "from tenants.regulations.selectors import next_working_day; "
                  "day = next_working_day(timezone.localdate()); "
                  "built = PayoutRun.objects.aggregate(d=Max('business_day'))['d']; "
                  "print(next_working_day(built) if built and built >= day else day)")
        return date.fromisoformat(self.manage_output("shell", "-c", script).strip().splitlines()[-1])

    def mail_link(self, to: str, path: str, timeout: float = 30.0) -> str:
        """The link to ``path`` (e.g. ``/signup/confirm/``) in the newest message the stack mailed to ``to``: the
        stack's e-mail goes to files in ``EMAIL_FILE_PATH`` (Django's filebased backend), one per connection."""
        import email
        import re

        folder = Path(self.env["EMAIL_FILE_PATH"])
        pattern = re.compile(r"https?://[^\s]+" + re.escape(path) + r"[^\s]+")
        deadline = time.monotonic() + timeout
        while True:
            found = []
            for file in sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime):
                for raw in file.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                    message = email.message_from_bytes(raw.strip())
                    if to not in (message.get("To") or ""):
                        continue
                    body = message.get_payload(decode=True) or b""
                    found += pattern.findall(body.decode(message.get_content_charset() or "utf-8"))
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no message to {to} with a link to {path} in {folder}")
            time.sleep(0.3)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"the live stack's {name} exited with {process.returncode}:\n{self.log(name)}")

    def stop(self) -> None:
        ds = devstack()
        for process in reversed(list(self.processes.values())):
            ds.stop_process(process, timeout=15, group=True)


def _spawn(name: str, cmd: list[str], env: dict, logs: Path) -> subprocess.Popen:
    with (logs / f"{name}.log").open("wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait(what: str, ready, stack: LiveStack, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        stack.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the live stack's {what} was not ready within {timeout:.0f} s:\n{stack.log(what)}")
        time.sleep(0.3)


def _health(port: int) -> bool:
    try:
        return http_get(f"http://localhost:{port}/health", timeout=2)[0] == 200
    except OSError:
        return False


def stack_start(*, database_url: str, broker_url: str, state_dir: Path, frontend_dist: Path) -> LiveStack:
    """Fresh database, migrations, localstripe, the demo, then the web server, a worker and beat; raises with the
    failing part's log tail. The caller stops it (``LiveStack.stop``) and drops the database."""
    ds = devstack()
    logs = state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for sub in ("broker/queue", "broker/processed", "broker/control", "results", "media", "mail"):
        (state_dir / sub).mkdir(parents=True, exist_ok=True)
    port = ds.free_port()
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV and not k.startswith("PYTEST_")}
    env.update(APP_ENV="development", PUBLIC_HOST="localhost", DATABASE_URL=database_url,
               CELERY_BROKER_URL=broker_url, APP_STATE_DIR=str(state_dir), FRONTEND_DIST=str(frontend_dist),
               PYTHONUNBUFFERED="1", EMAIL_FILE_PATH=str(state_dir / "mail"))  # read by LiveStack.mail_link
    # The stack makes its own secret key in its state folder, as any installation does; only the key of the codes
    # printed on the ЕПД is the test run's, so a test can compute the code of a household (cabinet.link_code).
    env["CABINET_LINK_SECRET"] = settings.CABINET_LINK_SECRET
    stack = LiveStack(port=port, database_url=database_url, broker_url=broker_url, stripe_base="", logs=logs,
                      env=env)
    started = time.monotonic()
    try:
        database_recreate(database_url)
        ds.manage("migrate_platform", "-v", "0", env=env, logfile=logs / "migrate.log")
        stack.timings["database"] = time.monotonic() - started

        # before the demo: it makes a card payment through the fake Stripe
        stripe_server = ds.localstripe_start(env, logfile=logs / "localstripe.log")
        if stripe_server is None:
            raise RuntimeError(f"localstripe did not start:\n{stack.log('localstripe')}")
        stack.processes["localstripe"] = stripe_server
        stack.stripe_base = env["STRIPE_API_BASE"]
        mark = time.monotonic()
        ds.manage("demo_seed", "--port", str(port), env=env, logfile=logs / "demo.log")
        stack.timings["demo"] = time.monotonic() - mark

        mark = time.monotonic()
        nodename = f"e2e-{secrets.token_hex(4)}@%h"
        # the run command's own web server (gunicorn, DEBUG off) and beat, on loopback
        stack.processes["web"] = _spawn("web", ds.web_command(port, host="127.0.0.1"), env, logs)
        stack.processes["worker"] = _spawn(
            "worker", ds.celery_command("worker", "--loglevel", "INFO", "--concurrency", "2", "--hostname", nodename,
                                        "--without-gossip", "--without-mingle"), env, logs)
        stack.processes["beat"] = _spawn("beat", ds.celery_command("beat", "--loglevel", "INFO"), env, logs)
        _wait("web", lambda: _health(port), stack)
        _wait("worker", lambda: " ready." in stack.log("worker", 200), stack)
        ds.localstripe_webhook(env, port)
        stack.timings["servers"] = time.monotonic() - mark
    except BaseException:
        stack.stop()
        raise
    stack.timings["total"] = time.monotonic() - started
    return stack
