"""lz4 TOAST compression for the ЕПД's large JSONB columns (hand-written).

pglz is the server default; lz4 compresses several times faster at a similar ratio, and the
assembly writes one document of several KB (and one staged block per payee) per ЕЛС. A server
built without lz4 (e.g. some embedded PostgreSQL builds) rejects ``SET COMPRESSION lz4``: the
error is caught and the column keeps the default, so the migration never fails there.
"""

from django.db import migrations

COLUMNS = (
    ("documents_epd", "content"),
    ("documents_epdpayee", "block"),
    ("documents_epdstaging", "block"),
)


def _sql(method: str) -> str:
    statements = "\n".join(
        f"    ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method};" for table, column in COLUMNS
    )
    return (
        "DO $$\nBEGIN\n" + statements + "\n"
        "EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL;\n"
        "END $$;"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0002_epd_run_assembly"),
    ]

    operations = [
        migrations.RunSQL(_sql("lz4"), "ALTER TABLE documents_epd ALTER COLUMN content SET COMPRESSION default; "
                          "ALTER TABLE documents_epdpayee ALTER COLUMN block SET COMPRESSION default; "
                          "ALTER TABLE documents_epdstaging ALTER COLUMN block SET COMPRESSION default;"),
    ]
