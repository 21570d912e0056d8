"""The payment orders of an export: numbered gap-free per year, written as one 1C client-bank exchange file from
the agent's account. A payout whose fee takes the whole sum has nothing to send and gets no order."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from agency.payments.models import Payout
from agency.payments.payouts.common import DATE, covered_period
from billing_core.error_codes import ErrorCode
from billing_core.onec_exchange import BankParty, PaymentOrder, format_amount, payment_orders_write
from tenants.models import AgencyContract, Principal

# pg_advisory_xact_lock key: one numbering of payment orders at a time.
NUMBER_LOCK = 7_301_002
ORDERS_TYPE = "text/plain; charset=windows-1251"
# The payment order's purpose (field 24) is a bank document's text: always Russian, never translated.
PURPOSE = ("Перечисление денежных средств, собранных по агентскому договору № {number} от {signed} за {period}, "
           "за вычетом вознаграждения {fee} руб. НДС не облагается")


def _next_order_number(year: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NUMBER_LOCK])
        cursor.execute("SELECT COALESCE(MAX(order_number), 0) FROM payments_payout "
                       "WHERE order_date >= %s AND order_date < %s", [date(year, 1, 1), date(year + 1, 1, 1)])
        return cursor.fetchone()[0] + 1


def _purpose(p: Payout, contract: AgencyContract) -> str:
    return PURPOSE.format(number=contract.number, signed=contract.signed_on.strftime(DATE), period=covered_period(p),
                          fee=format_amount(p.fee))


def _payer(agent: Principal) -> BankParty:
    return BankParty(name=agent.legal_name, inn=agent.inn, kpp=agent.kpp, account=agent.settlement_account,
                     bank_name=agent.bank_name, bic=agent.bic, correspondent_account=agent.correspondent_account)


def _payee(principal: Principal, contract: AgencyContract) -> BankParty:
    return BankParty(name=principal.legal_name, inn=principal.inn, kpp=principal.kpp, account=contract.payout_account,
                     bank_name=contract.payout_bank_name, bic=contract.payout_bic,
                     correspondent_account=contract.payout_correspondent_account)


def _named(exc: ValidationError, ordered: list[Payout], principals: dict[int, Principal]) -> ValidationError:
    """The writer's errors naming the payout and the principal, not the order's place in the file."""
    named = {}
    for key, errors in exc.message_dict.items():
        head, _dot, rest = key.partition(".")
        if head == "orders" and rest:
            index, _dot, name = rest.partition(".")
            p = ordered[int(index)]
            key = f"payout.{p.pk}.{name}"
            errors = [f"{principals[p.principal_id].short_name}: {e}" for e in errors]
        named[key] = [ValidationError(e, code=ErrorCode.ONEC_VALUE) for e in errors]
    return ValidationError(named)


def payment_orders_render(payouts: list[Payout], *, contracts: dict[tuple[int, date], AgencyContract],
                          principals: dict[int, Principal], agent: Principal, order_date: date) -> tuple[bytes, int]:
    """Date every payout's order and name its payee account; number those with money to send and write their
    orders into one file: (the file, empty when none has money to send; the number of orders)."""
    number = _next_order_number(order_date.year)
    payer = _payer(agent)
    orders: list[PaymentOrder] = []
    ordered: list[Payout] = []
    for p in payouts:
        contract = contracts[(p.principal_id, p.business_day)]
        p.order_date = order_date
        p.payee_account = contract.payout_account
        if p.net == 0:
            continue
        p.order_number = number
        number += 1
        orders.append(PaymentOrder(number=str(p.order_number), date=order_date, amount=p.net, payer=payer,
                                   payee=_payee(principals[p.principal_id], contract), purpose=_purpose(p, contract)))
        ordered.append(p)
    if not orders:
        return b"", 0
    try:
        return payment_orders_write(orders, account=agent.settlement_account,
                                    created_at=timezone.localtime()), len(orders)
    except ValidationError as exc:
        raise _named(exc, ordered, principals) from exc
