"""Posting to the ledger of the current schema (public: the agent's; a principal's schema: its own).

Every posting is idempotent by its key: posting the same key again returns the first transaction and
writes nothing, whatever the second call carried. A transaction's legs go in one INSERT statement,
so the database's balance check (migration 0002) sees the whole transaction at once.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.money import to_money
from tenants.ledger.models import AccountKind, LedgerAccount, LedgerLeg, LedgerTransaction


@dataclass(frozen=True)
class Leg:
    account: str  # LedgerAccount.code
    amount: Decimal  # debit +, credit −
    ref: str = ""


def ledger_account_ensure(*, code: str, name: str, kind: AccountKind | str) -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    return account


def _validated(legs: Iterable[Leg]) -> list[Leg]:
    legs = [Leg(leg.account, to_money(leg.amount), leg.ref) for leg in legs]
    if len(legs) < 2:
        raise ValidationError({"legs": ValidationError(_("В операции не меньше двух проводок."),
                                                       code=ErrorCode.LEDGER_UNBALANCED)})
    if any(leg.amount == 0 for leg in legs):
        raise ValidationError({"legs": ValidationError(_("Проводка на нулевую сумму."),
                                                       code=ErrorCode.LEDGER_UNBALANCED)})
    total = sum((leg.amount for leg in legs), Decimal(0))
    if total != 0:
        raise ValidationError({"legs": ValidationError(
            _("Сумма проводок операции не равна нулю: %(total)s.") % {"total": total},
            code=ErrorCode.LEDGER_UNBALANCED)})
    return legs


@transaction.atomic
def transaction_post(
    *, kind: str, key: str, legs: Iterable[Leg], occurred_on: date, memo: str = "",
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post a balanced transaction once per ``key``; a repeat returns the transaction already posted."""
    legs = _validated(legs)
    codes = sorted({leg.account for leg in legs})
    accounts = dict(LedgerAccount.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = [c for c in codes if c not in accounts]
    if missing:
        raise ValidationError({"legs": ValidationError(
            _("Нет счёта регистра: %(codes)s.") % {"codes": ", ".join(missing)}, code=ErrorCode.NOT_FOUND)})
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, reverses_id, created_at) "
            "VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (key) DO NOTHING RETURNING id",
            [kind, key, memo, occurred_on, reverses.pk if reverses else None],
        )
        row = cursor.fetchone()
        if row is None:  # posted before: the first posting stands
            return LedgerTransaction.objects.get(key=key)
        tx_id = row[0]
        # One statement for all legs: the balance trigger checks the transaction whole.
        cursor.execute(
            "INSERT INTO ledger_ledgerleg (transaction_id, account_id, amount, ref) "
            "SELECT %s, a, m, r FROM unnest(%s::bigint[], %s::numeric[], %s::text[]) AS t(a, m, r)",
            [tx_id, [accounts[leg.account] for leg in legs], [leg.amount for leg in legs],
             [leg.ref for leg in legs]],
        )
    return LedgerTransaction.objects.get(pk=tx_id)


@transaction.atomic
def transaction_reverse(*, original: LedgerTransaction, occurred_on: date, memo: str = "") -> LedgerTransaction:
    """Post the mirror image of ``original``, once: a second reversal returns the first."""
    legs = [Leg(code, -amount, ref) for code, amount, ref in
            original.legs.values_list("account__code", "amount", "ref").order_by("pk")]
    return transaction_post(
        kind="reversal", key=f"reversal:{original.key}", legs=legs, occurred_on=occurred_on,
        memo=memo or str(_("Сторно: %(memo)s") % {"memo": original.memo}), reverses=original,
    )


def account_balance(*, code: str, ref: str | None = None, until: date | None = None) -> Decimal:
    """Debit-positive balance of an account (optionally of one sub-ledger ref, up to a date)."""
    qs = LedgerLeg.objects.filter(account__code=code)
    if ref is not None:
        qs = qs.filter(ref=ref)
    if until is not None:
        qs = qs.filter(transaction__occurred_on__lte=until)
    with connection.cursor() as cursor:
        sql, params = qs.values("amount").query.sql_with_params()
        cursor.execute(f"SELECT COALESCE(SUM(amount), 0) FROM ({sql}) s", params)  # noqa: S608 — Django-built SQL
        return cursor.fetchone()[0]


def trial_balance() -> dict[str, Decimal]:
    """Every account's balance in this schema, in one query; they always sum to zero."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.code, COALESCE(SUM(l.amount), 0) FROM ledger_ledgeraccount a "
            "LEFT JOIN ledger_ledgerleg l ON l.account_id = a.id GROUP BY a.code ORDER BY a.code"
        )
        return dict(cursor.fetchall())
