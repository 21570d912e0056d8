"""The current balance of a principal's personal accounts: what is owed now, per account and service.

    balance now = the closing of the last POSTED period
                  − every receipt that no posted period has counted yet

A receipt (``tenants.receipts``: the agent's allocations, reversals included, and the principal's own
receipts) is counted by the charge run of the period it lands in (``Receipt.counted_in``, the same statement
that sums it into ``Balance.paid``). The last posted closing includes every receipt counted by a period up to
that month; what it does not include is what arrived since: receipts not counted yet (null), and receipts
counted by a draft (calculated, not posted) period after it. Nothing is counted twice or missed, whatever the
receipt's date: a payment of a posted month that arrives late is uncounted until the next run.

Penalties are accrued by the charge run into the period's balances (``tenants.penalties.accrual``), so the last posted
closing already holds them; nothing accrues between runs. A receipt without a service (an advance on the
account) is never counted by a period: it lowers the account's balance as a line of its own (service null).

Every function here reads one principal's schema, named or the connection's: one statement for any number of
accounts (a page, a household, the whole schema); the cabinet's ``household_balances`` is one statement over
the principals' schemas. Isolation between principals is the schema's: a statement never joins two of them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, Func

from tenants.schemas import across_schemas

ZERO = Decimal("0.00")


def _prefix(schema: str | None) -> str:
    return f"{connection.ops.quote_name(schema)}." if schema else ""


def _uncounted(p: str) -> str:
    """The condition on a receipt ``r`` that no posted period counts it: not counted yet, or counted by a draft
    period after the last posted one (every period up to that month is in its closing)."""
    return (f"(r.counted_in_id IS NULL OR r.counted_in_id IN (SELECT id FROM {p}billing_billingperiod "  # noqa: S608
            f"WHERE month > COALESCE((SELECT max(month) FROM {p}billing_billingperiod WHERE status = 'posted'), "
            "'-infinity'::date)))")


def balance_parts_sql(*, schema: str | None = None, account: str | None = None) -> str:
    """``SELECT account_id, service_id, amount`` parts of the current balance (sum them per key): the last posted
    closing, and minus each receipt not counted by a posted period.

    ``account``: an SQL condition on the rows' ``account_id`` ("= a.id", a column of an outer query, for a
    correlated subquery; "= ANY(%s)", bound twice), none: every account of the schema. ``schema``: the schema's
    tables by qualified name ("{schema}", the placeholder of ``across_schemas``, is passed through), else the
    search path's.
    """
    p = "{schema}." if schema == "{schema}" else _prefix(schema)
    match_b = f" AND b.account_id {account}" if account else ""
    match_r = f" AND r.account_id {account}" if account else ""
    return (
        f"SELECT b.account_id, b.service_id, b.closing AS amount FROM {p}billing_balance b "  # noqa: S608
        f"WHERE b.period_id = (SELECT id FROM {p}billing_billingperiod WHERE status = 'posted' "
        f"ORDER BY month DESC LIMIT 1){match_b} "
        "UNION ALL "
        f"SELECT r.account_id, r.service_id, -r.amount FROM {p}receipts_receipt r WHERE {_uncounted(p)}{match_r}"
    )


def account_balance_now_sql(account_column: str, *, schema: str | None = None) -> str:
    """A scalar subquery: the account's balance now over all services; null when it has no posted balance and no
    uncounted receipt (nothing to show yet)."""
    parts = balance_parts_sql(schema=schema, account=f"= {account_column}")
    return f"(SELECT sum(x.amount) FROM ({parts}) x)"  # noqa: S608


class AccountBalanceNow(Func):
    """ORM expression: the balance now of the account whose id is the argument (``F("pk")``, ``OuterRef``),
    over all its services; null — nothing posted and nothing received. One correlated subquery in the statement:
    lists, filters and sorts on it stay one query."""

    output_field = DecimalField(max_digits=14, decimal_places=2)
    arity = 1

    def as_sql(self, compiler, conn, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        # the column appears twice (balances and receipts)
        return account_balance_now_sql(column), [*params, *params]


@dataclass(frozen=True)
class BalanceLine:
    account_id: int
    service_id: int | None  # null: an advance received without a service
    amount: Decimal  # plus: owed; minus: paid ahead


def balances_now(*, account_ids: Sequence[int] | None = None, schema: str | None = None) -> list[BalanceLine]:
    """The current balance per account and service (lines that net to zero left out), in one statement."""
    account = "= ANY(%s)" if account_ids is not None else None
    params = [list(account_ids)] * 2 if account_ids is not None else []
    parts = balance_parts_sql(schema=schema, account=account)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account_id, service_id, sum(amount) FROM ({parts}) x "  # noqa: S608
            "GROUP BY account_id, service_id HAVING sum(amount) <> 0 ORDER BY account_id, service_id NULLS LAST",
            params,
        )
        return [BalanceLine(a, s, amount) for a, s, amount in cursor.fetchall()]


def account_balance_now(*, account_id: int, schema: str | None = None) -> Decimal:
    """One account's balance now over all its services (0 when nothing was posted or received)."""
    return sum((line.amount for line in balances_now(account_ids=[account_id], schema=schema)), ZERO)


@dataclass(frozen=True)
class BalanceSummary:
    debtors_count: int  # accounts owing now
    debt_total: Decimal  # the sum of the accounts' positive balances
    advance_total: Decimal  # the sum of the accounts' negative balances, as a positive amount
    received_since: Decimal  # the receipts not counted by a posted period: received since the last posting


def balance_summary(*, schema: str | None = None) -> BalanceSummary:
    """The schema's accounts now, netted per account (one service's advance offsets another's debt, as on the ЕПД),
    in one statement."""
    p = _prefix(schema)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH parts AS (" + balance_parts_sql(schema=schema) + "), "  # noqa: S608
            "per_account AS (SELECT account_id, sum(amount) AS amount FROM parts GROUP BY account_id) "
            "SELECT count(*) FILTER (WHERE amount > 0), COALESCE(sum(amount) FILTER (WHERE amount > 0), 0), "
            "       COALESCE(-sum(amount) FILTER (WHERE amount < 0), 0), "
            f"       (SELECT COALESCE(sum(r.amount), 0) FROM {p}receipts_receipt r WHERE {_uncounted(p)}) "
            "FROM per_account"
        )
        debtors, debt, advance, received = cursor.fetchone()
    return BalanceSummary(debtors, debt.quantize(ZERO), advance.quantize(ZERO), received.quantize(ZERO))


@dataclass(frozen=True)
class HouseholdAccount:
    schema: str
    unified_account_id: int
    account_id: int
    number: str
    payer_name: str
    balance: Decimal | None  # null: nothing posted and nothing received yet


def household_balances(*, schemas: Sequence[str], unified_ids: Sequence[int]) -> list[HouseholdAccount]:
    """Every principal's accounts of these households (ЕЛС) with each account's balance now: one statement over
    the schemas (``across_schemas``), the balance computed inside each schema from its own tables."""
    if not unified_ids or not schemas:
        return []
    rows = across_schemas(
        list(schemas),
        "a.unified_account_id, a.id, a.number, a.payer_name, "
        + account_balance_now_sql("a.id", schema="{schema}")
        + " FROM {schema}.billing_personalaccount a WHERE a.unified_account_id = ANY(%s)",
        [list(unified_ids)],
    )
    return [HouseholdAccount(*row) for row in rows]


def household_amount_due(balances: Iterable[Decimal | None], *, document_total: Decimal | None = None) -> Decimal:
    """What a household owes now, from its accounts' balances now: each account's debt, an advance at one principal
    not lowering the debt at another (the ЕПД's total sums each payee's positive closing the same way).

    ``document_total``: the current ЕПД's total, used only when no principal holds a balance for the household
    (nothing posted or received at any of them: a document from an earlier system).
    """
    balances = list(balances)
    if document_total is not None and all(b is None for b in balances):
        return document_total
    return sum((max(b or ZERO, ZERO) for b in balances), ZERO)
