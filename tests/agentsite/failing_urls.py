"""The site's URLconf plus views that fail, for the error-page tests (tests/agentsite/test_error_pages.py)."""

from django.urls import path

from agency.site.urls import handler400, handler403, handler404, handler500
from agency.site.urls import urlpatterns as site_urlpatterns

SECRET_MARK = "internal-detail-that-must-not-leak"


def failing(*args, **kwargs):
    """A view (or anything else a test patches) that fails with an internal detail in its exception."""
    raise RuntimeError(SECRET_MARK)


urlpatterns = [path("broken-page", failing), path("uploads/broken", failing), *site_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
