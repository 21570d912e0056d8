"""Reminders about a debt by SMS and e-mail: the providers behind an interface, the texts, and the contacts.

Providers are named by dotted paths in settings (``COLLECTION_SMS_PROVIDER``, ``COLLECTION_EMAIL_PROVIDER``) and
built once per process. A provider's ``send`` takes an idempotency ``key`` derived from our own row (the reminder's
schema and id): a real gateway passes it on (most SMS gateways take a client message id and drop a repeat), so a
message sent just before a crash and sent again by the rerun reaches the resident once.

- E-mail: :class:`DjangoMailProvider` sends through Django's mail (the project's e-mail backend: SMTP in production,
  the file or console backend locally, ``locmem`` in tests — ``django.core.mail.outbox``).
- SMS: there is no local SMS gateway to talk to, so the default :class:`OutboxSmsProvider` is its stand-in: each
  message is appended as one JSON line to ``MEDIA_ROOT/outbox/sms.jsonl`` (a real deployment names a class that
  implements :class:`SmsProvider` over its gateway's HTTP API, raising :class:`SendError` on a refusal).

Contacts: the e-mail of the resident users linked to the account's household (ЕЛС) in the cabinet
(``tenants.residents.ResidentLink`` → ``identity.User.email``). No model of the product keeps a payer's phone
number today; the phone is read from the linked user's ``phone`` field when the user model has one, and otherwise
an SMS or a call-list row counts as «no contact».
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from billing_core.penalties import format_money

DEFAULT_SMS_PROVIDER = "agency.collection.messaging.OutboxSmsProvider"
DEFAULT_EMAIL_PROVIDER = "agency.collection.messaging.DjangoMailProvider"
SMS_MAX_CHARS = 335  # five segments of 67 Cyrillic characters (UCS-2)


class SendError(Exception):
    """The provider refused the message (a bad number, a rejected address, the gateway down)."""


class SmsProvider(Protocol):
    def send(self, *, to: str, text: str, key: str) -> str:
        """Send ``text`` to the phone ``to`` (+7…); answer the provider's message id. ``key``: our idempotency key."""


class EmailProvider(Protocol):
    def send(self, *, to: str, subject: str, text: str, key: str) -> str:
        """Send a plain-text letter; answer the provider's message id (or ``key``)."""


class OutboxSmsProvider:
    """The stand-in for an SMS gateway: one JSON line per message in ``MEDIA_ROOT/outbox/sms.jsonl``."""

    @staticmethod
    def path() -> Path:
        return Path(settings.MEDIA_ROOT) / "outbox" / "sms.jsonl"

    def send(self, *, to: str, text: str, key: str) -> str:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "text": text, "key": key, "at": timezone.now().isoformat()},
                          ensure_ascii=False) + "\n"
        # a whole line per append, under a lock: workers of other processes may write at the same time
        with open(path, "a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            try:
                out.write(line)
                out.flush()
                os.fsync(out.fileno())
            finally:
                fcntl.flock(out, fcntl.LOCK_UN)
        return key


class DjangoMailProvider:
    def send(self, *, to: str, subject: str, text: str, key: str) -> str:
        message = EmailMessage(subject=subject, body=text, to=[to],
                               headers={"Auto-Submitted": "auto-generated", "X-Reminder-Key": key})
        try:
            message.send()
        except OSError as exc:  # smtplib's errors are OSErrors
            raise SendError(str(exc)) from exc
        return key


@lru_cache(maxsize=4)
def _provider(path: str):
    return import_string(path)()


def sms_provider() -> SmsProvider:
    return _provider(getattr(settings, "COLLECTION_SMS_PROVIDER", "") or DEFAULT_SMS_PROVIDER)


def email_provider() -> EmailProvider:
    return _provider(getattr(settings, "COLLECTION_EMAIL_PROVIDER", "") or DEFAULT_EMAIL_PROVIDER)


# --- texts ------------------------------------------------------------------------------------------------------------

def money_text(amount: Decimal) -> str:
    """«3 500,00 ₽»."""
    return f"{format_money(amount)}\u00a0₽"


def cabinet_url() -> str:
    return getattr(settings, "COLLECTION_CABINET_URL", "") or f"https://{settings.PUBLIC_HOST}/"


def sms_text(*, principal_name: str, account_number: str, debt: Decimal) -> str:
    text = _("%(p)s: долг по л/с %(n)s — %(d)s. Оплатите в личном кабинете %(u)s или по ЕПД.") % {
        "p": principal_name, "n": account_number, "d": money_text(debt), "u": cabinet_url()}
    return text[:SMS_MAX_CHARS]


def email_subject(*, principal_name: str, account_number: str) -> str:
    return _("Задолженность по лицевому счёту %(n)s — %(p)s") % {"n": account_number, "p": principal_name}


def email_text(*, principal_name: str, account_number: str, address: str, debt: Decimal, months: int) -> str:
    return _(
        "Здравствуйте!\n\n"
        "По лицевому счёту %(n)s (%(a)s) у %(p)s числится задолженность %(d)s, самому старому неоплаченному "
        "начислению %(m)s мес.\n\n"
        "Оплатить можно в личном кабинете: %(u)s — или по платёжному документу (ЕПД) в любом банке.\n"
        "Если вы уже оплатили, не обращайте внимания на это письмо. Если вам трудно погасить долг сразу, в "
        "личном кабинете можно попросить о соглашении о погашении задолженности по частям.\n\n"
        "Письмо отправлено автоматически, отвечать на него не нужно."
    ) % {"n": account_number, "a": address, "p": principal_name, "d": money_text(debt), "m": months,
         "u": cabinet_url()}


# --- contacts ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    email: str = ""
    phone: str = ""


def account_contacts(account_ids: list[int]) -> dict[int, Contact]:
    """The e-mail and phone to remind each account's payer by, in one statement (the current principal's schema;
    the cabinet's links and users are in public, on the search path): the account's own phone and e-mail, else the
    e-mail of a linked resident (several: the first by e-mail)."""
    if not account_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            # the account's own contacts; without its e-mail, the linked residents'
            "SELECT a.id, COALESCE(NULLIF(min(a.email), ''), min(u.email)), NULLIF(min(a.phone), '') "
            "FROM billing_personalaccount a "
            "LEFT JOIN cabinet_residentlink rl ON rl.unified_account_id = a.unified_account_id "
            "LEFT JOIN identity_user u ON u.id = rl.user_id AND u.is_active "
            "WHERE a.id = ANY(%s) GROUP BY a.id",
            [list(account_ids)],
        )
        return {row[0]: Contact(email=row[1] or "", phone=row[2] or "") for row in cursor.fetchall()}
