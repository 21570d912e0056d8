"""ЕПД by e-mail: deliveries for subscribed residents, sent through a real SMTP server on loopback.

The SMTP sink is aiosmtpd on 127.0.0.1; the PDFs are stored in the loopback S3 server (conftest).
Messages are parsed back from what the sink received, and the attachment compared with the bytes
stored for the document.
"""

import hashlib
import json
import socket
import threading
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from agency.documents import storage
from agency.documents.delivery import deliveries_create, delivery_ids_to_send, delivery_send
from agency.documents.delivery_tasks import deliveries_enqueue_task, delivery_send_task
from agency.documents.models import DeliveryStatus, Epd, EpdDelivery, EpdRun
from tests import factories

MONTH = date(2026, 10, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """Accepts every message, except recipients told to be refused (with the given reply, ``times`` times)."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, tuple[str, int]] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            reply, times = self.refuse.get(address, ("", 0))
            if times > 0:
                self.refuse[address] = (reply, times - 1)
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        with self.lock:
            return [message_from_bytes(raw, policy=policy.default) for rcpts, raw in self.messages if address in rcpts]


def smtp_settings(port: int):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port,
        EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="", EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_TIMEOUT=5,
        DEFAULT_FROM_EMAIL="epd@erc.test",
    )


@pytest.fixture
def sink():
    handler = Sink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp_settings(port):
            yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_down():
    """SMTP settings pointing at a loopback port nothing listens on."""
    with smtp_settings(free_port()):
        yield


def household(number: str, flat: str):
    from tenants.registry.models import House, Premise, UnifiedAccount

    house, _ = House.objects.get_or_create(region="Ярославская обл.", city="Ярославль", street="ул. Свободы",
                                           house_number="12")
    premise = Premise.objects.create(house=house, number=flat, area=Decimal("54.30"))
    return UnifiedAccount.objects.create(number=number, premise=premise, payer_name=f"Плательщик {flat}")


def subscribe(user, unified, e_receipts: bool = True):
    from tenants.residents.models import ResidentLink

    return ResidentLink.objects.create(user=user, unified_account=unified, e_receipts=e_receipts)


def epd_make(run: EpdRun, unified, pdf: bytes | None, *, version: int = 1, is_current: bool = True,
             total: str = "1234.50") -> Epd:
    """A document row as the assembly would write it (minimal content), its PDF stored under a new key."""
    ipd = f"{unified.number}{MONTH:%m%y}{version:02d}"
    content = {
        "schema": 1, "ipd": ipd, "els": unified.number, "month": MONTH.isoformat(), "due_date": "2026-11-15",
        "version": version, "payer": unified.payer_name, "address": str(unified.premise), "area": "54.30",
        "persons": None, "agent": {}, "payees": [], "installments": [],
        "totals": {"amount_due": total},
    }
    key = ""
    if pdf is not None:
        key = storage.new_key("epd")
        storage.put(key, pdf, "application/pdf")
    return Epd.objects.create(
        run=run, unified_account=unified, month=MONTH, version=version, is_current=is_current, ipd=ipd,
        payer_name=unified.payer_name, address=str(unified.premise), house=unified.premise.house,
        due_date=date(2026, 11, 15), total_due=Decimal(total), content=content,
        content_sha256=hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest(), pdf_key=key,
    )


@pytest.fixture
def run(db):
    return EpdRun.objects.create(month=MONTH)


@pytest.fixture
def one_subscriber(run, s3, make_pdf):
    """One document whose ЕЛС has a subscribed resident and a linked resident who did not subscribe."""
    unified = household("7600000101", "5")
    subscribed, unsubscribed = factories.user(is_resident=True), factories.user(is_resident=True)
    subscribe(subscribed, unified)
    subscribe(unsubscribed, unified, e_receipts=False)
    pdf = make_pdf()
    epd = epd_make(run, unified, pdf)
    assert deliveries_create(run) == 1
    delivery = EpdDelivery.objects.get(epd=epd)
    return {"epd": epd, "pdf": pdf, "delivery": delivery, "subscribed": subscribed, "unsubscribed": unsubscribed}


def reload(delivery: EpdDelivery) -> EpdDelivery:
    return EpdDelivery.objects.get(pk=delivery.pk)


# --- creating deliveries ---------------------------------------------------------------------


def test_deliveries_are_created_for_current_documents_and_subscribed_residents_only(run, s3, make_pdf):
    flat_a, flat_b, flat_c = household("7600000201", "1"), household("7600000202", "2"), household("7600000203", "3")
    alice, bob, carol, dave = (factories.user(is_resident=True) for _ in range(4))
    gone = factories.user(is_resident=True, is_active=False)
    subscribe(alice, flat_a)
    subscribe(bob, flat_a, e_receipts=False)
    subscribe(carol, flat_b)
    subscribe(carol, flat_a)  # one resident linked to two households gets both
    subscribe(gone, flat_b)
    subscribe(dave, flat_c)  # flat C has a document only in another run
    old_a = epd_make(run, flat_a, make_pdf(), version=1, is_current=False)
    new_a = epd_make(run, flat_a, make_pdf(), version=2)
    doc_b = epd_make(run, flat_b, make_pdf())
    epd_make(EpdRun.objects.create(month=MONTH), flat_c, make_pdf())

    assert deliveries_create(run) == 3

    rows = set(EpdDelivery.objects.filter(epd__run=run).values_list("epd_id", "user_id", "email", "status", "attempts"))
    assert rows == {
        (new_a.pk, alice.pk, alice.email, DeliveryStatus.PENDING, 0),
        (new_a.pk, carol.pk, carol.email, DeliveryStatus.PENDING, 0),
        (doc_b.pk, carol.pk, carol.email, DeliveryStatus.PENDING, 0),
    }
    assert not EpdDelivery.objects.filter(epd=old_a).exists()
    assert not EpdDelivery.objects.filter(user__in=[bob, dave, gone]).exists()

    # again: nothing new; after Bob subscribes, only his
    assert deliveries_create(run) == 0
    from tenants.residents.models import ResidentLink

    ResidentLink.objects.filter(user=bob).update(e_receipts=True)
    assert deliveries_create(run.pk) == 1
    assert EpdDelivery.objects.filter(epd__run=run).count() == 4
    assert EpdDelivery.objects.get(user=bob).epd_id == new_a.pk


# --- sending ---------------------------------------------------------------------------------


def test_the_subscribed_resident_gets_one_email_with_the_stored_pdf(one_subscriber, sink):
    epd, delivery, resident = one_subscriber["epd"], one_subscriber["delivery"], one_subscriber["subscribed"]

    delivery_send(delivery.pk)

    received = sink.to(resident.email)
    assert len(received) == 1
    assert sink.to(one_subscriber["unsubscribed"].email) == []
    assert len(sink.messages) == 1
    message = received[0]
    assert message["To"] == resident.email
    assert message["From"] == "epd@erc.test"
    subject = str(message["Subject"])
    assert epd.unified_account.number in subject
    assert "октябрь 2026" in subject
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_filename() == f"ЕПД_{epd.unified_account.number}_10.2026.pdf"
    assert attachments[0].get_content() == one_subscriber["pdf"] == storage.get(epd.pdf_key)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "1\u00a0234,50" in body and "15.11.2026" in body and epd.unified_account.number in body

    row = reload(delivery)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 1, "")
    assert row.sent_at is not None


def test_sending_again_does_not_resend(one_subscriber, sink):
    delivery = one_subscriber["delivery"]
    delivery_send(delivery.pk)
    sent_at = reload(delivery).sent_at

    delivery_send(delivery.pk)
    assert delivery_send_task.apply(args=[delivery.pk]).get() == "skipped"

    assert len(sink.messages) == 1
    row = reload(delivery)
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.SENT, 1, sent_at)
    assert delivery_ids_to_send(delivery.epd.run_id, include_failed=True) == []


def test_a_refused_recipient_is_recorded_failed_and_not_retried(one_subscriber, sink):
    delivery = one_subscriber["delivery"]
    sink.refuse[delivery.email] = ("550 5.1.1 Mailbox does not exist", 100)

    assert delivery_send_task.apply(args=[delivery.pk]).get() == "failed"

    assert sink.messages == []
    row = reload(delivery)
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.FAILED, 1, None)
    assert "550" in row.last_error and delivery.email in row.last_error and "Mailbox does not exist" in row.last_error


def test_a_mail_server_that_is_down_is_retried_up_to_the_limit(one_subscriber, smtp_down):
    delivery = one_subscriber["delivery"]

    with override_settings(EPD_DELIVERY_MAX_ATTEMPTS=3):
        # eager: Celery runs each retry in place, ignoring the countdown
        assert delivery_send_task.apply(args=[delivery.pk]).get() == "failed"
        assert delivery_ids_to_send(delivery.epd.run_id, include_failed=True) == []

    row = reload(delivery)
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.FAILED, 3, None)
    assert "недоступен" in row.last_error and "ConnectionRefusedError" in row.last_error


def test_a_temporary_refusal_is_retried_and_then_sent_once(one_subscriber, sink):
    delivery = one_subscriber["delivery"]
    sink.refuse[delivery.email] = ("451 4.3.0 Try again later", 1)

    assert delivery_send_task.apply(args=[delivery.pk]).get() == "sent"

    assert len(sink.to(delivery.email)) == 1
    row = reload(delivery)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 2, "")


def test_a_failed_delivery_keeps_its_error_until_sent(one_subscriber, smtp_down):
    delivery = one_subscriber["delivery"]
    delivery_send(delivery.pk)
    row = reload(delivery)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    # pending only by default; failed ones with attempts left when asked
    assert delivery_ids_to_send(delivery.epd.run_id) == []
    assert delivery_ids_to_send(delivery.epd.run_id, include_failed=True) == [delivery.pk]


def test_a_pdf_missing_from_storage_or_a_superseded_version_fails_without_email(run, s3, sink, make_pdf):
    missing, replaced = household("7600000301", "7"), household("7600000302", "8")
    resident = factories.user(is_resident=True)
    subscribe(resident, missing)
    subscribe(resident, replaced)
    gone = epd_make(run, missing, make_pdf())
    storage.delete(gone.pdf_key)
    old = epd_make(run, replaced, make_pdf())
    assert deliveries_create(run) == 2
    Epd.objects.filter(pk=old.pk).update(is_current=False)

    for delivery in EpdDelivery.objects.filter(epd__run=run):
        assert delivery_send_task.apply(args=[delivery.pk]).get() == "failed"

    assert sink.messages == []
    errors = dict(EpdDelivery.objects.filter(epd__run=run).values_list("epd_id", "last_error"))
    assert "не найден" in errors[gone.pk]
    assert "новой версией" in errors[old.pk]
    assert set(EpdDelivery.objects.filter(epd__run=run).values_list("status", "attempts")) == {
        (DeliveryStatus.FAILED, 1)}


def test_enqueue_sends_every_pending_delivery_of_the_run(run, s3, sink, make_pdf, django_capture_on_commit_callbacks):
    from agency.site.celery import app

    households = [household(f"76000004{n:02d}", str(40 + n)) for n in range(3)]
    residents = [factories.user(is_resident=True) for _ in households]
    pdfs = {}
    for unified, resident in zip(households, residents, strict=True):
        subscribe(resident, unified)
        pdfs[resident.email] = make_pdf()
        epd_make(run, unified, pdfs[resident.email])
    assert deliveries_create(run) == 3
    already = EpdDelivery.objects.filter(user=residents[0]).get()
    delivery_send(already.pk)

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # .delay() runs in place: no worker sees this test's transaction
    try:
        # the sends go after the commit (this test's transaction stands in for the worker's autocommit)
        with django_capture_on_commit_callbacks(execute=True):
            assert deliveries_enqueue_task.apply(args=[run.pk]).get() == 2
    finally:
        app.conf.task_always_eager = eager

    for resident in residents:
        received = sink.to(resident.email)
        assert len(received) == 1
        assert next(received[0].iter_attachments()).get_content() == pdfs[resident.email]
    assert set(EpdDelivery.objects.filter(epd__run=run).values_list("status", flat=True)) == {DeliveryStatus.SENT}
