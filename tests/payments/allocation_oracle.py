"""The oracle of the set-based allocation (``agency.payments.allocation.bulk``): one matched payment allocated among
the payees and services of the document it pays, row by row through the ORM. Only the tests call it; production
allocates with ``payments_allocate``.

The split is ``billing_core.allocation.allocate`` (ПП 354 п.118, largest remainder). Each share
becomes an ``Allocation`` (public: the agent now owes that principal the money) and a ``Receipt`` in
the principal's own schema (its account is paid); both ledgers are posted:

- agent (public):      Dr agent.unallocated  /  Cr agent.payable:<principal>   (per principal)
- principal (schema):  Dr agent.held (money the agent holds for us)  /  Cr receivable

Allocating a payment twice changes nothing: the payment row is locked and its status checked, the
allocations are unique per (payment, principal, service), the receipts per allocation id, and the
ledger postings per key.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from agency.documents.models import Epd, EpdPayee
from agency.payments.ledger_accounts import UNALLOCATED, agent_ledger_ensure, payable_account
from agency.payments.models import Allocation, Payment, PaymentStatus
from billing_core.allocation import allocate
from billing_core.error_codes import ErrorCode
from billing_core.money import from_kopecks, split_largest_remainder, to_kopecks
from tenants.ledger.services import Leg, transaction_post
from tenants.models import Principal
from tenants.receipts.services import HELD, RECEIVABLE, agent_receipts_insert, principal_ledger_ensure


def _document(payment: Payment) -> Epd | None:
    if payment.epd_id:
        return Epd.objects.filter(pk=payment.epd_id).first()
    return (Epd.objects.filter(unified_account_id=payment.unified_account_id, is_current=True)
            .order_by("-month").first())


def _lines(payees: list[EpdPayee]) -> tuple[list[tuple[tuple[int, str], Decimal]], dict, dict]:
    """Dues per (principal, service code) from the document's payee blocks, the fallback weights, and
    each principal's account number. A payee whose lines carry no service codes is one line."""
    dues: list[tuple[tuple[int, str], Decimal]] = []
    fallback: dict[tuple[int, str], Decimal] = {}
    accounts: dict[int, str] = {}
    for payee in payees:
        accounts[payee.principal_id] = payee.account_number
        lines = [ln for ln in payee.block.get("lines") or [] if ln.get("service_code")]
        if not lines:
            key = (payee.principal_id, "")
            dues.append((key, max(payee.amount_due, Decimal(0))))
            fallback[key] = Decimal(payee.block.get("charged") or 0)
            continue
        # A payee's amount due (debt included) spread over its lines in proportion to each line's total;
        # without a positive line total, over the lines' charges.
        weights = {ln["service_code"]: max(Decimal(ln.get("total") or 0), Decimal(0)) for ln in lines}
        for ln in lines:
            key = (payee.principal_id, ln["service_code"])
            fallback[key] = max(Decimal(ln.get("charged") or 0), Decimal(0))
        weight_sum = sum(weights.values())
        parts = split_largest_remainder(
            max(to_kopecks(payee.amount_due), 0),
            list(weights.values()) if weight_sum else [fallback[(payee.principal_id, c)] for c in weights],
        )
        for code, part in zip(weights, parts, strict=True):
            dues.append(((payee.principal_id, code), from_kopecks(part)))
    return dues, fallback, accounts


def _post_receipts(principal: Principal, account_number: str, rows: list[Allocation], paid_on: date) -> None:
    """The principal's side: receipts on its account, and its own ledger, in its schema."""
    # allocations are new (the payment was locked and unallocated): every one must land
    if agent_receipts_insert(schema_name=principal.schema_name, rows=rows, paid_on=paid_on) != len(rows):
        raise ValidationError({"account": ValidationError(
            _("Лицевой счёт %(n)s не найден у принципала %(p)s.") % {"n": account_number, "p": principal},
            code=ErrorCode.NOT_FOUND)})
    total = sum((r.amount for r in rows), Decimal(0))
    with schema_context(principal.schema_name):
        principal_ledger_ensure()
        transaction_post(
            kind="allocation", key=f"allocation:{rows[0].payment_id}", occurred_on=paid_on,
            memo=str(_("Оплата через агента, лицевой счёт %(n)s") % {"n": account_number}),
            legs=[Leg(HELD, total, f"payment:{rows[0].payment_id}"), Leg(RECEIVABLE, -total, f"pa:{account_number}")],
        )


@transaction.atomic
def payment_allocate(
    *, payment_id: int, on: date | None = None, designated: dict[tuple[int, str], Decimal] | None = None
) -> list[Allocation]:
    """Allocate one matched payment over its document; a second call returns the first allocation."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == PaymentStatus.ALLOCATED:
        return list(payment.allocations.order_by("pk"))
    if payment.status != PaymentStatus.MATCHED:
        raise ValidationError({"payment": ValidationError(
            _("Платёж не сопоставлен с лицевым счётом: сначала разберите его."), code=ErrorCode.INVALID)})
    document = _document(payment)
    if document is None:
        raise ValidationError({"payment": ValidationError(
            _("Для ЕЛС нет выставленного ЕПД: распределять не по чему."), code=ErrorCode.NOT_FOUND)})
    payees = list(EpdPayee.objects.filter(epd=document).order_by("principal_id"))
    if not payees:
        raise ValidationError({"payment": ValidationError(_("В ЕПД нет получателей."), code=ErrorCode.NOT_FOUND)})
    dues, fallback, accounts = _lines(payees)
    try:
        shares = allocate(payment.amount, dues, designated=designated, fallback=fallback)
    except ValueError as exc:
        raise ValidationError({"designated": ValidationError(str(exc), code=ErrorCode.INVALID)}) from exc
    day = on or timezone.localdate()
    rows = Allocation.objects.bulk_create([
        Allocation(payment=payment, principal_id=pid, account_number=accounts[pid], service_code=code,
                   amount=share.amount, allocated_on=day)
        for share in shares if share.amount
        for pid, code in [share.key]
    ])
    by_principal: dict[int, list[Allocation]] = {}
    for row in rows:
        by_principal.setdefault(row.principal_id, []).append(row)
    agent_ledger_ensure(by_principal)
    transaction_post(
        kind="allocation", key=f"allocation:{payment.pk}", occurred_on=day,
        memo=str(_("Распределение платежа %(id)s") % {"id": payment.pk}),
        legs=[Leg(UNALLOCATED, payment.amount, f"payment:{payment.pk}")]
        + [Leg(payable_account(pid), -sum((r.amount for r in group), Decimal(0)), f"payment:{payment.pk}")
           for pid, group in sorted(by_principal.items())],
    )
    principals = Principal.objects.in_bulk(list(by_principal))
    for pid, group in sorted(by_principal.items()):
        _post_receipts(principals[pid], accounts[pid], group, payment.paid_on)
    connection.set_schema_to_public()
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.ALLOCATED, epd=document)
    return rows
