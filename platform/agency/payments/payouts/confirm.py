"""Confirming exported payouts from the agent's bank statement (1C exchange format): each outgoing document is
matched to a payout by the order's number and year, then compared by date, amount and payee account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.payments.intake.statements import statement_outgoing
from agency.payments.ledger_accounts import agent_principal
from agency.payments.models import Payout, PayoutStatus
from agency.payments.payouts.common import DATE, error
from billing_core.error_codes import ErrorCode
from billing_core.onec_exchange import Statement, StatementDocument, statement_read


@dataclass
class ConfirmReport:
    confirmed: list[int] = field(default_factory=list)  # payouts confirmed now
    already: list[int] = field(default_factory=list)  # confirmed by an earlier statement
    mismatches: list[dict] = field(default_factory=list)  # an order found by number whose data differ
    unknown: list[dict] = field(default_factory=list)  # outgoing documents that are none of our payouts
    not_in_statement: list[int] = field(default_factory=list)  # exported in the statement's dates, not in it


def _order_key(doc: StatementDocument) -> tuple[int, int] | None:
    """(year, number) of an outgoing document that can be one of our orders, or None."""
    return (doc.date.year, int(doc.number)) if doc.date and doc.number.isdigit() else None


def _statement_checked(statement: bytes) -> tuple[Statement, list[StatementDocument]]:
    """The statement, read whole and of the agent's account, and its outgoing documents."""
    st = statement_read(statement)
    if not st.ok:
        raise ValidationError({"statement": [
            ValidationError(_("Строка %(line)s: %(message)s") % {"line": e.line or "—", "message": e.message},
                            code=ErrorCode.PAYOUT_STATEMENT) for e in st.errors]})
    agent = agent_principal()
    if agent.settlement_account not in st.own_accounts:
        raise error("statement", _("Выписка не по счёту агента %(acc)s."), ErrorCode.PAYOUT_STATEMENT,
                    acc=agent.settlement_account)
    return st, statement_outgoing(statement=st, account=agent.settlement_account)


def _candidates(docs: list[StatementDocument]) -> dict[tuple[int, int], Payout]:
    """The payouts (locked) whose orders the documents may be, by (year, number)."""
    wanted = {key for key in map(_order_key, docs) if key is not None}
    if not wanted:
        return {}
    years = sorted({y for y, _n in wanted})
    numbers = sorted({n for _y, n in wanted})
    payouts = Payout.objects.select_for_update().filter(order_number__in=numbers, order_date__year__in=years)
    return {(p.order_date.year, p.order_number): p for p in payouts}


def _differences(doc: StatementDocument, p: Payout) -> list[tuple[str, object, object]]:
    """(field, expected, actual) where the document is not the payout's order as exported."""
    differences = []
    if doc.date != p.order_date:
        differences.append(("date", p.order_date, doc.date))
    if doc.amount != p.net:
        differences.append(("amount", p.net, doc.amount))
    if doc.payee_account != p.payee_account:
        differences.append(("payee_account", p.payee_account, doc.payee_account))
    if p.status not in (PayoutStatus.EXPORTED, PayoutStatus.CONFIRMED):
        differences.append(("status", PayoutStatus.EXPORTED.value, p.status))
    return differences


def _match(doc: StatementDocument, p: Payout | None, report: ConfirmReport) -> bool:
    """Sort one document into the report; True when it confirms its payout now."""
    if p is None:
        report.unknown.append({"number": doc.number, "date": doc.date, "amount": doc.amount,
                               "payee_account": doc.payee_account, "line": doc.line})
        return False
    differences = _differences(doc, p)
    if differences:
        report.mismatches.append({"payout_id": p.pk, "number": doc.number, "line": doc.line, "fields": [
            {"field": f, "expected": str(e), "actual": str(a)} for f, e, a in differences]})
        return False
    if p.status == PayoutStatus.CONFIRMED:
        report.already.append(p.pk)
        return False
    return True


def _parse(text: str | None) -> date | None:
    try:
        return datetime.strptime((text or "").strip(), DATE).date()
    except ValueError:
        return None


def _not_in_statement(st: Statement, seen: set[int]) -> list[int]:
    """Payouts exported within the statement's dates that it does not show."""
    days = [d for d in (_parse(st.header.get("ДатаНачала")), _parse(st.header.get("ДатаКонца"))) if d]
    if len(days) != 2:
        return []
    return sorted(Payout.objects.filter(status=PayoutStatus.EXPORTED, order_date__range=days).exclude(pk__in=seen)
                  .values_list("pk", flat=True))


@transaction.atomic
def payouts_confirm(*, statement: bytes, user=None) -> ConfirmReport:
    """Match the statement's outgoing documents to exported payouts by number, date, amount and payee account;
    matching ones become confirmed, the rest are reported. A file that does not read is refused whole."""
    st, docs = _statement_checked(statement)
    candidates = _candidates(docs)
    report = ConfirmReport()
    to_confirm: list[int] = []
    seen: set[int] = set()
    for doc in docs:
        key = _order_key(doc)
        p = candidates.get(key) if key is not None else None
        if p is not None:
            seen.add(p.pk)
        if _match(doc, p, report):
            to_confirm.append(p.pk)
    if to_confirm:
        Payout.objects.filter(pk__in=to_confirm).update(status=PayoutStatus.CONFIRMED, confirmed_at=timezone.now())
    report.confirmed = sorted(to_confirm)
    report.not_in_statement = _not_in_statement(st, seen)
    return report
