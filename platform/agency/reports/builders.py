"""The reports' rows and their XLSX: one streamed query per report, one sheet per file.

Every builder reads the current connection's schema: the caller (the task) has switched to the
job's principal before calling. Rows come from a server-side cursor in chunks, so a report of a
million accounts never holds them all in memory; the workbook is streamed by the product's one XLSX writer
(``billing_core.tabular.xlsx_write``) for the same reason.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.reports.models import ReportKind
from billing_core.tabular import AMOUNT, BOLD_AMOUNT, DATE, DECIMAL, GENERAL, HEADER, Cell, xlsx_write
from tenants.billing import selectors
from tenants.billing.models import Balance
from tenants.receipts.models import Receipt, ReceiptSource
from tenants.registry.models import House, PremiseKind

CHUNK = 2000
CENT = Decimal("0.01")

TEXT, MONEY_COL, AREA_COL, INT_COL, DATE_COL = "text", "money", "area", "int", "date"
# a column's style for its numbers and dates (money #,##0.00, area 0.00, dates DD.MM.YYYY; text and counts general)
_STYLES = {MONEY_COL: AMOUNT, AREA_COL: DECIMAL, DATE_COL: DATE}


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    kind: str = TEXT


@dataclass
class Report:
    title: str
    columns: list[Column]
    rows: Iterator[tuple]


def _address(kind, number, city, street, house_number, building) -> str:
    house = str(House(city=city, street=street, house_number=house_number, building=building))
    label = "кв." if kind == PremiseKind.FLAT else "пом."
    return f"{house}, {label} {number}"


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


_ADDRESS = ("premise__kind", "premise__number", "premise__house__city", "premise__house__street",
            "premise__house__house_number", "premise__house__building")


def accounts_report(*, search: str | None = None, house_id: int | None = None, has_debt: bool | None = None,
                    **_params) -> Report:
    today = timezone.localdate()
    qs = (selectors.account_list(search=search, house_id=house_id, has_debt=has_debt, today=today)
          .prefetch_related(None).order_by("number")
          .values_list("number", "payer_name", *_ADDRESS, "charge_area", "persons", "debt"))

    def rows():
        for number, payer, *address, area, persons, debt in qs.iterator(chunk_size=CHUNK):
            yield number, payer, _address(*address), area, persons, debt

    return Report(_("Лицевые счета"), [
        Column(_("Лицевой счёт"), 16), Column(_("Плательщик"), 32), Column(_("Адрес"), 48),
        Column(_("Площадь, м²"), 12, AREA_COL), Column(_("Проживает, чел."), 14, INT_COL),
        Column(_("Задолженность, ₽"), 18, MONEY_COL),
    ], rows())


def turnover_report(*, month: date, **_params) -> Report:
    qs = (Balance.objects.filter(period__month=month.replace(day=1))
          .values("account_id", "account__number", "account__payer_name")
          .annotate(o=Sum("opening"), c=Sum(F("charged") + F("recalculated") - F("benefits") + F("penalties")),
                    p=Sum("paid"), z=Sum("closing"))
          .order_by("account__number")
          .values_list("account__number", "account__payer_name", "o", "c", "p", "z"))
    return Report(_("Оборотно-сальдовая ведомость"), [
        Column(_("Лицевой счёт"), 16), Column(_("Плательщик"), 32),
        Column(_("Сальдо на начало, ₽"), 18, MONEY_COL), Column(_("Начислено, ₽"), 16, MONEY_COL),
        Column(_("Оплачено, ₽"), 16, MONEY_COL), Column(_("Сальдо на конец, ₽"), 18, MONEY_COL),
    ], qs.iterator(chunk_size=CHUNK))


def payments_report(*, month: date, **_params) -> Report:
    first, after = month_bounds(month)
    labels = dict(ReceiptSource.choices)
    qs = (Receipt.objects.filter(paid_on__gte=first, paid_on__lt=after).order_by("paid_on", "pk")
          .values_list("paid_on", "account__number", "account__payer_name", "service__name", "source", "amount",
                       "comment"))

    def rows():
        for paid_on, number, payer, service, source, amount, comment in qs.iterator(chunk_size=CHUNK):
            yield paid_on, number, payer, service or _("Аванс"), str(labels.get(source, source)), amount, comment

    return Report(_("Поступления"), [
        Column(_("Дата оплаты"), 12, DATE_COL), Column(_("Лицевой счёт"), 16), Column(_("Плательщик"), 32),
        Column(_("Услуга"), 24), Column(_("Источник"), 22), Column(_("Сумма, ₽"), 16, MONEY_COL),
        Column(_("Комментарий"), 32),
    ], rows())


def debtors_report(**_params) -> Report:
    """Accounts owing now (``tenants.billing.balances``: the latest posted closing less the payments since),
    largest debt first; the accounts list's own selector and debt, so the two never disagree."""
    today = timezone.localdate()
    qs = (selectors.account_list(has_debt=True, today=today)
          .prefetch_related(None).order_by("-debt", "number")
          .values_list("number", "payer_name", *_ADDRESS, "debt"))

    def rows():
        for number, payer, *parts, debt in qs.iterator(chunk_size=CHUNK):
            yield number, payer, _address(*parts), debt

    return Report(_("Должники"), [
        Column(_("Лицевой счёт"), 16), Column(_("Плательщик"), 32), Column(_("Адрес"), 48),
        Column(_("Задолженность, ₽"), 18, MONEY_COL),
    ], rows())


BUILDERS = {
    ReportKind.ACCOUNTS: accounts_report,
    ReportKind.TURNOVER: turnover_report,
    ReportKind.PAYMENTS: payments_report,
    ReportKind.DEBTORS: debtors_report,
}
NEEDS_MONTH = frozenset({ReportKind.TURNOVER, ReportKind.PAYMENTS})


def report_xlsx(report: Report) -> tuple[bytes, int]:
    """The report as an XLSX (header frozen, money as numbers to the kopeck, a totals row); and its row count.
    Written by the product's one XLSX writer (``billing_core.tabular.xlsx_write``), rows streamed as they come."""
    money = [c.kind == MONEY_COL for c in report.columns]
    totals = [Decimal(0) if m else None for m in money]
    count = 0

    def rows():
        nonlocal count
        yield [Cell(column.header, HEADER) for column in report.columns]
        for row in report.rows:
            count += 1
            values = list(row)
            for index, value in enumerate(values):
                if money[index] and value is not None:
                    values[index] = Decimal(value).quantize(CENT)
                    totals[index] += values[index]
            yield values
        yield [Cell(_("Итого")), *(None if t is None else Cell(t, BOLD_AMOUNT) for t in totals[1:])]

    data = xlsx_write(rows(), sheet_name=report.title, widths=[c.width for c in report.columns],
                      styles=[_STYLES.get(c.kind, GENERAL) for c in report.columns], freeze_rows=1)
    return data, count
