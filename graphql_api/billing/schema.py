"""Billing on a principal's host: accounts, the account card, services and tariffs, periods and charge runs,
readings, recalculations, penalty statements and imports; and, for agent staff, charge runs across principals."""

from operator import itemgetter

import graphene
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.billing import benefits
from graphql_api.billing.mutations import (
    ChargeRun,
    ChargeRunAll,
    PeriodPost,
    ReadingSubmit,
    RecalculationCreate,
    TariffCreate,
)
from graphql_api.billing.types import (
    AccountCard,
    BillingPeriodNode,
    BillingServiceNode,
    ChargeRunProgressNode,
    HouseOptionNode,
    ImportBatchNode,
    ImportKindEnum,
    PenaltyStatementNode,
    PersonalAccountConnection,
    RecalculationNode,
    account_or_not_found,
    account_rows,
    house_option,
)
from graphql_api.core.enums import enum_value
from graphql_api.core.errors import ApiError, query_error
from graphql_api.core.ids import int_id
from graphql_api.core.pagination import resolve_connection
from graphql_api.core.permissions import require_agent_staff, require_principal_perm
from tenants.billing import fanout, selectors
from tenants.billing.models import ImportBatch, ImportKind, Recalculation
from tenants.penalties.statement import penalty_statement

IMPORT_BATCHES_MAX = 100
HOUSES_MAX = 100
# Which permission lets a caller see a kind of upload: whoever may load it.
IMPORT_PERM = {ImportKind.READINGS: Perm.READINGS_MANAGE, ImportKind.OPENING_BALANCES: Perm.ACCOUNTS_MANAGE,
               ImportKind.OWN_RECEIPTS: Perm.PAYMENTS_MANAGE}


class Queries(benefits.Queries, graphene.ObjectType):
    accounts = graphene.Field(
        PersonalAccountConnection, required=True, first=graphene.Int(), after=graphene.String(),
        search=graphene.String(
            description="Words, each matching the account number (prefix), payer's name (part), street (part), "
                        "house or premise number."
        ),
        house_id=graphene.ID(), has_debt=graphene.Boolean(description="The balance now (the latest posted "
                                                                      "closing less the payments since) above "
                                                                      "zero."),
        description="Personal accounts of the host's principal (accounts.view).",
    )
    account = graphene.Field(
        AccountCard, id=graphene.ID(required=True), description="An account's card (accounts.view)."
    )
    houses = graphene.List(
        graphene.NonNull(HouseOptionNode), required=True,
        search=graphene.String(description="Words, each matching the city or street (part), the house number "
                                           "(start) or the building."),
        first=graphene.Int(default_value=50, description=f"At most {HOUSES_MAX}."),
        description="Houses where the host's principal has accounts, with their count, ordered by address "
                    "(accounts.view).",
    )
    services = graphene.List(
        graphene.NonNull(BillingServiceNode), required=True, active_only=graphene.Boolean(default_value=False),
        description="Services with their tariffs and norms (charges.view).",
    )
    billing_periods = graphene.List(
        graphene.NonNull(BillingPeriodNode), required=True, year=graphene.Int(),
        description="Billing periods, newest first (charges.view).",
    )
    recalculations = graphene.List(
        graphene.NonNull(RecalculationNode), required=True, account_id=graphene.ID(required=True),
        description="An account's recalculations, newest first (charges.view).",
    )
    penalty_statement = graphene.Field(
        PenaltyStatementNode, required=True, account_id=graphene.ID(required=True),
        as_of=graphene.Date(description="The calculation date; today when omitted."),
        description="An account's penalties (ЖК РФ ст.155 ч.14), day by day (charges.view).",
    )
    import_batches = graphene.List(
        graphene.NonNull(ImportBatchNode), required=True, kind=ImportKindEnum(required=True),
        first=graphene.Int(default_value=20, description=f"At most {IMPORT_BATCHES_MAX}."),
        description="Uploaded files with each line's errors, newest first "
                    "(readings.manage for readings, accounts.manage for opening balances).",
    )
    charge_run_progress = graphene.List(
        graphene.NonNull(ChargeRunProgressNode), required=True, month=graphene.Date(required=True),
        description="Every active principal's period for the month (agent staff).",
    )

    @staticmethod
    def resolve_accounts(root, info, first=None, after=None, search=None, house_id=None, has_debt=None):
        require_principal_perm(info, Perm.ACCOUNTS_VIEW)
        today = timezone.localdate()  # one day for persons and for the services connected
        qs = selectors.account_list(
            search=search, house_id=int_id(house_id) if house_id is not None else None, has_debt=has_debt,
            today=today,
        )
        return resolve_connection(
            PersonalAccountConnection, qs, first=first, after=after,
            fetch=lambda page_qs: account_rows(page_qs, today=today), pk=itemgetter("id"),
        )

    @staticmethod
    def resolve_houses(root, info, search=None, first=50):
        require_principal_perm(info, Perm.ACCOUNTS_VIEW)
        if first is None or not 1 <= first <= HOUSES_MAX:
            raise ApiError(ErrorCode.INVALID, _("Размер страницы — от 1 до %(max)s.") % {"max": HOUSES_MAX})
        # the host's schema: only houses with this principal's accounts
        return [house_option(row) for row in selectors.house_list(search=search, limit=first)]

    @staticmethod
    def resolve_account(root, info, id):
        require_principal_perm(info, Perm.ACCOUNTS_VIEW)
        account = selectors.account_card(account_id=int_id(id))
        if account is None:
            # another principal's id looks exactly like a missing one: each schema has its own ids
            raise ApiError(ErrorCode.NOT_FOUND, _("Лицевой счёт не найден."))
        return account

    @staticmethod
    def resolve_services(root, info, active_only):
        require_principal_perm(info, Perm.CHARGES_VIEW)
        return selectors.service_list(active_only=active_only)

    @staticmethod
    def resolve_billing_periods(root, info, year=None):
        require_principal_perm(info, Perm.CHARGES_VIEW)
        if year is not None and not 1900 <= year <= 2199:
            return []  # no period is outside the years a date may have (graphql_api.core.validation)
        return selectors.period_list(year=year)

    @staticmethod
    def resolve_recalculations(root, info, account_id):
        require_principal_perm(info, Perm.CHARGES_VIEW)
        account = account_or_not_found(account_id)
        return list(Recalculation.objects.filter(account=account).select_related("period", "service")
                    .order_by("-created_at", "-pk"))

    @staticmethod
    def resolve_penalty_statement(root, info, account_id, as_of=None):
        require_principal_perm(info, Perm.CHARGES_VIEW)
        account = account_or_not_found(account_id)
        try:
            return penalty_statement(account=account, as_of=as_of or timezone.localdate())
        except ValidationError as exc:
            raise query_error(exc) from exc

    @staticmethod
    def resolve_import_batches(root, info, kind, first):
        kind = enum_value(kind)
        require_principal_perm(info, IMPORT_PERM[kind])
        if not 1 <= first <= IMPORT_BATCHES_MAX:
            raise ApiError(ErrorCode.INVALID, _("Размер страницы — от 1 до %(max)s.") % {"max": IMPORT_BATCHES_MAX})
        return list(ImportBatch.objects.filter(kind=kind).order_by("-created_at", "-pk")[:first])

    @staticmethod
    def resolve_charge_run_progress(root, info, month):
        require_agent_staff(info)
        return [ChargeRunProgressNode(**row) for row in _progress_rows(month)]


class Mutations(benefits.Mutations, graphene.ObjectType):
    tariff_create = TariffCreate.Field()
    charge_run = ChargeRun.Field()
    period_post = PeriodPost.Field()
    reading_submit = ReadingSubmit.Field()
    recalculation_create = RecalculationCreate.Field()
    charge_run_all = ChargeRunAll.Field()


def _progress_rows(month):
    return [{"schema_name": r["schema"], "status": r["status"], "charge_lines": r["charge_lines"]}
            for r in fanout.charge_run_progress(month=month)]
