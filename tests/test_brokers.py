"""Jobs from the web on every broker: the filesystem transport (the run command's), Redis and RabbitMQ.

For each broker a real worker is started on it (and on the test database); a report is requested through
GraphQL from a Django request, which queues it with ``tenants.enqueue.enqueue_on_commit`` once the request
commits, exactly as the web server does, and the worker builds it. A broker that is not running here is skipped
with the reason. The task goes to a queue of this test's own, so no other worker on a shared broker takes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from agency.identity.permissions import Perm
from tests.conftest import GraphQLClient
from tests.tenants.test_enqueue import _principal_a, _reset_pools, _staff, committed
from tests.test_celery_worker import _log_tail, _stop, worker_database_url

pytestmark = [pytest.mark.celery, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[1]
BROKERS = {
    "filesystem": "filesystem://",
    "redis": os.environ.get("TEST_REDIS_BROKER_URL", "redis://127.0.0.1:6379/7"),
    "rabbitmq": os.environ.get("TEST_RABBITMQ_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}
START_TIMEOUT = 60.0
JOB_TIMEOUT = 90.0
REPORT = ("mutation { reportRequest(kind: DEBTORS) { job { id status } errors { field message code } } }")
REPORT_JOB = "query($id: ID!) { reportJob(id: $id) { status error rows } }"


def _reachable(url: str) -> str | None:
    """Why the broker at url cannot be used here, or None."""
    import socket

    parts = urlparse(url)
    if parts.scheme == "filesystem":
        return None
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2):
            return None
    except OSError as exc:
        return f"{parts.scheme} is not running at {parts.hostname}:{parts.port} ({exc})"


@pytest.fixture
def on_broker(tmp_path, monkeypatch):
    """``on_broker(kind)``: the web side's Celery app sends to that broker, on a queue of its own, and a worker
    consumes that queue; both stop when the test ends."""
    from agency.site.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_default_queue")}
    started: list[subprocess.Popen] = []

    def start(kind: str) -> None:
        url = BROKERS[kind]
        reason = _reachable(url)
        if reason:
            pytest.skip(reason)
        queue = f"test-brokers-{uuid.uuid4().hex[:8]}"
        state = tmp_path / "state"
        broker = state / "broker"
        folders = {"data_folder_in": str(broker / "queue"), "data_folder_out": str(broker / "queue"),
                   "processed_folder": str(broker / "processed"), "control_folder": str(broker / "control")}
        for folder in {*folders.values(), str(state / "results"), str(state / "media")}:
            Path(folder).mkdir(parents=True, exist_ok=True)
        # the web side: Celery reads CELERY_BROKER_URL from the environment before its configuration
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        app.conf.broker_transport_options = folders if kind == "filesystem" else {}
        app.conf.task_default_queue = queue
        _reset_pools(app)

        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(DATABASE_URL=worker_database_url(), CELERY_BROKER_URL=url, APP_STATE_DIR=str(state),
                   CELERY_RESULT_BACKEND=f"file://{state / 'results'}", PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "platform"), env.get("PYTHONPATH", "")]))
        log_path = tmp_path / f"worker-{kind}.log"
        cmd = [sys.executable, "-m", "celery", "--workdir", str(ROOT / "platform"), "-A", "agency.site", "worker",
               "--pool", "solo", "--loglevel", "INFO", "-Q", queue, "--hostname", f"{queue}@%h",
               "--without-mingle", "--without-gossip", "--without-heartbeat"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)
        deadline = time.monotonic() + START_TIMEOUT
        while " ready." not in _log_tail(log_path, 200):  # the filesystem transport has no broadcast to ping
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker on {kind} did not start:\n{_log_tail(log_path)}")
            time.sleep(0.3)
        start.log_path = log_path

    yield start
    for proc in started:
        _stop(proc)
    monkeypatch.undo()
    app.conf.update(saved)
    _reset_pools(app)


@pytest.mark.parametrize("kind", list(BROKERS))
def test_a_job_queued_from_a_request_finishes_on_every_broker(on_broker, kind):
    from agency.reports.models import ReportJob

    on_broker(kind)

    def body(made):
        staff = GraphQLClient("a.localhost", user=_staff(made, _principal_a(), Perm.REPORTS_VIEW))
        response = staff(REPORT)
        assert response["_status"] == 200 and "errors" not in response, response
        result = response["data"]["reportRequest"]
        assert result["errors"] == [] and result["job"]["status"] == "QUEUED"

        deadline = time.monotonic() + JOB_TIMEOUT
        job = staff(REPORT_JOB, {"id": result["job"]["id"]})["data"]["reportJob"]
        while job["status"] in ("QUEUED", "RUNNING") and time.monotonic() < deadline:
            time.sleep(0.3)
            job = staff(REPORT_JOB, {"id": result["job"]["id"]})["data"]["reportJob"]
        assert job["status"] == "DONE" and not job["error"], (job, _log_tail(on_broker.log_path))
        assert ReportJob.objects.get(pk=result["job"]["id"]).finished_at is not None

    committed(body)
