"""Money received on the principal's accounts, in its schema.

- The principal's own receipts: money it collected directly (its cash desk, its bank account), entered so
  that its accounts' balances stay whole. Once per document number and date.
- The agent's allocations (and their reversals): one receipt per allocation row, once per allocation id,
  written by ``agent_receipts_insert`` for the payments app.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.money import to_money
from tenants.billing.models import PersonalAccount, Service
from tenants.ledger.models import AccountKind
from tenants.ledger.services import Leg, ledger_account_ensure, transaction_post
from tenants.receipts.models import Receipt, ReceiptSource

OWN_CASH = "own.cash"
RECEIVABLE = "receivable"
HELD = "agent.held"  # money the agent has collected for the principal and holds until the payout


def principal_ledger_ensure() -> None:
    """The principal's ledger accounts for money on its accounts (current schema)."""
    ledger_account_ensure(code=HELD, name=str(_("Денежные средства у агента")), kind=AccountKind.ASSET)
    ledger_account_ensure(code=RECEIVABLE, name=str(_("Расчёты с потребителями")), kind=AccountKind.ASSET)
    ledger_account_ensure(code=OWN_CASH, name=str(_("Собственные поступления")), kind=AccountKind.ASSET)


def agent_receipts_insert(*, schema_name: str, rows, paid_on: date, comment: str = "") -> int:
    """One receipt per agent allocation row (id, amount, service code, account number) in ``schema_name``.

    Idempotent per allocation id; returns how many were written. A row whose account is not in the schema
    is not written: callers that know their rows are new compare the count.
    """
    rows = list(rows)
    schema = connection.ops.quote_name(schema_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {schema}.receipts_receipt "  # noqa: S608 — the schema name is quoted, values bound
            "(account_id, service_id, amount, paid_on, source, allocation_id, comment, created_at) "
            "SELECT a.id, s.id, x.amount, %s, 'agent', x.allocation_id, %s, now() "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::text[], %s::text[]) "
            "  AS x(allocation_id, amount, code, number) "
            f"JOIN {schema}.billing_personalaccount a ON a.number = x.number "
            f"LEFT JOIN {schema}.billing_service s ON s.code = NULLIF(x.code, '') "
            "ON CONFLICT (allocation_id) DO NOTHING",
            [paid_on, comment[:300], [r.pk for r in rows], [r.amount for r in rows], [r.service_code for r in rows],
             [r.account_number for r in rows]],
        )
        return cursor.rowcount


def own_receipt_key(document_number: str, paid_on: date) -> str:
    return f"{paid_on.isoformat()}:{document_number.strip()}"


@transaction.atomic
def own_receipt_record(
    *, account_number: str, amount, paid_on: date, document_number: str, service_code: str = "", comment: str = ""
) -> tuple[Receipt, bool]:
    """Record one of the principal's own receipts in the current schema; (receipt, created)."""
    errors = {}
    account = PersonalAccount.objects.filter(number=account_number).first()
    if account is None:
        errors["accountNumber"] = ValidationError(
            _("Лицевой счёт «%(n)s» не найден.") % {"n": account_number}, code=ErrorCode.NOT_FOUND)
    service = None
    if service_code:
        service = Service.objects.filter(code=service_code).first()
        if service is None:
            errors["serviceCode"] = ValidationError(
                _("Услуга «%(c)s» не найдена.") % {"c": service_code}, code=ErrorCode.NOT_FOUND)
    value = to_money(amount)
    if value <= 0:
        errors["amount"] = ValidationError(_("Сумма должна быть больше нуля."), code=ErrorCode.INVALID)
    if paid_on > timezone.localdate():
        errors["paidOn"] = ValidationError(_("Дата оплаты в будущем."), code=ErrorCode.INVALID)
    if not (document_number or "").strip():
        errors["documentNumber"] = ValidationError(_("Укажите номер документа."), code=ErrorCode.REQUIRED)
    if errors:
        raise ValidationError(errors)
    key = own_receipt_key(document_number, paid_on)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO receipts_receipt (account_id, service_id, amount, paid_on, source, external_key, comment, "
            "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, now()) ON CONFLICT (external_key) DO NOTHING "
            "RETURNING id",
            [account.pk, service.pk if service else None, value, paid_on, ReceiptSource.OWN, key, comment[:300]],
        )
        row = cursor.fetchone()
    if row is None:
        return Receipt.objects.get(external_key=key), False
    principal_ledger_ensure()
    transaction_post(kind="own_receipt", key=f"own:{key}", occurred_on=paid_on,
                     memo=str(_("Собственное поступление, документ %(n)s") % {"n": document_number}),
                     legs=[Leg(OWN_CASH, value), Leg(RECEIVABLE, -value, f"pa:{account_number}")])
    return Receipt.objects.get(pk=row[0]), True
