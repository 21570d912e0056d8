"""Joins two additive pieces of work that both started from 0001: the intake (0002) and the payouts (0003)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_intake"),
        ("payments", "0003_payouts"),
    ]
    operations = []
