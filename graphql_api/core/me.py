"""Who is calling: the ``Me`` answer of the identity queries, sign-in and the residents' sign-up."""

import graphene

from graphql_api.core.enums import AgentRoleEnum, PermissionEnum, PrincipalRoleEnum


class Me(graphene.ObjectType):
    email = graphene.String()
    full_name = graphene.String()
    agent_role = graphene.Field(AgentRoleEnum)
    is_resident = graphene.Boolean(required=True)
    is_authenticated = graphene.Boolean(required=True)
    principal_role = graphene.Field(PrincipalRoleEnum, description="The role within the host's principal.")
    api_key_name = graphene.String(description="Set when the caller is an API key.")
    permissions = graphene.List(
        graphene.NonNull(PermissionEnum), required=True, description="Permissions on this host."
    )


def me_of(actor) -> Me:
    user = actor.user
    return Me(
        email=user.email if user else None,
        full_name=user.full_name if user else None,
        agent_role=(user.agent_role or None) if user else None,
        is_resident=bool(user and user.is_resident),
        is_authenticated=actor.is_authenticated,
        principal_role=actor.membership.role if actor.membership else None,
        api_key_name=actor.api_key.name if actor.api_key else None,
        permissions=sorted(actor.perms),
    )
