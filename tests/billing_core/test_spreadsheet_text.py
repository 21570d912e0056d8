"""Issue 12, item 3: every spreadsheet the product writes holds a payer's text as text, never as a formula
(OWASP CSV injection); amounts stay numbers, a negative one too."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from billing_core.tabular import spreadsheet_text

FORMULAS = ['=HYPERLINK("http://evil","Оплатить")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_text_starting_like_a_formula_gets_an_apostrophe(text):
    assert spreadsheet_text(text) == "'" + text


def test_plain_text_numbers_and_dates_are_left_alone():
    assert [spreadsheet_text(v) for v in ("Иванов И. И.", Decimal("-12.50"), -3, date(2026, 1, 5), None)] == [
        "Иванов И. И.", Decimal("-12.50"), -3, date(2026, 1, 5), None]


def test_characters_xml_forbids_are_dropped():
    assert spreadsheet_text("a\x00b\x07c\td") == "abc\td"


def test_report_xlsx_writes_a_formula_as_a_text_cell_and_amounts_as_numbers():
    from agency.reports.builders import MONEY_COL, TEXT, Column, Report, report_xlsx

    report = Report("Отчёт", [Column("ЛС", 10), Column("Плательщик", 20, TEXT), Column("Сумма", 10, MONEY_COL)],
                     iter([("001", FORMULAS[0], Decimal("-15.00")), ("002", "\x07Петров", Decimal("3"))]))
    data, rows = report_xlsx(report)
    sheet = load_workbook(io.BytesIO(data)).active
    payer, amount = sheet["B2"], sheet["C2"]
    assert (payer.data_type, payer.value) == ("s", "'" + FORMULAS[0])
    assert (amount.data_type, amount.value) == ("n", -15)
    assert sheet["B3"].value == "Петров"
    assert rows == 2


def _register_rows():
    return [(date(2026, 3, 2), "cash", "=1+1", "-7", FORMULAS[0], Decimal("-100.00"), "@svc", Decimal("-100.00"))]


def test_payout_register_csv_neutralises_texts_and_keeps_negative_amounts():
    from agency.payments.payouts import register_csv

    text = register_csv(_register_rows(), Decimal("-100.00")).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[2:5] == ["'=1+1", "'-7", "'" + FORMULAS[0]]
    assert (row[5], row[6], row[7]) == ("-100,00", "'@svc", "-100,00")


def test_payout_register_xlsx_neutralises_texts_and_keeps_negative_amounts():
    from agency.payments.payouts import register_xlsx

    sheet = load_workbook(io.BytesIO(register_xlsx(_register_rows(), Decimal("-100.00"), title="Реестр"))).active
    assert [sheet.cell(3, c).value for c in (3, 4, 5, 7)] == ["'=1+1", "'-7", "'" + FORMULAS[0], "'@svc"]
    assert all(sheet.cell(3, c).data_type == "s" for c in (3, 4, 5, 7))
    assert sheet.cell(3, 6).value == -100 and sheet.cell(3, 6).data_type == "n"


@pytest.mark.parametrize("name", ["Иванов\tИван", "Иванов\nИван", "Иванов\x00", "Иванов\u2028", "a\ud800"])
def test_a_name_with_a_control_character_is_refused_naming_the_field(name):
    from django.core.exceptions import ValidationError

    from billing_core.text import name_check

    with pytest.raises(ValidationError) as refused:
        name_check(name, field="payer_name")
    assert [(f, [e.code for e in errs]) for f, errs in refused.value.error_dict.items()] == [
        ("payer_name", ["INVALID_CHARACTERS"])]
