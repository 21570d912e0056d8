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

from django.db import connection
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.reports.models import ReportKind
from billing_core.tabular import AMOUNT, BOLD_AMOUNT, DATE, DECIMAL, GENERAL, HEADER, Cell, xlsx_write
from tenants.billing import selectors
from tenants.billing.models import Balance, BillingPeriod, PeriodStatus
from tenants.collection import rates
from tenants.collection.models import Stage
from tenants.receipts.models import Receipt, ReceiptSource
from tenants.registry.models import House, PremiseKind

CHUNK = 2000
CENT = Decimal("0.01")

TEXT, MONEY_COL, AREA_COL, INT_COL, DATE_COL = "text", "money", "area", "int", "date"
PERCENT_COL = "percent"
# a column's style for its numbers and dates (money #,##0.00, area and per cent 0.00, dates DD.MM.YYYY; text and
# counts general)
_STYLES = {MONEY_COL: AMOUNT, AREA_COL: DECIMAL, PERCENT_COL: DECIMAL, DATE_COL: DATE}


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


# --- debt collection (tenants.collection): the rate tables and the register ---------------------------------------

RATE_MONTHS = 12  # a rate report without a month: the last posted month and the eleven before it


def _rate_range(month: date | None) -> tuple[date, date]:
    last = month.replace(day=1) if month else (
        BillingPeriod.objects.filter(status=PeriodStatus.POSTED).aggregate(m=Max("month"))["m"]
        or timezone.localdate().replace(day=1))
    index = last.year * 12 + last.month - 1 - (RATE_MONTHS - 1)
    return date(index // 12, index % 12 + 1, 1), last


def _rate_columns(first: Column) -> list[Column]:
    return [first, Column(_("Начислено, ₽"), 18, MONEY_COL), Column(_("Оплачено, ₽"), 18, MONEY_COL),
            Column(_("Собираемость, %"), 16, PERCENT_COL)]


def collection_rates_report(*, month: date | None = None, **_params) -> Report:
    """Charged (charged + recalculated − benefits) against paid (what each posted period counted), per month of
    the twelve up to ``month`` (else the last posted)."""
    month_from, month_to = _rate_range(month)
    rows = ((r.month, r.charged, r.paid, r.rate)
            for r in rates.rates_by_month(month_from=month_from, month_to=month_to))
    return Report(_("Собираемость платежей"), _rate_columns(Column(_("Месяц"), 12, DATE_COL)), rows)


def collection_by_house_report(*, month: date | None = None, **_params) -> Report:
    month_from, month_to = _rate_range(month)
    rows = ((r.address, r.charged, r.paid, r.rate)
            for r in rates.rates_by_house(month_from=month_from, month_to=month_to))
    return Report(_("Собираемость по домам"), _rate_columns(Column(_("Дом"), 48)), rows)


def debt_by_age_report(**_params) -> Report:
    """The register's principal debt by age (months since the month it was charged for) and each age's share."""
    rows = ((r.bucket, r.amount, r.share) for r in rates.rates_by_age())
    return Report(_("Задолженность по возрасту"), [
        Column(_("Возраст долга, мес."), 20), Column(_("Основной долг, ₽"), 18, MONEY_COL),
        Column(_("Доля, %"), 12, PERCENT_COL),
    ], rows)


_REGISTER_SQL = """
SELECT d.number, d.payer_name, d.address, s.name, l.debt, l.principal_debt, l.penalties, l.age_1, l.age_2,
       l.age_3, l.age_4_6, l.age_7_12, l.age_over_12, l.months_of_norm, l.threshold AND l.restrictable,
       d.stage, d.last_paid_on, d.last_paid_amount
FROM collection_debtor d
JOIN collection_debtorline l ON l.account_id = d.account_id
JOIN billing_service s ON s.id = l.service_id
ORDER BY d.debt DESC, d.account_id, s.sort_order, s.id
"""


def debtor_register_report(**_params) -> Report:
    """The debtor register as the last ``register_refresh`` left it: a line per account and service, largest
    debtor first, read through a server-side cursor in chunks."""
    stages = dict(Stage.choices)
    yes, no = _("Да"), _("Нет")

    def rows():
        with connection.chunked_cursor() as cursor:
            cursor.execute(_REGISTER_SQL)
            while chunk := cursor.fetchmany(CHUNK):
                for *head, threshold, stage, last_on, last_amount in chunk:
                    yield (*head, yes if threshold else no, str(stages.get(stage, stage)), last_on, last_amount)

    return Report(_("Реестр должников"), [
        Column(_("Лицевой счёт"), 16), Column(_("Плательщик"), 32), Column(_("Адрес"), 48), Column(_("Услуга"), 24),
        Column(_("Долг, ₽"), 16, MONEY_COL), Column(_("Основной долг, ₽"), 16, MONEY_COL),
        Column(_("Пени, ₽"), 14, MONEY_COL), Column(_("1 мес., ₽"), 14, MONEY_COL),
        Column(_("2 мес., ₽"), 14, MONEY_COL), Column(_("3 мес., ₽"), 14, MONEY_COL),
        Column(_("4–6 мес., ₽"), 14, MONEY_COL), Column(_("7–12 мес., ₽"), 14, MONEY_COL),
        Column(_("Более 12 мес., ₽"), 16, MONEY_COL), Column(_("Долг в месячных нормативах"), 14, AREA_COL),
        Column(_("Порог п.118 ПП 354"), 12), Column(_("Стадия работы"), 24),
        # the account's, repeated on each of its lines: not a money column, so no total adds it up again
        Column(_("Последняя оплата"), 12, DATE_COL), Column(_("Сумма последней оплаты, ₽"), 16, AREA_COL),
    ], rows())


BUILDERS = {
    ReportKind.ACCOUNTS: accounts_report,
    ReportKind.TURNOVER: turnover_report,
    ReportKind.PAYMENTS: payments_report,
    ReportKind.DEBTORS: debtors_report,
    ReportKind.COLLECTION_RATES: collection_rates_report,
    ReportKind.COLLECTION_BY_HOUSE: collection_by_house_report,
    ReportKind.DEBT_BY_AGE: debt_by_age_report,
    ReportKind.DEBTOR_REGISTER: debtor_register_report,
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
