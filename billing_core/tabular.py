"""Tables in and out: reading uploaded tables (CSV in UTF-8 or cp1251, or XLSX) into rows that carry their
line numbers, the one rule for every text cell the product writes into a spreadsheet, and the one writer of
every XLSX the product produces (``xlsx_write``).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

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


# --- writing: the one XLSX writer ------------------------------------------------------------------
# Every workbook the product produces (payout registers, reports) is written here, directly as SpreadsheetML:
# the six parts every reader needs, inline strings, a fixed set of styles. openpyxl's writer runs on pure-Python
# XML serialisation here (lxml is not installed): about 65 ms for a 250-row register, 13 s for a day's 200
# principals, over the budget; and its write-only mode is what a report of a million rows needs anyway. Rows
# are streamed into the archive, so a report never holds its rows in memory. The tests read every workbook
# back with openpyxl.

# Cell styles (the workbook's cellXfs, by index).
GENERAL, AMOUNT, DATE, BOLD, DECIMAL, BOLD_AMOUNT, HEADER = range(7)

_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'),
    # cellXfs in the order of the constants above: general; amount (#,##0.00, built-in 4); date (DD.MM.YYYY);
    # bold; two decimals (0.00, built-in 2); bold amount; header (bold, wrapped, top-aligned)
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="4" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
        '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"),
}
# one translate() per value: XML's three special characters escaped (control characters XML forbids are
# dropped by ``spreadsheet_text`` first)
_XML_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_EPOCH = datetime(1899, 12, 30)  # spreadsheet day 0 (the 1900 date system, past its 1900 leap-year quirk)
_SHEET_NAME_FORBIDDEN = {ord(c): None for c in '[]:*?/\\"'}
_FLUSH_ROWS = 500  # rows rendered between writes into the archive


@dataclass(frozen=True, slots=True)
class Cell:
    """A value with a style of its own (a title, a header, a total); bare values take their column's style."""

    value: object
    style: int = BOLD


def _xml_text(value: str) -> str:
    return spreadsheet_text(value).translate(_XML_ESCAPES)


def _serial(value: date) -> str:
    """A date (or a moment) as the spreadsheet's day number."""
    if not isinstance(value, datetime):
        return str((value - _EPOCH.date()).days)
    delta = value.replace(tzinfo=None) - _EPOCH
    return repr(delta.days + delta.seconds / 86400) if delta.seconds else str(delta.days)


@lru_cache(maxsize=1024)
def _column_letters(index: int) -> str:
    """A 0-based column index as its letters: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(value, style: int | None) -> tuple[str, int | None]:
    """A number's or date's text in the sheet, and its style (by type when the column gives none)."""
    if isinstance(value, date):
        return _serial(value), DATE if style is None else style
    if isinstance(value, Decimal):
        return f"{value:f}", AMOUNT if style is None else style
    return str(value), style


def _cell(ref: str, value, style: int | None) -> str:
    if isinstance(value, Cell):
        value, style = value.value, value.style
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        styled = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{styled} t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
    text, style = _number(value, style)
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled}><v>{text}</v></c>'


def _row(number: int, values: Sequence, styles: Sequence[int | None]) -> str:
    known = len(styles)
    cells = "".join(_cell(f"{_column_letters(c)}{number}", value, styles[c] if c < known else None)
                    for c, value in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _sheet_head(widths: Sequence[float], freeze_rows: int) -> str:
    views = ""
    if freeze_rows:
        top = f"A{freeze_rows + 1}"
        views = (f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{freeze_rows}" topLeftCell="{top}" '
                 f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{top}" '
                 f'sqref="{top}"/></sheetView></sheetViews>')
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'{views}{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')


def xlsx_write(rows: Iterable[Sequence], *, sheet_name: str, widths: Sequence[float] = (),
               styles: Sequence[int | None] = (), freeze_rows: int = 0) -> bytes:
    """One sheet, its rows streamed into the archive as they come.

    A cell is a str (always a string cell, neutralised by ``spreadsheet_text``), a number, a Decimal, a date,
    None (an empty cell), or a ``Cell`` with a style of its own. ``styles`` gives each column's style for its
    numbers and dates (None: by type, a Decimal an amount and a date a date); ``widths`` each column's width;
    ``freeze_rows`` keeps that many top rows in view.
    """
    name = (sheet_name[:31].translate(_SHEET_NAME_FORBIDDEN) or "Sheet").translate(_XML_ESCAPES)
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, xml in (*_XLSX_STATIC.items(), ("xl/workbook.xml", workbook)):
            archive.writestr(part, xml.encode("utf-8"))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_sheet_head(widths, freeze_rows).encode("utf-8"))
            chunk: list[str] = []
            for number, values in enumerate(rows, start=1):
                chunk.append(_row(number, values, styles))
                if len(chunk) >= _FLUSH_ROWS:
                    sheet.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode("utf-8"))
    return out.getvalue()
