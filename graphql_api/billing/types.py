"""Billing types for principal staff and integrators: accounts, services and tariffs, meters, charges, periods.

Nested lists read what the selectors prefetched (``tenants.billing.selectors``); a resolver
here never queries per row.
"""

from datetime import date
from decimal import Decimal

import graphene
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from billing_core.tariffs import unit_rate
from graphql_api.core.enums import ServiceKindEnum, choices_enum, enum_value
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.pagination import connection_type
from graphql_api.core.permissions import require_principal_perm
from graphql_api.core.readings import MeterReadingNode
from graphql_api.core.types import RuleTableAgeNode
from tenants.billing import selectors
from tenants.billing.models import (
    ImportKind,
    ImportMode,
    ImportStatus,
    NormBasis,
    PeriodStatus,
    PersonalAccount,
    RecalculationReason,
    Service,
    TariffKind,
    VolumeMethod,
)
from tenants.registry.models import House, PremiseKind

TariffKindEnum = choices_enum("TariffKind", TariffKind, "What the tariff is charged on.")
NormBasisEnum = choices_enum("NormBasis", NormBasis, "What a consumption norm is per.")
PeriodStatusEnum = choices_enum("PeriodStatus", PeriodStatus)
VolumeMethodEnum = choices_enum("VolumeMethod", VolumeMethod, "How a charge line's quantity was found.")


class TariffNode(graphene.ObjectType):
    class Meta:
        name = "Tariff"

    id = graphene.ID(required=True)
    service_id = graphene.ID(required=True)
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date(description="Last day it applies (inclusive); null — open-ended.")
    rate = graphene.Decimal(required=True, description="Price per unit; not used by two-component tariffs.")
    cold_component_rate = graphene.Decimal(description="Two-component hot water: cold-water component per m³.")
    heat_rate = graphene.Decimal(description="Two-component hot water: heat tariff per Gcal.")
    heat_norm = graphene.Decimal(description="Two-component hot water: Gcal per m³.")
    unit_rate = graphene.Decimal(
        required=True, description="The price per unit the charge run uses (cold + heat norm × heat rate for ГВС)."
    )

    @staticmethod
    def resolve_unit_rate(tariff, info):
        # tariff.service is the parent service (set by the prefetch) or the mutation's service: no query
        return unit_rate(tariff.service.tariff_kind, rate=tariff.rate, cold_water_rate=tariff.cold_component_rate,
                         heat_rate=tariff.heat_rate, heat_norm=tariff.heat_norm)


class NormNode(graphene.ObjectType):
    class Meta:
        name = "Norm"

    id = graphene.ID(required=True)
    service_id = graphene.ID(required=True)
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date()
    value = graphene.Decimal(required=True)
    uplift_coefficient = graphene.Decimal(required=True, description="Повышающий коэффициент where no meter.")


class BillingServiceNode(graphene.ObjectType):
    class Meta:
        name = "BillingService"

    id = graphene.ID(required=True)
    code = graphene.String(required=True)
    kind = graphene.Field(ServiceKindEnum, required=True)
    name = graphene.String(required=True)
    unit = graphene.String(required=True)
    tariff_kind = graphene.Field(TariffKindEnum, required=True)
    norm_basis = graphene.Field(NormBasisEnum)
    sort_order = graphene.Int(required=True)
    is_active = graphene.Boolean(required=True)
    tariffs = graphene.List(graphene.NonNull(TariffNode), required=True, description="Newest first.")
    norms = graphene.List(graphene.NonNull(NormNode), required=True, description="Newest first.")

    @staticmethod
    def resolve_norm_basis(service, info):
        return service.norm_basis or None

    @staticmethod
    def resolve_tariffs(service, info):
        return service.tariff_list  # prefetched by selectors.service_list

    @staticmethod
    def resolve_norms(service, info):
        return service.norm_list


def account_or_not_found(account_id) -> PersonalAccount:
    account = PersonalAccount.objects.filter(pk=int_id(account_id)).first()
    if account is None:
        # another principal's id looks exactly like a missing one: each schema has its own ids
        raise ApiError(ErrorCode.NOT_FOUND, _("Лицевой счёт не найден."))
    return account


def service_catalogue(info) -> dict[int, Service]:
    """The principal's services by id, read once per request (a few dozen rows at most)."""
    cache = getattr(info.context, "_billing_services", None)
    if cache is None:
        cache = {s.pk: s for s in Service.objects.all()}
        info.context._billing_services = cache
    return cache


# Resolved from a plain dict (service_row): every field is a key, read by the default resolver.
class AccountServiceNode(graphene.ObjectType):
    """A service connected to an account (flat: no nested tariffs, so a page of accounts stays cheap)."""

    class Meta:
        name = "AccountService"

    service_id = graphene.ID(required=True)
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    unit = graphene.String(required=True)
    kind = graphene.Field(ServiceKindEnum, required=True)
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date()


# Resolved from a plain dict (account_rows for a page, account_row for a card): a page of 100 accounts is
# some 2,000 fields, and reading dict keys keeps them off per-field resolvers and model instances.
class PersonalAccountNode(graphene.ObjectType):
    class Meta:
        name = "PersonalAccount"

    id = graphene.ID(required=True)
    number = graphene.String(required=True)
    payer_name = graphene.String(required=True)
    address = graphene.String(required=True, description="House and premise, as printed on the ЕПД.")
    house_id = graphene.ID(required=True)
    house_address = graphene.String(required=True)
    premise_id = graphene.ID(required=True)
    premise_number = graphene.String(required=True)
    charge_area = graphene.Decimal(required=True, description="m²")
    ownership_share = graphene.Decimal(required=True)
    persons = graphene.Int(description="Living today, else registered; null — no occupancy record.")
    opened_on = graphene.Date(required=True)
    closed_on = graphene.Date()
    debt = graphene.Decimal(description="The balance now: the latest posted closing less the payments received "
                                        "since; null — nothing posted or received yet.")
    services = graphene.List(
        graphene.NonNull(AccountServiceNode), required=True, description="Services connected today."
    )


class HouseOptionNode(graphene.ObjectType):
    """A house to filter the accounts by: one where the host's principal has accounts."""

    class Meta:
        name = "HouseOption"

    id = graphene.ID(required=True)
    address = graphene.String(required=True, description="As on the accounts (``houseAddress``).")
    accounts_count = graphene.Int(required=True, description="The principal's accounts in the house.")


def house_option(row: dict) -> dict:
    """A ``selectors.house_list`` row as the node's dict, the address worded as the registry words it."""
    address = str(House(city=row["city"], street=row["street"], house_number=row["house_number"],
                        building=row["building"]))
    return {"id": row["id"], "address": address, "accounts_count": row["accounts_count"]}


def premise_address(house_address: str, premise_kind: str, premise_number: str) -> str:
    label = "кв." if premise_kind == PremiseKind.FLAT else "пом."
    return f"{house_address}, {label} {premise_number}"


def service_row(service_id: int, code: str, name: str, unit: str, kind: str, valid_from, valid_to) -> dict:
    return {"service_id": service_id, "code": code, "name": name, "unit": unit, "kind": kind,
            "valid_from": valid_from, "valid_to": valid_to}


def account_row(account, info) -> dict:
    """The node's dict for an account loaded by ``selectors.account_card`` (premise, house, services prefetched)."""
    premise = account.premise
    house_address = str(premise.house)
    catalogue = service_catalogue(info)
    return {
        "id": account.pk, "number": account.number, "payer_name": account.payer_name,
        "address": premise_address(house_address, premise.kind, premise.number),
        "house_id": premise.house_id, "house_address": house_address, "premise_id": account.premise_id,
        "premise_number": premise.number, "charge_area": account.charge_area,
        "ownership_share": account.ownership_share, "persons": account.persons, "opened_on": account.opened_on,
        "closed_on": account.closed_on, "debt": account.debt,
        "services": [
            service_row(link.service_id, service.code, service.name, service.unit, service.kind, link.valid_from,
                        link.valid_to)
            for link in account.current_services
            for service in (catalogue[link.service_id],)
        ],
    }


_PAGE_COLUMNS = (
    "id", "number", "payer_name", "premise_id", "premise__number", "premise__kind", "premise__house_id",
    "premise__house__city", "premise__house__street", "premise__house__house_number", "premise__house__building",
    "charge_area", "ownership_share", "persons", "opened_on", "closed_on", "debt",
)
_SERVICE_COLUMNS = ("account_id", "service_id", "service__code", "service__name", "service__unit", "service__kind",
                    "valid_from", "valid_to")


def account_rows(page_qs, *, today: date) -> list[dict]:
    """A page of ``selectors.account_list`` as node dicts, in two queries whatever the page size.

    The first reads the page's own columns (its filters and the persons/debt subqueries are the
    selector's); the second, the services connected ``today`` of the page's accounts, with the
    service's columns joined, in the order the selector's prefetch uses. Tuples, not model instances:
    building 900 instances was a good part of a page's time.
    """
    rows = []
    by_id: dict[int, list] = {}
    houses: dict[int, str] = {}
    page = page_qs.prefetch_related(None).values_list(*_PAGE_COLUMNS)
    for (pk, number, payer_name, premise_id, premise_number, premise_kind, house_id, city, street, house_number,
         building, charge_area, share, persons, opened_on, closed_on, debt) in page:
        house_address = houses.get(house_id)
        if house_address is None:
            # the registry's own wording of an address (House.__str__), once per house of the page
            house_address = houses[house_id] = str(
                House(city=city, street=street, house_number=house_number, building=building)
            )
        services = by_id[pk] = []
        rows.append({
            "id": pk, "number": number, "payer_name": payer_name,
            "address": premise_address(house_address, premise_kind, premise_number),
            "house_id": house_id, "house_address": house_address, "premise_id": premise_id,
            "premise_number": premise_number, "charge_area": charge_area, "ownership_share": share,
            "persons": persons, "opened_on": opened_on, "closed_on": closed_on, "debt": debt, "services": services,
        })
    if by_id:
        links = selectors.account_services_prefetch(today).queryset.filter(account_id__in=list(by_id))
        for account_id, *service in links.values_list(*_SERVICE_COLUMNS):
            by_id[account_id].append(service_row(*service))
    return rows


PersonalAccountConnection = connection_type(PersonalAccountNode, "PersonalAccountConnection")


class MeterNode(graphene.ObjectType):
    class Meta:
        name = "Meter"

    id = graphene.ID(required=True)
    serial = graphene.String(required=True)
    service_id = graphene.ID(required=True)
    service_name = graphene.String(required=True)
    unit = graphene.String(required=True)
    zones = graphene.Int(required=True)
    digit_capacity = graphene.Int(required=True)
    installed_on = graphene.Date(required=True)
    verified_until = graphene.Date(required=True)
    archived_at = graphene.Date()
    readings = graphene.List(
        graphene.NonNull(MeterReadingNode), required=True,
        description=f"The last {selectors.READINGS_PER_METER} readings, newest first.",
    )

    @staticmethod
    def resolve_service_name(meter, info):
        return meter.service.name

    @staticmethod
    def resolve_unit(meter, info):
        return meter.service.unit

    @staticmethod
    def resolve_readings(meter, info):
        return meter.recent_readings


class ChargeNode(graphene.ObjectType):
    class Meta:
        name = "Charge"

    id = graphene.ID(required=True)
    period_month = graphene.Date(required=True)
    service_id = graphene.ID(required=True)
    service_code = graphene.String(required=True)
    service_name = graphene.String(required=True)
    unit = graphene.String(required=True)
    quantity = graphene.Decimal(required=True)
    method = graphene.Field(VolumeMethodEnum, required=True)
    rate = graphene.Decimal(required=True, description="The tariff at the end of the period.")
    amount = graphene.Decimal(required=True, description="Roubles.")

    @staticmethod
    def resolve_period_month(charge, info):
        return charge.period.month

    @staticmethod
    def resolve_service_code(charge, info):
        return charge.service.code

    @staticmethod
    def resolve_service_name(charge, info):
        return charge.service.name

    @staticmethod
    def resolve_unit(charge, info):
        return charge.service.unit


class AccountChargePeriod(graphene.ObjectType):
    month = graphene.Date(required=True)
    status = graphene.Field(PeriodStatusEnum, required=True)
    total = graphene.Decimal(required=True, description="Roubles.")
    charges = graphene.List(graphene.NonNull(ChargeNode), required=True)

    @staticmethod
    def resolve_month(group, info):
        return group["period"].month

    @staticmethod
    def resolve_status(group, info):
        return enum_value(group["period"].status)

    @staticmethod
    def resolve_total(group, info):
        return sum((c.amount for c in group["charges"]), Decimal(0))

    @staticmethod
    def resolve_charges(group, info):
        return group["charges"]


class AccountCard(graphene.ObjectType):
    """One account with what only its card shows: meters with readings and charges by period."""

    account = graphene.Field(PersonalAccountNode, required=True)
    meters = graphene.List(graphene.NonNull(MeterNode), required=True, description="Archived ones last.")
    charge_periods = graphene.List(
        graphene.NonNull(AccountChargePeriod),
        periods=graphene.Int(default_value=selectors.CHARGE_PERIODS),
        description="Newest first; needs charges.view (null with PERMISSION_DENIED otherwise).",
    )

    @staticmethod
    def resolve_account(account, info):
        return account_row(account, info)

    @staticmethod
    def resolve_meters(account, info):
        return account.meter_list

    @staticmethod
    def resolve_charge_periods(account, info, periods):
        require_principal_perm(info, Perm.CHARGES_VIEW)
        periods = max(1, min(periods, selectors.CHARGE_PERIODS * 5))
        return selectors.account_charges_by_period(account=account, periods=periods)


class BillingPeriodNode(graphene.ObjectType):
    class Meta:
        name = "BillingPeriod"

    id = graphene.ID(required=True)
    month = graphene.Date(required=True)
    status = graphene.Field(PeriodStatusEnum, required=True)
    charge_lines = graphene.Int(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()
    posted_at = graphene.DateTime()
    error = graphene.String(description="Why the last run failed (status FAILED).")

    @staticmethod
    def resolve_status(period, info):
        return enum_value(period.status)

    @staticmethod
    def resolve_error(period, info):
        return period.error or None


# --- readings, recalculations, penalties, imports, charge runs across principals ------------------------


RecalculationReasonEnum = graphene.Enum(
    "RecalculationReason",
    [("ABSENCE", RecalculationReason.TEMPORARY_ABSENCE.value), ("POOR_QUALITY", RecalculationReason.POOR_QUALITY.value),
     ("MANUAL", RecalculationReason.MANUAL.value)],
    description="Why an account's charge is corrected (ПП 354: temporary absence, poor quality; or manual).",
)


class RecalculationNode(graphene.ObjectType):
    class Meta:
        name = "Recalculation"

    id = graphene.ID(required=True)
    account_id = graphene.ID(required=True)
    service_id = graphene.ID(required=True)
    service_name = graphene.String(required=True)
    corrected_month = graphene.Date(required=True, description="The month whose charge is corrected.")
    period_month = graphene.Date(required=True, description="The open period it is booked into.")
    amount = graphene.Decimal(required=True, description="Roubles; negative lowers the debt.")
    reason = graphene.Field(RecalculationReasonEnum, required=True)
    comment = graphene.String(required=True, description="The basis, as printed.")
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_service_name(recalculation, info):
        return recalculation.service.name

    @staticmethod
    def resolve_period_month(recalculation, info):
        return recalculation.period.month

    @staticmethod
    def resolve_reason(recalculation, info):
        return enum_value(recalculation.reason)


class PenaltyRowNode(graphene.ObjectType):
    class Meta:
        name = "PenaltyRow"

    period = graphene.Date(required=True, description="First day of the month the debt is for.")
    debt = graphene.Decimal(required=True)
    date_from = graphene.Date(required=True)
    date_to = graphene.Date(required=True, description="Inclusive.")
    days = graphene.Int(required=True)
    band = graphene.String(required=True, description="0, 1/300 or 1/130.")
    rate = graphene.Decimal(description="Key rate, % per annum after caps; null on rows that do not accrue.")
    formula = graphene.String(required=True)
    amount = graphene.Decimal(required=True)
    note = graphene.String(required=True)


class PenaltyPeriodNode(graphene.ObjectType):
    class Meta:
        name = "PenaltyPeriod"

    period = graphene.Date(required=True)
    debt = graphene.Decimal(required=True)
    due_date = graphene.Date(required=True, description="Last day to pay on time.")
    rows = graphene.List(graphene.NonNull(PenaltyRowNode), required=True)
    total = graphene.Decimal(required=True, description="Sum of the period's rounded rows.")


class PenaltyStatementNode(graphene.ObjectType):
    class Meta:
        name = "PenaltyStatement"

    calculation_date = graphene.Date(required=True)
    periods = graphene.List(graphene.NonNull(PenaltyPeriodNode), required=True)
    rows = graphene.List(graphene.NonNull(PenaltyRowNode), required=True, description="All periods' rows.")
    total = graphene.Decimal(required=True, description="Sum of the period totals.")
    unallocated = graphene.Decimal(required=True, description="Payments beyond every debt (an advance).")
    payment_day_accrues = graphene.Boolean(required=True, description="Whether the payment day itself accrued.")
    payment_day_rule = graphene.String(required=True, description="The payment-day reading used, with its source.")
    rule_tables = graphene.List(
        graphene.NonNull(RuleTableAgeNode), required=True,
        description="The age of the key-rate and cap tables on the calculation date.",
    )
    stale = graphene.Boolean(required=True, description="A rule table ran out before the calculation date: a "
                                                        "later decision may be missing from it.")


ImportKindEnum = choices_enum("ImportKind", ImportKind)
ImportModeEnum = choices_enum("ImportMode", ImportMode)
ImportStatusEnum = choices_enum("ImportStatus", ImportStatus)


class ImportRowErrorNode(graphene.ObjectType):
    class Meta:
        name = "ImportRowError"

    line = graphene.Int(required=True, description="Line of the file (the header is line 1).")
    field = graphene.String(description="The column at fault (canonical name), or null for the whole line.")
    message = graphene.String(required=True)
    code = graphene.String(required=True, description="An ErrorCode value, or DUPLICATE.")


class ImportBatchNode(graphene.ObjectType):
    class Meta:
        name = "ImportBatch"

    id = graphene.ID(required=True)
    kind = graphene.Field(ImportKindEnum, required=True)
    filename = graphene.String(required=True)
    mode = graphene.Field(ImportModeEnum, required=True)
    status = graphene.Field(ImportStatusEnum, required=True)
    encoding = graphene.String(required=True)
    rows_total = graphene.Int(required=True)
    rows_loaded = graphene.Int(required=True)
    errors = graphene.List(graphene.NonNull(ImportRowErrorNode), required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_kind(batch, info):
        return enum_value(batch.kind)

    @staticmethod
    def resolve_mode(batch, info):
        return enum_value(batch.mode)

    @staticmethod
    def resolve_status(batch, info):
        return enum_value(batch.status)

    @staticmethod
    def resolve_errors(batch, info):
        return [ImportRowErrorNode(line=e.get("line") or 0, field=e.get("field") or None,
                                   message=e.get("message") or "", code=e.get("code") or "INVALID")
                for e in batch.errors or []]


class ChargeRunProgressNode(graphene.ObjectType):
    """One principal's period for the month, as the agent watches a run across principals."""

    class Meta:
        name = "ChargeRunProgress"

    schema_name = graphene.String(required=True)
    status = graphene.Field(PeriodStatusEnum, required=True, description="OPEN when the period does not exist yet.")
    charge_lines = graphene.Int(required=True)
