"""The API's routes, included by the composition root (agency.site.urls) by name, so nothing imports graphql_api."""

from django.urls import path

from graphql_api.uploads import UploadView, upload_template
from graphql_api.view import GatewayView

urlpatterns = [
    path("graphql", GatewayView.as_view(), name="graphql"),
    path("uploads/<slug:kind>", UploadView.as_view(), name="upload"),
    path("uploads/<slug:kind>/template", upload_template, name="upload_template"),
]
