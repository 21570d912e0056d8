from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The composition root: settings, URLs, the Celery app."""

    name = "agency.site"
    label = "agentsite"
