from django.db import models
from django.utils.translation import gettext_lazy as _

from billing_core.rules import Confidence

CONFIDENCE_CHOICES = [(c.value, c.value) for c in Confidence]


class DatedRule(models.Model):
    valid_from = models.DateField(_("действует с"), unique=True)
    source = models.CharField(_("источник"), max_length=500, blank=True)
    confidence = models.CharField(max_length=16, choices=CONFIDENCE_CHOICES, default=Confidence.CHECK)

    class Meta:
        abstract = True
        ordering = ["valid_from"]


class KeyRate(DatedRule):
    rate = models.DecimalField(_("ключевая ставка, %"), max_digits=6, decimal_places=3)

    class Meta(DatedRule.Meta):
        verbose_name = _("ключевая ставка")

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.rate}%"


class PenaltyRateCap(DatedRule):
    cap = models.DecimalField(_("предельная ставка, %"), max_digits=6, decimal_places=3, null=True, blank=True,
                              help_text=_("пусто — ограничения нет"))

    class Meta(DatedRule.Meta):
        verbose_name = _("ограничение ставки для пеней")

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.cap}"


class PenaltyMoratorium(DatedRule):
    """From ``valid_from`` penalties do not accrue (``label`` set) or accrue again (``label`` empty)."""

    label = models.CharField(_("мораторий"), max_length=300, blank=True)
    debts_due_before = models.DateField(_("только для долгов со сроком до"), null=True, blank=True)

    class Meta(DatedRule.Meta):
        verbose_name = _("мораторий на пени")

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.label or '—'}"


class PaymentDeadline(DatedRule):
    """ЖК РФ ст.155 ч.1–2: the day of the next month by which a month's charges are due."""

    due_day = models.PositiveSmallIntegerField(_("оплата до, число"))
    document_day = models.PositiveSmallIntegerField(_("документ до, число"))

    class Meta(DatedRule.Meta):
        verbose_name = _("срок оплаты ЖКУ")

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.due_day}"


class CalendarDayKind(models.TextChoices):
    WORKING = "working", _("рабочий день")
    SHORTENED = "shortened", _("предпраздничный (сокращённый) рабочий день")
    WEEKEND = "weekend", _("выходной день")
    HOLIDAY = "holiday", _("нерабочий праздничный день")


WORKING_DAY_KINDS = (CalendarDayKind.WORKING, CalendarDayKind.SHORTENED)


class CalendarDay(models.Model):
    """The Russian production calendar (производственный календарь), exceptions only.

    A day without a row follows the ordinary week: Monday to Friday working, Saturday and Sunday
    off. Rows are stored for the days that differ or need a label: public holidays (ТК РФ ст.112),
    weekdays made days off by the government's transfer decree, Saturdays made working days, and
    pre-holiday shortened working days. The table is data: a year's decree is entered as rows,
    and a correction is an edit, not a release.
    """

    date = models.DateField(_("дата"), unique=True)
    kind = models.CharField(_("вид дня"), max_length=16, choices=CalendarDayKind.choices)
    note = models.CharField(_("примечание"), max_length=300, blank=True)
    source = models.CharField(_("источник"), max_length=500, blank=True)
    confidence = models.CharField(max_length=16, choices=CONFIDENCE_CHOICES, default=Confidence.CHECK)

    class Meta:
        verbose_name = _("день производственного календаря")
        verbose_name_plural = _("производственный календарь")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in CalendarDayKind]), name="calendar_day_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.get_kind_display()}"


class CalendarYearStatus(models.TextChoices):
    OFFICIAL = "official", _("утверждён постановлением Правительства")
    PROVISIONAL = "provisional", _("предварительный: по ТК РФ, без постановления о переносе выходных дней")


class CalendarYear(models.Model):
    """Where a year of the production calendar comes from.

    Each year's transfers of days off are set by a government decree, usually published in the autumn before.
    Until it is, the year can be loaded provisionally from the Labour Code alone (ТК РФ ст.112: the public
    holidays, and a weekend holiday outside January moving the day off to the next working day), so payouts
    can still be dated across the New Year; the back office keeps warning until the decree's rows replace it.
    """

    year = models.PositiveSmallIntegerField(_("год"), unique=True)
    status = models.CharField(_("статус"), max_length=16, choices=CalendarYearStatus.choices)
    source = models.CharField(_("источник"), max_length=500)
    note = models.CharField(_("примечание"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("год производственного календаря")
        verbose_name_plural = _("годы производственного календаря")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=[s.value for s in CalendarYearStatus]),
                                   name="calendar_year_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.get_status_display()}"
