"""receipts_receipt checks its account and service per statement, not per row (in every principal's schema).

Both foreign keys were Django's: DEFERRABLE INITIALLY DEFERRED, so every receipt queued two row-level RI checks
run one by one at commit. A bulk allocation run writes one receipt per allocation row into each principal's
schema: about eight per payment, 760,000 at 100,000 payments.

They are replaced by the statement-level checks and parent guards of ``tenants/reference_triggers.py``
(the scheme of billing 0007), which keep the same guarantees set-based.
"""

import django.db.models.deletion
from django.db import migrations, models

from tenants.reference_triggers import reference_functions_v1, reference_triggers_v1

CHILD = "receipts_receipt"
# referencing column -> parent table (the same schema)
REFERENCES = {"account_id": "billing_personalaccount", "service_id": "billing_service"}

FUNCTIONS, DROP_FUNCTIONS = reference_functions_v1("receipts")
_create, _drop = reference_triggers_v1("receipts", CHILD, REFERENCES, "receipts")


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0001_initial"),
        ("billing", "0001_initial"),
    ]

    operations = [
        # the triggers first: the references stay checked from the moment the foreign keys go
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(_create, _drop),
        migrations.AlterField(
            model_name="receipt", name="account",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="receipts", to="billing.personalaccount"),
        ),
        migrations.AlterField(
            model_name="receipt", name="service",
            field=models.ForeignKey(blank=True, db_constraint=False,
                                    help_text="пусто — аванс по лицевому счёту без услуги", null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="billing.service"),
        ),
    ]
