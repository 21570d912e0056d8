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
