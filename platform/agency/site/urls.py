from django.urls import include, path, re_path

from agency.documents.views import file_download
from agency.payments.online.webhooks import stripe_webhook
from agency.site import frontend, views

urlpatterns = [
    # the GraphQL API and its uploads, by name: the API is the top layer and nothing below imports it
    path("", include("graphql_api.urls")),
    path("auth/csrf", views.csrf, name="csrf"),
    path("health", views.health, name="health"),
    path("files/<str:token>", file_download, name="file_download"),
    path("webhooks/stripe", stripe_webhook, name="stripe_webhook"),
    # the web front end: every other path is a page of the single-page application
    path("", frontend.spa, name="spa"),
    re_path(r"^(?!graphql|uploads/|auth/|health|files/|webhooks/|static/)(?P<path>.+)$", frontend.spa, name="spa_path"),
]

# Russian error pages with nothing of the server in them (DEBUG is off unless DJANGO_DEBUG=1 in development)
handler400 = "agency.site.views.bad_request"
handler403 = "agency.site.views.permission_denied"
handler404 = "agency.site.views.page_not_found"
handler500 = "agency.site.views.server_error"
