"""A migration executor that first asks PostgreSQL which schemas have anything to apply.

Running Django's migrate in a schema costs a graph load and a dozen queries even
when nothing is pending; over hundreds of principals that is minutes. One query
over every schema's ``django_migrations`` tells which schemas are behind, and only
those are handed to the parallel executor.
"""

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as tenants_get_executor
from django_tenants.migration_executors.base import MigrationExecutor

from tenants.schemas import across_schemas

INNER_EXECUTOR = "multiprocessing"  # pool size: TENANT_MULTIPROCESSING_MAX_PROCESSES


def schemas_behind(schemas: list[str]) -> list[str]:
    """The schemas whose django_migrations lack any migration known on disk."""
    if not schemas:
        return []
    expected = {(app, name) for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.nodes}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [schemas],
        )
        with_table = {row[0] for row in cursor.fetchall()}
    behind = [s for s in schemas if s not in with_table]
    present = [s for s in schemas if s in with_table]
    applied: dict[str, set[tuple[str, str]]] = {s: set() for s in present}
    for schema, app, name in across_schemas(present, "app, name FROM {schema}.django_migrations"):
        applied[schema].add((app, name))
    behind.extend(s for s in present if not expected <= applied[s])
    return behind


class FastPathExecutor(MigrationExecutor):
    codename = "fastpath"

    def _inner(self, count: int):
        # A pool for one schema (as in provisioning, inside a request) costs more than it saves.
        codename = INNER_EXECUTOR if count > 1 else "standard"
        return tenants_get_executor(codename)(self.args, self.options)

    def _must_run_everywhere(self) -> bool:
        # Targeted or special runs keep Django's exact semantics. (--fake is not among them:
        # faking what is already recorded is a no-op, so skipping such a schema is exact.)
        o = self.options
        return bool(
            o.get("app_label") or o.get("migration_name") or o.get("fake_initial")
            or o.get("plan") or o.get("check_unapplied") or o.get("prune") or o.get("run_syncdb")
        )

    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        if not self._must_run_everywhere():
            tenants = schemas_behind(tenants)
        if tenants:
            self._inner(len(tenants)).run_migrations(tenants=tenants)

    def run_multi_type_migrations(self, tenants):
        self._inner(len(tenants)).run_multi_type_migrations(tenants)


def get_executor(codename=None):
    codename = codename or settings.TENANT_MIGRATION_EXECUTOR
    if codename == FastPathExecutor.codename:
        return FastPathExecutor
    return tenants_get_executor(codename)
