"""A house's own readings window overrides the principal's one, for its flats' meters and its common meters."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenants.billing.models import Meter, PersonalAccount, Reading, Service
from tenants.billing.readings import (
    house_reading_window_clear,
    house_reading_window_set,
    reading_submit,
    readings_import,
    windows_for,
)
from tenants.registry.models import House, Premise
from tenants.workspace.models import HouseReadingWindow

TODAY = date(2026, 10, 28)


@pytest.fixture
def houses(principal_a):
    """Two houses; in each a flat with a meter; in the first also a common-house meter."""
    own = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Оконная", house_number="1")
    other = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Оконная", house_number="2")
    with tenant_context(principal_a):
        water = Service.objects.create(code="cw", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit")
        meters = {}
        for house, serial in ((own, "OWN-1"), (other, "OTHER-1")):
            premise = Premise.objects.create(house=house, number="1", area=Decimal("40"))
            account = PersonalAccount.objects.create(number=f"W-{serial}", premise=premise, payer_name="-",
                                                     charge_area=Decimal("40"), opened_on=date(2020, 1, 1))
            meters[serial] = Meter.objects.create(account=account, service=water, serial=serial,
                                                  installed_on=date(2020, 1, 1), verified_until=date(2035, 1, 1))
        meters["OWN-COMMON"] = Meter.objects.create(house=own, service=water, serial="OWN-COMMON",
                                                    installed_on=date(2020, 1, 1), verified_until=date(2035, 1, 1))
    return {"own": own, "other": other, **meters}


def _submit(meter, day):
    return reading_submit(meter=meter, values={1: Decimal("10")}, reading_date=day, source="portal", today=TODAY)


def test_the_house_window_replaces_the_principals_for_its_meters_only(houses, principal_a):
    with tenant_context(principal_a):
        house_reading_window_set(house=houses["own"], start_day=1, end_day=5)

        # inside the house's window, outside the principal's (20–25): accepted for the house's two meters
        _submit(houses["OWN-1"], date(2026, 10, 3))
        _submit(houses["OWN-COMMON"], date(2026, 10, 5))
        # the principal's own window no longer applies to that house
        with pytest.raises(ValidationError) as refused:
            _submit(houses["OWN-1"], date(2026, 9, 22))
        error = refused.value.error_dict["reading_date"][0]
        assert error.code == "READING_OUTSIDE_WINDOW"
        assert error.message % error.params == "Показания принимаются с 1 по 5 число месяца."
        # the other house keeps the principal's window
        _submit(houses["OTHER-1"], date(2026, 10, 22))
        with pytest.raises(ValidationError) as other_refused:
            _submit(houses["OTHER-1"], date(2026, 9, 3))
        other_error = other_refused.value.error_dict["reading_date"][0]
        assert other_error.message % other_error.params == "Показания принимаются с 20 по 25 число месяца."

        stored = set(Reading.objects.values_list("meter__serial", "reading_date"))
    assert stored == {("OWN-1", date(2026, 10, 3)), ("OWN-COMMON", date(2026, 10, 5)),
                      ("OTHER-1", date(2026, 10, 22))}


def test_clearing_returns_the_house_to_the_principals_window(houses, principal_a):
    with tenant_context(principal_a):
        house_reading_window_set(house=houses["own"], start_day=1, end_day=5)
        house_reading_window_set(house=houses["own"], start_day=2, end_day=31)  # a change, not a second row
        assert list(HouseReadingWindow.objects.values_list("house_id", "start_day", "end_day")) == [
            (houses["own"].pk, 2, 31)]
        _submit(houses["OWN-1"], date(2026, 9, 30))  # 31 means the month's last day
        assert house_reading_window_clear(house=houses["own"]) is True
        assert house_reading_window_clear(house=houses["own"]) is False
        with pytest.raises(ValidationError):
            _submit(houses["OWN-1"], date(2026, 10, 3))
        _submit(houses["OWN-1"], date(2026, 10, 21))


def test_a_window_is_checked_before_it_is_saved(houses, principal_a):
    with tenant_context(principal_a):
        for start, end, field in ((0, 5, "start_day"), (10, 5, "end_day"), (1, 32, "end_day")):
            with pytest.raises(ValidationError) as refused:
                house_reading_window_set(house=houses["own"], start_day=start, end_day=end)
            assert field in refused.value.error_dict
        assert not HouseReadingWindow.objects.exists()


def test_a_file_uses_each_meters_house_window(houses, principal_a):
    text = ("Заводской номер;Зона;Показание;Дата\n"
            "OWN-1;1;12;03.10.2026\n"
            "OWN-COMMON;1;500;23.10.2026\n"
            "OTHER-1;1;7;23.10.2026\n"
            "OTHER-1;1;8;03.09.2026\n")
    with tenant_context(principal_a):
        house_reading_window_set(house=houses["own"], start_day=1, end_day=5)
        batch = readings_import(data=text.encode("cp1251"), filename="w.csv", mode="good_rows", today=TODAY)
        loaded = set(Reading.objects.values_list("meter__serial", "value"))
    assert [(e["line"], e["field"], e["code"]) for e in batch.errors] == [
        (3, "reading_date", "READING_OUTSIDE_WINDOW"), (5, "reading_date", "READING_OUTSIDE_WINDOW")]
    assert "с 1 по 5" in batch.errors[0]["message"] and "с 20 по 25" in batch.errors[1]["message"]
    assert loaded == {("OWN-1", Decimal("12.0000")), ("OTHER-1", Decimal("7.0000"))}


def test_window_lookup_costs_the_same_for_many_meters(houses, principal_a):
    with tenant_context(principal_a):
        house_reading_window_set(house=houses["own"], start_day=1, end_day=5)
        few = [houses["OWN-1"]]
        many = list(Meter.objects.all())
        with CaptureQueriesContext(connection) as one:
            windows_for(few)
        with CaptureQueriesContext(connection) as all_of_them:
            found = windows_for(many)
    assert len(one) == len(all_of_them)
    assert {m.serial: (w.start_day, w.end_day) for m, w in ((m, found[m.pk]) for m in many)} == {
        "OWN-1": (1, 5), "OWN-COMMON": (1, 5), "OTHER-1": (20, 25)}
