"""The test command on other days: the date-sensitive suites pass with the clock moved by libfaketime.

No test may depend on the wall clock's month or year unless it fixes the clock itself. This module proves it for
the suites where a date matters (the demo loaded on the day, payouts and the production calendar, reconciliation,
penalties, reading windows, the resident's history): for each day below they run in a pytest subprocess whose
clock Debian's libfaketime moves to that moment, Moscow time, and a small browser subset runs on one of the days.

- Each subprocess has its own database, ``<the run's database>_at<YYYYMMDD>`` (pytest-django makes
  ``test_<name>``, the browser tests' live stack ``<name>_e2e``), so no run meets the outer run's databases.
- The clock is moved by an offset (``FAKETIME="+<seconds>"``) that every process started from the subprocess
  inherits unchanged (localstripe, the live stack's web server, worker and beat, Chromium), with the monotonic
  clock moved too: libfaketime 0.9.10 with ``FAKETIME_DONT_FAKE_MONOTONIC=1`` makes Python's ``time.sleep``
  (an absolute ``clock_nanosleep`` on the monotonic clock) fail with EINVAL.
- The PostgreSQL server keeps the real clock: the product's "today" comes from Python (``timezone.localdate()``),
  which is what these runs check.
- The subprocesses use an in-memory Celery broker and leave out the tests that need a real worker, so no task of
  theirs can reach the outer run's worker.

Two subprocesses run at a time; the whole module takes a few minutes (the demo is loaded once per day and suite).
"""

import glob
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tests.e2e import stack as e2e

ROOT = Path(__file__).resolve().parents[2]
MOSCOW = ZoneInfo("Europe/Moscow")
TIMEOUT = 900
PARALLEL = 2
UNIT_MARKERS = "not e2e and not bench and not celery"

# the suites whose outcome depends on the day they run: the demo (built relative to the day it is loaded),
# payouts and the production calendar, reconciliation, penalties, reading windows, the resident's history and
# the principal's dashboard of the current month
SUITES = [
    "tests/demo/test_epd.py",
    "tests/demo/test_payments.py",
    "tests/payments/test_payouts.py",
    "tests/payments/test_reconciliation.py",
    "tests/regulations/test_calendar.py",
    "tests/tenants/penalties/test_accrual.py",
    "tests/tenants/billing/test_reading_window.py",
    "tests/cabinet/test_meters_window.py",
    "tests/cabinet/test_resident_readings.py",
    "tests/cabinet/test_change_requests.py",
    "tests/cabinet/test_history.py",
    "tests/reports/test_dashboard.py",
]
# the browser tests on one day: the login pages, and the back office's payments day whose payouts are built by
# the 07:00 run of the next working day
E2E_SUITES = [
    "tests/e2e/test_smoke.py",
    "tests/e2e/test_office.py::test_operator_imports_pays_out_and_reconciles",
]


@dataclass(frozen=True)
class Day:
    label: str
    at: datetime  # Moscow time
    e2e: bool = False

    @property
    def key(self) -> str:
        return f"{self.at:%Y-%m-%d}"


DAYS = [
    Day("the 1st of a month just after midnight, still the last day of the month before in UTC",
        datetime(2026, 12, 1, 0, 30, tzinfo=MOSCOW), e2e=True),
    Day("31 December: the last day of a month and of the year, a day off moved from 4 January",
        datetime(2026, 12, 31, 21, 0, tzinfo=MOSCOW)),
    Day("a Monday after a public holiday: the first working day after the New Year holidays",
        datetime(2027, 1, 11, 9, 0, tzinfo=MOSCOW)),
    Day("28 February: the last day of February, a Sunday", datetime(2027, 2, 28, 12, 0, tzinfo=MOSCOW)),
    Day("the 1st of a month just after midnight, still 28 February in UTC",
        datetime(2027, 3, 1, 0, 30, tzinfo=MOSCOW)),
]
# Known gaps, by year: the tests that fail on any day of that year until the product is fixed, and why. A day of
# the year passes when exactly these fail; once one of them passes, its entry here must go.
KNOWN_FAILURES: dict[int, tuple[str, set[str]]] = {}


@dataclass
class Outcome:
    what: str
    day: Day
    returncode: int
    output: str
    seconds: float

    @property
    def failed(self) -> set[str]:
        """The node ids of the run's failed and erroring tests (pytest's -rfE summary lines)."""
        found = re.findall(r"^(?:FAILED|ERROR) (\S+)", self.output, flags=re.MULTILINE)
        return {node for node in found if "::" in node or node.endswith(".py")}

    def report(self, expected: set[str] = frozenset()) -> str:
        lines = self.output.splitlines()
        # the assertions and the lines they were raised at, then the run's summary
        detail = [line for line in lines if re.match(r"^(E |>|\S+\.py:\d+: )", line)][:60]
        return (f"{self.what} failed on {self.day.at:%d.%m.%Y %H:%M} Moscow time ({self.day.label}), "
                f"exit code {self.returncode}, {self.seconds:.0f} s\n"
                f"unexpected failures: {sorted(self.failed - expected) or 'none'}\n"
                f"known failures that now pass (drop them from KNOWN_FAILURES): "
                f"{sorted(expected - self.failed) or 'none'}\n\n"
                + "\n".join(detail) + "\n--- the run's last lines ---\n" + "\n".join(lines[-25:]))


def libfaketime() -> str:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is missing (/usr/lib/*/faketime/libfaketime.so.1): apt-get install faketime "
                    "(infra/test.sh installs it)", pytrace=False)
    return found[0]


def clock_env(day: Day, database: str, preload: str) -> dict[str, str]:
    """The subprocess's environment: the run's, on its own database and broker, its clock moved to ``day``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "FAKETIME")) and k not in {"LD_PRELOAD", "E2E_BROKER"}}
    env.update(
        DATABASE_URL=e2e.with_database(settings.DATABASE_URL, database),
        CELERY_BROKER_URL="memory://",
        LD_PRELOAD=preload,
        FAKETIME=f"{round(day.at.timestamp() - time.time()):+d}",
        TZ="Europe/Moscow",
    )
    return env


def run(what: str, day: Day, args: list[str], preload: str) -> Outcome:
    database = f"{e2e.database_name(settings.DATABASE_URL)}_at{day.at:%Y%m%d}"
    env = clock_env(day, database, preload)
    started = time.monotonic()
    # the clock really is moved: the subprocess's Python sees the day (Moscow time)
    seen = subprocess.run([sys.executable, "-c", "import datetime; print(datetime.datetime.now().isoformat())"],
                          env=env, capture_output=True, text=True, timeout=60)
    now = seen.stdout.strip()
    try:
        moved = abs(datetime.fromisoformat(now).replace(tzinfo=MOSCOW) - day.at).total_seconds() < 120
    except ValueError:
        moved = False
    if not moved:
        return Outcome(what, day, -1, f"libfaketime did not move the clock to {day.at:%Y-%m-%d %H:%M}: the "
                       f"subprocess saw {now!r}\n{seen.stderr}", time.monotonic() - started)
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE",
                               "--no-header", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT)
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code = -1
        output = f"timed out after {TIMEOUT} s\n{(exc.stdout or b'').decode(errors='replace')}"
    return Outcome(what, day, code, output, time.monotonic() - started)


@pytest.fixture(scope="module")
def outcomes(request) -> dict[tuple[str, str], Outcome]:
    preload = libfaketime()
    # only the runs whose tests are selected (-m "not e2e" leaves the browser subset out, -k a day the others)
    kinds = {test_the_date_sensitive_suites_pass_on_another_day.__name__: "suites",
             test_the_browser_subset_passes_on_another_day.__name__: "browser tests"}
    selected = {(kinds[item.originalname], item.callspec.params["day"].key) for item in request.session.items
                if getattr(item, "originalname", None) in kinds}
    jobs = [("suites", day, ["-m", UNIT_MARKERS, *SUITES]) for day in DAYS]
    jobs += [("browser tests", day, ["-m", "e2e", *E2E_SUITES]) for day in DAYS if day.e2e]
    jobs = [job for job in jobs if (job[0], job[1].key) in selected]
    # the longest first, so two at a time finish together
    jobs.sort(key=lambda job: job[0] != "browser tests")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = {(what, day.key): pool.submit(run, what, day, args, preload) for what, day, args in jobs}
        results = {key: future.result() for key, future in futures.items()}
    seconds = time.monotonic() - started
    timings = ", ".join(f"{what} {key} {o.seconds:.0f} s" for (what, key), o in results.items())
    print(f"\nother dates: {seconds:.0f} s in all ({timings})")
    return results


def check(outcome: Outcome) -> None:
    _why, expected = KNOWN_FAILURES.get(outcome.day.at.year, ("", set()))
    if outcome.what != "suites":
        expected = set()
    if outcome.returncode == 0 and not expected:
        return
    if outcome.returncode in (0, 1) and outcome.failed == expected:
        return
    pytest.fail(outcome.report(expected), pytrace=False)


@pytest.mark.parametrize("day", DAYS, ids=[day.key for day in DAYS])
def test_the_date_sensitive_suites_pass_on_another_day(outcomes, day):
    check(outcomes[("suites", day.key)])


@pytest.mark.e2e
@pytest.mark.parametrize("day", [day for day in DAYS if day.e2e], ids=[day.key for day in DAYS if day.e2e])
def test_the_browser_subset_passes_on_another_day(outcomes, day):
    check(outcomes[("browser tests", day.key)])
