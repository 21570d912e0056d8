"""The agent's debt collection back office, and the collection rates a principal reads of itself.

- Agent staff whose role carries agent.collection.campaigns, on the agent's host (``require_agent_perm``): the
  campaigns and their runs (with the files a run stored, reached through short-lived links only), the overview of
  every active principal's debtor register (one statement over the schemas), the ЕПД delivery that starts the
  п.119 «а» term of the month's ЕПД warnings, and the collection rate per principal. Principals' staff and API keys
  are refused all of it, whatever their permissions.
- Principal staff and keys with collection.view, on the principal's host: ``collectionRates`` of their own schema.

Every mutation calls one service of ``agency.collection.campaigns``; refusals come back as payload errors on the
argument at fault, and the gateway writes the audit row.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import graphene
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from agency.collection import campaigns as campaign_services
from agency.collection.models import Campaign, CampaignRun
from agency.identity.permissions import AgentPerm, Perm
from billing_core.error_codes import ErrorCode
from graphql_api.collection.mutations import CollectionMutation
from graphql_api.collection.office_types import (
    AgeShareNode,
    CampaignActionEnum,
    CampaignEffectNode,
    CampaignNode,
    CampaignRunNode,
    CampaignScheduleEnum,
    CollectionRatesNode,
    DebtMonthNode,
    EpdDeliveredNode,
    HouseRateNode,
    MonthRateNode,
    OverviewPrincipalNode,
    OverviewStageNode,
    PrincipalRateNode,
)
from graphql_api.collection.types import CollectionStageEnum
from graphql_api.core.enums import ServiceKindEnum, enum_value
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.permissions import require_agent_perm, require_principal_perm
from tenants.collection import rates
from tenants.collection.models import Stage
from tenants.models import Principal
from tenants.schemas import across_schemas, active_principals

ZERO = Decimal("0.00")
MAX_RATE_MONTHS = 120


def _campaigns():
    return Campaign.objects.prefetch_related(
        Prefetch("principals", Principal.objects.order_by("short_name", "pk")),
        Prefetch("runs", CampaignRun.objects.order_by("-month", "-pk")),
    )


def _month_range(month_from: date, month_to: date) -> tuple[date, date]:
    first, last = month_from.replace(day=1), month_to.replace(day=1)
    if first > last:
        raise ApiError(ErrorCode.INVALID, _("Начало периода позже его конца."))
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_RATE_MONTHS:
        raise ApiError(ErrorCode.INVALID, _("Период — не больше %(n)s месяцев.") % {"n": MAX_RATE_MONTHS})
    return first, last


# --- the overview: every active principal's register in one statement ---------------------------------------------

_OVERVIEW = (
    "d.stage, count(*), COALESCE(sum(d.debt), 0), COALESCE(sum(d.principal_debt), 0), "
    "count(*) FILTER (WHERE d.threshold), max(d.refreshed_at) "
    "FROM {schema}.collection_debtor d GROUP BY d.stage"
)


def collection_overview() -> list[OverviewPrincipalNode]:
    """Per active principal: the register's debtors, debt, п.118 threshold count and stages (its last refresh)."""
    principals = list(active_principals())
    rows = across_schemas([p.schema_name for p in principals], _OVERVIEW)
    by_schema: dict[str, dict] = defaultdict(dict)
    for schema, stage, count, debt, principal_debt, threshold, refreshed in rows:
        by_schema[schema][stage] = (count, debt, principal_debt, threshold, refreshed)
    result = []
    for p in principals:
        stages = by_schema.get(p.schema_name, {})
        refreshed = [r[4] for r in stages.values() if r[4] is not None]
        result.append(OverviewPrincipalNode(
            principal_id=str(p.pk), name=p.short_name, schema=p.schema_name,
            debtors=sum(r[0] for r in stages.values()),
            debt_total=sum((r[1] for r in stages.values()), ZERO),
            principal_debt_total=sum((r[2] for r in stages.values()), ZERO),
            threshold=sum(r[3] for r in stages.values()),
            by_stage=[OverviewStageNode(stage=s.value, label=str(s.label), count=stages[s.value][0],
                                        debt=stages[s.value][1]) for s in Stage if s.value in stages],
            refreshed_at=max(refreshed) if refreshed else None,
        ))
    return result


class Queries(graphene.ObjectType):
    campaigns = graphene.List(graphene.NonNull(CampaignNode), required=True,
                              active=graphene.Boolean(description="true: only active ones; false: only inactive."),
                              description="Collection campaigns, newest first (agent.collection.campaigns).")
    campaign = graphene.Field(CampaignNode, id=graphene.ID(required=True),
                              description="One campaign with its runs (agent.collection.campaigns).")
    collection_overview = graphene.List(
        graphene.NonNull(OverviewPrincipalNode), required=True,
        description="Every active principal's debtor register in figures (agent.collection.campaigns).")
    collection_rates_by_principal = graphene.List(
        graphene.NonNull(PrincipalRateNode), required=True, month_from=graphene.Date(required=True),
        month_to=graphene.Date(required=True),
        description="Charged against paid per active principal over the posted months (agent.collection.campaigns).")
    collection_rates = graphene.Field(
        CollectionRatesNode, required=True, month_from=graphene.Date(required=True),
        month_to=graphene.Date(required=True),
        description="This principal's collection rates: by month, by house, debt by age, debt month over month and "
                    "each campaign's effect (collection.view).")

    @staticmethod
    def resolve_campaigns(root, info, active=None):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        qs = _campaigns()
        if active is not None:
            qs = qs.filter(active=active)
        return list(qs.order_by("-created_at", "-pk"))

    @staticmethod
    def resolve_campaign(root, info, id):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        campaign = _campaigns().filter(pk=int_id(id)).first()
        if campaign is None:
            raise ApiError(ErrorCode.NOT_FOUND, _("Кампания не найдена."))
        return campaign

    @staticmethod
    def resolve_collection_overview(root, info):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        return collection_overview()

    @staticmethod
    def resolve_collection_rates_by_principal(root, info, month_from, month_to):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        first, last = _month_range(month_from, month_to)
        principals = {p.schema_name: p for p in active_principals()}
        return [PrincipalRateNode(principal_id=str(principals[r.schema].pk), name=principals[r.schema].short_name,
                                  schema=r.schema, charged=r.charged, paid=r.paid, rate=r.rate)
                for r in rates.rates_by_principal(schemas=list(principals), month_from=first, month_to=last)]

    @staticmethod
    def resolve_collection_rates(root, info, month_from, month_to):
        require_principal_perm(info, Perm.COLLECTION_VIEW)
        first, last = _month_range(month_from, month_to)
        effects = rates.campaign_effect()
        names = dict(Campaign.objects.filter(pk__in=[e.campaign_id for e in effects]).values_list("pk", "name"))
        return CollectionRatesNode(
            by_month=[MonthRateNode(month=r.month, charged=r.charged, paid=r.paid, rate=r.rate)
                      for r in rates.rates_by_month(month_from=first, month_to=last)],
            by_house=[HouseRateNode(house_id=str(r.house_id), address=r.address, charged=r.charged, paid=r.paid,
                                    rate=r.rate) for r in rates.rates_by_house(month_from=first, month_to=last)],
            by_age=[AgeShareNode(bucket=r.bucket, amount=r.amount, share=r.share) for r in rates.rates_by_age()],
            dynamics=[DebtMonthNode(month=r.month, debt=r.debt, change=r.change, debtors=r.debtors)
                      for r in rates.debt_dynamics(month_from=first, month_to=last)],
            campaigns=[CampaignEffectNode(campaign_id=str(e.campaign_id),
                                          campaign_name=names.get(e.campaign_id, ""), accounts=e.accounts,
                                          debt=e.debt, paid30=e.paid_30, paid60=e.paid_60, paid90=e.paid_90,
                                          covered30=e.covered_30, covered60=e.covered_60,
                                          covered90=e.covered_90) for e in effects],
        )


# --- mutations --------------------------------------------------------------------------------------------------


class CampaignInput(graphene.InputObjectType):
    """A campaign's rules. On create a field left out takes its default; on update it stays as it is."""

    name = graphene.String()
    description = graphene.String()
    principal_ids = graphene.List(graphene.NonNull(graphene.ID), description="None given (or empty): every active "
                                                                              "principal at the time of the run.")
    min_debt = graphene.Decimal(description="Roubles, penalties included.")
    min_months = graphene.Int(description="The oldest unpaid charge at least this many months old.")
    min_months_of_norm = graphene.Decimal(description="The debt in monthly charges by norm (ПП 354 п.118).")
    threshold_only = graphene.Boolean(description="Only debts over two monthly charges by norm (ПП 354 п.118).")
    house_ids = graphene.List(graphene.NonNull(graphene.ID))
    service_kinds = graphene.List(graphene.NonNull(ServiceKindEnum))
    stages = graphene.List(graphene.NonNull(CollectionStageEnum))
    exclude_kept_agreement = graphene.Boolean()
    actions = graphene.List(graphene.NonNull(CampaignActionEnum))
    amnesty_pay_by = graphene.Date(description="Amnesty: the principal debt paid by this day.")
    schedule = CampaignScheduleEnum()
    run_day = graphene.Int(description="Monthly: the day of the month, 1 to 28.")
    active = graphene.Boolean()


_NULLABLE = {"min_months_of_norm", "amnesty_pay_by", "run_day"}
_LISTS = {"service_kinds", "stages", "actions"}


def _house_ids(values) -> list[int]:
    try:
        ids = [int(v) for v in values or []]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"houseIds": ValidationError(_("Дома указаны неверно."),
                                                           code=ErrorCode.INVALID)}) from exc
    return ids


def _principal_ids(values) -> list[int] | None:
    if values is None:
        return None
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"principalIds": ValidationError(_("Принципал не найден."),
                                                               code=ErrorCode.NOT_FOUND)}) from exc


def campaign_fields(data) -> tuple[dict, list[int] | None]:
    """The input as the services' keyword arguments (only the fields given), and the principals' ids."""
    fields = {}
    for name, value in dict(data or {}).items():
        if name == "principal_ids":
            continue
        if value is None and name not in _NULLABLE:
            continue  # null on a field that cannot be empty: left as it is (or its default)
        if name == "house_ids":
            value = _house_ids(value)
        elif name in _LISTS:
            value = [enum_value(v) for v in value]
        elif name == "schedule":
            value = enum_value(value)
        elif name in ("name", "description"):
            value = value.strip()
        fields[name] = value
    return fields, _principal_ids(dict(data or {}).get("principal_ids"))


def _user(info):
    user = info.context.actor.user
    return user if getattr(user, "pk", None) else None


def _campaign(pk, field: str = "id") -> Campaign:
    campaign = Campaign.objects.filter(pk=int_id(pk)).first()
    if campaign is None:
        raise ValidationError({field: ValidationError(_("Кампания не найдена."), code=ErrorCode.NOT_FOUND)})
    return campaign


class CampaignCreate(CollectionMutation):
    """A new collection campaign; every fault of its rules at once, each on its field (agent.collection.campaigns)."""

    campaign = graphene.Field(CampaignNode)

    class Arguments:
        input = CampaignInput(required=True)

    @classmethod
    def act(cls, root, info, input):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        fields, principal_ids = campaign_fields(input)
        campaign = campaign_services.campaign_create(user=_user(info), principal_ids=principal_ids, **fields)
        return cls(campaign=_campaigns().get(pk=campaign.pk))


class CampaignUpdate(CollectionMutation):
    """Change a campaign's rules: the fields given (principalIds given replaces the principals)
    (agent.collection.campaigns)."""

    campaign = graphene.Field(CampaignNode)

    class Arguments:
        id = graphene.ID(required=True)
        input = CampaignInput(required=True)

    @classmethod
    def act(cls, root, info, id, input):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        fields, principal_ids = campaign_fields(input)
        campaign = campaign_services.campaign_update(campaign=_campaign(id), principal_ids=principal_ids, **fields)
        return cls(campaign=_campaigns().get(pk=campaign.pk))


class CampaignRunRequest(CollectionMutation):
    """Run the campaign for a month (default: this one): queued for the worker by name once this commits. Once a
    month: asking again answers the same run, queued again to finish what is missing (agent.collection.campaigns).
    Refused for an inactive campaign (COLLECTION_STATE)."""

    FIELDS = {"campaign": "id"}
    run = graphene.Field(CampaignRunNode)

    class Arguments:
        id = graphene.ID(required=True)
        month = graphene.Date(description="Any day of the month; default: this month.")

    @classmethod
    def act(cls, root, info, id, month=None):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        run = campaign_services.campaign_run_request(campaign=_campaign(id), month=month, user=_user(info))
        return cls(run=run)


class EpdWarningsDelivered(CollectionMutation):
    """The month's ЕПД, with the п.119 «а» warnings printed in them, were delivered on this day: the month's ЕПД
    warnings not yet delivered are marked delivered, and the 20 days of п.119 «а» run from it, in each principal named
    (none: every active one) (agent.collection.campaigns)."""

    principals = graphene.List(graphene.NonNull(EpdDeliveredNode))
    delivered = graphene.Int(description="Warnings marked delivered, all principals together.")

    class Arguments:
        month = graphene.Date(required=True, description="The ЕПД's month (any day of it).")
        delivered_on = graphene.Date(required=True)
        principal_ids = graphene.List(graphene.NonNull(graphene.ID))

    @classmethod
    def act(cls, root, info, month, delivered_on, principal_ids=None):
        require_agent_perm(info, AgentPerm.COLLECTION_CAMPAIGNS)
        marked = campaign_services.epd_warnings_delivered(month=month, delivered_on=delivered_on,
                                                          principal_ids=_principal_ids(principal_ids))
        return cls(principals=[EpdDeliveredNode(principal_id=str(p.pk), name=p.short_name, delivered=n)
                               for p, n in marked], delivered=sum(n for _p, n in marked))


class Mutations(graphene.ObjectType):
    campaign_create = CampaignCreate.Field()
    campaign_update = CampaignUpdate.Field()
    campaign_run = CampaignRunRequest.Field()
    epd_warnings_delivered = EpdWarningsDelivered.Field()
