"""Benefits and houses' readings windows over GraphQL: what a caller sends, what is stored, the typed errors."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from agency.identity.permissions import Perm
from tenants.billing.models import AccountBenefit, BenefitCategory
from tenants.workspace.models import HouseReadingWindow
from tests import factories
from tests.graphql_api.test_isolation import (
    ACCOUNT_BENEFIT_ASSIGN,
    ACCOUNT_BENEFIT_END,
    ACCOUNT_BENEFITS,
    BENEFIT_CATEGORIES,
    BENEFIT_CATEGORY_CREATE,
    HOUSE_READING_WINDOW_CLEAR,
    HOUSE_READING_WINDOW_SET,
    billing_account_id,
    billing_service_id,
    registry_house_id,
)

ALL = [Perm.SETTINGS_MANAGE, Perm.ACCOUNTS_MANAGE, Perm.ACCOUNTS_VIEW, Perm.CHARGES_VIEW]


def test_a_category_is_created_assigned_listed_and_ended(principal_a, tenants, gql):
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=ALL))
    service_id = billing_service_id("principal_a")
    account_id = billing_account_id("principal_a")

    created = client(BENEFIT_CATEGORY_CREATE, {"input": {
        "code": "VET", "name": "Ветеран труда", "percent": "50", "serviceKinds": ["MAINTENANCE"],
        "serviceIds": [service_id]}})["data"]["benefitCategoryCreate"]
    assert created["errors"] == []
    category_id = created["category"]["id"]
    assigned = client(ACCOUNT_BENEFIT_ASSIGN, {"accountId": account_id, "categoryId": category_id,
                                               "validFrom": "2026-01-01"})["data"]["accountBenefitAssign"]
    assert assigned["errors"] == []
    ended = client(ACCOUNT_BENEFIT_END, {"id": assigned["accountBenefit"]["id"], "validTo": "2026-05-31"})
    listed = client(ACCOUNT_BENEFITS, {"id": account_id})["data"]["accountBenefits"]
    catalogue = client(BENEFIT_CATEGORIES)["data"]["benefitCategories"]

    assert ended["data"]["accountBenefitEnd"] == {"accountBenefit": {"id": assigned["accountBenefit"]["id"],
                                                                     "validTo": "2026-05-31"}, "errors": []}
    assert listed == [{"id": assigned["accountBenefit"]["id"], "accountId": account_id, "beneficiaries": 1,
                       "validFrom": "2026-01-01", "validTo": "2026-05-31",
                       "category": {"code": "VET", "percent": "50.00"}}]
    assert catalogue == [{"id": category_id, "code": "VET", "name": "Ветеран труда", "percent": "50.00",
                          "serviceKinds": ["MAINTENANCE"], "serviceIds": [service_id], "socialNormArea": None,
                          "isActive": True}]
    with schema_context("principal_a"):
        grant = AccountBenefit.objects.get()
        assert (grant.valid_from, grant.valid_to, grant.category.code) == (date(2026, 1, 1), date(2026, 5, 31), "VET")


def test_refusals_are_typed_and_write_nothing(principal_a, tenants, gql):
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=ALL))
    account_id = billing_account_id("principal_a")

    bad = client(BENEFIT_CATEGORY_CREATE, {"input": {"code": "X", "name": "Без услуг", "percent": "120"}})
    assert sorted((e["field"], e["code"]) for e in bad["data"]["benefitCategoryCreate"]["errors"]) == [
        ("percent", "INVALID"), ("serviceKinds", "REQUIRED")]
    good = client(BENEFIT_CATEGORY_CREATE, {"input": {"code": "X", "name": "Х", "percent": "10",
                                                      "serviceKinds": ["WASTE"]}})
    category_id = good["data"]["benefitCategoryCreate"]["category"]["id"]
    twice = client(BENEFIT_CATEGORY_CREATE, {"input": {"code": "X", "name": "Х", "percent": "10",
                                                       "serviceKinds": ["WASTE"]}})
    assert twice["data"]["benefitCategoryCreate"]["errors"] == [{"field": "code", "code": "UNIQUE"}]

    first = client(ACCOUNT_BENEFIT_ASSIGN, {"accountId": account_id, "categoryId": category_id,
                                            "validFrom": "2026-01-01"})
    assert first["data"]["accountBenefitAssign"]["errors"] == []
    overlap = client(ACCOUNT_BENEFIT_ASSIGN, {"accountId": account_id, "categoryId": category_id,
                                              "validFrom": "2026-03-01"})
    assert overlap["data"]["accountBenefitAssign"] == {
        "accountBenefit": None, "errors": [{"field": "validFrom", "code": "BENEFIT_OVERLAP"}]}
    early_end = client(ACCOUNT_BENEFIT_END, {"id": first["data"]["accountBenefitAssign"]["accountBenefit"]["id"],
                                             "validTo": "2025-12-31"})
    assert early_end["data"]["accountBenefitEnd"]["errors"] == [{"field": "validTo", "code": "DATE_RANGE"}]
    missing = client(ACCOUNT_BENEFIT_ASSIGN, {"accountId": "987654", "categoryId": category_id,
                                              "validFrom": "2027-01-01"})
    assert missing["data"]["accountBenefitAssign"]["errors"] == [{"field": "accountId", "code": "NOT_FOUND"}]

    with schema_context("principal_a"):
        assert list(BenefitCategory.objects.values_list("code", flat=True)) == ["X"]
        assert list(AccountBenefit.objects.values_list("valid_from", "valid_to")) == [(date(2026, 1, 1), None)]


def test_house_window_set_change_and_clear(principal_a, tenants, gql):
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.SETTINGS_MANAGE]))
    house_id = registry_house_id("улица Окон")

    wrong = client(HOUSE_READING_WINDOW_SET, {"houseId": house_id, "startDay": 26, "endDay": 25})
    assert wrong["data"]["houseReadingWindowSet"]["errors"] == [{"field": "endDay", "code": "INVALID"}]
    no_house = client(HOUSE_READING_WINDOW_SET, {"houseId": "987654", "startDay": 1, "endDay": 5})
    assert no_house["data"]["houseReadingWindowSet"]["errors"] == [{"field": "houseId", "code": "NOT_FOUND"}]
    set_once = client(HOUSE_READING_WINDOW_SET, {"houseId": house_id, "startDay": 1, "endDay": 5})
    changed = client(HOUSE_READING_WINDOW_SET, {"houseId": house_id, "startDay": 10, "endDay": 15})
    assert set_once["data"]["houseReadingWindowSet"]["window"] == {"houseId": house_id, "startDay": 1, "endDay": 5}
    assert changed["data"]["houseReadingWindowSet"]["window"] == {"houseId": house_id, "startDay": 10, "endDay": 15}
    with schema_context("principal_a"):
        assert list(HouseReadingWindow.objects.values_list("house_id", "start_day", "end_day")) == [
            (int(house_id), 10, 15)]
    with schema_context("principal_b"):
        assert not HouseReadingWindow.objects.exists()

    cleared = client(HOUSE_READING_WINDOW_CLEAR, {"houseId": house_id})["data"]["houseReadingWindowClear"]
    again = client(HOUSE_READING_WINDOW_CLEAR, {"houseId": house_id})["data"]["houseReadingWindowClear"]
    assert (cleared, again) == ({"cleared": True, "errors": []}, {"cleared": False, "errors": []})


def test_lists_cost_the_same_for_few_and_many_rows(principal_a, tenants, gql):
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=ALL))
    account_id = billing_account_id("principal_a")
    service_id = billing_service_id("principal_a")

    def add(n: int) -> None:
        with schema_context("principal_a"):
            for _i in range(n):
                category = BenefitCategory.objects.create(code=f"C{BenefitCategory.objects.count()}", name="К",
                                                          percent=Decimal("10"), service_kinds=["heating"])
                category.services.set([int(service_id)])
                AccountBenefit.objects.create(account_id=account_id, category=category, beneficiaries=1,
                                              valid_from=date(2026, 1, 1))

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as cats:
            assert len(client(BENEFIT_CATEGORIES)["data"]["benefitCategories"]) > 0
        with CaptureQueriesContext(connection) as grants:
            assert len(client(ACCOUNT_BENEFITS, {"id": account_id})["data"]["accountBenefits"]) > 0
        # the request's own plumbing (host, session, user) varies with caching: count the billing reads only
        return tuple(sum("billing_" in q["sql"] for q in c.captured_queries) for c in (cats, grants))

    add(2)
    few = queries()
    add(20)
    assert queries() == few
    assert few[0] <= 2 and few[1] <= 4
