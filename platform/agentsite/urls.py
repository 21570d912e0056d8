from django.urls import path

from agentsite import views
from documents.views import file_download
from graphql_api.uploads import UploadView
from graphql_api.view import GatewayView
from payments.webhooks import stripe_webhook

urlpatterns = [
    path("graphql", GatewayView.as_view(), name="graphql"),
    path("uploads/<slug:kind>", UploadView.as_view(), name="upload"),
    path("auth/csrf", views.csrf, name="csrf"),
    path("health", views.health, name="health"),
    path("files/<str:token>", file_download, name="file_download"),
    path("webhooks/stripe", stripe_webhook, name="stripe_webhook"),
]
