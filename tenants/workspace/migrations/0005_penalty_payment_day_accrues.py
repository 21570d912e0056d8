from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workspace", "0004_house_reading_window")]

    operations = [
        migrations.AddField(
            model_name="workspacesettings",
            name="penalty_payment_day_accrues",
            field=models.BooleanField(default=True, verbose_name="день оплаты включается в расчёт пеней"),
        ),
    ]
