"""Where each year of the production calendar comes from (CalendarYear), and 2027 loaded provisionally.

The decree on the transfer of days off in 2027 («О переносе выходных дней в 2027 году») is not in the sources
this project can reach, so 2027 is loaded from the Labour Code alone, as accounting software does until the
decree is out, and marked provisional (the back office warns while it is):

* Public holidays: ТК РФ ст.112 ч.1 — 1–6 and 8 January (New Year holidays), 7 January, 23 February, 8 March,
  1 May, 9 May, 12 June, 4 November [law].
* A public holiday falling on a Saturday or Sunday moves the day off to the next working day after the holiday
  (ТК РФ ст.112 ч.2), except the January holidays, whose weekends only the decree moves. In 2027: 1 May is a
  Saturday → Monday 3 May; 9 May is a Sunday → Monday 10 May; 12 June is a Saturday → Monday 14 June [check:
  the decree may move them elsewhere under ст.112 ч.5].
* Not loaded, because only the decree sets them: where the January weekends that fall on holidays (Saturday 2
  and Sunday 3 January 2027) go, and any Saturday made a working day. Until the decree's rows are entered, a
  weekday the decree makes a day off counts as working here (a payout is then due a day early, never late); a
  Saturday the decree makes working counts as a day off — the risk the back office's warning is about.
* Shortened pre-holiday days (ТК РФ ст.95) are working days and do not affect payouts; they are entered with
  the decree.
"""

from datetime import date

from django.db import migrations, models

TK_112 = "ТК РФ ст.112 ч.1 (предварительно, до постановления о переносе выходных дней в 2027 году)"
TK_112_2 = "ТК РФ ст.112 ч.2 (предварительно, до постановления о переносе выходных дней в 2027 году)"

YEARS = [
    (2025, "official", "Постановление Правительства РФ от 04.10.2024 №1335 «О переносе выходных дней в 2025 году»",
     ""),
    (2026, "official", "Постановление Правительства РФ от 24.09.2025 №1466 «О переносе выходных дней в 2026 году»",
     ""),
    (2027, "provisional", "ТК РФ ст.112 ч.1 и ч.2",
     "Постановление о переносе выходных дней в 2027 году не внесено: переносы январских выходных и рабочие "
     "субботы не учтены."),
]

DAYS_2027 = [
    *[(date(2027, 1, d), "holiday", "Новогодние каникулы", TK_112, "law") for d in (1, 2, 3, 4, 5, 6, 8)],
    (date(2027, 1, 7), "holiday", "Рождество Христово", TK_112, "law"),
    (date(2027, 2, 23), "holiday", "День защитника Отечества", TK_112, "law"),
    (date(2027, 3, 8), "holiday", "Международный женский день", TK_112, "law"),
    (date(2027, 5, 1), "holiday", "Праздник Весны и Труда", TK_112, "law"),
    (date(2027, 5, 3), "weekend", "1 мая — суббота", TK_112_2, "check"),
    (date(2027, 5, 9), "holiday", "День Победы", TK_112, "law"),
    (date(2027, 5, 10), "weekend", "9 мая — воскресенье", TK_112_2, "check"),
    (date(2027, 6, 12), "holiday", "День России", TK_112, "law"),
    (date(2027, 6, 14), "weekend", "12 июня — суббота", TK_112_2, "check"),
    (date(2027, 11, 4), "holiday", "День народного единства", TK_112, "law"),
]


def seed(apps, schema_editor):
    CalendarYear = apps.get_model("regulations", "CalendarYear")
    CalendarDay = apps.get_model("regulations", "CalendarDay")
    entered = CalendarDay.objects.filter(date__year=2027).exists()
    years = [(2027, "official", "внесён вручную до этой миграции", "") if entered and y == 2027 else (y, s, src, note)
             for y, s, src, note in YEARS]
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, status=s, source=src, note=note) for y, s, src, note in years], ignore_conflicts=True)
    if entered:
        return  # the year's decree was entered by hand before this migration: keep it, and do not call it provisional
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=kind, note=note, source=source, confidence=conf)
         for d, kind, note, source, conf in DAYS_2027])


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("regulations", "CalendarDay")
    CalendarDay.objects.filter(date__in=[row[0] for row in DAYS_2027], source__in=[TK_112, TK_112_2]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("regulations", "0004_rule_sources_2026"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="год")),
                ("status", models.CharField(choices=[
                    ("official", "утверждён постановлением Правительства"),
                    ("provisional", "предварительный: по ТК РФ, без постановления о переносе выходных дней")],
                    max_length=16, verbose_name="статус")),
                ("source", models.CharField(max_length=500, verbose_name="источник")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="примечание")),
            ],
            options={
                "verbose_name": "год производственного календаря",
                "verbose_name_plural": "годы производственного календаря",
                "ordering": ["year"],
                "constraints": [models.CheckConstraint(condition=models.Q(("status__in", ["official", "provisional"])),
                                                       name="calendar_year_status_valid")],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
