"""Reversing the allocation of a payment that is refunded, in whole or in part, after it was allocated.

A refund takes money back out of ``agent.unallocated`` (Dr agent.unallocated / Cr agent.cash, posted by
the refund itself: ``online.services._refund_apply``, ``intake.queue.payment_return``). For an allocated payment that
money had already left ``agent.unallocated`` for the payees, so their shares must come back first.
``allocation_reverse`` does that, in one transaction under the payment's row lock:

- the amount is split over the payment's allocations in proportion to what is left of each (the
  original less its earlier reversals), by the largest-remainder method; a full reversal takes what is
  left of every one, exactly;
- each part becomes a negative ``Allocation`` linked to its original (``reverses``), dated ``on``, not in
  any payout: the next payout build picks it up with the principal's other unpaid allocations and nets
  it against them (``payouts_build`` carries a negative sum to a later day). So money already paid out
  is recovered from the principal's next payout, and money not yet paid out is simply not paid;
- in each principal's schema a negative ``Receipt`` per reversal row (its ``allocation_id`` is the
  reversal row's own id), dated ``on``: the account owes again what was refunded;
- both ledgers, keyed by the reversal: in public Dr ``agent.payable:<principal>`` / Cr
  ``agent.unallocated``; in each principal's schema Dr ``receivable`` (per personal account) / Cr
  ``agent.held``. Every reversal row carries its public transaction's key (``ledger_key``), which is what
  the reconciliation compares the transaction with.

The key. A reversal is named by the caller's ``key`` (the refund's own identity, e.g. its ledger key):
the ledger key is ``allocation_reversal:<payment id>:<key>``, and a repeat with the same key returns the
rows of the first and changes nothing. Without a key every call is a new reversal, numbered per payment.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from agency.payments.ledger_accounts import UNALLOCATED, agent_ledger_ensure, payable_account
from agency.payments.models import Allocation, Payment, PaymentStatus
from billing_core.error_codes import ErrorCode
from billing_core.money import from_kopecks, split_largest_remainder, to_kopecks, to_money
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import Leg, transaction_post
from tenants.models import Principal
from tenants.receipts.services import HELD, RECEIVABLE, agent_receipts_insert, principal_ledger_ensure

KIND = "allocation_reversal"
KEY_PREFIX = f"{KIND}:"
ZERO = Decimal("0.00")


def _error(field: str, message: str, code: ErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def reversal_key(payment_id: int, key: str) -> str:
    return f"{KEY_PREFIX}{payment_id}:{key}"


def _parts(remaining: list[Decimal], amount: Decimal | None) -> list[Decimal]:
    """What to take back from each allocation: all that is left, or ``amount`` in proportion to what is left."""
    total = sum(remaining, ZERO)
    if amount is None or amount == total:
        return list(remaining)
    if amount <= 0:
        raise _error("amount", _("Сумма сторно должна быть больше нуля."), ErrorCode.PAYMENT_AMOUNT)
    if amount > total:
        raise _error("amount", _("Сумма сторно %(a)s руб. больше нераспределённого остатка платежа %(t)s руб.")
                     % {"a": amount, "t": total}, ErrorCode.PAYMENT_AMOUNT)
    kopecks = split_largest_remainder(to_kopecks(amount), [max(r, ZERO) for r in remaining])
    return [from_kopecks(k) for k in kopecks]


def _reversal_key(payment: Payment, key: str | None) -> tuple[str, bool]:
    """The reversal's ledger key, and whether it was posted already (a repeat of the same ``key``)."""
    if key is not None:
        tx_key = reversal_key(payment.pk, key)
        done = LedgerTransaction.objects.filter(key=tx_key).exists()  # under the payment's lock: safe
    else:
        count = (Allocation.objects.filter(payment=payment, reverses__isnull=False)
                 .values("ledger_key").distinct().count())
        tx_key, done = reversal_key(payment.pk, str(count + 1)), False
    if not done and len(tx_key) > LedgerTransaction._meta.get_field("key").max_length:
        raise _error("key", _("Слишком длинный ключ сторно."), ErrorCode.INVALID)
    return tx_key, done


def _amount_checked(payment: Payment, amount: Decimal | str | None) -> Decimal | None:
    """The amount to reverse in roubles (None: everything still allocated); only an allocated payment is reversed."""
    if payment.status != PaymentStatus.ALLOCATED:
        raise _error("payment", _("Сторнировать можно только распределённый платёж (статус: %(s)s).")
                     % {"s": payment.get_status_display()}, ErrorCode.INVALID)
    value = None if amount is None else to_money(amount)
    if value is not None and value != Decimal(amount):
        raise _error("amount", _("Сумма указывается в рублях с точностью до копейки."), ErrorCode.INVALID)
    return value


def _reversal_rows(payment: Payment, value: Decimal | None, *, on: date, tx_key: str) -> list[Allocation]:
    """The negative allocations: ``value`` split over what is left of each original allocation."""
    originals = list(
        Allocation.objects.filter(payment=payment, reverses__isnull=True)
        .annotate(reversed_sum=Coalesce(Sum("reversals__amount"), ZERO)).order_by("pk")
    )
    parts = _parts([a.amount + a.reversed_sum for a in originals], value)
    rows = Allocation.objects.bulk_create([
        Allocation(payment=payment, principal_id=a.principal_id, account_number=a.account_number,
                   service_code=a.service_code, amount=-part, allocated_on=on, reverses=a, ledger_key=tx_key)
        for a, part in zip(originals, parts, strict=True) if part
    ])
    if not rows:
        raise _error("payment", _("У платежа не осталось распределённых сумм для сторно."), ErrorCode.INVALID)
    return rows


@transaction.atomic
def allocation_reverse(*, payment_id: int, on: date, reason: str, amount: Decimal | str | None = None,
                       key: str | None = None) -> list[Allocation]:
    """Reverse ``amount`` (by default everything still allocated) of an allocated payment; see the module docstring.

    Returns the reversal rows (negative allocations). Bad input (a payment that is not allocated, an amount
    above what is still allocated) is refused whole.
    """
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise _error("payment", _("Платёж не найден."), ErrorCode.NOT_FOUND)
    tx_key, done = _reversal_key(payment, key)
    if done:
        return list(Allocation.objects.filter(payment=payment, ledger_key=tx_key).order_by("pk"))
    rows = _reversal_rows(payment, _amount_checked(payment, amount), on=on, tx_key=tx_key)

    by_principal: dict[int, list[Allocation]] = defaultdict(list)
    for row in rows:
        by_principal[row.principal_id].append(row)
    total = -sum((r.amount for r in rows), ZERO)
    memo = _("Сторно распределения платежа %(id)s: %(reason)s") % {"id": payment.pk, "reason": reason}
    agent_ledger_ensure(by_principal)
    ref = f"payment:{payment.pk}"
    transaction_post(
        kind=KIND, key=tx_key, occurred_on=on, memo=memo[:500],
        legs=[Leg(UNALLOCATED, -total, ref)]
        + [Leg(payable_account(pid), -sum((r.amount for r in group), ZERO), ref)
           for pid, group in sorted(by_principal.items())],
    )
    principals = Principal.objects.in_bulk(list(by_principal))
    try:
        for pid, group in sorted(by_principal.items()):
            _principal_reverse(principals[pid], group, tx_key, on, memo)
    finally:
        connection.set_schema_to_public()
    return rows


def _principal_reverse(principal: Principal, rows: list[Allocation], tx_key: str, on: date, memo: str) -> None:
    """The principal's side, in its schema: a negative receipt per reversal row, and its ledger's mirror posting."""
    written = agent_receipts_insert(schema_name=principal.schema_name, rows=rows, paid_on=on, comment=memo)
    if written != len(rows):  # the rows are new: every one must land
        raise _error("account", _("Лицевой счёт не найден у принципала %(p)s: сторно не проведено.")
                     % {"p": principal}, ErrorCode.NOT_FOUND)
    by_account: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        by_account[r.account_number] -= r.amount
    with schema_context(principal.schema_name):
        principal_ledger_ensure()
        transaction_post(
            kind=KIND, key=tx_key, occurred_on=on, memo=memo[:500],
            legs=[Leg(HELD, -sum(by_account.values(), ZERO), f"payment:{rows[0].payment_id}")]
            + [Leg(RECEIVABLE, amount, f"pa:{number}") for number, amount in sorted(by_account.items()) if amount],
        )
