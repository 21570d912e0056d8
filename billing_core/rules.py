"""Dated rule tables: values that change on known dates (key rate, penalty caps, moratoria).

A table is a list of entries ``(valid_from, value)``; an entry holds from its ``valid_from``
until the day before the next entry's. Every entry says where it comes from (``source``) and
how sure we are of it (``confidence``):

* ``law`` — read in the normative act or the Bank of Russia's decision itself;
* ``practice`` — how courts and settlement centres apply it, or our reading of the act;
* ``check`` — from memory or a secondary source; a person must verify it before relying on it.

The seed data below is module-level tuples so the Django layer can load the same shape from
database rows (see ``DatedEntry.from_row``) and a principal can substitute its own tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode

T = TypeVar("T")

# Error codes, named here for the rules below (values from billing_core.error_codes).
RULE_TABLE_EMPTY = ErrorCode.RULE_TABLE_EMPTY
RULE_TABLE_ORDER = ErrorCode.RULE_TABLE_ORDER
RULE_NO_VALUE = ErrorCode.RULE_NO_VALUE


class Confidence(StrEnum):
    LAW = "law"
    PRACTICE = "practice"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class DatedEntry(Generic[T]):
    """One row of a dated table: ``value`` holds from ``valid_from`` until the next entry."""

    valid_from: date
    value: T
    source: str = ""
    confidence: Confidence = Confidence.CHECK

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DatedEntry[Any]:
        """Build an entry from a mapping (a DB row's ``values()``); ``confidence`` may be a string."""
        return cls(
            valid_from=row["valid_from"],
            value=row["value"],
            source=row.get("source", ""),
            confidence=Confidence(row.get("confidence", Confidence.CHECK)),
        )


_MISSING: Any = object()

# A table whose last entry lies this many days or more before a calculation may have missed a decision (the Bank
# of Russia's board meets eight times a year, at most about 8 weeks apart). ``settings.RULES_STALE_DAYS`` overrides.
RULES_STALE_DAYS = 60


@dataclass(frozen=True, slots=True)
class RuleTableAge:
    """How far a calculation date lies past a table's last known entry (its last decision)."""

    name: str
    last_change: date
    source: str
    confidence: Confidence
    days_past: int  # calculation date − last_change; negative when the last entry is still ahead
    stale_days: int

    @property
    def stale(self) -> bool:
        return self.days_past > self.stale_days


@dataclass(frozen=True)
class DatedTable(Generic[T]):
    """Entries strictly ordered by ``valid_from``; ``value_on(day)`` looks up the value in force.

    Before the first entry the table returns ``default`` if one is given, otherwise raises a
    ``ValidationError`` (code ``RULE_NO_VALUE``): a missing key rate must never silently be 0.
    """

    name: str
    entries: tuple[DatedEntry[T], ...]
    default: T = field(default=_MISSING)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))
        if not self.entries:
            raise ValidationError(
                _("Таблица «%(name)s» не содержит ни одной записи."), code=RULE_TABLE_EMPTY, params={"name": self.name}
            )
        for prev, cur in pairwise(self.entries):
            if not prev.valid_from < cur.valid_from:
                raise ValidationError(
                    _("Таблица «%(name)s»: даты начала действия должны строго возрастать (%(prev)s, затем %(cur)s)."),
                    code=RULE_TABLE_ORDER,
                    params={"name": self.name, "prev": prev.valid_from.isoformat(), "cur": cur.valid_from.isoformat()},
                )

    @classmethod
    def from_rows(cls, name: str, rows: Iterable[Mapping[str, Any]], *, default: Any = _MISSING) -> DatedTable[Any]:
        """Build a table from DB rows; rows are sorted by ``valid_from`` first (duplicates still fail)."""
        entries = sorted((DatedEntry.from_row(r) for r in rows), key=lambda e: e.valid_from)
        return cls(name=name, entries=tuple(entries), default=default)

    def entry_on(self, day: date) -> DatedEntry[T] | None:
        """The entry in force on ``day``, or ``None`` before the first entry."""
        found: DatedEntry[T] | None = None
        for entry in self.entries:  # tables are short (tens of rows); a linear scan is clear and fast enough
            if entry.valid_from > day:
                break
            found = entry
        return found

    def value_on(self, day: date) -> T:
        entry = self.entry_on(day)
        if entry is not None:
            return entry.value
        if self.default is not _MISSING:
            return self.default
        raise ValidationError(
            _("Таблица «%(name)s» не содержит значения на %(day)s."),
            code=RULE_NO_VALUE,
            params={"name": self.name, "day": day.strftime("%d.%m.%Y")},
        )

    def age_on(self, day: date, *, stale_days: int = RULES_STALE_DAYS) -> RuleTableAge:
        """The table's age on ``day``: past its last entry by more than ``stale_days`` days it is stale — a later
        value would be taken silently from the last entry, so someone must check the source and add the rows."""
        last = self.entries[-1]
        return RuleTableAge(self.name, last.valid_from, last.source, last.confidence,
                            (day - last.valid_from).days, stale_days)

    def change_dates(self) -> tuple[date, ...]:
        """Every date on which the value may change."""
        return tuple(e.valid_from for e in self.entries)

    def __iter__(self) -> Iterator[DatedEntry[T]]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class Moratorium:
    """A period in which penalties do not accrue.

    ``debts_due_before``: if set, the moratorium covers only debts whose due date is before that
    date (a bankruptcy moratorium covers claims that arose before it, not current payments —
    ПП Пленума ВС РФ №44 от 24.12.2020 п.7 [check]). ``None`` — all debts.
    """

    label: str
    debts_due_before: date | None = None

    def covers(self, due_date: date) -> bool:
        return self.debts_due_before is None or due_date < self.debts_due_before


# --- seed data -----------------------------------------------------------------------------

L, P, C = Confidence.LAW, Confidence.PRACTICE, Confidence.CHECK


def _rate(valid_from: date, percent: str, confidence: Confidence, source: str = "") -> DatedEntry[Decimal]:
    return DatedEntry(valid_from, Decimal(percent), source or "Решение Совета директоров Банка России", confidence)


# Bank of Russia key rate, % per annum, by the date it took effect. From 01.01.2016 the
# refinancing rate equals the key rate (указание Банка России №3894-У). Values from memory
# are "check" unless confirmed; the whole table must be compared with cbr.ru before production.
KEY_RATE_ENTRIES: tuple[DatedEntry[Decimal], ...] = (
    _rate(date(2016, 1, 1), "11.00", P, "Ключевая ставка 11% с 03.08.2015; с 01.01.2016 = ставка рефинансирования"),
    _rate(date(2016, 6, 14), "10.50", P),
    _rate(date(2016, 9, 19), "10.00", P),
    _rate(date(2017, 3, 27), "9.75", P),
    _rate(date(2017, 5, 2), "9.25", P),
    _rate(date(2017, 6, 19), "9.00", P),
    _rate(date(2017, 9, 18), "8.50", P),
    _rate(date(2017, 10, 30), "8.25", P),
    _rate(date(2017, 12, 18), "7.75", P),
    _rate(date(2018, 2, 12), "7.50", P),
    _rate(date(2018, 3, 26), "7.25", P),
    _rate(date(2018, 9, 17), "7.50", P),
    _rate(date(2018, 12, 17), "7.75", P),
    _rate(date(2019, 6, 17), "7.50", P),
    _rate(date(2019, 7, 29), "7.25", P),
    _rate(date(2019, 9, 9), "7.00", P),
    _rate(date(2019, 10, 28), "6.50", P),
    _rate(date(2019, 12, 16), "6.25", P),
    _rate(date(2020, 2, 10), "6.00", P),
    _rate(date(2020, 4, 27), "5.50", P),
    _rate(date(2020, 6, 22), "4.50", P),
    _rate(date(2020, 7, 27), "4.25", P),
    _rate(date(2021, 3, 22), "4.50", L, "Решение СД Банка России от 19.03.2021 (Информация Банка России)"),
    _rate(date(2021, 4, 26), "5.00", P),
    _rate(date(2021, 6, 15), "5.50", P),
    _rate(date(2021, 7, 26), "6.50", P),
    _rate(date(2021, 9, 13), "6.75", P),
    _rate(date(2021, 10, 25), "7.50", P),
    _rate(date(2021, 12, 20), "8.50", P),
    _rate(date(2022, 2, 14), "9.50", P),
    _rate(date(2022, 2, 28), "20.00", L, "Внеочередное решение СД Банка России от 28.02.2022"),
    _rate(date(2022, 4, 11), "17.00", P),
    _rate(date(2022, 5, 4), "14.00", P),
    _rate(date(2022, 5, 27), "11.00", P),
    _rate(date(2022, 6, 14), "9.50", P),
    _rate(date(2022, 7, 25), "8.00", P),
    _rate(date(2022, 9, 19), "7.50", P),
    _rate(date(2023, 7, 24), "8.50", P),
    _rate(date(2023, 8, 15), "12.00", P, "Внеочередное решение СД Банка России от 15.08.2023"),
    _rate(date(2023, 9, 18), "13.00", P),
    _rate(date(2023, 10, 30), "15.00", P),
    _rate(date(2023, 12, 18), "16.00", P),
    _rate(date(2024, 7, 29), "18.00", P),
    _rate(date(2024, 9, 16), "19.00", P),
    _rate(date(2024, 10, 28), "21.00", P),
    _rate(date(2025, 6, 9), "20.00", P),
    _rate(date(2025, 7, 28), "18.00", P),
    _rate(date(2025, 9, 15), "17.00", P, "Решение СД Банка России от 12.09.2025"),
    _rate(date(2025, 10, 27), "16.50", C),
    _rate(date(2025, 12, 22), "16.00", C, "Решение СД Банка России от 19.12.2025 (дата вступления — проверить)"),
    _rate(date(2026, 2, 16), "15.50", P,
          "Решение СД Банка России от 13.02.2026: снижение на 0,5 п.п. до 15,5% с 16.02.2026 "
          "(Reuters 13.02.2026; следующее заседание — 20.03.2026) [сверить с cbr.ru]"),
    # Decisions from 20.03.2026 on could not be confirmed from a source when this row was added (2026-12): enter
    # them from cbr.ru (a kept rate is a row too: it tells the staleness check the table is current).
)

# Cap on R, % per annum: R = min(cap, key rate). None — no cap.
PENALTY_RATE_CAP_ENTRIES: tuple[DatedEntry[Decimal | None], ...] = (
    DatedEntry(
        date(2022, 2, 28),
        Decimal("9.5"),
        "ПП РФ №474 от 26.03.2022 п.4: минимальная из ключевой ставки на 27.02.2022 (9,5%) и на день оплаты; "
        "распространяется на отношения с 28.02.2022; продлено до 31.12.2024 ПП РФ №2382 от 29.12.2023 "
        "(«О внесении изменений в постановление … №474»)",
        P,
    ),
    DatedEntry(
        date(2025, 1, 1),
        Decimal("9.5"),
        "ПП РФ №329 от 18.03.2025: та же формула, с 01.01.2025 до 01.01.2027",
        P,
    ),
    DatedEntry(date(2027, 1, 1), None, "ПП РФ №329 действует до 01.01.2027 (последний день — 31.12.2026)", P),
)

# Moratoria: value is a Moratorium from valid_from, None when none is in force.
MORATORIUM_ENTRIES: tuple[DatedEntry[Moratorium | None], ...] = (
    DatedEntry(
        date(2020, 4, 6),
        Moratorium("мораторий ПП РФ №424 от 02.04.2020"),
        "ПП РФ №424 от 02.04.2020: неустойка за ЖКУ не взыскивается до 01.01.2021",
        P,
    ),
    DatedEntry(date(2021, 1, 1), None, "Окончание моратория ПП РФ №424", P),
    DatedEntry(
        date(2022, 4, 1),
        Moratorium("мораторий на банкротство ПП РФ №497 от 28.03.2022", debts_due_before=date(2022, 4, 1)),
        "ПП РФ №497 от 28.03.2022 (ст.9.1 Закона о банкротстве): применимость к пеням за ЖКУ спорна; "
        "текущие платежи (возникшие после 01.04.2022) не охватываются",
        C,
    ),
    DatedEntry(date(2022, 10, 2), None, "Окончание моратория ПП РФ №497 (действовал по 01.10.2022)", C),
)


def key_rate_table(entries: Sequence[DatedEntry[Decimal]] = KEY_RATE_ENTRIES) -> DatedTable[Decimal]:
    return DatedTable(name="Ключевая ставка Банка России", entries=tuple(entries))


def rate_cap_table(
    entries: Sequence[DatedEntry[Decimal | None]] = PENALTY_RATE_CAP_ENTRIES,
) -> DatedTable[Decimal | None]:
    return DatedTable(name="Ограничение ставки для пеней", entries=tuple(entries), default=None)


def moratorium_table(
    entries: Sequence[DatedEntry[Moratorium | None]] = MORATORIUM_ENTRIES,
) -> DatedTable[Moratorium | None]:
    return DatedTable(name="Мораторий на начисление пеней", entries=tuple(entries), default=None)


def without_disputed_moratoria(
    entries: Sequence[DatedEntry[Moratorium | None]] = MORATORIUM_ENTRIES,
) -> tuple[DatedEntry[Moratorium | None], ...]:
    """Moratorium entries without the ``check`` ones (a start and its end are both ``check``)."""
    return tuple(e for e in entries if e.confidence != Confidence.CHECK)


@dataclass(frozen=True)
class PenaltyRules:
    """The three tables a penalty calculation needs; each can be replaced by a principal's own."""

    key_rates: DatedTable[Decimal]
    rate_caps: DatedTable[Decimal | None]
    moratoria: DatedTable[Moratorium | None]

    @classmethod
    def default(cls, *, disputed_moratoria: bool = True) -> PenaltyRules:
        """The seeded tables; ``disputed_moratoria=False`` drops the 2022 bankruptcy moratorium."""
        moratoria = MORATORIUM_ENTRIES if disputed_moratoria else without_disputed_moratoria()
        return cls(key_rates=key_rate_table(), rate_caps=rate_cap_table(), moratoria=moratorium_table(moratoria))

    def ages_on(self, day: date, *, stale_days: int = RULES_STALE_DAYS) -> tuple[RuleTableAge, ...]:
        """The ages of the tables that run out: the key rate (a decision every few weeks) and the caps (each decree
        ends on a date; ПП 329's 9,5 % ends on 01.01.2027 and may be extended, as ПП 2382 extended ПП 474). Moratoria
        are left out: with none in force the statute itself applies, so their table has nothing to run out of."""
        return (self.key_rates.age_on(day, stale_days=stale_days), self.rate_caps.age_on(day, stale_days=stale_days))

    def rate_on(self, day: date, *, cap_day: date | None = None) -> Decimal:
        """Key rate on ``day``, capped by the cap in force on ``cap_day`` (default: the same day)."""
        rate = self.key_rates.value_on(day)
        cap = self.rate_caps.value_on(day if cap_day is None else cap_day)
        return rate if cap is None else min(rate, cap)
