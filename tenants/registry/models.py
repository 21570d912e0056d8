from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class House(models.Model):
    """A building (МКД or a private house)."""

    region = models.CharField(_("субъект РФ"), max_length=100)
    city = models.CharField(_("населённый пункт"), max_length=100)
    street = models.CharField(_("улица"), max_length=150)
    house_number = models.CharField(_("дом"), max_length=20)
    building = models.CharField(_("корпус/строение"), max_length=20, blank=True)
    postal_code = models.CharField(_("индекс"), max_length=6, blank=True)
    fias_guid = models.UUIDField(_("ФИАС/ГАР"), null=True, blank=True, unique=True)
    total_area = models.DecimalField(_("общая площадь, м²"), max_digits=12, decimal_places=2, null=True)
    floors = models.PositiveSmallIntegerField(_("этажность"), null=True)

    class Meta:
        verbose_name = _("дом")
        verbose_name_plural = _("дома")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "city", "street", "house_number", "building"], name="house_address_unique"
            )
        ]

    def __str__(self) -> str:
        suffix = f", корп. {self.building}" if self.building else ""
        return f"{self.city}, {self.street}, д. {self.house_number}{suffix}"


class PremiseKind(models.TextChoices):
    FLAT = "flat", _("Квартира")
    NON_RESIDENTIAL = "non_residential", _("Нежилое помещение")


class Premise(models.Model):
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="premises")
    number = models.CharField(_("номер"), max_length=20)
    kind = models.CharField(_("вид"), max_length=20, choices=PremiseKind.choices, default=PremiseKind.FLAT)
    area = models.DecimalField(_("площадь, м²"), max_digits=10, decimal_places=2)
    floor = models.SmallIntegerField(_("этаж"), null=True)
    rooms = models.PositiveSmallIntegerField(_("комнат"), null=True)

    class Meta:
        verbose_name = _("помещение")
        verbose_name_plural = _("помещения")
        constraints = [
            models.UniqueConstraint(fields=["house", "number"], name="premise_house_number_unique"),
            models.CheckConstraint(condition=Q(area__gt=0), name="premise_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.house}, кв. {self.number}"


class UnifiedAccount(models.Model):
    """ЕЛС: the household's number on the ЕПД, tying each principal's personal accounts of one premise."""

    number = models.CharField(_("ЕЛС"), max_length=10, unique=True)
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="unified_accounts")
    payer_name = models.CharField(_("плательщик"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("единый лицевой счёт")
        verbose_name_plural = _("единые лицевые счета")

    def __str__(self) -> str:
        return self.number
