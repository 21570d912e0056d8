"""The register of the payments a payout covers, for the principal: its rows (one query for every payout of an
export), as CSV and as XLSX (the product's one XLSX writer, ``billing_core.tabular.xlsx_write``)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _g

from agency.payments.models import Channel
from agency.payments.payouts.common import DATE
from billing_core.onec_exchange import format_amount
from billing_core.tabular import Cell, spreadsheet_row, spreadsheet_text, xlsx_write

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
REGISTER_COLUMNS = ("Дата платежа", "Канал", "ЕЛС", "Лицевой счёт", "Плательщик", "Сумма платежа", "Услуга",
                    "Сумма к перечислению")
_WIDTHS = (12, 24, 14, 14, 32, 14, 10, 16)


def register_rows(payout_ids: list[int]) -> dict[int, list[tuple]]:
    """The covered payments of every payout, in one query: (paid_on, channel, ЕЛС, account, payer, payment amount,
    service, allocated amount)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.payout_id, p.paid_on, p.channel, COALESCE(u.number, p.payer_ref), a.account_number, "
            "p.payer_name, p.amount, a.service_code, a.amount FROM payments_allocation a "
            "JOIN payments_payment p ON p.id = a.payment_id "
            "LEFT JOIN registry_unifiedaccount u ON u.id = p.unified_account_id "
            "WHERE a.payout_id = ANY(%s) ORDER BY a.payout_id, p.paid_on, p.id, a.service_code",
            [payout_ids],
        )
        rows: dict[int, list[tuple]] = defaultdict(list)
        for payout_id, *rest in cursor.fetchall():
            rows[payout_id].append(tuple(rest))
    return rows


def _channel_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Channel.choices}  # translated once, not once a row


def _comma(amount: Decimal) -> str:
    return format_amount(amount).replace(".", ",")


def register_csv(rows: list[tuple], total: Decimal) -> bytes:
    """UTF-8 with a BOM, ``;``-separated, decimal comma: what Excel and 1C in Russian locales open as is."""
    labels = _channel_labels()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_g(c) for c in REGISTER_COLUMNS])
    for paid_on, channel, els, account, payer, paid, service, amount in rows:
        # texts from payers and banks are neutralised (billing_core.tabular); the amounts are numbers
        writer.writerow([paid_on.strftime(DATE), *spreadsheet_row([labels.get(channel, channel), els, account, payer]),
                         _comma(paid), spreadsheet_text(service), _comma(amount)])
    writer.writerow([_g("Итого"), "", "", "", "", "", "", _comma(total)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def register_xlsx(rows: list[tuple], total: Decimal, *, title: str) -> bytes:
    """The register as a workbook: a title row, the column headers, one row per allocation, the total."""
    labels = _channel_labels()
    table: list[list] = [[Cell(title)], [Cell(_g(c)) for c in REGISTER_COLUMNS]]
    for paid_on, channel, els, account, payer, paid, service, amount in rows:
        table.append([paid_on, labels.get(channel, channel), els, account, payer, paid, service, amount])
    table.append([Cell(_g("Итого")), None, None, None, None, None, None, total])
    return xlsx_write(table, sheet_name=_g("Реестр"), widths=_WIDTHS)
