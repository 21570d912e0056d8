"""Text that comes in from outside: what may be stored, what a name may hold, what may be echoed back.

PostgreSQL's ``text`` cannot hold NUL, and UTF-8 cannot encode a lone surrogate (JSON's ``"\\ud800"``
decodes to one); either reaching a query is a server error, so input is checked before it gets there.
C0/C1 control characters other than tab and line breaks have no business in any input; a name (a
payer's, a person's) is one line, so it may hold none at all.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode

# NUL, lone surrogates, and control characters except tab, LF and CR: never stored, in any input
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# a one-line name: no control character at all
_NAME_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")

EXCERPT_CHARS = 40


def unstorable_at(value: str) -> int | None:
    """The position of the first character that input may not carry, or None."""
    match = _UNSTORABLE.search(value)
    return match.start() if match else None


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable excerpt of a value for an error message: a bad value is never echoed whole."""
    text = str(value)
    short = text[:limit]
    short = "".join(ch if ch.isprintable() and not "\ud800" <= ch <= "\udfff" else "\ufffd" for ch in short)
    return short + "…" if len(text) > limit else short


def characters_error(field: str) -> ValidationError:
    return ValidationError({field: ValidationError(characters_message(), code=ErrorCode.INVALID_CHARACTERS)})


def characters_message() -> str:
    return _("Значение содержит недопустимые символы (нулевой байт или управляющие символы).")


def text_check(value: str | None, *, field: str) -> None:
    """Refuse a free text (a comment, a search) that carries characters no input may carry."""
    if value and unstorable_at(value) is not None:
        raise characters_error(field)


def name_check(value: str | None, *, field: str) -> None:
    """Refuse a name (payer, person) with any control character: a name is one printable line."""
    if value and _NAME_FORBIDDEN.search(value):
        raise characters_error(field)


MAX_LINE_CHARS = 64_000  # a line of any text file we read (registry, 1C exchange); real ones are under 1,000


def line_problem(line: str, line_no: int) -> str | None:
    """What makes one line of an uploaded text file unreadable as a whole, or None: too long, or a character
    no input may carry (NUL, control). The message names the line and never echoes more than an excerpt."""
    if len(line) > MAX_LINE_CHARS:
        return _("Строка %(line)s длиннее %(max)s знаков («%(v)s»).") % {
            "line": line_no, "max": MAX_LINE_CHARS, "v": excerpt(line)}
    at = unstorable_at(line)
    if at is not None:
        return _("Строка %(line)s, знак %(pos)s: недопустимый символ (нулевой байт или управляющий).") % {
            "line": line_no, "pos": at + 1}
    return None
