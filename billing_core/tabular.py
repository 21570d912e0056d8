"""Reading uploaded tables (CSV in UTF-8 or cp1251, or XLSX) into rows that carry their line numbers.

Every problem is reported with the line and the column it is in; nothing here decides
what to load. Importers validate the rows and then load all of them or only the good
ones, as the user chose.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

ENCODINGS = ("utf-8", "cp1251")


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


def _csv_rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def read_table(data: bytes, *, columns: dict[str, Iterable[str]], encoding: str = "auto") -> Table:
    """Parse ``data`` (XLSX by its signature, else CSV with `;`, `,` or tab) with a header row.

    ``columns`` maps each canonical column name to the header titles accepted for it.
    """
    table = Table()
    if data[:2] == b"PK":
        try:
            raw_rows = _xlsx_rows(data)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            table.errors.append(RowError(1, "", _("Файл XLSX повреждён или это не XLSX."), "FILE_FORMAT"))
            return table
        table.encoding = "xlsx"
    else:
        text = _decode(data, encoding, table)
        if text is None:
            return table
        raw_rows = _csv_rows(text)
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
