"""Requisites check digits: ИНН, ОГРН, КПП, БИК, расчётный и корреспондентский счета."""

import pytest
from django.core.exceptions import ValidationError

from billing_core import requisites
from billing_core.error_codes import ErrorCode
from billing_core.requisites import (
    account_with_control_key,
    inn_is_valid,
    inn_with_check_digits,
    ogrn_is_valid,
    ogrn_with_check_digit,
    validate_bic,
    validate_correspondent_account,
    validate_inn,
    validate_kpp,
    validate_legal_inn,
    validate_ogrn,
    validate_settlement_account,
)

SBER_BIC = "044525225"
SBER_CORR = "30101810400000000225"
TINKOFF_BIC = "044525974"
TINKOFF_CORR = "30101810145250000974"


def code_of(validator, *args) -> str:
    with pytest.raises(ValidationError) as info:
        validator(*args)
    return info.value.code


def reference_control_sum(digits23: str) -> int:
    """The Bank of Russia's rule written out independently: weights 7, 1, 3 repeated, sum mod 10."""
    weights = [7, 1, 3] * 8
    return sum(int(d) * weights[i] for i, d in enumerate(digits23)) % 10


# --- ИНН -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inn",
    [
        "7707083893",  # ПАО Сбербанк
        "7736050003",  # ПАО «Газпром»
        "7702070139",  # Банк ВТБ (ПАО)
        "500100732259",  # the ФНС's 12-digit (individual) example
    ],
)
def test_real_inns_are_valid(inn):
    assert inn_is_valid(inn)
    validate_inn(inn)


@pytest.mark.parametrize("inn", ["7707083894", "7707083890", "500100732258", "500100732269"])
def test_wrong_check_digit_is_inn_checksum(inn):
    assert not inn_is_valid(inn)
    assert code_of(validate_inn, inn) == ErrorCode.INN_CHECKSUM


@pytest.mark.parametrize(
    "inn",
    [
        "", "770708389", "77070838933", "7707083893000", "77O7083893", "7707-83893", " 7707083893",
        "７７０７０８３８９３",  # full-width digits: isdigit() but not ASCII
    ],
)
def test_wrong_length_or_characters_is_inn_format(inn):
    assert not inn_is_valid(inn)
    assert code_of(validate_inn, inn) == ErrorCode.INN_FORMAT


def test_legal_inn_needs_ten_digits():
    validate_legal_inn("7707083893")
    assert code_of(validate_legal_inn, "500100732259") == ErrorCode.INN_FORMAT
    # the checksum is still checked first for a 12-digit number
    assert code_of(validate_legal_inn, "500100732258") == ErrorCode.INN_CHECKSUM
    assert code_of(validate_legal_inn, "7707083894") == ErrorCode.INN_CHECKSUM


def test_inn_generator_makes_valid_inns_and_only_one_check_digit_fits():
    for first9 in ("770708389", "000000000", "999999999", "123456789", "500100732"):
        inn = inn_with_check_digits(first9)
        assert len(inn) == 10 and inn.startswith(first9)
        validate_inn(inn)
        valid = [d for d in "0123456789" if inn_is_valid(first9 + d)]
        assert valid == [inn[-1]]
    assert inn_with_check_digits("770708389") == "7707083893"


# --- ОГРН ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ogrn",
    [
        "1027700132195",  # ПАО Сбербанк
        "1027739609391",  # Банк ВТБ (ПАО)
        "304500116000157",  # a 15-digit ОГРНИП
    ],
)
def test_real_ogrns_are_valid(ogrn):
    assert ogrn_is_valid(ogrn)
    validate_ogrn(ogrn)


@pytest.mark.parametrize("ogrn", ["1027700132196", "1027700132190", "304500116000158"])
def test_wrong_ogrn_check_digit(ogrn):
    assert not ogrn_is_valid(ogrn)
    assert code_of(validate_ogrn, ogrn) == ErrorCode.OGRN_CHECKSUM


@pytest.mark.parametrize("ogrn", ["", "102770013219", "10277001321950", "3045001160001570", "10277OO132195"])
def test_wrong_ogrn_format(ogrn):
    assert not ogrn_is_valid(ogrn)
    assert code_of(validate_ogrn, ogrn) == ErrorCode.OGRN_FORMAT


def test_ogrn_generator():
    assert ogrn_with_check_digit("102770013219") == "1027700132195"
    for first12 in ("102770000000", "102770099999", "999999999999", "100000000000"):
        ogrn = ogrn_with_check_digit(first12)
        assert len(ogrn) == 13
        validate_ogrn(ogrn)
        assert [d for d in "0123456789" if ogrn_is_valid(first12 + d)] == [ogrn[-1]]


# --- КПП -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kpp", ["773601001", "770101001", "7701AB001", "77010Z001"])
def test_valid_kpp(kpp):
    validate_kpp(kpp)


@pytest.mark.parametrize("kpp", ["", "77360100", "7736010011", "7736ab001", "77A601001", "7736010A1", "7736-1001"])
def test_invalid_kpp(kpp):
    assert code_of(validate_kpp, kpp) == ErrorCode.KPP_FORMAT


# --- БИК -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bic", [SBER_BIC, TINKOFF_BIC, "044030653"])
def test_valid_bic(bic):
    validate_bic(bic)


@pytest.mark.parametrize("bic", ["", "04452522", "0445252250", "144525225", "04452522A", "٠44525225"])
def test_invalid_bic(bic):
    assert code_of(validate_bic, bic) == ErrorCode.BIC_FORMAT


# --- счета ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("bic", "corr"), [(SBER_BIC, SBER_CORR), (TINKOFF_BIC, TINKOFF_CORR)])
def test_real_correspondent_accounts_are_valid(bic, corr):
    validate_correspondent_account(corr, bic)
    assert reference_control_sum("0" + bic[4:6] + corr) == 0


def test_correspondent_account_errors():
    # the control key (9th digit) changed
    assert code_of(validate_correspondent_account, "30101810500000000225", SBER_BIC) == ErrorCode.ACCOUNT_CONTROL_KEY
    # not ending with the BIC's last three digits
    assert code_of(validate_correspondent_account, "30101810400000000226", SBER_BIC) == ErrorCode.CORR_ACCOUNT_MISMATCH
    # not a correspondent account at all
    assert code_of(validate_correspondent_account, "40702810400000000225", SBER_BIC) == ErrorCode.CORR_ACCOUNT_MISMATCH
    # the account of another bank
    assert code_of(validate_correspondent_account, TINKOFF_CORR, SBER_BIC) == ErrorCode.CORR_ACCOUNT_MISMATCH
    assert code_of(validate_correspondent_account, "3010181040000000022", SBER_BIC) == ErrorCode.ACCOUNT_FORMAT
    assert code_of(validate_correspondent_account, "3010181040000000022X", SBER_BIC) == ErrorCode.ACCOUNT_FORMAT
    assert code_of(validate_correspondent_account, SBER_CORR, "14452522") == ErrorCode.BIC_FORMAT


def test_settlement_account_control_key():
    account = account_with_control_key("40702810000000000001", SBER_BIC)
    assert account == "40702810200000000001"
    validate_settlement_account(account, SBER_BIC)
    assert reference_control_sum(SBER_BIC[-3:] + account) == 0
    # every other key digit is refused
    for key in "0123456789":
        candidate = account[:8] + key + account[9:]
        if candidate != account:
            assert code_of(validate_settlement_account, candidate, SBER_BIC) == ErrorCode.ACCOUNT_CONTROL_KEY
    # the key depends on the bank: the same number is not valid at another BIC ending in other digits
    other_bic = "044525974"
    assert code_of(validate_settlement_account, account, other_bic) == ErrorCode.ACCOUNT_CONTROL_KEY


def test_settlement_account_format_and_bic_errors():
    assert code_of(validate_settlement_account, "4070281020000000000", SBER_BIC) == ErrorCode.ACCOUNT_FORMAT
    assert code_of(validate_settlement_account, "407028102000000000011", SBER_BIC) == ErrorCode.ACCOUNT_FORMAT
    assert code_of(validate_settlement_account, "4070281020000000000A", SBER_BIC) == ErrorCode.ACCOUNT_FORMAT
    assert code_of(validate_settlement_account, "40702810200000000001", "bic") == ErrorCode.BIC_FORMAT


@pytest.mark.parametrize("bic", [SBER_BIC, TINKOFF_BIC, "044030653", "049999999"])
@pytest.mark.parametrize("account", ["40702810000000000001", "40817810999999999999", "40703810512345678901"])
def test_account_generator_sets_the_control_key(bic, account):
    settlement = account_with_control_key(account, bic)
    assert settlement[:8] == account[:8] and settlement[9:] == account[9:]
    validate_settlement_account(settlement, bic)
    assert reference_control_sum(bic[-3:] + settlement) == 0


def test_account_generator_for_correspondent_accounts():
    assert account_with_control_key("30101810000000000225", SBER_BIC, correspondent=True) == SBER_CORR
    assert account_with_control_key("30101810045250000974", TINKOFF_BIC, correspondent=True) == TINKOFF_CORR


def test_every_validator_reports_a_known_error_code():
    cases = [
        (requisites.validate_inn, ("x",)),
        (requisites.validate_kpp, ("x",)),
        (requisites.validate_ogrn, ("x",)),
        (requisites.validate_bic, ("x",)),
        (requisites.validate_settlement_account, ("x", SBER_BIC)),
        (requisites.validate_correspondent_account, ("x", SBER_BIC)),
    ]
    for validator, args in cases:
        assert ErrorCode(code_of(validator, *args))
