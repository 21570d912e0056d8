"""Payment QR payloads of the ЕПД: ГОСТ Р 56042-2014, header ``ST00012`` (UTF-8, ``|``-separated).

Pure Python (no Django): the renderer, the assembly and tests import it. Errors are
``QrPayloadError`` with the ``field`` and an ``ErrorCode``, so a caller can name the document and
the payee that broke and turn it into a run issue or an API error.

Value rules
-----------
* The five required keys (``Name``, ``PersonalAcc``, ``BankName``, ``BIC``, ``CorrespAcc``) must be
  present and non-empty; BIC has 9 digits, both accounts 20 digits, ``PayeeINN`` 10 or 12 digits,
  ``KPP`` 9 characters, ``PaymPeriod`` is ``MMYYYY``.
* The ГОСТ's maximum lengths are enforced for the keys that have one (table ``MAX_LENGTH``);
  the other keys have no limit in the standard and are only bounded by the symbol's capacity.
* ``Sum`` is an ``int`` of kopecks, strictly positive: a code is never printed with ``Sum=0``
  (nothing to pay means no code, see ``document_qr_payloads``). A ``Decimal`` or ``str`` is refused
  so roubles can never be passed where kopecks are meant.
* The separator ``|`` and control characters inside a value are **refused** by
  ``payment_payload``: a payee's name or account with a ``|`` is a data error that must be fixed at
  its source, not silently altered on a payment order. The only values that are **replaced**
  (``|`` → ``/``, control characters → space) are the payer's free text that
  ``document_qr_payloads`` copies from the document (``LastName``/``FirstName``/``MiddleName``,
  ``PayerAddress``): they are informational for the bank and must not stop a whole run.
* Purpose texts are Russian and fixed here (the QR content is a bank document, not UI text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from billing_core.error_codes import ErrorCode

HEADER = "ST00012"
SEPARATOR = "|"
REQUIRED_KEYS = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")
# The optional keys this builder writes, in the order they are written.
OPTIONAL_KEYS = (
    "PayeeINN", "KPP", "Sum", "Purpose", "PersAcc", "PaymPeriod", "LastName", "FirstName", "MiddleName",
    "PayerAddress",
)
KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
# Maximum lengths from the ГОСТ's tables for the keys above (others have none in the standard).
MAX_LENGTH = {
    "Name": 160, "PersonalAcc": 20, "BankName": 45, "BIC": 9, "CorrespAcc": 20,
    "Sum": 18, "Purpose": 210, "PayeeINN": 12, "KPP": 9,
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]+")
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
_PERIOD = re.compile(r"(0[1-9]|1[0-2])[0-9]{4}")
_HEADER = re.compile(r"ST0001[123]")
_PERSON_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")


class QrPayloadError(ValueError):
    """A payload that cannot be built or read; ``field`` names the key (or the content path)."""

    def __init__(self, field: str, code: ErrorCode, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code
        self.message = message


def _check_digits(key: str, value: str, lengths: tuple[int, ...], code: ErrorCode, what: str) -> None:
    if not (value.isascii() and _DIGITS.fullmatch(value) and len(value) in lengths):
        raise QrPayloadError(key, code, what)


def _value_text(key: str, value: object) -> str:
    """The value as written in the payload: the sum as whole kopecks, anything else a string as given."""
    if key == "Sum":
        if isinstance(value, bool) or not isinstance(value, int):
            raise QrPayloadError(key, ErrorCode.INVALID, "сумма задаётся целым числом копеек")
        if value <= 0:
            raise QrPayloadError(key, ErrorCode.INVALID, "сумма к оплате должна быть больше нуля")
        return str(value)
    if not isinstance(value, str):
        raise QrPayloadError(key, ErrorCode.INVALID, "значение должно быть строкой")
    return value


def _check_format(key: str, text: str) -> None:
    """The keys with a format of their own: bank details and the payment period."""
    if key == "BIC":
        _check_digits(key, text, (9,), ErrorCode.BIC_FORMAT, "БИК должен состоять из 9 цифр")
    elif key in ("PersonalAcc", "CorrespAcc"):
        _check_digits(key, text, (20,), ErrorCode.ACCOUNT_FORMAT, "номер счёта должен состоять из 20 цифр")
    elif key == "PayeeINN":
        _check_digits(key, text, (10, 12), ErrorCode.INN_FORMAT, "ИНН должен состоять из 10 или 12 цифр")
    elif key == "KPP" and not (text.isascii() and _KPP.fullmatch(text)):
        raise QrPayloadError(key, ErrorCode.KPP_FORMAT, "КПП должен состоять из 9 знаков")
    elif key == "PaymPeriod" and not (text.isascii() and _PERIOD.fullmatch(text)):
        raise QrPayloadError(key, ErrorCode.INVALID, "период оплаты задаётся как ММГГГГ")


def _check_value(key: str, value: object) -> str:
    text = _value_text(key, value)
    if SEPARATOR in text:
        raise QrPayloadError(key, ErrorCode.INVALID, "символ «|» недопустим в значении")
    if _CONTROL.search(text):
        raise QrPayloadError(key, ErrorCode.INVALID, "управляющие символы недопустимы в значении")
    limit = MAX_LENGTH.get(key)
    if limit is not None and len(text) > limit:
        raise QrPayloadError(key, ErrorCode.INVALID, f"длиннее {limit} знаков, допустимых ГОСТ Р 56042-2014")
    _check_format(key, text)
    return text


def payment_payload(**fields: object) -> str:
    """An ST00012 string from ГОСТ keys (``Name=…, PersonalAcc=…, Sum=<kopecks>``, …).

    A key given as ``None`` or ``""`` is left out (required keys then fail). Keys are written in a
    fixed order: the required ones first, then ``OPTIONAL_KEYS``.
    """
    unknown = sorted(set(fields) - set(KEYS))
    if unknown:
        raise QrPayloadError(unknown[0], ErrorCode.INVALID, "неизвестный реквизит платёжного QR-кода")
    parts = [HEADER]
    for key in KEYS:
        value = fields.get(key)
        if value is None or value == "":
            if key in REQUIRED_KEYS:
                raise QrPayloadError(key, ErrorCode.REQUIRED, "обязательный реквизит не заполнен")
            continue
        parts.append(f"{key}={_check_value(key, value)}")
    return SEPARATOR.join(parts)


def parse_payload(payload: str) -> dict[str, str]:
    """Read an ``ST0001x`` string back into ``{key: value}`` (values as written, ``Sum`` a string).

    Accepts any ГОСТ key; refuses a bad header, a part without ``=``, a repeated key and a missing
    required key. The separator is the header's 8th character, as the standard defines.
    """
    if not isinstance(payload, str) or len(payload) < 9 or not _HEADER.fullmatch(payload[:7]):
        raise QrPayloadError("header", ErrorCode.INVALID, "строка не начинается с ST0001x")
    separator = payload[7]
    if separator.isalnum() or separator == "=":
        raise QrPayloadError("header", ErrorCode.INVALID, "недопустимый разделитель реквизитов")
    parts = payload[8:].split(separator)
    if parts and parts[-1] == "":
        parts.pop()  # some writers end the string with the separator
    result: dict[str, str] = {}
    for index, part in enumerate(parts):
        key, eq, value = part.partition("=")
        if not eq or not key:
            raise QrPayloadError(f"part[{index}]", ErrorCode.INVALID, "реквизит без «ключ=значение»")
        if key in result:
            raise QrPayloadError(key, ErrorCode.DUPLICATE, "реквизит повторяется")
        result[key] = value
    for key in REQUIRED_KEYS:
        if not result.get(key):
            raise QrPayloadError(key, ErrorCode.REQUIRED, "обязательный реквизит не заполнен")
    return result


# ---------------------------------------------------------------------------------------------
# The ЕПД's codes

AGENT_LABEL = "agent"
QR_MODES = ("per_payee", "agent_account")
# Content field of a payee / the agent that feeds each ГОСТ key (to name the field in errors).
_CONTENT_FIELD = {
    "Name": "name", "PersonalAcc": "account", "BankName": "bank_name", "BIC": "bic",
    "CorrespAcc": "corr_account", "PayeeINN": "inn", "KPP": "kpp", "Sum": "amount_due",
    "PersAcc": "account_number",
}


def payee_label(principal_id: object) -> str:
    return f"payee:{principal_id}"


def _free_text(value: object) -> str | None:
    """The payer's informational text: ``|`` and control characters replaced (see the module doc)."""
    if not value or not isinstance(value, str):
        return None
    text = _CONTROL.sub(" ", value.replace(SEPARATOR, "/")).strip()
    return text or None


def _kopecks(value: object, field: str) -> int:
    if not isinstance(value, str) or not _MONEY.fullmatch(value):
        raise QrPayloadError(field, ErrorCode.INVALID, "сумма задаётся строкой с двумя знаками после запятой")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already rules this out
        raise QrPayloadError(field, ErrorCode.INVALID, "неверная сумма") from exc
    if amount < 0:
        raise QrPayloadError(field, ErrorCode.INVALID, "сумма к оплате не может быть отрицательной")
    return int(amount * 100)


def _payer_fields(content: Mapping) -> dict[str, str | None]:
    fields: dict[str, str | None] = {"PayerAddress": _free_text(content.get("address"))}
    payer = _free_text(content.get("payer"))
    words = payer.split() if payer else []
    # Only a person's name of 2-3 words is split into LastName/FirstName/MiddleName; anything else
    # (an organisation, initials with dots) is left out rather than put into the wrong key.
    if 2 <= len(words) <= 3 and all(_PERSON_WORD.fullmatch(word) for word in words):
        fields["LastName"], fields["FirstName"] = words[0], words[1]
        fields["MiddleName"] = words[2] if len(words) == 3 else None
    return fields


def _build(path: str, **fields: object) -> str:
    try:
        return payment_payload(**fields)
    except QrPayloadError as exc:
        field = f"{path}.{_CONTENT_FIELD.get(exc.field, exc.field)}"
        raise QrPayloadError(field, exc.code, exc.message) from exc


def document_qr_payloads(content: Mapping) -> list[tuple[str, str]]:
    """The payment codes of one ЕПД content dict, as ``(label, payload)`` in print order.

    * one code per payee whose ``qr_mode`` is ``per_payee`` and whose ``amount_due`` is above zero
      (label ``payee:<principal_id>``): its own requisites, ``Sum`` = its amount due in kopecks,
      ``PersAcc`` = the payer's account with it;
    * then, when at least one payee has ``qr_mode`` ``agent_account`` and their amounts due add up
      to more than zero, one code for the agent's account (label ``agent``) with ``PersAcc`` = the
      ЕЛС and ``Sum`` = the sum of those payees' amounts due.

    A payee with nothing to pay gets no code (``Sum=0`` is never printed).
    """
    try:
        month = date.fromisoformat(content["month"])
        els = content["els"]
    except (KeyError, TypeError, ValueError) as exc:
        raise QrPayloadError("month", ErrorCode.INVALID, "нет расчётного месяца или ЕЛС") from exc
    period = f"{month:%m%Y}"
    purpose_period = f"{month:%m.%Y}"
    payer = _payer_fields(content)
    codes: list[tuple[str, str]] = []
    agent_total = 0
    agent_used = False
    for index, payee in enumerate(content.get("payees") or ()):
        path = f"payees[{index}]"
        mode = payee.get("qr_mode")
        if mode not in QR_MODES:
            raise QrPayloadError(f"{path}.qr_mode", ErrorCode.INVALID, "неизвестный способ оплаты по QR-коду")
        amount = _kopecks(payee.get("amount_due"), f"{path}.amount_due")
        if mode == "agent_account":
            agent_used = True
            agent_total += amount
            continue
        if amount == 0:
            continue
        account_number = payee.get("account_number")
        codes.append((payee_label(payee.get("principal_id")), _build(
            path,
            Name=payee.get("name"), PersonalAcc=payee.get("account"), BankName=payee.get("bank_name"),
            BIC=payee.get("bic"), CorrespAcc=payee.get("corr_account"), PayeeINN=payee.get("inn"),
            KPP=payee.get("kpp"), Sum=amount, Purpose=f"Оплата ЖКУ за {purpose_period}, ЛС {account_number}",
            PersAcc=account_number, PaymPeriod=period, **payer,
        )))
    if agent_used and agent_total > 0:
        agent = content.get("agent") or {}
        codes.append((AGENT_LABEL, _build(
            "agent",
            Name=agent.get("name"), PersonalAcc=agent.get("account"), BankName=agent.get("bank_name"),
            BIC=agent.get("bic"), CorrespAcc=agent.get("corr_account"), PayeeINN=agent.get("inn"),
            KPP=agent.get("kpp"), Sum=agent_total, Purpose=f"Оплата ЖКУ за {purpose_period}, ЕЛС {els}",
            PersAcc=els, PaymPeriod=period, **payer,
        )))
    return codes
