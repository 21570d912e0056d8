"""Secrets already in the audit log are masked.

Before this, a mutation's row kept the request's variables as the client named them, masked only when the client
happened to call a variable ``password``: ``login(email: $e, password: $p)`` kept the password. Which variable fed
which argument was not stored, so in every row of a mutation that takes a secret (as of this migration) every value
is masked; the keys are kept, so the row still shows what was sent. Rows of other writes hold no secrets and are
left alone. New rows record arguments by the schema's names with secrets masked (graphql_api.core.audit).
"""

from django.db import migrations

MASK = "***"
# every root mutation that takes a password, a link code or a card token, directly or in its input object
SECRET_TAKING_FIELDS = ["login", "residentSignUp", "residentLinkAccount", "residentPaymentConfirm", "staffUserCreate"]
BATCH = 1000


def _masked(value):
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return None if value is None else MASK


def mask_stored_secrets(apps, schema_editor):
    AuditLog = apps.get_model("identity", "AuditLog")
    rows = AuditLog.objects.filter(fields__overlap=SECRET_TAKING_FIELDS).exclude(variables={}).only("pk", "variables")
    changed = []
    for row in rows.iterator(chunk_size=BATCH):
        masked = _masked(row.variables)
        if masked != row.variables:
            row.variables = masked
            changed.append(row)
        if len(changed) >= BATCH:
            AuditLog.objects.bulk_update(changed, ["variables"])
            changed = []
    AuditLog.objects.bulk_update(changed, ["variables"])


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(mask_stored_secrets, migrations.RunPython.noop, elidable=True),
    ]
