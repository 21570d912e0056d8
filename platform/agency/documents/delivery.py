"""E-mail delivery of ЕПД to residents subscribed to e-receipts (``ResidentLink.e_receipts``).

``deliveries_create`` writes one ``EpdDelivery`` per current document of a run × subscribed resident
in one INSERT … SELECT; running it again adds only what is new. ``delivery_send`` sends one of them:
it locks the row, skips it if already sent (or being sent by another worker), sends the e-mail with
the PDF attached, and records the outcome on the row: ``sent`` with ``sent_at``, or ``failed`` with
``attempts`` + 1 and the reason. Transient failures (the mail server down, a 4xx reply) are retried
with backoff by the Celery task in ``delivery_tasks`` until ``EPD_DELIVERY_MAX_ATTEMPTS``.

Delivery is at least once: if a worker dies after the server accepted the message and before the
row commits, the retry sends it again. The Message-ID is derived from the delivery's id, so the
receiving side can recognise the duplicate.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import get_public_schema_name

from agency.documents import storage
from agency.documents.models import DeliveryStatus, Epd, EpdDelivery, EpdRun
from agency.identity.models import User
from tenants.enqueue import send_on_commit
from tenants.residents.models import ResidentLink

MONTHS = (
    gettext_lazy("январь"), gettext_lazy("февраль"), gettext_lazy("март"), gettext_lazy("апрель"),
    gettext_lazy("май"), gettext_lazy("июнь"), gettext_lazy("июль"), gettext_lazy("август"),
    gettext_lazy("сентябрь"), gettext_lazy("октябрь"), gettext_lazy("ноябрь"), gettext_lazy("декабрь"),
)


def max_attempts() -> int:
    return int(getattr(settings, "EPD_DELIVERY_MAX_ATTEMPTS", 5))


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed for a reason that may pass; attempts left
    FAILED = "failed"  # failed for good, or out of attempts
    SKIPPED = "skipped"  # already sent, being sent elsewhere, or gone


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    attempts: int


class _Failure(Exception):
    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.message = message[:500]
        self.transient = transient


# --- creating deliveries ---------------------------------------------------------------------


def deliveries_create(run: EpdRun | int) -> int:
    """Pending deliveries for every current document of ``run`` × resident subscribed to its ЕЛС.

    One statement, idempotent (``ON CONFLICT DO NOTHING`` on the (document, user) constraint).
    Returns how many were added.
    """
    run_id = run.pk if isinstance(run, EpdRun) else int(run)
    q = connection.ops.quote_name
    sql = f"""
        INSERT INTO {q(EpdDelivery._meta.db_table)}
            (epd_id, user_id, email, status, attempts, last_error, created_at, updated_at)
        SELECT e.id, u.id, u.email, %s, 0, '', now(), now()
          FROM {q(Epd._meta.db_table)} e
          JOIN {q(ResidentLink._meta.db_table)} l ON l.unified_account_id = e.unified_account_id AND l.e_receipts
          JOIN {q(User._meta.db_table)} u ON u.id = l.user_id AND u.is_active AND u.email <> ''
         WHERE e.run_id = %s AND e.is_current
        ON CONFLICT (epd_id, user_id) DO NOTHING
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryStatus.PENDING.value, run_id])
        return cursor.rowcount


def delivery_ids_to_send(run: EpdRun | int, *, include_failed: bool = False) -> list[int]:
    """Ids of the run's deliveries still to send: pending, and (if asked) failed with attempts left."""
    run_id = run.pk if isinstance(run, EpdRun) else int(run)
    statuses = [DeliveryStatus.PENDING] + ([DeliveryStatus.FAILED] if include_failed else [])
    return list(
        EpdDelivery.objects.filter(epd__run_id=run_id, status__in=statuses, attempts__lt=max_attempts())
        .order_by("id").values_list("id", flat=True)
    )


# --- sending one -----------------------------------------------------------------------------


def delivery_send_on_commit(delivery_id: int) -> None:
    """Queue one send (``documents.delivery_send``) after commit, from the public schema (deliveries live
    there). A send the broker refuses leaves the delivery failed with the reason; with attempts left it is sent
    again by the next enqueue that includes failed ones (``deliveries_enqueue_task``)."""
    send_on_commit("documents.delivery_send", delivery_id, schema=get_public_schema_name(),
                   on_failure=lambda message: delivery_queue_failed(delivery_id, message))


def delivery_queue_failed(delivery_id: int, message: str) -> None:
    EpdDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=message[:500])


def delivery_send(delivery_id: int) -> None:
    """Send one delivery once and record the outcome (see :func:`delivery_attempt`)."""
    delivery_attempt(delivery_id)


def delivery_attempt(delivery_id: int) -> Attempt:
    """One attempt at one delivery; the outcome tells the caller whether to retry it later."""
    with transaction.atomic():
        # SKIP LOCKED: a delivery another worker is sending right now is theirs, not sent twice.
        delivery = (
            EpdDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("epd__unified_account").filter(pk=delivery_id).first()
        )
        if delivery is None or delivery.status == DeliveryStatus.SENT:
            return Attempt(Outcome.SKIPPED, delivery.attempts if delivery else 0)
        delivery.attempts += 1
        try:
            _send(delivery)
        except _Failure as failure:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = failure.message
            delivery.save(update_fields=["status", "attempts", "last_error", "updated_at"])
            retry = failure.transient and delivery.attempts < max_attempts()
            return Attempt(Outcome.RETRY if retry else Outcome.FAILED, delivery.attempts)
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"])
        return Attempt(Outcome.SENT, delivery.attempts)


def attachment_name(epd: Epd) -> str:
    return f"ЕПД_{epd.unified_account.number}_{epd.month:%m.%Y}.pdf"


def message_build(delivery: EpdDelivery, pdf: bytes) -> EmailMessage:
    epd = delivery.epd
    els = epd.unified_account.number
    month = f"{MONTHS[epd.month.month - 1]} {epd.month.year}"
    subject = _("Единый платёжный документ за %(month)s, ЕЛС %(els)s") % {"month": month, "els": els}
    body = "\n\n".join([
        _("Здравствуйте!"),
        _("Во вложении — единый платёжный документ за %(month)s по ЕЛС %(els)s.\nАдрес: %(address)s")
        % {"month": month, "els": els, "address": epd.address},
        _("К оплате: %(amount)s ₽ до %(due)s.")
        % {"amount": money_text(epd.total_due), "due": f"{epd.due_date:%d.%m.%Y}"},
        _("Письмо отправлено автоматически, отвечать на него не нужно. "
          "Отказаться от рассылки можно в личном кабинете."),
    ])
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    message = EmailMessage(
        subject=subject, body=body, to=[delivery.email],
        headers={"Message-ID": f"<epd-delivery-{delivery.pk}@{domain}>", "Auto-Submitted": "auto-generated"},
    )
    message.attach(attachment_name(epd), pdf, "application/pdf")
    return message


def money_text(amount: Decimal) -> str:
    """``1 234,50``: the Russian way, a no-break space between thousands."""
    return f"{amount:,.2f}".replace(",", "\u00a0").replace(".", ",")


def _send(delivery: EpdDelivery) -> None:
    epd = delivery.epd
    if not epd.is_current:
        raise _Failure(_("Документ заменён новой версией; эта версия не отправляется."), transient=False)
    if not epd.pdf_key:
        raise _Failure(_("PDF документа ещё не сформирован."), transient=True)
    try:
        pdf = storage.get(epd.pdf_key)
    except storage.ObjectMissing:
        raise _Failure(_("PDF документа не найден в хранилище."), transient=False) from None
    except (BotoCoreError, ClientError, OSError) as exc:
        raise _Failure(_("Хранилище недоступно: %(error)s") % {"error": exc}, transient=True) from None
    try:
        message_build(delivery, pdf).send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise _Failure(
            _("Почтовый сервер отклонил адрес %(email)s: %(code)s %(reply)s")
            % {"email": delivery.email, "code": code, "reply": _reply_text(reply)},
            transient=400 <= code < 500,
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise _Failure(
            _("Ошибка почтового сервера: %(code)s %(reply)s")
            % {"code": exc.smtp_code, "reply": _reply_text(exc.smtp_error)},
            transient=not 500 <= exc.smtp_code < 600,
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused or reset, timeout, the server hanging up: the server may be back later.
        raise _Failure(
            _("Почтовый сервер недоступен: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}, transient=True,
        ) from None


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
