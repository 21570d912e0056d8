"""Uploaded tables: encodings, separators, XLSX, missing columns — each problem names its line."""

import io

from openpyxl import Workbook

from billing_core.tabular import read_table

COLUMNS = {"account": ("лицевой счёт",), "amount": ("сумма",)}


def test_cp1251_semicolon_file_is_read_with_line_numbers():
    data = "Лицевой счёт;Сумма\r\n001;10,50\r\n\r\n002;7\r\n".encode("cp1251")
    table = read_table(data, columns=COLUMNS)
    assert table.errors == []
    assert table.encoding == "cp1251"
    assert table.rows == [(2, {"account": "001", "amount": "10,50"}), (4, {"account": "002", "amount": "7"})]


def test_utf8_with_bom_and_commas():
    data = "\ufeffaccount,amount\n001,1.00\n".encode()
    table = read_table(data, columns=COLUMNS)
    assert table.encoding == "utf-8"
    assert table.rows == [(2, {"account": "001", "amount": "1.00"})]


def test_declared_utf8_but_cp1251_bytes_names_the_line():
    data = "account;amount\n001;1\nСчёт;2\n".encode("cp1251")
    table = read_table(data, columns=COLUMNS, encoding="utf-8")
    assert [(e.line, e.code) for e in table.errors] == [(3, "ENCODING")]
    assert table.rows == []


def test_missing_column_is_named():
    table = read_table(b"account;total\n001;1\n", columns=COLUMNS)
    assert [(e.line, e.field, e.code) for e in table.errors] == [(1, "amount", "COLUMN_MISSING")]


def test_xlsx_is_read():
    book = Workbook()
    sheet = book.active
    sheet.append(["Лицевой счёт", "Сумма"])
    sheet.append(["001", 12.5])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), columns=COLUMNS)
    assert table.errors == []
    assert table.rows == [(2, {"account": "001", "amount": "12.5"})]


def test_broken_xlsx_is_refused():
    table = read_table(b"PK\x03\x04 not really a zip", columns=COLUMNS)
    assert [e.code for e in table.errors] == ["FILE_FORMAT"]
