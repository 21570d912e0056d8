"""Throttling of guesses: failures counted per key (an account, a client address) in the cache, for a window.

Login uses it per login and per address; the cabinet's household linking per resident and per address."""

from django.conf import settings
from django.core.cache import cache


def _keys(login: str, client_ip: str | None) -> list[str]:
    return [f"login-fail:acct:{login.lower()}", f"login-fail:ip:{client_ip or '-'}"]


def login_is_throttled(*, login: str, client_ip: str | None) -> bool:
    login_key, ip_key = _keys(login, client_ip)
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    counts = cache.get_many([login_key, ip_key])
    # An address may try several logins (a family on one NAT), so it gets a larger budget.
    return counts.get(login_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 4


def failures_record(keys: list[str], *, window: int) -> None:
    """One more failure under each key; a key's count lives ``window`` seconds from its first failure."""
    for key in keys:
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window)


def login_failure_record(*, login: str, client_ip: str | None) -> None:
    failures_record(_keys(login, client_ip), window=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def login_failures_clear(*, login: str) -> None:
    cache.delete(_keys(login, None)[0])
