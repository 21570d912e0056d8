"""The cabinet's meters carry their readings window (the one ``reading_submit`` applies) and their last reading."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.cabinet.services import ZoneReading, resident_meters, resident_reading_submit
from tenants.billing.models import Meter, Reading
from tenants.billing.readings import house_reading_window_set
from tenants.workspace.models import WorkspaceSettings

METERS = """{ residentMeters { meterId serial windowStartDay windowEndDay windowOpen
  lastReadings { zone value } lastReadingDate lastPeriod } }"""


def _by_serial(meters) -> dict:
    return {m.serial: m for m in meters}


def _house(meter, principal):
    with tenant_context(principal):
        return Meter.objects.select_related("account__premise__house").get(pk=meter.pk).account.premise.house


def _reading(principal, meter, period: date, zone: int, value: str, day: int) -> None:
    with tenant_context(principal):
        Reading.objects.create(meter=meter, period=period, zone=zone, value=Decimal(value),
                               reading_date=period.replace(day=day), source="portal")


def test_the_house_window_wins_over_the_principals_and_open_follows_the_day(homes, principal_a, principal_b):
    # the flat's house has its own window at A (3–9); B keeps its settings, narrowed to 20–25
    with tenant_context(principal_a):
        house_reading_window_set(house=_house(homes["mine_a"], principal_a), start_day=3, end_day=9)
    with tenant_context(principal_b):
        WorkspaceSettings.objects.update(readings_window_start_day=20, readings_window_end_day=25)

    on_5th = _by_serial(resident_meters(user=homes["resident"], today=date(2026, 10, 5)))
    assert (on_5th["MY-A"].window_start_day, on_5th["MY-A"].window_end_day, on_5th["MY-A"].window_open) == (3, 9, True)
    assert (on_5th["MY-B"].window_start_day, on_5th["MY-B"].window_end_day, on_5th["MY-B"].window_open) == (
        20, 25, False)

    on_25th = _by_serial(resident_meters(user=homes["resident"], today=date(2026, 10, 25)))
    assert (on_25th["MY-A"].window_open, on_25th["MY-B"].window_open) == (False, True)
    on_9th = _by_serial(resident_meters(user=homes["resident"], today=date(2026, 10, 9)))
    assert (on_9th["MY-A"].window_open, on_9th["MY-B"].window_open) == (True, False)


def test_a_window_ending_past_the_months_end_is_open_on_its_last_day(homes, principal_b):
    with tenant_context(principal_b):
        WorkspaceSettings.objects.update(readings_window_start_day=25, readings_window_end_day=31)
    meters = _by_serial(resident_meters(user=homes["resident"], today=date(2026, 2, 28)))
    assert (meters["MY-B"].window_end_day, meters["MY-B"].window_open) == (31, True)


def test_closed_window_means_the_server_refuses_todays_reading(homes, principal_a):
    # a house window that leaves today out: the cabinet says closed, and the submission is refused for it
    today = timezone.localdate()
    start, end = (1, today.day - 1) if today.day > 1 else (2, 31)
    with tenant_context(principal_a):
        house_reading_window_set(house=_house(homes["mine_a"], principal_a), start_day=start, end_day=end)

    meter = _by_serial(resident_meters(user=homes["resident"]))["MY-A"]
    assert (meter.window_start_day, meter.window_end_day, meter.window_open) == (start, end, False)
    with pytest.raises(ValidationError) as refused:
        resident_reading_submit(user=homes["resident"], principal_id=principal_a.pk, meter_id=homes["mine_a"].pk,
                                values={1: Decimal("5")}, reading_date=today)
    assert refused.value.error_dict["reading_date"][0].code == "READING_OUTSIDE_WINDOW"

    with tenant_context(principal_a):
        house_reading_window_set(house=_house(homes["mine_a"], principal_a), start_day=1, end_day=31)
    assert _by_serial(resident_meters(user=homes["resident"]))["MY-A"].window_open is True
    resident_reading_submit(user=homes["resident"], principal_id=principal_a.pk, meter_id=homes["mine_a"].pk,
                            values={1: Decimal("5")}, reading_date=today)


def test_last_reading_is_the_latest_months_every_zone(homes, principal_a, principal_b):
    with tenant_context(principal_b):
        Meter.objects.filter(pk=homes["mine_b"].pk).update(zones=2)
    _reading(principal_b, homes["mine_b"], date(2026, 8, 1), 1, "100.5", 21)
    _reading(principal_b, homes["mine_b"], date(2026, 8, 1), 2, "40", 21)
    _reading(principal_b, homes["mine_b"], date(2026, 9, 1), 2, "55.25", 23)
    _reading(principal_b, homes["mine_b"], date(2026, 9, 1), 1, "130", 22)
    # the neighbour's readings are never mixed in
    _reading(principal_a, homes["neighbour_a"], date(2026, 10, 1), 1, "999", 20)

    meters = _by_serial(resident_meters(user=homes["resident"]))

    two_zones = meters["MY-B"]
    assert two_zones.last_readings == (ZoneReading(1, Decimal("130")), ZoneReading(2, Decimal("55.25")))
    assert (two_zones.last_period, two_zones.last_reading_date) == (date(2026, 9, 1), date(2026, 9, 23))
    none_yet = meters["MY-A"]
    assert (none_yet.last_readings, none_yet.last_period, none_yet.last_reading_date) == ((), None, None)


def test_a_submitted_reading_becomes_the_last_one(homes, principal_a):
    _reading(principal_a, homes["mine_a"], date(2020, 3, 1), 1, "10", 20)
    today = timezone.localdate()
    resident_reading_submit(user=homes["resident"], principal_id=principal_a.pk, meter_id=homes["mine_a"].pk,
                            values={1: Decimal("17.5")}, reading_date=today)
    meter = _by_serial(resident_meters(user=homes["resident"]))["MY-A"]
    assert meter.last_readings == (ZoneReading(1, Decimal("17.5")),)
    assert (meter.last_period, meter.last_reading_date) == (today.replace(day=1), today)


def test_queries_do_not_grow_with_the_number_of_meters(homes, principal_a, principal_b):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            meters = resident_meters(user=homes["resident"])
        return len(meters), len(queries)

    with tenant_context(principal_a):
        house_reading_window_set(house=_house(homes["mine_a"], principal_a), start_day=2, end_day=28)
    _reading(principal_a, homes["mine_a"], date(2026, 9, 1), 1, "1", 21)
    resident_meters(user=homes["resident"])  # settings rows exist from here on
    one_each = count()

    mine = homes["mine_a"]
    for n in range(4):  # four more meters on the same flat at A, each with readings in two months
        with tenant_context(principal_a):
            extra = Meter.objects.create(account_id=mine.account_id, service_id=mine.service_id, serial=f"MY-A{n}",
                                         zones=1 + n % 3, installed_on=date(2020, 1, 1),
                                         verified_until=date(2035, 1, 1))
        for month in (date(2026, 8, 1), date(2026, 9, 1)):
            for zone in range(1, extra.zones + 1):
                _reading(principal_a, extra, month, zone, str(10 * zone + month.month), 20)
    five_at_a = count()

    assert (one_each[0], five_at_a[0]) == (2, 6)
    assert five_at_a[1] == one_each[1]
    meters = _by_serial(resident_meters(user=homes["resident"]))
    assert {(m.window_start_day, m.window_end_day) for s, m in meters.items() if s.startswith("MY-A")} == {(2, 28)}
    assert meters["MY-A2"].last_readings == tuple(ZoneReading(z, Decimal(10 * z + 9)) for z in (1, 2, 3))


def test_graphql_gives_the_window_and_the_last_reading(tenants, homes, principal_a, principal_b, gql):
    with tenant_context(principal_a):
        house_reading_window_set(house=_house(homes["mine_a"], principal_a), start_day=15, end_day=25)
    _reading(principal_a, homes["mine_a"], date(2026, 9, 1), 1, "123.4500", 24)
    today = timezone.localdate()

    meters = {m["serial"]: m for m in gql(tenants.public_host, user=homes["resident"])(METERS)["data"][
        "residentMeters"]}

    assert meters["MY-A"] == {
        "meterId": str(homes["mine_a"].pk), "serial": "MY-A", "windowStartDay": 15, "windowEndDay": 25,
        "windowOpen": 15 <= today.day <= 25, "lastReadings": [{"zone": 1, "value": "123.4500"}],
        "lastReadingDate": "2026-09-24", "lastPeriod": "2026-09-01",
    }
    assert meters["MY-B"]["lastReadings"] == [] and meters["MY-B"]["windowOpen"] is True
    assert (meters["MY-B"]["windowStartDay"], meters["MY-B"]["windowEndDay"]) == (1, 31)

