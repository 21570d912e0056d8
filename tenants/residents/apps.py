from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    name = "tenants.residents"
    label = "cabinet"
    verbose_name = _("Личный кабинет жителя")
