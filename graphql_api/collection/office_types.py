"""Types of the agent's debt collection back office: campaigns and their runs, the overview across principals, the
collection rates (``tenants.collection.rates``'s dataclasses, field for field)."""

from decimal import Decimal

import graphene
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agency.collection.models import CampaignAction, CampaignSchedule, RunStatus
from graphql_api.collection.types import CollectionStageEnum
from graphql_api.core.enums import ServiceKindEnum, choices_enum, enum_value
from graphql_api.core.links import download_link
from tenants.models import Principal

CampaignActionEnum = choices_enum("CampaignAction", CampaignAction, "What a campaign does with the debtors it picks.")
CampaignScheduleEnum = choices_enum("CampaignSchedule", CampaignSchedule)
CampaignRunStatusEnum = choices_enum("CampaignRunStatus", RunStatus)


def principal_names(info, schemas) -> dict[str, tuple[str, str]]:
    """``{schema: (principal id, short name)}`` for these schemas; remembered for the request (one query for every
    run of a list, not one per run)."""
    known: dict | None = getattr(info.context, "_collection_principal_names", None)
    if known is None:
        known = {}
        info.context._collection_principal_names = known
    missing = {s for s in schemas if s and s not in known}
    if missing:
        for pk, schema, name in Principal.objects.filter(schema_name__in=missing).values_list(
                "pk", "schema_name", "short_name"):
            known[schema] = (str(pk), name)
    return known


def _count(entry: dict, key: str) -> int:
    value = entry.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def _group(entry: dict, group: str) -> int:
    return sum(int(n) for n in (entry.get(group) or {}).values())


class CampaignPrincipalNode(graphene.ObjectType):
    class Meta:
        name = "CampaignPrincipal"

    id = graphene.ID(required=True)
    name = graphene.String(required=True)

    resolve_name = staticmethod(lambda p, info: p.short_name)


class RunCountsFields:
    """The counts a run records, per principal and in total (``agency.collection.runner`` stats)."""

    selected = graphene.Int(required=True, description="Debtors the rules picked.")
    selected_debt = graphene.Decimal(required=True, description="Their debt when picked.")
    warned = graphene.Int(required=True, description="п.119 «а» warnings issued (ЕПД and letters).")
    reminded = graphene.Int(required=True, description="SMS and e-mail reminders queued.")
    reminded_sms = graphene.Int(required=True)
    reminded_email = graphene.Int(required=True)
    no_contact = graphene.Int(required=True, description="Reminders and call-list rows without a phone or e-mail.")
    call_list_rows = graphene.Int(required=True)
    letters = graphene.Int(required=True, description="Warning letters printed.")
    claims = graphene.Int(required=True, description="Court work opened with a pre-court claim.")
    claims_refused = graphene.Int(required=True, description="Claims refused by the rules (a kept agreement, "
                                                             "no posted calculation, …).")
    amnesty = graphene.Int(required=True, description="Accounts enrolled in a penalty amnesty.")
    touched = graphene.Int(required=True, description="Campaign touches recorded.")


class RunTotalsNode(RunCountsFields, graphene.ObjectType):
    class Meta:
        name = "CampaignRunTotals"

    principals_done = graphene.Int(required=True)


class RunPrincipalNode(RunCountsFields, graphene.ObjectType):
    class Meta:
        name = "CampaignRunPrincipal"

    schema = graphene.String(required=True)
    principal_id = graphene.ID()
    name = graphene.String(required=True)
    done = graphene.Boolean(required=True)
    done_at = graphene.DateTime()
    notes = graphene.List(graphene.NonNull(graphene.String), required=True)


def run_counts(entry: dict, totals: dict | None = None) -> dict:
    """The typed counts of one principal's stats entry, or (``totals``) of the run's totals (keys flattened by the
    runner as ``<group>_<name>``)."""
    if totals is not None:
        flat = totals
        reminded = {k[len("reminded_"):]: v for k, v in flat.items() if k.startswith("reminded_")}
        no_contact = sum(v for k, v in flat.items() if k.startswith("no_contact_"))
        refused = sum(v for k, v in flat.items() if k.startswith("claims_refused_"))
    else:
        flat = entry
        reminded = entry.get("reminded") or {}
        no_contact = _group(entry, "no_contact")
        refused = _group(entry, "claims_refused")
    return {
        "selected": _count(flat, "selected"), "selected_debt": flat.get("selected_debt") or "0.00",
        "warned": _count(flat, "warned"), "reminded": sum(int(v) for v in reminded.values()),
        "reminded_sms": int(reminded.get("sms", 0)), "reminded_email": int(reminded.get("email", 0)),
        "no_contact": no_contact, "call_list_rows": _count(flat, "call_list"), "letters": _count(flat, "letters"),
        "claims": _count(flat, "claims"), "claims_refused": refused, "amnesty": _count(flat, "amnesty"),
        "touched": _count(flat, "touched"),
    }


_FILE_TITLES = {
    ("warning_letters", "pdf"): gettext_noop("Предупреждения заказными письмами (п.119 «а» ПП 354), PDF"),
    ("warning_letters", "xlsx"): gettext_noop("Список внутренних почтовых отправлений, XLSX"),
    ("call_list", "csv"): gettext_noop("Список для обзвона, CSV"),
    ("call_list", "xlsx"): gettext_noop("Список для обзвона, XLSX"),
}


class RunFileNode(graphene.ObjectType):
    class Meta:
        name = "CampaignRunFile"
        description = "A file the run stored under a principal's prefix (letters to print, call lists)."

    title = graphene.String(required=True)
    kind = graphene.String(required=True, description="warning_letters or call_list.")
    schema = graphene.String(required=True)
    principal_name = graphene.String(required=True)
    filename = graphene.String(required=True)
    url = graphene.String(description="A short-lived download link; null — not the principal's file.")

    @staticmethod
    def resolve_title(f, info):
        ext = f["key"].rsplit(".", 1)[-1].lower()
        return _(_FILE_TITLES.get((f["kind"], ext), f["kind"]))

    resolve_kind = staticmethod(lambda f, info: f["kind"])
    resolve_schema = staticmethod(lambda f, info: f["schema"])
    resolve_principal_name = staticmethod(lambda f, info: f["principal_name"])
    resolve_filename = staticmethod(lambda f, info: f["filename"])

    @staticmethod
    def resolve_url(f, info):
        # only a key under the principal's own prefixes (letters: collection/<schema>/, call lists: <schema>/)
        schema = f["schema"]
        key = f["key"]
        if not schema or not (key.startswith(f"collection/{schema}/") or key.startswith(f"{schema}/")):
            return None
        return download_link(key, f["filename"])


class CampaignRunNode(graphene.ObjectType):
    class Meta:
        name = "CampaignRun"
        description = "One month's run of a campaign (once per campaign and month)."

    id = graphene.ID(required=True)
    campaign_id = graphene.ID(required=True)
    month = graphene.Date(required=True)
    status = graphene.Field(CampaignRunStatusEnum, required=True)
    created_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()
    error = graphene.String(required=True)
    totals = graphene.Field(RunTotalsNode, required=True)
    principals = graphene.List(graphene.NonNull(RunPrincipalNode), required=True)
    files = graphene.List(graphene.NonNull(RunFileNode), required=True)

    resolve_status = staticmethod(lambda run, info: enum_value(run.status))

    @staticmethod
    def resolve_totals(run, info):
        entries = (run.stats or {}).get("principals", {})
        totals = (run.stats or {}).get("totals")
        if totals is not None:
            return RunTotalsNode(**run_counts({}, totals), principals_done=int(totals.get("principals_done", 0)))
        # not finished yet: the principals done so far
        summed = run_counts({})
        for entry in entries.values():
            for key, value in run_counts(entry).items():
                summed[key] = (Decimal(str(summed[key])) + Decimal(str(value)) if key == "selected_debt"
                               else summed[key] + value)
        return RunTotalsNode(**summed, principals_done=sum(1 for e in entries.values() if e.get("done")))

    @staticmethod
    def resolve_principals(run, info):
        entries = (run.stats or {}).get("principals", {})
        names = principal_names(info, entries)
        return [RunPrincipalNode(schema=schema, principal_id=names.get(schema, (None, schema))[0],
                                 name=names.get(schema, (None, schema))[1], done=bool(entry.get("done")),
                                 done_at=parse_datetime(entry["done_at"]) if entry.get("done_at") else None,
                                 notes=[str(n) for n in entry.get("notes", [])],
                                 **run_counts(entry))
                for schema, entry in sorted(entries.items())]

    @staticmethod
    def resolve_files(run, info):
        files = [f for f in run.files or [] if isinstance(f, dict) and f.get("key")]
        names = principal_names(info, {f.get("schema", "") for f in files})
        result = []
        for f in files:
            schema = str(f.get("schema") or "")
            key = str(f["key"])
            ext = key.rsplit(".", 1)[-1].lower() if "." in key else "bin"
            filename = f.get("name") or f"{f.get('kind', 'file')}-{schema}-{run.month:%Y-%m}.{ext}"
            result.append({"kind": str(f.get("kind") or ""), "schema": schema, "key": key, "filename": filename,
                           "principal_name": names.get(schema, (None, schema))[1]})
        return result


class CampaignNode(graphene.ObjectType):
    class Meta:
        name = "Campaign"
        description = "The agent's rules that pick debtors in principals' registers, and what to do with them."

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    principals = graphene.List(graphene.NonNull(CampaignPrincipalNode), required=True,
                               description="Empty: every active principal at the time of the run.")
    min_debt = graphene.Decimal(required=True)
    min_months = graphene.Int(required=True)
    min_months_of_norm = graphene.Decimal()
    threshold_only = graphene.Boolean(required=True, description="Only debts over the п.118 threshold.")
    house_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    service_kinds = graphene.List(graphene.NonNull(ServiceKindEnum), required=True)
    stages = graphene.List(graphene.NonNull(CollectionStageEnum), required=True)
    exclude_kept_agreement = graphene.Boolean(required=True)
    actions = graphene.List(graphene.NonNull(CampaignActionEnum), required=True)
    amnesty_pay_by = graphene.Date()
    schedule = graphene.Field(CampaignScheduleEnum, required=True)
    run_day = graphene.Int()
    active = graphene.Boolean(required=True)
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    runs = graphene.List(graphene.NonNull(CampaignRunNode), required=True, description="Newest month first.")

    resolve_principals = staticmethod(lambda c, info: list(c.principals.all()))  # prefetched
    resolve_runs = staticmethod(lambda c, info: list(c.runs.all()))  # prefetched, ordered
    resolve_house_ids = staticmethod(lambda c, info: [str(h) for h in c.house_ids or []])
    resolve_schedule = staticmethod(lambda c, info: enum_value(c.schedule))


# --- the overview across principals ---------------------------------------------------------------------------


class OverviewStageNode(graphene.ObjectType):
    class Meta:
        name = "CollectionOverviewStage"

    stage = graphene.Field(CollectionStageEnum, required=True)
    label = graphene.String(required=True)
    count = graphene.Int(required=True)
    debt = graphene.Decimal(required=True)


class OverviewPrincipalNode(graphene.ObjectType):
    class Meta:
        name = "CollectionOverviewPrincipal"
        description = "One principal's debtor register (its last refresh) in figures."

    principal_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    schema = graphene.String(required=True)
    debtors = graphene.Int(required=True)
    debt_total = graphene.Decimal(required=True, description="Penalties included.")
    principal_debt_total = graphene.Decimal(required=True)
    threshold = graphene.Int(required=True, description="Debtors over two monthly charges by norm (ПП 354 п.118).")
    by_stage = graphene.List(graphene.NonNull(OverviewStageNode), required=True)
    refreshed_at = graphene.DateTime(description="The register's last refresh; null — no debtors in it.")


class EpdDeliveredNode(graphene.ObjectType):
    class Meta:
        name = "EpdWarningsDeliveredPrincipal"

    principal_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    delivered = graphene.Int(required=True, description="Warnings marked delivered now.")


# --- collection rates (tenants.collection.rates) --------------------------------------------------------------


class MonthRateNode(graphene.ObjectType):
    class Meta:
        name = "CollectionMonthRate"

    month = graphene.Date(required=True)
    charged = graphene.Decimal(required=True)
    paid = graphene.Decimal(required=True)
    rate = graphene.Decimal(description="Paid / charged, %, one decimal; null — nothing charged.")


class HouseRateNode(graphene.ObjectType):
    class Meta:
        name = "CollectionHouseRate"

    house_id = graphene.ID(required=True)
    address = graphene.String(required=True)
    charged = graphene.Decimal(required=True)
    paid = graphene.Decimal(required=True)
    rate = graphene.Decimal()


class AgeShareNode(graphene.ObjectType):
    class Meta:
        name = "CollectionAgeShare"

    bucket = graphene.String(required=True, description="1, 2, 3, 4–6, 7–12 or >12 months.")
    amount = graphene.Decimal(required=True)
    share = graphene.Decimal(description="% of the register's principal debt.")


class DebtMonthNode(graphene.ObjectType):
    class Meta:
        name = "CollectionDebtMonth"

    month = graphene.Date(required=True)
    debt = graphene.Decimal(required=True, description="The accounts' positive closings of the month.")
    change = graphene.Decimal(description="On the previous posted month; null — none.")
    debtors = graphene.Int(required=True)


class CampaignEffectNode(graphene.ObjectType):
    class Meta:
        name = "CollectionCampaignEffect"
        description = "Money the accounts a campaign touched paid within 30/60/90 days of the first touch."

    campaign_id = graphene.ID(required=True)
    campaign_name = graphene.String(required=True)
    accounts = graphene.Int(required=True)
    debt = graphene.Decimal(required=True)
    paid30 = graphene.Decimal(required=True)
    paid60 = graphene.Decimal(required=True)
    paid90 = graphene.Decimal(required=True)
    covered30 = graphene.Decimal(description="% of the debt paid within 30 days (per account at most its debt).")
    covered60 = graphene.Decimal()
    covered90 = graphene.Decimal()



class CollectionRatesNode(graphene.ObjectType):
    class Meta:
        name = "CollectionRates"

    by_month = graphene.List(graphene.NonNull(MonthRateNode), required=True)
    by_house = graphene.List(graphene.NonNull(HouseRateNode), required=True)
    by_age = graphene.List(graphene.NonNull(AgeShareNode), required=True)
    dynamics = graphene.List(graphene.NonNull(DebtMonthNode), required=True)
    campaigns = graphene.List(graphene.NonNull(CampaignEffectNode), required=True)


class PrincipalRateNode(graphene.ObjectType):
    class Meta:
        name = "CollectionPrincipalRate"

    principal_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    schema = graphene.String(required=True)
    charged = graphene.Decimal(required=True)
    paid = graphene.Decimal(required=True)
    rate = graphene.Decimal()
