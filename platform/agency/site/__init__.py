"""Composition root: settings, URLs, the Celery app.

The Celery app is imported here, as Django's and Celery's docs ask, so that every process that loads Django (the
web server included, not only the worker) sends tasks through the configured app: without it the web process's
``task.delay`` fell back to Celery's default app, which reads CELERY_BROKER_URL from the environment but none of
the settings (the filesystem broker's folders among them) and failed with ``FileNotFoundError: 'data_in'``.
"""

from agency.site.celery import app as celery_app

__all__ = ["celery_app"]
