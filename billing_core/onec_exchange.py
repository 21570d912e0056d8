"""1C client-bank exchange files (``1CClientBankExchange``, versions 1.02 and 1.03).

The format [practice: 1C's published description, the de-facto standard of Russian banks;
DOMAIN.md] is text, one ``Key=Value`` per line, Windows-1251, CRLF::

    1CClientBankExchange
    ВерсияФормата=1.03
    Кодировка=Windows
    … header keys …
    СекцияРасчСчет            (statements: one per account, with balances and turnovers)
    …
    КонецРасчСчет
    СекцияДокумент=Платежное поручение
    … document keys …
    КонецДокумента
    КонецФайла

``payment_orders_write`` writes our payouts as payment orders for the bank; ``statement_read``
reads what the bank sends back (statements, or any file in this format) into documents split
into incoming and outgoing, with every key kept, and errors that name the line.

Values with ``=`` or line breaks. The format has no quoting or escaping. A line is split at its
*first* ``=``, so an ``=`` inside a value (``НазначениеПлатежа=Оплата по сч. №1 = аванс``) is kept
as is by both the writer and the reader; keys never contain ``=``. A line break inside a value
cannot be represented: it would start a new line that reads as a key. The writer therefore
replaces every run of line breaks, tabs and other control characters in a value by one space
(the bank prints the purpose of payment on one line anyway) and refuses a character that
Windows-1251 lacks instead of writing ``?``. The reader reports a line without ``=`` inside a
section as an error naming it, which is how a value broken over two lines by another program
shows up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing_core import requisites
from billing_core.error_codes import ErrorCode
from billing_core.money import KOPECK
from billing_core.text import excerpt, line_problem

SIGNATURE = "1CClientBankExchange"
VERSIONS = ("1.02", "1.03")
PAYMENT_ORDER = "Платежное поручение"
END_OF_FILE = "КонецФайла"
ACCOUNT_SECTION, ACCOUNT_SECTION_END = "СекцияРасчСчет", "КонецРасчСчет"
DOCUMENT_SECTION, DOCUMENT_SECTION_END = "СекцияДокумент", "КонецДокумента"
NO_VAT = "НДС не облагается"
PURPOSE_MAX = 210  # field 24 of a payment order (Положение Банка России №762-П) [practice]
DATE_FORMAT = "%d.%m.%Y"

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")  # 15 digits: far above any payment, inside Decimal's precision
_BALANCE = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,2})?")


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankParty:
    """One side of a payment order: the account and the bank it is in."""

    name: str
    inn: str
    account: str
    bank_name: str
    bic: str
    correspondent_account: str
    kpp: str = ""
    bank_city: str = ""


@dataclass(frozen=True)
class PaymentOrder:
    """A payment order (платёжное поручение). ``vat`` ``None`` means the payment carries no VAT.

    ``payment_kind`` is ВидПлатежа (empty for an electronic order, which is what banks expect
    today [practice]); ``operation_kind`` ВидОплаты (01: a payment order); ``priority``
    Очередность (5: ordinary payments, ГК РФ ст.855).
    """

    number: str
    date: date
    amount: Decimal
    payer: BankParty
    payee: BankParty
    purpose: str
    vat: Decimal | None = None
    payment_kind: str = ""
    operation_kind: str = "01"
    priority: int = 5


def one_line(value: str) -> str:
    """A value as it can stand in the file: control characters and line breaks become one space."""
    return _CONTROL.sub(" ", value).strip()


def format_amount(amount: Decimal) -> str:
    """Roubles with a dot and two decimals: ``1234.50``."""
    return f"{Decimal(amount).quantize(KOPECK):f}"


def purpose_with_vat(purpose: str, vat: Decimal | None) -> str:
    """The purpose of payment with its VAT clause.

    НК РФ ст.168 п.4 wants the VAT amount on its own in settlement documents; a payment without VAT
    says so («НДС не облагается»), which banks check for [practice]. A purpose that already
    mentions НДС is left as it is.
    """
    text = one_line(purpose)
    if "НДС" in text.upper():
        return text
    clause = NO_VAT if vat is None else f"В т.ч. НДС {format_amount(vat)} руб."
    separator = "" if not text or text.endswith((".", " ")) else "."
    return f"{text}{separator} {clause}".strip()


def _party_errors(party: BankParty, prefix: str) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    checks = [
        ("inn", lambda: requisites.validate_inn(party.inn)),
        ("bic", lambda: requisites.validate_bic(party.bic)),
        ("account", lambda: requisites.validate_settlement_account(party.account, party.bic)),
        ("correspondent_account",
         lambda: requisites.validate_correspondent_account(party.correspondent_account, party.bic)),
    ]
    if party.kpp:
        checks.append(("kpp", lambda: requisites.validate_kpp(party.kpp)))
    for name, check in checks:
        try:
            check()
        except ValidationError as exc:
            errors.setdefault(f"{prefix}.{name}", []).extend(exc.error_list)
    if not one_line(party.name):
        errors.setdefault(f"{prefix}.name", []).append(
            ValidationError(_("Не указано наименование."), code=ErrorCode.REQUIRED))
    if not one_line(party.bank_name):
        errors.setdefault(f"{prefix}.bank_name", []).append(
            ValidationError(_("Не указан банк."), code=ErrorCode.REQUIRED))
    return errors


def _order_lines(order: PaymentOrder) -> list[tuple[str, str]]:
    pairs = [
        ("Номер", order.number),
        ("Дата", order.date.strftime(DATE_FORMAT)),
        ("Сумма", format_amount(order.amount)),
    ]
    for role, party in (("Плательщик", order.payer), ("Получатель", order.payee)):
        pairs += [
            (f"{role}Счет", party.account),
            (role, party.name),
            (f"{role}1", party.name),
            (f"{role}ИНН", party.inn),
            (f"{role}КПП", party.kpp),
            (f"{role}Банк1", party.bank_name),
        ]
        if party.bank_city:
            pairs.append((f"{role}Банк2", party.bank_city))
        pairs += [
            (f"{role}БИК", party.bic),
            (f"{role}Корсчет", party.correspondent_account),
        ]
        pairs.append((f"{role}РасчСчет", party.account))  # 1.03: the same account when the bank is direct
    pairs += [
        ("ВидПлатежа", order.payment_kind),
        ("ВидОплаты", order.operation_kind),
        ("Очередность", str(order.priority)),
        ("НазначениеПлатежа", purpose_with_vat(order.purpose, order.vat)),
    ]
    return pairs


def payment_orders_write(
    orders: Sequence[PaymentOrder],
    *,
    account: str,
    created_at: datetime,
    date_from: date | None = None,
    date_to: date | None = None,
    sender: str = "ЖКХ-агент",
    recipient: str = "",
) -> bytes:
    """A ``1CClientBankExchange`` 1.03 file (cp1251, CRLF) with one payment order per item of ``orders``.

    ``account`` is the agent's account the orders are paid from (header ``РасчСчет``). Every
    order is checked first (requisites with their check digits, a positive kopeck-exact amount,
    the purpose's length, characters Windows-1251 can carry); any problem raises one
    ``ValidationError`` keyed ``orders.<i>.<field>``, and no file is produced.
    """
    errors: dict[str, list[ValidationError]] = {}
    if not orders:
        errors["orders"] = [ValidationError(_("Нет ни одного платёжного поручения."), code=ErrorCode.REQUIRED)]
    days = [o.date for o in orders]
    date_from = date_from or (min(days) if days else created_at.date())
    date_to = date_to or (max(days) if days else created_at.date())
    header = [
        ("ВерсияФормата", "1.03"),
        ("Кодировка", "Windows"),
        ("Отправитель", sender),
        ("Получатель", recipient),
        ("ДатаСоздания", created_at.strftime(DATE_FORMAT)),
        ("ВремяСоздания", created_at.strftime("%H:%M:%S")),
        ("ДатаНачала", date_from.strftime(DATE_FORMAT)),
        ("ДатаКонца", date_to.strftime(DATE_FORMAT)),
        ("РасчСчет", account),
        ("Документ", PAYMENT_ORDER),
    ]
    lines = [SIGNATURE, *_encode_pairs(header, "header", errors)]
    for i, order in enumerate(orders):
        prefix = f"orders.{i}"
        if isinstance(order.amount, float):
            raise TypeError("money is never a float")
        amount = Decimal(order.amount)
        if amount <= 0 or amount != amount.quantize(KOPECK):
            errors.setdefault(f"{prefix}.amount", []).append(ValidationError(
                _("Сумма платёжного поручения №%(n)s должна быть положительной и точной до копейки: %(a)s."),
                code=ErrorCode.ONEC_AMOUNT, params={"n": order.number, "a": str(amount)}))
        if order.payer.account != account:
            errors.setdefault(f"{prefix}.payer.account", []).append(ValidationError(
                _("Счёт плательщика в поручении №%(n)s не совпадает со счётом файла."),
                code=ErrorCode.ONEC_VALUE, params={"n": order.number}))
        for role in ("payer", "payee"):
            errors.update(_party_errors(getattr(order, role), f"{prefix}.{role}"))
        purpose = purpose_with_vat(order.purpose, order.vat)
        if len(purpose) > PURPOSE_MAX:
            errors.setdefault(f"{prefix}.purpose", []).append(ValidationError(
                _("Назначение платежа в поручении №%(n)s длиннее %(max)s символов (%(len)s)."),
                code=ErrorCode.ONEC_VALUE, params={"n": order.number, "max": PURPOSE_MAX, "len": len(purpose)}))
        lines.append(f"{DOCUMENT_SECTION}={PAYMENT_ORDER}")
        lines.extend(_encode_pairs(_order_lines(order), prefix, errors))
        lines.append(DOCUMENT_SECTION_END)
    lines.append(END_OF_FILE)
    if errors:
        raise ValidationError(errors)
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


_KEY_TO_FIELD = {
    "НазначениеПлатежа": "purpose", "Номер": "number", "ВидПлатежа": "payment_kind",
    **{f"{role}{suffix}": f"{side}.{name}" for role, side in (("Плательщик", "payer"), ("Получатель", "payee"))
       for suffix, name in (("", "name"), ("1", "name"), ("Банк1", "bank_name"), ("Банк2", "bank_city"))},
}


def _encode_pairs(pairs: Iterable[tuple[str, str]], prefix: str, errors: dict[str, list[ValidationError]]) -> list[str]:
    out = []
    for key, raw in pairs:
        value = one_line(str(raw))
        try:
            value.encode("cp1251")
        except UnicodeEncodeError as exc:
            name = f"{prefix}.{_KEY_TO_FIELD.get(key, key)}"
            if name in errors and any(e.code == ErrorCode.ONEC_VALUE for e in errors[name]):
                continue  # the name is written twice (Плательщик, Плательщик1): one error is enough
            errors.setdefault(name, []).append(ValidationError(
                _("Символ «%(ch)s» в поле %(key)s нельзя записать в кодировке Windows-1251."),
                code=ErrorCode.ONEC_VALUE, params={"ch": value[exc.start:exc.end], "key": key}))
        out.append(f"{key}={value}")
    return out


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeError:
    line: int | None
    field: str
    message: str
    code: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message, "code": self.code}


@dataclass
class AccountSection:
    """``СекцияРасчСчет``: one account's balances and turnovers over the statement's dates."""

    line: int
    fields: dict[str, str]
    account: str = ""
    date_from: date | None = None
    date_to: date | None = None
    opening_balance: Decimal | None = None
    total_in: Decimal | None = None
    total_out: Decimal | None = None
    closing_balance: Decimal | None = None


@dataclass
class StatementDocument:
    """One ``СекцияДокумент`` of any kind, with every key as written (``fields``) and the main ones parsed."""

    line: int
    kind: str
    fields: dict[str, str]
    key_lines: dict[str, int]
    direction: str = "unknown"  # "incoming" | "outgoing" | "unknown"
    number: str = ""
    date: date | None = None
    amount: Decimal | None = None

    @property
    def payer_account(self) -> str:
        return self.fields.get("ПлательщикРасчСчет") or self.fields.get("ПлательщикСчет", "")

    @property
    def payee_account(self) -> str:
        return self.fields.get("ПолучательРасчСчет") or self.fields.get("ПолучательСчет", "")


@dataclass
class Statement:
    version: str = ""
    encoding: str = ""
    header: dict[str, str] = field(default_factory=dict)
    header_accounts: list[str] = field(default_factory=list)
    accounts: list[AccountSection] = field(default_factory=list)
    documents: list[StatementDocument] = field(default_factory=list)
    errors: list[ExchangeError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def incoming(self) -> list[StatementDocument]:
        return [d for d in self.documents if d.direction == "incoming"]

    @property
    def outgoing(self) -> list[StatementDocument]:
        return [d for d in self.documents if d.direction == "outgoing"]

    @property
    def own_accounts(self) -> set[str]:
        return {*self.header_accounts, *(a.account for a in self.accounts if a.account)}


def _decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding used: a UTF-8 BOM or valid non-ASCII UTF-8, else the declared DOS (cp866),
    else Windows-1251 (the format's default). Cyrillic cp1251 text is virtually never valid UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig", errors="replace"), "utf-8"
    if not data.isascii():
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if "Кодировка=DOS".encode("cp866") in data:
        return data.decode("cp866", errors="replace"), "cp866"
    return data.decode("cp1251", errors="replace"), "cp1251"


def _parse_date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), DATE_FORMAT).date()
    except ValueError:
        return None


def statement_read(data: bytes) -> Statement:
    """Read a ``1CClientBankExchange`` file (1.02 or 1.03); never raises on bad input.

    Documents of every kind are kept; each is ``incoming`` when its payee account is one of the
    statement's own accounts (header ``РасчСчет`` and the ``СекцияРасчСчет`` sections) and its
    payer's is not, ``outgoing`` the other way round; a transfer between two own accounts, or a
    document naming neither, is decided by ``ДатаПоступило`` / ``ДатаСписано``. A document that
    stays undecided is an error. Balances are checked: opening + in − out = closing for every
    account section, and the incoming/outgoing documents of an account add up to its turnovers.
    """
    st = Statement()
    text, st.encoding = _decode(data)
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()

    def error(line: int | None, name: str, message: str, code: str) -> None:
        st.errors.append(ExchangeError(line, name, message, code))

    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or lines[first].strip() != SIGNATURE:
        error(1 if first is None else first + 1, "", _("Это не файл обмена 1С: первая строка должна быть «%(sig)s».")
              % {"sig": SIGNATURE}, ErrorCode.ONEC_FORMAT)
        return st

    section: AccountSection | StatementDocument | None = None
    ended_at: int | None = None
    for n, raw in enumerate(lines[first + 1:], start=first + 2):
        problem = line_problem(raw, n)
        if problem is not None:
            error(n, "", problem, ErrorCode.ONEC_LINE)
            continue
        line = raw.strip()
        if not line:
            continue
        if ended_at is not None:
            error(n, "", _("Строка %(n)s идёт после «%(end)s» (строка %(e)s).") % {
                "n": n, "end": END_OF_FILE, "e": ended_at}, ErrorCode.ONEC_SECTION)
            break
        key, has_eq, value = line.partition("=")
        key = key.strip()
        if key in (ACCOUNT_SECTION, DOCUMENT_SECTION, END_OF_FILE) and section is not None:
            error(n, "", _("Строка %(n)s: секция, начатая в строке %(start)s, не закончена.") % {
                "n": n, "start": section.line}, ErrorCode.ONEC_SECTION)
            section = None
        if key == END_OF_FILE:
            ended_at = n
        elif key == ACCOUNT_SECTION:
            section = AccountSection(line=n, fields={})
        elif key == DOCUMENT_SECTION:
            section = StatementDocument(line=n, kind=value.strip(), fields={}, key_lines={})
        elif key in (ACCOUNT_SECTION_END, DOCUMENT_SECTION_END):
            wanted = AccountSection if key == ACCOUNT_SECTION_END else StatementDocument
            if not isinstance(section, wanted):
                error(n, "", _("Строка %(n)s: «%(key)s» без начала секции.") % {"n": n, "key": key},
                      ErrorCode.ONEC_SECTION)
            elif isinstance(section, AccountSection):
                st.accounts.append(_finish_account(section, error))
            else:
                st.documents.append(_finish_document(section, error))
            section = None
        elif not has_eq:
            error(n, "", _("Строка %(n)s «%(text)s» не вида «Ключ=Значение».") % {"n": n, "text": line[:60]},
                  ErrorCode.ONEC_LINE)
        elif section is None:
            if key == "РасчСчет":
                st.header_accounts.append(value.strip())
            st.header.setdefault(key, value.strip())
        elif key in section.fields:
            error(n, key, _("Строка %(n)s: ключ «%(key)s» уже был в этой секции.") % {"n": n, "key": key},
                  ErrorCode.ONEC_DUPLICATE_KEY)
        else:
            section.fields[key] = value.strip()
            if isinstance(section, StatementDocument):
                section.key_lines[key] = n
    if section is not None:
        error(section.line, "", _("Секция, начатая в строке %(start)s, не закончена: файл обрезан?") % {
            "start": section.line}, ErrorCode.ONEC_SECTION)
    if ended_at is None:
        error(None, "", _("Нет строки «%(end)s»: файл обрезан?") % {"end": END_OF_FILE}, ErrorCode.ONEC_SECTION)
    st.version = st.header.get("ВерсияФормата", "")
    if st.version not in VERSIONS:
        error(None, "ВерсияФормата", _("Версия формата «%(v)s» не поддерживается (нужна 1.02 или 1.03).") % {
            "v": excerpt(st.version)}, ErrorCode.ONEC_VERSION)
    _classify(st, error)
    if not st.errors:  # the sums of a broken or truncated file say nothing
        _check_turnovers(st, error)
    st.errors.sort(key=lambda e: (e.line is None, e.line or 0))
    return st


def _money(text: str | None, pattern: re.Pattern[str]) -> Decimal | None:
    if text is None or not pattern.fullmatch(text.strip()):
        return None
    return Decimal(text.strip()).quantize(KOPECK)


def _finish_account(section: AccountSection, error) -> AccountSection:
    f = section.fields
    section.account = f.get("РасчСчет", "")
    section.date_from = _parse_date(f.get("ДатаНачала", ""))
    section.date_to = _parse_date(f.get("ДатаКонца", ""))
    for attr, key in (("opening_balance", "НачальныйОстаток"), ("total_in", "ВсегоПоступило"),
                      ("total_out", "ВсегоСписано"), ("closing_balance", "КонечныйОстаток")):
        value = _money(f.get(key), _BALANCE)
        if value is None:
            error(section.line, key, _("Секция счёта в строке %(n)s: «%(key)s» = «%(v)s» не сумма.") % {
                "n": section.line, "key": key, "v": excerpt(f.get(key, ""))}, ErrorCode.ONEC_AMOUNT)
        setattr(section, attr, value)
    parts = (section.opening_balance, section.total_in, section.total_out, section.closing_balance)
    if None not in parts:
        opening, total_in, total_out, closing = parts
        if opening + total_in - total_out != closing:
            error(section.line, "КонечныйОстаток", _(
                "Счёт %(acc)s: %(o)s + %(i)s − %(out)s ≠ конечный остаток %(c)s.") % {
                "acc": section.account, "o": opening, "i": total_in, "out": total_out, "c": closing},
                ErrorCode.ONEC_BALANCE)
    return section


def _finish_document(doc: StatementDocument, error) -> StatementDocument:
    f = doc.fields
    doc.number = f.get("Номер", "")
    for key in ("Номер", "Дата", "Сумма"):
        if not f.get(key):
            error(doc.line, key, _("Документ в строке %(n)s: нет «%(key)s».") % {"n": doc.line, "key": key},
                  ErrorCode.ONEC_SECTION)
    if f.get("Дата"):
        doc.date = _parse_date(f["Дата"])
        if doc.date is None:
            error(doc.key_lines["Дата"], "Дата", _("Строка %(n)s: дата «%(v)s» не в формате ДД.ММ.ГГГГ.") % {
                "n": doc.key_lines["Дата"], "v": excerpt(f["Дата"])}, ErrorCode.ONEC_DATE)
    for key in ("ДатаПоступило", "ДатаСписано"):
        if f.get(key) and _parse_date(f[key]) is None:
            error(doc.key_lines[key], key, _("Строка %(n)s: дата «%(v)s» не в формате ДД.ММ.ГГГГ.") % {
                "n": doc.key_lines[key], "v": excerpt(f[key])}, ErrorCode.ONEC_DATE)
    if f.get("Сумма"):
        doc.amount = _money(f["Сумма"], _AMOUNT)
        if doc.amount is None:
            error(doc.key_lines["Сумма"], "Сумма", _(
                "Строка %(n)s: сумма «%(v)s» не в рублях с точкой и не более чем двумя знаками.") % {
                "n": doc.key_lines["Сумма"], "v": excerpt(f["Сумма"])}, ErrorCode.ONEC_AMOUNT)
    return doc


def _classify(st: Statement, error) -> None:
    own = st.own_accounts
    for doc in st.documents:
        payer = {doc.fields.get("ПлательщикСчет"), doc.fields.get("ПлательщикРасчСчет")} & own
        payee = {doc.fields.get("ПолучательСчет"), doc.fields.get("ПолучательРасчСчет")} & own
        credited, debited = bool(doc.fields.get("ДатаПоступило")), bool(doc.fields.get("ДатаСписано"))
        if bool(payer) != bool(payee):  # exactly one side is ours
            doc.direction = "incoming" if payee else "outgoing"
        elif credited != debited:
            doc.direction = "incoming" if credited else "outgoing"
        else:
            error(doc.line, "", _(
                "Документ №%(num)s в строке %(n)s: не понять, поступление это или списание.") % {
                "num": doc.number, "n": doc.line}, ErrorCode.ONEC_VALUE)


def _check_turnovers(st: Statement, error) -> None:
    """Each account section's turnovers against the documents of that account (when it has any)."""
    for section in st.accounts:
        if section.total_in is None or section.total_out is None:
            continue
        acc = section.account
        incoming = [d for d in st.incoming if acc in (d.fields.get("ПолучательСчет"), d.payee_account)]
        outgoing = [d for d in st.outgoing if acc in (d.fields.get("ПлательщикСчет"), d.payer_account)]
        for docs, stated, key in ((incoming, section.total_in, "ВсегоПоступило"),
                                  (outgoing, section.total_out, "ВсегоСписано")):
            actual = sum((d.amount for d in docs), Decimal("0.00"))
            if actual != stated:
                error(section.line, key, _(
                    "Счёт %(acc)s: «%(key)s» = %(stated)s, а по документам %(actual)s.") % {
                    "acc": section.account, "key": key, "stated": stated, "actual": actual}, ErrorCode.ONEC_BALANCE)
