"""Dated rule tables: lookup, validation, loading from rows, and the seeded data."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing_core.rules import (
    KEY_RATE_ENTRIES,
    MORATORIUM_ENTRIES,
    PENALTY_RATE_CAP_ENTRIES,
    RULE_NO_VALUE,
    RULE_TABLE_EMPTY,
    RULE_TABLE_ORDER,
    Confidence,
    DatedEntry,
    DatedTable,
    Moratorium,
    PenaltyRules,
    key_rate_table,
    moratorium_table,
    rate_cap_table,
    without_disputed_moratoria,
)


def table(*pairs, **kwargs):
    return DatedTable(name="t", entries=tuple(DatedEntry(d, v) for d, v in pairs), **kwargs)


# --- DatedTable ------------------------------------------------------------------------------


def test_value_on_boundaries():
    t = table((date(2020, 1, 1), "a"), (date(2020, 3, 1), "b"))
    assert t.value_on(date(2020, 1, 1)) == "a"
    assert t.value_on(date(2020, 2, 29)) == "a"
    assert t.value_on(date(2020, 3, 1)) == "b"
    assert t.value_on(date(2099, 1, 1)) == "b"


def test_before_first_entry_raises_without_default():
    t = table((date(2020, 1, 1), "a"))
    with pytest.raises(ValidationError) as exc:
        t.value_on(date(2019, 12, 31))
    assert exc.value.code == RULE_NO_VALUE
    assert t.entry_on(date(2019, 12, 31)) is None


def test_before_first_entry_returns_default():
    t = table((date(2020, 1, 1), "a"), default=None)
    assert t.value_on(date(2019, 12, 31)) is None


@pytest.mark.parametrize(
    "dates",
    [
        (date(2020, 1, 1), date(2020, 1, 1)),
        (date(2020, 2, 1), date(2020, 1, 1)),
        (date(2020, 1, 1), date(2020, 3, 1), date(2020, 2, 1)),
    ],
)
def test_entries_must_be_strictly_ordered(dates):
    with pytest.raises(ValidationError) as exc:
        table(*((d, i) for i, d in enumerate(dates)))
    assert exc.value.code == RULE_TABLE_ORDER


def test_empty_table_rejected():
    with pytest.raises(ValidationError) as exc:
        DatedTable(name="t", entries=())
    assert exc.value.code == RULE_TABLE_EMPTY


def test_from_rows_sorts_and_parses_confidence():
    rows = [
        {"valid_from": date(2021, 1, 1), "value": Decimal("5"), "source": "x", "confidence": "law"},
        {"valid_from": date(2020, 1, 1), "value": Decimal("4")},
    ]
    t = DatedTable.from_rows("rates", rows)
    assert t.change_dates() == (date(2020, 1, 1), date(2021, 1, 1))
    assert t.entries[1].confidence is Confidence.LAW
    assert t.entries[0].confidence is Confidence.CHECK
    assert t.value_on(date(2020, 6, 1)) == Decimal("4")


def test_from_rows_rejects_duplicate_dates():
    rows = [{"valid_from": date(2020, 1, 1), "value": 1}, {"valid_from": date(2020, 1, 1), "value": 2}]
    with pytest.raises(ValidationError) as exc:
        DatedTable.from_rows("rates", rows)
    assert exc.value.code == RULE_TABLE_ORDER


# --- seeded data -----------------------------------------------------------------------------


@pytest.mark.parametrize("entries", [KEY_RATE_ENTRIES, PENALTY_RATE_CAP_ENTRIES, MORATORIUM_ENTRIES])
def test_seeded_entries_are_annotated(entries):
    for e in entries:
        assert isinstance(e.confidence, Confidence)
        assert e.source


def test_seeded_tables_build():
    assert len(key_rate_table()) == len(KEY_RATE_ENTRIES)
    rate_cap_table()
    moratorium_table()


def test_key_rates_are_decimals_in_a_sane_range():
    for e in KEY_RATE_ENTRIES:
        assert isinstance(e.value, Decimal)
        assert Decimal("4") <= e.value <= Decimal("21")
    assert KEY_RATE_ENTRIES[0].valid_from == date(2016, 1, 1)


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2016, 1, 1), "11"),
        (date(2020, 7, 27), "4.25"),
        (date(2022, 2, 27), "9.5"),
        (date(2022, 2, 28), "20"),
        (date(2023, 8, 15), "12"),
        (date(2024, 10, 28), "21"),
        (date(2025, 6, 8), "21"),
        (date(2025, 6, 9), "20"),
    ],
)
def test_key_rate_on(day, rate):
    assert key_rate_table().value_on(day) == Decimal(rate)


def test_key_rate_before_2016_is_an_error():
    with pytest.raises(ValidationError):
        key_rate_table().value_on(date(2015, 12, 31))


@pytest.mark.parametrize(
    ("day", "cap"),
    [
        (date(2022, 2, 27), None),
        (date(2022, 2, 28), Decimal("9.5")),
        (date(2024, 12, 31), Decimal("9.5")),
        (date(2025, 1, 1), Decimal("9.5")),
        (date(2026, 12, 31), Decimal("9.5")),
        (date(2027, 1, 1), None),
        (date(2010, 1, 1), None),
    ],
)
def test_rate_caps(day, cap):
    assert rate_cap_table().value_on(day) == cap


def test_moratorium_424():
    t = moratorium_table()
    assert t.value_on(date(2020, 4, 5)) is None
    m = t.value_on(date(2020, 4, 6))
    assert m is not None and "424" in m.label
    assert m.covers(date(2020, 12, 10))
    assert t.value_on(date(2020, 12, 31)) is m
    assert t.value_on(date(2021, 1, 1)) is None


def test_bankruptcy_moratorium_2022_is_check_and_covers_only_earlier_debts():
    t = moratorium_table()
    m = t.value_on(date(2022, 4, 1))
    assert m is not None and "497" in m.label
    assert t.value_on(date(2022, 10, 1)) is m
    assert t.value_on(date(2022, 10, 2)) is None
    assert m.covers(date(2022, 3, 10))
    assert not m.covers(date(2022, 4, 10))
    assert {e.confidence for e in MORATORIUM_ENTRIES if e.valid_from.year == 2022} == {Confidence.CHECK}


def test_without_disputed_moratoria():
    t = moratorium_table(without_disputed_moratoria())
    assert t.value_on(date(2022, 5, 1)) is None
    assert t.value_on(date(2020, 5, 1)) is not None
    assert PenaltyRules.default(disputed_moratoria=False).moratoria.value_on(date(2022, 5, 1)) is None
    assert PenaltyRules.default().moratoria.value_on(date(2022, 5, 1)) is not None


def test_moratorium_for_all_debts():
    assert Moratorium("x").covers(date(2099, 1, 1))


def test_rate_on_applies_cap_of_the_chosen_day():
    rules = PenaltyRules.default()
    assert rules.rate_on(date(2024, 1, 10)) == Decimal("9.5")  # key 16 %, capped
    assert rules.rate_on(date(2021, 1, 10)) == Decimal("4.25")  # no cap
    assert rules.rate_on(date(2022, 3, 1), cap_day=date(2022, 2, 1)) == Decimal("20")  # cap not yet in force
    assert rules.rate_on(date(2022, 9, 19)) == Decimal("7.5")  # key below the cap


def test_tables_are_injectable():
    rules = PenaltyRules(
        key_rates=DatedTable(name="k", entries=(DatedEntry(date(2000, 1, 1), Decimal("12")),)),
        rate_caps=DatedTable(name="c", entries=(DatedEntry(date(2000, 1, 1), Decimal("8")),), default=None),
        moratoria=DatedTable(name="m", entries=(DatedEntry(date(2000, 1, 1), None),), default=None),
    )
    assert rules.rate_on(date(2030, 1, 1)) == Decimal("8")


def test_a_table_is_stale_past_its_last_entry_by_more_than_the_allowed_days():
    """A key-rate table whose last decision took effect on 16.02.2026: on 17.04.2026 that is 12 (rest of
    February) + 31 + 17 = 60 days back — current with 60 allowed days; on 18.04.2026, 61 days — stale.
    The cap table ends with ПП 329 on 01.01.2027: 60 days later is 02.03.2027 (31 + 28 + 1), stale from 03.03."""
    rules = PenaltyRules(
        key_rates=DatedTable("k", (DatedEntry(date(2025, 12, 22), Decimal("16")),
                                   DatedEntry(date(2026, 2, 16), Decimal("15.5"), "СД 13.02.2026"))),
        rate_caps=rate_cap_table(),
        moratoria=moratorium_table(),
    )
    key_rates, caps = rules.ages_on(date(2026, 4, 17), stale_days=60)
    assert (key_rates.days_past, key_rates.stale, key_rates.source) == (60, False, "СД 13.02.2026")
    assert rules.ages_on(date(2026, 4, 18), stale_days=60)[0].stale
    assert caps.last_change == date(2027, 1, 1) and caps.days_past < 0 and not caps.stale
    assert not rules.ages_on(date(2027, 3, 2), stale_days=60)[1].stale
    assert rules.ages_on(date(2027, 3, 3), stale_days=60)[1].stale


def test_the_2024_cap_extension_cites_pp_2382():
    """ПП РФ №474 (9.5 %) was extended through 31.12.2024 by ПП РФ №2382 of 29.12.2023."""
    first = rate_cap_table().entries[0]
    assert "№2382 от 29.12.2023" in first.source and "1681" not in first.source
