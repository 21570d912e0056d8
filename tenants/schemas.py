"""Reading across principals' schemas in one statement (agent-side reports, migrations, the cabinet)."""

from collections.abc import Sequence

from django.db import connection

from tenants.models import Principal, PrincipalKind

CHUNK = 200  # schemas per statement: keeps the statement a sane size at thousands of principals


def active_principals():
    """Every active principal (the agent's own public row excluded), in a stable order."""
    return Principal.objects.exclude(kind=PrincipalKind.AGENT).filter(is_active=True).order_by("schema_name")


def across_schemas(schemas: Sequence[str], select: str, params: Sequence = ()) -> list[tuple]:
    """Run ``SELECT <select>`` in every schema as one ``UNION ALL`` (per chunk); each row starts with its schema.

    ``select`` is the select list and the rest of the query, with ``{schema}`` where the quoted
    schema name goes; ``params`` are its parameters, the same for every schema.
    """
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), CHUNK):
            chunk = schemas[start : start + CHUNK]
            sql = " UNION ALL ".join(
                f"SELECT %s, {select.format(schema=connection.ops.quote_name(s))}"
                for s in chunk
            )
            cursor.execute(sql, [value for s in chunk for value in (s, *params)])
            rows.extend(cursor.fetchall())
    return rows
