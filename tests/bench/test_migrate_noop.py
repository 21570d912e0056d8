"""`migrate_schemas` over 200 principals with nothing to apply: the fast-path executor against a baseline.

The module fixture creates 200 principals (committed: the multiprocessing executor's workers use their
own connections) whose schemas copy the template's tables and migration rows (clone_schema itself
slows down as schemas accumulate -- one real clone is timed with the 200 in place), times the runs,
checks that one missing django_migrations row is found, and drops
the 200 schemas at module teardown. The test, in the usual rolled-back transaction, prints and asserts.
"""

import statistics
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.management.commands.migrate_schemas import Command as MigrateSchemasCommand
from django_tenants.migration_executors import get_executor as tenants_get_executor

from tenants.migration import FastPathExecutor, schemas_behind
from tenants.models import Principal
from tenants.provisioning import template_schema_name
from tests.bench._util import (
    assert_test_database,
    bench,
    principal_make,
    principal_make_light,
    principals_drop,
    stopwatch,
    summary,
    verdict,
)

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

PRINCIPALS = 200
SAMPLE = 20
FASTPATH_RUNS = 3
TARGET_S = 60.0
FIRST_N = 5000  # requisites(n) numbers for this module: 5000..5200


def all_schemas() -> list[str]:
    principals = Principal.objects.exclude(schema_name="public").order_by("schema_name")
    return [*principals.values_list("schema_name", flat=True), template_schema_name()]


def migrate_options(**overrides) -> dict:
    """The options `call_command("migrate_schemas", ...)` hands its executor."""
    command = MigrateSchemasCommand()
    options = vars(command.create_parser("manage.py", "migrate_schemas").parse_args([]))
    options.update(skip_checks=True, tenant=True, interactive=False, verbosity=0, **overrides)
    return options


class InnerSpy:
    """Records what the fast path hands to its inner executor; optionally runs it. Patch in `method`."""

    def __init__(self, run: bool):
        self.run = run
        self.calls: list[list[str]] = []
        original = FastPathExecutor._inner

        def method(executor, count):
            inner = original(executor, count)
            spy = self

            class Recorder:
                def run_migrations(self, tenants=None):
                    spy.calls.append(list(tenants or []))
                    if spy.run:
                        inner.run_migrations(tenants=tenants)

            return Recorder()

        self.method = method


def _one_missing_row(results: dict, schemas: list[str]) -> None:
    """Delete one schema's newest django_migrations row, check it is found and handed on alone, restore it."""
    target = schemas[len(schemas) // 2]
    table = f"{connection.ops.quote_name(target)}.django_migrations"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, app, name, applied FROM {table} ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row[0]])
    try:
        results["missing_row"] = (target, row[1], row[2])
        results["behind_after_delete"] = schemas_behind(schemas)
        spy = InnerSpy(run=False)  # only which schemas the fast path would migrate, not the migration
        with mock.patch.object(FastPathExecutor, "_inner", spy.method):
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        results["handed_on_after_delete"] = spy.calls
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE app = %s AND name = %s", [row[1], row[2]])
            if cursor.fetchone() is None:
                cursor.execute(f"INSERT INTO {table} (id, app, name, applied) VALUES (%s, %s, %s, %s)", row)
    results["behind_after_restore"] = schemas_behind(schemas)


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    made: list[Principal] = []
    results: dict = {"clone_times": [], "real_clone_times": [], "fastpath_times": [], "fastpath_calls": []}
    try:
        with django_db_blocker.unblock():
            assert_test_database()
            for i in range(PRINCIPALS):
                with stopwatch(results["clone_times"]):
                    made.append(principal_make_light(FIRST_N + i, "bench_m"))
            with stopwatch(results["real_clone_times"]):
                made.append(principal_make(FIRST_N + PRINCIPALS, "bench_m"))
            schemas = all_schemas()
            results["schemas"] = schemas
            results["tenant_count"] = len(schemas) - 1  # migrate_schemas --tenant walks the principals

            start = time.perf_counter()
            results["behind"] = schemas_behind(schemas)
            results["schemas_behind_time"] = time.perf_counter() - start

            for _ in range(FASTPATH_RUNS):
                spy = InnerSpy(run=True)
                with mock.patch.object(FastPathExecutor, "_inner", spy.method), stopwatch(results["fastpath_times"]):
                    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
                results["fastpath_calls"].extend(spy.calls)
                connection.set_schema_to_public()

            sample = [p.schema_name for p in made[:SAMPLE]]
            executor = tenants_get_executor("multiprocessing")((), migrate_options(executor="multiprocessing"))
            start = time.perf_counter()
            executor.run_migrations(tenants=list(sample))
            results["multiprocessing_sample_time"] = time.perf_counter() - start
            connection.set_schema_to_public()

            _one_missing_row(results, schemas)
        yield results
    finally:
        with django_db_blocker.unblock():
            principals_drop(made)
            results["left_over"] = Principal.objects.filter(schema_name__startswith="bench_m_").count()


def test_migrate_noop(measured):
    tenants = measured["tenant_count"]
    fast = statistics.median(measured["fastpath_times"])
    sample_time = measured["multiprocessing_sample_time"]
    per_schema = sample_time / SAMPLE
    extrapolated = per_schema * tenants
    bench(f"migrate_noop setup: {PRINCIPALS} principals by table copy, {summary(measured['clone_times'])}")
    real_clone = measured["real_clone_times"][0]
    bench(
        f"migrate_noop principal_create (clone_schema) with {tenants - 1} principals present: {real_clone:.2f}s "
        f"(provisioning target <= 2s: {verdict(real_clone, 2.0)})"
    )
    bench(f"migrate_noop schemas_behind over {len(measured['schemas'])} schemas: "
          f"{measured['schemas_behind_time'] * 1000:.1f}ms")
    bench(f"migrate_noop fastpath (default executor), {tenants} principals: {summary(measured['fastpath_times'])}")
    bench(
        f"migrate_noop multiprocessing baseline: {SAMPLE} schemas in {sample_time:.2f}s "
        f"({per_schema * 1000:.0f}ms/schema) -> EXTRAPOLATED to {tenants}: {extrapolated:.1f}s"
    )
    bench(f"migrate_noop speed-up fastpath vs multiprocessing (extrapolated): {extrapolated / fast:.0f}x")
    bench(f"migrate_noop target <= {TARGET_S:.0f}s for {tenants}: fastpath {fast:.2f}s {verdict(fast, TARGET_S)}")

    assert tenants >= PRINCIPALS
    assert measured["behind"] == []
    assert measured["fastpath_calls"] == [], "the fast path handed schemas on with nothing to apply"
    target, app, name = measured["missing_row"]
    assert measured["behind_after_delete"] == [target]
    assert measured["handed_on_after_delete"] == [[target]]
    assert measured["behind_after_restore"] == []
    assert schemas_behind(all_schemas()) == []
    bench(
        f"migrate_noop check: nothing behind; without {app}.{name} in {target}, schemas_behind and the "
        f"fast path pick exactly [{target}]; restored"
    )
