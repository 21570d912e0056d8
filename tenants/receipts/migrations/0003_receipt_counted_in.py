"""Each receipt names the period whose balances count it in ``paid`` (``Receipt.counted_in``).

The backfill reproduces what the charge run did until now: a period counted the receipts (with a service) dated
in its month that existed when it was computed. Receipts created after that, or dated in a month without a
computed period, stay uncounted: the next charge run counts them, and the current balance subtracts them meanwhile.
"""

from django.db import migrations, models

BACKFILL = """
UPDATE receipts_receipt r SET counted_in_id = p.id
FROM billing_billingperiod p
WHERE r.counted_in_id IS NULL AND r.service_id IS NOT NULL
  AND p.month = date_trunc('month', r.paid_on)::date
  AND p.status IN ('calculated', 'posted')
  AND (p.finished_at IS NULL OR r.created_at <= p.finished_at)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0002_receipt_fk_triggers"),
        ("billing", "0009_import_kind_own_receipts"),
    ]

    operations = [
        migrations.AddField(
            model_name="receipt", name="counted_in",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=models.deletion.DO_NOTHING, related_name="+",
                                    to="billing.billingperiod"),
        ),
        migrations.AddIndex(
            model_name="receipt",
            index=models.Index(fields=["counted_in", "account"], name="receipt_counted_account_idx"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
