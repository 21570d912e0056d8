"""The link code printed on the ЕПД: a resident who holds the document proves the household with it.

The code is an HMAC of the ЕЛС under ``CABINET_LINK_SECRET``, shown as eight characters grouped
``XXXX-XXXX``. The alphabet has digits 2–9 and only the Latin letters that look the same as Cyrillic ones
(А В С Е Н К М Р Т Х), so a code typed on a Russian keyboard still matches (the Cyrillic З and б are taken for
the digits 3 and 6 they look like), and nothing on paper is ambiguous (no 0/O, 1/I, Z/7). 18 symbols over 8
places are about 33 bits; wrong codes are limited per user (``cabinet.services``), so that is plenty. Nothing is
stored: the code is derived again when checked.
"""

import hashlib
import hmac

from django.conf import settings

ALPHABET = "ABCEHKMPTX23456789"
LENGTH = 8


def _secret(secret: str | None) -> bytes:
    return (secret if secret is not None else settings.CABINET_LINK_SECRET).encode()


def link_code(els: str, *, secret: str | None = None) -> str:
    """The household's link code, ``XXXX-XXXX``."""
    digest = hmac.new(_secret(secret), f"cabinet-link:{els.strip()}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big")  # 64 bits: the modulo bias over 18**8 is negligible
    chars = []
    for _ in range(LENGTH):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


# Latin letters of the alphabet that a Russian keyboard types as Cyrillic look-alikes: read as the Latin ones; and
# the digits 3 and 6, which on paper look like the Cyrillic З and б (a resident on a Russian keyboard types either).
_CYRILLIC_LOOKALIKES = str.maketrans("АВСЕНКМРТХЗ", "ABCEHKMPTX3")
_LOWERCASE_LOOKALIKES = str.maketrans("б", "6")  # before upper-casing: Б does not look like 6


def normalize(code: str) -> str:
    """What people type: any case, with or without the dash or spaces, Cyrillic look-alikes as Latin."""
    typed = (code or "").translate(_LOWERCASE_LOOKALIKES).upper().translate(_CYRILLIC_LOOKALIKES)
    return "".join(ch for ch in typed if ch not in "- \t")


def link_code_matches(els: str, code: str, *, secret: str | None = None) -> bool:
    """Compare in constant time, ignoring case, dashes and spaces."""
    expected = normalize(link_code(els, secret=secret)).encode()
    return hmac.compare_digest(expected, normalize(code).encode("utf-8", "replace"))
