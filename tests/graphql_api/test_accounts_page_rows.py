"""The accounts page is built from plain rows (graphql_api.billing.types.account_rows), the card from model
instances (account_row): both must say exactly what the registry and the billing tables hold."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.identity.permissions import Perm
from tenants.billing.models import AccountService, Balance, BillingPeriod, Occupancy, PeriodStatus, PersonalAccount
from tenants.billing.models import Service as BillingService
from tenants.registry.models import House, Premise, PremiseKind
from tests import factories

NODE = ("id number payerName address houseId houseAddress premiseId premiseNumber chargeArea ownershipShare "
        "persons openedOn closedOn debt services { serviceId code name unit kind validFrom validTo }")
PAGE = "query($after: String) { accounts(first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { %s } } }"
CARD = "query($id: ID!) { account(id: $id) { account { %s } } }"


def _data():
    today = timezone.localdate()
    plain = House.objects.create(region="Ярославская область", city="Ярославль", street="ул. Первая", house_number="1")
    built = House.objects.create(region="Ярославская область", city="Ярославль", street="ул. Вторая", house_number="2",
                                 building="3")
    premises = [
        Premise.objects.create(house=plain, number="5", area=Decimal("40")),
        Premise.objects.create(house=built, number="1Н", area=Decimal("90"), kind=PremiseKind.NON_RESIDENTIAL),
        Premise.objects.create(house=built, number="7", area=Decimal("55")),
    ]
    maint = BillingService.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                          tariff_kind="per_area", sort_order=2)
    cold = BillingService.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³",
                                         tariff_kind="per_unit", norm_basis="person", sort_order=1)
    accounts = [
        PersonalAccount.objects.create(number=f"R-{n}", premise=p, payer_name=f"Плательщик {n}",
                                       charge_area=Decimal("40.25") + n, ownership_share=Decimal("0.500000"),
                                       opened_on=date(2020, 1, n + 1), closed_on=date(2030, 1, 1) if n == 2 else None)
        for n, p in enumerate(premises)
    ]
    # account 0: both services (one ending in the future), persons, a posted debt; account 1: an expired
    # service and no occupancy; account 2: a service starting tomorrow only
    AccountService.objects.create(account=accounts[0], service=maint, valid_from=date(2020, 1, 1))
    AccountService.objects.create(account=accounts[0], service=cold, valid_from=date(2020, 1, 1),
                                  valid_to=today + timedelta(days=30))
    AccountService.objects.create(account=accounts[1], service=maint, valid_from=date(2020, 1, 1))
    AccountService.objects.create(account=accounts[1], service=cold, valid_from=date(2020, 1, 1),
                                  valid_to=today - timedelta(days=1))
    AccountService.objects.create(account=accounts[2], service=maint, valid_from=today + timedelta(days=1))
    Occupancy.objects.create(account=accounts[0], valid_from=date(2020, 1, 1), registered=3, living=0)
    Occupancy.objects.create(account=accounts[2], valid_from=date(2020, 1, 1), registered=1, living=2)
    period = BillingPeriod.objects.create(month=date(2026, 5, 1), status=PeriodStatus.CALCULATED)
    Balance.objects.create(account=accounts[0], service=maint, period=period, opening=Decimal("100.10"),
                           closing=Decimal("100.10"))
    Balance.objects.create(account=accounts[0], service=cold, period=period, opening=Decimal("-0.05"),
                           closing=Decimal("-0.05"))
    BillingPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.POSTED)  # a posted period is frozen
    return accounts


def _expected(account: PersonalAccount) -> dict:
    """The node, straight from the models (House.__str__, the service rows valid today, the balances)."""
    today = timezone.localdate()
    premise = account.premise
    label = "кв." if premise.kind == PremiseKind.FLAT else "пом."
    links = [link for link in AccountService.objects.filter(account=account).select_related("service")
             if link.valid_from <= today and (link.valid_to is None or link.valid_to >= today)]
    links.sort(key=lambda link: (link.service.sort_order, link.service_id))
    occupancy = Occupancy.objects.filter(account=account).first()
    balances = list(Balance.objects.filter(account=account, period__status=PeriodStatus.POSTED))
    return {
        "id": str(account.pk), "number": account.number, "payerName": account.payer_name,
        "address": f"{premise.house}, {label} {premise.number}", "houseId": str(premise.house_id),
        "houseAddress": str(premise.house), "premiseId": str(premise.pk), "premiseNumber": premise.number,
        "chargeArea": str(account.charge_area), "ownershipShare": str(account.ownership_share),
        "persons": None if occupancy is None else (occupancy.living or occupancy.registered),
        "openedOn": account.opened_on.isoformat(),
        "closedOn": account.closed_on.isoformat() if account.closed_on else None,
        "debt": str(sum(b.closing for b in balances)) if balances else None,
        "services": [
            {"serviceId": str(link.service_id), "code": link.service.code, "name": link.service.name,
             "unit": link.service.unit, "kind": link.service.kind.upper(), "validFrom": link.valid_from.isoformat(),
             "validTo": link.valid_to.isoformat() if link.valid_to else None}
            for link in links
        ],
    }


def test_page_and_card_say_what_the_tables_hold(tenants, principal_a, gql):
    with tenant_context(principal_a):
        accounts = _data()
        expected = [_expected(PersonalAccount.objects.select_related("premise__house").get(pk=a.pk))
                    for a in accounts]
    client = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.ACCOUNTS_VIEW]))

    first = client(PAGE % NODE)["data"]["accounts"]
    second = client(PAGE % NODE, {"after": first["pageInfo"]["endCursor"]})["data"]["accounts"]
    cards = [client(CARD % NODE, {"id": a.pk})["data"]["account"]["account"] for a in accounts]

    assert first["pageInfo"]["hasNextPage"] is True and second["pageInfo"]["hasNextPage"] is False
    assert first["nodes"] + second["nodes"] == expected
    assert cards == expected
    # the cases the expectations rest on did occur
    assert [len(e["services"]) for e in expected] == [2, 1, 0]
    assert expected[0]["services"][0]["code"] == "cold" and expected[0]["debt"] == "100.05"
    assert expected[1]["address"].endswith(", корп. 3, пом. 1Н") and expected[1]["persons"] is None
    assert expected[2]["persons"] == 2 and expected[2]["debt"] is None
