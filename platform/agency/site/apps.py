from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The composition root: settings, URLs, the Celery app, the demo and its management commands."""

    name = "agency.site"
    label = "agentsite"
