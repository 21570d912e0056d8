"""Call lists for operators and autodialers: one CSV and one XLSX per principal and run, in the principal's files.

A row per selected account: the phone (digits only, as dialers take it; empty when no phone is known), the payer,
the ЕЛС, the personal account, the address, the debt and its age in months, and the script's variables — the debt
as the operator reads it out («3 500,00 ₽»), the date to pay by, the principal's name and the cabinet's address.
Texts are neutralised against spreadsheet formulas (``billing_core.tabular``); amounts stay numbers.

Files are stored under the principal's schema name (``<schema>/call-list/…``), so a key of one principal never
names another's file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from agency.collection.messaging import cabinet_url, money_text
from agency.documents import storage
from billing_core.tabular import Cell, spreadsheet_row, spreadsheet_text, xlsx_write

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the column headers (Russian, for people) and the variable names a dialer's script refers to
COLUMNS = (
    ("phone", N_("Телефон")), ("payer", N_("Плательщик")), ("unified_account", N_("ЕЛС")),
    ("account", N_("Лицевой счёт")), ("address", N_("Адрес")), ("debt", N_("Долг")),
    ("months", N_("Месяцев долга")), ("debt_text", N_("Долг для скрипта")), ("due_date", N_("Оплатить до")),
    ("principal", N_("Организация")), ("cabinet_url", N_("Личный кабинет")),
)
_WIDTHS = (14, 32, 12, 14, 48, 12, 10, 16, 12, 30, 30)
_NOT_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class CallRow:
    phone: str
    payer: str
    unified_account: str
    account: str
    address: str
    debt: Decimal
    months: int


def phone_digits(phone: str) -> str:
    """``+7 (916) 123-45-67`` → ``79161234567``; a Russian 8… number as 7…; anything not 11 digits stays as dug."""
    digits = _NOT_DIGIT.sub("", phone or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return digits


def _comma(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _script(row: CallRow, *, due_on: date, principal_name: str) -> list:
    return [money_text(row.debt), due_on.strftime("%d.%m.%Y"), principal_name, cabinet_url()]


def call_list_csv(rows: list[CallRow], *, due_on: date, principal_name: str) -> bytes:
    """UTF-8 with a BOM, ``;``-separated, decimal comma (Excel and dialers in Russian locales open it as is); the
    first row names the columns by their script variables, so a dialer maps them without the Russian headers."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([name for name, _label in COLUMNS])
    for row in rows:
        writer.writerow([row.phone, *spreadsheet_row([row.payer, row.unified_account, row.account, row.address]),
                         _comma(row.debt), row.months,
                         *spreadsheet_row(_script(row, due_on=due_on, principal_name=principal_name))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def call_list_xlsx(rows: list[CallRow], *, due_on: date, principal_name: str, title: str) -> bytes:
    table: list[list] = [[Cell(spreadsheet_text(title))], [Cell(_(label)) for _name, label in COLUMNS]]
    for row in rows:
        table.append([row.phone, row.payer, row.unified_account, row.account, row.address, row.debt, row.months,
                      *_script(row, due_on=due_on, principal_name=principal_name)])
    return xlsx_write(table, sheet_name=_("Обзвон"), widths=_WIDTHS, freeze_rows=2)


def call_list_store(rows: list[CallRow], *, schema_name: str, month: date, due_on: date,
                    principal_name: str, campaign_name: str) -> list[dict]:
    """Store both files under the principal's prefix; their descriptions for ``CampaignRun.files``."""
    title = _("Обзвон должников: %(c)s, %(m)s, %(p)s") % {"c": campaign_name, "m": month.strftime("%m.%Y"),
                                                          "p": principal_name}
    stem = f"obzvon-{schema_name}-{month:%Y-%m}"
    files = []
    for ext, data, content_type in (
        ("csv", call_list_csv(rows, due_on=due_on, principal_name=principal_name), CSV_TYPE),
        ("xlsx", call_list_xlsx(rows, due_on=due_on, principal_name=principal_name, title=title), XLSX_TYPE),
    ):
        key = f"{schema_name}/{storage.new_key('call-list', ext=ext)}"
        storage.put(key, data, content_type)
        files.append({"schema": schema_name, "kind": "call_list", "key": key, "name": f"{stem}.{ext}",
                      "rows": len(rows)})
    return files
