"""Allocating many matched payments at once, set-based: the SQL twin of ``payment_allocate``, the
row-by-row oracle in tests/payments/allocation_oracle.py.

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
agrees to the kopeck with ``payment_allocate`` and with ``billing_core.allocation`` for the same payments
(tests compare them). For speed: a payment of exactly its total due needs no split at all, a smaller one
only the first, a larger one only the second; the payment-level splits run in bigint when every product
fits (``INT_LIMIT``), else in numeric; the run's sorts get ``work_mem`` enough to stay in memory.

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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from agency.payments.ledger_accounts import UNALLOCATED, agent_ledger_ensure, payable_account
from tenants.models import Principal
from tenants.receipts.services import HELD, RECEIVABLE, principal_ledger_ensure
from tenants.schemas import CHUNK

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


def _split_sql(source: str, group: list[str], order: list[str], total: str, weight: str, out: str,
               kind: str = "numeric") -> str:
    """``source`` (alias ``s`` in ``total`` and ``weight``) plus column ``out``: ``total`` (per ``group``) split
    over its rows by ``weight``, largest remainder, ties to the earlier row by ``order``; all weights zero →
    all to the first row. ``group`` and ``order`` are column names (no ``group``: ``source`` is one group, e.g.
    a lateral subquery over one payee's lines); ``kind`` is the SQL type of the arithmetic
    (``bigint`` only where the caller knows every ``total × weight`` fits).

    Three levels: the weights' sum and the first row (one sort by group and order); each row's floor and
    remainder (plain expressions, computed once); the kopecks still missing to the largest remainders (one more
    sort, by remainder within the group)."""
    g, o = ", ".join(group), ", ".join(order)
    part = f"PARTITION BY {g}" if group else ""
    product = f"q.tt_{out} * q.ww_{out}"
    floor, rest = ((f"{product} / q.ws_{out}", f"{product} % q.ws_{out}") if kind == "bigint" else
                   (f"div({product}, q.ws_{out})", f"mod({product}, q.ws_{out})"))
    return f"""
    SELECT r.*,
           r.fl_{out} + CASE WHEN row_number() OVER ({part} ORDER BY r.rem_{out} DESC, {o})
                                  <= r.tt_{out} - sum(r.fl_{out}) OVER ({part}) THEN 1 ELSE 0 END AS {out}
    FROM (
        SELECT q.*,
               CASE WHEN q.ws_{out} > 0 THEN {floor} WHEN q.first_{out} THEN q.tt_{out} ELSE 0 END AS fl_{out},
               CASE WHEN q.ws_{out} > 0 THEN {rest} ELSE 0 END AS rem_{out}
        FROM (
            SELECT s.*, ({total})::{kind} AS tt_{out}, ({weight})::{kind} AS ww_{out},
                   (sum({weight}) OVER ({part}))::{kind} AS ws_{out},
                   row_number() OVER ({part} ORDER BY {o}) = 1 AS first_{out}
            FROM {source} s
        ) q
    ) r
    """  # noqa: S608 — composed of this module's fixed SQL


_PAYMENTS = """
CREATE TEMP TABLE ba_pay ON COMMIT DROP AS
SELECT p.id, (p.amount * 100)::bigint AS amount_k, p.paid_on, p.unified_account_id AS ua, p.epd_id AS epd,
       NULL::text AS skip, 0::bigint AS due_k
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
SELECT x.*, EXISTS (SELECT 1 FROM jsonb_array_elements(x.lines) l(value)
                    WHERE jsonb_typeof(l.value) = 'object' AND COALESCE(l.value ->> 'service_code', '') <> '')
            AS has_lines
FROM (SELECT b.id AS payment_id, ep.principal_id, ep.account_number,
             GREATEST(round(ep.amount_due * 100), 0)::bigint AS due_k,
             GREATEST(round(COALESCE(NULLIF(ep.block ->> 'charged', '')::numeric, 0) * 100), 0)::bigint AS charged_k,
             CASE WHEN jsonb_typeof(ep.block -> 'lines') = 'array' THEN ep.block -> 'lines' ELSE '[]'::jsonb END
               AS lines
      FROM ba_pay b JOIN documents_epdpayee ep ON ep.epd_id = b.epd
      WHERE b.skip IS NULL) x
"""

# A payee's coded lines, one per code: the later line's values at the first line's place; each line's weight is
# its total, or its charge when no line of the payee has a positive total. Per payee (a lateral subquery over its
# few lines): small sorts instead of sorting every line of the run.
_LINES = """
SELECT l.*, CASE WHEN sum(l.w_total) OVER () > 0 THEN l.w_total ELSE l.w_charged END AS w
FROM (
    SELECT DISTINCT ON (e.code) e.code, min(e.ord) OVER w AS pos, e.w_total, e.w_charged
    FROM (
        SELECT l.value ->> 'service_code' AS code, l.ord,
               GREATEST(COALESCE(NULLIF(l.value ->> 'total', '')::numeric, 0), 0) AS w_total,
               GREATEST(COALESCE(NULLIF(l.value ->> 'charged', '')::numeric, 0), 0) AS w_charged
        FROM jsonb_array_elements(y.lines) WITH ORDINALITY AS l(value, ord)
        WHERE jsonb_typeof(l.value) = 'object' AND COALESCE(l.value ->> 'service_code', '') <> ''
    ) e
    WINDOW w AS (PARTITION BY e.code ORDER BY e.ord DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ORDER BY e.code, e.ord DESC
) l
"""


def _keys_sql() -> str:
    """Per payment, its lines with their dues: the payee's amount due spread over its coded lines by weight
    (``payment_allocate``'s ``_lines``), or the payee as one line (code '') when it has none."""
    spread = _split_sql(f"({_LINES})", [], ["pos"], "y.due_k", "s.w", "due_k")
    return f"""
    CREATE TEMP TABLE ba_key ON COMMIT DROP AS
    SELECT y.payment_id, y.principal_id, y.account_number, d.code, d.pos, d.due_k::bigint AS due_k,
           round(d.w_charged * 100)::bigint AS fb_k
    FROM ba_payee y CROSS JOIN LATERAL ({spread}) d
    WHERE y.has_lines
    UNION ALL
    SELECT y.payment_id, y.principal_id, y.account_number, '', 0, y.due_k, y.charged_k
    FROM ba_payee y
    WHERE NOT y.has_lines
    """  # noqa: S608


# Beyond this many kopecks (30 million roubles) in a payment, a due or a charge, the run's split is computed in
# numeric: below it every product of a total and a weight fits in bigint, which is several times faster.
INT_LIMIT = 3_000_000_000

_DUE_SUMS = """
UPDATE ba_pay b SET due_k = d.due_k
FROM (SELECT payment_id, sum(due_k) AS due_k FROM ba_key GROUP BY payment_id) d
WHERE b.id = d.payment_id
"""


def _shares_sql(kind: str) -> str:
    """Each line's part of its payment (``paid_k``). Up to the total due the payment goes in proportion to the
    dues, the advance beyond it in proportion to the dues again (or to the charges when nothing is due): a
    payment of exactly its total due pays every line its due, a smaller one is split by the dues, a larger one
    pays every due and splits the advance. Each payment takes one of the three branches."""

    def lines(condition: str) -> str:
        return ("(SELECT k.payment_id, k.principal_id, k.account_number, k.code, k.pos, k.due_k, k.fb_k, "  # noqa: S608
                "b.amount_k, b.due_k AS due_sum "
                f"FROM ba_key k JOIN ba_pay b ON b.id = k.payment_id AND b.skip IS NULL WHERE {condition})")

    partial = _split_sql(lines("b.amount_k < b.due_k"), ["payment_id"], ["principal_id", "pos"], "s.amount_k",
                         "s.due_k", "part", kind)
    advance = _split_sql(lines("b.amount_k > b.due_k"), ["payment_id"], ["principal_id", "pos"],
                         "s.amount_k - s.due_sum", "CASE WHEN s.due_sum > 0 THEN s.due_k ELSE s.fb_k END", "adv", kind)
    return f"""
    CREATE TEMP TABLE ba_share ON COMMIT DROP AS
    SELECT z.payment_id, z.principal_id, z.account_number, z.code, z.pos, z.due_k AS paid_k
    FROM {lines("b.amount_k = b.due_k")} z
    UNION ALL
    SELECT z.payment_id, z.principal_id, z.account_number, z.code, z.pos, z.part::bigint FROM ({partial}) z
    UNION ALL
    SELECT z.payment_id, z.principal_id, z.account_number, z.code, z.pos, (z.due_k + z.adv)::bigint
    FROM ({advance}) z
    """  # noqa: S608


def _arithmetic(cursor) -> str:
    """``bigint`` when every product of the run's splits fits in it, else ``numeric``."""
    cursor.execute("SELECT GREATEST((SELECT max(amount_k) FROM ba_pay WHERE skip IS NULL), "
                   "(SELECT GREATEST(max(due_k), max(fb_k)) FROM ba_key))")
    largest = cursor.fetchone()[0]
    return "bigint" if largest is None or largest < INT_LIMIT else "numeric"


def _where(payment_ids: Sequence[int] | None, day: date | None) -> tuple[str, list]:
    if payment_ids is not None:
        return "p.id = ANY(%s)", [list(payment_ids)]
    if day is not None:
        return "p.paid_on = %s", [day]
    raise ValueError("payment_ids or day")


def _skip(cursor, reason: str, condition: str) -> None:
    cursor.execute(f"UPDATE ba_pay SET skip = %s WHERE skip IS NULL AND {condition}", [reason])  # noqa: S608


# Session settings for the run, local to its transaction and restored after it: the window functions sort the
# payments' lines (hundreds of MB at a million payments, spilled to disk at the default work_mem), and JIT compiling
# these one-off statements costs more than it saves.
_SETTINGS = {"work_mem": "256MB", "jit": "off"}


@contextmanager
def _tuned(cursor):
    """The settings for the block; on an error the transaction's rollback (or its savepoint's) restores them."""
    cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in _SETTINGS))
    before = dict(zip(_SETTINGS, cursor.fetchone(), strict=True))
    for name, value in _SETTINGS.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    for name, value in before.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def payments_allocate(*, payment_ids: Sequence[int] | None = None, day: date | None = None,
                      on: date | None = None) -> BulkAllocation:
    """Allocate the matched payments given (by id, or all of one payment day) in one transaction.

    Payments not ``matched`` (already allocated, unmatched, returned) are left alone, so running
    again allocates nothing twice. ``on`` is the allocation date (today by default).
    """
    on = on or timezone.localdate()
    where, params = _where(payment_ids, day)
    result = BulkAllocation()
    with transaction.atomic(), connection.cursor() as cursor, _tuned(cursor):
        cursor.execute("DROP TABLE IF EXISTS ba_pay, ba_payee, ba_key, ba_share, ba_named, ba_alloc")
        cursor.execute(_PAYMENTS.format(where=where), params)
        cursor.execute("ANALYZE ba_pay")
        cursor.execute(_DOCUMENTS)
        _skip(cursor, "no_document", "epd IS NULL")
        _skip(cursor, "no_payees", "NOT EXISTS (SELECT 1 FROM documents_epdpayee ep WHERE ep.epd_id = ba_pay.epd)")
        cursor.execute(_PAYEES)
        cursor.execute("ANALYZE ba_payee")
        cursor.execute(_keys_sql())
        cursor.execute("ANALYZE ba_key")
        cursor.execute(_DUE_SUMS)
        cursor.execute(_shares_sql(_arithmetic(cursor)))
        cursor.execute("SELECT DISTINCT principal_id FROM ba_payee ORDER BY 1")
        principals = Principal.objects.in_bulk([row[0] for row in cursor.fetchall()])
        _skip_missing_accounts(cursor, principals)
        # The rows' ids are drawn first, so that the run's key (from its first and last id) is known when they
        # are inserted: each allocation carries the key of the ledger transaction that posts it (``ledger_key``).
        # Ids follow (payment, principal, line); the table is kept by principal, for the per-schema statements.
        cursor.execute("SELECT pg_get_serial_sequence('payments_allocation', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE ba_alloc ON COMMIT DROP AS SELECT * FROM ("
            "  SELECT nextval(%s::regclass) AS id, s.* FROM ("
            "    SELECT s.payment_id, s.principal_id, s.account_number, s.code, "
            "      (s.paid_k / 100.0)::numeric(14, 2) AS amount, b.paid_on "
            "    FROM ba_share s JOIN ba_pay b ON b.id = s.payment_id AND b.skip IS NULL "
            "    WHERE s.paid_k <> 0 ORDER BY s.payment_id, s.principal_id, s.pos) s"
            ") a ORDER BY principal_id, id",
            [sequence],
        )
        cursor.execute("CREATE INDEX ON ba_alloc (principal_id)")
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
            "WHERE p.id = b.id AND b.skip IS NULL AND b.id IN (SELECT payment_id FROM ba_alloc)"
        )
        for pid in posted:
            result.receipts += _post_principal(principals[pid], result.run_key, on)
        connection.set_schema_to_public()
        if result.receipts != result.allocations:  # accounts were checked above: every allocation must land
            raise RuntimeError(f"{result.receipts} receipts for {result.allocations} allocations")
    return result


def _skip_missing_accounts(cursor, principals: dict[int, Principal]) -> None:
    """Every share's account must exist at its principal, or the payment waits: one statement over the schemas
    (in chunks) marks the payees' accounts found, then the payments with a nonzero share on an account not found
    are skipped."""
    quote = connection.ops.quote_name
    cursor.execute("CREATE TEMP TABLE ba_named ON COMMIT DROP AS SELECT DISTINCT principal_id, account_number "
                   "FROM ba_payee")
    cursor.execute("ALTER TABLE ba_named ADD COLUMN found boolean NOT NULL DEFAULT false")
    pids = sorted(principals)
    for start in range(0, len(pids), CHUNK):
        known = " UNION ALL ".join(
            f"SELECT {int(pid)} AS principal_id, a.number FROM {quote(principals[pid].schema_name)}"  # noqa: S608
            ".billing_personalaccount a" for pid in pids[start:start + CHUNK])
        cursor.execute(f"UPDATE ba_named n SET found = true FROM ({known}) k "  # noqa: S608
                       "WHERE k.principal_id = n.principal_id AND k.number = n.account_number")
    cursor.execute(
        "UPDATE ba_pay b SET skip = 'no_account' WHERE b.skip IS NULL AND b.id IN ("
        "  SELECT s.payment_id FROM ba_share s JOIN ba_named n USING (principal_id, account_number) "
        "  WHERE s.paid_k <> 0 AND NOT n.found)")
    cursor.execute("DROP TABLE ba_named")


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
                "WHERE x.principal_id = %s",
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
