from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentCollectionConfig(AppConfig):
    """The agent's side of debt collection: campaigns run across principals (public schema)."""

    name = "agency.collection"
    label = "agentcollection"
    verbose_name = _("Работа с задолженностью: кампании")
