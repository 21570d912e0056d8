"""Allocating many matched payments at once, set-based: the SQL twin of ``payments.allocation.payment_allocate``.

For every payment (locked, still ``matched``), in one transaction:

1. its document: the one it names, else its household's current ЕПД (latest month);
2. the document's lines: per payee block, the lines with a ``service_code`` (a code repeated takes the
   later line's values at the first line's place), or the payee as one line when it has none. The
   payee's amount due is spread over its lines in proportion to each line's total (or, without a
   positive total, its charge) — ``payment_allocate``'s ``_lines``;
3. the split of ``billing_core.allocation.allocate`` without a designation: the part up to the total
   due in proportion to the dues, the rest (an advance) in proportion to the dues again, or to the
   lines' charges when nothing is due, or whole to the first line;

each split by the largest-remainder method in exact integer arithmetic (kopecks): every part is
``div(T·w, Σw)``, and the kopecks still missing go one each to the largest remainders
``mod(T·w, Σw)``, ties to the earlier line (window functions over the payment's lines). The result
agrees to the kopeck with ``payment_allocate`` for the same payments (tests compare them).

Then: ``payments_allocation`` rows (one INSERT … SELECT), per principal one INSERT … SELECT of the
receipts into its schema (account by number, service by code, once per allocation id), and the
ledgers: in public one transaction per principal for the run (Dr agent.unallocated / Cr
agent.payable:<principal>), in each principal's schema one transaction for the run (Dr agent.held /
Cr receivable per personal account), keyed by the run's first and last allocation ids; each allocation keeps
the key of its public transaction (``ledger_key``) for the reconciliation. The payments become ``allocated``
and keep the document they were allocated over.

Payments that cannot be allocated stay ``matched`` and are reported with the reason: no document,
a document without payees, or a payee account missing from the principal's schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from payments.services import UNALLOCATED, agent_ledger_ensure, payable_account
from tenants.models import Principal
from tenants.receipts.services import HELD, RECEIVABLE, principal_ledger_ensure

REPORT_LIMIT = 1000  # payment ids kept per reason in the result
_PAYABLE_PREFIX = payable_account(0).removesuffix("0")  # "agent.payable:", completed in SQL by the principal id


@dataclass
class BulkAllocation:
    payments: int = 0
    amount: Decimal = Decimal("0.00")
    allocations: int = 0
    receipts: int = 0
    principals: int = 0
    run_key: str = ""
    # reason → how many payments stayed matched, and (up to REPORT_LIMIT of) their ids
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_ids: dict[str, list[int]] = field(default_factory=dict)


def _split_sql(source: str, group: list[str], order: list[str], total: str, weight: str, out: str) -> str:
    """``source`` (alias ``s`` in ``total`` and ``weight``) plus column ``out``: ``total`` (per ``group``) split
    over its rows by ``weight``, largest remainder, ties to the earlier row by ``order``; all weights zero →
    all to the first row. ``group`` and ``order`` are column names."""

    def cols(alias: str, names: list[str]) -> str:
        return ", ".join(f"{alias}.{n}" for n in names)

    return f"""
    SELECT x.*,
           (x.fl_{out}
          + CASE WHEN row_number() OVER (PARTITION BY {cols("x", group)} ORDER BY x.rem_{out} DESC, {cols("x", order)})
                        <= x.tt_{out} - sum(x.fl_{out}) OVER (PARTITION BY {cols("x", group)})
                   THEN 1 ELSE 0 END)::bigint AS {out}
    FROM (
        SELECT s.*, ({total})::numeric AS tt_{out},
               CASE WHEN sum({weight}) OVER g > 0 THEN div(({total}) * ({weight}), sum({weight}) OVER g)
                    WHEN row_number() OVER (g ORDER BY {cols("s", order)}) = 1 THEN ({total})::numeric
                    ELSE 0 END AS fl_{out},
               CASE WHEN sum({weight}) OVER g > 0 THEN mod(({total}) * ({weight}), sum({weight}) OVER g)
                    ELSE 0 END AS rem_{out}
        FROM {source} s WINDOW g AS (PARTITION BY {cols("s", group)})
    ) x
    """  # noqa: S608 — composed of this module's fixed SQL


_PAYMENTS = """
CREATE TEMP TABLE ba_pay ON COMMIT DROP AS
SELECT p.id, (p.amount * 100)::bigint AS amount_k, p.paid_on, p.unified_account_id AS ua, p.epd_id AS epd,
       NULL::text AS skip
FROM payments_payment p
WHERE p.status = 'matched' AND {where}
ORDER BY p.id
FOR UPDATE OF p
"""

_DOCUMENTS = """
UPDATE ba_pay b SET epd = d.id
FROM (SELECT DISTINCT ON (e.unified_account_id) e.unified_account_id, e.id FROM documents_epd e
      WHERE e.is_current AND e.unified_account_id IN (SELECT ua FROM ba_pay WHERE epd IS NULL)
      ORDER BY e.unified_account_id, e.month DESC) d
WHERE b.epd IS NULL AND b.ua = d.unified_account_id
"""

_PAYEES = """
CREATE TEMP TABLE ba_payee ON COMMIT DROP AS
SELECT b.id AS payment_id, ep.principal_id, ep.account_number,
       GREATEST(round(ep.amount_due * 100), 0)::bigint AS due_k,
       GREATEST(round(COALESCE(NULLIF(ep.block ->> 'charged', '')::numeric, 0) * 100), 0)::bigint AS charged_k,
       CASE WHEN jsonb_typeof(ep.block -> 'lines') = 'array' THEN ep.block -> 'lines' ELSE '[]'::jsonb END AS lines
FROM ba_pay b JOIN documents_epdpayee ep ON ep.epd_id = b.epd
WHERE b.skip IS NULL
"""

# Coded lines, one per (payment, principal, code): the later line's values at the first line's place.
_LINES = """
CREATE TEMP TABLE ba_line ON COMMIT DROP AS
SELECT DISTINCT ON (y.payment_id, y.principal_id, l.value ->> 'service_code')
       y.payment_id, y.principal_id, y.account_number, y.due_k AS payee_due_k, l.value ->> 'service_code' AS code,
       min(l.ord) OVER (PARTITION BY y.payment_id, y.principal_id, l.value ->> 'service_code') AS pos,
       GREATEST(COALESCE(NULLIF(l.value ->> 'total', '')::numeric, 0), 0) AS w_total,
       GREATEST(COALESCE(NULLIF(l.value ->> 'charged', '')::numeric, 0), 0) AS w_charged
FROM ba_payee y, jsonb_array_elements(y.lines) WITH ORDINALITY AS l(value, ord)
WHERE jsonb_typeof(l.value) = 'object' AND COALESCE(l.value ->> 'service_code', '') <> ''
ORDER BY y.payment_id, y.principal_id, l.value ->> 'service_code', l.ord DESC
"""

# The payee's amount due over its lines: by total, or by charge when no line has a positive total.
_LINE_WEIGHT = """
CREATE TEMP TABLE ba_lw ON COMMIT DROP AS
SELECT l.*, CASE WHEN sum(l.w_total) OVER (PARTITION BY l.payment_id, l.principal_id) > 0
                 THEN l.w_total ELSE l.w_charged END AS w
FROM ba_line l
"""


def _keys_sql() -> str:
    spread = _split_sql("ba_lw", ["payment_id", "principal_id"], ["pos"], "s.payee_due_k", "s.w", "due_k")
    return f"""
    CREATE TEMP TABLE ba_key ON COMMIT DROP AS
    SELECT d.payment_id, d.principal_id, d.account_number, d.code, d.pos, d.due_k,
           round(d.w_charged * 100)::bigint AS fb_k
    FROM ({spread}) d
    UNION ALL
    SELECT y.payment_id, y.principal_id, y.account_number, '', 0, y.due_k, y.charged_k
    FROM ba_payee y
    WHERE NOT EXISTS (SELECT 1 FROM ba_line l WHERE l.payment_id = y.payment_id AND l.principal_id = y.principal_id)
    """  # noqa: S608


def _shares_sql() -> str:
    # phase 1: up to the total due, in proportion to the dues
    base = """(SELECT k.*, b.amount_k, sum(k.due_k) OVER (PARTITION BY k.payment_id) AS due_sum
               FROM ba_key k JOIN ba_pay b ON b.id = k.payment_id)"""
    first = _split_sql(base, ["payment_id"], ["principal_id", "pos"], "LEAST(s.amount_k, s.due_sum)", "s.due_k",
                       "p1")
    # phase 2: the advance beyond it, by the dues, or by the charges when nothing is due
    second = _split_sql(f"({first})", ["payment_id"], ["principal_id", "pos"],
                        "s.amount_k - LEAST(s.amount_k, s.due_sum)",
                        "CASE WHEN s.due_sum > 0 THEN s.due_k ELSE s.fb_k END", "p2")
    return f"""
    CREATE TEMP TABLE ba_share ON COMMIT DROP AS
    SELECT z.payment_id, z.principal_id, z.account_number, z.code, z.pos, z.p1 + z.p2 AS paid_k
    FROM ({second}) z
    """  # noqa: S608


def _where(payment_ids: Sequence[int] | None, day: date | None) -> tuple[str, list]:
    if payment_ids is not None:
        return "p.id = ANY(%s)", [list(payment_ids)]
    if day is not None:
        return "p.paid_on = %s", [day]
    raise ValueError("payment_ids or day")


def _skip(cursor, reason: str, condition: str) -> None:
    cursor.execute(f"UPDATE ba_pay SET skip = %s WHERE skip IS NULL AND {condition}", [reason])  # noqa: S608


def payments_allocate(*, payment_ids: Sequence[int] | None = None, day: date | None = None,
                      on: date | None = None) -> BulkAllocation:
    """Allocate the matched payments given (by id, or all of one payment day) in one transaction.

    Payments not ``matched`` (already allocated, unmatched, returned) are left alone, so running
    again allocates nothing twice. ``on`` is the allocation date (today by default).
    """
    on = on or timezone.localdate()
    where, params = _where(payment_ids, day)
    result = BulkAllocation()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ba_pay, ba_payee, ba_line, ba_lw, ba_key, ba_share, ba_alloc")
        cursor.execute(_PAYMENTS.format(where=where), params)
        cursor.execute("ANALYZE ba_pay")
        cursor.execute(_DOCUMENTS)
        _skip(cursor, "no_document", "epd IS NULL")
        _skip(cursor, "no_payees", "NOT EXISTS (SELECT 1 FROM documents_epdpayee ep WHERE ep.epd_id = ba_pay.epd)")
        cursor.execute(_PAYEES)
        cursor.execute("ANALYZE ba_payee")
        cursor.execute(_LINES)
        cursor.execute(_LINE_WEIGHT)
        cursor.execute(_keys_sql())
        cursor.execute("ANALYZE ba_key")
        cursor.execute(_shares_sql())
        cursor.execute("SELECT DISTINCT principal_id FROM ba_share ORDER BY 1")
        principal_ids = [row[0] for row in cursor.fetchall()]
        principals = Principal.objects.in_bulk(principal_ids)
        quote = connection.ops.quote_name
        for pid in principal_ids:  # every share's account must exist at its principal, or the payment waits
            cursor.execute(
                "UPDATE ba_pay b SET skip = 'no_account' WHERE b.skip IS NULL AND b.id IN ("  # noqa: S608
                "  SELECT s.payment_id FROM ba_share s WHERE s.principal_id = %s AND s.paid_k <> 0 AND NOT EXISTS ("
                f"    SELECT 1 FROM {quote(principals[pid].schema_name)}.billing_personalaccount a "
                "    WHERE a.number = s.account_number))",
                [pid],
            )
        # The rows' ids are drawn first, so that the run's key (from its first and last id) is known when they
        # are inserted: each allocation carries the key of the ledger transaction that posts it (``ledger_key``).
        cursor.execute("SELECT pg_get_serial_sequence('payments_allocation', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE ba_alloc ON COMMIT DROP AS "
            "SELECT nextval(%s::regclass) AS id, s.* FROM ("
            "  SELECT s.payment_id, s.principal_id, s.account_number, s.code, "
            "    (s.paid_k / 100.0)::numeric(14, 2) AS amount, b.paid_on "
            "  FROM ba_share s JOIN ba_pay b ON b.id = s.payment_id AND b.skip IS NULL "
            "  WHERE s.paid_k <> 0 ORDER BY s.payment_id, s.principal_id, s.pos) s",
            [sequence],
        )
        cursor.execute("ANALYZE ba_alloc")
        cursor.execute("SELECT count(DISTINCT payment_id), COALESCE(sum(amount), 0), min(id), max(id) FROM ba_alloc")
        result.payments, result.amount, first_id, last_id = cursor.fetchone()
        cursor.execute("SELECT skip, count(*), (array_agg(id ORDER BY id))[1:%s] FROM ba_pay "
                       "WHERE skip IS NOT NULL GROUP BY skip", [REPORT_LIMIT])
        for reason, n, ids in cursor.fetchall():
            result.skipped[reason], result.skipped_ids[reason] = n, ids
        if first_id is None:
            return result
        result.run_key = f"allocations:{first_id}-{last_id}"
        cursor.execute(
            "INSERT INTO payments_allocation (id, payment_id, principal_id, account_number, service_code, amount, "
            "  allocated_on, payout_id, created_at, reverses_id, ledger_key) "
            "SELECT id, payment_id, principal_id, account_number, code, amount, %s, NULL, now(), NULL, "
            "  %s || principal_id FROM ba_alloc ORDER BY id",
            [on, f"{result.run_key}:p"],
        )
        result.allocations = cursor.rowcount
        cursor.execute("SELECT DISTINCT principal_id FROM ba_alloc ORDER BY 1")
        posted = [row[0] for row in cursor.fetchall()]
        result.principals = len(posted)
        _post_public(cursor, result.run_key, posted, on)
        cursor.execute(
            "UPDATE payments_payment p SET status = 'allocated', epd_id = b.epd FROM ba_pay b "
            "WHERE p.id = b.id AND b.skip IS NULL AND EXISTS (SELECT 1 FROM ba_alloc a WHERE a.payment_id = b.id)"
        )
        for pid in posted:
            result.receipts += _post_principal(principals[pid], result.run_key, on)
        connection.set_schema_to_public()
        if result.receipts != result.allocations:  # accounts were checked above: every allocation must land
            raise RuntimeError(f"{result.receipts} receipts for {result.allocations} allocations")
    return result


def _post_public(cursor, run_key: str, principal_ids: list[int], on: date) -> None:
    """The agent's side: one balanced transaction per principal, all in two statements."""
    agent_ledger_ensure(principal_ids)
    prefix = f"{run_key}:p"
    cursor.execute(
        "WITH sums AS (SELECT principal_id, sum(amount) AS total FROM ba_alloc GROUP BY principal_id), "
        "tx AS (INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, reverses_id, created_at) "
        "       SELECT 'allocation', %s || principal_id, %s, %s, NULL, now() FROM sums ORDER BY principal_id "
        "       RETURNING id, key) "
        "INSERT INTO ledger_ledgerleg (transaction_id, account_id, amount, ref) "
        "SELECT tx.id, acc.id, leg.amount, %s FROM sums JOIN tx ON tx.key = %s || sums.principal_id "
        "CROSS JOIN LATERAL (VALUES (%s, sums.total), (%s || sums.principal_id, -sums.total)) "
        "  AS leg(code, amount) "
        "JOIN ledger_ledgeraccount acc ON acc.code = leg.code",
        [prefix, _("Распределение платежей %(run)s") % {"run": run_key}, on, run_key, prefix, UNALLOCATED,
         _PAYABLE_PREFIX],
    )


def _post_principal(principal: Principal, run_key: str, on: date) -> int:
    """The principal's side, in its schema (the ledger's balance trigger reads the search path's tables)."""
    with schema_context(principal.schema_name):
        principal_ledger_ensure()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO receipts_receipt (account_id, service_id, amount, paid_on, source, allocation_id, "
                "  comment, created_at) "
                "SELECT a.id, sv.id, x.amount, x.paid_on, 'agent', x.id, '', now() "
                "FROM ba_alloc x JOIN billing_personalaccount a ON a.number = x.account_number "
                "LEFT JOIN billing_service sv ON sv.code = NULLIF(x.code, '') "
                "WHERE x.principal_id = %s ORDER BY x.id "
                "ON CONFLICT (allocation_id) DO NOTHING",
                [principal.pk],
            )
            receipts = cursor.rowcount
            cursor.execute(
                "WITH sums AS (SELECT account_number, sum(amount) AS total FROM ba_alloc WHERE principal_id = %s "
                "              GROUP BY account_number), "
                "tx AS (INSERT INTO ledger_ledgertransaction (kind, key, memo, occurred_on, reverses_id, created_at) "
                "       VALUES ('allocation', %s, %s, %s, NULL, now()) RETURNING id) "
                "INSERT INTO ledger_ledgerleg (transaction_id, account_id, amount, ref) "
                "SELECT tx.id, (SELECT id FROM ledger_ledgeraccount WHERE code = %s), (SELECT sum(total) FROM sums), "
                "       %s FROM tx "
                "UNION ALL "
                "SELECT tx.id, (SELECT id FROM ledger_ledgeraccount WHERE code = %s), -sums.total, "
                "       'pa:' || sums.account_number FROM tx, sums",
                [principal.pk, run_key, _("Оплаты через агента, %(run)s") % {"run": run_key}, on, HELD, run_key,
                 RECEIVABLE],
            )
    return receipts
