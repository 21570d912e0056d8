# Joins the two 0007 migrations written at the same time (charge-run performance; benefits), so the
# graph has one leaf. Nothing to apply: the two touch different tables.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_benefits"), ("billing", "0007_charge_run_perf")]
    operations = []
