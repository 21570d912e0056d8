from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrincipalsConfig(AppConfig):
    # no models (they stay in tenants): an app for its management command
    name = "agency.principals"
    label = "principals"
    verbose_name = _("Принципалы")
