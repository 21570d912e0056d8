"""A principal's own receipts from a file (CSV in UTF-8 or cp1251, or XLSX), checked row by row, posted set-based.

One row per receipt: account number, date paid (ДД.ММ.ГГГГ), amount, document number, and optionally the
service code and a comment. Every row is checked before anything is written, and every bad one is named by
its line and column; the user then loads all or nothing, only the good rows, or just checks the file.

The rows are posted as ``own_receipt_record`` posts one: a receipt once per document number and date (its
``external_key``), and in the ledger own cash against the account's receivable on the date paid (one balanced
transaction per date of the file rather than per receipt, see ``_load``). A document already recorded with the
same account, amount and service is skipped without error, so a file sent again (or re-exported) posts nothing
new; the same bytes again return the batch already loaded. The same document with another account or amount is
an error on its line.
The whole file costs a fixed number of queries: lookups by ``IN``/``= ANY``, and one INSERT … SELECT from the rows
(staged as one JSON document) that writes the receipts, the ledger transactions and their legs together.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from billing_core.tabular import ENCODINGS, RowError, Table, read_table
from tenants.billing.imports import parse_amount, run_import
from tenants.billing.models import ImportBatch, ImportKind, ImportMode, PersonalAccount, Service
from tenants.receipts.models import ReceiptSource
from tenants.receipts.services import OWN_CASH, RECEIVABLE, own_receipt_key, principal_ledger_ensure

OWN_RECEIPT_COLUMNS = {
    "account": ("лицевой счет", "лс", "номер лс", "номер лицевого счета"),
    "date": ("дата оплаты", "дата", "дата платежа"),
    "amount": ("сумма", "сумма оплаты", "сумма платежа"),
    "document": ("номер документа", "документ", "№ документа", "номер пко", "номер платежного документа"),
    "service": ("код услуги", "услуга"),
    "comment": ("комментарий", "примечание", "назначение"),
}
OPTIONAL_COLUMNS = frozenset({"service", "comment"})
TEMPLATE_HEADER = ("Лицевой счёт", "Дата оплаты", "Сумма", "Номер документа", "Код услуги", "Комментарий")
ENCODING_CHOICES = ("auto", *ENCODINGS)

MAX_AMOUNT = Decimal("1000000000000")  # receipts_receipt.amount is numeric(14, 2)
MAX_DOCUMENT = 120 - len("2026-01-01:")  # the external key is "<date>:<document>" in 120 characters
MAX_COMMENT = 300
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?$")  # an XLSX date cell reads as a datetime


@dataclass(frozen=True)
class _Row:
    line: int
    account_id: int
    account_number: str
    service_id: int | None
    amount: Decimal
    paid_on: date
    document: str
    comment: str
    key: str  # own_receipt_key: the document number and date, once per principal


def own_receipts_template() -> bytes:
    """An example file for the portal to offer: the header the import reads and one made-up row (UTF-8 with BOM,
    so spreadsheet programs open the Cyrillic header right)."""
    today = timezone.localdate().strftime("%d.%m.%Y")
    lines = [";".join(TEMPLATE_HEADER), f"000001;{today};1500,00;ПКО-1;;{_('оплата в кассе')}"]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _read(data: bytes, encoding: str) -> Table:
    """The table with the optional columns allowed to be absent (billing_core.tabular requires every column)."""
    table = read_table(data, columns=OWN_RECEIPT_COLUMNS, encoding=encoding)
    absent = {e.field for e in table.errors if e.code == "COLUMN_MISSING" and e.field in OPTIONAL_COLUMNS}
    if not absent:
        return table
    others = [e for e in table.errors if not (e.code == "COLUMN_MISSING" and e.field in absent)]
    if others:
        table.errors = others
        return table
    present = {name: aliases for name, aliases in OWN_RECEIPT_COLUMNS.items() if name not in absent}
    return read_table(data, columns=present, encoding=encoding)


def _parse_date(text: str) -> date:
    match = _DOTTED.match(text) or _ISO.match(text)
    if match is None:
        raise ValueError(text)
    a, b, c = (int(g) for g in match.groups())
    return date(c, b, a) if match.re is _DOTTED else date(a, b, c)


def _existing(keys: list[str]) -> dict[str, tuple[str, Decimal, str]]:
    """Own receipts already recorded under these keys: key → (account number, amount, service code)."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.external_key, a.number, r.amount, COALESCE(s.code, '') FROM receipts_receipt r "
            "JOIN billing_personalaccount a ON a.id = r.account_id "
            "LEFT JOIN billing_service s ON s.id = r.service_id WHERE r.external_key = ANY(%s)",
            [keys],
        )
        return {key: (number, amount, code) for key, number, amount, code in cursor.fetchall()}


class _LineErrors(list):
    """The errors of one line, each named by its field."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line

    def __call__(self, field: str, message: str, code: str = ErrorCode.INVALID) -> None:
        self.append(RowError(self.line, field, message, str(code)))


def _account_id(bad: _LineErrors, number: str, accounts: dict[str, int]) -> int | None:
    account_id = accounts.get(number)
    if not number:
        bad("account", _("Укажите лицевой счёт."), ErrorCode.REQUIRED)
    elif account_id is None:
        bad("account", _("Лицевой счёт «%(v)s» не найден.") % {"v": number}, ErrorCode.NOT_FOUND)
    return account_id


def _paid_on(bad: _LineErrors, text: str, today: date) -> date | None:
    paid_on = None
    try:
        paid_on = _parse_date(text)
    except ValueError:
        bad("date", _("Дата «%(v)s» не в формате ДД.ММ.ГГГГ.") % {"v": text})
    if paid_on is not None and paid_on > today:
        bad("date", _("Дата оплаты %(d)s в будущем.") % {"d": paid_on.strftime("%d.%m.%Y")})
        paid_on = None
    return paid_on


def _amount(bad: _LineErrors, text: str) -> Decimal | None:
    amount = None
    try:
        amount = parse_amount(text)
    except (InvalidOperation, ValueError):
        bad("amount", _("Сумма «%(v)s» — не число с двумя знаками после запятой.") % {"v": text})
    if amount is not None and not Decimal(0) < amount < MAX_AMOUNT:
        bad("amount", _("Сумма должна быть больше нуля и меньше триллиона рублей."))
        amount = None
    return amount


def _check_document(bad: _LineErrors, document: str) -> None:
    if not document:
        bad("document", _("Укажите номер документа."), ErrorCode.REQUIRED)
    elif len(document) > MAX_DOCUMENT:
        bad("document", _("Номер документа длиннее %(n)s знаков.") % {"n": MAX_DOCUMENT})


def _service_id(bad: _LineErrors, code: str, services: dict[str, int]) -> int | None:
    service_id = services.get(code) if code else None
    if code and service_id is None:
        bad("service", _("Услуга «%(v)s» не найдена.") % {"v": code}, ErrorCode.NOT_FOUND)
    return service_id


def _row_checked(line: int, r: dict, *, accounts: dict[str, int], services: dict[str, int],
                 today: date) -> tuple[_Row | None, list[RowError]]:
    """The line as a row to post, or None and every error on it, field by field."""
    bad = _LineErrors(line)
    number = r["account"]
    account_id = _account_id(bad, number, accounts)
    paid_on = _paid_on(bad, r["date"], today)
    amount = _amount(bad, r["amount"])
    document = r["document"]
    _check_document(bad, document)
    service_id = _service_id(bad, r.get("service", ""), services)
    if bad:
        return None, list(bad)
    return _Row(line, account_id, number, service_id, amount, paid_on, document, r.get("comment", "")[:MAX_COMMENT],
                own_receipt_key(document, paid_on)), []


def _recorded_conflicts(good: list[_Row], services: dict[str, int]) -> tuple[list[_Row], list[RowError]]:
    """A document recorded before is fine when it is the same receipt (a file sent again), a conflict otherwise."""
    service_codes = {pk: code for code, pk in services.items()}
    existing = _existing([row.key for row in good])
    kept, errors = [], []
    for row in good:
        before = existing.get(row.key)
        if before is not None and before != (row.account_number, row.amount, service_codes.get(row.service_id, "")):
            errors.append(RowError(
                row.line, "document",
                _("Документ %(doc)s от %(d)s уже учтён по лицевому счёту %(acc)s на сумму %(sum)s.")
                % {"doc": row.document, "d": row.paid_on.strftime("%d.%m.%Y"), "acc": before[0], "sum": before[1]},
                ErrorCode.DUPLICATE))
            continue
        kept.append(row)
    return kept, errors


def _validate(rows: list[tuple[int, dict]], today: date) -> tuple[list[_Row], list[RowError]]:
    accounts = dict(PersonalAccount.objects.filter(number__in={r["account"] for _l, r in rows})
                    .values_list("number", "pk"))
    codes = {r.get("service", "") for _l, r in rows} - {""}
    services = dict(Service.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}
    errors: list[RowError] = []
    good: list[_Row] = []
    seen: dict[str, int] = {}
    for line, r in rows:
        row, row_errors = _row_checked(line, r, accounts=accounts, services=services, today=today)
        if row is None:
            errors.extend(row_errors)
            continue
        if row.key in seen:
            errors.append(RowError(line, "document", _("Документ %(doc)s от %(d)s повторяется, см. строку %(l)s.")
                                   % {"doc": row.document, "d": row.paid_on.strftime("%d.%m.%Y"),
                                      "l": seen[row.key]}, ErrorCode.DUPLICATE))
            continue
        seen[row.key] = line
        good.append(row)
    kept, conflicts = _recorded_conflicts(good, services)
    errors.extend(conflicts)
    errors.sort(key=lambda e: e.line)
    return kept, errors


def _load(rows: list[_Row], *, digest: str, filename: str) -> int:
    """Post the rows in one statement: the receipts new by their key, and the ledger for those written.

    The ledger gets the postings the single entry makes (own cash against each account's receivable, on the
    date paid), gathered into one transaction per date of the file, as the agent's allocation run gathers its
    own: a transaction per receipt would make the ledger's balance check (a statement trigger that joins the
    inserted legs to all legs) scale with the file times the ledger. Receipts recorded before are skipped and
    post nothing, as in the single entry.
    """
    principal_ledger_ensure()
    # The rows travel as one JSON document: binding ten thousand rows as arrays costs more on the client.
    staged = json.dumps([
        {"n": r.line, "account_id": r.account_id, "service_id": r.service_id, "amount": str(r.amount),
         "paid_on": r.paid_on.isoformat(), "external_key": r.key, "comment": r.comment}
        for r in rows
    ], ensure_ascii=False)
    memo = (_("Собственные поступления из файла «%(file)s»") % {"file": filename})[:500]
    with connection.cursor() as cursor:
        # Joins of CTEs have no statistics: the planner guesses millions of rows and would spend longer compiling
        # the statement (JIT) than running it. For this transaction only.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            "WITH src AS ("
            "  SELECT * FROM jsonb_to_recordset(%s::jsonb) AS x(n integer, account_id bigint, service_id bigint,"
            "    amount numeric, paid_on date, external_key text, comment text)"
            "), rec AS ("
            "  INSERT INTO receipts_receipt (account_id, service_id, amount, paid_on, source, external_key, comment,"
            "                                created_at)"
            "  SELECT account_id, service_id, amount, paid_on, %s, external_key, comment, now() FROM src ORDER BY n"
            "  ON CONFLICT (external_key) DO NOTHING RETURNING account_id, amount, paid_on"
            "), sums AS ("
            "  SELECT rec.paid_on, a.number, sum(rec.amount) AS total"
            "  FROM rec JOIN billing_personalaccount a ON a.id = rec.account_id GROUP BY rec.paid_on, a.number"
            "), tx AS ("
            "  INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, reverses_id, created_at)"
            "  SELECT 'own_receipt', %s || d.paid_on::text, %s, d.paid_on, NULL, now()"
            "  FROM (SELECT DISTINCT paid_on FROM sums) d ORDER BY d.paid_on"
            "  RETURNING id, occurred_on"
            "), legs AS ("
            "  INSERT INTO ledger_ledgerleg (transaction_id, account_id, amount, ref)"
            "  SELECT tx.id, (SELECT id FROM ledger_ledgeraccount WHERE code = %s), sum(sums.total), ''"
            "  FROM tx JOIN sums ON sums.paid_on = tx.occurred_on GROUP BY tx.id"
            "  UNION ALL"
            "  SELECT tx.id, (SELECT id FROM ledger_ledgeraccount WHERE code = %s), -sums.total, 'pa:' || sums.number"
            "  FROM tx JOIN sums ON sums.paid_on = tx.occurred_on"
            "  RETURNING 1"
            ") SELECT (SELECT count(*) FROM rec), (SELECT count(*) FROM legs)",
            [staged, ReceiptSource.OWN.value, f"own-file:{digest}:", memo, OWN_CASH, RECEIVABLE],
        )
        receipts, _legs = cursor.fetchone()
    return receipts


def own_receipts_import(
    *, data: bytes, filename: str, mode: str, user=None, encoding: str = "auto", today: date | None = None,
) -> ImportBatch:
    """Check a file of own receipts and, as ``mode`` says, post all of it, its good rows, or nothing.

    The answer is the import batch (``importBatches(kind: OWN_RECEIPTS)``): status, counts, every error by line
    and column. ``rows_loaded`` counts the receipts newly posted; documents recorded before are not counted.
    """
    if mode in ImportMode.values and encoding not in ENCODING_CHOICES:  # a bad mode is named first, by run_import
        raise ValidationError({"encoding": ValidationError(
            _("Кодировка — auto, utf-8 или cp1251."), code=ErrorCode.INVALID)})
    return run_import(
        kind=ImportKind.OWN_RECEIPTS, data=data, filename=filename, mode=mode, user=user,
        read=lambda raw: _read(raw, encoding),
        validate=lambda rows: _validate(rows, today or timezone.localdate()),
        load=lambda good: _load(good, digest=hashlib.sha256(data).hexdigest(), filename=filename),
    )
