"""Enums more than one domain of the API shows, and the two helpers every domain builds its enums with."""

import graphene

from agency.identity.permissions import AgentRole, Perm, PrincipalRole
from billing_core.service_kinds import ServiceKind
from tenants.billing.models import ReadingSource


def choices_enum(name: str, choices, description: str = ""):
    """A GraphQL enum of a model's choices: member names as the choices' names, values as stored."""
    return graphene.Enum(name, [(c.name, c.value) for c in choices], description=description)


def enum_value(choice):
    """A GraphQL enum member or a model choice as its stored string (graphene refuses TextChoices members)."""
    return getattr(choice, "value", choice)


ServiceKindEnum = choices_enum("ServiceKind", ServiceKind)
ReadingSourceEnum = choices_enum("ReadingSource", ReadingSource)
PermissionEnum = graphene.Enum(
    "Permission", [(p.name, p.value) for p in Perm], description="What principal staff and API keys may do."
)
PrincipalRoleEnum = graphene.Enum("PrincipalRole", [(r.name, r.value) for r in PrincipalRole])
AgentRoleEnum = graphene.Enum("AgentRole", [(r.name, r.value) for r in AgentRole if r.value])
