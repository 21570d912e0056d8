import graphene

from graphql_api.core.enums import PermissionEnum, PrincipalRoleEnum


class PermissionInfo(graphene.ObjectType):
    code = graphene.Field(PermissionEnum, required=True)
    label = graphene.String(required=True)


class Membership(graphene.ObjectType):
    id = graphene.ID(required=True)
    email = graphene.String(required=True)
    full_name = graphene.String(required=True)
    role = graphene.Field(PrincipalRoleEnum, required=True)
    permissions = graphene.List(graphene.NonNull(PermissionEnum), required=True)
    is_active = graphene.Boolean(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_email(membership, info):
        return membership.user.email

    @staticmethod
    def resolve_full_name(membership, info):
        return membership.user.full_name


class ApiKeyNode(graphene.ObjectType):
    class Meta:
        name = "ApiKey"

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    prefix = graphene.String(required=True, description="The public part of the key, to tell keys apart.")
    permissions = graphene.List(graphene.NonNull(PermissionEnum), required=True)
    created_at = graphene.DateTime(required=True)
    last_used_at = graphene.DateTime()
    revoked_at = graphene.DateTime()
    is_active = graphene.Boolean(required=True)


class StaffInvitationNode(graphene.ObjectType):
    """An invitation to this principal's staff that was sent and is neither accepted nor revoked."""

    class Meta:
        name = "StaffInvitation"

    id = graphene.ID(required=True)
    email = graphene.String(required=True)
    role = graphene.Field(PrincipalRoleEnum, required=True)
    permissions = graphene.List(graphene.NonNull(PermissionEnum), required=True)
    sent_at = graphene.DateTime(required=True)
    expires_at = graphene.DateTime(required=True)
    is_expired = graphene.Boolean(required=True, description="The link no longer works; it can be sent again.")


class InvitationLink(graphene.ObjectType):
    """What the page of an invitation link shows to whoever holds the link."""

    email = graphene.String(required=True)
    principal_name = graphene.String(required=True)
    role = graphene.Field(PrincipalRoleEnum, required=True)
    expires_at = graphene.DateTime(required=True)
    has_account = graphene.Boolean(
        required=True, description="The address has an account: accept by signing in with its password.")
