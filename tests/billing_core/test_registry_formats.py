"""Bank payment registries: presets, named errors, totals, encodings, idempotency keys."""

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_core.error_codes import ErrorCode
from billing_core.registry_formats import (
    GENERIC_CSV_UTF8,
    PRESETS,
    SBER_STANDARD,
    RegistryLayout,
    TotalsSpec,
    parse_money,
    parse_registry,
    utf8_read_as_cp1251,
)

# A hand-written Sberbank-shaped registry: (date, time, branch, cashier, account, name, address,
# period, amount, fee, operation id, readings).
SBER_PAYMENTS = [
    ("01-06-2026", "09-15-02", "8640", "0017", "7600000001", "ИВАНОВ ИВАН ИВАНОВИЧ",
     "Г ЯРОСЛАВЛЬ, УЛ ЖИЛАЯ, Д 1, КВ 1", "0526", "1500,00", "15,00", "100200300", ["ХВС-1", "123,456", "ГВС-1", "45"]),
    ("01-06-2026", "10-01-44", "8640", "0017", "7600000002", "ПЕТРОВА ЁЛКА", "Г ЯРОСЛАВЛЬ, УЛ ЖИЛАЯ, Д 1, КВ 2",
     "0526", "2 345,67", "23,46", "100200301", []),
    ("01-06-2026", "18-59-59", "8640", "0101", "7600000003", "СИДОРОВ С С", "Г ЯРОСЛАВЛЬ, УЛ ЖИЛАЯ, Д 1, КВ 3",
     "0426", "0,01", "0,00", "100200302", []),
]


def money(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


def sber_line(p) -> str:
    return ";".join([*p[:11], *p[11]])


def sber_file(payments=SBER_PAYMENTS, *, count=None, total=None, fee=None, extra_lines=(), encoding="cp1251") -> bytes:
    count = len(payments) if count is None else count
    total = sum(money(p[8]) for p in payments) if total is None else total
    fee = sum(money(p[9]) for p in payments) if fee is None else fee
    lines = [sber_line(p) for p in payments]
    lines.append(f"={count};{str(total).replace('.', ',')};{str(total - fee).replace('.', ',')};"
                 f"{str(fee).replace('.', ',')};4711;01-06-2026")
    lines.extend(extra_lines)
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def codes(parsed):
    return [(e.line, e.field, e.code) for e in parsed.errors]


# --- the Sberbank preset ------------------------------------------------------------------------


def test_sber_registry_is_read_exactly():
    parsed = parse_registry(sber_file(), SBER_STANDARD)
    assert parsed.errors == []
    assert parsed.ok
    assert [r.line for r in parsed.rows] == [1, 2, 3]
    first, second, third = parsed.rows
    assert first.date == date(2026, 6, 1)
    assert first.time == time(9, 15, 2)
    assert (first.branch, first.cashier, first.account) == ("8640", "0017", "7600000001")
    assert first.payer_name == "ИВАНОВ ИВАН ИВАНОВИЧ"
    assert first.address == "Г ЯРОСЛАВЛЬ, УЛ ЖИЛАЯ, Д 1, КВ 1"
    assert first.period == date(2026, 5, 1)
    assert (first.amount, first.fee, first.document_id) == (Decimal("1500.00"), Decimal("15.00"), "100200300")
    assert first.readings == (("ХВС-1", Decimal("123.456")), ("ГВС-1", Decimal("45")))
    assert second.amount == Decimal("2345.67")  # thousands separated by a space
    assert second.readings == ()
    assert third.amount == Decimal("0.01") and third.period == date(2026, 4, 1)
    assert parsed.totals.count == 3
    assert parsed.totals.amount == Decimal("3845.68") == parsed.amount_sum
    assert parsed.totals.fee == Decimal("38.46") == parsed.fee_sum


def test_presets_are_named():
    assert set(PRESETS) >= {"sber_standard", "generic_csv_utf8"}
    assert PRESETS["sber_standard"] is SBER_STANDARD
    assert "[practice/check]" in SBER_STANDARD.source_note


def test_one_broken_line_is_named_and_the_registry_is_not_ok():
    payments = [list(p) for p in SBER_PAYMENTS]
    payments[1][8] = "2345,6x"
    parsed = parse_registry(sber_file(payments, total=Decimal("3845.68")), SBER_STANDARD)
    assert codes(parsed) == [(2, "amount", ErrorCode.REGISTRY_AMOUNT)]
    assert "Строка 2" in parsed.errors[0].message and "2345,6x" in parsed.errors[0].message
    assert not parsed.ok
    assert [r.line for r in parsed.rows] == [1, 3]  # readable lines are shown, but nothing may be posted


@pytest.mark.parametrize(
    ("column", "value", "field", "code"),
    [
        (0, "31-02-2026", "date", ErrorCode.REGISTRY_DATE),
        (0, "2026-06-01", "date", ErrorCode.REGISTRY_DATE),
        (1, "25-00-00", "time", ErrorCode.REGISTRY_DATE),
        (7, "1326", "period", ErrorCode.REGISTRY_DATE),
        (8, "100,005", "amount", ErrorCode.REGISTRY_AMOUNT),  # three decimals are refused, not rounded
        (8, "1.234", "amount", ErrorCode.REGISTRY_AMOUNT),  # a point in a comma layout is not guessed
        (8, "-5,00", "amount", ErrorCode.REGISTRY_AMOUNT),
        (8, "0,00", "amount", ErrorCode.REGISTRY_AMOUNT),
        (8, "", "amount", ErrorCode.REGISTRY_AMOUNT),
        (9, "abc", "fee", ErrorCode.REGISTRY_AMOUNT),
        (9, "1600,00", "fee", ErrorCode.REGISTRY_AMOUNT),  # more than the payment
        (4, "", "account", ErrorCode.REGISTRY_KEY_MISSING),
    ],
)
def test_each_bad_value_names_its_line_and_field(column, value, field, code):
    payments = [list(p) for p in SBER_PAYMENTS]
    payments[0][column] = value
    parsed = parse_registry(sber_file(payments, total=Decimal("3845.68"), fee=Decimal("38.46")), SBER_STANDARD)
    assert codes(parsed) == [(1, field, code)]


def test_all_problems_of_a_line_are_reported_together():
    payments = [list(p) for p in SBER_PAYMENTS]
    payments[2][0] = "вчера"
    payments[2][8] = "много"
    parsed = parse_registry(sber_file(payments, total=Decimal("3845.68")), SBER_STANDARD)
    assert codes(parsed) == [(3, "date", ErrorCode.REGISTRY_DATE), (3, "amount", ErrorCode.REGISTRY_AMOUNT)]


def test_short_line_and_bad_reading_are_named():
    payments = [list(p) for p in SBER_PAYMENTS]
    payments[0][11] = ["ХВС-1", "12,5", "ГВС-1", "минус"]
    short = ";".join(SBER_PAYMENTS[1][:6])
    data = sber_file(payments).replace(sber_line(SBER_PAYMENTS[1]).encode("cp1251"), short.encode("cp1251"))
    parsed = parse_registry(data, SBER_STANDARD)
    assert codes(parsed) == [(1, "reading_2", ErrorCode.REGISTRY_VALUE), (2, "", ErrorCode.REGISTRY_COLUMNS)]
    assert "6 столбцов вместо 11" in parsed.errors[1].message


# --- totals ---------------------------------------------------------------------------------------


def test_totals_count_mismatch_is_a_file_level_error_on_the_totals_line():
    parsed = parse_registry(sber_file(count=4), SBER_STANDARD)
    assert codes(parsed) == [(4, "totals.count", ErrorCode.REGISTRY_TOTALS_MISMATCH)]
    assert "платежей 4, а в файле 3" in parsed.errors[0].message


def test_totals_sum_and_fee_mismatch():
    parsed = parse_registry(sber_file(total=Decimal("3845.69"), fee=Decimal("38.45")), SBER_STANDARD)
    assert codes(parsed) == [
        (4, "totals.amount", ErrorCode.REGISTRY_TOTALS_MISMATCH),
        (4, "totals.fee", ErrorCode.REGISTRY_TOTALS_MISMATCH),
    ]
    assert "3845.69" in parsed.errors[0].message and "3845.68" in parsed.errors[0].message


def test_sums_are_not_compared_when_a_line_is_unreadable():
    # the broken line's amount is unknown, so a sum mismatch would be noise; the count still holds
    payments = [list(p) for p in SBER_PAYMENTS]
    payments[0][8] = "x"
    parsed = parse_registry(sber_file(payments, total=Decimal("1.00"), count=3), SBER_STANDARD)
    assert codes(parsed) == [(1, "amount", ErrorCode.REGISTRY_AMOUNT)]


def test_missing_totals_line_and_lines_after_it():
    no_totals = "\r\n".join(sber_line(p) for p in SBER_PAYMENTS).encode("cp1251")
    parsed = parse_registry(no_totals, SBER_STANDARD)
    assert codes(parsed) == [(None, "totals", ErrorCode.REGISTRY_TOTALS_MISSING)]
    after = parse_registry(sber_file(extra_lines=[sber_line(SBER_PAYMENTS[0])]), SBER_STANDARD)
    assert codes(after) == [(5, "", ErrorCode.REGISTRY_AFTER_TOTALS)]


def test_unreadable_totals_line_is_named():
    data = sber_file().replace(b"=3;", b"=three;")
    parsed = parse_registry(data, SBER_STANDARD)
    assert codes(parsed) == [(4, "totals.count", ErrorCode.REGISTRY_TOTALS_MISMATCH)]


def test_empty_registry():
    assert codes(parse_registry(b"", SBER_STANDARD)) == [
        (None, "", ErrorCode.REGISTRY_EMPTY), (None, "totals", ErrorCode.REGISTRY_TOTALS_MISSING)]
    # a day without payments, stated as such, is fine
    assert parse_registry(b"=0;0,00;0,00;0,00;0;01-06-2026\r\n", SBER_STANDARD).ok


# --- encodings ----------------------------------------------------------------------------------


def test_utf8_bytes_in_a_cp1251_layout_name_the_first_non_ascii_line():
    data = sber_file(encoding="utf-8")
    parsed = parse_registry(data, SBER_STANDARD)
    assert codes(parsed) == [(1, "", ErrorCode.REGISTRY_ENCODING)]
    assert parsed.rows == []


def test_cp1251_text_that_happens_to_be_valid_utf8_is_read_as_cp1251():
    # "ВЁ" in cp1251 is C2 A8, which is also valid UTF-8 (a symbol, not a Cyrillic letter): found by Hypothesis
    line = "02-06-2026;12-00-00;8640;1;000000;ВЁ;addr;0526;0,01;0,00;op0\r\n=1;0,01;0,01;0,00;1;02-06-2026"
    parsed = parse_registry(line.encode("cp1251"), SBER_STANDARD)
    assert parsed.errors == []
    assert [r.payer_name for r in parsed.rows] == ["ВЁ"]


def test_cp1251_bytes_in_a_utf8_layout_name_the_first_undecodable_line():
    data = ("id,date,time,account,ipd,payer,address,period,amount,fee\n"
            "1,2026-06-01,10:00:00,7600000001,,Ivanov,addr,2026-05,10.00,0.00\n"
            "2,2026-06-01,10:00:01,7600000002,,Петров,addr,2026-05,11.00,0.00\n").encode("cp1251")
    parsed = parse_registry(data, GENERIC_CSV_UTF8)
    assert codes(parsed) == [(3, "", ErrorCode.REGISTRY_ENCODING)]
    assert "строка 3" in parsed.errors[0].message
    assert parsed.rows == []


# --- the generic CSV preset -----------------------------------------------------------------------


def test_generic_csv_with_bom_quotes_and_optional_totals():
    text = (
        "\ufeffid,date,time,account,ipd,payer,address,period,amount,fee\n"
        'A-1,2026-06-01,10:00:00,7600000001,,"Иванов, Иван","г. Ярославль, ул. Жилая, 1",2026-05,1234.50,12.35\n'
        "A-2,2026-06-01,10:05:00,,01АБВГД123456-01-6051,Петров,,2026-05,100,0\n"
    )
    parsed = parse_registry(text.encode(), GENERIC_CSV_UTF8)
    assert parsed.errors == []
    assert parsed.totals is None
    a, b = parsed.rows
    assert (a.line, a.payer_name, a.address, a.amount, a.fee) == (
        2, "Иванов, Иван", "г. Ярославль, ул. Жилая, 1", Decimal("1234.50"), Decimal("12.35"))
    assert (b.account, b.payment_document_id, b.amount) == ("", "01АБВГД123456-01-6051", Decimal("100.00"))
    with_totals = parse_registry((text + "ИТОГО,2,1334.51,12.35\n").encode(), GENERIC_CSV_UTF8)
    assert codes(with_totals) == [(4, "totals.amount", ErrorCode.REGISTRY_TOTALS_MISMATCH)]


# --- idempotency keys -----------------------------------------------------------------------------


def test_key_from_the_bank_document_id_is_stable_across_files():
    once = parse_registry(sber_file(), SBER_STANDARD).rows
    resent = parse_registry(sber_file(SBER_PAYMENTS[1:]), SBER_STANDARD).rows
    assert once[1].key == resent[0].key == "doc:sber_standard:100200301:2026-06-01:2345.67"
    other_bank = parse_registry(sber_file(), SBER_STANDARD, source="044525225").rows
    assert other_bank[1].key != once[1].key


def test_key_without_document_id_hashes_the_normalised_row():
    layout = replace(SBER_STANDARD, name="no_ids", columns={k: v for k, v in SBER_STANDARD.columns.items()
                                                            if k != "document_id"})
    base = [list(p) for p in SBER_PAYMENTS]
    respaced = [list(p) for p in SBER_PAYMENTS]
    respaced[0][5] = "  Иванов   Иван  Иванович "  # the same payer, typed differently
    changed = [list(p) for p in SBER_PAYMENTS]
    changed[0][8], changed[0][9] = "1500,01", "15,00"
    keys = [[r.key for r in parse_registry(sber_file(p), layout).rows] for p in (base, respaced)]
    assert keys[0] == keys[1]
    assert keys[0][0].startswith("row:") and len(keys[0][0]) == 4 + 64
    assert len(set(keys[0])) == 3
    changed_rows = parse_registry(sber_file(changed), layout).rows
    assert changed_rows[0].key != keys[0][0] and changed_rows[1].key == keys[0][1]


def test_the_same_payment_twice_in_a_file_is_named():
    payments = [*SBER_PAYMENTS, SBER_PAYMENTS[0]]
    parsed = parse_registry(sber_file(payments), SBER_STANDARD)
    assert codes(parsed) == [(4, "document_id", ErrorCode.REGISTRY_DUPLICATE_ROW)]
    assert "строки 1" in parsed.errors[0].message


# --- layouts and values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"columns": {"date": 0, "account": 1}}, "columns"),  # no amount
        ({"columns": {"date": 0, "amount": 1}}, "columns"),  # no key field
        ({"columns": {"date": 0, "amount": 1, "account": 1}}, "columns"),
        ({"columns": {"date": 0, "amount": 1, "account": 2, "colour": 3}}, "columns"),
        ({"encoding": "klingon"}, "encoding"),
        ({"decimal_separator": ";"}, "decimal_separator"),
        ({"readings_from": 2}, "readings_from"),
        ({"totals": TotalsSpec(pattern="(", count_column=0, sum_column=1)}, "totals"),
    ],
)
def test_bad_layouts_are_refused(changes, field):
    fields = {"name": "x", "title": "x", "encoding": "cp1251", "separator": ";",
              "columns": {"date": 0, "amount": 1, "account": 2}, **changes}
    with pytest.raises(ValidationError) as exc:
        RegistryLayout(**fields)
    assert field in exc.value.error_dict


@pytest.mark.parametrize(
    ("text", "sep", "expected"),
    [("1500", ",", "1500.00"), ("1 500,5", ",", "1500.50"), ("1\u00a0500,05", ",", "1500.05"),
     ("0.10", ".", "0.10"), ("1,5", ".", None), ("1.5", ",", None), ("1,505", ",", None), ("", ",", None),
     ("-1", ".", None), ("1e3", ".", None), ("١٢", ".", None), ("9" * 40, ".", None),
     ("999999999999999.99", ".", "999999999999999.99")],
)
def test_parse_money(text, sep, expected):
    assert parse_money(text, sep) == (None if expected is None else Decimal(expected))


# --- property: whatever we render in the Sberbank shape reads back exactly -------------------------

names = st.text(alphabet="АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ .-", min_size=1, max_size=40).map(str.strip).filter(bool)
payments = st.lists(
    st.tuples(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=10**5),
              st.from_regex(r"\A[0-9]{6,12}\Z"), names),
    min_size=1, max_size=20,
)


def rub(kopecks: int) -> str:
    return f"{kopecks // 100},{kopecks % 100:02d}"


@settings(max_examples=60, deadline=None)
@given(payments)
def test_rendered_registry_reads_back(items):
    lines = []
    for n, (amount_k, fee_k, account, name) in enumerate(items):
        fee_k = min(fee_k, amount_k)
        lines.append(f"02-06-2026;12-00-00;8640;1;{account};{name};addr;0526;{rub(amount_k)};{rub(fee_k)};op{n}")
    total = sum(a for a, _, _, _ in items)
    fee_total = sum(min(f, a) for a, f, _, _ in items)
    lines.append(f"={len(items)};{rub(total)};{rub(total - fee_total)};{rub(fee_total)};1;02-06-2026")
    parsed = parse_registry("\r\n".join(lines).encode("cp1251"), SBER_STANDARD)
    assert parsed.errors == []
    assert [r.amount for r in parsed.rows] == [Decimal(a) / 100 for a, _, _, _ in items]
    assert [r.account for r in parsed.rows] == [acc for _, _, acc, _ in items]
    assert [r.payer_name for r in parsed.rows] == [n for _, _, _, n in items]
    assert parsed.amount_sum == Decimal(total) / 100 and parsed.fee_sum == Decimal(fee_total) / 100
    assert len({r.key for r in parsed.rows}) == len(items)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*(sber_line(p) for p in SBER_PAYMENTS), "=3;1,00", "=x", ";;;;", "9" * 50, "",
                                 sber_line(SBER_PAYMENTS[0]).replace("1500,00", "9" * 40)]), max_size=30),
       st.sampled_from([SBER_STANDARD, GENERIC_CSV_UTF8]))
def test_parser_never_raises_and_names_real_lines(lines, layout):
    parsed = parse_registry("\r\n".join(lines).encode("cp1251"), layout)
    assert all(e.line is None or 1 <= e.line <= len(lines) for e in parsed.errors)
    assert parsed.ok == (not parsed.errors)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_raises_on_random_bytes(data):
    for layout in PRESETS.values():
        parse_registry(data, layout)


# --- a UTF-8 line inside a cp1251 file (issue 13, item 12) ------------------------------------------


def _garbled(text: str) -> str:
    """What a UTF-8 value looks like once read as cp1251 (0x98, undefined in cp1251, kept as U+0098)."""
    return text.encode("utf-8").decode("cp1251", errors="registry-c1")


@pytest.mark.parametrize("name", ["Сидоров", "СИДОРОВ С С", "Иванов Иван Иванович", "Петрова Ёлка", "Щукин-Шмидт",
                                  "Г ЯРОСЛАВЛЬ, УЛ ЖИЛАЯ, Д 1, КВ 3", "Ли Юн", "ул. Победы, д. 5 «А», кв. № 7"])
def test_utf8_russian_read_as_cp1251_is_recognised_and_recovered(name):
    # «Сидоров» in UTF-8 is D0 A1 D0 B8 D0 B4 D0 BE D1 80 D0 BE D0 B2; those bytes read as cp1251 are «РЎРёРґРѕСЂРѕРІ»
    assert _garbled("Сидоров") == "РЎРёРґРѕСЂРѕРІ"
    assert utf8_read_as_cp1251(_garbled(name)) == name


@pytest.mark.parametrize("text", ["РОССИЯ", "СЕРГЕЕВ", "Сергеев", "Россия", "ПЕТРОВА ЁЛКА", "СЁМИН", "Рябов",
                                  "Сёмина", "РЁВ", "ВЁ", "Г ЯРОСЛАВЛЬ, УЛ ЖИЛАЯ, Д 1", "Ivanov", "", "№ 5 «А»",
                                  "Р-н Заволжский", "С/Т «Рассвет»"])
def test_genuine_cp1251_text_is_not_taken_for_mojibake(text):
    # genuine cp1251 Russian: letters are bytes C0–FF, which never follow a UTF-8 lead byte; «ВЁ» (C2 A8) is valid
    # UTF-8 but spells «¨», a symbol, not a Russian letter
    assert utf8_read_as_cp1251(text) is None


def test_a_utf8_line_in_a_cp1251_file_is_refused_by_line_and_field():
    lines = [sber_line(p) for p in SBER_PAYMENTS]
    # line 2 came from another system in UTF-8: its name and address are mojibake once the file is read as cp1251
    data = ("\r\n".join(lines[:1]) + "\r\n").encode("cp1251") + (lines[1] + "\r\n").encode("utf-8") + (
        "\r\n".join([lines[2], "=3;3 845,68;3 807,22;38,46;4711;01-06-2026"]) + "\r\n").encode("cp1251")
    parsed = parse_registry(data, SBER_STANDARD)

    assert codes(parsed) == [(2, field, ErrorCode.REGISTRY_ENCODING) for field in ("payer_name", "address")]
    assert parsed.errors[0].message.startswith("Строка 2, поле «ФИО плательщика»: текст в кодировке UTF-8")
    assert "(это «ПЕТРОВА ЁЛКА»)" in parsed.errors[0].message
    assert [r.payer_name for r in parsed.rows] == ["ИВАНОВ ИВАН ИВАНОВИЧ", "СИДОРОВ С С"]  # the others are read


def test_a_utf8_line_with_a_byte_cp1251_lacks_is_named_too():
    # «И» in UTF-8 is D0 98, and 0x98 is undefined in cp1251: the line is still judged alone, not the whole file
    p = list(SBER_PAYMENTS[0])
    p[5] = "Ильин И И"
    data = (sber_line(SBER_PAYMENTS[1]) + "\r\n").encode("cp1251") + (sber_line(p) + "\r\n").encode("utf-8") + (
        "=2;3 845,67;3 807,21;38,46;4711;01-06-2026\r\n").encode("cp1251")
    parsed = parse_registry(data, SBER_STANDARD)
    # the meter codes «ХВС-1» and «ГВС-1» of its readings are garbled as well, each named
    assert codes(parsed) == [(2, field, ErrorCode.REGISTRY_ENCODING)
                             for field in ("payer_name", "address", "reading_1", "reading_2")]
    assert "(это «Ильин И И»)" in parsed.errors[0].message
    assert parsed.errors[2].message.startswith("Строка 2, поле «столбец 12»")
    assert [r.line for r in parsed.rows] == [1]


def test_a_stray_undefined_byte_is_a_line_error():
    data = sber_file().replace("ИВАНОВ".encode("cp1251"), b"\x98" + "ВАНОВ".encode("cp1251"))
    parsed = parse_registry(data, SBER_STANDARD)
    assert codes(parsed) == [(1, "", ErrorCode.REGISTRY_VALUE)]
    assert [r.line for r in parsed.rows] == [2, 3]
