"""Bank payment registries (реестры платежей): configurable layouts and a parser that never raises on bad rows.

A bank (or the post, or a payment agent) sends us a text file of the payments it collected for
us. There is no public standard: each contract fixes the layout [practice; DOMAIN.md]. So the
layout is data (``RegistryLayout``): encoding, separator, header lines to skip, which column
holds which field, the decimal separator, the date format, and how to recognise the totals line
and which of its columns carry the count and the sum. Two presets are named in ``PRESETS``.

``parse_registry`` reads the whole file and returns every row it could read together with every
problem it found, each naming the line and the field. It never raises on bad input and never
decides what to post: the intake posts a registry only when ``ParsedRegistry.ok`` (no errors at
all), in one transaction, so a file with one broken line is refused whole and that line is named.

Money is ``Decimal`` kopeck-exact: an amount with three decimals is an error, not rounded.

Each row carries ``key``, a stable idempotency key for the intake's unique constraint (see
``row_key``), so the same payment sent twice, in the same file or in a re-sent one, is posted once.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing_core.error_codes import ErrorCode
from billing_core.text import excerpt, line_problem

# Fields a layout may map to a column. ``account`` is the number printed on the payment document
# (ЕЛС or a principal's ЛС); ``payment_document_id`` is the ИПД; ``document_id`` is the bank's own
# id of the payment (номер операции, СУИП…), the natural idempotency key when present.
FIELDS = (
    "date", "time", "branch", "cashier", "account", "payment_document_id", "payer_name", "address",
    "period", "amount", "fee", "document_id",
)
REQUIRED_FIELDS = ("date", "amount")
KEY_FIELDS = ("account", "payment_document_id")  # a row must carry at least one of them
_TEXT_FIELDS = ("branch", "cashier", "account", "payment_document_id", "payer_name", "address", "document_id")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SINGLE_BYTE_CYRILLIC = ("cp1251", "windows-1251")
_RUSSIAN_LETTER = re.compile("[А-Яа-яЁё]")
_RUSSIAN_PUNCTUATION = frozenset("№«»—–…\u00a0")
# Russian titles of the fields, for messages that name a field
FIELD_TITLES = MappingProxyType({
    "date": gettext_lazy("дата"), "time": gettext_lazy("время"), "branch": gettext_lazy("отделение"),
    "cashier": gettext_lazy("кассир"), "account": gettext_lazy("лицевой счёт"),
    "payment_document_id": gettext_lazy("ИПД"), "payer_name": gettext_lazy("ФИО плательщика"),
    "address": gettext_lazy("адрес"), "period": gettext_lazy("период"), "amount": gettext_lazy("сумма"),
    "fee": gettext_lazy("комиссия"), "document_id": gettext_lazy("номер операции"),
})


def _c1_passthrough(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Error handler «registry-c1»: a byte cp1251 leaves undefined (0x98) reads as the C1 control U+0098 and
    writes back as the same byte, so a line keeps its bytes and can be judged on its own (``utf8_read_as_cp1251``);
    a C1 control left in a line is refused by ``line_problem``."""
    if isinstance(exc, UnicodeDecodeError):
        return "".join(chr(b) for b in exc.object[exc.start:exc.end]), exc.end
    if isinstance(exc, UnicodeEncodeError):
        chunk = exc.object[exc.start:exc.end]
        if all("\x80" <= ch <= "\x9f" for ch in chunk):
            return bytes(ord(ch) for ch in chunk), exc.end
    raise exc


codecs.register_error("registry-c1", _c1_passthrough)


def utf8_read_as_cp1251(text: str) -> str | None:
    """The Russian text a UTF-8 value stood for when it was read as cp1251, or ``None`` if it is not such mojibake.

    UTF-8 spells each Russian letter as two bytes, D0 or D1 (cp1251 «Р», «С») and a byte 80–BF (in cp1251
    punctuation and rare letters: «Ђ», «Ѓ», «Ў», «Ё», «ё», «µ»…), so «Сидоров» read as cp1251 is «РЎРёРґРѕСЂРѕРІ».
    A value is taken as mojibake when its cp1251 bytes are valid UTF-8 and spell at least one Russian letter and
    no non-ASCII character but Russian letters and common Russian punctuation. Genuine cp1251 Russian («РОССИЯ»,
    «СЕРГЕЕВ», «ПЕТРОВА ЁЛКА») fails at once: its letters are bytes C0–FF, which UTF-8 never allows after a lead
    byte; the rare cp1251 pair that is valid UTF-8 («ВЁ», C2 A8) spells a symbol, not a letter.
    """
    if text.isascii():
        return None
    try:
        fixed = text.encode("cp1251", errors="registry-c1").decode("utf-8")
    except UnicodeError:
        return None
    if not _RUSSIAN_LETTER.search(fixed):
        return None
    if any(not ch.isascii() and not _RUSSIAN_LETTER.fullmatch(ch) and ch not in _RUSSIAN_PUNCTUATION for ch in fixed):
        return None
    return fixed


@dataclass(frozen=True)
class TotalsSpec:
    """How to find the totals line and read it.

    ``pattern`` is a regular expression matched at the start of a line; a line it matches is the
    totals line, and the text it matched is cut off before the rest is split into cells, so the
    column numbers below count from just after the marker (``=3;450,00`` with pattern ``=``:
    column 0 is ``3``, column 1 is ``450,00``).
    """

    pattern: str
    count_column: int
    sum_column: int
    fee_sum_column: int | None = None
    required: bool = True


def _columns_error(columns: Mapping[str, int]) -> str | None:
    """What is wrong with a layout's columns; of several faults, the one checked last."""
    error = None
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        error = _("Неизвестные поля: %(fields)s.") % {"fields": ", ".join(unknown)}
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing or not any(f in columns for f in KEY_FIELDS):
        error = _("В раскладке должны быть дата, сумма и лицевой счёт или ИПД.")
    if any(i < 0 for i in columns.values()) or len(set(columns.values())) != len(columns):
        error = _("Номера столбцов должны быть неотрицательными и не повторяться.")
    return error


@dataclass(frozen=True)
class RegistryLayout:
    """One registry layout. ``columns`` maps a field of ``FIELDS`` to its 0-based column."""

    name: str
    title: str
    encoding: str
    separator: str
    columns: Mapping[str, int]
    skip_lines: int = 0
    decimal_separator: str = "."
    date_format: str = "%d.%m.%Y"
    time_format: str = "%H:%M:%S"
    period_format: str | None = None  # e.g. "%m%y" for 0526; ``None`` keeps no period
    quotechar: str | None = None  # ``None``: cells are split on the separator literally, no quoting
    totals: TotalsSpec | None = None
    readings_from: int | None = None  # from this column on: pairs (meter code, reading)
    source_note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))
        errors: dict[str, str] = {}
        columns_error = _columns_error(self.columns)
        if columns_error is not None:
            errors["columns"] = columns_error
        errors.update(self._format_errors())
        if errors:
            raise ValidationError({k: ValidationError(v, code=ErrorCode.INVALID) for k, v in errors.items()})

    def _format_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.readings_from is not None and self.columns and self.readings_from <= max(self.columns.values()):
            errors["readings_from"] = _("Показания должны идти после всех остальных столбцов.")
        if self.decimal_separator not in (".", ","):
            errors["decimal_separator"] = _("Десятичный разделитель — точка или запятая.")
        if not self.separator or self.separator == self.decimal_separator:
            errors["separator"] = _("Разделитель столбцов не задан или совпадает с десятичным.")
        try:
            "".encode(self.encoding)
        except LookupError:
            errors["encoding"] = _("Неизвестная кодировка «%(enc)s».") % {"enc": self.encoding}
        if self.totals is not None:
            try:
                re.compile(self.totals.pattern)
            except re.error:
                errors["totals"] = _("Неверный шаблон итоговой строки.")
        return errors

    @property
    def width(self) -> int:
        """The fewest cells a data line must have."""
        return max(self.columns.values()) + 1


@dataclass(frozen=True)
class RegistryError:
    line: int | None  # ``None``: the file as a whole
    field: str
    message: str
    code: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message, "code": self.code}


@dataclass(frozen=True)
class RegistryRow:
    line: int
    date: date
    amount: Decimal
    fee: Decimal
    key: str
    time: time | None = None
    account: str = ""
    payment_document_id: str = ""
    payer_name: str = ""
    address: str = ""
    period: date | None = None
    branch: str = ""
    cashier: str = ""
    document_id: str = ""
    readings: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class RegistryTotals:
    line: int
    count: int
    amount: Decimal
    fee: Decimal | None = None


@dataclass
class ParsedRegistry:
    layout: str
    rows: list[RegistryRow] = field(default_factory=list)
    totals: RegistryTotals | None = None
    errors: list[RegistryError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Post the registry only when this holds; otherwise post nothing of it."""
        return not self.errors

    @property
    def amount_sum(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))

    @property
    def fee_sum(self) -> Decimal:
        return sum((r.fee for r in self.rows), Decimal("0.00"))


# --- values ---------------------------------------------------------------------------------


@functools.cache
def _money_pattern(decimal_separator: str) -> re.Pattern[str]:
    # at most 15 digits of roubles: far above any payment, and safely inside Decimal's precision
    return re.compile(r"[0-9]{1,15}(?:" + re.escape(decimal_separator) + r"[0-9]{1,2})?")


@functools.lru_cache(maxsize=4096)
def _strptime(text: str, fmt: str) -> datetime:
    """``datetime.strptime``, cached: a registry repeats the same few dates and periods thousands of times."""
    return datetime.strptime(text, fmt)


def parse_money(text: str, decimal_separator: str) -> Decimal | None:
    """``1 500,5`` → ``Decimal('1500.50')``; ``None`` unless it is a non-negative amount in whole kopecks.

    Spaces (also no-break and thin) are thousands separators. Only the layout's decimal separator
    is accepted: ``1.234`` in a comma layout is refused rather than guessed.
    """
    pattern = _money_pattern(decimal_separator)
    compact = text
    if not pattern.fullmatch(compact):
        compact = _SPACES.sub("", text)
        if not pattern.fullmatch(compact):
            return None
    return Decimal(compact.replace(decimal_separator, ".")).quantize(Decimal("0.01"))


@functools.cache
def _reading_pattern(decimal_separator: str) -> re.Pattern[str]:
    return re.compile(r"[0-9]+(?:" + re.escape(decimal_separator) + r"[0-9]+)?")


def _parse_reading(text: str, decimal_separator: str) -> Decimal | None:
    compact = _SPACES.sub("", text)
    if not _reading_pattern(decimal_separator).fullmatch(compact):
        return None
    try:
        return Decimal(compact.replace(decimal_separator, "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None


def _normal_text(text: str) -> str:
    return _SPACES.sub(" ", text.replace("ё", "е").replace("Ё", "Е")).strip().upper()


def row_key(*, source: str, document_id: str, day: date, amount: Decimal,
            normalised: Mapping[str, str] | None) -> str:
    """The idempotency key of a registry row, for a unique constraint in the intake.

    With the bank's document id: ``doc:<source>:<document id>:<date>:<amount>`` (readable, and a
    bank's id is unique only within the bank and, for some banks, within a day). Without one:
    ``row:<sha256>`` of the normalised row (source, date, time, account, ИПД, amount, fee, period,
    branch, cashier, payer name and address in upper case with spaces collapsed), so a re-sent
    file, or the same file re-encoded, gives the same keys. Two genuinely separate payments that
    agree in every one of those fields would collide; banks that omit document ids send the time
    of payment to the second, which makes that practically a duplicate line [check].
    """
    if document_id:
        return f"doc:{source}:{document_id}:{day.isoformat()}:{amount}"
    assert normalised is not None
    payload = json.dumps({"source": source, **normalised}, sort_keys=True, ensure_ascii=False)
    return "row:" + hashlib.sha256(payload.encode()).hexdigest()


def _normalised(values: Mapping, amount: Decimal, fee: Decimal) -> dict[str, str]:
    return {
        "date": values["date"].isoformat(),
        "time": values["time"].isoformat() if values.get("time") else "",
        "period": values["period"].isoformat() if values.get("period") else "",
        "amount": str(amount),
        "fee": str(fee),
        **{k: _normal_text(values[k]) for k in _TEXT_FIELDS if k != "document_id"},
    }


# --- the parser ------------------------------------------------------------------------------


def _decode(data: bytes, layout: RegistryLayout, result: ParsedRegistry) -> str | None:
    encoding = "utf-8-sig" if layout.encoding.replace("_", "-").lower() in ("utf-8", "utf8") else layout.encoding
    # cp1251 leaves one byte undefined (0x98, the second byte of UTF-8 «И»): it is kept, and the line judged alone
    errors = "registry-c1" if _single_byte_cyrillic(layout) else "strict"
    try:
        text = data.decode(encoding, errors=errors)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(RegistryError(line, "", _(
            "Файл не в кодировке %(enc)s: строка %(line)s не читается.") % {"enc": layout.encoding, "line": line},
            ErrorCode.REGISTRY_ENCODING))
        return None
    if _single_byte_cyrillic(layout) and not data.isascii():
        # Nearly every byte decodes in cp1251, so a UTF-8 file would come through as mojibake. A Russian
        # UTF-8 file decodes as UTF-8 *with Cyrillic letters*; cp1251 bytes that merely happen to be valid
        # UTF-8 (e.g. "ВЁ", C2 A8) decode to other symbols and are read as cp1251.
        try:
            as_utf8 = data.decode("utf-8")
        except UnicodeDecodeError:
            as_utf8 = ""
        if any("\u0400" <= ch <= "\u04ff" for ch in as_utf8):
            first = next(i for i, b in enumerate(data) if b >= 0x80)
            line = data[:first].count(b"\n") + 1
            result.errors.append(RegistryError(line, "", _(
                "Файл в кодировке UTF-8, а ожидается %(enc)s: строка %(line)s.") % {"enc": layout.encoding,
                                                                                   "line": line},
                ErrorCode.REGISTRY_ENCODING))
            return None
    return text.rstrip("\x1a")  # DOS end-of-file mark some bank systems still write


def _single_byte_cyrillic(layout: RegistryLayout) -> bool:
    return layout.encoding.replace("_", "-").lower() in _SINGLE_BYTE_CYRILLIC


def _mojibake_errors(line: str, line_no: int, layout: RegistryLayout) -> list[RegistryError]:
    """A line of a cp1251 file written in UTF-8: an error for each of its values that is mojibake, naming the line
    and the field (its column number when the layout maps no field to it)."""
    if line.isascii():
        return []
    by_column = {i: name for name, i in layout.columns.items()}
    found = []
    for i, cell in enumerate(line.split(layout.separator)):
        fixed = utf8_read_as_cp1251(cell.strip())
        if fixed is None:
            continue
        reading = layout.readings_from is not None and i >= layout.readings_from
        name = by_column.get(i) or (f"reading_{(i - layout.readings_from) // 2 + 1}" if reading else f"column_{i}")
        title = str(FIELD_TITLES[name]) if name in FIELD_TITLES else _("столбец %(n)s") % {"n": i + 1}
        found.append(RegistryError(line_no, name, _(
            "Строка %(line)s, поле «%(field)s»: текст в кодировке UTF-8 в файле %(enc)s — «%(v)s» (это «%(fixed)s»). "
            "Строка не принята; попросите отправителя прислать её в %(enc)s.") % {
            "line": line_no, "field": title, "enc": layout.encoding, "v": excerpt(cell.strip()),
            "fixed": excerpt(fixed)}, ErrorCode.REGISTRY_ENCODING))
    return found


def _cells(line: str, layout: RegistryLayout) -> list[str]:
    if layout.quotechar is None:
        return [c.strip() for c in line.split(layout.separator)]
    reader = csv.reader([line], delimiter=layout.separator, quotechar=layout.quotechar, strict=True)
    return [c.strip() for c in next(reader, [])]


def _parse_totals(cells: list[str], line_no: int, layout: RegistryLayout, result: ParsedRegistry) -> None:
    spec = layout.totals
    assert spec is not None

    def cell(i: int | None) -> str:
        return cells[i] if i is not None and i < len(cells) else ""

    count_text = _SPACES.sub("", cell(spec.count_column))
    amount = parse_money(cell(spec.sum_column), layout.decimal_separator)
    fee = parse_money(cell(spec.fee_sum_column), layout.decimal_separator) if spec.fee_sum_column is not None else None
    bad = []
    if not re.fullmatch(r"[0-9]+", count_text):
        bad.append(("totals.count",
                    _("количество платежей «%(v)s» не число") % {"v": excerpt(cell(spec.count_column))}))
    if amount is None:
        bad.append(("totals.amount",
                    _("сумма «%(v)s» не сумма в рублях") % {"v": excerpt(cell(spec.sum_column))}))
    if spec.fee_sum_column is not None and fee is None:
        bad.append(("totals.fee",
                    _("комиссия «%(v)s» не сумма в рублях") % {"v": excerpt(cell(spec.fee_sum_column))}))
    for name, message in bad:
        result.errors.append(RegistryError(line_no, name, _("Итоговая строка %(line)s: %(msg)s.") % {
            "line": line_no, "msg": message}, ErrorCode.REGISTRY_TOTALS_MISMATCH))
    if not bad:
        result.totals = RegistryTotals(line=line_no, count=int(count_text), amount=amount, fee=fee)


def _parse_row(cells: list[str], line_no: int, layout: RegistryLayout, source: str,
               errors: list[RegistryError]) -> RegistryRow | None:
    """One data line; appends every problem of the line to ``errors`` and returns ``None`` if any."""
    own: list[RegistryError] = []

    def err(name: str, message: str, code: str) -> None:
        own.append(RegistryError(line_no, name, _("Строка %(line)s, поле «%(field)s»: %(msg)s") % {
            "line": line_no, "field": name, "msg": message}, code))

    if len(cells) < layout.width:
        errors.append(RegistryError(line_no, "", _(
            "Строка %(line)s: %(got)s столбцов вместо %(want)s.") % {"line": line_no, "got": len(cells),
                                                                     "want": layout.width},
            ErrorCode.REGISTRY_COLUMNS))
        return None
    raw = {name: cells[i] for name, i in layout.columns.items()}
    values: dict = {name: raw.get(name, "") for name in _TEXT_FIELDS}

    try:
        values["date"] = _strptime(raw["date"], layout.date_format).date()
    except ValueError:
        err("date", _("дата «%(v)s» не в формате %(fmt)s.") % {"v": excerpt(raw["date"]),
                                                                "fmt": layout.date_format},
            ErrorCode.REGISTRY_DATE)
    if raw.get("time"):
        try:
            values["time"] = _strptime(raw["time"], layout.time_format).time()
        except ValueError:
            err("time", _("время «%(v)s» не в формате %(fmt)s.") % {"v": excerpt(raw["time"]),
                                                                    "fmt": layout.time_format},
                ErrorCode.REGISTRY_DATE)
    if raw.get("period") and layout.period_format:
        try:
            values["period"] = _strptime(raw["period"], layout.period_format).date().replace(day=1)
        except ValueError:
            err("period", _("период «%(v)s» не в формате %(fmt)s.") % {"v": excerpt(raw["period"]),
                                                                       "fmt": layout.period_format},
                ErrorCode.REGISTRY_DATE)
    amount = parse_money(raw["amount"], layout.decimal_separator)
    if amount is None or amount <= 0:
        err("amount", _("сумма «%(v)s» должна быть положительной суммой с не более чем двумя знаками после "
                        "разделителя «%(sep)s».") % {"v": excerpt(raw["amount"]),
                                                     "sep": layout.decimal_separator},
            ErrorCode.REGISTRY_AMOUNT)
    fee = Decimal("0.00")
    if raw.get("fee"):
        parsed_fee = parse_money(raw["fee"], layout.decimal_separator)
        if parsed_fee is None:
            err("fee", _("комиссия «%(v)s» не сумма в рублях.") % {"v": excerpt(raw["fee"])},
                ErrorCode.REGISTRY_AMOUNT)
        elif amount is not None and amount > 0 and parsed_fee > amount:
            err("fee", _("комиссия %(fee)s больше суммы платежа %(amount)s.") % {"fee": parsed_fee, "amount": amount},
                ErrorCode.REGISTRY_AMOUNT)
        else:
            fee = parsed_fee
    if not any(values[k] for k in KEY_FIELDS):
        err(KEY_FIELDS[0], _("не указан ни лицевой счёт, ни ИПД."), ErrorCode.REGISTRY_KEY_MISSING)

    readings: list[tuple[str, Decimal]] = []
    if layout.readings_from is not None:
        tail = cells[layout.readings_from:]
        while tail and not tail[-1]:
            tail.pop()
        for n, start in enumerate(range(0, len(tail), 2), start=1):
            code, value_text = tail[start], (tail[start + 1] if start + 1 < len(tail) else "")
            if not code and not value_text:
                continue
            value = _parse_reading(value_text, layout.decimal_separator)
            if not code or value is None:
                err(f"reading_{n}", _("показание «%(code)s» = «%(v)s»: нужен код счётчика и неотрицательное "
                                      "число.") % {"code": excerpt(code), "v": excerpt(value_text)},
                    ErrorCode.REGISTRY_VALUE)
            else:
                readings.append((code, value))

    if own:
        errors.extend(own)
        return None
    key = row_key(source=source, document_id=values["document_id"], day=values["date"], amount=amount,
                  normalised=None if values["document_id"] else _normalised(values, amount, fee))
    return RegistryRow(line=line_no, amount=amount, fee=fee, key=key, readings=tuple(readings), **values)


def parse_registry(data: bytes, layout: RegistryLayout, *, source: str | None = None) -> ParsedRegistry:
    """Read a registry file in ``layout``; every problem becomes an error naming its line and field.

    ``source`` names the sender for the idempotency keys (the bank's BIC, say); it defaults to the
    layout's name, which is enough while one bank uses one layout. The totals line's count is
    compared with the number of data lines (readable or not); its sums only when every line was
    read, since an unreadable amount makes any sum meaningless.
    """
    result = ParsedRegistry(layout=layout.name)
    text = _decode(data, layout, result)
    if text is None:
        return result
    source = source or layout.name
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    totals_re = re.compile(layout.totals.pattern) if layout.totals is not None else None
    totals_line: int | None = None
    data_lines = 0
    seen_keys: dict[str, int] = {}
    for line_no, line in enumerate(lines, start=1):
        if line_no <= layout.skip_lines or not line.strip():
            continue
        garbled = _mojibake_errors(line, line_no, layout) if _single_byte_cyrillic(layout) else []
        if garbled:  # a UTF-8 line in a cp1251 file: counted, named by field, never read
            data_lines += 1
            result.errors.extend(garbled)
            continue
        problem = line_problem(line, line_no)
        if problem is not None:  # the line counts (a totals check would miss it) but is never read
            data_lines += 1
            result.errors.append(RegistryError(line_no, "", problem, ErrorCode.REGISTRY_VALUE))
            continue
        if totals_line is not None:
            result.errors.append(RegistryError(line_no, "", _(
                "Строка %(line)s идёт после итоговой строки %(totals)s.") % {"line": line_no, "totals": totals_line},
                ErrorCode.REGISTRY_AFTER_TOTALS))
            continue
        marker = totals_re.match(line) if totals_re is not None else None
        if marker is None:
            data_lines += 1
        try:
            cells = _cells(line[marker.end():] if marker else line, layout)
        except csv.Error as exc:
            result.errors.append(RegistryError(line_no, "", _("Строка %(line)s не разбирается: %(err)s.") % {
                "line": line_no, "err": exc}, ErrorCode.REGISTRY_COLUMNS))
            continue
        if marker is not None:
            totals_line = line_no
            _parse_totals(cells, line_no, layout, result)
            continue
        row = _parse_row(cells, line_no, layout, source, result.errors)
        if row is None:
            continue
        if row.key in seen_keys:
            result.errors.append(RegistryError(line_no, "document_id" if row.document_id else "", _(
                "Строка %(line)s повторяет платёж из строки %(first)s.") % {"line": line_no,
                                                                          "first": seen_keys[row.key]},
                ErrorCode.REGISTRY_DUPLICATE_ROW))
            continue
        seen_keys[row.key] = line_no
        result.rows.append(row)
    _check_totals(result, layout, data_lines=data_lines, totals_line=totals_line)
    result.errors.sort(key=lambda e: (e.line is not None, e.line or 0))
    return result


def _check_totals(result: ParsedRegistry, layout: RegistryLayout, *, data_lines: int, totals_line: int | None) -> None:
    if data_lines == 0 and totals_line is None:
        result.errors.append(RegistryError(None, "", _("В реестре нет ни одного платежа."), ErrorCode.REGISTRY_EMPTY))
    spec = layout.totals
    if spec is None:
        return
    if totals_line is None:
        if spec.required:
            result.errors.append(RegistryError(None, "totals", _("В реестре нет итоговой строки."),
                                               ErrorCode.REGISTRY_TOTALS_MISSING))
        return
    totals = result.totals
    if totals is None:
        return  # the totals line itself is unreadable; its errors are already there
    if totals.count != data_lines:
        result.errors.append(RegistryError(totals.line, "totals.count", _(
            "Итоговая строка %(line)s: платежей %(stated)s, а в файле %(actual)s.") % {
            "line": totals.line, "stated": totals.count, "actual": data_lines}, ErrorCode.REGISTRY_TOTALS_MISMATCH))
    if any(e.line is not None and e.line != totals.line for e in result.errors):
        return  # sums of a file with unreadable lines say nothing
    if totals.amount != result.amount_sum:
        result.errors.append(RegistryError(totals.line, "totals.amount", _(
            "Итоговая строка %(line)s: сумма %(stated)s, а по строкам %(actual)s.") % {
            "line": totals.line, "stated": totals.amount, "actual": result.amount_sum},
            ErrorCode.REGISTRY_TOTALS_MISMATCH))
    if totals.fee is not None and totals.fee != result.fee_sum:
        result.errors.append(RegistryError(totals.line, "totals.fee", _(
            "Итоговая строка %(line)s: комиссия %(stated)s, а по строкам %(actual)s.") % {
            "line": totals.line, "stated": totals.fee, "actual": result.fee_sum},
            ErrorCode.REGISTRY_TOTALS_MISMATCH))


# --- presets ---------------------------------------------------------------------------------

SBER_STANDARD = RegistryLayout(
    name="sber_standard",
    title="Сбербанк: реестр платежей (;, Windows-1251, итоговая строка «=»)",
    encoding="cp1251",
    separator=";",
    columns={
        "date": 0, "time": 1, "branch": 2, "cashier": 3, "account": 4, "payer_name": 5, "address": 6,
        "period": 7, "amount": 8, "fee": 9, "document_id": 10,
    },
    decimal_separator=",",
    date_format="%d-%m-%Y",
    time_format="%H-%M-%S",
    period_format="%m%y",
    totals=TotalsSpec(pattern=r"=", count_column=0, sum_column=1, fee_sum_column=3),
    readings_from=11,
    source_note=(
        "[practice/check] The shape of the registries Sberbank sends to housing payees under its "
        "standard contract for accepting payments (the «реестр принятых платежей» of Sberbank Online "
        "and branch cash desks), as vendors of ЖКХ billing describe it: no header, one line per payment "
        "«дата (ДД-ММ-ГГГГ);время (ЧЧ-ММ-СС);номер отделения;номер ВСП/кассира;лицевой счёт;ФИО;адрес;"
        "период (ММГГ);сумма;комиссия банка;номер операции» followed by meter readings as pairs "
        "«код счётчика;показание», and a last line «=количество;сумма;сумма к перечислению;комиссия;"
        "номер платёжного поручения;дата». Amounts use a decimal comma. Not checked against a "
        "Sberbank specification; a real contract's appendix must be compared column by column."
    ),
)

GENERIC_CSV_UTF8 = RegistryLayout(
    name="generic_csv_utf8",
    title="Универсальный CSV (запятая, UTF-8, строка заголовка)",
    encoding="utf-8",
    separator=",",
    quotechar='"',
    skip_lines=1,
    columns={
        "document_id": 0, "date": 1, "time": 2, "account": 3, "payment_document_id": 4, "payer_name": 5,
        "address": 6, "period": 7, "amount": 8, "fee": 9,
    },
    decimal_separator=".",
    date_format="%Y-%m-%d",
    time_format="%H:%M:%S",
    period_format="%Y-%m",
    totals=TotalsSpec(pattern=r"(?i:итого|total)\s*,", count_column=0, sum_column=1, fee_sum_column=2,
                      required=False),
    source_note=(
        "Our own layout for agents and small banks without a format of their own: a header line, "
        "then «id,date (ISO),time,account,ИПД,payer,address,period (YYYY-MM),amount,fee» with a "
        "decimal point, optional double quotes, and an optional last line «ИТОГО,count,sum,fee»."
    ),
)

PRESETS: Mapping[str, RegistryLayout] = MappingProxyType({p.name: p for p in (SBER_STANDARD, GENERIC_CSV_UTF8)})
