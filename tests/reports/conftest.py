"""Balances of a few accounts over a few posted months in principal A's schema, written as the charge run
would leave them (each row adds up: the database checks it)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

D = Decimal
MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]

# (account, service) -> per month: (charged, recalculated, benefits, penalties, paid)
MOVES = {
    ("R-001", "heat"): [("1000.00", "0", "0", "0", "600.00"), ("1100.00", "-50.00", "0", "0", "1000.00"),
                        ("1200.00", "0", "0", "12.34", "0")],
    ("R-001", "maint"): [("300.00", "0", "30.00", "0", "270.00"), ("300.00", "0", "30.00", "0", "270.00"),
                         ("300.00", "0", "30.00", "0", "500.00")],
    ("R-002", "heat"): [("800.00", "0", "0", "0", "900.00"), ("800.00", "0", "0", "0", "800.00"),
                        ("800.00", "0", "0", "0", "1000.00")],
    ("R-003", "maint"): [("250.00", "0", "0", "0", "0"), ("250.00", "0", "0", "5.00", "0"),
                         ("250.00", "10.00", "0", "0", "100.00")],
    ("R-004", "heat"): [("0", "0", "0", "0", "0"), ("0", "0", "0", "0", "0"), ("0", "0", "0", "0", "0")],
}
PAYERS = {"R-001": "Иванов Иван", "R-002": "Петрова Анна", "R-003": "Сидоров Пётр", "R-004": "Кузнецова Ольга"}


def balances_make(schema_name: str, *, street: str = "ул. Отчётная") -> dict:
    """Accounts R-001…R-004 on one house, two services, three posted months of balances, and an open draft."""
    from tenants.billing.models import Balance, BillingPeriod, PersonalAccount, Service
    from tenants.registry.models import House, Premise

    house, _c = House.objects.get_or_create(region="Ярославская обл.", city="Ярославль", street=street,
                                           house_number="7")
    made = {"house": house, "premises": [], "accounts": {}}
    with schema_context(schema_name):
        services = {
            "heat": Service.objects.create(code="heat", kind="heating", name="Отопление", unit="Гкал",
                                           tariff_kind="per_area"),
            "maint": Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                            tariff_kind="per_area"),
        }
        for i, number in enumerate(sorted(PAYERS), start=1):
            premise, _c = Premise.objects.get_or_create(house=house, number=str(i), defaults={"area": D("50.00")})
            made["premises"].append(premise)
            made["accounts"][number] = PersonalAccount.objects.create(
                number=number, premise=premise, payer_name=PAYERS[number], charge_area=D("50.00") + i,
                opened_on=date(2020, 1, 1))
        periods = [BillingPeriod.objects.create(month=m, status="calculated") for m in MONTHS]
        # a later draft: it must not count anywhere
        draft = BillingPeriod.objects.create(month=date(2026, 11, 1), status="calculated")
        rows = []
        for (number, code), moves in MOVES.items():
            opening = D("0")
            for period, (charged, recalc, benefits, penalties, paid) in zip(periods, moves, strict=True):
                charged, recalc, benefits, penalties, paid = map(D, (charged, recalc, benefits, penalties, paid))
                closing = opening + charged + recalc - benefits + penalties - paid
                rows.append(Balance(period=period, account=made["accounts"][number], service=services[code],
                                    opening=opening, charged=charged, recalculated=recalc, benefits=benefits,
                                    penalties=penalties, paid=paid, closing=closing))
                opening = closing
            rows.append(Balance(period=draft, account=made["accounts"][number], service=services[code],
                                opening=opening, charged=D("99999.00"), closing=opening + D("99999.00")))
        Balance.objects.bulk_create(rows)
        # posted only now: a posted period's rows are frozen by a trigger
        BillingPeriod.objects.filter(month__in=MONTHS).update(status="posted")
    connection.set_schema_to_public()
    return made


@pytest.fixture
def balances(principal_a):
    return balances_make(principal_a.schema_name)
