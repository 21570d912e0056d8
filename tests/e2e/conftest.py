"""Real-browser tests: Debian's Chromium driven by Playwright against a live stack with the demo.

Fixtures, all scoped to this package so the servers and the browser stop when the last browser test has run
(Playwright's synchronous API keeps an asyncio loop running in the main thread while it is alive, which would
make Django's ORM refuse to work in the tests that run after these):

- ``frontend_dist``: the web front end built (``npm ci`` when needed, ``npm run build``) when it is stale;
- ``live``: a fresh database ``<DATABASE_URL's name>_e2e`` with the demo, the web server, a Celery worker on a
  broker next to the test run's, localstripe delivering its webhooks; ``live.public``, ``live.principal(...)``;
- ``browser``: /usr/bin/chromium (never a downloaded browser); the test fails if it is missing;
- ``page`` (desktop, 1366×900) and ``phone_page`` (390×844, mobile), each in a fresh context with the ru-RU
  locale; console errors, page errors and failed requests are recorded and attached to a failure together with a
  full-page screenshot; ``shot(name)`` saves a full-page screenshot to tests/e2e/artifacts/<name>.png.
"""

import contextlib
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e import stack as e2e

E2E_DIR = Path(__file__).resolve().parent
TIMINGS: dict[str, float] = {}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        figures = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in TIMINGS.items())
        terminalreporter.write_line(f"e2e setup: {figures}")


@pytest.fixture(scope="package")
def frontend_dist(tmp_path_factory) -> Path:
    """The built front end, copied for this session: a rebuild in the shared checkout (which empties dist/ first)
    cannot pull the page from under the live server."""
    ds = e2e.devstack()
    started = time.monotonic()
    try:
        built = ds.frontend_build()
    except ds.FrontendBuildError as exc:
        pytest.fail(f"the web front end could not be built:\n{exc}", pytrace=False)
    TIMINGS["front-end build"] = time.monotonic() - started
    snapshot = tmp_path_factory.mktemp("e2e-frontend") / "dist"
    with ds.frontend_lock():
        if not built or not (ds.FRONTEND / "dist" / "index.html").is_file():
            pytest.fail(f"no web front end to test: {ds.FRONTEND}/dist/index.html is missing", pytrace=False)
        shutil.copytree(ds.FRONTEND / "dist", snapshot)
    return snapshot


@pytest.fixture(scope="package")
def live(frontend_dist, tmp_path_factory):
    base_url = settings.DATABASE_URL
    database_url = e2e.with_database(base_url, e2e.database_name(base_url) + "_e2e")
    state_dir = tmp_path_factory.mktemp("e2e-stack")
    try:
        stack = e2e.stack_start(database_url=database_url, broker_url=e2e.live_broker_url(settings.CELERY_BROKER_URL),
                                state_dir=state_dir, frontend_dist=frontend_dist)
    except Exception as exc:
        pytest.fail(f"the live stack did not start: {exc}", pytrace=False)
    TIMINGS.update({f"stack {name}": seconds for name, seconds in stack.timings.items()})
    yield stack
    stack.stop()
    e2e.database_drop(database_url)


@pytest.fixture(scope="package")
def browser():
    if not e2e.CHROMIUM.exists():
        pytest.fail(f"{e2e.CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
                    "bash infra/test.sh does it)", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    # the assertions wait as long as the actions do (context.set_default_timeout): on a loaded two-core machine a
    # sign-in (a password hash, then the first GraphQL queries) has taken over expect's default of 5 s
    expect.set_options(timeout=15_000)

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(e2e.CHROMIUM), headless=True,
                                              args=e2e.CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


# requests cancelled by a navigation of the page itself, not failures of the application
_BENIGN_FAILURES = ("net::ERR_ABORTED",)


@dataclass
class PageWatch:
    """What a page reported while a test drove it."""

    label: str
    page: object
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def attach(self) -> None:
        page = self.page

        def on_console(message):
            if message.type == "error":
                where = message.location or {}
                self.console_errors.append(f"{message.text} ({where.get('url', '')}:{where.get('lineNumber', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("requestfailed",
                lambda request: self.failed_requests.append(f"{request.method} {request.url}: {request.failure}"))
        page.on("response", lambda response: response.status >= 400 and self.failed_requests.append(
            f"{response.status} {response.request.method} {response.url}"))

    def problems(self) -> list[str]:
        """Console errors and failed requests, without cancellations caused by navigating."""
        failed = [r for r in self.failed_requests if not r.endswith(_BENIGN_FAILURES)]
        return [*self.console_errors, *failed]

    def report(self) -> str:
        lines = [f"[{self.label}] at {self.page.url}"]
        lines += [f"  console: {line}" for line in self.console_errors] or ["  console: no errors"]
        lines += [f"  request: {line}" for line in self.failed_requests] or ["  requests: none failed"]
        return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


# finite animations only: a spinner or an active progress bar loops for ever
_ANIMATIONS_DONE = ("() => document.getAnimations().every(a => a.playState !== 'running' "
                    "|| a.effect?.getComputedTiming().iterations === Infinity)")


def _open_page(browser, request, label: str, **context_options):
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", **context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = PageWatch(label, page)
    watch.attach()
    request.node.__dict__.setdefault("e2e_pages", []).append(watch)

    def shot(name: str) -> Path:
        e2e.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = e2e.ARTIFACTS / f"{_slug(name)}.png"
        # let running CSS transitions and animations (a drawer sliding in) finish first
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        # on a slow machine the picture may catch a transition midway, which no assertion depends on
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(_ANIMATIONS_DONE, timeout=10_000)
        page.screenshot(path=str(path), full_page=True)
        return path

    page.shot = shot
    page.watch = watch
    return context, page


@pytest.fixture
def page(browser, live, request):
    context, page = _open_page(browser, request, "desktop", viewport={"width": 1366, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live, request):
    context, page = _open_page(browser, request, "phone", viewport={"width": 390, "height": 844}, is_mobile=True,
                               has_touch=True)
    yield page
    context.close()


@pytest.fixture
def shot(request):
    """shot(name) saves a full-page screenshot of the test's last opened page to tests/e2e/artifacts/<name>.png."""

    def take(name: str) -> Path:
        watches = request.node.__dict__.get("e2e_pages") or []
        if not watches:
            raise RuntimeError("shot() needs a page: request the page or phone_page fixture first")
        return watches[-1].page.shot(name)

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    watches = item.__dict__.get("e2e_pages")
    if not watches or not report.failed or report.when != "call":
        return
    sections = []
    for watch in watches:
        text = watch.report()
        try:
            path = watch.page.shot(f"FAILED-{_slug(item.nodeid.split('::', 1)[-1])}-{watch.label}")
            text += f"\n  screenshot: {path}"
        except Exception as exc:  # a crashed page must not hide the test's own failure
            text += f"\n  screenshot failed: {exc}"
        sections.append(text)
    report.sections.append(("browser: console errors, failed requests, screenshots", "\n".join(sections)))
