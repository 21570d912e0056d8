import graphene
from django.utils.translation import gettext as _

from agency.identity import invitations, recovery, services
from agency.identity.access import actor_for_request
from agency.identity.models import ApiKey, PrincipalMembership, StaffInvitation
from agency.identity.permissions import ALL_PERMS, Perm, PrincipalRole
from graphql_api.core.enums import PermissionEnum, PrincipalRoleEnum, enum_value
from graphql_api.core.error_codes import ErrorCode
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.me import Me, me_of
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.pagination import connection_type, resolve_connection
from graphql_api.core.permissions import require_authenticated, require_principal_perm
from graphql_api.identity.types import (
    ApiKeyNode,
    InvitationLink,
    Membership,
    PermissionInfo,
    StaffInvitationNode,
)

MembershipConnection = connection_type(Membership, "MembershipConnection")


def _perm_values(perms) -> list[str]:
    return [enum_value(p) for p in perms or []]


class Queries(graphene.ObjectType):
    me = graphene.Field(Me, required=True, description="Who is calling, and what they may do on this host.")
    permissions = graphene.List(graphene.NonNull(PermissionInfo), required=True)
    users = graphene.Field(
        MembershipConnection, required=True, first=graphene.Int(), after=graphene.String(),
        search=graphene.String(), description="Staff of the host's principal.",
    )
    api_keys = graphene.List(graphene.NonNull(ApiKeyNode), required=True)
    staff_invitations = graphene.List(
        graphene.NonNull(StaffInvitationNode), required=True,
        description="Invitations to the host's principal sent and neither accepted nor revoked (users.view).",
    )
    staff_invitation = graphene.Field(
        InvitationLink, token=graphene.String(required=True),
        description="The open invitation an invitation link names on this principal's host (LINK_INVALID when it is "
                    "unknown, used, revoked or expired).",
    )

    @staticmethod
    def resolve_me(root, info):
        return me_of(info.context.actor)

    @staticmethod
    def resolve_permissions(root, info):
        require_authenticated(info)
        return [PermissionInfo(code=p.value, label=str(p.label)) for p in Perm]

    @staticmethod
    def resolve_users(root, info, first=None, after=None, search=None):
        _actor, principal = require_principal_perm(info, Perm.USERS_VIEW)
        qs = PrincipalMembership.objects.filter(principal=principal).select_related("user")
        if search:
            qs = qs.filter(user__email__icontains=search) | qs.filter(user__full_name__icontains=search)
        return resolve_connection(MembershipConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_staff_invitations(root, info):
        _actor, principal = require_principal_perm(info, Perm.USERS_VIEW)
        return list(invitations.staff_invitations_pending(principal=principal)[:500])

    @staticmethod
    def resolve_staff_invitation(root, info, token):
        actor = _require_principal_host(info)
        invitation = invitations.staff_invitation_by_token(principal=actor.principal, token=token)
        if invitation is None:
            raise ApiError(ErrorCode.LINK_INVALID, invitations.LINK_INVALID_MESSAGE)
        return InvitationLink(
            email=invitation.email, principal_name=invitation.principal.short_name, role=invitation.role,
            expires_at=invitation.expires_at, has_account=invitations.invitation_has_account(invitation),
        )

    @staticmethod
    def resolve_api_keys(root, info):
        _actor, principal = require_principal_perm(info, Perm.API_KEYS_MANAGE)
        return ApiKey.objects.filter(principal=principal).order_by("-created_at", "-pk")


class Login(BaseMutation):
    me = graphene.Field(Me)

    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, email, password):
        request = info.context
        user = services.session_login(
            request=request, email=email, password=password, principal=request.actor.principal
        )
        request.actor = actor_for_request(principal=request.actor.principal, user=user, api_key_plain=None)
        return cls(me=me_of(request.actor))


class Logout(BaseMutation):
    ok = graphene.Boolean(required=True)

    @classmethod
    def perform(cls, root, info):
        services.session_logout(request=info.context)
        return cls(ok=True)


def _require_grantable(actor, role: str, perms) -> None:
    """Nobody hands out more than they hold: an admin role means every permission."""
    granted = ALL_PERMS if role == PrincipalRole.ADMIN else frozenset(perms)
    if not granted <= actor.perms:
        raise ApiError(ErrorCode.PERMISSION_DENIED, _("Нельзя выдать права, которых нет у вас."))


class StaffInvitationInput(graphene.InputObjectType):
    email = graphene.String(required=True)
    role = graphene.Field(PrincipalRoleEnum, required=True)
    permissions = graphene.List(graphene.NonNull(PermissionEnum), required=True)


class StaffInvitationSend(BaseMutation):
    """Invite a person to this principal's staff by e-mail (users.manage); they become a member by accepting.

    The answer is the same whether or not the address has an account."""

    invitation = graphene.Field(StaffInvitationNode)

    class Arguments:
        input = StaffInvitationInput(required=True)

    @classmethod
    def perform(cls, root, info, input):
        actor, principal = require_principal_perm(info, Perm.USERS_MANAGE)
        role = enum_value(input.role)
        perms = _perm_values(input.permissions)
        _require_grantable(actor, role, perms)
        invitation = invitations.staff_invitation_send(
            request=info.context, principal=principal, email=input.email, role=role, permissions=perms,
            invited_by=actor.user,
        )
        return cls(invitation=invitation)


class StaffInvitationResend(BaseMutation):
    """Send an open invitation again with a new link and expiry; the old link stops working (users.manage)."""

    invitation = graphene.Field(StaffInvitationNode)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, id):
        actor, principal = require_principal_perm(info, Perm.USERS_MANAGE)
        invitation = StaffInvitation.objects.get(pk=int_id(id), principal=principal)
        _require_grantable(actor, invitation.role, invitation.permissions)  # nobody re-sends more than they hold
        invitation = invitations.staff_invitation_resend(request=info.context, principal=principal,
                                                         invitation_id=invitation.pk)
        return cls(invitation=invitation)


class StaffInvitationRevoke(BaseMutation):
    """Revoke an open invitation; its link stops working (users.manage)."""

    invitation = graphene.Field(StaffInvitationNode)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, id):
        _actor, principal = require_principal_perm(info, Perm.USERS_MANAGE)
        invitation = invitations.staff_invitation_revoke(principal=principal, invitation_id=int_id(id))
        return cls(invitation=invitation)


def _require_principal_host(info):
    """Invitation links work on the principal's host only (whoever calls: the link is the credential)."""
    actor = info.context.actor
    if actor.principal is None:
        raise ApiError(ErrorCode.PRINCIPAL_HOST_REQUIRED, _("Приглашение принимается на адресе организации."))
    return actor


class StaffInvitationAccept(BaseMutation):
    """Accept an invitation by its link on the principal's host: a new person sets their name and password, one with
    an account signs in with its password. The session is logged in as a member."""

    me = graphene.Field(Me)

    class Arguments:
        token = graphene.String(required=True, description="From the invitation link.")
        password = graphene.String(required=True)
        full_name = graphene.String(description="Required when the address has no account yet.")

    @classmethod
    def perform(cls, root, info, token, password, full_name=None):
        actor = _require_principal_host(info)
        request = info.context
        user = invitations.staff_invitation_accept(
            request=request, principal=actor.principal, token=token, password=password, full_name=full_name)
        request.actor = actor_for_request(principal=actor.principal, user=user, api_key_plain=None)
        return cls(me=me_of(request.actor))


class PasswordResetRequest(BaseMutation):
    """Ask for a password-reset link by e-mail (anyone, any host). The same answer whether or not the address has
    an account; throttled per e-mail address and per client address."""

    ok = graphene.Boolean()

    class Arguments:
        email = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, email):
        recovery.password_reset_request(request=info.context, email=email, principal=info.context.actor.principal)
        return cls(ok=True)


class PasswordResetComplete(BaseMutation):
    """Set a new password by a reset link; every session of the user ends. Sign in afterwards."""

    ok = graphene.Boolean()

    class Arguments:
        token = graphene.String(required=True, description="From the reset link.")
        new_password = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, token, new_password):
        recovery.password_reset_complete(token=token, password=new_password)
        return cls(ok=True)


class MembershipUpdateInput(graphene.InputObjectType):
    role = graphene.Field(PrincipalRoleEnum)
    permissions = graphene.List(graphene.NonNull(PermissionEnum))
    is_active = graphene.Boolean()


def _membership_of(principal, membership_id) -> PrincipalMembership:
    # Scoped to the host's principal: another principal's id is simply not found.
    return PrincipalMembership.objects.select_related("user").get(pk=int(membership_id), principal=principal)


class MembershipUpdate(BaseMutation):
    membership = graphene.Field(Membership)

    class Arguments:
        id = graphene.ID(required=True)
        input = MembershipUpdateInput(required=True)

    @classmethod
    def perform(cls, root, info, id, input):
        actor, principal = require_principal_perm(info, Perm.USERS_MANAGE)
        membership = _membership_of(principal, int_id(id))
        role = enum_value(input.role) if input.role is not None else None
        perms = _perm_values(input.permissions) if input.permissions is not None else None
        # Both what the member holds now and what they would hold: a non-admin neither makes nor unmakes admins.
        _require_grantable(actor, membership.role, membership.permissions)
        _require_grantable(actor, role or membership.role, perms if perms is not None else membership.permissions)
        membership = services.membership_update(
            membership=membership, role=role, permissions=perms, is_active=input.is_active,
        )
        return cls(membership=membership)


class ApiKeyCreate(BaseMutation):
    api_key = graphene.Field(ApiKeyNode)
    key = graphene.String(description="The key itself. Shown only in this response; store it now.")

    class Arguments:
        name = graphene.String(required=True)
        permissions = graphene.List(graphene.NonNull(PermissionEnum), required=True)

    @classmethod
    def perform(cls, root, info, name, permissions):
        actor, principal = require_principal_perm(info, Perm.API_KEYS_MANAGE)
        perms = _perm_values(permissions)
        # Nobody hands out more than they hold.
        if not set(perms) <= actor.perms:
            raise ApiError(ErrorCode.PERMISSION_DENIED, _("Нельзя выдать ключу права, которых нет у вас."))
        key, plain = services.api_key_create(principal=principal, name=name, permissions=perms,
                                             created_by=actor.user)
        return cls(api_key=key, key=plain)


class ApiKeyRevoke(BaseMutation):
    api_key = graphene.Field(ApiKeyNode)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, id):
        actor, principal = require_principal_perm(info, Perm.API_KEYS_MANAGE)
        key = ApiKey.objects.get(pk=int_id(id), principal=principal)
        return cls(api_key=services.api_key_revoke(api_key=key, revoked_by=actor.user))


class Mutations(graphene.ObjectType):
    login = Login.Field()
    logout = Logout.Field()
    staff_invitation_send = StaffInvitationSend.Field()
    staff_invitation_resend = StaffInvitationResend.Field()
    staff_invitation_revoke = StaffInvitationRevoke.Field()
    staff_invitation_accept = StaffInvitationAccept.Field()
    password_reset_request = PasswordResetRequest.Field()
    password_reset_complete = PasswordResetComplete.Field()
    membership_update = MembershipUpdate.Field()
    api_key_create = ApiKeyCreate.Field()
    api_key_revoke = ApiKeyRevoke.Field()


__all__ = ["Mutations", "PrincipalRole", "Queries"]
