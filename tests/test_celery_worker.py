"""A real Celery worker on the real broker: tasks run in the schema they were sent from.

The worker is a separate process with its own database connection, so it sees only
committed data: the session's principals A and B (committed by conftest). The tests
only read.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

pytestmark = pytest.mark.celery

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
TASK_TIMEOUT = 30.0


def worker_database_url() -> str:
    """DATABASE_URL of the test database pytest-django created (``test_…``), same server and user."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or ""
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"



def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no worker log)"


def _wait_until_ready(app, nodename: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited with {proc.returncode}:\n{_log_tail(log_path)}")
        try:
            replies = app.control.ping(destination=[nodename], timeout=1.0)
        except Exception:  # the broker may refuse while the worker starts; keep asking
            replies = []
        if any(nodename in reply for reply in replies):
            return
        time.sleep(0.5)
    pytest.fail(f"the Celery worker did not answer ping within {START_TIMEOUT:.0f} s:\n{_log_tail(log_path)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, close connections
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A worker subprocess on the test database; stopped before the test database is dropped."""
    from agency.site.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        pytest.skip("the filesystem broker has no broadcast, so the worker cannot be pinged; set CELERY_BROKER_URL")

    nodename = f"pytest-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    env = dict(os.environ)
    env["DATABASE_URL"] = worker_database_url()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "platform"), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    cmd = [
        sys.executable, "-m", "celery", "--workdir", str(ROOT / "platform"), "-A", "agency.site",
        "worker", "--pool", "solo", "--loglevel", "INFO", "--hostname", nodename, "--without-mingle",
        "--without-gossip",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(app, nodename, proc, log_path)
        yield proc
    finally:
        _stop(proc)


@pytest.fixture
def worker(celery_worker, db):
    return celery_worker


def _run(task):
    return task.delay().get(timeout=TASK_TIMEOUT)


def test_heartbeat_runs_on_the_worker(worker):
    from agency.site.tasks import heartbeat

    assert _run(heartbeat) == "ok"


def test_task_runs_in_the_schema_it_was_sent_from(worker, principal_a, principal_b):
    from tenants.workspace.models import WorkspaceSettings
    from tenants.workspace.tasks import settings_snapshot

    for principal in (principal_a, principal_b):
        with tenant_context(principal):
            expected_due_day = WorkspaceSettings.objects.get(singleton=True).payment_due_day
            snapshot = _run(settings_snapshot)
        assert snapshot == {"schema": principal.schema_name, "payment_due_day": expected_due_day}
    assert principal_a.schema_name == "principal_a" and principal_b.schema_name == "principal_b"


def test_task_sent_from_public_runs_in_public(worker):
    from tenants.workspace.tasks import settings_snapshot

    # the public schema has no workspace table: the task must fail there, not read a principal's row
    result = settings_snapshot.delay()
    with pytest.raises(Exception, match="workspace_workspacesettings"):
        result.get(timeout=TASK_TIMEOUT)


def test_the_worker_registered_the_workspace_task(worker):
    from agency.site.celery import app

    nodename = worker.args[worker.args.index("--hostname") + 1]
    registered = app.control.inspect(destination=[nodename], timeout=5)
    names = {name for tasks in (registered.registered() or {}).values() for name in tasks}
    assert {"workspace.settings_snapshot", "agentsite.tasks.heartbeat"} <= names
