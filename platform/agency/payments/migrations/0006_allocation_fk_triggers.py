"""payments_allocation checks its payment and principal per statement, not per row.

Both foreign keys were Django's: DEFERRABLE INITIALLY DEFERRED, so every allocation row queued two row-level
RI checks run one by one at commit. A bulk allocation run writes about eight rows a payment: at 100,000
payments those checks cost more CPU than the allocation's own INSERT.

They are replaced by the statement-level checks and parent guards of ``tenants/reference_triggers.py``
(the scheme of billing 0007), which keep the same guarantees set-based.

The payout and the reversal references keep their foreign keys: they are NULL when a run writes its rows
(the checks of a NULL key are cheap), and their parents change rarely.
"""

import django.db.models.deletion
from django.db import migrations, models

from tenants.reference_triggers import reference_functions_v1, reference_triggers_v1

CHILD = "payments_allocation"
# referencing column -> parent table (public schema)
REFERENCES = {"payment_id": "payments_payment", "principal_id": "tenants_principal"}

FUNCTIONS, DROP_FUNCTIONS = reference_functions_v1("payments")
_create, _drop = reference_triggers_v1("payments", CHILD, REFERENCES, "allocations")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_allocation_reversal_ledger_key"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        # the triggers first: the references stay checked from the moment the foreign keys go
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(_create, _drop),
        migrations.AlterField(
            model_name="allocation", name="payment",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="allocations", to="payments.payment"),
        ),
        migrations.AlterField(
            model_name="allocation", name="principal",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="tenants.principal"),
        ),
    ]
