"""The Celery app. Tasks sent from a principal's schema run in that schema (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency.site.settings")

app = CeleryApp("agentsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
