from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "tenants.collection"
    label = "collection"
    verbose_name = _("Работа с задолженностью")
    default_auto_field = "django.db.models.BigAutoField"
