"""The template schema new principals are cloned from.

Cloning a migrated template (django-tenants' clone_schema) costs about the same at any
migration count (0.5 s here); replaying migrations grows with the project (0.8 s with
today's few, and every new migration adds to it). See tests/bench/test_provisioning.py.
`migrate_platform` keeps the template migrated together with the tenants.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


def template_schema_ensure(*, verbosity: int = 0) -> None:
    """Create the template schema if missing and bring it to the latest tenant migrations."""
    name = template_schema_name()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()
