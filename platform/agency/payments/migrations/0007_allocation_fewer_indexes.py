"""Two index writes fewer per payments_allocation row.

* The foreign-key index on ``principal_id`` alone is a prefix of ``allocation_principal_day_idx``
  (principal_id, allocated_on), which serves every lookup by principal: dropped.
* The foreign-key index on ``payout_id`` indexed the NULLs a bulk allocation run writes (a row gets its payout
  later, when a payout is built): replaced by ``allocation_payout_idx ... WHERE payout_id IS NOT NULL``. A
  ``payout_id = X`` (or ``= ANY(...)``) predicate implies NOT NULL, so the lookups by payout keep an index.

Django's AlterField would drop and re-create the payout foreign key just to drop its index (re-validating every
row): the state change is applied alone and the database change is the plain DROP INDEX. The new index is built
before the old one goes.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_PAYOUT_INDEX = "payments_allocation_payout_id_63d67094"
OLD_PRINCIPAL_INDEX = "payments_allocation_principal_id_fd1d50ee"


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_allocation_fk_triggers"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="allocation",
            index=models.Index(condition=models.Q(("payout__isnull", False)), fields=["payout"],
                               name="allocation_payout_idx"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="allocation", name="payout",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT,
                                            related_name="allocations", to="payments.payout"),
                ),
                migrations.AlterField(
                    model_name="allocation", name="principal",
                    field=models.ForeignKey(db_constraint=False, db_index=False,
                                            on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="tenants.principal"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{OLD_PAYOUT_INDEX}"',
                    f'CREATE INDEX IF NOT EXISTS "{OLD_PAYOUT_INDEX}" ON "payments_allocation" ("payout_id")',
                ),
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{OLD_PRINCIPAL_INDEX}"',
                    f'CREATE INDEX IF NOT EXISTS "{OLD_PRINCIPAL_INDEX}" ON "payments_allocation" ("principal_id")',
                ),
            ],
        ),
    ]
