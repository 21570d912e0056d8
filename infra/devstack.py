"""The embedded dev stack behind `infra/run.sh` and `infra/test.sh`.

run:  PostgreSQL (embedded via pgserver unless DATABASE_URL is set), migrations of the
      public, template and principal schemas, the demo data, the web server, and a real
      Celery worker and beat (on a filesystem broker unless CELERY_BROKER_URL is set).
      Ctrl-C stops everything it started.
test: the same database rule; ruff, then pytest. Celery tests use the machine's Redis
      when CELERY_BROKER_URL is unset and Redis answers on 127.0.0.1:6379.
"""

import os
import signal
import socket
import subprocess
import sys
import time
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
    log("loading the demo data")
    manage("demo_seed", "--port", str(port), env=env)

    children: list[subprocess.Popen] = []

    def start(name: str, cmd: list[str]) -> None:
        log(f"starting {name}")
        children.append(subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True))

    celery = [PY, "-m", "celery", "--workdir", str(ROOT / "platform"), "-A", "agentsite"]
    start("web", [PY, "manage.py", "runserver", f"0.0.0.0:{port}", "--noreload"])
    start("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"])
    start("beat", [*celery, "beat", "--loglevel", "INFO"])
    log(f"ready: http://localhost:{port}/graphql — Ctrl-C stops everything")

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
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
