"""Guards every resolver calls before it touches data."""

from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from graphql_api.core.errors import ApiError


def actor_of(info):
    return info.context.actor


def require_authenticated(info):
    actor = actor_of(info)
    if not actor.is_authenticated:
        raise ApiError(ErrorCode.UNAUTHENTICATED, _("Требуется вход в систему."))
    return actor


def require_agent_staff(info, *, admin: bool = False):
    actor = require_authenticated(info)
    allowed = actor.is_agent_admin if admin else actor.is_agent_staff
    if not allowed:
        raise ApiError(ErrorCode.PERMISSION_DENIED, _("Доступно только сотрудникам агента."))
    return actor


def require_principal_perm(info, perm: str):
    """On a principal's host, with the permission; returns (actor, principal)."""
    actor = require_authenticated(info)
    if actor.principal is None:
        raise ApiError(
            ErrorCode.PRINCIPAL_HOST_REQUIRED, _("Операция выполняется на адресе принципала.")
        )
    if not actor.has_perm(perm):
        raise ApiError(ErrorCode.PERMISSION_DENIED, _("Недостаточно прав для этой операции."))
    return actor, actor.principal
