"""Billing on a principal's host: accounts, the account card, services and tariffs, periods and charge runs."""

import graphene
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from graphql_api.billing.mutations import ChargeRun, PeriodPost, TariffCreate
from graphql_api.billing.types import (
    AccountCard,
    BillingPeriodNode,
    BillingServiceNode,
    PersonalAccountConnection,
)
from graphql_api.core.errors import ApiError
from graphql_api.core.pagination import resolve_connection
from graphql_api.core.permissions import require_principal_perm
from graphql_api.identity.schema import _int_id
from identity.permissions import Perm
from tenants.billing import selectors


class Queries(graphene.ObjectType):
    accounts = graphene.Field(
        PersonalAccountConnection, required=True, first=graphene.Int(), after=graphene.String(),
        search=graphene.String(
            description="Words, each matching the account number (prefix), payer's name (part), street (part), "
                        "house or premise number."
        ),
        house_id=graphene.ID(), has_debt=graphene.Boolean(description="Closing balance of the latest posted "
                                                                      "period above zero."),
        description="Personal accounts of the host's principal (accounts.view).",
    )
    account = graphene.Field(
        AccountCard, id=graphene.ID(required=True), description="An account's card (accounts.view)."
    )
    services = graphene.List(
        graphene.NonNull(BillingServiceNode), required=True, active_only=graphene.Boolean(default_value=False),
        description="Services with their tariffs and norms (charges.view).",
    )
    billing_periods = graphene.List(
        graphene.NonNull(BillingPeriodNode), required=True, year=graphene.Int(),
        description="Billing periods, newest first (charges.view).",
    )

    @staticmethod
    def resolve_accounts(root, info, first=None, after=None, search=None, house_id=None, has_debt=None):
        require_principal_perm(info, Perm.ACCOUNTS_VIEW)
        qs = selectors.account_list(
            search=search, house_id=_int_id(house_id) if house_id is not None else None, has_debt=has_debt
        )
        return resolve_connection(PersonalAccountConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_account(root, info, id):
        require_principal_perm(info, Perm.ACCOUNTS_VIEW)
        account = selectors.account_card(account_id=_int_id(id))
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
        return selectors.period_list(year=year)


class Mutations(graphene.ObjectType):
    tariff_create = TariffCreate.Field()
    charge_run = ChargeRun.Field()
    period_post = PeriodPost.Field()
