"""Appeals: residents write to the agent or to a principal serving their household; staff answer.

Who sees what is decided here, once per request, by the host and the caller:
- on a principal's host, its staff and keys with appeals.manage: appeals addressed to that principal;
- on the agent's host, agent staff: appeals addressed to the agent;
- on the agent's host, a resident: their own appeals.
Anything outside the caller's scope is not found, exactly like an id that does not exist.
"""

import graphene
from django.utils.translation import gettext as _

from agency.appeals import services
from agency.appeals.models import Appeal
from agency.appeals.selectors import appeal_list
from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.appeals.types import AppealConnection, AppealNode, AppealStatusEnum
from graphql_api.core.enums import enum_value
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.pagination import resolve_connection
from graphql_api.core.permissions import require_authenticated


def appeal_scope(info) -> dict:
    """The ``appeal_list`` scope of the caller on this host, or a refusal."""
    actor = require_authenticated(info)
    if actor.principal is not None:
        if not actor.has_perm(Perm.APPEALS_MANAGE):
            raise ApiError(ErrorCode.PERMISSION_DENIED, _("Недостаточно прав для этой операции."))
        return {"principal_id": actor.principal.pk}
    if actor.is_agent_staff:
        return {"agent": True}
    if actor.is_resident:
        return {"resident_id": actor.user.pk}
    raise ApiError(ErrorCode.PERMISSION_DENIED, _("Обращения доступны жителям и сотрудникам."))


def _author_name(actor) -> str:
    if actor.user is not None:
        return actor.user.full_name or actor.user.email
    return actor.api_key.name


def _is_staff(scope: dict) -> bool:
    return "resident_id" not in scope


def _get(scope: dict, appeal_id) -> Appeal:
    """The appeal in the caller's scope, with its messages; ``Appeal.DoesNotExist`` otherwise."""
    pk = int_id(appeal_id)
    appeal = appeal_list(**scope).filter(pk=pk).first() if pk is not None else None
    if appeal is None:
        raise Appeal.DoesNotExist
    return appeal


class Queries(graphene.ObjectType):
    appeals = graphene.Field(
        AppealConnection, required=True, status=AppealStatusEnum(), first=graphene.Int(), after=graphene.String(),
        search=graphene.String(description="Part of the number, subject or author; the start of the ЕЛС."),
        description="Appeals the caller may see on this host, newest first: a principal's (appeals.manage), the "
                    "agent's (agent staff), or the resident's own.",
    )
    appeal = graphene.Field(AppealNode, id=graphene.ID(required=True), description="One appeal with its messages.")

    @staticmethod
    def resolve_appeals(root, info, status=None, first=None, after=None, search=None):
        qs = appeal_list(**appeal_scope(info), status=enum_value(status), search=search)
        return resolve_connection(AppealConnection, qs, first=first, after=after, newest_first=True)

    @staticmethod
    def resolve_appeal(root, info, id):
        scope = appeal_scope(info)
        try:
            return _get(scope, id)
        except Appeal.DoesNotExist:
            raise ApiError(ErrorCode.NOT_FOUND, _("Обращение не найдено.")) from None


class AppealCreate(BaseMutation):
    """A resident writes to the agent or to a principal serving one of their households; staff register a
    caller's appeal to their own principal (or, on the agent's host, to the agent)."""

    appeal = graphene.Field(AppealNode)

    class Arguments:
        subject = graphene.String(required=True)
        text = graphene.String(required=True)
        els = graphene.String(description="Residents: one of their linked ЕЛС. Staff: optional.")
        principal_id = graphene.ID(description="Residents: a principal serving their household; null — the agent.")

    @classmethod
    def perform(cls, root, info, subject, text, els=None, principal_id=None):
        scope = appeal_scope(info)
        actor = info.context.actor
        pid = int_id(principal_id) if principal_id is not None else None
        if _is_staff(scope):
            appeal = services.appeal_create_by_staff(
                principal=actor.principal, user=actor.user, author_name=_author_name(actor), subject=subject,
                text=text, principal_id=pid, els=els)
        else:
            appeal = services.appeal_create_by_resident(user=actor.user, subject=subject, text=text,
                                                        principal_id=pid, els=els)
        return cls(appeal=_get(scope, appeal.pk))


class AppealReply(BaseMutation):
    """Answer an appeal (staff: ANSWERED, the resident is told by e-mail) or add to one's own (residents)."""

    appeal = graphene.Field(AppealNode)

    class Arguments:
        id = graphene.ID(required=True)
        text = graphene.String(required=True)
        close = graphene.Boolean(default_value=False, description="Close the appeal with this message.")

    @classmethod
    def perform(cls, root, info, id, text, close=False):
        scope = appeal_scope(info)
        actor = info.context.actor
        appeal = _get(scope, id)
        services.appeal_reply(appeal=appeal, user=actor.user, author_name=_author_name(actor), text=text,
                              from_staff=_is_staff(scope), close=bool(close))
        return cls(appeal=_get(scope, appeal.pk))


class AppealClose(BaseMutation):
    """Close an appeal: staff who see it, or the resident whose appeal it is."""

    appeal = graphene.Field(AppealNode)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, id):
        scope = appeal_scope(info)
        appeal = _get(scope, id)
        services.appeal_close(appeal=appeal)
        return cls(appeal=_get(scope, appeal.pk))


class Mutations(graphene.ObjectType):
    appeal_create = AppealCreate.Field()
    appeal_reply = AppealReply.Field()
    appeal_close = AppealClose.Field()
