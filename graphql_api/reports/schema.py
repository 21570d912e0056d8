"""Reports and the dashboard, on a principal's host (reports.view).

A job is the principal's and its requester's: jobs are listed for the caller who asked for them, a
job of another principal is not found, and the download link is given to the requester only.
"""

import graphene
from django.db.models import Q
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from agency.reports.dashboard import MONTHS_MAX, principal_dashboard
from agency.reports.models import ReportJob
from agency.reports.services import report_request
from billing_core.error_codes import ErrorCode
from graphql_api.core.enums import enum_value
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from graphql_api.reports.types import (
    PrincipalDashboardNode,
    ReportDeliveryEnum,
    ReportJobNode,
    ReportKindEnum,
)

JOBS_MAX = 100


def _owned_by(actor) -> Q:
    if actor.api_key is not None:
        return Q(requested_by_key=actor.api_key)
    return Q(requested_by=actor.user)


class Queries(graphene.ObjectType):
    principal_dashboard = graphene.Field(
        PrincipalDashboardNode, required=True,
        months=graphene.Int(default_value=12, description=f"The latest posted periods, 1 to {MONTHS_MAX}."),
        description="Accounts, debt and collection by month of the host's principal (reports.view).",
    )
    report_jobs = graphene.List(
        graphene.NonNull(ReportJobNode), required=True,
        first=graphene.Int(default_value=20, description=f"At most {JOBS_MAX}."),
        description="The caller's own report jobs on this host, newest first (reports.view).",
    )
    report_job = graphene.Field(ReportJobNode, id=graphene.ID(required=True),
                                description="A report job of the host's principal (reports.view).")

    @staticmethod
    def resolve_principal_dashboard(root, info, months=12):
        require_principal_perm(info, Perm.REPORTS_VIEW)
        if months is None or not 1 <= months <= MONTHS_MAX:  # an explicit null is not the default
            raise ApiError(ErrorCode.INVALID, _("Число месяцев — от 1 до %(max)s.") % {"max": MONTHS_MAX})
        return principal_dashboard(months=months)  # the host's schema: this principal's balances only

    @staticmethod
    def resolve_report_jobs(root, info, first=20):
        actor, principal = require_principal_perm(info, Perm.REPORTS_VIEW)
        if first is None or not 1 <= first <= JOBS_MAX:
            raise ApiError(ErrorCode.INVALID, _("Размер страницы — от 1 до %(max)s.") % {"max": JOBS_MAX})
        return list(ReportJob.objects.filter(_owned_by(actor), principal=principal)
                    .order_by("-created_at", "-pk")[:first])

    @staticmethod
    def resolve_report_job(root, info, id):
        _actor, principal = require_principal_perm(info, Perm.REPORTS_VIEW)
        job = ReportJob.objects.filter(pk=int_id(id), principal=principal).first()
        if job is None:
            raise ApiError(ErrorCode.NOT_FOUND, _("Задание на отчёт не найдено."))
        return job


class ReportRequest(BaseMutation):
    """Queue a report of the host's principal; it is built in the background (reports.view)."""

    job = graphene.Field(ReportJobNode)

    class Arguments:
        kind = ReportKindEnum(required=True)
        month = graphene.Date(description="Required for TURNOVER and PAYMENTS.")
        delivery = ReportDeliveryEnum(default_value=ReportDeliveryEnum.DOWNLOAD)
        search = graphene.String(description="ACCOUNTS: the same words as the accounts query takes.")
        house_id = graphene.ID(description="ACCOUNTS: only this house's accounts, as the accounts query's houseId.")
        has_debt = graphene.Boolean(description="ACCOUNTS: as the accounts query's hasDebt.")

    @classmethod
    def perform(cls, root, info, kind, month=None, delivery="download", search=None, house_id=None,
                has_debt=None):
        actor, principal = require_principal_perm(info, Perm.REPORTS_VIEW)
        job = report_request(principal=principal, user=actor.user, api_key=actor.api_key, kind=enum_value(kind),
                             month=month, delivery=enum_value(delivery) or "download", search=search,
                             house_id=int_id(house_id) if house_id is not None else None, has_debt=has_debt)
        return cls(job=job)


class Mutations(graphene.ObjectType):
    report_request = ReportRequest.Field()
