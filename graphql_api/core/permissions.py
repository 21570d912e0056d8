"""Guards every resolver calls before it touches data."""

from django.utils.translation import gettext as _

from graphql_api.core.error_codes import ErrorCode
from graphql_api.core.errors import ApiError


def actor_of(info):
    return info.context.actor


def require_authenticated(info):
    actor = actor_of(info)
    if not actor.is_authenticated:
        raise ApiError(ErrorCode.UNAUTHENTICATED, _("Требуется вход в систему."))
    return actor


def require_resident(info):
    """A resident's own session on the agent's host; staff, keys and principals' hosts are refused."""
    actor = require_authenticated(info)
    if not actor.is_resident or actor.principal is not None or actor.api_key is not None:
        raise ApiError(ErrorCode.PERMISSION_DENIED, _("Доступно только жителям в личном кабинете."))
    return actor


def agent_staff_refusal(actor, *, admin: bool = False) -> tuple[ErrorCode, str] | None:
    """Why an authenticated actor may not do the agent's own work here, or None.

    Agent staff act on principals' hosts too (as the principal's staff), but the agent's work (intake, allocation,
    payouts, runs, principals) writes the agent's books in the public schema: it is done on the agent's host only,
    never in a principal's schema.
    """
    if not (actor.is_agent_admin if admin else actor.is_agent_staff):
        return ErrorCode.PERMISSION_DENIED, _("Доступно только сотрудникам агента.")
    if actor.principal is not None:
        return ErrorCode.AGENT_HOST_REQUIRED, _("Операция выполняется на адресе агента.")
    return None


def require_agent_staff(info, *, admin: bool = False):
    actor = require_authenticated(info)
    refusal = agent_staff_refusal(actor, admin=admin)
    if refusal is not None:
        raise ApiError(*refusal)
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


def require_agent_perm(info, perm: str):
    """Agent staff on the agent's host whose role carries ``perm`` (identity.permissions.AGENT_ROLE_PERMS)."""
    actor = require_agent_staff(info)
    if not actor.has_agent_perm(perm):
        raise ApiError(ErrorCode.PERMISSION_DENIED, agent_perm_refusal(perm))
    return actor


def agent_perm_refusal(perm: str) -> str:
    from agency.identity.permissions import AgentPerm

    if perm == AgentPerm.PAYOUTS_APPROVE:
        return _("Утверждать перечисления может только контролёр или администратор агента.")
    if perm == AgentPerm.REQUISITES_CONFIRM:
        return _("Подтверждать смену реквизитов может только контролёр или администратор агента.")
    return _("Недостаточно прав для этой операции.")


def audit_parties_add(info, *parties: dict) -> None:
    """The people of a four-eyes step, for the request's audit row (written only if the write commits)."""
    info.context.audit_parties.extend(parties)
