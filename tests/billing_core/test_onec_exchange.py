"""1C client-bank exchange: payment orders written for the bank, statements read back."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_core.error_codes import ErrorCode
from billing_core.onec_exchange import (
    NO_VAT,
    BankParty,
    PaymentOrder,
    one_line,
    payment_orders_write,
    purpose_with_vat,
    statement_read,
)
from billing_core.requisites import account_with_control_key, inn_with_check_digits

BIC = "044525225"
CORR = "30101810400000000225"
OTHER_BIC = "047888670"
OTHER_CORR = account_with_control_key("30101810000000000670", OTHER_BIC, correspondent=True)

AGENT = BankParty(
    name="ООО «ЕРЦ Северный»", inn=inn_with_check_digits("760100001"), kpp="760101001",
    account=account_with_control_key("40702810000000000001", BIC), bank_name="ПАО Сбербанк",
    bic=BIC, correspondent_account=CORR, bank_city="г. Москва",
)
PRINCIPAL = BankParty(
    name="АО «Городские тепловые сети»", inn=inn_with_check_digits("760200002"), kpp="760201001",
    account=account_with_control_key("40702810000000000777", OTHER_BIC), bank_name="Ярославское отделение №17",
    bic=OTHER_BIC, correspondent_account=OTHER_CORR,
)
CREATED = datetime(2026, 6, 2, 9, 30, 5)


def order(**changes) -> PaymentOrder:
    base = PaymentOrder(
        number="17", date=date(2026, 6, 2), amount=Decimal("123456.78"), payer=AGENT, payee=PRINCIPAL,
        purpose="Перечисление платежей населения за 01.06.2026 по агентскому договору №5 от 01.01.2026 "
                "за вычетом вознаграждения агента 1234.57 руб.",
    )
    return replace(base, **changes)


# --- writing, and reading our own file back ----------------------------------------------------


def test_written_file_is_cp1251_crlf_with_the_header_and_one_section_per_order():
    data = payment_orders_write([order(), order(number="18", amount=Decimal("0.01"), vat=Decimal("0.00"))],
                                account=AGENT.account, created_at=CREATED)
    text = data.decode("cp1251")
    assert "\n" not in text.replace("\r\n", "")
    assert text.endswith("КонецФайла\r\n")
    lines = text.split("\r\n")
    assert lines[:10] == [
        "1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=ЖКХ-агент",
        "Получатель=", "ДатаСоздания=02.06.2026", "ВремяСоздания=09:30:05", "ДатаНачала=02.06.2026",
        "ДатаКонца=02.06.2026", f"РасчСчет={AGENT.account}",
    ]
    assert lines.count("СекцияДокумент=Платежное поручение") == 2
    assert lines.count("КонецДокумента") == 2
    assert "Сумма=123456.78" in lines and "Сумма=0.01" in lines
    assert "ВидОплаты=01" in lines and "Очередность=5" in lines


def test_round_trip_keeps_every_field():
    orders = [order(), order(number="18", amount=Decimal("5.10"), purpose="Перечисление = аванс\r\nвторая строка")]
    statement = statement_read(payment_orders_write(orders, account=AGENT.account, created_at=CREATED))
    assert statement.errors == []
    assert statement.version == "1.03" and statement.encoding == "cp1251"
    assert statement.header_accounts == [AGENT.account]
    assert statement.incoming == []
    assert [d.number for d in statement.outgoing] == ["17", "18"]
    for doc, sent in zip(statement.outgoing, orders, strict=True):
        assert doc.kind == "Платежное поручение"
        assert (doc.date, doc.amount) == (sent.date, sent.amount)
        f = doc.fields
        for role, party in (("Плательщик", sent.payer), ("Получатель", sent.payee)):
            assert f[f"{role}Счет"] == party.account
            assert f[role] == party.name
            assert f[f"{role}ИНН"] == party.inn
            assert f[f"{role}КПП"] == party.kpp
            assert f[f"{role}Банк1"] == party.bank_name
            assert f[f"{role}БИК"] == party.bic
            assert f[f"{role}Корсчет"] == party.correspondent_account
        assert (f["ВидПлатежа"], f["ВидОплаты"], f["Очередность"]) == ("", "01", "5")
        assert f["НазначениеПлатежа"].endswith(NO_VAT)
    assert statement.outgoing[0].fields["ПлательщикБанк2"] == "г. Москва"
    assert "ПолучательБанк2" not in statement.outgoing[0].fields
    # "=" survives, the line break became one space
    assert statement.outgoing[1].fields["НазначениеПлатежа"] == "Перечисление = аванс вторая строка. " + NO_VAT


purposes = st.text(
    alphabet=st.sampled_from("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЯ №0123456789.,;:=-()«»\"'/\r\n\t"),
    max_size=150,
)


@settings(max_examples=80, deadline=None)
@given(purposes, st.integers(min_value=1, max_value=10**13), st.text(alphabet="0123456789", min_size=1, max_size=6))
def test_round_trip_property(purpose, kopecks, number):
    amount = Decimal(kopecks).scaleb(-2)
    sent = order(purpose=purpose, amount=amount, number=number)
    doc = statement_read(payment_orders_write([sent], account=AGENT.account, created_at=CREATED)).outgoing[0]
    assert doc.amount == amount
    assert doc.number == number
    expected = one_line(purpose)
    assert doc.fields["НазначениеПлатежа"].startswith(expected)
    assert "\r" not in doc.fields["НазначениеПлатежа"] and "\n" not in doc.fields["НазначениеПлатежа"]
    if "НДС" not in expected.upper():
        assert doc.fields["НазначениеПлатежа"].endswith(NO_VAT)


def test_vat_clause():
    assert purpose_with_vat("Оплата", None) == "Оплата. НДС не облагается"
    assert purpose_with_vat("Оплата.", Decimal("20")) == "Оплата. В т.ч. НДС 20.00 руб."
    assert purpose_with_vat("Оплата, без НДС", None) == "Оплата, без НДС"


@pytest.mark.parametrize(
    ("changes", "key", "code"),
    [
        ({"payee": replace(PRINCIPAL, account="40702810000000000778")}, "orders.0.payee.account",
         ErrorCode.ACCOUNT_CONTROL_KEY),
        ({"payee": replace(PRINCIPAL, inn="7601000010")}, "orders.0.payee.inn", ErrorCode.INN_CHECKSUM),
        ({"payee": replace(PRINCIPAL, bic="12345")}, "orders.0.payee.bic", ErrorCode.BIC_FORMAT),
        ({"payee": replace(PRINCIPAL, name="  ")}, "orders.0.payee.name", ErrorCode.REQUIRED),
        ({"amount": Decimal("0.00")}, "orders.0.amount", ErrorCode.ONEC_AMOUNT),
        ({"amount": Decimal("1.005")}, "orders.0.amount", ErrorCode.ONEC_AMOUNT),
        ({"purpose": "Оплата 😀"}, "orders.0.purpose", ErrorCode.ONEC_VALUE),
        ({"payee": replace(PRINCIPAL, name="ООО «Ромашка» ☀")}, "orders.0.payee.name", ErrorCode.ONEC_VALUE),
        ({"purpose": "я" * 200}, "orders.0.purpose", ErrorCode.ONEC_VALUE),
        ({"payer": replace(AGENT, account=account_with_control_key("40702810000000000002", BIC))},
         "orders.0.payer.account", ErrorCode.ONEC_VALUE),
    ],
)
def test_bad_orders_are_refused_with_the_field_named(changes, key, code):
    with pytest.raises(ValidationError) as exc:
        payment_orders_write([order(**changes)], account=AGENT.account, created_at=CREATED)
    assert key in exc.value.error_dict
    assert [e.code for e in exc.value.error_dict[key]] == [code]


def test_no_orders_is_refused():
    with pytest.raises(ValidationError) as exc:
        payment_orders_write([], account=AGENT.account, created_at=CREATED)
    assert "orders" in exc.value.error_dict


# --- reading a bank statement ------------------------------------------------------------------

OWN = "40702810900000012345"
STATEMENT_LINES = [
    "1CClientBankExchange",                                             # 1
    "ВерсияФормата=1.02",
    "Кодировка=Windows",
    "Отправитель=Сбербанк Бизнес Онлайн",
    "Получатель=1С:Бухгалтерия предприятия",                            # 5
    "ДатаСоздания=02.06.2026",
    "ВремяСоздания=08:30:12",
    "ДатаНачала=01.06.2026",
    "ДатаКонца=01.06.2026",
    f"РасчСчет={OWN}",                                                  # 10
    "Документ=Платежное поручение",
    "Документ=Банковский ордер",
    "СекцияРасчСчет",
    "ДатаНачала=01.06.2026",
    "ДатаКонца=01.06.2026",                                             # 15
    f"РасчСчет={OWN}",
    "НачальныйОстаток=10000.00",
    "ВсегоПоступило=5845.68",
    "ВсегоСписано=1250.50",
    "КонечныйОстаток=14595.18",                                         # 20
    "КонецРасчСчет",
    "СекцияДокумент=Платежное поручение",
    "Номер=4711",
    "Дата=01.06.2026",
    "Сумма=3807.22",                                                    # 25
    "ПлательщикСчет=30233810400000000001",
    "Плательщик=ИНН 7707083893 ПАО СБЕРБАНК",
    "ПлательщикИНН=7707083893",
    "ПлательщикБанк1=ПАО СБЕРБАНК",
    "ПлательщикБИК=044525225",                                          # 30
    "ПлательщикКорсчет=30101810400000000225",
    f"ПолучательСчет={OWN}",
    "ДатаПоступило=01.06.2026",
    "Получатель=ИНН 7601000011 ООО \"ЕРЦ\"",
    "ПолучательИНН=7601000011",                                         # 35
    "ВидОплаты=01",
    "Очередность=5",
    "НазначениеПлатежа=Перечисление по реестру №4711 от 01.06.2026 = 3 платежа, комиссия 38,46. НДС не облагается",
    "КонецДокумента",
    "СекцияДокумент=Платежное поручение",                               # 40
    "Номер=15",
    "Дата=31.05.2026",
    "Сумма=2038.46",
    "ПлательщикСчет=40702810500000000099",
    "Плательщик=ООО Арендатор",                                          # 45
    f"ПолучательСчет={OWN}",
    "ДатаПоступило=01.06.2026",
    "НазначениеПлатежа=Оплата по ЕПД за май 2026, ЛС 7600000009",
    "КонецДокумента",
    "СекцияДокумент=Платежное поручение",                               # 50
    "Номер=101",
    "Дата=01.06.2026",
    "Сумма=1200.00",
    f"ПлательщикСчет={OWN}",
    "ДатаСписано=01.06.2026",                                           # 55
    "ПолучательСчет=40702810000000000777",
    "Получатель=АО Теплосети",
    "НазначениеПлатежа=Перечисление принципалу. НДС не облагается",
    "КонецДокумента",
    "СекцияДокумент=Банковский ордер",                                  # 60
    "Номер=9001",
    "Дата=01.06.2026",
    "Сумма=50.50",
    f"ПлательщикСчет={OWN}",
    "ДатаСписано=01.06.2026",                                           # 65
    "ПолучательСчет=70601810000000000001",
    "НазначениеПлатежа=Комиссия за ведение счёта",
    "КонецДокумента",
    "КонецФайла",                                                       # 69
]


def statement_bytes(lines=STATEMENT_LINES, encoding="cp1251") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def with_line(n: int, text: str | None) -> list[str]:
    """The sample with 1-based line ``n`` replaced (or removed when ``text`` is None)."""
    lines = list(STATEMENT_LINES)
    if text is None:
        del lines[n - 1]
    else:
        lines[n - 1] = text
    return lines


def codes(statement):
    return [(e.line, e.field, e.code) for e in statement.errors]


def test_sample_statement_is_read():
    s = statement_read(statement_bytes())
    assert s.errors == []
    assert (s.version, s.encoding) == ("1.02", "cp1251")
    assert s.header["Отправитель"] == "Сбербанк Бизнес Онлайн"
    [account] = s.accounts
    assert (account.line, account.account, account.date_from, account.date_to) == (
        13, OWN, date(2026, 6, 1), date(2026, 6, 1))
    assert (account.opening_balance, account.total_in, account.total_out, account.closing_balance) == (
        Decimal("10000.00"), Decimal("5845.68"), Decimal("1250.50"), Decimal("14595.18"))
    assert [(d.line, d.number, d.amount) for d in s.incoming] == [
        (22, "4711", Decimal("3807.22")), (40, "15", Decimal("2038.46"))]
    assert [(d.kind, d.number, d.amount) for d in s.outgoing] == [
        ("Платежное поручение", "101", Decimal("1200.00")), ("Банковский ордер", "9001", Decimal("50.50"))]
    first = s.incoming[0]
    assert first.date == date(2026, 6, 1)
    assert first.fields["ПлательщикИНН"] == "7707083893"
    assert first.fields["Получатель"] == 'ИНН 7601000011 ООО "ЕРЦ"'
    assert first.fields["НазначениеПлатежа"] == (
        "Перечисление по реестру №4711 от 01.06.2026 = 3 платежа, комиссия 38,46. НДС не облагается")
    assert first.key_lines["Сумма"] == 25


def test_statement_with_lf_and_in_utf8_or_cp866_reads_the_same():
    reference = statement_read(statement_bytes())
    lf = statement_read(("\n".join(STATEMENT_LINES) + "\n").encode("cp1251"))
    utf8 = statement_read(statement_bytes(encoding="utf-8"))
    dos = statement_read(statement_bytes(with_line(3, "Кодировка=DOS"), encoding="cp866"))
    assert (utf8.encoding, dos.encoding) == ("utf-8", "cp866")
    for other in (lf, utf8, dos):
        assert other.errors == []
        assert [d.fields for d in other.documents] == [d.fields for d in reference.documents]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (with_line(25, "Сумма=3807,22"), [(25, "Сумма", ErrorCode.ONEC_AMOUNT)]),
        (with_line(24, "Дата=2026-06-01"), [(24, "Дата", ErrorCode.ONEC_DATE)]),
        (with_line(47, "ДатаПоступило=вчера"), [(47, "ДатаПоступило", ErrorCode.ONEC_DATE)]),
        (with_line(38, "вторая строка назначения"), [(38, "", ErrorCode.ONEC_LINE)]),
        (with_line(37, "Сумма=1.00"), [(37, "Сумма", ErrorCode.ONEC_DUPLICATE_KEY)]),
        (with_line(23, None), [(22, "Номер", ErrorCode.ONEC_SECTION)]),
        (with_line(20, "КонечныйОстаток=14595.19"), [(13, "КонечныйОстаток", ErrorCode.ONEC_BALANCE)]),
        (with_line(2, "ВерсияФормата=1.01"), [(None, "ВерсияФормата", ErrorCode.ONEC_VERSION)]),
    ],
)
def test_statement_errors_name_the_line(lines, expected):
    assert codes(statement_read(statement_bytes(lines))) == expected


def test_turnovers_that_do_not_match_the_documents():
    lines = with_line(43, "Сумма=2038.45")
    s = statement_read(statement_bytes(lines))
    assert codes(s) == [(13, "ВсегоПоступило", ErrorCode.ONEC_BALANCE)]
    assert "5845.68" in s.errors[0].message and "5845.67" in s.errors[0].message


def test_truncated_file_is_an_error():
    s = statement_read(statement_bytes(STATEMENT_LINES[:45]))
    assert codes(s) == [(40, "", ErrorCode.ONEC_SECTION), (None, "", ErrorCode.ONEC_SECTION)]
    unfinished = statement_read(statement_bytes(with_line(49, None)))  # the next section now starts on 49
    assert codes(unfinished) == [(49, "", ErrorCode.ONEC_SECTION)]
    assert "строке 40" in unfinished.errors[0].message
    assert [d.number for d in unfinished.documents] == ["4711", "101", "9001"]


def test_not_an_exchange_file():
    assert codes(statement_read(b"")) == [(1, "", ErrorCode.ONEC_FORMAT)]
    assert codes(statement_read("Дата;Сумма\r\n".encode("cp1251"))) == [(1, "", ErrorCode.ONEC_FORMAT)]


def test_document_that_is_neither_ours_nor_dated_is_an_error():
    lines = with_line(46, "ПолучательСчет=40702810000000000555")
    lines = [ln for i, ln in enumerate(lines, start=1) if i != 47]  # and no ДатаПоступило either
    s = statement_read(statement_bytes(lines))
    assert (40, "", ErrorCode.ONEC_VALUE) in codes(s)
    assert [d.number for d in s.incoming] == ["4711"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*STATEMENT_LINES, "Сумма=" + "9" * 40, "=", "КонецДокумента", "", "мусор"]),
                max_size=80),
       st.sampled_from(["cp1251", "utf-8", "cp866"]))
def test_reader_never_raises_on_shuffled_lines(lines, encoding):
    s = statement_read(statement_bytes(["1CClientBankExchange", *lines], encoding=encoding))
    assert all(e.line is None or 1 <= e.line <= len(lines) + 1 for e in s.errors)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_reader_never_raises_on_random_bytes(data):
    statement_read(b"1CClientBankExchange\r\n" + data)
