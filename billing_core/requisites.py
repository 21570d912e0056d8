"""Validation of Russian legal-entity and bank requisites (реквизиты).

Check-digit rules are public (ФНС for ИНН/ОГРН, Банк России for the account
control key, положение 579-П / указание 1462-У). Each validator raises a Django
``ValidationError`` whose ``code`` names the rule that failed, so the API can
tell the user which rule it was.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 3 digits of the BIC + 20 of the account


def _weighted_check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    if not inn.isdigit() or not inn.isascii():
        return False
    if len(inn) == 10:
        return _weighted_check(inn[:9], _INN10_WEIGHTS) == int(inn[9])
    if len(inn) == 12:
        return (
            _weighted_check(inn[:10], _INN12_WEIGHTS_11) == int(inn[10])
            and _weighted_check(inn[:11], _INN12_WEIGHTS_12) == int(inn[11])
        )
    return False


def validate_inn(value: str) -> None:
    if not (value.isascii() and value.isdigit() and len(value) in (10, 12)):
        raise ValidationError(_("ИНН должен состоять из 10 или 12 цифр."), code=ErrorCode.INN_FORMAT)
    if not inn_is_valid(value):
        raise ValidationError(_("Неверное контрольное число ИНН."), code=ErrorCode.INN_CHECKSUM)


def validate_legal_inn(value: str) -> None:
    """An organisation's ИНН has 10 digits; 12 are an individual's."""
    validate_inn(value)
    if len(value) != 10:
        raise ValidationError(
            _("ИНН организации должен состоять из 10 цифр."), code=ErrorCode.INN_FORMAT
        )


def validate_kpp(value: str) -> None:
    ok = (
        len(value) == 9
        and value.isascii()
        and value[:4].isdigit()
        and all(c.isdigit() or "A" <= c <= "Z" for c in value[4:6])
        and value[6:].isdigit()
    )
    if not ok:
        raise ValidationError(
            _("КПП должен состоять из 9 знаков: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры."),
            code=ErrorCode.KPP_FORMAT,
        )


def ogrn_is_valid(ogrn: str) -> bool:
    if not (ogrn.isascii() and ogrn.isdigit()):
        return False
    if len(ogrn) == 13:
        return int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    if len(ogrn) == 15:
        return int(ogrn[:14]) % 13 % 10 == int(ogrn[14])
    return False


def validate_ogrn(value: str) -> None:
    if not (value.isascii() and value.isdigit() and len(value) in (13, 15)):
        raise ValidationError(
            _("ОГРН должен состоять из 13 цифр (ОГРНИП — из 15)."), code=ErrorCode.OGRN_FORMAT
        )
    if not ogrn_is_valid(value):
        raise ValidationError(_("Неверное контрольное число ОГРН."), code=ErrorCode.OGRN_CHECKSUM)


def validate_bic(value: str) -> None:
    if not (value.isascii() and value.isdigit() and len(value) == 9 and value.startswith("04")):
        raise ValidationError(
            _("БИК должен состоять из 9 цифр и начинаться с «04»."), code=ErrorCode.BIC_FORMAT
        )


def _control_sum_ok(digits23: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits23, _ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def _validate_account_format(account: str) -> None:
    if not (account.isascii() and account.isdigit() and len(account) == 20):
        raise ValidationError(_("Номер счёта должен состоять из 20 цифр."), code=ErrorCode.ACCOUNT_FORMAT)


def validate_settlement_account(account: str, bic: str) -> None:
    """Расчётный счёт: the control key is computed over BIC[-3:] + account."""
    _validate_account_format(account)
    validate_bic(bic)
    if not _control_sum_ok(bic[-3:] + account):
        raise ValidationError(
            _("Расчётный счёт не соответствует БИК: не сходится контрольный ключ."),
            code=ErrorCode.ACCOUNT_CONTROL_KEY,
        )


def validate_correspondent_account(account: str, bic: str) -> None:
    """Корр. счёт: 301..., its last three digits are the BIC's, key over "0" + BIC[4:6] + account."""
    _validate_account_format(account)
    validate_bic(bic)
    if not account.startswith("30101") or account[-3:] != bic[-3:]:
        raise ValidationError(
            _("Корреспондентский счёт должен начинаться с 30101 и оканчиваться на последние три цифры БИК."),
            code=ErrorCode.CORR_ACCOUNT_MISMATCH,
        )
    if not _control_sum_ok("0" + bic[4:6] + account):
        raise ValidationError(
            _("Корреспондентский счёт не соответствует БИК: не сходится контрольный ключ."),
            code=ErrorCode.ACCOUNT_CONTROL_KEY,
        )


def account_with_control_key(account: str, bic: str, *, correspondent: bool = False) -> str:
    """Return ``account`` with its 9th digit (the control key) set so it is valid for ``bic``.

    Used when generating demo and test requisites.
    """
    prefix = ("0" + bic[4:6]) if correspondent else bic[-3:]
    digits = account[:8] + "0" + account[9:]
    total = sum(int(d) * w for d, w in zip(prefix + digits, _ACCOUNT_WEIGHTS, strict=True))
    # the key is digit 12 of the 23, whose weight is 3 (coprime with 10, so one digit fits)
    key = next(k for k in range(10) if (total + 3 * k) % 10 == 0)
    return account[:8] + str(key) + account[9:]


def inn_with_check_digits(first9: str) -> str:
    """A valid 10-digit ИНН from its first nine digits (demo and test data)."""
    return first9 + str(_weighted_check(first9, _INN10_WEIGHTS))


def ogrn_with_check_digit(first12: str) -> str:
    """A valid 13-digit ОГРН from its first twelve digits (demo and test data)."""
    return first12 + str(int(first12) % 11 % 10)
