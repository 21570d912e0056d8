"""Exporting approved payouts: select → render → store → post, in one transaction (see the package docstring:
the ledger posting at export, crash safety). Nothing is changed unless everything is written.

- select: the payouts (locked) and the agency contract each was built under;
- render: the 1C file of payment orders (``orders``) and each payout's registers (``register``);
- store: every file into object storage under a new key;
- post: the payouts marked exported (or confirmed, with nothing to send) and the ledger posted, one statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from agency.documents import storage
from agency.payments.ledger_accounts import CASH, FEE, agent_ledger_ensure, agent_principal, payable_account
from agency.payments.models import Payout, PayoutStatus
from agency.payments.payouts.approve import operator_check
from agency.payments.payouts.common import DATE, contracts_in_force, covered_period, error, ids_text
from agency.payments.payouts.orders import ORDERS_TYPE, payment_orders_render
from agency.payments.payouts.register import CSV_TYPE, XLSX_TYPE, register_csv, register_rows, register_xlsx
from billing_core.error_codes import ErrorCode
from tenants.models import AgencyContract, Principal


@dataclass
class ExportResult:
    payout_ids: list[int]
    orders_file_key: str  # empty when every payout exported had nothing to send
    orders_count: int
    total_net: Decimal
    orders_file: bytes = b""


# --- select ---------------------------------------------------------------------------------------------


def _export_select(business_day: date | None, payout_ids: Sequence[int] | None) -> list[Payout]:
    """The approved payouts to export, locked: those of the day, or exactly those given (all approved)."""
    if (business_day is None) == (payout_ids is None):
        raise error("business_day", _("Укажите день или перечисления."), ErrorCode.REQUIRED)
    query = Payout.objects.select_for_update().order_by("pk")
    if payout_ids is None:
        payouts = list(query.filter(business_day=business_day, status=PayoutStatus.APPROVED))
    else:
        payouts = list(query.filter(pk__in=list(payout_ids)))
        missing = sorted(set(payout_ids) - {p.pk for p in payouts})
        wrong = [p.pk for p in payouts if p.status != PayoutStatus.APPROVED]
        if missing or wrong:
            raise error("payout_ids", _("Выгрузить можно только утверждённые перечисления: %(ids)s."),
                        ErrorCode.PAYOUT_STATUS, ids=ids_text(missing + wrong))
    if not payouts:
        raise error("business_day", _("Нет утверждённых перечислений для выгрузки."), ErrorCode.PAYOUT_STATUS)
    return payouts


def _export_contracts(payouts: list[Payout]) -> dict[tuple[int, date], AgencyContract]:
    """The contract in force on each payout's day, by (principal, day); a payout without one refuses the export."""
    contracts: dict[tuple[int, date], AgencyContract] = {}
    for day in sorted({p.business_day for p in payouts}):
        day_principals = [p.principal_id for p in payouts if p.business_day == day]
        for pid, contract in contracts_in_force(day_principals, day).items():
            contracts[(pid, day)] = contract
    lost = [p.pk for p in payouts if (p.principal_id, p.business_day) not in contracts]
    if lost:
        raise error("payout_ids", _("Нет агентского договора, действующего на день перечисления: %(ids)s."),
                    ErrorCode.NOT_FOUND, ids=ids_text(lost))
    return contracts


# --- render ---------------------------------------------------------------------------------------------


def _registers_render(payouts: list[Payout], principals: dict[int, Principal],
                      order_date: date) -> list[tuple[str, bytes, str]]:
    """Each payout's register as XLSX and CSV under new keys (set on the payout): (key, data, content type)."""
    registers = register_rows([p.pk for p in payouts])
    files: list[tuple[str, bytes, str]] = []
    for p in payouts:
        rows = registers.get(p.pk, [])
        title = _g("Реестр платежей: %(name)s, поступления за %(period)s, п/п № %(n)s от %(d)s") % {
            "name": principals[p.principal_id].short_name, "period": covered_period(p), "n": p.order_number or "—",
            "d": order_date.strftime(DATE)}
        p.register_xlsx_key = storage.new_key("payout-register", ext="xlsx")
        p.register_csv_key = storage.new_key("payout-register", ext="csv")
        files.append((p.register_xlsx_key, register_xlsx(rows, p.gross, title=title), XLSX_TYPE))
        files.append((p.register_csv_key, register_csv(rows, p.gross), CSV_TYPE))
    return files


# --- store ----------------------------------------------------------------------------------------------


def _store(files: list[tuple[str, bytes, str]]) -> None:
    for key, data, content_type in files:
        storage.put(key, data, content_type)


# --- post -----------------------------------------------------------------------------------------------


def _mark_exported(payouts: list[Payout], *, order_date: date, orders_key: str) -> None:
    """approved → exported (confirmed at once when there is nothing to send), with the orders' data, one statement."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payments_payout p SET status = CASE WHEN p.net = 0 THEN %s ELSE %s END, "
            "confirmed_at = CASE WHEN p.net = 0 THEN %s ELSE NULL END, exported_at = %s, order_date = %s, "
            "order_number = t.num, payee_account = t.acc, orders_file_key = CASE WHEN p.net = 0 THEN '' ELSE %s END, "
            "register_xlsx_key = t.x, register_csv_key = t.c "
            "FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[], %s::text[]) AS t(id, num, acc, x, c) "
            "WHERE p.id = t.id",
            [PayoutStatus.CONFIRMED, PayoutStatus.EXPORTED, now, now, order_date, orders_key,
             [p.pk for p in payouts], [p.order_number for p in payouts], [p.payee_account for p in payouts],
             [p.register_xlsx_key for p in payouts], [p.register_csv_key for p in payouts]],
        )


def _ledger_post(payouts: list[Payout]) -> None:
    """Dr agent.payable:<p> gross / Cr agent.cash net / Cr agent.fee fee per payout, all in one statement."""
    agent_ledger_ensure({p.principal_id for p in payouts})
    keys, codes, amounts = [], [], []
    for p in payouts:
        for code, amount in ((payable_account(p.principal_id), p.gross), (CASH, -p.net), (FEE, -p.fee)):
            if amount:
                keys.append(f"payout:{p.pk}")
                codes.append(code)
                amounts.append(amount)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH tx AS (INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, reverses_id, created_at) "
            "SELECT 'payout', k, m, d, NULL, now() FROM unnest(%s::text[], %s::text[], %s::date[]) AS t(k, m, d) "
            "ON CONFLICT (key) DO NOTHING RETURNING id, key) "
            "INSERT INTO ledger_ledgerleg (transaction_id, account_id, amount, ref) "
            "SELECT tx.id, acc.id, l.amount, l.ref FROM tx "
            "JOIN unnest(%s::text[], %s::text[], %s::numeric[], %s::text[]) AS l(key, code, amount, ref) "
            "ON l.key = tx.key JOIN ledger_ledgeraccount acc ON acc.code = l.code",
            [[f"payout:{p.pk}" for p in payouts],
             [_g("Перечисление принципалу за %(day)s") % {"day": p.business_day.strftime(DATE)} for p in payouts],
             [p.order_date for p in payouts], keys, codes, amounts, keys],
        )


@transaction.atomic
def payouts_export(*, business_day: date | None = None, payout_ids: Sequence[int] | None = None,
                   user=None) -> ExportResult:
    """Export approved payouts (those of ``business_day``, or exactly ``payout_ids``): one 1C file of payment orders
    from the agent's account, and per payout a register of the payments it covers (XLSX and CSV); approved →
    exported. Nothing is changed unless everything is written."""
    operator_check(user)
    payouts = _export_select(business_day, payout_ids)
    agent = agent_principal()
    principals = Principal.objects.in_bulk([p.principal_id for p in payouts])
    contracts = _export_contracts(payouts)

    order_date = timezone.localdate()
    orders_file, orders_count = payment_orders_render(payouts, contracts=contracts, principals=principals,
                                                      agent=agent, order_date=order_date)
    files = _registers_render(payouts, principals, order_date)
    orders_key = ""
    if orders_file:
        orders_key = storage.new_key("payout-orders", ext="txt")
        files.insert(0, (orders_key, orders_file, ORDERS_TYPE))

    _store(files)

    _mark_exported(payouts, order_date=order_date, orders_key=orders_key)
    _ledger_post(payouts)
    return ExportResult([p.pk for p in payouts], orders_key, orders_count, sum((p.net for p in payouts), Decimal(0)),
                        orders_file)

