"""Meter readings: each rule with its error code and field; flags that do not refuse."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing_core.readings import (
    CONSUMPTION_SPIKE,
    ROLLOVER,
    Meter,
    ReadingSource,
    SubmissionWindow,
    Zone,
    validate_reading,
)

D = Decimal
TODAY = date(2026, 6, 22)
WATER = Meter(digits=5)
ELECTRIC = Meter(digits=6, zones=(Zone.DAY, Zone.NIGHT))


def check(**overrides):
    kwargs = {
        "meter": WATER,
        "values": {Zone.SINGLE: D("130.801")},
        "reading_date": TODAY,
        "today": TODAY,
        "source": ReadingSource.CABINET,
        "previous": {Zone.SINGLE: D("123.456")},
    }
    kwargs.update(overrides)
    return validate_reading(**kwargs)


def errors_of(**overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        check(**overrides)
    return {name: [e.code for e in errors] for name, errors in info.value.error_dict.items()}


def messages_of(**overrides) -> list[str]:
    with pytest.raises(ValidationError) as info:
        check(**overrides)
    return info.value.messages


def test_valid_reading_gives_consumption():
    result = check()
    assert result.source == ReadingSource.CABINET
    assert [(z.zone, z.value, z.consumption, z.flags) for z in result.zones] == [
        (Zone.SINGLE, D("130.801"), D("7.345"), ())
    ]
    assert result.flags == ()


def test_first_reading_has_no_consumption():
    result = check(previous=None)
    assert result.zones[0].consumption is None


def test_equal_to_previous_is_allowed():
    result = check(values={Zone.SINGLE: D("123.456")})
    assert result.zones[0].consumption == 0


def test_future_date_refused():
    assert errors_of(reading_date=date(2026, 6, 23)) == {"reading_date": ["READING_IN_FUTURE"]}


def test_archived_meter_refused():
    assert errors_of(meter=Meter(digits=5, archived=True)) == {"meter": ["METER_ARCHIVED"]}


def test_meter_past_verification_refused():
    assert errors_of(meter=Meter(digits=5, verification_due=date(2026, 6, 21))) == {
        "meter": ["METER_VERIFICATION_EXPIRED"]
    }
    # on the due date itself the reading is still accepted
    assert check(meter=Meter(digits=5, verification_due=TODAY)).zones[0].consumption == D("7.345")


def test_submission_window():
    early = date(2026, 6, 19)
    assert errors_of(reading_date=early) == {"reading_date": ["READING_OUTSIDE_WINDOW"]}
    assert errors_of(reading_date=date(2026, 6, 26), today=date(2026, 6, 26)) == {
        "reading_date": ["READING_OUTSIDE_WINDOW"]
    }
    assert "Показания принимаются с 20 по 25 число месяца." in messages_of(reading_date=early)
    assert check(reading_date=date(2026, 6, 20)).zones
    assert check(reading_date=date(2026, 6, 25), today=date(2026, 6, 25)).zones
    assert check(reading_date=early, window=SubmissionWindow(start_day=15, end_day=25)).zones
    assert check(reading_date=early, window=None).zones
    # an end day past the month's length means its last day
    feb_28 = date(2026, 2, 28)
    assert check(reading_date=feb_28, today=feb_28, window=SubmissionWindow(start_day=25, end_day=31)).zones
    with pytest.raises(ValueError):
        SubmissionWindow(start_day=26, end_day=25)


def test_below_previous_refused():
    assert errors_of(values={Zone.SINGLE: D("123.455")}) == {"value": ["READING_BELOW_PREVIOUS"]}
    assert messages_of(values={Zone.SINGLE: D("123.455")}) == [
        "Показание по зоне «единый тариф» (123,455) меньше предыдущего (123,456)."
    ]


def test_rollover_when_marked():
    result = check(values={Zone.SINGLE: D("12.25")}, previous={Zone.SINGLE: D("99990.5")}, rollover={Zone.SINGLE})
    # capacity 10^5: 100000 − 99990.5 + 12.25
    assert result.zones[0].consumption == D("21.75")
    assert result.flags == (ROLLOVER,)
    assert errors_of(rollover={Zone.SINGLE}) == {"value": ["READING_ROLLOVER_INVALID"]}


def test_value_must_fit_the_register():
    assert errors_of(values={Zone.SINGLE: D("100000")}) == {"value": ["READING_OUT_OF_RANGE"]}
    assert messages_of(values={Zone.SINGLE: D("100000")}) == [
        "Показание по зоне «единый тариф» должно быть не меньше 0 и меньше 100000."
    ]
    assert errors_of(values={Zone.SINGLE: D("-1")}, previous=None) == {"value": ["READING_OUT_OF_RANGE"]}
    with pytest.raises(TypeError):
        check(values={Zone.SINGLE: 130.801})


def test_consumption_spike_is_flagged_not_refused():
    history = {Zone.SINGLE: [D("40"), D("5"), D("6"), D("7")]}  # average of the last 3 months: 6
    at_limit = check(values={Zone.SINGLE: D("141.456")}, history=history)  # 18 = 3 × 6
    assert at_limit.flags == ()
    above = check(values={Zone.SINGLE: D("141.457")}, history=history)
    assert above.zones[0].consumption == D("18.001")
    assert above.flags == (CONSUMPTION_SPIKE,)
    assert check(values={Zone.SINGLE: D("136")}, history=history, spike_factor=D(2)).flags == (CONSUMPTION_SPIKE,)
    assert check(values={Zone.SINGLE: D("200")}, history=None).flags == ()


def test_zones_validated_separately():
    previous = {Zone.DAY: D("1500"), Zone.NIGHT: D("700")}
    result = check(meter=ELECTRIC, values={Zone.DAY: D("1620"), Zone.NIGHT: D("745")}, previous=previous,
                   history={Zone.NIGHT: [D("10"), D("12"), D("14")]})
    assert [(z.zone, z.consumption, z.flags) for z in result.zones] == [
        (Zone.DAY, D("120"), ()),
        (Zone.NIGHT, D("45"), (CONSUMPTION_SPIKE,)),
    ]
    bad_night = {"meter": ELECTRIC, "values": {Zone.DAY: D("1620"), Zone.NIGHT: D("699")}, "previous": previous}
    assert errors_of(**bad_night) == {"value": ["READING_BELOW_PREVIOUS"]}
    assert messages_of(**bad_night) == ["Показание по зоне «ночь» (699) меньше предыдущего (700)."]


def test_zones_must_match_the_meter():
    assert errors_of(meter=ELECTRIC, values={Zone.DAY: D("1620")}, previous=None) == {
        "zone": ["READING_ZONE_MISMATCH"]
    }
    assert errors_of(meter=ELECTRIC, values={Zone.DAY: D(1), Zone.NIGHT: D(1), Zone.PEAK: D(1)}, previous=None) == {
        "zone": ["READING_ZONE_MISMATCH"]
    }
    three = Meter(digits=6, zones=(Zone.DAY, Zone.NIGHT, Zone.PEAK))
    assert len(check(meter=three, values={Zone.PEAK: D(3), Zone.DAY: D(1), Zone.NIGHT: D(2)}, previous=None).zones) == 3
    for zones in [(), (Zone.DAY, Zone.DAY), (Zone.SINGLE, Zone.DAY), (Zone.DAY, Zone.NIGHT, Zone.PEAK, Zone.SINGLE)]:
        with pytest.raises(ValueError):
            Meter(digits=5, zones=zones)


def test_all_errors_reported_at_once():
    assert errors_of(
        meter=Meter(digits=5, archived=True, verification_due=date(2026, 1, 1)),
        reading_date=date(2026, 7, 1),
        values={Zone.SINGLE: D("1")},
    ) == {
        "reading_date": ["READING_IN_FUTURE", "READING_OUTSIDE_WINDOW"],
        "meter": ["METER_ARCHIVED", "METER_VERIFICATION_EXPIRED"],
        "value": ["READING_BELOW_PREVIOUS"],
    }


def test_sources():
    assert [s.value for s in ReadingSource] == ["cabinet", "portal", "file", "api", "bank_registry"]
    assert check(source="bank_registry").source == ReadingSource.BANK_REGISTRY
    with pytest.raises(ValueError):
        check(source="fax")
