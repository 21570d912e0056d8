"""Helpers shared by the benchmarks: timing summaries and committed principals."""

import statistics
import time
from contextlib import contextmanager

from django.db import connection

from tests import factories


def bench(line: str) -> None:
    print(f"BENCH {line}", flush=True)


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


@contextmanager
def stopwatch(samples: list[float]):
    start = time.perf_counter()
    try:
        yield
    finally:
        samples.append(time.perf_counter() - start)


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"n={len(samples)} median={statistics.median(samples) * 1000:.1f}ms "
        f"mean={statistics.fmean(samples) * 1000:.1f}ms min={ordered[0] * 1000:.1f}ms p95={p95 * 1000:.1f}ms"
    )


def principal_make(n: int, prefix: str):
    """A committed principal cloned from the template (call with the DB unblocked, outside a transaction)."""
    from agency.principals.services import principal_create

    principal = principal_create(
        schema_name=f"{prefix}_{n}", subdomain=f"{prefix.replace('_', '-')}-{n}", kind="management_company",
        **factories.requisites(n),
    )
    connection.set_schema_to_public()
    return principal


def principals_drop(principals) -> None:
    for principal in principals:
        principal.delete(force_drop=True)
    connection.set_schema_to_public()


def schema_tables(schema: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
            [schema],
        )
        return [tuple(row) for row in cursor.fetchall()]


def schema_columns(schema: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            [schema],
        )
        return [tuple(row) for row in cursor.fetchall()]


def assert_test_database() -> None:
    """Committed work must land in pytest-django's test database, never in the configured one."""
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_"), f"refusing to benchmark in {name!r}: no test database was set up"


def principal_make_light(n: int, prefix: str):
    """A committed principal whose schema copies the template's tables (LIKE ... INCLUDING ALL) and its
    django_migrations rows: everything `migrate_schemas` reads, at a fraction of clone_schema's cost."""
    from django.db import transaction

    from agency.principals.services import PRINCIPAL_FIELDS, principal_domain_for
    from tenants.models import Domain, Principal
    from tenants.provisioning import template_schema_name

    quote = connection.ops.quote_name
    fields = {"kind": "management_company", **factories.requisites(n)}
    principal = Principal(schema_name=f"{prefix}_{n}", **{k: fields[k] for k in PRINCIPAL_FIELDS if k in fields})
    principal.auto_create_schema = False
    template, schema = quote(template_schema_name()), quote(principal.schema_name)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                [template_schema_name()],
            )
            tables = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"CREATE SCHEMA {schema}")
            for table in tables:
                cursor.execute(f"CREATE TABLE {schema}.{quote(table)} (LIKE {template}.{quote(table)} INCLUDING ALL)")
            for table in ("django_migrations", "workspace_workspacesettings"):
                if table in tables:
                    cursor.execute(f"INSERT INTO {schema}.{quote(table)} SELECT * FROM {template}.{quote(table)}")
        principal.save()
        Domain.objects.create(domain=principal_domain_for(f"{prefix.replace('_', '-')}-{n}"), tenant=principal,
                              is_primary=True)
    connection.set_schema_to_public()
    return principal
