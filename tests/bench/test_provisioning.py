"""Provisioning a principal: template clone (principal_create) against replaying every tenant migration.

The module fixture does the timed work with the database unblocked outside any test transaction
(migrate_schemas needs committed schemas) and drops everything it created at module teardown; the
test, in the usual rolled-back transaction, prints the figures and checks the clones.
"""

import statistics

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.migration import schemas_behind
from tenants.models import Domain
from tenants.workspace.models import WorkspaceSettings
from tests.bench._util import (
    assert_test_database,
    bench,
    principal_make,
    principals_drop,
    schema_columns,
    schema_tables,
    stopwatch,
    summary,
    verdict,
)

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

CLONES = 5
REPLAYS = 3
CLONE_TARGET_S = 2.0
FIRST_N = 5300  # requisites(n) numbers for this module: 5300..5304


@pytest.fixture(scope="module")
def provisioned(django_db_setup, django_db_blocker):
    made = {"principals": [], "schemas": [], "clone_times": [], "replay_times": []}
    try:
        with django_db_blocker.unblock():
            assert_test_database()
            for i in range(CLONES):
                with stopwatch(made["clone_times"]):
                    principal = principal_make(FIRST_N + i, "bench_prov")
                made["principals"].append(principal)
            for i in range(REPLAYS):
                schema = f"bench_replay_{i}"
                made["schemas"].append(schema)
                with stopwatch(made["replay_times"]):
                    with connection.cursor() as cursor:
                        cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(schema)}")
                    call_command(
                        "migrate_schemas", tenant=True, schema_name=schema, executor="standard",
                        interactive=False, verbosity=0,
                    )
                connection.set_schema_to_public()
        yield made
    finally:
        with django_db_blocker.unblock():
            principals_drop(made["principals"])
            with connection.cursor() as cursor:
                for schema in made["schemas"]:
                    cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
            connection.set_schema_to_public()


def test_clone_vs_replay(provisioned):
    clone_times, replay_times = provisioned["clone_times"], provisioned["replay_times"]
    clone_median = statistics.median(clone_times)
    replay_median = statistics.median(replay_times)
    bench(f"provisioning clone (principal_create): {summary(clone_times)}")
    bench(f"provisioning replay (CREATE SCHEMA + migrate_schemas standard): {summary(replay_times)}")
    bench(
        f"provisioning clone median {clone_median:.3f}s vs replay median {replay_median:.3f}s: "
        f"replay/clone = {replay_median / clone_median:.1f}x"
    )
    bench(
        f"provisioning target clone <= {CLONE_TARGET_S:.1f}s: {clone_median:.3f}s "
        f"{verdict(clone_median, CLONE_TARGET_S)}"
    )

    # A clone has everything a replay builds, its migration bookkeeping, its settings row and its domain.
    replayed = provisioned["schemas"][0]
    replayed_tables = schema_tables(replayed)
    replayed_columns = schema_columns(replayed)
    assert ("django_migrations", "BASE TABLE") in replayed_tables
    assert (WorkspaceSettings._meta.db_table, "BASE TABLE") in replayed_tables
    for other in provisioned["schemas"][1:]:
        assert schema_tables(other) == replayed_tables
    settings_table = connection.ops.quote_name(WorkspaceSettings._meta.db_table)
    for principal in provisioned["principals"]:
        schema = principal.schema_name
        missing = sorted(set(replayed_tables) - set(schema_tables(schema)))
        assert not missing, f"{schema} lacks tables the replayed schema has: {missing}"
        missing_columns = sorted(set(replayed_columns) - set(schema_columns(schema)))
        assert not missing_columns, f"{schema} lacks columns the replayed schema has: {missing_columns}"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(schema)}.{settings_table}")
            assert cursor.fetchone()[0] == 1, f"{schema} has no workspace settings row"
        assert Domain.objects.filter(tenant=principal, is_primary=True).count() == 1
    assert schemas_behind([p.schema_name for p in provisioned["principals"]] + provisioned["schemas"]) == []
    bench(
        f"provisioning check: {len(provisioned['principals'])} clones have all {len(replayed_tables)} tables "
        f"(and columns) of the replayed schema, one settings row, a primary domain; none behind on migrations"
    )
