"""ST00012 payment payloads (ГОСТ Р 56042-2014) and the ЕПД's set of codes."""

import copy
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_core.epd_qr import (
    MAX_LENGTH,
    QrPayloadError,
    document_qr_payloads,
    parse_payload,
    payment_payload,
)
from billing_core.error_codes import ErrorCode
from tests.documents.factories import sample_content

BASE = {
    "Name": "ООО «УК Ромашка»", "PersonalAcc": "40702810900000001234", "BankName": "ПАО Сбербанк",
    "BIC": "044525225", "CorrespAcc": "30101810400000000225",
}


def _error(**fields) -> QrPayloadError:
    with pytest.raises(QrPayloadError) as caught:
        payment_payload(**fields)
    return caught.value


def test_payload_has_header_required_keys_first_and_reads_back():
    payload = payment_payload(**BASE, Sum=123456, Purpose="Оплата ЖКУ за 10.2026, ЛС 1", PersAcc="1",
                              PaymPeriod="102026", PayeeINN="7701234567", KPP="770101001")
    assert payload.startswith("ST00012|Name=ООО «УК Ромашка»|PersonalAcc=40702810900000001234|BankName=")
    assert parse_payload(payload) == {**BASE, "Sum": "123456", "Purpose": "Оплата ЖКУ за 10.2026, ЛС 1",
                                      "PersAcc": "1", "PaymPeriod": "102026", "PayeeINN": "7701234567",
                                      "KPP": "770101001"}


@pytest.mark.parametrize("key", ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc"])
def test_each_required_key_is_required(key):
    err = _error(**{**BASE, key: None})
    assert (err.field, err.code) == (key, ErrorCode.REQUIRED)
    assert _error(**{**BASE, key: ""}).code == ErrorCode.REQUIRED


@pytest.mark.parametrize(("key", "value", "code"), [
    ("BIC", "04452522", ErrorCode.BIC_FORMAT),
    ("BIC", "04452522x", ErrorCode.BIC_FORMAT),
    ("BIC", "٠٤٤٥٢٥٢٢٥", ErrorCode.BIC_FORMAT),  # Arabic-Indic digits are digits to str.isdigit
    ("PersonalAcc", "4070281090000000123", ErrorCode.ACCOUNT_FORMAT),
    ("CorrespAcc", "3010181040000000022X", ErrorCode.ACCOUNT_FORMAT),
    ("PayeeINN", "77012345", ErrorCode.INN_FORMAT),
    ("KPP", "77010100", ErrorCode.KPP_FORMAT),
    ("PaymPeriod", "132026", ErrorCode.INVALID),
    ("PaymPeriod", "10.2026", ErrorCode.INVALID),
])
def test_value_formats(key, value, code):
    err = _error(**{**BASE, key: value})
    assert (err.field, err.code) == (key, code)


@pytest.mark.parametrize("key", sorted(k for k in MAX_LENGTH if k in ("Name", "BankName", "Purpose")))
def test_gost_length_limits(key):
    limit = MAX_LENGTH[key]
    assert parse_payload(payment_payload(**{**BASE, key: "Я" * limit}))[key] == "Я" * limit
    err = _error(**{**BASE, key: "Я" * (limit + 1)})
    assert (err.field, err.code) == (key, ErrorCode.INVALID)


def test_separator_and_control_characters_are_refused_not_replaced():
    err = _error(**{**BASE, "Name": "ООО «Рога|Копыта»"})
    assert (err.field, err.code) == ("Name", ErrorCode.INVALID)
    assert _error(**BASE, Purpose="строка\nвторая").field == "Purpose"


@pytest.mark.parametrize("value", [0, -5, Decimal("12.30"), "1230", True, 10 ** 18])
def test_sum_is_positive_integer_kopecks(value):
    err = _error(**BASE, Sum=value)
    assert (err.field, err.code) == ("Sum", ErrorCode.INVALID)


def test_no_sum_means_no_sum_key():
    assert "Sum" not in parse_payload(payment_payload(**BASE))
    assert parse_payload(payment_payload(**BASE, Sum=10 ** 17))["Sum"] == str(10 ** 17)


def test_unknown_key_is_refused():
    assert _error(**BASE, Summ=100).field == "Summ"


@pytest.mark.parametrize(("payload", "field", "code"), [
    ("ST00014|Name=a", "header", ErrorCode.INVALID),  # 1 cp1251, 2 UTF-8, 3 KOI8-R only
    ("XX00012|Name=a", "header", ErrorCode.INVALID),
    ("ST00012|Name=a|PersonalAcc", "part[1]", ErrorCode.INVALID),
    ("ST00012|Name=a|Name=b|PersonalAcc=1|BankName=b|BIC=1|CorrespAcc=2", "Name", ErrorCode.DUPLICATE),
    ("ST00012|Name=a|PersonalAcc=1|BankName=b|BIC=1", "CorrespAcc", ErrorCode.REQUIRED),
])
def test_parse_refuses(payload, field, code):
    with pytest.raises(QrPayloadError) as caught:
        parse_payload(payload)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_parse_reads_the_separator_from_the_header_and_tolerates_a_trailing_one():
    text = "ST00012#Name=ИП Петров|Сидоров#PersonalAcc=1#BankName=Б#BIC=2#CorrespAcc=3#Sum=5#"
    assert parse_payload(text) == {"Name": "ИП Петров|Сидоров", "PersonalAcc": "1", "BankName": "Б", "BIC": "2",
                                   "CorrespAcc": "3", "Sum": "5"}
    assert parse_payload("ST00012|Name=a=b|PersonalAcc=1|BankName=b|BIC=1|CorrespAcc=2")["Name"] == "a=b"


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="|"), min_size=1)


@given(
    name=_text.filter(lambda s: len(s) <= 160), bank=_text.filter(lambda s: len(s) <= 45),
    bic=st.from_regex(r"\A[0-9]{9}\Z"), account=st.from_regex(r"\A[0-9]{20}\Z"),
    corr=st.from_regex(r"\A[0-9]{20}\Z"), amount=st.none() | st.integers(1, 10 ** 18 - 1),
    purpose=st.none() | _text.filter(lambda s: len(s) <= 210),
    inn=st.none() | st.from_regex(r"\A[0-9]{10}([0-9]{2})?\Z"),
    kpp=st.none() | st.from_regex(r"\A[0-9]{4}[0-9A-Z]{2}[0-9]{3}\Z"),
    period=st.none() | st.from_regex(r"\A(0[1-9]|1[0-2])[0-9]{4}\Z"), address=st.none() | _text,
    pers_acc=st.none() | _text,
)
def test_build_parse_round_trip(name, bank, bic, account, corr, amount, purpose, inn, kpp, period, address, pers_acc):
    fields = {"Name": name, "PersonalAcc": account, "BankName": bank, "BIC": bic, "CorrespAcc": corr, "Sum": amount,
              "Purpose": purpose, "PayeeINN": inn, "KPP": kpp, "PaymPeriod": period, "PayerAddress": address,
              "PersAcc": pers_acc}
    expected = {k: str(v) for k, v in fields.items() if v is not None}
    assert parse_payload(payment_payload(**fields)) == expected


# ---------------------------------------------------------------------------------------------
# the document's codes


def _kopecks(money: str) -> int:
    return int(Decimal(money) * 100)


def test_document_codes_follow_the_contract():
    content = sample_content(5)
    uk, heat, water = content["payees"]
    assert (uk["qr_mode"], heat["qr_mode"], water["qr_mode"]) == ("per_payee", "agent_account", "per_payee")
    assert Decimal(water["amount_due"]) == 0 and Decimal(uk["amount_due"]) > 0 < Decimal(heat["amount_due"])

    codes = document_qr_payloads(content)

    assert [label for label, _ in codes] == [f"payee:{uk['principal_id']}", "agent"]
    payee_code, agent_code = (parse_payload(payload) for _, payload in codes)
    common = {"PaymPeriod": "102026", "LastName": "Иванов", "FirstName": "Иван", "MiddleName": "Иванович",
              "PayerAddress": content["address"]}
    assert payee_code == {
        "Name": uk["name"], "PersonalAcc": uk["account"], "BankName": uk["bank_name"], "BIC": uk["bic"],
        "CorrespAcc": uk["corr_account"], "PayeeINN": uk["inn"], "KPP": uk["kpp"],
        "Sum": str(_kopecks(uk["amount_due"])), "PersAcc": uk["account_number"],
        "Purpose": f"Оплата ЖКУ за 10.2026, ЛС {uk['account_number']}", **common,
    }
    agent = content["agent"]
    assert agent_code == {
        "Name": agent["name"], "PersonalAcc": agent["account"], "BankName": agent["bank_name"], "BIC": agent["bic"],
        "CorrespAcc": agent["corr_account"], "PayeeINN": agent["inn"], "KPP": agent["kpp"],
        "Sum": str(_kopecks(heat["amount_due"])), "PersAcc": content["els"],
        "Purpose": f"Оплата ЖКУ за 10.2026, ЕЛС {content['els']}", **common,
    }


def test_agent_code_sums_every_agent_account_payee_and_skips_when_nothing_is_due():
    content = sample_content(1)
    uk, heat, water = content["payees"]
    uk["qr_mode"] = water["qr_mode"] = "agent_account"
    codes = dict(document_qr_payloads(content))
    assert list(codes) == ["agent"]
    expected = sum(_kopecks(p["amount_due"]) for p in (uk, heat, water))
    assert parse_payload(codes["agent"])["Sum"] == str(expected)

    for payee in (uk, heat):
        payee["amount_due"] = "0.00"
    assert document_qr_payloads(content) == []


def test_payer_free_text_is_sanitised_but_payee_requisites_are_not():
    content = sample_content(2)
    content["address"] = "г. Ярославль|ул. Свободы,\nд. 1"
    content["payer"] = "ООО «Арендатор»"
    codes = dict(document_qr_payloads(content))
    fields = parse_payload(codes["payee:7"])
    assert fields["PayerAddress"] == "г. Ярославль/ул. Свободы, д. 1"
    assert "LastName" not in fields and "FirstName" not in fields

    content["payees"][0]["bank_name"] = "ПАО | Банк"
    with pytest.raises(QrPayloadError) as caught:
        document_qr_payloads(content)
    assert (caught.value.field, caught.value.code) == ("payees[0].bank_name", ErrorCode.INVALID)


@pytest.mark.parametrize(("path", "value", "field", "code"), [
    (("payees", 0, "bic"), "12345", "payees[0].bic", ErrorCode.BIC_FORMAT),
    (("payees", 1, "qr_mode"), "sms", "payees[1].qr_mode", ErrorCode.INVALID),
    (("payees", 0, "amount_due"), "12.3", "payees[0].amount_due", ErrorCode.INVALID),
    (("payees", 0, "amount_due"), "-1.00", "payees[0].amount_due", ErrorCode.INVALID),
    (("agent", "account"), "123", "agent.account", ErrorCode.ACCOUNT_FORMAT),
])
def test_document_errors_name_the_content_field(path, value, field, code):
    content = copy.deepcopy(sample_content(3))
    target = content
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(QrPayloadError) as caught:
        document_qr_payloads(content)
    assert (caught.value.field, caught.value.code) == (field, code)
