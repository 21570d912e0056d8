# The principal's own receipts are uploaded by file too (tenants.receipts.own_import): a new import kind.
# Choices only: nothing changes in the database.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0008_merge_charge_run_perf_benefits"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importbatch",
            name="kind",
            field=models.CharField(choices=[("opening_balances", "Входящие сальдо"),
                                            ("readings", "Показания приборов учёта"),
                                            ("own_receipts", "Собственные поступления принципала")],
                                   max_length=24),
        ),
    ]
