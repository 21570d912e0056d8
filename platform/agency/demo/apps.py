from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: an app for its management commands (``demo_seed``, ``scale_data_generate``)."""

    name = "agency.demo"
    label = "demo"
