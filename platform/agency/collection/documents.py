"""Documents of debt collection as PDFs drawn like the ЕПД (``agency.documents.render``): the п.119 warning letters
as one print batch with the post office's register, the pre-court claim, the court package, the repayment agreement
and its breach notice, the work order and the acts of restriction and of its lifting.

Drawn with the ЕПД's page writer (its embedded, pre-seeded font subsets, the text put in as PDF operators, fast
deflate of page streams), so a letter costs about what an ЕПД page does (``tests/bench/test_warning_letters_bench.py``).
A document is first built as a list of blocks (titles, paragraphs, tables) of plain strings, then drawn: the blocks'
digest names the file, so drawing the same content again writes the same key and reuses its
``tenants.collection.CollectionDocument`` row (the key is an HMAC under the installation's secret, so it cannot be
guessed from the ids in it, like ``storage.new_key``'s random keys).

Every file of a principal is stored under ``collection/<the principal's schema>/``; the rows live in that schema.
The warning letters of a batch share one PDF: the ``CollectionDocument`` of each letter points at its page with a
``#p<page>`` suffix on the key (the key is unique per row); :func:`collection_document_download` strips it.

The court package is ONE PDF of four parts, each from a new page: the application (for a court order, ГПК
ст.121–124, or a lawsuit), the debt calculation by month, the penalty statement and the account statement; it is
recorded as one document of kind ``court_application`` (``lawsuit`` on the lawsuit route).
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas as rl_canvas

from agency.documents import storage
from agency.documents.render import REGULAR, _fast_page_streams, _fit, _load_faces, _Writer
from billing_core import collection as rules
from billing_core.error_codes import ErrorCode
from billing_core.penalties import format_money, format_rate
from billing_core.tabular import xlsx_write
from tenants.billing.models import Balance, PeriodStatus
from tenants.collection.models import (
    Agreement,
    AgreementStatus,
    CollectionDocument,
    CourtCase,
    CourtRoute,
    DocumentKind,
    Restriction,
    RestrictionKind,
    Warning,
    WarningChannel,
)
from tenants.models import Principal

__all__ = [
    "agreement_render", "breach_notice", "claim_render", "collection_document_download", "court_package_render",
    "letters_render", "lift_act_render", "restriction_act_render", "warning_letters_batch", "work_order_render",
]

PAGE_W, PAGE_H = A4
LEFT = 56.7  # 20 mm: a letter has the margins of an office letter, not the ЕПД's 10 mm
RIGHT = PAGE_W - 42.5  # 15 mm
WIDTH = RIGHT - LEFT
TOP = PAGE_H - 42.5
BOTTOM = 48.0
BODY = 10.0
BODY_LEAD = 13.0
SMALL = 8.0
SMALL_LEAD = 10.0
ROW = 12.0
TABLE = 8.0
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLAIM_TERM_DAYS = 10  # the term a claim gives to pay: the product's choice, no statute sets it for housing debts
PAGE_SUFFIX = "#p"

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                   "ноября", "декабря")
MONTHS_NOMINATIVE = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
                     "ноябрь", "декабрь")


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- values ---------------------------------------------------------------------------------------------------------


def money(value: Decimal | None) -> str:
    """Russian style, «1 234,56» (regular spaces, so text search and OCR see them); «—» for none."""
    return "—" if value is None else format_money(value)


def day(value: date | None) -> str:
    return "—" if value is None else value.strftime("%d.%m.%Y")


def day_words(value: date) -> str:
    return f"«{value.day:02d}» {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


def month_text(value: date) -> str:
    return f"{MONTHS_NOMINATIVE[value.month - 1]} {value.year}"


def address_of(premise, *, postal: bool = True) -> str:
    """The premise's postal address, the house's index first (as the post office writes it)."""
    house = premise.house
    building = f", корп. {house.building}" if house.building else ""
    flat = _("кв.") if premise.kind == "flat" else _("пом.")
    parts = [house.postal_code if postal else "", house.region, house.city, house.street,
             f"д. {house.house_number}{building}", f"{flat} {premise.number}"]
    return ", ".join(part for part in parts if part)


# --- the document model: blocks of plain strings ------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    title: str
    width: float  # a share of the text width
    align: str = "l"


Block = tuple  # ("title", text) | ("para", text, size, bold, align) | ("table", cols, rows, bold_last) | ...


class Doc:
    """One document's blocks; ``pages`` are starts of parts that begin on a new page."""

    def __init__(self, footer: str):
        self.footer = footer
        self.blocks: list[Block] = []

    def title(self, text: str, size: float = 12.0) -> Doc:
        self.blocks.append(("para", text, size, True, "c"))
        return self

    def para(self, text: str, *, size: float = BODY, bold: bool = False, align: str = "j") -> Doc:
        self.blocks.append(("para", text, size, bold, align))
        return self

    def right(self, text: str, *, size: float = BODY, bold: bool = False) -> Doc:
        """A block in the right half (the addressee's corner of a letter)."""
        self.blocks.append(("right", text, size, bold))
        return self

    def table(self, cols: Sequence[Col], rows: Iterable[Sequence[str]], *, bold_last: bool = False) -> Doc:
        self.blocks.append(("table", tuple(cols), tuple(tuple(r) for r in rows), bold_last))
        return self

    def box(self, text: str) -> Doc:
        self.blocks.append(("box", text))
        return self

    def space(self, height: float = 6.0) -> Doc:
        self.blocks.append(("space", height))
        return self

    def new_page(self) -> Doc:
        self.blocks.append(("page",))
        return self

    def digest(self) -> bytes:
        return hashlib.sha256(repr((self.footer, self.blocks)).encode()).digest()


class _Flow:
    """Draws blocks top-down on A4 pages with the ЕПД's writer; a table's header repeats on a new page."""

    def __init__(self, canvas: rl_canvas.Canvas):
        self.w = _Writer(canvas, _load_faces())
        self.faces = self.w.faces
        self.page = 0
        self.doc_page = 0
        self.y = TOP
        self.footer = ""
        self.header: tuple | None = None

    # pages

    def start(self, footer: str) -> int:
        """Begin a document on a new page; answers its first page number in the PDF."""
        self.footer = footer
        self.doc_page = 0
        self._page()
        return self.page

    def _page(self) -> None:
        self.page += 1
        self.doc_page += 1
        self.y = TOP
        self.w.text(PAGE_W / 2, 26, _fit(f"{self.footer} · {_('стр.')} {self.doc_page}", False, 7, WIDTH), 7,
                    align="c")

    def finish(self) -> None:
        self.w.flush()
        self.w.canvas.showPage()

    def need(self, height: float) -> None:
        if self.y - height >= BOTTOM:
            return
        self.finish()
        self._page()
        if self.header is not None:
            self._header_row(*self.header)

    # text

    def width(self, text: str, size: float, bold: bool) -> float:
        return self.w.width(text, size, bold)

    def lines(self, text: str, size: float, bold: bool, width: float) -> list[str]:
        """Greedy word wrap; each word's width is the writer's cached one, a line's the sum (no re-measuring)."""
        face = self.faces["EpdSourceSansPro-Bold" if bold else REGULAR]
        space = face.width(" ", size)
        out: list[str] = []
        for paragraph in text.split("\n"):
            current: list[str] = []
            used = 0.0
            for word in paragraph.split():
                wide = face.width(word, size)
                if current and used + space + wide > width:
                    out.append(" ".join(current))
                    current, used = [word], wide
                else:
                    used += (space if current else 0.0) + wide
                    current.append(word)
            out.append(" ".join(current))
        return out

    def para(self, text: str, size: float, bold: bool, align: str, x: float = LEFT, width: float = WIDTH) -> None:
        lead = size * 1.3
        lines = self.lines(text, size, bold, width)
        for n, line in enumerate(lines):
            self.need(lead)
            if align == "c":
                self.w.text(x + width / 2, self.y - size, line, size, bold=bold, align="c")
            elif align == "j" and n < len(lines) - 1 and " " in line:
                self._justified(x, width, line, size, bold)
            else:
                self.w.text(x, self.y - size, line, size, bold=bold)
            self.y -= lead
        self.y -= size * 0.35

    def _justified(self, x: float, width: float, line: str, size: float, bold: bool) -> None:
        words = line.split(" ")
        natural = sum(self.width(word, size, bold) for word in words)
        gap = (width - natural) / (len(words) - 1)
        if gap > size * 0.9:  # a very sparse line reads better ragged
            self.w.text(x, self.y - size, line, size, bold=bold)
            return
        for word in words:
            self.w.text(x, self.y - size, word, size, bold=bold)
            x += self.width(word, size, bold) + gap

    def right(self, text: str, size: float, bold: bool) -> None:
        x = LEFT + WIDTH * 0.52
        self.para(text, size, bold, "l", x=x, width=RIGHT - x)

    def box(self, text: str) -> None:
        lines = self.lines(text, BODY, False, WIDTH - 12)
        height = len(lines) * BODY_LEAD + 10
        self.need(height)
        self.w.box(LEFT, self.y - height, WIDTH, height, 0.8)
        y = self.y - 5
        for line in lines:
            self.w.text(LEFT + 6, y - BODY, line, BODY)
            y -= BODY_LEAD
        self.y -= height + 6

    # tables

    def _xs(self, cols: Sequence[Col]) -> list[tuple[float, float]]:
        total = sum(col.width for col in cols)
        out, x = [], LEFT
        for col in cols:
            width = WIDTH * col.width / total
            out.append((x, width))
            x += width
        return out

    def _header_row(self, cols: Sequence[Col], spans: list[tuple[float, float]]) -> None:
        titles = [self.lines(col.title, TABLE - 0.5, True, width - 3) for col, (_x, width) in zip(cols, spans,
                                                                                                   strict=True)]
        height = max(map(len, titles)) * (TABLE + 1) + 5
        self.header = None
        self.need(height + ROW)
        self.header = (cols, spans)
        self.w.shade(LEFT, self.y - height, WIDTH, height, 0.92)
        for lines, (x, width) in zip(titles, spans, strict=True):
            y = self.y - TABLE - 1.5
            for line in lines:
                self.w.text(x + width / 2, y, line, TABLE - 0.5, bold=True, align="c")
                y -= TABLE + 1
            self.w.vline(x, self.y, self.y - height, 0.3)
        self.w.vline(RIGHT, self.y, self.y - height, 0.3)
        self.w.hline(LEFT, RIGHT, self.y, 0.5)
        self.w.hline(LEFT, RIGHT, self.y - height, 0.5)
        self.y -= height

    def table(self, cols: Sequence[Col], rows: Sequence[Sequence[str]], bold_last: bool) -> None:
        spans = self._xs(cols)
        self._header_row(cols, spans)
        for n, row in enumerate(rows):
            bold = bold_last and n == len(rows) - 1
            self.need(ROW)
            for col, (x, width), value in zip(cols, spans, row, strict=True):
                if value:
                    self.w.cell(x, width, self.y - ROW + 3.5, value, TABLE, bold=bold, align=col.align)
                self.w.vline(x, self.y, self.y - ROW, 0.3)
            self.w.vline(RIGHT, self.y, self.y - ROW, 0.3)
            self.w.hline(LEFT, RIGHT, self.y - ROW, 0.3)
            self.y -= ROW
        self.header = None
        self.y -= 8

    # a whole document

    def draw(self, doc: Doc) -> int:
        first = self.start(doc.footer)
        for block in doc.blocks:
            kind = block[0]
            if kind == "para":
                self.para(*block[1:])
            elif kind == "right":
                self.right(*block[1:])
            elif kind == "table":
                self.table(*block[1:])
            elif kind == "box":
                self.box(block[1])
            elif kind == "space":
                self.y -= block[1]
            elif kind == "page":
                self.finish()
                self._page()
        self.finish()
        return first


def pdf_of(docs: Iterable[Doc], *, title: str, timings: dict | None = None) -> tuple[bytes, list[int]]:
    """Many documents in one PDF, each from a new page; answers the bytes and each document's first page."""
    _load_faces()  # registered before the canvas names its initial font
    buffer = io.BytesIO()
    canvas = rl_canvas.Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=REGULAR, initialFontSize=BODY)
    canvas.setTitle(title)
    canvas.setCreator("ЖКХ-агент")
    flow = _Flow(canvas)
    firsts = [flow.draw(doc) for doc in docs]
    if not firsts:
        raise _refuse("documents", _("Нет документов для печати."), ErrorCode.REQUIRED)
    with _fast_page_streams():
        canvas.save()
    if timings is not None:
        timings["pages"] = timings.get("pages", 0) + flow.page
    return buffer.getvalue(), firsts


# --- storage --------------------------------------------------------------------------------------------------------


def _schema() -> str:
    schema = connection.schema_name
    if schema == get_public_schema_name():
        raise RuntimeError("collection documents are drawn in a principal's schema")
    return schema


def _principal() -> Principal:
    return Principal.objects.get(schema_name=_schema())


def prefix_of(schema_name: str) -> str:
    """Where a principal's collection files live: never another principal's folder."""
    return f"collection/{storage.key_check(schema_name)}/"


def _key(kind: str, on: date, material: bytes, ext: str) -> str:
    """``collection/<schema>/<kind>/<yyyy-mm>/<hmac>.<ext>``: the same material gives the same key."""
    schema = _schema()
    mac = hmac.new(settings.SECRET_KEY.encode(), b"collection-document|" + schema.encode() + b"|" + material,
                   hashlib.sha256).hexdigest()[:40]
    return storage.key_check(f"{prefix_of(schema)}{kind.replace('_', '-')}/{on:%Y-%m}/{mac}.{ext}")


def collection_document_download(document: CollectionDocument, *, seconds: int | None = None) -> str:
    """A short-lived link to the document's file (a letter of a batch: the batch's PDF; its page is in the title)."""
    key = document.file_key.split(PAGE_SUFFIX, 1)[0]
    extension = key.rsplit(".", 1)[-1]
    name = f"{document.get_kind_display()} {document.pk}.{extension}".replace("/", "-")
    return storage.download_url(key, name, seconds)


def _store(doc: Doc, *, kind: str, title: str, account_id: int, on: date, **links) -> CollectionDocument:
    """One document drawn, stored and recorded; drawing the same blocks again rewrites the same key and row."""
    key = _key(kind, on, f"{kind}|{sorted(links.items())!r}|".encode() + doc.digest(), "pdf")
    existing = CollectionDocument.objects.filter(file_key=key).first()
    if existing is not None:
        return existing
    data, _firsts = pdf_of([doc], title=title)
    storage.put(key, data, PDF)
    document, _created = CollectionDocument.objects.update_or_create(
        file_key=key, defaults={"account_id": account_id, "kind": kind, "title": title[:300], "size": len(data),
                                **links})
    return document


# --- the parties --------------------------------------------------------------------------------------------------


def _sender(doc: Doc, p: Principal) -> None:
    doc.para(p.legal_name or p.short_name, size=BODY, bold=True, align="l")
    lines = [_("ИНН %(inn)s, КПП %(kpp)s, ОГРН %(ogrn)s") % {"inn": p.inn, "kpp": p.kpp, "ogrn": p.ogrn}]
    contacts = [value for value in (p.address, p.phone and _("тел. %(v)s") % {"v": p.phone},
                                    p.email and _("e-mail %(v)s") % {"v": p.email}) if value]
    if contacts:
        lines.append(", ".join(contacts))
    doc.para("\n".join(lines), size=SMALL, align="l")


def _requisites(p: Principal) -> str:
    return _("ИНН %(inn)s, КПП %(kpp)s, ОГРН %(ogrn)s, р/с %(acc)s в %(bank)s, БИК %(bic)s, к/с %(corr)s") % {
        "inn": p.inn, "kpp": p.kpp, "ogrn": p.ogrn, "acc": p.settlement_account, "bank": p.bank_name,
        "bic": p.bic, "corr": p.correspondent_account}


def _signature(doc: Doc, p: Principal, on: date) -> None:
    doc.space(14)
    doc.para(_("%(name)s") % {"name": p.short_name}, align="l")
    doc.para(_("Уполномоченное лицо ____________________ / ____________________ /"), align="l")
    doc.para(day(on), size=SMALL, align="l")


# --- 1. the warning letters of п.119 «а» -------------------------------------------------------------------------


def _letter(w: Warning, p: Principal) -> Doc:
    account = w.account
    premise = account.premise
    address = address_of(premise)
    els = account.unified_account.number if account.unified_account_id else "—"
    threshold = 2 * w.norm_charge
    months = rules.months_of_norm(w.debt, w.norm_charge) if w.norm_charge > 0 else None
    number = f"П-{w.month:%Y%m}-{w.pk}"
    doc = Doc(_("Предупреждение № %(n)s · ЛС %(acc)s · %(p)s") % {"n": number, "acc": account.number,
                                                                "p": p.short_name})
    _sender(doc, p)
    doc.space(10)
    doc.right(account.payer_name, bold=True)
    doc.right(address)
    doc.space(14)
    doc.title(_("ПРЕДУПРЕЖДЕНИЕ"))
    doc.title(_("об ограничении (приостановлении) предоставления коммунальной услуги"), size=BODY + 1)
    doc.para(_("№ %(n)s от %(d)s") % {"n": number, "d": day(w.issued_on)}, align="c")
    doc.space(6)
    doc.para(_("Уважаемый(ая) %(payer)s!") % {"payer": account.payer_name}, bold=True, align="c")
    doc.para(_(
        "По лицевому счёту № %(acc)s (ЕЛС %(els)s) по адресу: %(addr)s имеется задолженность по оплате "
        "коммунальной услуги «%(service)s» в размере %(debt)s руб. Задолженность превышает сумму двух месячных "
        "размеров платы за эту услугу, исчисленных исходя из норматива потребления и тарифа (%(norm)s руб. в "
        "месяц, два месяца — %(threshold)s руб.; п.118 Правил, утв. постановлением Правительства РФ от 06.05.2011 "
        "№ 354).") % {"acc": account.number, "els": els, "addr": address, "service": w.service.name,
                      "debt": money(w.debt), "norm": money(w.norm_charge), "threshold": money(threshold)})
    doc.box(_(
        "В соответствии с подпунктом «а» пункта 119 Правил предупреждаем: в случае непогашения задолженности в "
        "течение 20 дней со дня доставки настоящего предупреждения предоставление коммунальной услуги "
        "«%(service)s» будет ограничено, а при отсутствии технической возможности введения ограничения — "
        "приостановлено без предварительного введения ограничения. Расходы исполнителя на введение ограничения, "
        "приостановление и возобновление предоставления услуги подлежат возмещению потребителем (п.121(1) "
        "Правил).") % {"service": w.service.name})
    doc.table((Col(_("Услуга"), 34), Col(_("Задолженность, руб."), 20, "r"),
               Col(_("Плата по нормативу за месяц, руб."), 24, "r"), Col(_("Долг в месячных начислениях"), 22, "r")),
              [(w.service.name, money(w.debt), money(w.norm_charge),
                str(months).replace(".", ",") if months is not None else "—")])
    doc.para(_(
        "Просим погасить задолженность или заключить соглашение о её погашении, обратившись к исполнителю. "
        "Сведения о задолженности и реквизиты для оплаты — в едином платёжном документе и у исполнителя: "
        "%(contacts)s.") % {"contacts": ", ".join(v for v in (p.address, p.phone, p.email) if v) or p.short_name})
    doc.para(_("Исполнитель: %(name)s, %(req)s.") % {"name": p.legal_name or p.short_name, "req": _requisites(p)},
             size=SMALL)
    _signature(doc, p, w.issued_on)
    return doc


def _warnings_for_letters(warning_ids: Sequence[int]) -> list[Warning]:
    warnings = list(
        Warning.objects.filter(pk__in=warning_ids)
        .select_related("account__premise__house", "account__unified_account", "service")
        .order_by("account__premise__house__postal_code", "account__premise__house_id", "account__number", "pk"))
    missing = set(warning_ids) - {w.pk for w in warnings}
    if missing:
        raise _refuse("warningIds", _("Предупреждения не найдены: %(ids)s.") % {
            "ids": ", ".join(map(str, sorted(missing)))}, ErrorCode.NOT_FOUND)
    in_epd = [w.pk for w in warnings if w.channel == WarningChannel.EPD]
    if in_epd:
        raise _refuse("warningIds", _("Предупреждения в ЕПД печатаются в едином платёжном документе, не письмом: "
                                      "%(ids)s.") % {"ids": ", ".join(map(str, in_epd))}, ErrorCode.INVALID)
    return warnings


def post_register_rows(warnings: Sequence[Warning], p: Principal, on: date) -> list[list]:
    """The register's rows: a title, the header and one row per registered letter (not those handed over against
    signature)."""
    rows: list[list] = [
        [_("Список внутренних почтовых отправлений № ____ от %(d)s") % {"d": day(on)}],
        [_("Отправитель: %(name)s, %(addr)s") % {"name": p.legal_name or p.short_name, "addr": p.address or "—"}],
        [_("№ п/п"), _("Адресат"), _("Адрес (с почтовым индексом)"), _("Индекс"), _("Лицевой счёт"), _("ЕЛС"),
         _("Вид отправления"), _("Масса, г"), _("Объявленная ценность, руб."), _("Почтовый идентификатор"),
         _("Примечание")],
    ]
    registered = [w for w in warnings if w.channel == WarningChannel.REGISTERED_LETTER]
    for n, w in enumerate(registered, start=1):
        account = w.account
        rows.append([
            n, account.payer_name, address_of(account.premise), account.premise.house.postal_code or "",
            account.number, account.unified_account.number if account.unified_account_id else "",
            _("Заказное письмо"), None, None, "",
            _("Предупреждение № %(n)s") % {"n": f"П-{w.month:%Y%m}-{w.pk}"},
        ])
    return rows


def letters_render(warnings: Iterable[Warning], principal: Principal, *,
                   timings: dict | None = None) -> tuple[bytes, list[int]]:
    """The letters of ``warnings`` (with their account, premise, house, ЕЛС and service loaded) in one PDF; answers
    the bytes and each letter's first page. No database access: the benchmark draws unsaved rows."""
    return pdf_of((_letter(w, principal) for w in warnings), title=_("Предупреждения об ограничении коммунальных "
                                                                      "услуг"), timings=timings)


def warning_letters_batch(*, schema_name: str, warning_ids: list[int], month: date,
                          on: date | None = None) -> list[str]:
    """One PDF print batch of the п.119 «а» warning letters (a page per letter) and the post office's register
    (XLSX, «Список внутренних почтовых отправлений»): answers ``[pdf key, xlsx key]``.

    The register follows the columns of the Russian Post's form 103 (список внутренних почтовых отправлений) as far
    as the product knows them [check: the exact column set of ф.103 and of the operator's electronic form is not
    confirmed here]: № п/п, addressee, address with the postal code, account, kind of item, mass and declared value
    (left for the post office), the postal id (empty, for the operator to fill when the letters are accepted), a note.

    Idempotent: the keys are derived from the principal, the month and the sorted ids, so the same warnings batched
    again name the same files; when their rows already exist, nothing is drawn again (the stored batch is the one
    that was printed). Each letter gets a ``CollectionDocument`` (kind ``warning_letter``) whose key is the batch's
    with ``#p<page>``.
    """
    ids = sorted(set(warning_ids))
    if not ids:
        raise _refuse("warningIds", _("Не выбраны предупреждения."), ErrorCode.REQUIRED)
    month = month.replace(day=1)
    with schema_context(schema_name):
        material = f"warning-letters|{month.isoformat()}|{','.join(map(str, ids))}".encode()
        pdf_key = _key(DocumentKind.WARNING_LETTER, month, material, "pdf")
        xlsx_key = pdf_key[:-len("pdf")] + "xlsx"
        done = CollectionDocument.objects.filter(file_key__startswith=pdf_key + PAGE_SUFFIX).count()
        if done == len(ids):
            return [pdf_key, xlsx_key]
        warnings = _warnings_for_letters(ids)
        principal = _principal()
        on = on or timezone.localdate()
        data, firsts = letters_render(warnings, principal)
        register = xlsx_write(post_register_rows(warnings, principal, on),
                              sheet_name=_("Список отправлений"), widths=(6, 30, 60, 9, 14, 12, 16, 9, 12, 22, 24),
                              freeze_rows=3)
        storage.put(pdf_key, data, PDF)
        storage.put(xlsx_key, register, XLSX)
        _letter_rows(warnings, firsts, pdf_key, len(data), month)
    return [pdf_key, xlsx_key]


@transaction.atomic
def _letter_rows(warnings: Sequence[Warning], firsts: Sequence[int], pdf_key: str, size: int, month: date) -> None:
    rows = [CollectionDocument(
        account_id=w.account_id, kind=DocumentKind.WARNING_LETTER, warning=w, size=size,
        file_key=f"{pdf_key}{PAGE_SUFFIX}{page}",
        title=(_("Предупреждение об ограничении: %(service)s, ЛС %(acc)s (пакет за %(month)s, стр. %(page)s)")
               % {"service": w.service.name, "acc": w.account.number, "month": month_text(month), "page": page})[:300],
    ) for w, page in zip(warnings, firsts, strict=True)]
    CollectionDocument.objects.bulk_create(rows, update_conflicts=True, unique_fields=["file_key"],
                                           update_fields=["title", "size", "account", "warning"])


# --- 2. court work ---------------------------------------------------------------------------------------------------


def _payer_line(account) -> str:
    return _("%(payer)s, лицевой счёт № %(acc)s, адрес: %(addr)s") % {
        "payer": account.payer_name, "acc": account.number, "addr": address_of(account.premise)}


def _case_account(case: CourtCase):
    return type(case.account).objects.select_related("premise__house", "unified_account").get(pk=case.account_id)


def claim_render(case: CourtCase, *, on: date | None = None) -> CollectionDocument:
    """The pre-court claim (досудебная претензия): the debt, its period, the penalties, a term to pay and what
    follows when it is not paid."""
    on = on or case.calculated_on
    p = _principal()
    account = _case_account(case)
    total = case.principal_debt + case.penalties
    doc = Doc(_("Претензия по делу %(n)s · ЛС %(acc)s · %(p)s") % {"n": case.number, "acc": account.number,
                                                                  "p": p.short_name})
    _sender(doc, p)
    doc.space(8)
    doc.right(account.payer_name, bold=True)
    doc.right(address_of(account.premise))
    doc.space(12)
    doc.title(_("ДОСУДЕБНАЯ ПРЕТЕНЗИЯ"))
    doc.title(_("о погашении задолженности по оплате жилого помещения и коммунальных услуг"), size=BODY + 1)
    doc.para(_("№ %(n)s от %(d)s") % {"n": case.number, "d": day(on)}, align="c")
    doc.space(6)
    doc.para(_(
        "По лицевому счёту № %(acc)s по адресу: %(addr)s за период с %(from)s по %(to)s не внесена плата за жилое "
        "помещение и коммунальные услуги (ЖК РФ ст.153, 155). Основной долг составляет %(debt)s руб.; пени за "
        "просрочку оплаты (ЖК РФ ст.155 ч.14), рассчитанные на %(calc)s, — %(pen)s руб.; всего %(total)s руб.") % {
        "acc": account.number, "addr": address_of(account.premise), "from": day(case.period_from),
        "to": day(_month_end(case.period_to)), "debt": money(case.principal_debt), "calc": day(case.calculated_on),
        "pen": money(case.penalties), "total": money(total)})
    doc.table((Col(_("Основной долг, руб."), 1, "r"), Col(_("Пени, руб."), 1, "r"), Col(_("Всего, руб."), 1, "r")),
              [(money(case.principal_debt), money(case.penalties), money(total))])
    doc.para(_("Предлагаем погасить задолженность в течение %(days)s дней со дня получения настоящей претензии, до "
               "%(due)s, по реквизитам: %(name)s, %(req)s, или заключить соглашение о погашении задолженности в "
               "рассрочку.") % {"days": CLAIM_TERM_DAYS, "due": day(on + _days(CLAIM_TERM_DAYS)),
                                "name": p.legal_name or p.short_name, "req": _requisites(p)})
    doc.para(_("Если задолженность не будет погашена в этот срок, мы обратимся в суд с заявлением о вынесении "
               "судебного приказа (ГПК РФ ст.121–124) или с исковым заявлением; с вас будут взысканы также пени по "
               "день фактической оплаты, расходы по уплате государственной пошлины и иные судебные расходы. "
               "Предоставление коммунальных услуг может быть ограничено или приостановлено в порядке пп.117–119 "
               "Правил, утв. постановлением Правительства РФ от 06.05.2011 № 354."))
    _signature(doc, p, on)
    return _store(doc, kind=DocumentKind.CLAIM, title=_("Досудебная претензия по делу %(n)s") % {"n": case.number},
                  account_id=case.account_id, on=on, case=case)


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _month_end(month: date | None) -> date | None:
    if month is None:
        return None
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return nxt - _days(1)


DEBTOR_ID_LABELS = (("birth_date", "дата рождения"), ("birth_place", "место рождения"), ("snils", "СНИЛС"),
                    ("inn", "ИНН"), ("passport", "паспорт"), ("driver_license", "водительское удостоверение"))


def _debtor_ids_text(ids: dict) -> str:
    """The identifiers of 229-ФЗ ст.13 ч.1 п.5 «а» that are known; ГПК ст.124 ч.2 п.3 lets the claimant say the
    others are unknown to it."""
    known = [f"{_(label)}: {ids[key]}" for key, label in DEBTOR_ID_LABELS if ids.get(key)]
    unknown = [_(label) for key, label in DEBTOR_ID_LABELS if not ids.get(key)]
    text = "; ".join(known) if known else ""
    if unknown:
        text += ("; " if text else "") + _("не известны взыскателю: %(list)s") % {"list": ", ".join(unknown)}
    return text


def _balances(case: CourtCase) -> list[dict]:
    """The account's posted periods up to the case's, per month: one aggregate query over ``Balance``."""
    return list(
        Balance.objects.filter(account_id=case.account_id, period__status=PeriodStatus.POSTED,
                               period__month__lte=case.period_to or case.calculated_on)
        .values("period__month")
        .annotate(opening=Sum("opening"), charged=Sum("charged"), recalculated=Sum("recalculated"),
                  benefits=Sum("benefits"), penalties=Sum("penalties"), paid=Sum("paid"), closing=Sum("closing"))
        .order_by("period__month"))


def _application(doc: Doc, case: CourtCase, p: Principal, account) -> None:
    lawsuit = case.route == CourtRoute.LAWSUIT
    total = case.principal_debt + case.penalties
    doc.right(_("В %(court)s") % {"court": case.court_name or _("________________________________ (суд по месту "
                                                                "жительства должника)")})
    doc.right(_("Взыскатель (истец): %(name)s, адрес: %(addr)s; %(req)s; тел. %(phone)s, e-mail %(email)s") % {
        "name": p.legal_name or p.short_name, "addr": p.address or "—", "req": _requisites(p),
        "phone": p.phone or "—", "email": p.email or "—"}, size=SMALL)
    doc.right(_("Должник (ответчик): %(payer)s, адрес: %(addr)s; %(ids)s") % {
        "payer": account.payer_name, "addr": address_of(account.premise), "ids": _debtor_ids_text(case.debtor_ids)},
        size=SMALL)
    doc.right(_("Сумма требований: %(total)s руб.; государственная пошлина: %(fee)s руб.") % {
        "total": money(total), "fee": money(case.state_fee)}, size=SMALL)
    doc.space(8)
    if lawsuit:
        doc.title(_("ИСКОВОЕ ЗАЯВЛЕНИЕ"))
        doc.title(_("о взыскании задолженности по оплате жилого помещения и коммунальных услуг"), size=BODY + 1)
    else:
        doc.title(_("ЗАЯВЛЕНИЕ"))
        doc.title(_("о вынесении судебного приказа"), size=BODY + 1)
    doc.space(4)
    doc.para(_(
        "Должник пользуется жилым помещением по адресу: %(addr)s (лицевой счёт № %(acc)s) и в силу ЖК РФ ст.153, "
        "155 обязан своевременно и полностью вносить плату за жилое помещение и коммунальные услуги. За период с "
        "%(from)s по %(to)s плата не внесена; основной долг составляет %(debt)s руб. (расчёт задолженности по "
        "месяцам прилагается). На сумму долга начислены пени по ЖК РФ ст.155 ч.14, рассчитанные на %(calc)s, — "
        "%(pen)s руб. (расчёт пеней прилагается).") % {
        "addr": address_of(account.premise), "acc": account.number, "from": day(case.period_from),
        "to": day(_month_end(case.period_to)), "debt": money(case.principal_debt), "calc": day(case.calculated_on),
        "pen": money(case.penalties)})
    doc.para(_("Взыскателем уплачена государственная пошлина в размере %(fee)s руб. (НК РФ ст.333.19; %(src)s).") % {
        "fee": money(case.state_fee), "src": case.fee_source})
    if lawsuit:
        doc.para(_("На основании изложенного, руководствуясь ГПК РФ ст.131, 132, прошу взыскать с ответчика в "
                   "пользу истца:"))
    else:
        doc.para(_("Требование основано на ЖК РФ ст.153, 155 и не превышает %(limit)s руб.; на основании изложенного, "
                   "руководствуясь ГПК РФ ст.121–124, прошу вынести судебный приказ о взыскании с должника в пользу "
                   "взыскателя:") % {"limit": money(rules.COURT_ORDER_LIMIT)})
    doc.table((Col(_("Требование"), 60), Col(_("Сумма, руб."), 20, "r")), [
        (_("Задолженность за период с %(from)s по %(to)s") % {"from": day(case.period_from),
                                                             "to": day(_month_end(case.period_to))},
         money(case.principal_debt)),
        (_("Пени на %(d)s") % {"d": day(case.calculated_on)}, money(case.penalties)),
        (_("Расходы по уплате государственной пошлины"), money(case.state_fee)),
        (_("Итого"), money(total + case.state_fee)),
    ], bold_last=True)
    doc.para(_("Приложения: 1) расчёт задолженности по месяцам; 2) расчёт пеней; 3) выписка по лицевому счёту; "
               "4) документ об уплате государственной пошлины; 5) документ, подтверждающий полномочия "
               "представителя."), size=SMALL)
    _signature(doc, p, case.calculated_on)


def _calculation(doc: Doc, case: CourtCase, rows: list[dict]) -> None:
    doc.title(_("РАСЧЁТ ЗАДОЛЖЕННОСТИ ПО МЕСЯЦАМ"))
    doc.para(_("по делу %(n)s, по проведённым расчётным периодам с %(from)s по %(to)s") % {
        "n": case.number, "from": month_text(case.period_from), "to": month_text(case.period_to)}, align="c")
    zero = Decimal("0.00")
    body, charged_total, paid_total = [], zero, zero
    for row in rows:
        if row["period__month"] < case.period_from:
            continue
        charged = row["charged"] + row["recalculated"] - row["benefits"]
        charged_total += charged
        paid_total += row["paid"]
        body.append((month_text(row["period__month"]), money(charged), money(row["paid"]),
                     money(row["closing"])))
    body.append((_("Итого"), money(charged_total), money(paid_total), money(rows[-1]["closing"] if rows else zero)))
    doc.table((Col(_("Месяц"), 30), Col(_("Начислено (с перерасчётами и льготами), руб."), 30, "r"),
               Col(_("Оплачено, руб."), 20, "r"), Col(_("Долг на конец месяца, руб."), 20, "r")), body,
              bold_last=True)
    doc.para(_("Основной долг по делу: %(debt)s руб.") % {"debt": money(case.principal_debt)}, bold=True, align="l")


def _penalties(doc: Doc, case: CourtCase, account) -> None:
    from tenants.penalties.statement import penalty_statement

    statement = penalty_statement(account=account, as_of=case.calculated_on)
    doc.title(_("РАСЧЁТ ПЕНЕЙ"))
    doc.para(_("по ЖК РФ ст.155 ч.14 на %(d)s, лицевой счёт № %(acc)s") % {"d": day(case.calculated_on),
                                                                          "acc": account.number}, align="c")
    body = [(month_text(r.period), money(r.debt), day(r.date_from), day(r.date_to), str(r.days),
             f"{r.band} × {format_rate(r.rate)}" if r.rate is not None else r.band, r.formula, money(r.amount))
            for r in statement.rows]
    body.append((_("Итого"), "", "", "", "", "", "", money(statement.total)))
    doc.table((Col(_("Период"), 11), Col(_("Долг, руб."), 10, "r"), Col(_("С"), 9, "c"), Col(_("По"), 9, "c"),
               Col(_("Дней"), 5, "r"), Col(_("Доля × ставка"), 12, "c"), Col(_("Формула"), 30),
               Col(_("Пени, руб."), 10, "r")), body, bold_last=True)
    doc.para(statement.payment_day_rule, size=SMALL)


def _statement(doc: Doc, case: CourtCase, rows: list[dict], account) -> None:
    doc.title(_("ВЫПИСКА ПО ЛИЦЕВОМУ СЧЁТУ"))
    doc.para(_("№ %(acc)s, %(payer)s, %(addr)s") % {"acc": account.number, "payer": account.payer_name,
                                                   "addr": address_of(account.premise)}, align="c")
    doc.table((Col(_("Период"), 16), Col(_("Сальдо на начало"), 14, "r"), Col(_("Начислено"), 12, "r"),
               Col(_("Перерасчёт"), 12, "r"), Col(_("Льготы"), 11, "r"), Col(_("Пени"), 10, "r"),
               Col(_("Оплачено"), 12, "r"), Col(_("Сальдо на конец"), 14, "r")),
              [(month_text(r["period__month"]), money(r["opening"]), money(r["charged"]), money(r["recalculated"]),
                money(r["benefits"]), money(r["penalties"]), money(r["paid"]), money(r["closing"])) for r in rows])


def court_package_render(case: CourtCase) -> CollectionDocument:
    """The court package as ONE PDF of four parts, each from a new page: the application for a court order (ГПК
    ст.121–124; «Исковое заявление» on the lawsuit route), the debt calculation by month, the penalty statement
    (``tenants.penalties.statement``) and the account statement. Refused (CALCULATION_MISSING) without a posted
    period of the account up to the case's."""
    rows = _balances(case)
    if not rows:
        raise _refuse("case", _("По лицевому счёту нет проведённого расчётного периода: пакет документов для суда "
                                "построить не из чего."), ErrorCode.CALCULATION_MISSING)
    p = _principal()
    account = _case_account(case)
    lawsuit = case.route == CourtRoute.LAWSUIT
    name = _("Исковое заявление") if lawsuit else _("Заявление о вынесении судебного приказа")
    doc = Doc(_("%(name)s · дело %(n)s · ЛС %(acc)s") % {"name": name, "n": case.number, "acc": account.number})
    _application(doc, case, p, account)
    doc.new_page()
    _calculation(doc, case, rows)
    doc.new_page()
    _penalties(doc, case, account)
    doc.new_page()
    _statement(doc, case, rows, account)
    kind = DocumentKind.LAWSUIT if lawsuit else DocumentKind.COURT_APPLICATION
    return _store(doc, kind=kind, title=_("%(name)s с расчётами, дело %(n)s") % {"name": name, "n": case.number},
                  account_id=case.account_id, on=case.calculated_on, case=case)


# --- agreements -----------------------------------------------------------------------------------------------------


def _agreement_account(agreement: Agreement):
    return type(agreement.account).objects.select_related("premise__house", "unified_account").get(
        pk=agreement.account_id)


def agreement_render(agreement: Agreement, *, on: date | None = None) -> CollectionDocument:
    """The repayment agreement with its schedule, for signing."""
    schedule = list(agreement.installments.order_by("seq").values_list("seq", "due_on", "amount"))
    if not schedule or agreement.total is None:
        raise _refuse("agreement", _("У соглашения нет графика платежей: сначала подготовьте его."),
                      ErrorCode.COLLECTION_STATE)
    on = on or agreement.signed_on or timezone.localdate()
    p = _principal()
    account = _agreement_account(agreement)
    doc = Doc(_("Соглашение № %(n)s · ЛС %(acc)s · %(p)s") % {"n": agreement.number, "acc": account.number,
                                                             "p": p.short_name})
    doc.title(_("СОГЛАШЕНИЕ № %(n)s") % {"n": agreement.number})
    doc.title(_("о погашении задолженности по оплате жилого помещения и коммунальных услуг"), size=BODY + 1)
    doc.para(day_words(on), align="l")
    doc.para(_("%(name)s (%(req)s), далее «Исполнитель», и %(payer)s, далее «Потребитель», заключили настоящее "
               "соглашение о следующем.") % {"name": p.legal_name or p.short_name, "req": _requisites(p),
                                             "payer": _payer_line(account)})
    doc.para(_("1. Потребитель признаёт задолженность по лицевому счёту № %(acc)s в размере %(total)s руб. и "
               "обязуется погасить её %(parts)s платежами по графику (п.72 и п.118 Правил, утв. постановлением "
               "Правительства РФ от 06.05.2011 № 354), помимо текущих платежей:") % {
        "acc": account.number, "total": money(agreement.total), "parts": agreement.parts})
    doc.table((Col(_("№"), 8, "c"), Col(_("Оплатить до"), 30, "c"), Col(_("Сумма, руб."), 30, "r")),
              [*((str(seq), day(due), money(amount)) for seq, due, amount in schedule),
               ("", _("Итого"), money(sum((a for _s, _d, a in schedule), Decimal("0.00"))))], bold_last=True)
    doc.para(_("2. Пока Потребитель исполняет соглашение, предоставление коммунальных услуг не ограничивается и не "
               "приостанавливается за задолженность, указанную в п.1 (п.118 Правил)."))
    doc.para(_("3. При просрочке очередного платежа соглашение считается нарушенным: Исполнитель вправе "
               "потребовать погашения всей оставшейся задолженности, ввести ограничение в порядке п.119 Правил и "
               "обратиться в суд."))
    doc.space(10)
    doc.table((Col(_("Исполнитель"), 1), Col(_("Потребитель"), 1)),
              [(p.short_name, account.payer_name), ("______________ / ______________ /",
                                                    "______________ / ______________ /")])
    return _store(doc, kind=DocumentKind.AGREEMENT, title=_("Соглашение № %(n)s") % {"n": agreement.number},
                  account_id=agreement.account_id, on=on, agreement=agreement)


def breach_notice(agreement: Agreement, *, on: date | None = None) -> CollectionDocument:
    """The notice that the agreement is breached: the shortfall, and what follows."""
    if agreement.status != AgreementStatus.BREACHED or agreement.breached_on is None:
        raise _refuse("agreement", _("Соглашение не нарушено."), ErrorCode.COLLECTION_STATE)
    on = on or agreement.breached_on
    p = _principal()
    account = _agreement_account(agreement)
    doc = Doc(_("Уведомление о нарушении соглашения № %(n)s · ЛС %(acc)s") % {"n": agreement.number,
                                                                            "acc": account.number})
    _sender(doc, p)
    doc.space(8)
    doc.right(account.payer_name, bold=True)
    doc.right(address_of(account.premise))
    doc.space(12)
    doc.title(_("УВЕДОМЛЕНИЕ"))
    doc.title(_("о нарушении соглашения о погашении задолженности № %(n)s от %(d)s") % {
        "n": agreement.number, "d": day(agreement.signed_on)}, size=BODY + 1)
    doc.para(_("По состоянию на %(d)s по соглашению оплачено %(paid)s руб. из %(total)s руб.; просрочено "
               "%(short)s руб. Соглашение нарушено %(breach)s.") % {
        "d": day(on), "paid": money(agreement.paid), "total": money(agreement.total),
        "short": money(agreement.shortfall), "breach": day(agreement.breached_on)})
    doc.para(_("Просим в течение 10 дней погасить просроченную сумму. В противном случае Исполнитель вправе "
               "потребовать погашения всей оставшейся задолженности, ограничить или приостановить предоставление "
               "коммунальных услуг в порядке п.119 Правил, утв. постановлением Правительства РФ от 06.05.2011 № 354, "
               "и обратиться в суд."))
    _signature(doc, p, on)
    return _store(doc, kind=DocumentKind.BREACH_NOTICE,
                  title=_("Уведомление о нарушении соглашения № %(n)s") % {"n": agreement.number},
                  account_id=agreement.account_id, on=on, agreement=agreement)


# --- restriction ----------------------------------------------------------------------------------------------------


def _restriction_parts(restriction: Restriction):
    r = (Restriction.objects.select_related("account__premise__house", "account__unified_account", "service",
                                            "warning").get(pk=restriction.pk))
    return r, r.account, _principal()


def _restriction_what(r: Restriction) -> str:
    return _("ограничение") if r.kind == RestrictionKind.RESTRICTION else _("приостановление")


def _restriction_facts(doc: Doc, r: Restriction, account) -> None:
    doc.table((Col(_("Сведения"), 35), Col(_("Значение"), 65)), [
        (_("Потребитель"), account.payer_name),
        (_("Адрес помещения"), address_of(account.premise)),
        (_("Лицевой счёт"), account.number),
        (_("Коммунальная услуга"), r.service.name),
        (_("Предупреждение"), _("№ %(n)s от %(d)s, доставлено %(del)s, срок погашения по %(end)s") % {
            "n": f"П-{r.warning.month:%Y%m}-{r.warning_id}", "d": day(r.warning.issued_on),
            "del": day(r.warning.delivered_on), "end": day(r.warning.term_end)}),
        (_("Задолженность по предупреждению, руб."), money(r.warning.debt)),
        (_("Исполнитель работ"), r.executor),
    ])


def work_order_render(restriction: Restriction, *, on: date | None = None) -> CollectionDocument:
    """The work order for the executor: what to restrict or suspend, where, and on which grounds."""
    r, account, p = _restriction_parts(restriction)
    on = on or r.ordered_on
    doc = Doc(_("Наряд на %(what)s · ЛС %(acc)s · %(p)s") % {"what": _restriction_what(r), "acc": account.number,
                                                            "p": p.short_name})
    _sender(doc, p)
    doc.space(8)
    doc.title(_("НАРЯД № Н-%(n)s") % {"n": r.pk})
    doc.title(_("на %(what)s предоставления коммунальной услуги") % {"what": _restriction_what(r)}, size=BODY + 1)
    doc.para(_("от %(d)s") % {"d": day(r.ordered_on)}, align="c")
    _restriction_facts(doc, r, account)
    doc.para(_("Основание: п.117, подпункт «б» п.119 Правил, утв. постановлением Правительства РФ от 06.05.2011 № "
               "354: задолженность не погашена в течение 20 дней со дня доставки предупреждения. Ввести %(what)s не "
               "ранее %(earliest)s, составить акт и передать его исполнителю услуг.") % {
        "what": _restriction_what(r),
        "earliest": day(rules.restriction_earliest(r.warning.delivered_on)) if r.warning.delivered_on else "—"})
    doc.para(_("Дата и время выполнения: ____________________   Номер пломбы: ____________________"), align="l")
    _signature(doc, p, on)
    return _store(doc, kind=DocumentKind.WORK_ORDER, title=_("Наряд № Н-%(n)s на %(what)s: %(service)s") % {
        "n": r.pk, "what": _restriction_what(r), "service": r.service.name}, account_id=r.account_id, on=on,
        restriction=r)


def restriction_act_render(restriction: Restriction) -> CollectionDocument:
    """The act of restriction (or suspension) on the day it was done."""
    r, account, p = _restriction_parts(restriction)
    if r.done_on is None:
        raise _refuse("restriction", _("Ограничение ещё не введено."), ErrorCode.COLLECTION_STATE)
    when = r.suspended_on or r.done_on  # a restriction escalated to suspension (п.119 «в»): the act of that day
    doc = Doc(_("Акт № %(n)s · ЛС %(acc)s · %(p)s") % {"n": r.act_number, "acc": account.number, "p": p.short_name})
    _sender(doc, p)
    doc.space(8)
    doc.title(_("АКТ № %(n)s") % {"n": r.act_number})
    doc.title(_("о введении: %(what)s предоставления коммунальной услуги") % {"what": _restriction_what(r)},
              size=BODY + 1)
    doc.para(_("%(d)s") % {"d": day_words(when)}, align="l")
    _restriction_facts(doc, r, account)
    doc.para(_("%(d)s по наряду № Н-%(n)s от %(o)s введено %(what)s предоставления коммунальной услуги «%(s)s» "
               "(п.117, 119 Правил, утв. постановлением Правительства РФ от 06.05.2011 № 354). Услуга будет "
               "возобновлена в течение 2 календарных дней со дня полного погашения задолженности или заключения "
               "соглашения о её погашении (п.120 Правил).") % {
        "d": day(when), "n": r.pk, "o": day(r.ordered_on), "what": _restriction_what(r), "s": r.service.name})
    doc.para(_("Исполнитель работ ____________________   Потребитель (при участии) ____________________"), align="l")
    _signature(doc, p, when)
    return _store(doc, kind=DocumentKind.RESTRICTION_ACT, title=_("Акт № %(n)s: %(what)s, %(s)s") % {
        "n": r.act_number, "what": _restriction_what(r), "s": r.service.name}, account_id=r.account_id,
        on=when, restriction=r)


def lift_act_render(restriction: Restriction) -> CollectionDocument:
    """The act of lifting the restriction once its cause is gone (п.120: within 2 calendar days)."""
    r, account, p = _restriction_parts(restriction)
    if r.lifted_on is None:
        raise _refuse("restriction", _("Предоставление услуги ещё не возобновлено."), ErrorCode.COLLECTION_STATE)
    doc = Doc(_("Акт № %(n)s · ЛС %(acc)s · %(p)s") % {"n": r.lift_act_number, "acc": account.number,
                                                     "p": p.short_name})
    _sender(doc, p)
    doc.space(8)
    doc.title(_("АКТ № %(n)s") % {"n": r.lift_act_number})
    doc.title(_("о возобновлении предоставления коммунальной услуги"), size=BODY + 1)
    doc.para(_("%(d)s") % {"d": day_words(r.lifted_on)}, align="l")
    _restriction_facts(doc, r, account)
    doc.para(_("Причина ограничения устранена %(paid)s; возобновить не позднее %(due)s (п.120 Правил, утв. "
               "постановлением Правительства РФ от 06.05.2011 № 354). Предоставление коммунальной услуги «%(s)s» "
               "возобновлено %(d)s.") % {"paid": day(r.paid_on), "due": day(r.lift_due), "s": r.service.name,
                                         "d": day(r.lifted_on)})
    doc.para(_("Исполнитель работ ____________________   Потребитель (при участии) ____________________"), align="l")
    _signature(doc, p, r.lifted_on)
    return _store(doc, kind=DocumentKind.LIFT_ACT, title=_("Акт № %(n)s о возобновлении: %(s)s") % {
        "n": r.lift_act_number, "s": r.service.name}, account_id=r.account_id, on=r.lifted_on, restriction=r)
