"""The agent's ledger accounts (public schema, the agent's books; debit +, credit −), shared by every step.

- ``agent.cash``        the special bank account money arrives on (asset);
- ``agent.unallocated`` received but not yet allocated to payees, unmatched payments included (liability);
- ``agent.payable:<principal id>`` allocated and owed to that principal (liability);
- ``agent.fee``         the agent's fee, kept from payouts (income).

A received payment: Dr agent.cash, Cr agent.unallocated (``intake``); an allocation: Dr agent.unallocated,
Cr agent.payable (``allocation``); a payout: Dr agent.payable, Cr agent.cash and agent.fee (``payouts``).
"""

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from billing_core.error_codes import ErrorCode
from tenants.ledger.models import AccountKind
from tenants.models import Principal

CASH = "agent.cash"
UNALLOCATED = "agent.unallocated"
FEE = "agent.fee"


def payable_account(principal_id: int) -> str:
    return f"agent.payable:{principal_id}"


def agent_ledger_ensure(principal_ids=()) -> None:
    """The agent's ledger accounts (public schema), and one payable account per principal given: one statement."""
    principals = sorted(set(principal_ids))
    codes = [CASH, UNALLOCATED, FEE, *(payable_account(p) for p in principals)]
    names = [str(_("Специальный банковский счёт агента")), str(_("Нераспределённые поступления")),
             str(_("Агентское вознаграждение")),
             *(str(_("Расчёты с принципалом №%(id)s") % {"id": p}) for p in principals)]
    kinds = [AccountKind.ASSET, AccountKind.LIABILITY, AccountKind.INCOME] + [AccountKind.LIABILITY] * len(principals)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_ledgeraccount (code, name, kind, created_at) "
            "SELECT c, n, k, now() FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(c, n, k) "
            "ON CONFLICT (code) DO NOTHING",
            [codes, names, [str(k) for k in kinds]],
        )


def agent_principal() -> Principal:
    """The agent's own row (the public schema's tenant): the payer of every payout, the owner of the statements."""
    agent = Principal.objects.filter(schema_name=get_public_schema_name()).first()
    if agent is None:
        raise ValidationError({"agent": ValidationError(_("Не заведены реквизиты агента."), code=ErrorCode.NOT_FOUND)})
    return agent
