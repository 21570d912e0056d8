"""Allocation reversals (a negative row per original, linked to it) and the ledger key of the transaction that
posted an allocation when it is not ``allocation:<payment id>`` (bulk runs, reversals), for the reconciliation."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0004_merge_intake_payouts'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='allocation',
            name='allocation_unique',
        ),
        migrations.AddField(
            model_name='allocation',
            name='ledger_key',
            field=models.CharField(blank=True, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='allocation',
            name='reverses',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversals', to='payments.allocation'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.UniqueConstraint(condition=models.Q(('reverses__isnull', True)), fields=('payment', 'principal', 'service_code'), name='allocation_unique'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.UniqueConstraint(condition=models.Q(('reverses__isnull', False)), fields=('reverses', 'ledger_key'), name='allocation_reversal_unique'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.CheckConstraint(condition=models.Q(('reverses__isnull', True), models.Q(('amount__lt', 0), ('ledger_key__isnull', False)), _connector='OR'), name='allocation_reversal_negative'),
        ),
    ]
