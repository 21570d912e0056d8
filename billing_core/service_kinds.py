"""The catalogue of service kinds a principal bills for."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    HEATING = "heating", _("Отопление")
    HOT_WATER = "hot_water", _("Горячее водоснабжение")
    COLD_WATER = "cold_water", _("Холодное водоснабжение")
    DRAINAGE = "drainage", _("Водоотведение")
    ELECTRICITY = "electricity", _("Электроснабжение")
    GAS = "gas", _("Газоснабжение")
    MAINTENANCE = "maintenance", _("Содержание и текущий ремонт")
    WASTE = "waste", _("Обращение с ТКО")
    CAPITAL_REPAIR = "capital_repair", _("Взнос на капитальный ремонт")
    CUSTOM = "custom", _("Прочая услуга")
