"""The houses a principal's accounts page filters by: the houses where this principal has accounts, with how many,
ordered by address (house numbers as numbers), searched by a part of the address, in one query."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from agency.identity.permissions import Perm
from tenants.billing.models import PersonalAccount
from tenants.registry.models import House, Premise
from tests import factories
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db

HOUSES = "query($search: String, $first: Int) { houses(search: $search, first: $first) { id address accountsCount } }"
ACCOUNTS_IN = "query($house: ID) { accounts(houseId: $house, first: 1) { totalCount } }"


def _house(street: str, number: str, building: str = "", city: str = "Ярославль") -> House:
    return House.objects.create(region="Ярославская область", city=city, street=street, house_number=number,
                                building=building)


def _accounts(schema_name: str, house: House, count: int) -> None:
    with schema_context(schema_name):
        for n in range(count):
            premise, _created = Premise.objects.get_or_create(house=house, number=str(n + 1),
                                                              defaults={"area": "30.00"})
            PersonalAccount.objects.create(number=f"{schema_name[-1]}-{house.pk}-{n}", premise=premise,
                                           payer_name="Жилец", charge_area="30.00", opened_on=date(2020, 1, 1))
    connection.set_schema_to_public()


@pytest.fixture
def streets(principal_a, principal_b):
    """A serves «Ленина» 2, 9, 10, 10а and «Мира» 3 (корп. 1) and 3; B serves «Ленина» 9 and «Садовая» 1."""
    houses = {
        "lenina_10": _house("улица Ленина", "10"), "lenina_9": _house("улица Ленина", "9"),
        "lenina_10a": _house("улица Ленина", "10а"), "lenina_2": _house("улица Ленина", "2"),
        "mira_3_1": _house("проспект Мира", "3", building="1"), "mira_3": _house("проспект Мира", "3"),
        "sadovaya_1": _house("Садовая улица", "1"), "empty": _house("улица Пустая", "1"),
    }
    for key, count in (("lenina_10", 3), ("lenina_9", 1), ("lenina_10a", 2), ("lenina_2", 1), ("mira_3_1", 1),
                       ("mira_3", 2)):
        _accounts("principal_a", houses[key], count)
    _accounts("principal_b", houses["lenina_9"], 4)
    _accounts("principal_b", houses["sadovaya_1"], 1)
    return houses


def test_houses_are_the_principals_own_by_address_with_their_account_counts(streets, principal_a, tenants, gql):
    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.ACCOUNTS_VIEW]))

    houses = staff(HOUSES)["data"]["houses"]

    # «проспект Мира» before «улица Ленина»; 3 before 3 корп. 1; 2, 9, 10, 10а as numbers
    expected = ["mira_3", "mira_3_1", "lenina_2", "lenina_9", "lenina_10", "lenina_10a"]
    assert [h["id"] for h in houses] == [str(streets[key].pk) for key in expected]
    assert [h["address"] for h in houses] == [str(streets[key]) for key in expected]
    assert [h["accountsCount"] for h in houses] == [2, 1, 1, 1, 3, 2]  # A's own 1 in «Ленина, 9», not B's 4
    # each count is what the accounts page finds with that house as its filter
    for house in houses:
        assert staff(ACCOUNTS_IN, {"house": house["id"]})["data"]["accounts"]["totalCount"] == house["accountsCount"]


def test_houses_search_by_a_part_of_the_address_and_limit(streets, principal_a, tenants, gql):
    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.ACCOUNTS_VIEW]))

    def found(search, first=50):
        return [h["id"] for h in staff(HOUSES, {"search": search, "first": first})["data"]["houses"]]

    ids = {key: str(house.pk) for key, house in streets.items()}
    assert found("ленин") == [ids["lenina_2"], ids["lenina_9"], ids["lenina_10"], ids["lenina_10a"]]
    assert found("ул. Ленина, д. 10") == [ids["lenina_10"], ids["lenina_10a"]]  # the number's start
    assert found("Мира 3 корп. 1") == [ids["mira_3_1"]]
    assert found("ярослав") == found(None) and len(found(None)) == 6
    assert found("Садовая") == [] and found("Пустая") == []  # B's house and a house with no accounts
    assert found("ленин", first=2) == [ids["lenina_2"], ids["lenina_9"]]
    assert error_codes(staff(HOUSES, {"first": 0})) == ["INVALID"]
    assert error_codes(staff(HOUSES, {"first": 101})) == ["INVALID"]


def test_houses_cost_one_query_whatever_their_number(principal_a, tenants, gql):
    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.ACCOUNTS_VIEW]))
    counts = []
    for n in (2, 12):
        for i in range(len(counts) * 100, len(counts) * 100 + n):
            _accounts("principal_a", _house("улица Счётная", str(i + 1)), 2)
        staff(HOUSES)  # the session and permission lookups warm up
        with CaptureQueriesContext(connection) as captured:
            payload = staff(HOUSES)
        assert len(payload["data"]["houses"]) == (2 if n == 2 else 14)
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
