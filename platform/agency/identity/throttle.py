"""Throttling of guesses: failures counted per key (an identity, a client address) in the cache, for a window.

Login uses it per identity and per address; the cabinet's household linking per resident and per address; sign-ups
and password-reset requests (which send e-mail) per e-mail address and per client address (``account_mail_allowed``).

The counters are global. The default cache prefixes every key with the schema of the request
(``django_tenants.cache.make_key``), so a counter kept there is per host: a login locked on one principal's host
had fresh attempts on each other host. ``counters`` is the same cache (the same store: one Redis, or the same
in-process memory) under a key function without the schema. A login is counted under its normalised identity
(``login_identity``), so ``Boss@A.test `` and ``boss@a.test`` share one count.
"""

import hashlib
import unicodedata
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed


def _global_key(key: str, key_prefix: str, version) -> str:
    return f"global:{key_prefix}:{version}:{key}"


@cache
def counters() -> BaseCache:
    """The default cache's store, with keys that do not depend on the host."""
    store = caches.create_connection("default")
    store.key_func = _global_key
    return store


def _reset_counters(*, setting, **_kwargs) -> None:
    if setting == "CACHES":
        counters.cache_clear()


setting_changed.connect(_reset_counters)


def login_identity(login: str) -> str:
    """The account a login names, however it was typed: compatibility forms folded (NFKC), outer spaces dropped,
    case folded."""
    return unicodedata.normalize("NFKC", login or "").strip().casefold()


def _keys(login: str, client_ip: str | None) -> list[str]:
    # hashed: the cache holds no e-mail addresses, and any text makes a valid key
    identity = hashlib.sha256(login_identity(login).encode("utf-8", "surrogatepass")).hexdigest()
    return [f"login-fail:acct:{identity}", f"login-fail:ip:{client_ip or '-'}"]


def failures_counts(keys: list[str]) -> dict[str, int]:
    """Failures counted under each key (a key without failures is absent)."""
    return counters().get_many(keys)


def login_is_throttled(*, login: str, client_ip: str | None) -> bool:
    login_key, ip_key = _keys(login, client_ip)
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    counts = failures_counts([login_key, ip_key])
    # An address may try several logins (a family on one NAT), so it gets a larger budget.
    return counts.get(login_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 4


def failures_record(keys: list[str], *, window: int) -> None:
    """One more failure under each key; a key's count lives ``window`` seconds from its first failure."""
    store = counters()
    for key in keys:
        if not store.add(key, 1, timeout=window):
            try:
                store.incr(key)
            except ValueError:  # expired between add and incr
                store.add(key, 1, timeout=window)


def login_failure_record(*, login: str, client_ip: str | None) -> None:
    failures_record(_keys(login, client_ip), window=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def login_failures_clear(*, login: str) -> None:
    counters().delete(_keys(login, None)[0])


def _mail_keys(kind: str, email: str, client_ip: str | None) -> list[str]:
    identity = hashlib.sha256(login_identity(email).encode("utf-8", "surrogatepass")).hexdigest()
    return [f"{kind}:ip:{client_ip or '-'}", f"{kind}:acct:{identity}"]


def account_mail_allowed(*, kind: str, email: str, client_ip: str | None) -> bool:
    """Whether one more request that mails an address (a sign-up, a password reset) may go ahead, counting it.

    Counted per client address and per e-mail address whether or not an account exists, so being refused says
    nothing about the account."""
    ip_key, email_key = keys = _mail_keys(kind, email, client_ip)
    counts = failures_counts(keys)
    if (counts.get(ip_key, 0) >= settings.ACCOUNT_MAIL_MAX_PER_ADDRESS
            or counts.get(email_key, 0) >= settings.ACCOUNT_MAIL_MAX_PER_EMAIL):
        return False
    failures_record(keys, window=settings.ACCOUNT_MAIL_WINDOW_SECONDS)
    return True
