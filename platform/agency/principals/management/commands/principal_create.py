from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agency.principals.services import PRINCIPAL_FIELDS, principal_create
from tenants.models import PrincipalKind


class Command(BaseCommand):
    help = "Create a principal: validate its requisites, clone its schema from the template, add its domain."

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True)
        parser.add_argument("--subdomain", required=True)
        parser.add_argument("--kind", required=True, choices=[k for k in PrincipalKind.values if k != "agent"])
        for field in PRINCIPAL_FIELDS:
            if field != "kind":
                parser.add_argument(f"--{field.replace('_', '-')}", dest=field, required=True)

    def handle(self, *args, **options):
        fields = {f: options[f] for f in PRINCIPAL_FIELDS}
        try:
            principal = principal_create(schema_name=options["schema"], subdomain=options["subdomain"], **fields)
        except ValidationError as exc:
            lines = [f"{field}: {'; '.join(msgs)}" for field, msgs in exc.message_dict.items()]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(f"created {principal.schema_name} ({principal.short_name})"))
