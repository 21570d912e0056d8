"""1C client-bank statements (``1CClientBankExchange`` 1.02/1.03): the incoming payments on the agent's account.

``statement_import`` reads the file with ``billing_core.onec_exchange.statement_read``. A file with
any error is refused whole, every error kept. Otherwise each document credited to the agent's own
account becomes a payment (channel ``bank_statement``, source ``1c:<account>``, identity from the
document's number, date, payer account and amount), matched from the references in its purpose of
payment (a ЕЛС, an ИПД or a personal account number written in ``НазначениеПлатежа``) by the same
set-based matcher as the registries, and posted to the agent's ledger as one transaction. The same
file again posts nothing; a document already recorded from another statement is not posted twice.

Outgoing documents (our payouts, as the bank executed them) are not stored here:
``statement_outgoing`` returns them for the payout confirmation.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agency.payments.intake.registry_import import (
    Phase,
    StagedRow,
    file_sha256,
    import_row_ensure,
    phase_set,
    post_staged,
    reject,
)
from agency.payments.ledger_accounts import agent_principal
from agency.payments.models import Channel, ImportStatus, RegistryImport
from billing_core.error_codes import ErrorCode
from billing_core.onec_exchange import DATE_FORMAT, Statement, StatementDocument, statement_read

LAYOUT = "1c_statement"
# References in a purpose of payment: runs of letters, digits and hyphens (ЕЛС 7600000001, ИПД
# 7600000001-1026-01, account L-MY-A, 001-0000001), cut at spaces and punctuation.
_TOKEN = re.compile(r"[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё/_-]*[0-9A-Za-zА-Яа-яЁё]")
_MAX_REFS = 20


def agent_account() -> str:
    """The agent's own settlement account (its public tenant row, ``agent_principal``)."""
    account = agent_principal().settlement_account
    if not account:
        raise ValidationError({"account": ValidationError(_("Не заданы реквизиты агента: нет расчётного счёта."),
                                                          code=ErrorCode.NOT_FOUND)})
    return account


def purpose_refs(purpose: str) -> tuple[str, ...]:
    """Candidate references in a purpose of payment, in order, each once: tokens with a digit or a hyphen
    (plain words are skipped), and their upper-case form."""
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(purpose or ""):
        if any(ch.isdigit() for ch in token) or "-" in token:
            seen.setdefault(token, None)
            upper = token.upper()
            if upper != token:
                seen.setdefault(upper, None)
        if len(seen) >= _MAX_REFS:
            break
    return tuple(seen)


def document_external_id(doc: StatementDocument) -> str:
    return f"{doc.number}:{doc.date.isoformat()}:{doc.payer_account}:{doc.amount}"


def _credited_on(doc: StatementDocument):
    """The day the money reached the account (``ДатаПоступило``), else the document's date."""
    text = doc.fields.get("ДатаПоступило", "").strip()
    return datetime.strptime(text, DATE_FORMAT).date() if text else doc.date


def statement_rows(statement: Statement, account: str):
    for doc in statement.incoming:
        if account not in (doc.payee_account, doc.fields.get("ПолучательСчет")):
            continue
        purpose = doc.fields.get("НазначениеПлатежа", "")
        yield StagedRow(
            external_id=document_external_id(doc), amount=doc.amount, paid_on=_credited_on(doc),
            refs=purpose_refs(purpose),
            payer_name=doc.fields.get("Плательщик1") or doc.fields.get("Плательщик", ""), purpose=purpose,
        )


def statement_outgoing(*, data: bytes | None = None, statement: Statement | None = None,
                       account: str | None = None) -> list[StatementDocument]:
    """The documents debited from the agent's account (for confirming payouts); nothing is stored.

    The file is read from ``data``, unless the caller has read it already (``statement``, free of errors);
    ``account`` is the agent's settlement account, if the caller has it.
    """
    if statement is None:
        statement = statement_read(data)
        if not statement.ok:
            raise ValidationError({"file": [ValidationError(e.message, code=e.code) for e in statement.errors]})
    account = account or agent_account()
    return [d for d in statement.outgoing if account in (d.payer_account, d.fields.get("ПлательщикСчет"))]


def statement_import(*, data: bytes, filename: str, user=None) -> RegistryImport:
    """Import a client-bank statement's incoming payments (see the module docstring)."""
    imp, _created = import_row_ensure(kind="statement", layout=LAYOUT, filename=filename,
                                      sha256=file_sha256(data), user=user)
    if imp.status != ImportStatus.STAGED:
        return imp
    phase_set(imp.pk, Phase.PARSING)
    statement = statement_read(data)
    if not statement.ok:
        return reject(imp.pk, [e.as_dict() for e in statement.errors])
    account = agent_account()
    if account not in statement.own_accounts:
        return reject(imp.pk, [{"line": None, "field": "РасчСчет", "code": str(ErrorCode.ONEC_VALUE), "message": _(
            "Выписка не по счёту агента %(account)s: в ней счета %(listed)s.") % {
            "account": account, "listed": ", ".join(sorted(statement.own_accounts)) or "—"}}])
    rows = list(statement_rows(statement, account))
    phase_set(imp.pk, Phase.POSTING)
    return post_staged(import_id=imp.pk, channel=Channel.BANK_STATEMENT, source=f"1c:{account}"[:60], rows=rows,
                       rows_total=len(rows), amount_total=sum((r.amount for r in rows), Decimal("0.00")))
