"""The common-property charge (СОИ) in the charge run (issue 13, item 9), June 2026 (30 days), electricity at
6.43 ₽/kWh.

House 1: premises of 60, 40 and 50 m² (150 m² in all, from the registry), 30 m² of common property; house 2: one
premise of 80 m² billed here, 20 m² of common property, 400 m² of premises in all (given on the house: its other
premises are not in this principal's registry rows). The СОИ norm is 1.2 kWh a month per m² of common area.

Rules (ПП 354 п.44; прил.2 формулы 11 и 15):
* by the house meter (ф.11): V = V_house − Σ V_premises, at most the norm × the common area unless the owners'
  meeting decided otherwise (п.44), never below zero; the premise's share V × S_i / S_all;
* by norm (ф.15): V = norm × S_common; the share V × S_i / S_all.
"""

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from billing_core.house_volumes import common_property_share, common_property_volume
from billing_core.money import to_money
from tenants.billing.charge_run import charge_run
from tenants.billing.models import (
    AccountService,
    Charge,
    HouseCommonProperty,
    HouseCommonVolume,
    Meter,
    Norm,
    Occupancy,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.registry.models import House, Premise

JUNE, MAY = date(2026, 6, 1), date(2026, 5, 1)
D = Decimal
RATE = D("6.43")


def _meter(service, serial, may, june, *, account=None, house=None):
    meter = Meter.objects.create(account=account, house=house, service=service, serial=serial,
                                 installed_on=date(2020, 1, 1), verified_until=date(2030, 1, 1))
    Reading.objects.create(meter=meter, period=MAY, value=D(may), reading_date=date(2026, 5, 24), source="portal")
    Reading.objects.create(meter=meter, period=JUNE, value=D(june), reading_date=date(2026, 6, 24), source="portal")
    return meter


@pytest.fixture
def houses(principal_a):
    house1 = House.objects.create(region="Ярославская область", city="Ярославль", street="улица Общая",
                                  house_number="1")
    house2 = House.objects.create(region="Ярославская область", city="Ярославль", street="улица Общая",
                                  house_number="2")
    premises = [Premise.objects.create(house=house1, number=str(n), area=D(area))
                for n, area in ((1, "60.00"), (2, "40.00"), (3, "50.00"))]
    premises.append(Premise.objects.create(house=house2, number="1", area=D("80.00")))
    with tenant_context(principal_a):
        elec = Service.objects.create(code="elec", kind="electricity", name="Электроснабжение", unit="кВт·ч",
                                      tariff_kind="per_unit", norm_basis="person")
        soi = Service.objects.create(code="elec_soi", kind="electricity", name="Электроэнергия на СОИ",
                                     unit="кВт·ч", tariff_kind="per_unit", norm_basis="area", common_property_of=elec)
        for service in (elec, soi):
            Tariff.objects.create(service=service, valid_from=date(2026, 1, 1), rate=RATE)
        Norm.objects.create(service=elec, valid_from=date(2026, 1, 1), value=D("95"), uplift_coefficient=D("1.5"))
        Norm.objects.create(service=soi, valid_from=date(2026, 1, 1), value=D("1.2"))
        HouseCommonProperty.objects.create(house=house1, common_area=D("30.00"))
        HouseCommonProperty.objects.create(house=house2, common_area=D("20.00"), premises_area=D("400.00"))
        accounts = {}
        for number, premise, persons in (("E-1", premises[0], 2), ("E-2", premises[1], 1), ("E-3", premises[2], 1),
                                         ("E-4", premises[3], 1)):
            account = PersonalAccount.objects.create(number=number, premise=premise, payer_name="Сидоров С. С.",
                                                     charge_area=premise.area, opened_on=date(2020, 1, 1))
            Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=persons,
                                     living=persons)
            for service in (elec, soi):
                AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
            accounts[number] = account
        _meter(elec, "E-1", "1000", "1150", account=accounts["E-1"])  # 150 kWh
        _meter(elec, "E-2", "500", "620", account=accounts["E-2"])  # 120 kWh
        # E-3 has no meter: 95 kWh by the norm (× 1.5 uplift in its own charge, not in the house's sum)
        house_meter = _meter(elec, "ODPU-1", "20000", "20400", house=house1)  # 400 kWh
        yield {"house1": house1, "house2": house2, "soi": soi, "house_meter": house_meter}


def _soi_lines(period, soi):
    return {c.account.number: (c.quantity, c.method, c.amount)
            for c in Charge.objects.filter(period=period, service=soi).select_related("account")}


def _set_house_reading(meter, value):
    Reading.objects.filter(meter=meter, period=JUNE).update(value=D(value))


def test_by_house_meter_and_by_norm(houses, principal_a):
    with tenant_context(principal_a):
        period = charge_run(month=JUNE)
        lines = _soi_lines(period, houses["soi"])
        figures = {v.house_id: v for v in HouseCommonVolume.objects.filter(period=period)}
        elec_e3 = Charge.objects.get(period=period, account__number="E-3", service__code="elec")

    # house 1 by its meter (ф.11): 400 − (150 + 120 + 95) = 35 kWh, under the cap 1.2 × 30 = 36 kWh (п.44)
    house1 = figures[houses["house1"].pk]
    assert (house1.collective_volume, house1.premises_volume, house1.norm_volume, house1.common_volume,
            house1.total_area, house1.method) == (D("400"), D("365"), D("36"), D("35"), D("150.00"), "meter")
    # E-1: 35 × 60 / 150 = 14 kWh × 6.43 = 90.02
    assert lines["E-1"] == (D("14.0000"), "meter", D("90.02"))
    # E-2: 35 × 40 / 150 = 9.3333… kWh × 6.43 = 60.0133… → 60.01
    assert lines["E-2"] == (D("9.3333"), "meter", D("60.01"))
    # E-3: 35 × 50 / 150 = 11.6666… kWh × 6.43 = 75.0166… → 75.02
    assert lines["E-3"] == (D("11.6667"), "meter", D("75.02"))
    # the premises' sum took E-3's norm volume without its uplift: its own line is 95 × 1.5 = 142.5 kWh
    assert elec_e3.quantity == D("142.5000")
    # house 2 by norm (ф.15): 1.2 × 20 = 24 kWh; E-4: 24 × 80 / 400 = 4.8 kWh × 6.43 = 30.864 → 30.86
    assert figures[houses["house2"].pk].method == "norm"
    assert lines["E-4"] == (D("4.8000"), "norm", D("30.86"))

    # the pure rule gives the same figures
    volume = common_property_volume(norm=D("1.2"), common_area=D("30"), collective=D("400"), premises=D("365"))
    assert volume == D("35")
    assert to_money(common_property_share(house_volume=volume, premise_area=D("40"), total_area=D("150"))
                    * RATE) == D("60.01")


def test_the_norm_caps_the_house_meter_unless_the_meeting_decided(houses, principal_a):
    with tenant_context(principal_a):
        _set_house_reading(houses["house_meter"], "20500")  # 500 kWh: 500 − 365 = 135 kWh over the premises
        lines = _soi_lines(charge_run(month=JUNE), houses["soi"])
        # capped at the norm 1.2 × 30 = 36 kWh (п.44); E-1: 36 × 60 / 150 = 14.4 kWh × 6.43 = 92.592 → 92.59
        assert lines["E-1"] == (D("14.4000"), "meter", D("92.59"))

        HouseCommonProperty.objects.filter(house=houses["house1"]).update(above_norm_decided=True)
        lines = _soi_lines(charge_run(month=JUNE), houses["soi"])
        # the meeting decided to distribute the excess: 135 × 60 / 150 = 54 kWh × 6.43 = 347.22
        assert lines["E-1"] == (D("54.0000"), "meter", D("347.22"))


def test_a_house_meter_below_the_premises_gives_zero(houses, principal_a):
    with tenant_context(principal_a):
        _set_house_reading(houses["house_meter"], "20300")  # 300 kWh < 365 kWh of the premises
        period = charge_run(month=JUNE)
        lines = _soi_lines(period, houses["soi"])
        house1 = HouseCommonVolume.objects.get(period=period, house=houses["house1"])
    # 300 − 365 < 0: nothing is distributed (no "reverse" СОИ)
    assert house1.common_volume == 0
    assert lines["E-1"] == (D("0.0000"), "meter", D("0.00"))


def test_a_house_without_its_common_property_data_gets_no_line(houses, principal_a):
    with tenant_context(principal_a):
        HouseCommonProperty.objects.filter(house=houses["house2"]).delete()
        lines = _soi_lines(charge_run(month=JUNE), houses["soi"])
    assert "E-4" not in lines and "E-1" in lines
