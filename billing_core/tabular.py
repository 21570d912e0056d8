"""Tables in and out: reading uploaded tables (CSV in UTF-8 or cp1251, or XLSX) into rows that carry their
line numbers, and the one rule for every text cell the product writes into a spreadsheet.

Every problem is reported with the line and the column it is in; nothing here decides
what to load. Importers validate the rows and then load all of them or only the good
ones, as the user chose. A file that is broken as a file (unreadable XLSX, a CSV quote left
open, a NUL byte, a cell or a sheet past the limits below) yields its error and no rows at all,
so nothing of it is ever applied.

The limits keep a hostile file cheap: a workbook is a zip of XML, so a small upload can declare a
sheet of 17 billion cells or inflate to gigabytes. The XML is parsed by defusedxml (openpyxl uses it
when it is installed), so entity expansion is refused.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from billing_core.text import excerpt, unstorable_at

ENCODINGS = ("utf-8", "cp1251")
MAX_ROWS = 200_000  # data rows of one upload, declared or real
MAX_COLUMNS = 100  # columns of one upload, declared or real
MAX_CELL_CHARS = 4_000  # no field of any import is longer; a longer cell is an error, not truncated
MAX_XLSX_BYTES = 64 * 1024 * 1024  # the workbook's parts, inflated
MAX_XLSX_RATIO = 200  # inflated / compressed for a part over 1 MB: XML compresses ~10-20×, a bomb ~1000×

# A text cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets (OWASP,
# "CSV Injection"); tab and CR are how the same is smuggled past a naive check.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# characters XML 1.0 forbids (openpyxl refuses them; a registry's own writer drops them)
_XML_FORBIDDEN = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32))}


def spreadsheet_text(value):
    """A value as a spreadsheet cell may hold it without being evaluated: a text starting like a formula gets
    a leading apostrophe (OWASP's neutralisation), characters XML forbids are dropped. Numbers, amounts and
    dates are returned as they are, so a negative amount stays a number."""
    if not isinstance(value, str):
        return value
    value = value.translate(_XML_FORBIDDEN)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def spreadsheet_row(values: Iterable) -> list:
    """``spreadsheet_text`` over the text cells of a row (a CSV writer formats its amounts itself: they are
    numbers, and a negative one must not be neutralised)."""
    return [spreadsheet_text(v) for v in values]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str
    code: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message, "code": self.code}


@dataclass
class Table:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line number, canonical → value)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""


def _normalise(header: str) -> str:
    return " ".join(header.replace("ё", "е").replace("Ё", "Е").strip().lower().split())


def _header_map(header: list[str], columns: dict[str, Iterable[str]]) -> tuple[dict[int, str], list[str]]:
    """Map column positions to canonical names by their aliases; return the missing canonical names."""
    wanted = {_normalise(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}
    positions = {}
    for i, title in enumerate(header):
        name = wanted.get(_normalise(title))
        if name and name not in positions.values():
            positions[i] = name
    missing = [name for name in columns if name not in positions.values()]
    return positions, missing


def _decode(data: bytes, encoding: str, table: Table) -> str | None:
    candidates = ENCODINGS if encoding == "auto" else (encoding,)
    for candidate in candidates:
        try:
            text = data.decode("utf-8-sig" if candidate == "utf-8" else candidate)
        except UnicodeDecodeError as exc:
            if encoding != "auto":
                line = data[: exc.start].count(b"\n") + 1
                table.errors.append(RowError(
                    line, "", _("Файл не в кодировке %(enc)s: неверный байт в строке %(line)s.")
                    % {"enc": candidate, "line": line}, "ENCODING",
                ))
                return None
            continue
        table.encoding = candidate
        return text
    table.errors.append(RowError(1, "", _("Не удалось определить кодировку файла (ожидается UTF-8 или Windows-1251)."),
                                 "ENCODING"))
    return None


class FileRefused(Exception):
    """The file is broken as a file; it carries the one error that says where and what."""

    def __init__(self, line: int, message: str, code: str, field: str = ""):
        super().__init__(message)
        self.error = RowError(line, field, message, code)


def _csv_rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    start = 1  # the physical line the next record starts on: an open quote is reported where it was opened
    try:
        for row in reader:
            if len(rows) > MAX_ROWS:
                raise FileRefused(start, _("В файле больше %(max)s строк.") % {"max": MAX_ROWS}, "TOO_MANY_ROWS")
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        line = start
        text = str(exc)
        if "unexpected end of data" in text:
            what = _("кавычка открыта и не закрыта до конца файла")
        elif "field larger than field limit" in text:
            what = _("поле длиннее %(max)s знаков") % {"max": csv.field_size_limit()}
        else:
            what = _("кавычки расставлены неверно")
        raise FileRefused(line, _("Строка %(line)s не разбирается как CSV: %(what)s.") % {
            "line": line, "what": what}, "CSV_FORMAT") from exc
    return rows


def _xlsx_parts_check(data: bytes) -> None:
    """Refuse a workbook whose parts inflate past the limits, before any XML of it is parsed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio_bad = info.file_size > 1024 * 1024 and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1)
            if total > MAX_XLSX_BYTES or ratio_bad:
                raise FileRefused(1, _("Файл XLSX распаковывается в слишком большой объём (больше %(mb)s МБ или "
                                       "сжат неправдоподобно сильно).") % {"mb": MAX_XLSX_BYTES // (1024 * 1024)},
                                  "FILE_TOO_LARGE")


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    _xlsx_parts_check(data)
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if not book.worksheets:
            raise FileRefused(1, _("В файле XLSX нет листов."), "FILE_FORMAT")
        sheet = book.worksheets[0]
        declared_rows, declared_cols = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > MAX_ROWS + 1 or declared_cols > MAX_COLUMNS:
            raise FileRefused(1, _("Лист объявляет %(rows)s строк и %(cols)s столбцов; допустимо не больше %(mr)s "
                                   "строк и %(mc)s столбцов.") % {"rows": declared_rows, "cols": declared_cols,
                                                                   "mr": MAX_ROWS, "mc": MAX_COLUMNS},
                              "TOO_MANY_ROWS" if declared_rows > MAX_ROWS + 1 else "TOO_MANY_COLUMNS")
        # one column and one row past the limits are read to tell that there are more; never the declared size
        rows = []
        for line, row in enumerate(sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 2, min_col=1,
                                                   max_col=MAX_COLUMNS + 1, values_only=True), start=1):
            if line > MAX_ROWS + 1:
                raise FileRefused(line, _("В файле больше %(max)s строк.") % {"max": MAX_ROWS}, "TOO_MANY_ROWS")
            if len(row) > MAX_COLUMNS and row[MAX_COLUMNS] is not None:
                raise FileRefused(line, _("Строка %(line)s: больше %(max)s столбцов.") % {
                    "line": line, "max": MAX_COLUMNS}, "TOO_MANY_COLUMNS")
            rows.append(["" if v is None else str(v) for v in row[:MAX_COLUMNS]])
        while rows and not any(rows[-1]):
            rows.pop()
        return rows
    finally:
        book.close()


def _cells_check(raw_rows: list[list[str]]) -> None:
    """Every cell short and free of characters no input may carry; the first bad one is named."""
    for line, row in enumerate(raw_rows, start=1):
        if len(row) > MAX_COLUMNS:
            raise FileRefused(line, _("Строка %(line)s: больше %(max)s столбцов.") % {
                "line": line, "max": MAX_COLUMNS}, "TOO_MANY_COLUMNS")
        for column, cell in enumerate(row, start=1):
            if len(cell) > MAX_CELL_CHARS:
                raise FileRefused(line, _("Строка %(line)s, столбец %(col)s: значение длиннее %(max)s знаков "
                                          "(«%(v)s»).") % {"line": line, "col": column, "max": MAX_CELL_CHARS,
                                                          "v": excerpt(cell)}, "CELL_TOO_LONG")
            if unstorable_at(cell) is not None:
                raise FileRefused(line, _("Строка %(line)s, столбец %(col)s: недопустимый символ (нулевой байт или "
                                          "управляющий).") % {"line": line, "col": column}, "INVALID_CHARACTERS")


def read_table(data: bytes, *, columns: dict[str, Iterable[str]], encoding: str = "auto") -> Table:
    """Parse ``data`` (XLSX by its signature, else CSV with `;`, `,` or tab) with a header row.

    ``columns`` maps each canonical column name to the header titles accepted for it.
    """
    table = Table()
    try:
        if data[:2] == b"PK":
            try:
                raw_rows = _xlsx_rows(data)
            except FileRefused:
                raise
            except Exception as exc:  # whatever a broken zip or XML raises inside openpyxl
                raise FileRefused(1, _("Файл XLSX повреждён или это не XLSX."), "FILE_FORMAT") from exc
            table.encoding = "xlsx"
        else:
            text = _decode(data, encoding, table)
            if text is None:
                return table
            raw_rows = _csv_rows(text.rstrip("\x1a"))  # the DOS end-of-file mark old systems still write
        _cells_check(raw_rows)
    except FileRefused as refused:
        table.errors.append(refused.error)
        return table
    if not raw_rows:
        table.errors.append(RowError(1, "", _("Файл пуст."), "FILE_EMPTY"))
        return table
    positions, missing = _header_map(raw_rows[0], columns)
    for name in missing:
        table.errors.append(RowError(1, name, _("Нет столбца «%(col)s».") % {"col": name}, "COLUMN_MISSING"))
    if missing:
        return table
    for offset, raw in enumerate(raw_rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue  # blank lines are not rows
        table.rows.append((offset, {name: (raw[i].strip() if i < len(raw) else "") for i, name in positions.items()}))
    return table
