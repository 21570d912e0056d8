from datetime import date

from django.db import migrations

# ЖК РФ ст.155 ч.1–2: by the 10th (document by the 1st) until 28.02.2026; from 01.03.2026 by the
# 15th (document by the 5th), no longer changeable by contract [practice; DOMAIN.md].
DEADLINES = (
    (date(2005, 3, 1), 10, 1, "ЖК РФ ст.155 ч.1 (ред. до 01.03.2026)", "law"),
    (date(2026, 3, 1), 15, 5, "ЖК РФ ст.155 ч.1 (ред. с 01.03.2026)", "practice"),
)


def seed(apps, schema_editor):
    from billing_core import rules

    KeyRate = apps.get_model("regulations", "KeyRate")
    Cap = apps.get_model("regulations", "PenaltyRateCap")
    Moratorium = apps.get_model("regulations", "PenaltyMoratorium")
    Deadline = apps.get_model("regulations", "PaymentDeadline")
    KeyRate.objects.bulk_create(
        [KeyRate(valid_from=e.valid_from, rate=e.value, source=e.source, confidence=e.confidence)
         for e in rules.KEY_RATE_ENTRIES], ignore_conflicts=True)
    Cap.objects.bulk_create(
        [Cap(valid_from=e.valid_from, cap=e.value, source=e.source, confidence=e.confidence)
         for e in rules.PENALTY_RATE_CAP_ENTRIES], ignore_conflicts=True)
    Moratorium.objects.bulk_create(
        [Moratorium(valid_from=e.valid_from, label=e.value.label if e.value else "",
                    debts_due_before=e.value.debts_due_before if e.value else None,
                    source=e.source, confidence=e.confidence)
         for e in rules.MORATORIUM_ENTRIES], ignore_conflicts=True)
    Deadline.objects.bulk_create(
        [Deadline(valid_from=d, due_day=due, document_day=doc, source=src, confidence=conf)
         for d, due, doc, src, conf in DEADLINES], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("regulations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
