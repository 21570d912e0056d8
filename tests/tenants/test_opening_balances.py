"""Opening balances from another system: checked row by row, loaded once, all or the good rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tenants.billing.imports import opening_balances_import
from tenants.billing.models import Balance, BillingPeriod, ImportBatch, PersonalAccount, Service
from tenants.registry.models import House, Premise

MAY = date(2026, 5, 1)
GOOD = "Лицевой счёт;Услуга;Сальдо\n100;cold;1 234,50\n101;cold;-15,00\n"
BAD = GOOD + "999;cold;10\n100;gas;5\n101;cold;abc\n"


@pytest.fixture
def accounts(principal_a):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Ввода", house_number="3")
    with tenant_context(principal_a):
        Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit")
        for n in (100, 101):
            premise = Premise.objects.create(house=house, number=str(n), area=Decimal("40"))
            PersonalAccount.objects.create(number=str(n), premise=premise, payer_name="Петров", charge_area=40,
                                           opened_on=date(2020, 1, 1))
        yield


def _load(principal, text: str, mode: str, encoding: str = "cp1251"):
    with tenant_context(principal):
        return opening_balances_import(data=text.encode(encoding), filename="saldo.csv", month=MAY, mode=mode)


def test_good_file_loads_as_a_posted_period(accounts, principal_a):
    batch = _load(principal_a, GOOD, "all_or_nothing")
    with tenant_context(principal_a):
        balances = {b.account.number: b.closing for b in Balance.objects.select_related("account")}
        assert BillingPeriod.objects.get(month=MAY).status == "posted"
    assert (batch.status, batch.rows_loaded, batch.encoding) == ("loaded", 2, "cp1251")
    assert balances == {"100": Decimal("1234.50"), "101": Decimal("-15.00")}


def test_same_file_twice_posts_nothing_new(accounts, principal_a):
    first = _load(principal_a, GOOD, "all_or_nothing")
    second = _load(principal_a, GOOD, "all_or_nothing")
    assert second.pk == first.pk
    with tenant_context(principal_a):
        assert Balance.objects.count() == 2


def test_bad_rows_are_named_and_nothing_is_half_loaded(accounts, principal_a):
    batch = _load(principal_a, BAD, "all_or_nothing")
    assert batch.status == "rejected"
    assert [(e["line"], e["field"], e["code"]) for e in batch.errors] == [
        (4, "account", "NOT_FOUND"), (5, "service", "NOT_FOUND"), (6, "amount", "INVALID"),
    ]
    with tenant_context(principal_a):
        assert Balance.objects.count() == 0
        assert not BillingPeriod.objects.filter(month=MAY).exists()


def test_good_rows_mode_loads_the_rest(accounts, principal_a):
    batch = _load(principal_a, BAD, "good_rows")
    assert (batch.status, batch.rows_total, batch.rows_loaded, len(batch.errors)) == ("loaded", 5, 2, 3)


def test_validate_mode_loads_nothing(accounts, principal_a):
    batch = _load(principal_a, BAD, "validate")
    assert batch.status == "validated" and len(batch.errors) == 3
    with tenant_context(principal_a):
        assert Balance.objects.count() == 0


def test_cp1251_is_detected_without_being_told(accounts, principal_a):
    with tenant_context(principal_a):
        batch = opening_balances_import(data=GOOD.encode("cp1251"), filename="saldo.csv", month=MAY,
                                        mode="all_or_nothing")
    assert batch.status == "loaded"  # auto-detected cp1251


def test_a_loaded_month_refuses_a_second_file(accounts, principal_a):
    _load(principal_a, GOOD, "all_or_nothing")
    with pytest.raises(ValidationError) as refused:
        _load(principal_a, GOOD.replace("1 234,50", "1,00"), "all_or_nothing")
    assert refused.value.error_dict["month"][0].code == "PERIOD_POSTED"


def test_import_stays_in_its_principal(accounts, principal_a, principal_b):
    _load(principal_a, GOOD, "all_or_nothing")
    with tenant_context(principal_b):
        assert ImportBatch.objects.count() == 0
        assert Balance.objects.count() == 0
