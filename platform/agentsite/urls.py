from django.urls import path

from agentsite import views
from graphql_api.view import GatewayView

urlpatterns = [
    path("graphql", GatewayView.as_view(), name="graphql"),
    path("auth/csrf", views.csrf, name="csrf"),
    path("health", views.health, name="health"),
]
