"""The catalogue of service kinds a principal bills for.

The engine names a service in its messages (recalculations), so the Russian names live here;
the model field's choices are built from this list (``tenants.models.ServiceKind``).
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ServiceKind(StrEnum):
    HEATING = "heating"
    HOT_WATER = "hot_water"
    COLD_WATER = "cold_water"
    DRAINAGE = "drainage"
    ELECTRICITY = "electricity"
    GAS = "gas"
    MAINTENANCE = "maintenance"
    WASTE = "waste"
    CAPITAL_REPAIR = "capital_repair"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return SERVICE_KIND_LABELS[self]


SERVICE_KIND_LABELS = {
    ServiceKind.HEATING: _("Отопление"),
    ServiceKind.HOT_WATER: _("Горячее водоснабжение"),
    ServiceKind.COLD_WATER: _("Холодное водоснабжение"),
    ServiceKind.DRAINAGE: _("Водоотведение"),
    ServiceKind.ELECTRICITY: _("Электроснабжение"),
    ServiceKind.GAS: _("Газоснабжение"),
    ServiceKind.MAINTENANCE: _("Содержание и текущий ремонт"),
    ServiceKind.WASTE: _("Обращение с ТКО"),
    ServiceKind.CAPITAL_REPAIR: _("Взнос на капитальный ремонт"),
    ServiceKind.CUSTOM: _("Прочая услуга"),
}
