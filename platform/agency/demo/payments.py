"""The demo's payments day: money in through three channels, allocated, paid out and reconciled.

On the calendar's ``pay_day`` (``agency.demo.dates``: the working day before the last working day up to the
load day) the agent takes a few payments at its own cash desk (operator@erc.demo), and a Sberbank registry
(``sber_standard``) of some sixty households arrives; a resident pays the ЕПД by card when a Stripe server is
configured (``STRIPE_API_BASE``: the demo stack's local fake Stripe). The day is allocated set-based, the payouts
of the next working day (``payout_day``, not after the load day) are built by the operator, approved by the
controller (approver@erc.demo: four eyes, the builder never approves) and exported by the operator (the 1C file
and the registers in storage), and the day is reconciled.

Idempotent: the cash receipts are keyed by (desk, receipt number), the registry by its file name and
content, the card payment by the resident's succeeded online payment, the allocation by the payments'
status, the payouts by their day. A second run changes nothing and returns the same summary.

The card payment: localstripe stamps the charge with the real time, and the payment's day is the day the
gateway reports (``paid_at``), so it is today's money, not the pay day's: it is allocated on its own day,
goes into that day's later payout, and its day is reconciled as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from agency.demo.dates import DemoCalendar
from agency.documents.models import Epd
from agency.identity.models import User
from agency.payments.allocation.bulk import payments_allocate
from agency.payments.intake.cash_desk import cash_receipt_record, cash_shift_close, cash_shift_open
from agency.payments.intake.registry_import import registry_import
from agency.payments.models import (
    CashShift,
    Channel,
    ImportStatus,
    OnlinePayment,
    Payment,
    PaymentStatus,
    Payout,
    PayoutStatus,
    RegistryImport,
)
from agency.payments.online import gateway_webhook_receive, online_payment_start
from agency.payments.payouts import payouts_approve, payouts_build, payouts_export
from agency.payments.payouts.reconciliation import reconciliation_day
from tenants.residents.models import ResidentLink

DESK = "ЕРЦ, касса 1"
REGISTRY_LAYOUT = "sber_standard"
REGISTRY_HOUSEHOLDS = 60
UNKNOWN_ACCOUNT = "9999999999"  # one registry line nobody's: it stays unmatched, listed in the reconciliation
TEST_CARD = "4242424242424242"


@dataclass
class DemoPaymentsDay:
    day: date
    payout_day: date
    cash: dict = field(default_factory=dict)
    registry: dict = field(default_factory=dict)
    card: dict = field(default_factory=dict)
    allocation: dict = field(default_factory=dict)
    payouts: dict = field(default_factory=dict)
    reconciliation: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _comma(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def registry_filename(calendar: DemoCalendar) -> str:
    return f"sber_reestr_{calendar.pay_day:%d%m%Y}.txt"


def _documents(calendar: DemoCalendar, offset: int, count: int) -> list[Epd]:
    """Current documents of the demo month with something to pay, in ЕЛС order, from ``offset``."""
    return list(Epd.objects.filter(month=calendar.month, is_current=True, total_due__gt=0)
                .select_related("unified_account").order_by("unified_account__number")[offset:offset + count])


def _amount(epd: Epd, n: int) -> Decimal:
    """Partial, exact or more than the document's amount, in turn."""
    due = epd.total_due
    kind = n % 3
    if kind == 0:
        return due
    if kind == 1:
        return max(Decimal("0.01"), (due / 2).quantize(Decimal("1"), rounding=ROUND_DOWN))
    return due + Decimal("500.00")


# --- cash desk -------------------------------------------------------------------------------------------------


def _cash(operator: User, calendar: DemoCalendar) -> dict:
    shift = CashShift.objects.filter(operator=operator, desk=DESK).order_by("pk").first()
    if shift is None or shift.closed_at is None:
        shift = cash_shift_open(operator=operator, desk=DESK)
        for n, epd in enumerate(_documents(calendar, 10, 5)):
            cash_receipt_record(shift_id=shift.pk, operator=operator,
                                receipt_number=f"К-{calendar.pay_day:%d%m}-{n + 1:03d}",
                                amount=_amount(epd, n), payer_ref=epd.unified_account.number,
                                payer_name=epd.payer_name, paid_on=calendar.pay_day)
        shift = cash_shift_close(shift_id=shift.pk, operator=operator)
    return {"shift_id": shift.pk, "receipts": shift.receipts_count, "total": shift.total}


# --- bank registry ---------------------------------------------------------------------------------------------


def registry_file(calendar: DemoCalendar) -> bytes:
    """A ``sber_standard`` registry of the day: one line per payment and the totals line, in Windows-1251."""
    lines, total = [], Decimal("0.00")
    pay_day, month = calendar.pay_day, calendar.month
    rows = [(epd.unified_account.number, epd.payer_name, epd.address, _amount(epd, n))
            for n, epd in enumerate(_documents(calendar, 20, REGISTRY_HOUSEHOLDS))]
    rows.append((UNKNOWN_ACCOUNT, "Неизвестный плательщик", "г. Ярославль", Decimal("1234.56")))
    for n, (account, name, address, amount) in enumerate(rows, start=1):
        clean = [value.replace(";", ",").encode("cp1251", errors="replace").decode("cp1251")
                 for value in (name.upper(), address.upper())]
        lines.append(f"{pay_day:%d-%m-%Y};{9 + n // 60:02d}-{n % 60:02d}-00;8640;0017;{account};{clean[0]};"
                     f"{clean[1]};{month:%m%y};{_comma(amount)};0,00;{pay_day:%d%m}{n:06d}")
        total += amount
    lines.append(f"={len(rows)};{_comma(total)};{_comma(total)};0,00;4711;{pay_day:%d-%m-%Y}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def _registry(operator: User, calendar: DemoCalendar) -> dict:
    filename = registry_filename(calendar)
    imp = RegistryImport.objects.filter(filename=filename, status=ImportStatus.POSTED).first()
    if imp is None:
        imp = registry_import(data=registry_file(calendar), filename=filename, layout_name=REGISTRY_LAYOUT,
                              user=operator)
    return {"import_id": imp.pk, "status": imp.status, "rows": imp.rows_total, "posted": imp.rows_posted,
            "amount": imp.amount_posted, "summary": imp.summary, "errors": imp.errors}


# --- card payment against the configured Stripe server ---------------------------------------------------------


def _stripe_get(path: str) -> bytes:
    url = settings.STRIPE_API_BASE.rstrip("/") + path
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"STRIPE_API_BASE is not an HTTP address: {settings.STRIPE_API_BASE}")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {settings.STRIPE_SECRET_KEY}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 — the configured server
        return response.read()


def _succeeded_event(intent_id: str) -> bytes:
    """The ``payment_intent.succeeded`` event the server emitted for the intent, as it serves it."""
    for _attempt in range(50):
        listed = json.loads(_stripe_get("/v1/events?type=payment_intent.succeeded&limit=100"))["data"]
        ids = [e["id"] for e in listed if e["data"]["object"]["id"] == intent_id]
        if ids:
            return _stripe_get(f"/v1/events/{ids[0]}")
        time.sleep(0.1)
    raise RuntimeError(f"no payment_intent.succeeded event for {intent_id}")


def _signature(payload: bytes) -> str:
    """``Stripe-Signature`` as the server signs a delivery to an endpoint with this secret."""
    at = int(time.time())
    mac = hmac.new(settings.STRIPE_WEBHOOK_SECRET.encode(), b"%d." % at + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def _card(day: DemoPaymentsDay) -> Payment | None:
    resident = User.objects.get(email="resident1@mail.demo")
    done = (OnlinePayment.objects.filter(user=resident, payment__isnull=False).select_related("payment")
            .order_by("pk").first())
    if done is None:
        if not (settings.STRIPE_API_BASE and settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET):
            day.notes.append("Оплата картой пропущена: сервер Stripe не настроен (STRIPE_API_BASE).")
            return None
        import stripe

        link = ResidentLink.objects.select_related("unified_account").filter(user=resident).order_by("pk").first()
        started = online_payment_start(user=resident, els=link.unified_account.number)
        sdk = stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE},
                                  max_network_retries=0)
        intent_id = started.online_payment.intent_id
        # what the resident's browser does with the client secret: a test card, then confirm
        method = sdk.v1.payment_methods.create(params={
            "type": "card", "card": {"number": TEST_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
        sdk.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
        confirmed = sdk.v1.payment_intents.confirm(intent_id)
        if confirmed.status != "succeeded":
            raise RuntimeError(f"the test card payment {intent_id} is {confirmed.status}")
        # the webhook's own path: the signed delivery verified, stored once and handled
        body = _succeeded_event(intent_id)
        gateway_webhook_receive(gateway_name=started.online_payment.gateway, payload=body,
                                headers={"Stripe-Signature": _signature(body)})
        done = OnlinePayment.objects.select_related("payment").get(pk=started.online_payment.pk)
        if done.payment is None:
            raise RuntimeError(f"the card payment {intent_id} was not recorded")
    payment = done.payment
    day.card = {"online_payment_id": done.pk, "intent_id": done.intent_id, "payment_id": payment.pk,
                "amount": payment.amount, "paid_on": payment.paid_on, "status": done.status}
    return payment


# --- the day ----------------------------------------------------------------------------------------------------


def _allocate(days: list[date]) -> dict:
    result = {"payments": 0, "amount": Decimal("0.00"), "allocations": 0, "skipped": {}}
    for d in days:
        run = payments_allocate(day=d, on=d)
        result["payments"] += run.payments
        result["amount"] += run.amount
        result["allocations"] += run.allocations
        for reason, n in run.skipped.items():
            result["skipped"][reason] = result["skipped"].get(reason, 0) + n
    return result


def _payouts(operator: User, approver: User, day: DemoPaymentsDay) -> None:
    payout_day = day.payout_day
    if timezone.localdate() < payout_day:
        day.notes.append(f"Перечисления за {payout_day:%d.%m.%Y} не сформированы: этот день ещё не наступил.")
        return
    try:
        report = payouts_build(business_day=payout_day, user=operator)
    except ValidationError as exc:
        # e.g. the production calendar of the payout day's year is not loaded yet: the demo says so and goes on
        day.notes.append(f"Перечисления за {payout_day:%d.%m.%Y} не сформированы: {' '.join(exc.messages)}")
        return
    fresh = list(Payout.objects.filter(pk__in=report.payout_ids, status=PayoutStatus.CREATED)
                 .values_list("pk", flat=True))
    if fresh:
        payouts_approve(payout_ids=fresh, user=approver)
    if Payout.objects.filter(pk__in=report.payout_ids, status=PayoutStatus.APPROVED).exists():
        payouts_export(business_day=payout_day, user=operator)
    rows = list(Payout.objects.filter(pk__in=report.payout_ids).select_related("principal").order_by("pk"))
    day.payouts = {
        "business_day": payout_day, "built_now": report.built_now, "gross": report.gross, "fee": report.fee,
        "net": report.net, "skipped": report.skipped,
        "orders_file_keys": sorted({p.orders_file_key for p in rows if p.orders_file_key}),
        "items": [{"payout_id": p.pk, "principal": p.principal.short_name, "principal_id": p.principal_id,
                   "gross": p.gross, "fee": p.fee, "net": p.net, "status": p.status,
                   "order_number": p.order_number, "register_xlsx_key": p.register_xlsx_key,
                   "register_csv_key": p.register_csv_key} for p in rows],
    }


def _reconcile(d: date) -> dict:
    report = reconciliation_day(day=d)
    return {"day": d, "ok": report.ok, "unexplained": report.unexplained, "money_in": report.money_in_total,
            "by_channel": dict(report.money_in), "payments": report.payments_count, "allocated": report.allocated,
            "pending": report.pending_total, "pending_count": report.pending_count,
            "paid_out_net": report.paid_out_net, "paid_out_fee": report.paid_out_fee,
            "not_paid_out": report.not_paid_out,
            "equations": [(e.name, e.left, e.right, e.difference) for e in report.equations],
            "differences": [d.message for d in report.differences],
            "explained": [(e.kind, e.ref, e.amount) for e in report.explained]}


def demo_payments_seed(calendar: DemoCalendar) -> DemoPaymentsDay:
    """Run (or, the second time, report) the demo's payments day; see the module docstring."""
    operator = User.objects.get(email="operator@erc.demo")
    day = DemoPaymentsDay(day=calendar.pay_day, payout_day=calendar.payout_day)
    day.cash = _cash(operator, calendar)
    day.registry = _registry(operator, calendar)
    card = _card(day)
    days = sorted({calendar.pay_day, *([card.paid_on] if card is not None else [])})
    day.allocation = _allocate(days)
    _payouts(operator, User.objects.get(email="approver@erc.demo"), day)
    day.reconciliation = [_reconcile(d) for d in days]
    totals = Payment.objects.filter(paid_on__in=days).values("channel").annotate(total=Sum("amount"))
    day.allocation["by_channel"] = {row["channel"]: row["total"] for row in totals}
    allocated = Payment.objects.filter(paid_on__in=days, status=PaymentStatus.ALLOCATED)
    day.allocation["allocated_payments"] = allocated.count()  # by now, whichever run allocated them
    day.allocation["allocated_amount"] = allocated.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    if Channel.CARD_ONLINE not in day.allocation["by_channel"] and card is not None:
        day.notes.append("Оплата картой не найдена среди платежей дня.")
    return day
