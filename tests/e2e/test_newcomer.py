"""What a newcomer does, end to end: a fresh copy of the repository, `bash infra/run.sh`, the demo logins in
Chromium, a background job started from the web, then Ctrl-C.

The copy holds the repository's files as the working tree has them (``git ls-files``: tracked files with their
uncommitted edits, plus new files not yet added, which a clean CI clone does not have), so what is tested is what
would be committed. The run command then runs exactly as a newcomer gets it: no DATABASE_URL (the embedded
PostgreSQL, pgserver, initialised in the copy's own state folder), no CELERY_BROKER_URL (the filesystem broker),
localstripe, gunicorn, a worker and beat, on a free port.

Two things are reused to stay within CI's time, neither of which the run command would do differently:
- ``.venv``: the copy's ``.venv`` is a symbolic link to this checkout's, which ``infra/venv.sh`` has installed from
  the same ``requirements.lock`` (its stamp is the hash of the lock and pyproject.toml, equal in the copy, so the
  run command does not reinstall);
- the web front end: ``portal_frontend/node_modules`` is a link to this checkout's, and ``dist/`` is the session's
  build (the ``frontend_dist`` fixture, built when stale) copied with its timestamps, so the run command finds it
  fresh and does not rebuild.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agency.demo.seed import DEMO_PASSWORD
from tests.e2e import stack as e2e
from tests.e2e.conftest import TIMINGS, _open_page

ROOT = e2e.ROOT
READY = re.compile(r"\[devstack\] ready: ")
START_TIMEOUT = 240.0
STOP_TIMEOUT = 60.0
# the caller's variables that would take the run command off a newcomer's defaults
NOT_A_NEWCOMERS = {"DATABASE_URL", "CELERY_BROKER_URL", "APP_ENV", "DJANGO_SETTINGS_MODULE", "PYTHONPATH",
                   "CABINET_LINK_SECRET", "WEB_CONCURRENCY", "PORT", "APP_STATE_DIR", *e2e.SCRUBBED_ENV}

AGENT_ADMIN = "admin@erc.demo"
PRINCIPAL_ADMIN = "admin@uk-demo.demo"
RESIDENT = "resident1@mail.demo"

FETCH_STATUS = "async (url) => (await fetch(url, {credentials: 'same-origin'})).status"


def repository_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode()
    return sorted({name for name in listed.split("\0") if name})


def fresh_copy(target: Path, frontend_dist: Path) -> None:
    reused = {".venv", "portal_frontend/node_modules", "portal_frontend/dist"}
    for name in repository_files():
        if name in reused or name.startswith(tuple(f"{r}/" for r in reused)):
            continue  # linked or copied below (a link there is not covered by the folder-only ignore rules)
        source = ROOT / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree: not in the next commit
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    (target / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    frontend = target / "portal_frontend"
    if (ROOT / "portal_frontend" / "node_modules").is_dir():
        (frontend / "node_modules").symlink_to(ROOT / "portal_frontend" / "node_modules", target_is_directory=True)
    shutil.copytree(frontend_dist, frontend / "dist")


def processes_under(*roots: Path) -> list[str]:
    """Processes (other than this one) running in or from a folder under roots: their cwd or command line."""
    found = []
    prefixes = [str(root.resolve()) for root in roots] + [str(root) for root in roots]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue  # gone, or not ours to read
        if any(cwd.startswith(p) or p in cmdline for p in prefixes):
            found.append(f"{entry.name}: {cmdline or '?'} (in {cwd})")
    return found


def kill_strays(*roots: Path) -> None:
    for line in processes_under(*roots):
        with contextlib.suppress(OSError):
            os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)


def wait_ready(process: subprocess.Popen, output: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not READY.search(output.read_text(errors="replace")):
        if process.poll() is not None:
            pytest.fail(f"bash infra/run.sh exited with {process.returncode}:\n{e2e.log_tail(output, 60)}",
                        pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(f"bash infra/run.sh was not ready within {START_TIMEOUT:.0f} s:\n{e2e.log_tail(output, 60)}",
                        pytrace=False)
        time.sleep(0.5)


def http_get(port: int, path: str, host: str) -> tuple[int, bytes]:
    """GET from the server on loopback as host (urllib resolves no *.localhost names, unlike Chromium)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": f"{host}:{port}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sign_in(page, email: str) -> None:
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()


def graphql(page, query: str, **variables) -> dict:
    body = e2e.page_graphql(page, query, **variables)
    assert not body.get("errors"), body
    return body["data"]


@pytest.fixture
def newcomer_dir():
    """A folder outside pytest's own (which is private to its user): run as root, the embedded PostgreSQL runs as
    its own system user, which must reach its binaries and data through this folder."""
    folder = Path(tempfile.mkdtemp(prefix="zhkh-newcomer-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_newcomer_clones_runs_signs_in_everywhere_and_a_job_completes(browser, frontend_dist, newcomer_dir,
                                                                         request):
    started, tmp_path = time.monotonic(), newcomer_dir
    clone, state = tmp_path / "zhkh-agent", tmp_path / "state"
    fresh_copy(clone, frontend_dist)
    TIMINGS["newcomer copy"] = time.monotonic() - started

    port = e2e.devstack().free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_A_NEWCOMERS and not k.startswith("PYTEST_")}
    env.update(PORT=str(port), APP_STATE_DIR=str(state))
    output = tmp_path / "run.log"
    with output.open("wb") as out:
        # its own process group, as a shell's foreground job: Ctrl-C below goes to the group
        process = subprocess.Popen(["bash", "infra/run.sh"], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        mark = time.monotonic()
        wait_ready(process, output)
        TIMINGS["newcomer run.sh ready"] = time.monotonic() - mark
        log = output.read_text(errors="replace")
        assert "front end: npm" not in log, "the run command rebuilt the front end: the copied build was stale"
        assert "embedded PostgreSQL" in log and "embedded filesystem broker" in log
        assert (state / "secret_key").is_file() and not (clone / ".local" / "secret_key").exists()

        # the production server's pages: an unknown host is the Russian 404, assets are served without collectstatic
        mark = time.monotonic()
        for host in ("unknown-host.localhost", "example.com"):
            status, body = http_get(port, "/", host)
            assert status == 404 and "Страница не найдена" in body.decode(), (host, status)
            assert "Traceback" not in body.decode()
        index = http_get(port, "/", "localhost")[1].decode()
        asset = re.search(r'src="(/static/app/[^"]+\.js)"', index)
        assert asset, index[:500]
        assert http_get(port, asset.group(1), "localhost")[0] == 200

        public, principal = f"http://localhost:{port}", f"http://uk-demo.localhost:{port}"
        areas = [(public, AGENT_ADMIN, "Принципалы"), (principal, PRINCIPAL_ADMIN, "Сводка"),
                 (public, RESIDENT, "Мои счета")]
        pages = []
        for base, email, landing in areas:
            context, page = _open_page(browser, request, email, viewport={"width": 1366, "height": 900})
            pages.append((context, page))
            page.goto(base + "/")
            sign_in(page, email)
            expect(page.get_by_role("heading", name=landing, exact=True)).to_be_visible()
            expect(page.get_by_role("button", name="Выйти")).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.shot(f"newcomer-{landing}")
            assert page.watch.problems() == [], page.watch.report()

        # a background job from the web: the principal admin's report, built by the worker on the filesystem broker
        portal = pages[1][1]
        queued = graphql(portal, "mutation { reportRequest(kind: DEBTORS) { errors { field message } job { id } } }")
        assert queued["reportRequest"]["errors"] == [], queued
        job_id = queued["reportRequest"]["job"]["id"]
        deadline, job = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            job = graphql(portal, "query($id: ID!) { reportJob(id: $id) { status rows downloadUrl error } }",
                          id=job_id)["reportJob"]
            if job["status"] in {"DONE", "FAILED"}:
                break
            time.sleep(0.5)
        assert job["status"] == "DONE", job
        assert portal.evaluate(FETCH_STATUS, job["downloadUrl"]) == 200
        assert portal.watch.problems() == [], portal.watch.report()
        for context, _page in pages:
            context.close()
        TIMINGS["newcomer browser"] = time.monotonic() - mark

        # Ctrl-C: the run command stops everything it started, the embedded PostgreSQL included
        mark = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        try:
            code = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Ctrl-C did not stop the run command within {STOP_TIMEOUT:.0f} s:\n{e2e.log_tail(output)}",
                        pytrace=False)
        assert code == 0, e2e.log_tail(output)
        assert "[devstack] stopped" in output.read_text(errors="replace")
        deadline = time.monotonic() + 10
        while (strays := processes_under(clone, state)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert strays == [], "still running after Ctrl-C:\n" + "\n".join(strays)
        TIMINGS["newcomer stop"] = time.monotonic() - mark
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        kill_strays(clone, state)
        TIMINGS["newcomer total"] = time.monotonic() - started
