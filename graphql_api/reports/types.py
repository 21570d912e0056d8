"""Report jobs and the principal's dashboard."""

import graphene

from agency.reports.models import ReportDelivery, ReportJob, ReportKind, ReportStatus
from agency.reports.services import report_download_url
from graphql_api.core.enums import choices_enum, enum_value

ReportKindEnum = choices_enum("ReportKind", ReportKind)
ReportDeliveryEnum = choices_enum("ReportDelivery", ReportDelivery)
ReportStatusEnum = choices_enum("ReportStatus", ReportStatus)


def _is_owner(actor, job: ReportJob) -> bool:
    if actor.api_key is not None:
        return job.requested_by_key_id == actor.api_key.pk
    return actor.user is not None and job.requested_by_id == actor.user.pk


def download_url_for(info, job: ReportJob) -> str | None:
    """The job's link, for its requester on its principal's host only."""
    actor = info.context.actor
    if actor.principal is None or job.principal_id != actor.principal.pk or not _is_owner(actor, job):
        return None
    return report_download_url(job)


class DashboardMonthNode(graphene.ObjectType):
    class Meta:
        name = "DashboardMonth"

    month = graphene.Date(required=True, description="First day of the billing period.")
    charged = graphene.Decimal(required=True, description="Charges + recalculations − benefits + penalties.")
    collected = graphene.Decimal(required=True, description="Paid in the period.")
    collection_rate = graphene.Decimal(description="collected / charged to 4 places; null when nothing was charged.")
    debt_end = graphene.Decimal(required=True, description="Sum of the accounts' positive closing balances.")


class DashboardCurrentNode(graphene.ObjectType):
    class Meta:
        name = "DashboardCurrent"

    month = graphene.Date(required=True, description="First day of the month after the last posted period.")
    billed = graphene.Decimal(required=True, description="The last posted period's charges: the bill paid now.")
    collected = graphene.Decimal(required=True, description="Received since the last posted period.")
    collection_rate = graphene.Decimal(description="collected / billed to 4 places; null when nothing was billed.")


class PrincipalDashboardNode(graphene.ObjectType):
    class Meta:
        name = "PrincipalDashboard"

    accounts_count = graphene.Int(required=True, description="Open personal accounts.")
    debtors_count = graphene.Int(required=True, description="Accounts owing now: the last posted closing less "
                                                            "the payments received since.")
    debt_total = graphene.Decimal(required=True, description="The accounts' debts now.")
    advance_total = graphene.Decimal(required=True, description="Overpayments now, as a positive sum.")
    current = graphene.Field(DashboardCurrentNode, description="The month being collected; null before any "
                                                              "period is posted.")
    months = graphene.List(graphene.NonNull(DashboardMonthNode), required=True,
                           description="Posted periods, oldest first.")


class ReportJobNode(graphene.ObjectType):
    class Meta:
        name = "ReportJob"

    id = graphene.ID(required=True)
    kind = graphene.Field(ReportKindEnum, required=True)
    month = graphene.Date()
    search = graphene.String()
    delivery = graphene.Field(ReportDeliveryEnum, required=True)
    status = graphene.Field(ReportStatusEnum, required=True)
    rows = graphene.Int()
    filename = graphene.String()
    download_url = graphene.String(description="A short-lived link, for the job's requester only, once it is done.")
    error = graphene.String()
    created_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()

    # a fresh row holds the model's choice members, which graphene's enums refuse: give it the stored strings
    @staticmethod
    def resolve_kind(job, info):
        return enum_value(job.kind)

    @staticmethod
    def resolve_delivery(job, info):
        return enum_value(job.delivery)

    @staticmethod
    def resolve_status(job, info):
        return enum_value(job.status)

    @staticmethod
    def resolve_month(job, info):
        month = job.params.get("month")
        return graphene.Date.parse_value(month) if month else None

    @staticmethod
    def resolve_search(job, info):
        return job.params.get("search")

    @staticmethod
    def resolve_filename(job, info):
        return job.filename or None

    @staticmethod
    def resolve_error(job, info):
        return job.error or None

    @staticmethod
    def resolve_download_url(job, info):
        return download_url_for(info, job)
