import graphene
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from graphql_api.core.errors import ApiError
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.pagination import connection_type, resolve_connection
from graphql_api.core.permissions import require_authenticated, require_principal_perm
from graphql_api.identity.types import (
    ApiKeyNode,
    Me,
    Membership,
    PermissionEnum,
    PermissionInfo,
    PrincipalRoleEnum,
)
from identity import services
from identity.access import actor_for_request
from identity.models import ApiKey, PrincipalMembership
from identity.permissions import ALL_PERMS, Perm, PrincipalRole

MembershipConnection = connection_type(Membership, "MembershipConnection")


def _perm_values(perms) -> list[str]:
    return [getattr(p, "value", p) for p in perms or []]


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


class Queries(graphene.ObjectType):
    me = graphene.Field(Me, required=True, description="Who is calling, and what they may do on this host.")
    permissions = graphene.List(graphene.NonNull(PermissionInfo), required=True)
    users = graphene.Field(
        MembershipConnection, required=True, first=graphene.Int(), after=graphene.String(),
        search=graphene.String(), description="Staff of the host's principal.",
    )
    api_keys = graphene.List(graphene.NonNull(ApiKeyNode), required=True)

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


class StaffUserCreateInput(graphene.InputObjectType):
    email = graphene.String(required=True)
    full_name = graphene.String(required=True)
    role = graphene.Field(PrincipalRoleEnum, required=True)
    permissions = graphene.List(graphene.NonNull(PermissionEnum), required=True)
    password = graphene.String(description="Optional; without it the user cannot log in until invited.")


def _require_grantable(actor, role: str, perms) -> None:
    """Nobody hands out more than they hold: an admin role means every permission."""
    granted = ALL_PERMS if role == PrincipalRole.ADMIN else frozenset(perms)
    if not granted <= actor.perms:
        raise ApiError(ErrorCode.PERMISSION_DENIED, _("Нельзя выдать права, которых нет у вас."))


class StaffUserCreate(BaseMutation):
    membership = graphene.Field(Membership)

    class Arguments:
        input = StaffUserCreateInput(required=True)

    @classmethod
    def perform(cls, root, info, input):
        actor, principal = require_principal_perm(info, Perm.USERS_MANAGE)
        role = getattr(input.role, "value", input.role)
        perms = _perm_values(input.permissions)
        _require_grantable(actor, role, perms)
        membership = services.staff_user_create(
            principal=principal, email=input.email, full_name=input.full_name, role=role, permissions=perms,
            password=input.password,
        )
        return cls(membership=membership)


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
        membership = _membership_of(principal, _int_id(id))
        role = getattr(input.role, "value", input.role) if input.role is not None else None
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
        key = ApiKey.objects.get(pk=_int_id(id), principal=principal)
        return cls(api_key=services.api_key_revoke(api_key=key, revoked_by=actor.user))


def _int_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(ErrorCode.INVALID, _("Неверный идентификатор.")) from exc


class Mutations(graphene.ObjectType):
    login = Login.Field()
    logout = Logout.Field()
    staff_user_create = StaffUserCreate.Field()
    membership_update = MembershipUpdate.Field()
    api_key_create = ApiKeyCreate.Field()
    api_key_revoke = ApiKeyRevoke.Field()


__all__ = ["Mutations", "PrincipalRole", "Queries"]
