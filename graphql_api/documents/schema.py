"""ЕПД over GraphQL.

- Residents (their own session on the agent's host) see the documents of the households they linked,
  with a short-lived download link, and switch e-receipts on or off.
- Principal staff (on the principal's host, ``charges.view``) see their own block of each document for
  their accounts: the ``EpdPayee`` row of their principal, never the document's other payees.
- Agent staff start the run, watch its progress and issues, look documents up and re-issue one.
"""

from datetime import date

import graphene
from django.utils.translation import gettext as _

from agency.documents import services
from agency.documents.models import Epd, EpdPayee, EpdRun, RunIssue
from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from billing_core.periods import require_month_start
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.pagination import connection_type, resolve_connection
from graphql_api.core.permissions import require_agent_staff, require_principal_perm, require_resident
from graphql_api.documents.types import (
    EpdDocumentNode,
    EpdRunIssueNode,
    EpdRunNode,
    PrincipalEpdBlockNode,
)
from tenants.residents.models import ResidentLink

PrincipalEpdBlockConnection = connection_type(PrincipalEpdBlockNode, "PrincipalEpdBlockConnection")
EpdRunConnection = connection_type(EpdRunNode, "EpdRunConnection")
EpdRunIssueConnection = connection_type(EpdRunIssueNode, "EpdRunIssueConnection")


def _month(value: date) -> date:
    """A query's month argument: the first of a month, else the whole query is refused."""
    if value.day != 1:
        raise ApiError(ErrorCode.INVALID, _("Период — первое число месяца."))
    return value


def _resident_documents(user):
    linked = ResidentLink.objects.filter(user=user).values("unified_account_id")
    return Epd.objects.filter(unified_account_id__in=linked)


class Queries(graphene.ObjectType):
    resident_documents = graphene.List(
        graphene.NonNull(EpdDocumentNode), required=True,
        els=graphene.String(description="One linked household; all of them when omitted."),
        month=graphene.Date(),
        all_versions=graphene.Boolean(default_value=False, description="Include superseded versions."),
        description="ЕПД of the resident's linked households, newest first (residents).",
    )
    resident_document = graphene.Field(
        EpdDocumentNode, id=graphene.ID(required=True),
        description="One document of the resident's own households (residents); any other is not found.",
    )
    principal_epd_blocks = graphene.Field(
        PrincipalEpdBlockConnection, required=True,
        month=graphene.Date(required=True), account_number=graphene.String(),
        all_versions=graphene.Boolean(default_value=False),
        first=graphene.Int(), after=graphene.String(),
        description="This principal's block of each ЕПД for its accounts (principal staff, charges.view).",
    )
    epd_runs = graphene.Field(
        EpdRunConnection, required=True, month=graphene.Date(), first=graphene.Int(), after=graphene.String(),
        description="ЕПД runs, newest first (agent staff).",
    )
    epd_run = graphene.Field(EpdRunNode, id=graphene.ID(required=True), description="Agent staff.")
    epd_run_issues = graphene.Field(
        EpdRunIssueConnection, required=True, run_id=graphene.ID(required=True), code=graphene.String(),
        first=graphene.Int(), after=graphene.String(),
        description="What a run could not put on a document, by account (agent staff).",
    )
    epd_documents = graphene.List(
        graphene.NonNull(EpdDocumentNode), required=True,
        els=graphene.String(required=True), month=graphene.Date(),
        description="Every version of a household's documents (agent staff).",
    )

    @staticmethod
    def resolve_resident_documents(root, info, els=None, month=None, all_versions=False):
        actor = require_resident(info)
        qs = _resident_documents(actor.user)
        if els:
            qs = qs.filter(unified_account__number=els)
        if month:
            qs = qs.filter(month=_month(month))
        if not all_versions:
            qs = qs.filter(is_current=True)
        return list(qs.order_by("-month", "-version")[:120])

    @staticmethod
    def resolve_resident_document(root, info, id):
        actor = require_resident(info)
        doc = _resident_documents(actor.user).filter(pk=int_id(id)).first()
        if doc is None:
            raise ApiError(ErrorCode.NOT_FOUND, _("Документ не найден."))
        return doc

    @staticmethod
    def resolve_principal_epd_blocks(root, info, month, account_number=None, all_versions=False,
                                     first=None, after=None):
        _actor, principal = require_principal_perm(info, Perm.CHARGES_VIEW)
        qs = EpdPayee.objects.select_related("epd").filter(principal_id=principal.pk, epd__month=_month(month))
        if account_number:
            qs = qs.filter(account_number=account_number)
        if not all_versions:
            qs = qs.filter(epd__is_current=True)
        return resolve_connection(PrincipalEpdBlockConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_epd_runs(root, info, month=None, first=None, after=None):
        require_agent_staff(info)
        qs = EpdRun.objects.all()
        if month:
            qs = qs.filter(month=_month(month))
        return resolve_connection(EpdRunConnection, qs, first=first, after=after, newest_first=True)

    @staticmethod
    def resolve_epd_run(root, info, id):
        require_agent_staff(info)
        run = EpdRun.objects.filter(pk=int_id(id)).first()
        if run is None:
            raise ApiError(ErrorCode.NOT_FOUND, _("Запуск не найден."))
        return run

    @staticmethod
    def resolve_epd_run_issues(root, info, run_id, code=None, first=None, after=None):
        require_agent_staff(info)
        qs = RunIssue.objects.select_related("unified_account").filter(run_id=int_id(run_id))
        if code:
            qs = qs.filter(code=code)
        return resolve_connection(EpdRunIssueConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_epd_documents(root, info, els, month=None):
        require_agent_staff(info)
        qs = Epd.objects.filter(unified_account__number=els)
        if month:
            qs = qs.filter(month=_month(month))
        return list(qs.order_by("-month", "-version")[:120])


class EpdRunStart(BaseMutation):
    """Assemble, render and deliver the ЕПД of a month for every household (agent staff)."""

    run = graphene.Field(EpdRunNode)

    class Arguments:
        month = graphene.Date(required=True)
        include_unposted = graphene.Boolean(
            default_value=False, description="Also issue principals whose period is calculated but not posted."
        )

    @classmethod
    def perform(cls, root, info, month, include_unposted=False):
        actor = require_agent_staff(info)
        run = services.epd_run_start(month=require_month_start(month), user=actor.user,
                                     include_unposted=include_unposted)
        return cls(run=run)


class EpdReissue(BaseMutation):
    """Assemble one household's document again: a new version only if its content changed (agent staff)."""

    run = graphene.Field(EpdRunNode, description="The one-household run: its issues say what was left out.")
    document = graphene.Field(EpdDocumentNode, description="The household's current document, if any.")

    class Arguments:
        els = graphene.String(required=True)
        month = graphene.Date(required=True)
        include_unposted = graphene.Boolean(default_value=False)

    @classmethod
    def perform(cls, root, info, els, month, include_unposted=False):
        actor = require_agent_staff(info)
        run, document = services.epd_reissue(els=els, month=require_month_start(month), user=actor.user,
                                             include_unposted=include_unposted)
        return cls(run=run, document=document)


class ResidentEReceipts(BaseMutation):
    """Receive (or stop receiving) a household's ЕПД by e-mail (residents, their own households)."""

    els = graphene.String()
    enabled = graphene.Boolean()

    class Arguments:
        els = graphene.String(required=True)
        enabled = graphene.Boolean(required=True)

    @classmethod
    def perform(cls, root, info, els, enabled):
        actor = require_resident(info)
        updated = ResidentLink.objects.filter(user=actor.user, unified_account__number=els).update(
            e_receipts=enabled
        )
        if not updated:
            raise ApiError(ErrorCode.NOT_FOUND, _("Лицевой счёт не привязан к вашему кабинету."))
        return cls(els=els, enabled=enabled)


class Mutations(graphene.ObjectType):
    epd_run_start = EpdRunStart.Field()
    epd_reissue = EpdReissue.Field()
    resident_e_receipts = ResidentEReceipts.Field()
