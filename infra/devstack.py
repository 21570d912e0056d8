"""The embedded dev stack behind `infra/run.sh` and `infra/test.sh`.

run:  PostgreSQL (embedded via pgserver unless DATABASE_URL is set), migrations of the
      public, template and principal schemas, the demo data, the web server, and a real
      Celery worker and beat (on a filesystem broker unless CELERY_BROKER_URL is set).
      Unless STRIPE_API_BASE is set, a local fake Stripe (localstripe, loopback only) for the
      demo's card payments and its webhooks (without it the demo runs with no card payments).
      Ctrl-C stops everything it started.
test: the same database rule; ruff, then pytest. Celery tests use the machine's Redis
      when CELERY_BROKER_URL is unset and Redis answers on 127.0.0.1:6379.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("APP_STATE_DIR", ROOT / ".local"))
PY = sys.executable


def log(msg: str) -> None:
    print(f"[devstack] {msg}", flush=True)


def embedded_database_url(data_dir: Path, dbname: str) -> str:
    import pgserver  # the embedded PostgreSQL binaries, from PyPI

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    uri = urlparse(server.get_uri())
    socket_dir = parse_qs(uri.query)["host"][0]
    # dbname is one of our own constants, never user input
    with_db = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}';")  # noqa: S608
    if "(0 rows)" in with_db:
        server.psql(f'CREATE DATABASE "{dbname}";')
    # keep a reference so the server lives as long as this process
    embedded_database_url.server = server  # type: ignore[attr-defined]
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{dbname}"


def database_url(dbname: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        log("database: DATABASE_URL from the environment")
        return url
    log("database: embedded PostgreSQL (pgserver) in .local/pgdata")
    return embedded_database_url(STATE / "pgdata", dbname)


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# localstripe (the local fake Stripe) served on loopback only, without its pickle-to-/tmp persistence
LOCALSTRIPE = """
import sys
from aiohttp import web
import localstripe.resources
from localstripe.server import app
localstripe.resources.Store.dump_to_disk = lambda self: None
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str, *, data: bytes | None = None, headers: dict | None = None) -> bool:
    request = urllib.request.Request(url, data=data, headers=headers or {},  # noqa: S310 — loopback only
                                     method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 — our own loopback servers
            return response.status == 200
    except OSError:
        return False


def localstripe_start(env: dict) -> subprocess.Popen | None:
    """Start localstripe on a free loopback port and point STRIPE_* at it; None (and a note) if it fails."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secret_key = "sk_test_demo_localstripe"
    logfile = STATE / "localstripe.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    try:
        process = subprocess.Popen([PY, "-c", LOCALSTRIPE, str(port)], cwd=ROOT, stdout=logfile.open("wb"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        log(f"localstripe did not start ({exc}): the demo runs without card payments")
        return None
    deadline = time.monotonic() + 20
    auth = {"Authorization": f"Bearer {secret_key}"}
    while not http_ok(f"{base}/v1/events?limit=1", headers=auth):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            log(f"localstripe did not start (see {logfile}): the demo runs without card payments")
            return None
        time.sleep(0.2)
    env.update(PAYMENT_GATEWAY="stripe", STRIPE_API_BASE=base, STRIPE_SECRET_KEY=secret_key,
               STRIPE_WEBHOOK_SECRET="whsec_demo_" + secrets.token_hex(12))
    log(f"online payments: localstripe (a local fake Stripe) on {base}")
    return process


def localstripe_webhook(env: dict, port: int) -> None:
    """Once the web server answers, have localstripe deliver its signed events to our webhook."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    url = f"http://localhost:{port}/webhooks/stripe"
    body = json.dumps({"url": url, "secret": env["STRIPE_WEBHOOK_SECRET"]}).encode()
    if http_ok(f"{env['STRIPE_API_BASE']}/_config/webhooks/demo", data=body,
               headers={"Content-Type": "application/json"}):
        log(f"localstripe delivers its webhooks to {url}")
    else:
        log("localstripe's webhook could not be registered: card payments are recorded only when handled by hand")


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def manage(*args: str, env: dict) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def run(argv: list[str]) -> int:
    port = int(os.environ.get("PORT", "8000"))
    env = dict(os.environ)
    env.setdefault("APP_ENV", "development")
    env["DATABASE_URL"] = database_url("zhkh")
    env.setdefault("CELERY_BROKER_URL", "filesystem://")
    if env["CELERY_BROKER_URL"].startswith("filesystem"):
        for sub in ("broker/queue", "broker/processed", "broker/control", "results"):
            (STATE / sub).mkdir(parents=True, exist_ok=True)
        log("broker: embedded filesystem broker in .local/broker")
    log("migrating public, template and principal schemas")
    manage("migrate_platform", "-v", "0", env=env)
    stripe_server = None
    if env.get("STRIPE_API_BASE"):
        log(f"online payments: STRIPE_API_BASE from the environment ({env['STRIPE_API_BASE']})")
    else:
        stripe_server = localstripe_start(env)
    try:
        log("loading the demo data")
        manage("demo_seed", "--port", str(port), env=env)
    except BaseException:
        if stripe_server is not None:
            stop_process(stripe_server)
        raise

    children: list[subprocess.Popen] = [stripe_server] if stripe_server is not None else []

    def start(name: str, cmd: list[str]) -> None:
        log(f"starting {name}")
        children.append(subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True))

    # from here on Ctrl-C stops the loop below, which stops every child (localstripe included)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    celery = [PY, "-m", "celery", "--workdir", str(ROOT / "platform"), "-A", "agentsite"]
    start("web", [PY, "manage.py", "runserver", f"0.0.0.0:{port}", "--noreload"])
    start("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"])
    start("beat", [*celery, "beat", "--loglevel", "INFO"])
    if stripe_server is not None and not stopping:
        localstripe_webhook(env, port)
    log(f"ready: http://localhost:{port}/graphql — Ctrl-C stops everything")

    code = 0
    while not stopping:
        for child in children:
            if child.poll() is not None:
                log(f"a process exited with {child.returncode}; stopping the rest")
                code = child.returncode or 1
                stopping = True
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            # the main process only: Celery then shuts its pool down warmly, finishing running tasks
            child.send_signal(signal.SIGTERM)
    deadline = time.time() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    log("stopped")
    return code


def test(argv: list[str]) -> int:
    env = dict(os.environ)
    env["APP_ENV"] = "test"
    env["DATABASE_URL"] = database_url("zhkh")
    if not env.get("CELERY_BROKER_URL"):
        if redis_answers():
            env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/15"
            log("broker: the machine's Redis (db 15)")
        else:
            env["CELERY_BROKER_URL"] = "filesystem://"
            env.setdefault("APP_STATE_DIR", str(STATE / "test"))
            log("broker: no Redis on 127.0.0.1:6379, using the filesystem broker")
    lint = subprocess.run([PY, "-m", "ruff", "check", "."], cwd=ROOT, env=env)
    if lint.returncode:
        log("ruff found problems")
        return lint.returncode
    return subprocess.run([PY, "-m", "pytest", *argv], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["run"]
    sys.exit({"run": run, "test": test}[command](rest))
