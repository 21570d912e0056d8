"""The ЕПД as a PDF: one A4 document laid out like the form of Приказ Минстроя №43/пр.

Drawn on reportlab's canvas (not platypus) and written for speed, since a month's run renders a
page per household:

* **Text** goes into the page as PDF operators built here. Both fonts (Source Sans Pro regular and
  bold, embedded as TrueType subsets) are seeded on every document with the same character set
  (ASCII, Russian letters, the few symbols the form uses), so each character's code in the subset is
  the same in every document and text is encoded with one ``str.translate``. A character outside
  the set falls back to reportlab's own subsetting and still prints.
* **Embedded fonts** are identical in every document for the same reason, so the font objects
  (the subset program, its widths, its ToUnicode map; compressed when the PDF is) are built once
  per process and reused (``_EmbeddedFont``): a one-page PDF does not pay for font subsetting.
* **QR codes** are encoded by zxing-cpp (C++; error correction M, byte mode with the UTF-8 bytes
  of the ST00012 string, so no reader has to guess an encoding) and drawn as vector rectangles:
  one filled path per code with the dark runs of each row merged, a 4-module quiet zone kept clear.

``render_epd`` returns one document's PDF; ``render_batch`` writes many documents into one
multi-page PDF (a house for the print house), each document starting on a new page. A document
whose tables do not fit continues on further pages, with the table header repeated.
"""

from __future__ import annotations

import io
import re
import threading
import time
import zlib
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import font_source_sans_pro
import zxingcpp
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, makeToUnicodeCMap
from reportlab.pdfgen import canvas as rl_canvas

from billing_core.epd_qr import AGENT_LABEL, QrPayloadError, document_qr_payloads, payee_label
from tenants.residents.link_code import link_code

__all__ = ["RenderError", "render_batch", "render_epd"]

PAGE_W, PAGE_H = A4
LEFT = 28.35  # 10 mm
RIGHT = PAGE_W - 28.35
WIDTH = RIGHT - LEFT
TOP = PAGE_H - 24.0
BOTTOM = 34.0  # the footer sits below
QR_BOX = 92.0  # the code with its quiet zone, ≈ 32 mm
QR_QUIET = 4  # modules (ISO/IEC 18004)
QR_EC_LEVEL = "M"

REGULAR, BOLD = "EpdSourceSansPro", "EpdSourceSansPro-Bold"
# Every character the form itself prints plus what names and addresses use; seeded into both fonts
# of every document in this order (see the module doc).
SEED = (
    "".join(map(chr, range(32, 127)))
    + "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    + "«»„“”‘’—–−№²³·…×°"
)
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь")
METHODS = {"meter": "ПУ", "average": "ср.", "norm": "норм.", "fixed": "—", "sum": "ХВС+ГВС"}


class RenderError(ValueError):
    """Content the renderer cannot print; ``field`` names the path in the content dict."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------------------------------------
# Fonts


class _Raw(pdfdoc.PDFObject):
    """A PDF value formatted once and reused as bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document):
        return self.data


class _EmbeddedFont(TTFont):
    """A TrueType font whose subset objects are built once per process, not once per document.

    ``addObjects`` is reportlab's own (ttfonts.TTFont.addObjects + TTFontFace.addSubsetObjects,
    reportlab 5.1) with the three costly parts (the subset program, the widths array, the
    ToUnicode map; deflated when the document is) taken from a cache keyed by the subset.
    """

    _CACHE_LIMIT = 16

    def __init__(self, name: str, filename: str):
        super().__init__(name, filename, asciiReadable=1)
        self._parts: dict[tuple, tuple[bytes, bytes, bytes, int]] = {}
        self._lock = threading.Lock()

    def _subset_parts(self, subset: list[int], base_name: str, compressed: bool) -> tuple[bytes, bytes, bytes, int]:
        key = (tuple(subset), base_name, compressed)
        parts = self._parts.get(key)
        if parts is None:
            face = self.face
            widths = pdfdoc.PDFArray(list(map(face.getCharWidth, subset))).format(None)
            cmap = makeToUnicodeCMap(base_name, subset).encode("latin-1")
            program = face.makeSubset(subset)
            length1 = len(program)
            if compressed:
                cmap, program = zlib.compress(cmap), zlib.compress(program)
            parts = (widths, cmap, program, length1)
            with self._lock:
                if len(self._parts) >= self._CACHE_LIMIT:
                    self._parts.clear()
                self._parts[key] = parts
        return parts

    @staticmethod
    def _stream(content: bytes, compressed: bool, extra: dict | None = None) -> pdfdoc.PDFStream:
        entries = dict(extra or {})
        if compressed:
            entries["Filter"] = pdfdoc.PDFName("FlateDecode")
        return pdfdoc.PDFStream(pdfdoc.PDFDictionary(entries), content, filters=[] if compressed else None)

    def addObjects(self, doc):  # reportlab's name
        state = self._assignState(doc)
        state.frozen = 1
        compressed = bool(doc.compression)
        face = self.face
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            widths, cmap, program, length1 = self._subset_parts(subset, base_name, compressed)
            font = pdfdoc.PDFTrueTypeFont()
            font.Name = internal_name
            font.BaseFont = base_name
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.Widths = _Raw(widths)
            font.ToUnicode = doc.Reference(self._stream(cmap, compressed), "toUnicodeCMap:" + base_name)
            program_ref = doc.Reference(self._stream(program, compressed, {"Length1": length1}),
                                        f"fontFile:{face.filename}({base_name})")
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
                "Descent": face.descent, "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(base_name),
                "ItalicAngle": face.italicAngle, "StemV": face.stemV, "FontFile2": program_ref,
                "MissingWidth": face.defaultWidth,
            })
            font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = font
        del self.state[doc]


class _Face:
    """One font's fast path: the seeded code of each character, escaped for a PDF string, and widths."""

    def __init__(self, font: _EmbeddedFont):
        self.font = font
        probe = rl_canvas.Canvas(io.BytesIO(), initialFontName=font.fontName)
        font.splitString(SEED, probe._doc)
        state = font.state[probe._doc]
        self.seeded_next_code = state.nextCode
        table: dict[int, str] = {c: " " for c in range(32)}
        table[0x7F] = " "
        for ch in SEED:
            code = state.assignments[ord(ch)]
            if code >> 8:
                raise RuntimeError("the seed character set must fit one font subset")
            if 32 <= code < 127 and chr(code) not in "()\\":
                table[ord(ch)] = chr(code)
            else:
                table[ord(ch)] = f"\\{code:03o}"
        table[0xA0] = " "
        self.table = table
        self.widths = {ch: font.stringWidth(ch, 1.0) for ch in SEED}
        self.widths[" "] = font.stringWidth(" ", 1.0)
        self._prepared: dict[str, tuple[str | None, float]] = {}
        del font.state[probe._doc]

    def width(self, text: str, size: float) -> float:
        return self.prepared(text)[1] * size

    _PREPARED_LIMIT = 65536

    def prepared(self, text: str) -> tuple[str | None, float]:
        """(the text as a PDF string's content in the seeded codes, or None when a character is outside the
        seed; its width at size 1). Kept per process: labels, names and most amounts repeat across documents."""
        entry = self._prepared.get(text)
        if entry is None:
            escaped = text.translate(self.table)
            try:
                unit = sum(map(self.widths.__getitem__, text))
            except KeyError:
                unit = self.font.stringWidth(text, 1.0)
            entry = (escaped if escaped.isascii() else None, unit)
            if len(self._prepared) >= self._PREPARED_LIMIT:
                self._prepared.clear()
            self._prepared[text] = entry
        return entry


_fonts_lock = threading.Lock()
_faces: dict[str, _Face] = {}


def _load_faces() -> dict[str, _Face]:
    """Register both fonts once per process (reportlab's registry is global)."""
    if not _faces:
        with _fonts_lock:
            if not _faces:
                files = font_source_sans_pro.font_files_ttf
                faces = {}
                for name, key in ((REGULAR, "SourceSansPro"), (BOLD, "SourceSansProBold")):
                    font = _EmbeddedFont(name, files[key])
                    pdfmetrics.registerFont(font)
                    faces[name] = _Face(font)
                _faces.update(faces)
    return _faces


@lru_cache(maxsize=4096)
def _fit(text: str, bold: bool, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to ``width`` (names repeat across documents, hence the cache)."""
    face = _faces[BOLD if bold else REGULAR]
    if face.width(text, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if face.width(text[:mid].rstrip() + "…", size) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"


@lru_cache(maxsize=4096)
def _wrap(text: str, bold: bool, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    face = _faces[BOLD if bold else REGULAR]
    if face.width(text, size) <= width:
        return (text,)
    lines: list[str] = []
    current = ""
    words = text.split()
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if face.width(candidate, size) <= width or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines - 1:
            current = " ".join(words[index:])
            break
    lines.append(current)
    return tuple(_fit(line, bold, size, width) for line in lines[:max_lines])


# ---------------------------------------------------------------------------------------------
# Values


_MONEY = re.compile(r"(-?)([0-9]+)\.([0-9]{2})")
_QTY = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _money(value: object, field: str) -> str:
    """"1234.50" → "1 234,50" (regular spaces between thousands, so OCR and text search see them)."""
    match = _MONEY.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise RenderError(field, "сумма должна быть строкой с двумя знаками после точки")
    sign, whole, cents = match.groups()
    return f"{sign}{_group(whole)},{cents}"


def _group(whole: str) -> str:
    whole = whole.lstrip("0") or "0"
    head = len(whole) % 3 or 3
    return " ".join([whole[:head], *(whole[i:i + 3] for i in range(head, len(whole), 3))])


def _number(value: object, field: str, *, min_places: int = 0) -> str:
    """A quantity/rate string → Russian decimal comma, trailing zeros trimmed to ``min_places``."""
    if value is None:
        return "—"
    if not isinstance(value, str) or not _QTY.fullmatch(value):
        raise RenderError(field, "число должно быть строкой вида 12.3456")
    whole, _, frac = value.partition(".")
    frac = frac.rstrip("0")
    if len(frac) < min_places:
        frac = frac + "0" * (min_places - len(frac))
    return f"{whole},{frac}" if frac else whole


def _date(value: object, field: str) -> str:
    if value is None:
        return "—"
    try:
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    except (TypeError, ValueError) as exc:
        raise RenderError(field, "дата должна быть в формате ГГГГ-ММ-ДД") from exc


def _is_zero(value: str) -> bool:
    return value.strip("-0.,") == ""


# ---------------------------------------------------------------------------------------------
# QR codes


# The mask pattern: ISO/IEC 18004 lets any of the eight be used (a reader takes it from the format
# information); choosing by the penalty score costs six more trial encodings per code, about 1.3 ms, for a
# small gain in contrast balance. One fixed pattern keeps a page within its time budget; ``qr_data_mask=None``
# asks the encoder to choose.
QR_DATA_MASK_DEFAULT = 2


def _qr_path(payload: str, data_mask: int | None) -> tuple[int, str]:
    """(modules per side, the modules as a 1-bit image mask in hex, rows top-down, 1 = light).

    The code is drawn as an inline image mask (``/IM true``): about 0.05 ms a code against about
    0.9 ms for a vector path of its dark runs, and as sharp — a mask is painted module for module.
    """
    options = {"ec_level": QR_EC_LEVEL}
    if data_mask is not None:
        options["data_mask"] = data_mask
    barcode = zxingcpp.create_barcode(payload.encode("utf-8"), zxingcpp.BarcodeFormat.QRCode, **options)
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    data = bytes(image).translate(_LIGHT_BIT)  # one byte per module: b"0" dark, b"1" light
    pad = b"0" * (-width % 8)
    bits = b"".join(data[y * width:(y + 1) * width] + pad for y in range(height))
    return width, f"{int(bits, 2):0{len(bits) // 4}x}"


_LIGHT_BIT = bytes.maketrans(b"\x00\xff", b"01")


# ---------------------------------------------------------------------------------------------
# The page writer


class _Writer:
    """Collects one page's operators and hands them to the canvas in one piece."""

    def __init__(self, canvas: rl_canvas.Canvas, faces: dict[str, _Face]):
        self.canvas = canvas
        self.faces = faces
        self.ops: list[str] = []
        self.prefix: dict[str, str] = {}
        doc = canvas._doc
        for name, face in faces.items():
            font = face.font
            font.splitString(SEED, doc)
            if font.state[doc].nextCode != face.seeded_next_code:
                raise RuntimeError("font subset seeding diverged")
            self.prefix[name] = f"BT {font.getSubsetInternalName(0, doc)} "

    def text(self, x: float, y: float, text: str, size: float = 7.0, *, bold: bool = False, align: str = "l",
             ) -> None:
        name = BOLD if bold else REGULAR
        face = self.faces[name]
        escaped, unit = face.prepared(text)
        if align != "l":
            w = unit * size
            x -= w if align == "r" else w / 2
        if escaped is not None:
            self.ops.append(f"{self.prefix[name]}{size:g} Tf {x:.2f} {y:.2f} Td ({escaped}) Tj ET")
        else:
            self._text_fallback(face, x, y, text, size)

    def _text_fallback(self, face: _Face, x: float, y: float, text: str, size: float) -> None:
        doc = self.canvas._doc
        pieces = [f"BT {x:.2f} {y:.2f} Td"]
        for subset, chunk in face.font.splitString(text, doc):
            pieces.append(f"{face.font.getSubsetInternalName(subset, doc)} {size:g} Tf ({escapePDF(chunk)}) Tj")
        pieces.append("ET")
        self.ops.append(" ".join(pieces))

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return self.faces[BOLD if bold else REGULAR].width(text, size)

    def cell(self, x: float, width: float, y: float, text: str, size: float, *, bold: bool = False,
             align: str = "l") -> None:
        """Text kept inside a column: left text is cut with an ellipsis, a number is shrunk, never cut."""
        if align == "l":
            self.text(x + 1.5, y, _fit(text, bold, size, width - 3), size, bold=bold)
            return
        w = self.width(text, size, bold)
        if w > width - 3:
            size = size * (width - 3) / w
        self.text(x + width - 1.5 if align == "r" else x + width / 2, y, text, size, bold=bold, align=align)

    def hline(self, x1: float, x2: float, y: float, weight: float = 0.4) -> None:
        self.ops.append(f"{weight:g} w {x1:.2f} {y:.2f} m {x2:.2f} {y:.2f} l S")

    def vline(self, x: float, y1: float, y2: float, weight: float = 0.4) -> None:
        self.ops.append(f"{weight:g} w {x:.2f} {y1:.2f} m {x:.2f} {y2:.2f} l S")

    def box(self, x: float, y: float, w: float, h: float, weight: float = 0.5) -> None:
        self.ops.append(f"{weight:g} w {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S")

    def shade(self, x: float, y: float, w: float, h: float, gray: float = 0.9) -> None:
        self.ops.append(f"{gray:g} g {x:.2f} {y:.2f} {w:.2f} {h:.2f} re f 0 g")

    def qr(self, x: float, top: float, size: float, modules: int, mask_hex: str) -> None:
        """The code's modules inside a ``size`` square whose top-left is (x, top), quiet zone included."""
        module = size / (modules + 2 * QR_QUIET)
        side = modules * module
        x0, y0 = x + QR_QUIET * module, top - QR_QUIET * module - side
        self.ops.append(
            f"q 0 g {side:.4f} 0 0 {side:.4f} {x0:.3f} {y0:.3f} cm\n"
            f"BI /W {modules} /H {modules} /IM true /BPC 1 /F /AHx ID\n{mask_hex}>\nEI Q"
        )

    def flush(self) -> None:
        if self.ops:
            self.canvas.addLiteral("\n".join(self.ops))
            self.ops = []


# ---------------------------------------------------------------------------------------------
# The document


CALC_COLUMNS = (  # (title, width, align)
    ("Вид услуги", 171.0, "l"), ("Ед.", 22.0, "c"), ("Способ", 26.0, "c"), ("Объём", 40.0, "r"),
    ("Тариф, руб.", 40.0, "r"), ("Коэф.", 24.0, "r"), ("Начислено", 44.0, "r"), ("Перерасчёт", 44.0, "r"),
    ("Льготы", 40.0, "r"), ("Пени", 38.0, "r"), ("Итого", 50.1, "r"),
)
METER_COLUMNS = (
    ("Услуга", 190.0, "l"), ("Прибор учёта №", 100.0, "l"), ("Зона", 30.0, "c"),
    ("Предыдущие", 75.0, "r"), ("Текущие", 75.0, "r"), ("Расход", 69.1, "r"),
)
COMMON_PROPERTY_COLUMNS = (
    ("Услуга", 170.0, "l"), ("Ед.", 40.0, "c"), ("Объём по ОДПУ (дом)", 85.0, "r"),
    ("Объём на СОИ (дом)", 85.0, "r"), ("Объём на помещение", 80.0, "r"), ("Начислено, руб.", 79.1, "r"),
)
RECALC_COLUMNS = (
    ("Получатель", 120.0, "l"), ("Услуга", 120.0, "l"), ("Основание", 110.0, "l"),
    ("Комментарий", 129.1, "l"), ("Сумма, руб.", 60.0, "r"),
)
TOTAL_COLUMNS = (
    ("Долг (+) / аванс (−) на начало", 80.0, "r"), ("Оплачено", 60.8, "r"), ("Начислено", 60.8, "r"),
    ("Перерасчёты", 60.8, "r"), ("Льготы", 60.8, "r"), ("Пени", 60.8, "r"),
    ("Долг (+) / аванс (−) на конец", 80.0, "r"), ("Итого к оплате", 75.1, "r"),
)
ROW = 8.6
TABLE_SIZE = 6.5
TEXT = 7.0
LEAD = 8.4
SMALL = 6.5
SMALL_LEAD = 7.8


class _Document:
    def __init__(self, writer: _Writer, content: Mapping, qr_data_mask: int | None, timings: dict | None):
        self.w = writer
        self.c = content
        self.qr_data_mask = qr_data_mask
        self.timings = timings
        self.page = 0
        self.y = TOP
        self.table_header: tuple | None = None
        month = self._month()
        self.month_text = f"{MONTHS[month.month - 1]} {month.year} г."
        self.els = str(content.get("els", ""))
        self.ipd = str(content.get("ipd", ""))

    def _month(self) -> date:
        try:
            return date.fromisoformat(self.c["month"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RenderError("month", "нет расчётного месяца (ГГГГ-ММ-ДД)") from exc

    # pages ------------------------------------------------------------------------------------

    def start_page(self) -> None:
        self.page += 1
        self.y = TOP
        self.w.text(PAGE_W / 2, 18, f"ЕЛС {self.els} · ИПД {self.ipd} · {self.month_text} · стр. {self.page}", 6,
                    align="c")
        if self.page > 1:
            self.w.text(LEFT, self.y - 8, f"Единый платёжный документ за {self.month_text}, ЕЛС {self.els} — "
                        "продолжение", 8, bold=True)
            self.y -= 14

    def end_page(self) -> None:
        self.w.flush()
        self.w.canvas.showPage()

    def need(self, height: float) -> None:
        """Start a new page of this document when ``height`` does not fit; repeat the table header."""
        if self.y - height >= BOTTOM:
            return
        self.end_page()
        self.start_page()
        if self.table_header is not None:
            self.header_row(*self.table_header)

    # building blocks --------------------------------------------------------------------------

    def section(self, title: str, after: float = 0.0) -> None:
        self.need(14 + after)
        self.y -= 3
        self.w.shade(LEFT, self.y - 10, WIDTH, 10)
        self.w.text(LEFT + 3, self.y - 7.5, _fit(title, True, 7.5, WIDTH - 6), 7.5, bold=True)
        self.y -= 11

    def header_row(self, columns: tuple, size: float = 6.0) -> None:
        self.table_header = None
        self.need(ROW * 2)  # the header never ends a page
        self.table_header = (columns, size)
        w, x, y = self.w, LEFT, self.y
        w.shade(LEFT, y - ROW, WIDTH, ROW, 0.95)
        for title, width, _align in columns:
            w.cell(x, width, y - ROW + 2.5, title, size, bold=True, align="c")
            x += width
        w.hline(LEFT, RIGHT, y - ROW)
        self.y -= ROW

    def row(self, columns: tuple, values: Iterable[str], *, bold: bool = False, shade: bool = False) -> None:
        self.need(ROW)
        w, x, y = self.w, LEFT, self.y
        if shade:
            w.shade(LEFT, y - ROW, WIDTH, ROW, 0.97)
        for (_title, width, align), value in zip(columns, values, strict=True):
            if value:
                w.cell(x, width, y - ROW + 2.4, value, TABLE_SIZE, bold=bold, align=align)
            x += width
        w.hline(LEFT, RIGHT, y - ROW, 0.2)
        self.y -= ROW

    def span_row(self, text: str) -> None:
        """A group heading across the whole table."""
        self.need(ROW)
        self.w.shade(LEFT, self.y - ROW, WIDTH, ROW, 0.97)
        self.w.cell(LEFT, WIDTH, self.y - ROW + 2.4, text, TABLE_SIZE, bold=True)
        self.w.hline(LEFT, RIGHT, self.y - ROW, 0.2)
        self.y -= ROW

    def end_table(self) -> None:
        self.table_header = None
        self.y -= 2

    # sections ---------------------------------------------------------------------------------

    def header(self) -> None:
        self.title()
        self.section("Раздел 1. Сведения о плательщике и исполнителе услуг")
        top = self.y
        left_w, right_x = 318.0, LEFT + 326.0
        y = top
        for text, bold in self.payer_lines(left_w):
            self.w.text(LEFT + 2, y - 7.5, _fit(text, bold, TEXT, left_w), TEXT, bold=bold)
            y -= LEAD
        left_bottom = y
        self.y = min(left_bottom, self.document_box(top, right_x, RIGHT - right_x)) - 2
        self.contacts()

    def title(self) -> None:
        w = self.w
        w.text(PAGE_W / 2, self.y - 11, "ЕДИНЫЙ ПЛАТЁЖНЫЙ ДОКУМЕНТ", 12, bold=True, align="c")
        self.y -= 16
        subtitle = ("Платёжный документ (единый платёжный документ) для внесения платы за содержание и ремонт "
                    "жилого помещения и предоставление коммунальных услуг за " + self.month_text)
        for line in _wrap(subtitle, False, TEXT, WIDTH - 40, 3):
            w.text(PAGE_W / 2, self.y - 7, line, TEXT, align="c")
            self.y -= LEAD

    def persons_text(self) -> str | None:
        c = self.c
        persons = c.get("persons")
        if persons is None and any(p.get("persons") is not None for p in c.get("payees") or ()):
            return "по получателям — в разделе 2"  # the payees charged for different counts
        return f"{persons} чел." if persons is not None else None

    def payer_lines(self, left_w: float) -> list[tuple[str, bool]]:
        """Section 1's left column: the payer, the premise, and the agent as executor (text, bold)."""
        c = self.c
        area = c.get("area")
        agent = c.get("agent") or {}
        left_lines: list[tuple[str, bool]] = [(f"Плательщик: {c.get('payer') or '—'}", True)]
        left_lines += [(line, False) for line in _wrap(f"Адрес помещения: {c.get('address') or '—'}", False, TEXT,
                                                       left_w, 2)]
        left_lines.append((
            f"Площадь помещения: {_number(area, 'area', min_places=2) + ' м²' if area is not None else '—'}    "
            f"Проживает: {self.persons_text() or '—'}", False))
        left_lines += [(line, False) for line in _wrap(
            f"Исполнитель (расчётный центр): {agent.get('name', '—')}, ИНН {agent.get('inn', '—')}, "
            f"КПП {agent.get('kpp', '—')}", False, TEXT, left_w, 2)]
        left_lines += [(line, False) for line in _wrap(
            f"Р/с {agent.get('account', '—')} в {agent.get('bank_name', '—')}, БИК {agent.get('bic', '—')}, "
            f"к/с {agent.get('corr_account', '—')}", False, TEXT, left_w, 2)]
        return left_lines

    def document_box(self, top: float, right_x: float, right_w: float) -> float:
        """Section 1's right column: the period, the document's ids, the due date and the total; its bottom."""
        c, w = self.c, self.w
        totals = c.get("totals") or {}
        y = top
        for text, size, bold in (
            (f"Расчётный период: {self.month_text}", TEXT, False),
            (f"ИПД: {self.ipd}", TEXT, False),
            (f"ЕЛС: {self.els}", 9.0, True),
            (f"Код для подключения в личном кабинете: {link_code(self.els)}", TEXT, False),
            (f"Оплатить до: {_date(c.get('due_date'), 'due_date')}", TEXT, True),
            (f"Версия документа: {c.get('version', 1)}", TEXT, False),
        ):
            w.text(right_x, y - size - 0.5, _fit(text, bold, size, right_w), size, bold=bold)
            y -= size + 1.6
        due = _money(totals.get("amount_due"), "totals.amount_due")
        w.shade(right_x - 3, y - 15, right_w + 3, 14, 0.9)
        w.text(right_x, y - 11, f"ИТОГО К ОПЛАТЕ: {due} руб.", 10, bold=True)
        return y - 17

    def contacts(self) -> None:
        """Each executor's address, phone, e-mail, website and working hours (ПП 354 п.69 «а»)."""
        agent = self.c.get("agent") or {}
        rows = [(f"Расчётный центр {agent.get('name', '')}", agent.get("contacts"))] if agent.get("contacts") else []
        rows += [(str(p.get("name", "")), p.get("contacts")) for p in self.c.get("payees") or () if "contacts" in p]
        if not rows:
            return
        self.need(LEAD * 2)
        self.w.text(LEFT + 2, self.y - 7, "Контакты исполнителей услуг:", TEXT, bold=True)
        self.y -= LEAD
        for name, contacts in rows:
            text = f"{name}: {_contacts_text(contacts or {})}"
            for line in _wrap(text, False, SMALL, WIDTH - 4, 2):
                self.need(SMALL_LEAD)
                self.w.text(LEFT + 2, self.y - 6.5, line, SMALL)
                self.y -= SMALL_LEAD
        self.y -= 2

    def payees(self, codes: dict[str, tuple[int, str]]) -> None:
        c = self.c
        payees = list(c.get("payees") or ())
        blocks: list[tuple] = [("payee", index, payee) for index, payee in enumerate(payees)]
        if AGENT_LABEL in codes:
            blocks.append(("agent", None, c.get("agent") or {}))
        self.section("Раздел 2. Информация для внесения платы получателям платежа", QR_BOX + 8)
        col_w = (WIDTH - 8) / 2
        text_w = col_w - QR_BOX
        for start in range(0, len(blocks), 2):
            pair = [(block, self.payee_lines(block[1], block[2], text_w) if block[0] == "payee"
                     else self.agent_lines(text_w)) for block in blocks[start:start + 2]]
            # a block is as tall as its code, or as its lines when they are more (a long name, every field)
            height = max(QR_BOX + 2, *(8.5 + (len(lines) - 1) * LEAD + 4 for _block, lines in pair))
            self.need(height + 4)
            top = self.y - 2
            for offset, (block, lines) in enumerate(pair):
                x = LEFT + offset * (col_w + 8)
                self.w.box(x, top - height, col_w, height, 0.4)
                self._block_lines(x, top, text_w, lines)
                if block[0] == "payee":
                    self.payee_code(x, top, col_w, block[2], codes)
                else:
                    self._qr_or_note(x, top, col_w, codes[AGENT_LABEL], "")
            self.y = top - height - 4
        for index, payee in enumerate(payees):
            if payee.get("warnings"):
                self.warning_box(index, payee)

    def warning_box(self, index: int, payee: Mapping) -> None:
        """A payee's warnings of ПП 354 п.119 «а» printed in this document (allowed since 2017): a boxed paragraph
        per payee, the 20 days counted from the document's delivery."""
        path = f"payees[{index}].warnings"
        lines = [(_fit(_("Предупреждение (ПП РФ №354 п.119) от %(name)s") % {"name": payee.get("name", "—")}, True,
                       TEXT, WIDTH - 8), True)]
        for n, item in enumerate(payee.get("warnings") or ()):
            text = _("Задолженность по оплате коммунальной услуги «%(service)s» — %(debt)s руб. — превышает сумму двух "
                     "месячных размеров платы, исчисленных исходя из норматива потребления и тарифа (%(norm)s руб. в "
                     "месяц, п.118). В случае непогашения задолженности в течение 20 дней со дня доставки настоящего "
                     "платёжного документа предоставление услуги будет ограничено, а при отсутствии технической "
                     "возможности ограничения — приостановлено.") % {
                "service": item.get("service", "—"), "debt": _money(item.get("debt"), f"{path}[{n}].debt"),
                "norm": _money(item.get("norm_charge"), f"{path}[{n}].norm_charge")}
            lines += [(line, False) for line in _wrap(text, False, TEXT, WIDTH - 8, 6)]
        height = len(lines) * LEAD + 5
        self.need(height + 4)
        top = self.y - 1
        self.w.box(LEFT, top - height, WIDTH, height, 0.9)
        y = top - 8.5
        for text, bold in lines:
            self.w.text(LEFT + 4, y, text, TEXT, bold=bold)
            y -= LEAD
        self.y = top - height - 4

    def _block_lines(self, x: float, top: float, width: float, lines: list[tuple[str, bool]]) -> None:
        y = top - 8.5
        for text, bold in lines:
            self.w.text(x + 3, y, _fit(text, bold, TEXT, width - 6), TEXT, bold=bold)
            y -= LEAD

    def _qr_or_note(self, x: float, top: float, width: float, code: tuple[int, str] | None, note: str) -> None:
        qx = x + width - QR_BOX
        if code is not None:
            self.w.qr(qx, top, QR_BOX, *code)
            return
        y = top - QR_BOX / 2 + 4
        for line in _wrap(note, False, 6.5, QR_BOX - 10, 3):
            self.w.text(qx + QR_BOX / 2, y, line, 6.5, align="c")
            y -= 8

    def payee_lines(self, index: int, payee: Mapping, text_w: float) -> list[tuple[str, bool]]:
        path = f"payees[{index}]"
        due = _money(payee.get("amount_due"), f"{path}.amount_due")
        opening = _money(payee.get("opening"), f"{path}.opening")
        name_lines = _wrap(str(payee.get("name", "—")), True, TEXT, text_w - 6, 2)
        lines = [(line, True) for line in name_lines]
        lines += [
            (f"ИНН {payee.get('inn', '—')}, КПП {payee.get('kpp') or '—'}", False),
            (f"Р/с {payee.get('account', '—')}", False),
            (f"Банк: {payee.get('bank_name', '—')}", False),
            (f"БИК {payee.get('bic', '—')}, к/с {payee.get('corr_account', '—')}", False),
            (f"Лицевой счёт: {payee.get('account_number', '—')}", True),
        ]
        persons = payee.get("persons")
        if persons is not None:  # the count this payee charged for (the header's may differ)
            lines.append((f"Проживает: {persons} чел.", False))
        lines.append((f"К оплате: {due} руб.", True))
        # the balance at the start of the period, a debt or an advance (ПП 354 п.69)
        if _is_zero(opening):
            lines.append(("На начало периода: долга и аванса нет", False))
        elif opening.startswith("-"):
            lines.append((f"Аванс на начало периода: {opening[1:]} руб.", False))
        else:
            lines.append((f"Долг на начало периода: {opening} руб.", False))
        lines.append((f"Последняя оплата: {_date(payee.get('last_payment_date'), f'{path}.last_payment_date')}",
                      False))
        return lines

    def payee_code(self, x: float, top: float, width: float, payee: Mapping,
                   codes: dict[str, tuple[int, str]]) -> None:
        code = codes.get(payee_label(payee.get("principal_id")))
        if payee.get("qr_mode") == "agent_account":
            due_zero = _is_zero(str(payee.get("amount_due") or "0"))
            note = "Оплата по QR-коду расчётного центра (по ЕЛС)" if not due_zero else "Оплата не требуется"
        else:
            note = "Оплата не требуется"
        self._qr_or_note(x, top, width, code, note)

    def agent_lines(self, text_w: float) -> list[tuple[str, bool]]:
        agent = self.c.get("agent") or {}
        payees = [p for p in self.c.get("payees") or () if p.get("qr_mode") == "agent_account"]
        due = _from_kopecks(sum(_kopecks(_money(p.get("amount_due"), "amount_due")) for p in payees))
        lines = [("Оплата через расчётный центр по ЕЛС", True)]
        lines += [(line, True) for line in _wrap(str(agent.get("name", "—")), True, TEXT, text_w - 6, 1)]
        lines += [
            (f"ИНН {agent.get('inn', '—')}, КПП {agent.get('kpp') or '—'}", False),
            (f"Р/с {agent.get('account', '—')}", False),
            (f"Банк: {agent.get('bank_name', '—')}", False),
            (f"БИК {agent.get('bic', '—')}, к/с {agent.get('corr_account', '—')}", False),
            (f"ЕЛС: {self.els}", True),
            (f"К оплате: {due} руб.", True),
            ("За: " + ", ".join(str(p.get("name", "")) for p in payees), False),
        ]
        return lines

    def calculation(self) -> None:
        self.section("Раздел 3. Расчёт размера платы за содержание и ремонт жилого помещения и коммунальные услуги",
                     ROW * 3)
        self.header_row(CALC_COLUMNS)
        keys = ("charged", "recalculated", "benefits", "penalties", "total")
        grand = dict.fromkeys(keys, 0)
        for index, payee in enumerate(self.c.get("payees") or ()):
            path = f"payees[{index}]"
            self.need(ROW * 2)
            self.span_row(f"{payee.get('name', '—')} (ЛС {payee.get('account_number', '—')})")
            sub = dict.fromkeys(keys, 0)
            for n, line in enumerate(payee.get("lines") or ()):
                lp = f"{path}.lines[{n}]"
                money = {k: _money(line.get(k), f"{lp}.{k}") for k in keys}
                for k in keys:
                    sub[k] += _kopecks(money[k])
                if line.get("base_amount") is not None:
                    self.uplift_rows(line, lp, money)
                    continue
                self.row(CALC_COLUMNS, (
                    str(line.get("service", "")), str(line.get("unit", "")), METHODS.get(line.get("method"), ""),
                    _number(line.get("quantity"), f"{lp}.quantity"),
                    _number(line.get("rate"), f"{lp}.rate", min_places=2),
                    _number(line.get("uplift"), f"{lp}.uplift") if line.get("uplift") is not None else "",
                    money["charged"], money["recalculated"], money["benefits"], money["penalties"], money["total"],
                ))
            for k in keys:
                grand[k] += sub[k]
            self.row(CALC_COLUMNS, ("Итого по получателю", "", "", "", "", "",
                                    *(_from_kopecks(sub[k]) for k in keys)), bold=True)
        self.row(CALC_COLUMNS, ("Всего за расчётный период", "", "", "", "", "",
                                *(_from_kopecks(grand[k]) for k in keys)), bold=True, shade=True)
        self.end_table()

    def uplift_rows(self, line: Mapping, lp: str, money: dict[str, str]) -> None:
        """A norm line with the uplift coefficient as two rows (ПП 354 п.69, Приказ № 43/пр): the volume by the
        norm × tariff = the charge by the norm, and the increase from the coefficient as its own amount. The rows'
        amounts add up to the line's (``billing_core.tariffs.uplift_split``)."""
        base = _money(line.get("base_amount"), f"{lp}.base_amount")
        increase = _money(line.get("uplift_amount"), f"{lp}.uplift_amount")
        if _kopecks(base) + _kopecks(increase) != _kopecks(money["charged"]):
            raise RenderError(f"{lp}.uplift_amount", "сумма по нормативу и повышение не равны начисленному")
        other = _kopecks(money["total"]) - _kopecks(money["charged"])
        self.row(CALC_COLUMNS, (
            str(line.get("service", "")), str(line.get("unit", "")), METHODS["norm"],
            _number(line.get("norm_quantity"), f"{lp}.norm_quantity"),
            _number(line.get("rate"), f"{lp}.rate", min_places=2), "",
            base, money["recalculated"], money["benefits"], money["penalties"],
            _from_kopecks(_kopecks(base) + other),
        ))
        self.row(CALC_COLUMNS, (
            "   повышающий коэффициент", "", "", "", "", _number(line.get("uplift"), f"{lp}.uplift"),
            increase, "", "", "", increase,
        ))

    def reference(self) -> None:
        payees = list(self.c.get("payees") or ())
        meters = [(i, n, m) for i, p in enumerate(payees) for n, m in enumerate(p.get("meters") or ())]
        norms = [(p, n) for p in payees for n in p.get("norms") or ()]
        self.section("Раздел 4. Справочная информация: показания приборов учёта и нормативы потребления", ROW * 2)
        if meters:
            self.header_row(METER_COLUMNS)
            for i, n, meter in meters:
                mp = f"payees[{i}].meters[{n}]"
                previous, current = meter.get("previous"), meter.get("current")
                used = ""
                if previous is not None and current is not None:
                    used = _number(_sub_decimal(current, previous, mp), f"{mp}.current")
                self.row(METER_COLUMNS, (
                    str(meter.get("service", "")), str(meter.get("serial", "")), str(meter.get("zone", "")),
                    _number(previous, f"{mp}.previous"), _number(current, f"{mp}.current"), used,
                ))
            self.end_table()
        else:
            self.need(LEAD)
            self.w.text(LEFT + 2, self.y - 7, "Приборы учёта: нет", TEXT)
            self.y -= LEAD
        if norms:
            text = "Нормативы потребления: " + "; ".join(
                f"{n.get('service', '')} — {_number(n.get('value'), 'norms.value')} {n.get('unit', '')}"
                for _p, n in norms)
            for line in _wrap(text, False, TEXT, WIDTH - 4, 4):
                self.need(LEAD)
                self.w.text(LEFT + 2, self.y - 7, line, TEXT)
                self.y -= LEAD

    def common_property(self) -> None:
        """The house's collective-meter volume, its common-property volume and the premise's share and charge
        (ПП 354 п.44; прил.2 формулы 11, 15); «—» where the house has no collective meter (by norm)."""
        rows = [(i, n, item) for i, p in enumerate(self.c.get("payees") or ())
                for n, item in enumerate(p.get("common_property") or ())]
        if not rows:
            self.section("Коммунальные ресурсы на содержание общего имущества: не начислялись")
            return
        self.section("Коммунальные ресурсы на содержание общего имущества", ROW * 2)
        self.header_row(COMMON_PROPERTY_COLUMNS)
        for i, n, item in rows:
            cp = f"payees[{i}].common_property[{n}]"
            self.row(COMMON_PROPERTY_COLUMNS, (
                str(item.get("service", "")), str(item.get("unit", "")),
                _number(item.get("house_volume"), f"{cp}.house_volume"),
                _number(item.get("common_volume"), f"{cp}.common_volume"),
                _number(item.get("premise_volume"), f"{cp}.premise_volume"),
                _money(item.get("charged"), f"{cp}.charged"),
            ))
        self.end_table()

    def recalculations(self) -> None:
        rows = [(p, n, r) for p in self.c.get("payees") or () for n, r in enumerate(p.get("recalculations") or ())]
        self.section("Раздел 5. Сведения о перерасчётах (доначисления +, уменьшения −)", ROW * 2)
        if not rows:
            self.need(LEAD)
            self.w.text(LEFT + 2, self.y - 7, "Перерасчётов нет", TEXT)
            self.y -= LEAD
            return
        self.header_row(RECALC_COLUMNS)
        for payee, n, recalc in rows:
            self.row(RECALC_COLUMNS, (
                str(payee.get("name", "")), str(recalc.get("service", "")), str(recalc.get("reason", "")),
                str(recalc.get("comment", "")), _money(recalc.get("amount"), f"recalculations[{n}].amount"),
            ))
        self.end_table()

    def installments(self) -> None:
        items = list(self.c.get("installments") or ())
        if not items:
            self.section("Раздел 6. Расчёт суммы к оплате с учётом рассрочки платежа: нет")
            return
        self.section("Раздел 6. Расчёт суммы к оплате с учётом рассрочки платежа", LEAD)
        for n, item in enumerate(items):
            self.need(LEAD)
            amount = _money(item.get("amount"), f"installments[{n}].amount") if item.get("amount") else "—"
            interest = _money(item.get("interest"), f"installments[{n}].interest") if item.get("interest") else "—"
            self.w.text(LEFT + 2, self.y - 7, _fit(f"{item.get('service', '')}: сумма в рассрочку {amount} руб., "
                                                   f"проценты {interest} руб.", False, TEXT, WIDTH - 4), TEXT)
            self.y -= LEAD

    def totals(self) -> None:
        totals = self.c.get("totals") or {}
        self.section("Итоги по документу", ROW * 2)
        self.header_row(TOTAL_COLUMNS)
        self.row(TOTAL_COLUMNS, tuple(_money(totals.get(k), f"totals.{k}") for k in (
            "opening", "paid", "charged", "recalculated", "benefits", "penalties", "closing", "amount_due")),
            bold=True)
        self.end_table()

    def draw(self) -> None:
        timings = self.timings
        started = time.thread_time()
        codes: dict[str, tuple[int, str]] = {}
        try:
            payloads = document_qr_payloads(self.c)
        except QrPayloadError as exc:
            raise RenderError(exc.field, exc.message) from exc
        for label, payload in payloads:
            codes[label] = _qr_path(payload, self.qr_data_mask)
        if timings is not None:
            timings["qr"] = timings.get("qr", 0.0) + time.thread_time() - started
            timings["qr_codes"] = timings.get("qr_codes", 0) + len(codes)
        self.start_page()
        self.header()
        self.payees(codes)
        self.calculation()
        self.reference()
        self.common_property()
        self.recalculations()
        self.installments()
        self.totals()
        self.end_page()
        if timings is not None:
            timings["pages"] = timings.get("pages", 0) + self.page


_CONTACT_LABELS = (("address", "адрес: "), ("phone", "тел. "), ("email", "e-mail "), ("website", "сайт "),
                   ("working_hours", "режим работы: "))


@lru_cache(maxsize=1024)
def _contacts_line(values: tuple[str, ...]) -> str:
    parts = [label + value for (_key, label), value in zip(_CONTACT_LABELS, values, strict=True) if value]
    return "; ".join(parts) if parts else "контактные данные не указаны"


def _contacts_text(contacts: Mapping) -> str:
    return _contacts_line(tuple(str(contacts.get(key) or "") for key, _label in _CONTACT_LABELS))


def _kopecks(text: str) -> int:
    return int(text.replace(" ", "").replace(",", ""))


def _from_kopecks(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    kopecks = abs(kopecks)
    return f"{sign}{_group(str(kopecks // 100))},{kopecks % 100:02d}"


def _sub_decimal(current: str, previous: str, field: str) -> str:
    try:
        return str(Decimal(current) - Decimal(previous))
    except InvalidOperation as exc:
        raise RenderError(field, "показание должно быть числом") from exc


# ---------------------------------------------------------------------------------------------
# Entry points


class _FastDeflate(pdfdoc.PDFStreamFilterZCompress):
    """Deflate at level 1: a page stream is ~70 KB of operators (mostly QR rectangles); level 1 takes
    a fifth of the time of the default level 6 for a stream ~30 % bigger (fonts are deflated once
    per process at the default level, see ``_EmbeddedFont``)."""

    def encode(self, text):
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)


_FAST_DEFLATE = _FastDeflate()


@contextmanager
def _fast_page_streams():
    """reportlab reads two process-wide settings while saving: ``useA85`` (ASCII85 on top of deflate,
    in pure Python: it was the slowest step of a page and makes the file 25 % bigger) and the deflate
    filter object. Both are switched only around our own save and restored after it; another
    document saved concurrently in the process would at worst be written without ASCII85 or at
    deflate level 1, which are both valid PDF."""
    previous_a85, previous_deflate = rl_config.useA85, pdfdoc.PDFZCompress
    rl_config.useA85 = 0
    pdfdoc.PDFZCompress = _FAST_DEFLATE
    try:
        yield
    finally:
        rl_config.useA85 = previous_a85
        pdfdoc.PDFZCompress = previous_deflate


def _render(contents: Iterable[Mapping], *, compress_pages: bool, qr_data_mask: int | None,
            timings: dict | None) -> bytes:
    faces = _load_faces()
    started = time.thread_time()
    buffer = io.BytesIO()
    canvas = rl_canvas.Canvas(buffer, pagesize=A4, pageCompression=1 if compress_pages else 0,
                              initialFontName=REGULAR, initialFontSize=TEXT)
    canvas.setTitle("Единый платёжный документ")
    canvas.setCreator("ЖКХ-агент")
    writer = _Writer(canvas, faces)
    count = 0
    for content in contents:
        _Document(writer, content, qr_data_mask, timings).draw()
        count += 1
    if count == 0:
        raise RenderError("contents", "нет документов для печати")
    drawn = time.thread_time()
    with _fast_page_streams():
        canvas.save()
    data = buffer.getvalue()
    if timings is not None:
        timings["draw"] = timings.get("draw", 0.0) + drawn - started
        timings["save"] = timings.get("save", 0.0) + time.thread_time() - drawn
    return data


def render_epd(content: Mapping, *, compress_pages: bool = True, qr_data_mask: int | None = QR_DATA_MASK_DEFAULT,
               timings: dict | None = None) -> bytes:
    """One document's PDF (one page, more when its tables do not fit).

    ``qr_data_mask`` is the QR mask pattern (0-7, ``QR_DATA_MASK_DEFAULT``); ``None`` lets the encoder
    pick it by the standard's penalty rules (slower, see ``QR_DATA_MASK_DEFAULT``).
    ``timings``, when given, accumulates CPU seconds of the rendering thread under ``qr`` (encode
    and image mask), ``draw`` (all drawing, including ``qr``) and ``save`` (serialization and
    compression), and counts ``pages`` and ``qr_codes``.
    """
    return _render((content,), compress_pages=compress_pages, qr_data_mask=qr_data_mask, timings=timings)


def render_batch(contents: Iterable[Mapping], *, compress_pages: bool = True,
                 qr_data_mask: int | None = QR_DATA_MASK_DEFAULT, timings: dict | None = None) -> bytes:
    """Many documents in one PDF (e.g. a house for the print house), each starting on a new page."""
    return _render(contents, compress_pages=compress_pages, qr_data_mask=qr_data_mask, timings=timings)
