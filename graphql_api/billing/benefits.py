"""Benefits (льготы) and per-house readings windows on a principal's host.

Reads: the benefit catalogue (charges.view) and an account's benefits (accounts.view).
Writes: a new category (settings.manage), assigning and ending an account's benefit
(accounts.manage), setting and clearing a house's readings window (settings.manage).
"""

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.billing.types import account_or_not_found
from graphql_api.core.enums import ServiceKindEnum, enum_value
from graphql_api.core.ids import found_or_field_error, int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from tenants.billing import benefits, readings
from tenants.billing.models import AccountBenefit, BenefitCategory, PersonalAccount, Service
from tenants.registry.models import House


class BenefitCategoryNode(graphene.ObjectType):
    class Meta:
        name = "BenefitCategory"

    id = graphene.ID(required=True)
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    percent = graphene.Decimal(required=True, description="Discount, % of the charge.")
    service_kinds = graphene.List(graphene.NonNull(ServiceKindEnum), required=True,
                                  description="Every service of these kinds is covered.")
    service_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                                description="Services covered one by one (besides the kinds).")
    social_norm_area = graphene.Decimal(
        description="Per-m² services: the benefit covers at most this many m² per beneficiary (a regional norm).")
    is_active = graphene.Boolean(required=True)

    @staticmethod
    def resolve_service_ids(category, info):
        return [s.pk for s in category.services.all()]  # prefetched by the selector


class AccountBenefitNode(graphene.ObjectType):
    class Meta:
        name = "AccountBenefit"

    id = graphene.ID(required=True)
    account_id = graphene.ID(required=True)
    category = graphene.Field(BenefitCategoryNode, required=True)
    beneficiaries = graphene.Int(required=True, description="Persons on the account the benefit applies to.")
    valid_from = graphene.Date(required=True)
    valid_to = graphene.Date(description="Last day it applies (inclusive); null — open-ended.")


class HouseReadingWindowNode(graphene.ObjectType):
    class Meta:
        name = "HouseReadingWindow"

    house_id = graphene.ID(required=True)
    start_day = graphene.Int(required=True)
    end_day = graphene.Int(required=True)


class Queries(graphene.ObjectType):
    benefit_categories = graphene.List(
        graphene.NonNull(BenefitCategoryNode), required=True, active_only=graphene.Boolean(default_value=False),
        description="The principal's benefit categories (charges.view).",
    )
    account_benefits = graphene.List(
        graphene.NonNull(AccountBenefitNode), required=True, account_id=graphene.ID(required=True),
        description="An account's benefits, newest first (accounts.view).",
    )

    @staticmethod
    def resolve_benefit_categories(root, info, active_only):
        require_principal_perm(info, Perm.CHARGES_VIEW)
        return list(benefits.benefit_category_list(active_only=active_only))

    @staticmethod
    def resolve_account_benefits(root, info, account_id):
        require_principal_perm(info, Perm.ACCOUNTS_VIEW)
        grants = list(benefits.account_benefit_list(account=account_or_not_found(account_id)).prefetch_related(
            "category__services"))
        return grants


class BenefitCategoryInput(graphene.InputObjectType):
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    percent = graphene.Decimal(required=True, description="Discount, more than 0 and at most 100.")
    service_kinds = graphene.List(graphene.NonNull(ServiceKindEnum), default_value=[])
    service_ids = graphene.List(graphene.NonNull(graphene.ID), default_value=[])
    social_norm_area = graphene.Decimal(description="м² per beneficiary for per-m² services; omit for no limit.")
    is_active = graphene.Boolean(default_value=True)


class BenefitCategoryCreate(BaseMutation):
    """Add a benefit category to the catalogue (settings.manage)."""

    category = graphene.Field(BenefitCategoryNode)

    class Arguments:
        input = BenefitCategoryInput(required=True)

    @classmethod
    def perform(cls, root, info, input):
        require_principal_perm(info, Perm.SETTINGS_MANAGE)
        ids = [int_id(i) for i in input.service_ids]
        services = list(Service.objects.filter(pk__in=ids))
        if len(services) != len(set(ids)):
            raise ValidationError({"service_ids": ValidationError(_("Услуга не найдена."), code=ErrorCode.NOT_FOUND)})
        category = benefits.benefit_category_create(
            code=input.code, name=input.name, percent=input.percent,
            service_kinds=[enum_value(k) for k in input.service_kinds], services=services,
            social_norm_area=input.social_norm_area, is_active=input.is_active,
        )
        return cls(category=BenefitCategory.objects.prefetch_related("services").get(pk=category.pk))


class AccountBenefitAssign(BaseMutation):
    """Give an account a benefit category for a number of beneficiaries from a date (accounts.manage)."""

    account_benefit = graphene.Field(AccountBenefitNode)

    class Arguments:
        account_id = graphene.ID(required=True)
        category_id = graphene.ID(required=True)
        beneficiaries = graphene.Int(required=True)
        valid_from = graphene.Date(required=True)
        valid_to = graphene.Date(description="Last day (inclusive); omit for open-ended.")

    @classmethod
    def perform(cls, root, info, account_id, category_id, beneficiaries, valid_from, valid_to=None):
        require_principal_perm(info, Perm.ACCOUNTS_MANAGE)
        grant = benefits.account_benefit_assign(
            account=found_or_field_error(PersonalAccount, account_id, "account_id", _("Лицевой счёт не найден.")),
            category=found_or_field_error(BenefitCategory, category_id, "category_id",
                                          _("Категория льготы не найдена.")),
            beneficiaries=beneficiaries, valid_from=valid_from, valid_to=valid_to,
        )
        return cls(account_benefit=grant)


class AccountBenefitEnd(BaseMutation):
    """End an account's benefit on a day (inclusive) (accounts.manage)."""

    account_benefit = graphene.Field(AccountBenefitNode)

    class Arguments:
        id = graphene.ID(required=True)
        valid_to = graphene.Date(required=True)

    @classmethod
    def perform(cls, root, info, id, valid_to):
        require_principal_perm(info, Perm.ACCOUNTS_MANAGE)
        grant = found_or_field_error(AccountBenefit, id, "id", _("Льгота не найдена."))
        return cls(account_benefit=benefits.account_benefit_end(grant=grant, valid_to=valid_to))


class HouseReadingWindowSet(BaseMutation):
    """Set the days of the month a house's meter readings are accepted (settings.manage)."""

    window = graphene.Field(HouseReadingWindowNode)

    class Arguments:
        house_id = graphene.ID(required=True)
        start_day = graphene.Int(required=True)
        end_day = graphene.Int(required=True, description="A day past the month's length means its last day.")

    @classmethod
    def perform(cls, root, info, house_id, start_day, end_day):
        require_principal_perm(info, Perm.SETTINGS_MANAGE)
        house = found_or_field_error(House, house_id, "house_id", _("Дом не найден."))
        return cls(window=readings.house_reading_window_set(house=house, start_day=start_day, end_day=end_day))


class HouseReadingWindowClear(BaseMutation):
    """Return a house to the principal's readings window (settings.manage)."""

    cleared = graphene.Boolean(description="False when the house had no window of its own.")

    class Arguments:
        house_id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, house_id):
        require_principal_perm(info, Perm.SETTINGS_MANAGE)
        house = found_or_field_error(House, house_id, "house_id", _("Дом не найден."))
        return cls(cleared=readings.house_reading_window_clear(house=house))


class Mutations(graphene.ObjectType):
    benefit_category_create = BenefitCategoryCreate.Field()
    account_benefit_assign = AccountBenefitAssign.Field()
    account_benefit_end = AccountBenefitEnd.Field()
    house_reading_window_set = HouseReadingWindowSet.Field()
    house_reading_window_clear = HouseReadingWindowClear.Field()
