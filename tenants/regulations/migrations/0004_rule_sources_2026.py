"""Sources corrected (issue 13, item 6): the 2024 extension of the 9.5 % cap is ПП РФ №2382 of 29.12.2023 (not
№1681), and the key-rate decision of 13.02.2026 (15.5 % from 16.02.2026) is confirmed from a secondary source.
New rows of billing_core.rules are added too. A row an operator has edited since keeps the operator's text."""

from datetime import date

from django.db import migrations

OLD_CAP_SOURCE_PART = "ПП РФ №1681 от 2023"
OLD_KEY_RATE_SOURCE = "Решение СД Банка России от 13.02.2026 (вторичный источник)"


def forward(apps, schema_editor):
    from billing_core import rules

    KeyRate = apps.get_model("regulations", "KeyRate")
    Cap = apps.get_model("regulations", "PenaltyRateCap")
    KeyRate.objects.bulk_create(
        [KeyRate(valid_from=e.valid_from, rate=e.value, source=e.source, confidence=e.confidence)
         for e in rules.KEY_RATE_ENTRIES], ignore_conflicts=True)
    entry = next(e for e in rules.KEY_RATE_ENTRIES if e.valid_from == date(2026, 2, 16))
    KeyRate.objects.filter(valid_from=entry.valid_from, source=OLD_KEY_RATE_SOURCE).update(
        source=entry.source, confidence=entry.confidence)
    cap = next(e for e in rules.PENALTY_RATE_CAP_ENTRIES if e.valid_from == date(2022, 2, 28))
    Cap.objects.filter(valid_from=cap.valid_from, source__contains=OLD_CAP_SOURCE_PART).update(
        source=cap.source, confidence=cap.confidence)


class Migration(migrations.Migration):
    dependencies = [("regulations", "0003_calendar_day")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
