"""Drainage by the premise's water meters (issue 13, item 1), June 2026 (30 days, one tariff each).

The rule (ПП 354 п.42; формула 4 прил.2): without a drainage meter, the drainage volume is the sum of the premise's
cold and hot water volumes, each by its meter, or by the norm for the part without one. The water utility here
bills cold water and drainage but not hot water (the heat supplier does): the hot part comes from a hot-water
meter it keeps readings of, else the hot norm — its catalogue has none, so the drainage norm less the cold norm
(8.4 − 4.9 = 3.5 m³ a person, the region's hot-water norm: its drainage norm is the sum of the two).
"""

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from billing_core.house_volumes import drainage_volume
from billing_core.money import to_money
from tenants.billing.charge_run import charge_run
from tenants.billing.models import (
    AccountService,
    BillingPeriod,
    Charge,
    Meter,
    Norm,
    Occupancy,
    PeriodStatus,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.registry.models import House, Premise

JUNE = date(2026, 6, 1)
D = Decimal
COLD_RATE, DRAIN_RATE = D("48.60"), D("39.12")


def _account(number, premise, persons):
    account = PersonalAccount.objects.create(number=number, premise=premise, payer_name="Петров П. П.",
                                             charge_area=premise.area, opened_on=date(2020, 1, 1))
    Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=persons, living=persons)
    return account


def _read(account, service, serial, may, june=None):
    meter = Meter.objects.create(account=account, service=service, serial=serial, installed_on=date(2020, 1, 1),
                                 verified_until=date(2030, 1, 1))
    Reading.objects.create(meter=meter, period=date(2026, 5, 1), value=D(may), reading_date=date(2026, 5, 24),
                           source="cabinet")
    if june is not None:
        Reading.objects.create(meter=meter, period=JUNE, value=D(june), reading_date=date(2026, 6, 24),
                               source="cabinet")


@pytest.fixture
def water(principal_b):
    house = House.objects.create(region="Ярославская область", city="Ярославль", street="улица Водная",
                                 house_number="5")
    premises = [Premise.objects.create(house=house, number=str(n), area=D("50.00")) for n in range(1, 5)]
    with tenant_context(principal_b):
        cold = Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit",
                                      norm_basis="person")
        drain = Service.objects.create(code="drain", kind="drainage", name="Водоотведение", unit="м³",
                                       tariff_kind="per_unit", norm_basis="person")
        # hot-water readings the water utility receives for drainage, without billing hot water
        hot_ref = Service.objects.create(code="hot_ref", kind="hot_water", name="ГВС (показания)", unit="м³",
                                         tariff_kind="per_unit", norm_basis="person", is_active=False)
        Tariff.objects.create(service=cold, valid_from=date(2026, 1, 1), rate=COLD_RATE)
        Tariff.objects.create(service=drain, valid_from=date(2026, 1, 1), rate=DRAIN_RATE)
        Norm.objects.create(service=cold, valid_from=date(2026, 1, 1), value=D("4.9"), uplift_coefficient=D("1.5"))
        Norm.objects.create(service=drain, valid_from=date(2026, 1, 1), value=D("8.4"), uplift_coefficient=D("1"))
        w1 = _account("W-1", premises[0], 2)
        w2 = _account("W-2", premises[1], 3)
        w3 = _account("W-3", premises[2], 2)
        w4 = _account("W-4", premises[3], 1)
        for account in (w1, w2, w3, w4):
            for service in (cold, drain):
                AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
        _read(w1, cold, "CW-1", "100.000", "106.250")
        _read(w2, cold, "CW-2", "40.000", "45.500")
        _read(w2, hot_ref, "HW-2", "20.000", "22.400")
        _read(w4, cold, "CW-4", "70.000")  # no June reading: the average of April (4) and May (5)
        for month, qty in ((date(2026, 4, 1), "4"), (date(2026, 5, 1), "5")):
            period = BillingPeriod.objects.create(month=month, status=PeriodStatus.CALCULATED)
            Charge.objects.create(period=period, account=w4, service=cold, quantity=D(qty), method="meter",
                                  rate=COLD_RATE, amount=D(qty) * COLD_RATE)
        yield {"cold": cold, "drain": drain}


def test_drainage_is_the_sum_of_the_water_volumes(water, principal_b):
    with tenant_context(principal_b):
        period = charge_run(month=JUNE)
        lines = {(c.account.number, c.service.code): (c.quantity, c.method, c.amount)
                 for c in Charge.objects.filter(period=period).select_related("account", "service")}

    # W-1, 2 persons: cold by meter 106.250 − 100.000 = 6.25 m³; no hot-water data, so the hot part by the norm:
    # (8.4 − 4.9) × 2 = 7.0 m³; drainage 6.25 + 7.0 = 13.25 m³ × 39.12 = 518.34 (п.42, формула 4)
    assert lines[("W-1", "cold")] == (D("6.2500"), "meter", D("303.75"))  # 6.25 × 48.60
    assert lines[("W-1", "drain")] == (D("13.2500"), "sum", D("518.34"))
    # W-2, 3 persons: cold 45.5 − 40.0 = 5.5 m³, hot by its meter 22.4 − 20.0 = 2.4 m³: 7.9 m³ × 39.12 = 309.048
    assert lines[("W-2", "drain")] == (D("7.9000"), "sum", D("309.05"))
    # the reference meter's service is not billed
    assert ("W-2", "hot_ref") not in lines
    # W-3, no meter at all: the drainage norm 8.4 × 2 = 16.8 m³ × 39.12 = 657.216 (no uplift on drainage: 1)
    assert lines[("W-3", "drain")] == (D("16.8000"), "norm", D("657.22"))
    # W-4, 1 person, cold meter without a June reading: the average (4 + 5) / 2 = 4.5 m³ (п.59) + hot by the norm
    # 3.5 × 1 = 8.0 m³ × 39.12 = 312.96
    assert lines[("W-4", "cold")] == (D("4.5000"), "average", D("218.70"))
    assert lines[("W-4", "drain")] == (D("8.0000"), "sum", D("312.96"))


def test_drainage_volume_reference():
    # the same W-1 and W-2 by the pure rule
    assert drainage_volume(cold=D("6.25"), hot=None, cold_norm=D("4.9"), hot_norm=D("3.5"), basis=2) == D("13.25")
    assert to_money(drainage_volume(cold=D("5.5"), hot=D("2.4"), cold_norm=D("4.9"), hot_norm=D("3.5"),
                                    basis=3) * DRAIN_RATE) == D("309.05")
    # nothing by a meter: both norms, 4.9 × 2 + 3.5 × 2 = 16.8 = the drainage norm × 2
    assert drainage_volume(cold=None, hot=None, cold_norm=D("4.9"), hot_norm=D("3.5"), basis=2) == D("16.8")
