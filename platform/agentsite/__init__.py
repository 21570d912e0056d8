"""Composition root: settings, URLs, the Celery app."""
