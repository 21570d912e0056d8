"""Daily reconciliation: money in = allocations + pending; allocations = payouts + fees + not yet paid out;
and the operations against the agent's ledger. Every difference is named; the normal day shows none.

Which money is "the day's". A payment belongs to the day it was paid (``paid_on``: the bank's or the
desk's date, which is also the date its ledger posting carries), not the day our system happened to
receive the file: a registry for Friday imported on Monday is Friday's money, and the report for a day
does not change when a late file is loaded for another day. Allocations belong to their
``allocated_on`` day and payouts' postings to their order's date, the dates their ledger postings carry.

The report has three parts:

1. **Intake** of the day by channel, split into allocated (the sum of the payments' allocations),
   pending (unmatched, ambiguous, matched but not allocated; each payment named) and refunded (a refunded
   payment whole; of an allocated one, what its reversals took back, named). An allocated payment whose
   original allocations do not add up to it, a refunded one whose allocations were not all reversed, or a
   pending one that has allocations, is an unexplained difference, named by payment.
2. **Allocations made** that day, split into what is in payouts (net and fee) and what is not yet paid
   out (each principal named with the reason: not built yet, no contract, …). A payout covering several
   days has one fee; its fee is attributed to the days by the largest-remainder method in proportion to
   each day's sum, so the parts are exact to the kopeck and add up to the payout's fee. A payout whose
   gross is not the sum of its allocations is a difference, named. Payouts not yet exported, or
   exported and not yet confirmed by the bank statement, are listed as explained items.
3. **Ledger**: for every transaction the day's operations imply, the legs expected from the rows it
   covers against the legs actually posted, in one FULL JOIN; each disagreement is named by the
   transaction's key and account, with the rows it covers. Batch postings are understood: a registry or
   statement file posts one ``registry:<import id>`` for every payment it inserted (``registry_import_id``),
   dated its latest payment day; a bulk allocation run posts one ``allocations:<first>-<last>:p<principal>``
   per principal, and a reversal one ``allocation_reversal:<payment id>:<key>``, each allocation row
   carrying the key of the transaction that posted it (``ledger_key``; none: ``allocation:<payment id>``).
   Single payments post ``payment:<id>``, payouts ``payout:<id>``. Then the balances at the end of the day
   of ``agent.cash``, ``agent.unallocated``, ``agent.fee`` and each ``agent.payable:<principal>``
   against the same rules over all days up to it. Ledger operations of other kinds (card refunds, returns
   to the payer) are taken as posted and listed, since no operational table holds their amounts by day.
4. **Deadlines** (ПП 253 п.6, ``payouts.deadlines``): the payouts due on the day that are late or at risk, and
   those due earlier still not exported at the end of the day, each with its deadline and days late. They
   are not money differences, so ``ok`` does not depend on them.

Everything is a handful of set-based queries whatever the day's volume; pending payments are listed
up to ``LIST_LIMIT`` with their total count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agency.payments.ledger_accounts import CASH, FEE, UNALLOCATED
from agency.payments.models import PaymentStatus, PayoutRun, PayoutStatus
from agency.payments.payouts.deadlines import payouts_flagged_for_day
from billing_core.money import from_kopecks, split_largest_remainder, to_kopecks

PAYABLE_PREFIX = "agent.payable:"
LIST_LIMIT = 1000
ZERO = Decimal("0.00")
PENDING = (PaymentStatus.UNMATCHED, PaymentStatus.AMBIGUOUS, PaymentStatus.MATCHED)
# The kinds whose transactions the operational rows imply (above: ``_EXPECTED``); others are taken as posted.
POSTED_KINDS = ("payment_received", "registry_received", "allocation", "allocation_reversal", "payout")


@dataclass(frozen=True)
class Difference:
    """Something the books do not explain: which row (``ref``), on which account, expected against actual."""

    kind: str  # "payment" | "payout" | "ledger" | "balance"
    ref: str  # "payment:12", "payout:5", "allocation:12", or an account code
    account: str
    expected: Decimal
    actual: Decimal
    message: str
    rows: str = ""  # for a ledger difference: the rows the transaction covers, in words

    @property
    def amount(self) -> Decimal:
        return self.actual - self.expected


@dataclass(frozen=True)
class Explained:
    """A named item that accounts for money not (yet) further down the chain."""

    kind: str  # "pending_payment" | "refunded_payment" | "not_paid_out" | "payout_not_exported"
    # | "payout_awaiting_statement" | "other_ledger_operation"
    ref: str
    amount: Decimal
    message: str


@dataclass(frozen=True)
class Equation:
    name: str
    left: Decimal
    right: Decimal

    @property
    def difference(self) -> Decimal:
        return self.left - self.right


@dataclass
class DayReconciliation:
    day: date
    money_in: dict[str, Decimal] = field(default_factory=dict)  # by channel
    payments_count: int = 0
    allocated: Decimal = ZERO  # the day's payments' allocations
    pending: dict[str, Decimal] = field(default_factory=dict)  # by payment status
    pending_count: int = 0
    refunded: Decimal = ZERO
    allocations_made: Decimal = ZERO  # allocated_on = day
    paid_out_net: Decimal = ZERO  # the day's allocations' share of payouts, net
    paid_out_fee: Decimal = ZERO  # and of their fees
    not_paid_out: Decimal = ZERO
    payouts: list[dict] = field(default_factory=list)
    # payouts due on the day and late or at risk, and earlier ones still not exported (payouts.deadlines)
    late_payouts: list[dict] = field(default_factory=list)
    ledger_day: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # account → expected/actual turnover
    ledger_balance: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # account → expected/actual
    equations: list[Equation] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    explained: list[Explained] = field(default_factory=list)

    @property
    def money_in_total(self) -> Decimal:
        return sum(self.money_in.values(), ZERO)

    @property
    def pending_total(self) -> Decimal:
        return sum(self.pending.values(), ZERO)

    @property
    def unexplained(self) -> Decimal:
        """The sum of the absolute unexplained differences of the day's rows and postings: zero on a normal day.
        Balance differences are left out of the sum: they repeat those of this day and of earlier days."""
        return sum((abs(d.amount) for d in self.differences if d.kind != "balance"), ZERO)

    @property
    def ok(self) -> bool:
        return not self.differences and all(e.difference == 0 for e in self.equations)


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Each payment of the day with its allocations: the originals, and their reversals (refunds after allocation).
# A lateral lookup by payment id (an index scan each) rather than a join to an aggregate: right after a large
# import the statistics are stale, and the planner would join the aggregate by a nested loop without an index.
_DAY_PAYMENTS = (
    "FROM payments_payment p CROSS JOIN LATERAL (SELECT COALESCE(SUM(amount) FILTER (WHERE reverses_id IS NULL), "
    "0) AS orig, COALESCE(SUM(amount) FILTER (WHERE reverses_id IS NOT NULL), 0) AS rev FROM payments_allocation "
    "WHERE payment_id = p.id) a WHERE p.paid_on = %(day)s"
)


def _intake(day: date, report: DayReconciliation) -> None:
    for channel, status, amount, net, reversed_, count in _fetch(
        f"SELECT p.channel, p.status, SUM(p.amount), SUM(a.orig + a.rev), SUM(a.rev), COUNT(*) {_DAY_PAYMENTS} "
        "GROUP BY 1, 2", {"day": day},
    ):
        report.money_in[channel] = report.money_in.get(channel, ZERO) + amount
        report.payments_count += count
        if status == PaymentStatus.ALLOCATED:
            # a partial refund after allocation reversed that much of it: refunded, no longer allocated
            report.allocated += net
            report.refunded -= reversed_
        elif status == PaymentStatus.REFUNDED:
            report.refunded += amount
        else:
            report.pending[status] = report.pending.get(status, ZERO) + amount
            report.pending_count += count
    # rows that break the first equation: allocations not adding up to the payment, reversed beyond it, left
    # standing on a refunded payment, or on a pending one
    for pid, status, amount, orig, net in _fetch(
        f"SELECT p.id, p.status, p.amount, a.orig, a.orig + a.rev {_DAY_PAYMENTS} AND ("
        "(p.status = 'allocated' AND (a.orig <> p.amount OR a.orig + a.rev < 0)) OR "
        "(p.status <> 'allocated' AND a.orig + a.rev <> 0)) ORDER BY p.id", {"day": day},
    ):
        if status == PaymentStatus.ALLOCATED and orig != amount:
            report.differences.append(Difference("payment", f"payment:{pid}", "", amount, orig, _(
                "Платёж %(id)s распределён на %(a)s руб. при сумме %(s)s руб.") % {"id": pid, "a": orig,
                                                                                 "s": amount}))
        elif status == PaymentStatus.ALLOCATED:
            report.differences.append(Difference("payment", f"payment:{pid}", "", ZERO, net, _(
                "Платёж %(id)s: сторно распределений больше распределённого на %(a)s руб.") % {"id": pid,
                                                                                              "a": -net}))
        elif status == PaymentStatus.REFUNDED:
            report.differences.append(Difference("payment", f"payment:{pid}", "", ZERO, net, _(
                "Платёж %(id)s возвращён, но его распределения на %(a)s руб. не сторнированы.") % {
                "id": pid, "a": net}))
            report.refunded -= net  # counted once, as the difference it is
            report.allocated += net
        else:
            report.differences.append(Difference("payment", f"payment:{pid}", "", ZERO, net, _(
                "Платёж %(id)s в статусе «%(st)s», но у него есть распределения на %(a)s руб.") % {
                "id": pid, "st": PaymentStatus(status).label, "a": net}))
            report.pending[status] -= net  # counted once, as the difference it is
            report.allocated += net
    for pid, status, amount, reversed_, channel, ref, note in _fetch(
        f"SELECT p.id, p.status, p.amount, -a.rev, p.channel, p.payer_ref, p.match_note {_DAY_PAYMENTS} "
        "AND (p.status = ANY(%(listed)s) OR (p.status = 'allocated' AND a.rev <> 0)) ORDER BY p.id LIMIT %(limit)s",
        {"day": day, "listed": [*PENDING, PaymentStatus.REFUNDED], "limit": LIST_LIMIT},
    ):
        if status == PaymentStatus.ALLOCATED:
            report.explained.append(Explained("refunded_payment", f"payment:{pid}", reversed_, _(
                "Платёж %(id)s (%(ch)s, «%(ref)s») возвращён частично: %(r)s руб. из %(s)s руб.; "
                "распределения на эту сумму сторнированы.") % {
                "id": pid, "ch": channel, "ref": ref, "r": reversed_, "s": amount}))
            continue
        kind = "refunded_payment" if status == PaymentStatus.REFUNDED else "pending_payment"
        report.explained.append(Explained(kind, f"payment:{pid}", amount, _(
            "Платёж %(id)s (%(ch)s, «%(ref)s») — %(st)s. %(note)s") % {
            "id": pid, "ch": channel, "ref": ref, "st": PaymentStatus(status).label, "note": note}))
    report.equations.append(Equation(
        _("Поступления = распределено + не распределено + возвращено"), report.money_in_total,
        report.allocated + report.pending_total + report.refunded))


def _not_paid_out(day: date, report: DayReconciliation, waiting: dict[int, Decimal]) -> None:
    """Each principal's allocations of the day in no payout yet, with the reason a build gave (or: not built)."""
    report.not_paid_out = sum(waiting.values(), ZERO)
    if not waiting:
        return
    skipped = {}
    runs = PayoutRun.objects.filter(covers_to__gte=day).order_by("business_day")
    for business_day, reasons in runs.values_list("business_day", "skipped"):
        for item in reasons:
            skipped.setdefault(item["principal_id"], f"{business_day:%d.%m.%Y}: {item['message']}")
    for principal_id, amount in sorted(waiting.items()):
        report.explained.append(Explained("not_paid_out", f"principal:{principal_id}", amount, skipped.get(
            principal_id, _("Ещё не вошло в перечисление: перечисление за этот день не сформировано."))))


def _payout_days(payout_ids: list[int]) -> tuple[dict[int, list[tuple[date, Decimal]]], dict[int, Decimal]]:
    """Each payout's allocations by day, and their total."""
    by_day: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for payout_id, allocated_on, amount in _fetch(
        "SELECT payout_id, allocated_on, SUM(amount) FROM payments_allocation WHERE payout_id = ANY(%s) "
        "GROUP BY 1, 2 ORDER BY 1, 2", [payout_ids],
    ):
        by_day[payout_id].append((allocated_on, amount))
        totals[payout_id] += amount
    return by_day, totals


def _payout_state(report: DayReconciliation, payout: tuple) -> None:
    """A payout not exported, or exported and awaiting the bank statement, is an explained item."""
    pid, _principal_id, business_day, status, _gross, _fee, net, number, order_date = payout
    if status in (PayoutStatus.CREATED, PayoutStatus.APPROVED):
        report.explained.append(Explained("payout_not_exported", f"payout:{pid}", net, _(
            "Перечисление %(id)s за %(d)s ещё не выгружено в банк (%(st)s).") % {
            "id": pid, "d": f"{business_day:%d.%m.%Y}", "st": PayoutStatus(status).label}))
    elif status == PayoutStatus.EXPORTED:
        report.explained.append(Explained("payout_awaiting_statement", f"payout:{pid}", net, _(
            "Платёжное поручение № %(n)s от %(d)s выгружено, выпиской банка ещё не подтверждено.") % {
            "n": number, "d": f"{order_date:%d.%m.%Y}"}))


def _payout_share(day: date, report: DayReconciliation, payout: tuple, days: list[tuple[date, Decimal]],
                  total: Decimal) -> None:
    """The day's share of one payout (its fee split over the days it covers), and what does not add up in it."""
    pid, principal_id, business_day, status, gross, fee, net, number, _order_date = payout
    shares = split_largest_remainder(to_kopecks(fee), [max(amount, ZERO) for _d, amount in days])
    day_gross = sum((amount for d, amount in days if d == day), ZERO)
    day_fee = sum((from_kopecks(k) for (d, _a), k in zip(days, shares, strict=True) if d == day), ZERO)
    report.paid_out_fee += day_fee
    report.paid_out_net += day_gross - day_fee
    report.payouts.append({"payout_id": pid, "principal_id": principal_id, "business_day": business_day,
                           "status": status, "gross": gross, "fee": fee, "net": net, "order_number": number,
                           "day_gross": day_gross, "day_fee": day_fee, "day_net": day_gross - day_fee})
    if total != gross:
        report.differences.append(Difference("payout", f"payout:{pid}", "", gross, total, _(
            "Перечисление %(id)s: сумма %(g)s руб., а входящих в него распределений на %(s)s руб.") % {
            "id": pid, "g": gross, "s": total}))
    _payout_state(report, payout)


def _allocations(day: date, report: DayReconciliation) -> None:
    rows = _fetch("SELECT a.principal_id, a.payout_id, SUM(a.amount) FROM payments_allocation a "
                  "WHERE a.allocated_on = %s GROUP BY 1, 2", [day])
    report.allocations_made = sum((r[2] for r in rows), ZERO)
    payout_ids = sorted({r[1] for r in rows if r[1] is not None})
    waiting: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for principal_id, payout_id, amount in rows:
        if payout_id is None:
            waiting[principal_id] += amount
    _not_paid_out(day, report, waiting)
    equation = _("Распределено = перечислено + вознаграждение + ещё не перечислено")
    if not payout_ids:
        report.equations.append(Equation(equation, report.allocations_made, report.not_paid_out))
        return
    by_day, totals = _payout_days(payout_ids)
    for payout in _fetch(
        "SELECT id, principal_id, business_day, status, gross, fee, net, order_number, order_date "
        "FROM payments_payout WHERE id = ANY(%s) ORDER BY id", [payout_ids],
    ):
        _payout_share(day, report, payout, by_day[payout[0]], totals[payout[0]])
    report.equations.append(Equation(
        equation, report.allocations_made, report.paid_out_net + report.paid_out_fee + report.not_paid_out))


# The legs each ledger transaction implies (key, account code, amount), for the transactions dated in a range of
# days, computed from the rows each one covers:
# - ``payment:<id>``: a payment recorded one at a time (card, cash desk), dated its ``paid_on``;
# - ``registry:<import id>``: every payment a registry or statement file inserted (``registry_import_id``), in one
#   transaction dated the latest ``paid_on`` among them;
# - ``allocation:<payment id>``: a payment allocated on its own; an allocation posted by another transaction
#   carries that transaction's key (``ledger_key``): a bulk run's ``allocations:<first>-<last>:p<principal>``,
#   a reversal's ``allocation_reversal:<payment id>:<key>``; either dated ``allocated_on``. The agent.unallocated
#   leg is the sum of the rows (a payment whose allocations do not add up to it is named in the intake part);
# - ``payout:<id>``: an exported payout, dated its order's date.
_EXPECTED = """
SELECT 'payment:' || p.id, x.code, x.amount FROM payments_payment p
 CROSS JOIN LATERAL (VALUES (%(cash)s, p.amount), (%(unallocated)s, -p.amount)) AS x(code, amount)
 WHERE p.paid_on BETWEEN %(lo)s AND %(hi)s AND p.registry_import_id IS NULL
UNION ALL
SELECT 'registry:' || r.id, x.code, x.amount FROM (
   SELECT registry_import_id AS id, SUM(amount) AS amount FROM payments_payment
   WHERE registry_import_id IN (SELECT registry_import_id FROM payments_payment
                                WHERE paid_on BETWEEN %(lo)s AND %(hi)s AND registry_import_id IS NOT NULL)
   GROUP BY registry_import_id HAVING MAX(paid_on) BETWEEN %(lo)s AND %(hi)s) r
 CROSS JOIN LATERAL (VALUES (%(cash)s, r.amount), (%(unallocated)s, -r.amount)) AS x(code, amount)
UNION ALL
SELECT COALESCE(a.ledger_key, 'allocation:' || a.payment_id), %(unallocated)s, SUM(a.amount) FROM payments_allocation a
 WHERE a.allocated_on BETWEEN %(lo)s AND %(hi)s GROUP BY 1
UNION ALL
SELECT COALESCE(a.ledger_key, 'allocation:' || a.payment_id), %(payable)s || a.principal_id, -SUM(a.amount)
 FROM payments_allocation a WHERE a.allocated_on BETWEEN %(lo)s AND %(hi)s GROUP BY 1, a.principal_id
UNION ALL
SELECT 'payout:' || o.id, x.code, x.amount FROM payments_payout o
 CROSS JOIN LATERAL (VALUES (%(payable)s || o.principal_id, o.gross), (%(cash)s, -o.net), (%(fee)s, -o.fee))
   AS x(code, amount)
 WHERE o.order_date BETWEEN %(lo)s AND %(hi)s AND o.status IN ('exported', 'confirmed') AND x.amount <> 0
"""

_BULK_KEY = re.compile(r"^allocations:(\d+)-(\d+):p(\d+)$")


# The transactions whose key alone names the rows they cover: their kind → the words for them.
_NAMED_KEYS = {
    "payment": gettext_noop("платёж %(id)s"),
    "allocation": gettext_noop("распределения платежа %(id)s"),
    "payout": gettext_noop("перечисление %(id)s"),
}


def _key_words(key: str, registries: list[int], bulk: list[tuple], reversals: list[tuple]) -> str:
    """The words for the rows a key covers as far as the key tells; a key whose rows must be read is put on its
    list (registry files, bulk allocation runs, reversals), and the words say none was found until they are."""
    kind, _sep, rest = key.partition(":")
    if kind in _NAMED_KEYS and rest.isdigit():
        return _(_NAMED_KEYS[kind]) % {"id": rest}
    if kind == "registry" and rest.isdigit():
        registries.append(int(rest))
        return _("платежи файла %(id)s: нет ни одного") % {"id": rest}
    if (match := _BULK_KEY.match(key)) is not None:
        bulk.append((key, int(match[1]), int(match[2])))
        return _("распределения №%(lo)s–%(hi)s принципала %(p)s: нет ни одного") % {
            "lo": match[1], "hi": match[2], "p": match[3]}
    payment_id = rest.partition(":")[0]
    if kind == "allocation_reversal" and payment_id.isdigit():
        reversals.append((key, int(payment_id)))
        return _("сторно распределений платежа %(id)s: нет ни одного") % {"id": payment_id}
    return _("не связана ни с одной строкой")


def _registries_covered(registries: list[int]) -> dict[str, str]:
    if not registries:
        return {}
    return {f"registry:{rid}": _("платежи файла %(id)s: %(n)s шт. (№%(lo)s–%(hi)s) на %(s)s руб.") % {
        "id": rid, "n": n, "lo": lo, "hi": hi, "s": total} for rid, n, lo, hi, total in _fetch(
        "SELECT registry_import_id, COUNT(*), MIN(id), MAX(id), SUM(amount) FROM payments_payment "
        "WHERE registry_import_id = ANY(%s) GROUP BY 1", [registries])}


def _allocations_covered(bulk: list[tuple], reversals: list[tuple]) -> dict[str, str]:
    if not (bulk or reversals):
        return {}
    return {key: _("распределения №%(lo)s–%(hi)s: %(n)s шт. на %(s)s руб.") % {"lo": lo, "hi": hi, "n": n, "s": total}
            for key, n, lo, hi, total in _fetch(
                "SELECT a.ledger_key, COUNT(*), MIN(a.id), MAX(a.id), SUM(a.amount) FROM payments_allocation a "
                "JOIN unnest(%s::text[], %s::bigint[], %s::bigint[]) AS k(key, lo, hi) "
                "ON a.id BETWEEN k.lo AND k.hi AND a.ledger_key = k.key GROUP BY 1 "
                "UNION ALL "
                "SELECT a.ledger_key, COUNT(*), MIN(a.id), MAX(a.id), SUM(a.amount) FROM payments_allocation a "
                "JOIN unnest(%s::text[], %s::bigint[]) AS k(key, payment_id) "
                "ON a.payment_id = k.payment_id AND a.ledger_key = k.key GROUP BY 1",
                [[b[0] for b in bulk], [b[1] for b in bulk], [b[2] for b in bulk], [r[0] for r in reversals],
                 [r[1] for r in reversals]])}


def _covered(keys: set[str]) -> dict[str, str]:
    """Which rows each transaction key covers, in words, for the keys named in differences (a few queries)."""
    registries: list[int] = []
    bulk: list[tuple] = []
    reversals: list[tuple] = []
    out = {key: _key_words(key, registries, bulk, reversals) for key in sorted(keys)}
    out.update(_registries_covered(registries))
    out.update(_allocations_covered(bulk, reversals))
    return out


def _ledger(day: date, report: DayReconciliation) -> None:
    params = {"cash": CASH, "unallocated": UNALLOCATED, "fee": FEE, "payable": PAYABLE_PREFIX, "lo": day, "hi": day,
              "kinds": list(POSTED_KINDS)}
    rows = _fetch(
        f"WITH expected AS (SELECT key, code, SUM(amount) AS amount FROM ({_EXPECTED}) e(key, code, amount) "  # noqa: S608 — module constant
        "GROUP BY 1, 2), "
        "actual AS (SELECT t.key, a.code, SUM(l.amount) AS amount FROM ledger_ledgertransaction t "
        "JOIN ledger_ledgerleg l ON l.transaction_id = t.id JOIN ledger_ledgeraccount a ON a.id = l.account_id "
        "WHERE t.id IN (SELECT id FROM ledger_ledgertransaction WHERE occurred_on = %(lo)s AND kind = ANY(%(kinds)s) "
        "UNION SELECT x.id FROM ledger_ledgertransaction x JOIN expected e ON e.key = x.key) GROUP BY 1, 2) "
        "SELECT COALESCE(e.key, a.key), COALESCE(e.code, a.code), COALESCE(e.amount, 0), COALESCE(a.amount, 0) "
        "FROM expected e FULL JOIN actual a ON a.key = e.key AND a.code = e.code ORDER BY 1, 2", params,
    )
    turnover: dict[str, dict[str, Decimal]] = {}
    wrong: list[tuple[str, str, Decimal, Decimal]] = []
    for key, code, expected, actual in rows:
        group = PAYABLE_PREFIX + "*" if code.startswith(PAYABLE_PREFIX) else code
        entry = turnover.setdefault(group, {"expected": ZERO, "actual": ZERO})
        entry["expected"] += expected
        entry["actual"] += actual
        if expected != actual:
            wrong.append((key, code, expected, actual))
    covered = _covered({w[0] for w in wrong}) if wrong else {}
    for key, code, expected, actual in wrong:
        report.differences.append(Difference("ledger", key, code, expected, actual, _(
            "Проводка %(key)s по счёту %(code)s: ожидалось %(e)s, в регистре %(a)s (%(rows)s).") % {
            "key": key, "code": code, "e": expected, "a": actual, "rows": covered[key]}, rows=covered[key]))
    # other operations of the day (card refunds, reversals): taken as posted, listed
    for kind, key, code, amount in _fetch(
        "SELECT t.kind, t.key, a.code, l.amount FROM ledger_ledgertransaction t "
        "JOIN ledger_ledgerleg l ON l.transaction_id = t.id JOIN ledger_ledgeraccount a ON a.id = l.account_id "
        "WHERE t.occurred_on = %s AND NOT t.kind = ANY(%s) ORDER BY t.id, l.id", [day, list(POSTED_KINDS)],
    ):
        group = PAYABLE_PREFIX + "*" if code.startswith(PAYABLE_PREFIX) else code
        entry = turnover.setdefault(group, {"expected": ZERO, "actual": ZERO})
        entry["expected"] += amount
        entry["actual"] += amount
        report.explained.append(Explained("other_ledger_operation", key, amount, f"{kind}: {code}"))
    report.ledger_day = turnover

    # balances at the end of the day: the same rules over every day up to it, per account
    params = {**params, "lo": date.min}
    ours = "(a.code IN (%(cash)s, %(unallocated)s, %(fee)s) OR a.code LIKE %(payable)s || '%%')"
    legs = ("FROM ledger_ledgertransaction t JOIN ledger_ledgerleg l ON l.transaction_id = t.id "
            "JOIN ledger_ledgeraccount a ON a.id = l.account_id WHERE t.occurred_on <= %(hi)s AND " + ours)
    balances = _fetch(
        f"WITH expected AS (SELECT code, SUM(amount) AS amount FROM ({_EXPECTED}) e(key, code, amount) "  # noqa: S608 — module constants
        f"GROUP BY 1 UNION ALL SELECT a.code, SUM(l.amount) {legs} AND NOT t.kind = ANY(%(kinds)s) GROUP BY 1), "
        f"actual AS (SELECT a.code, SUM(l.amount) AS amount {legs} GROUP BY 1) "
        "SELECT COALESCE(e.code, a.code), COALESCE(e.amount, 0), COALESCE(a.amount, 0) "
        "FROM (SELECT code, SUM(amount) AS amount FROM expected GROUP BY 1) e FULL JOIN actual a ON a.code = e.code "
        "ORDER BY 1", params,
    )
    for code, expected, actual in balances:
        report.ledger_balance[code] = {"expected": expected, "actual": actual}
        if expected != actual:
            report.differences.append(Difference("balance", code, code, expected, actual, _(
                "Остаток счёта %(code)s на конец %(d)s: ожидалось %(e)s, в регистре %(a)s.") % {
                "code": code, "d": f"{day:%d.%m.%Y}", "e": expected, "a": actual}))


def _deadlines(day: date, report: DayReconciliation, now: datetime | None) -> None:
    for p in payouts_flagged_for_day(day=day, now=now):
        info = p.deadline_info
        report.late_payouts.append({
            "payout_id": p.pk, "principal_id": p.principal_id, "principal_name": p.principal.short_name,
            "business_day": p.business_day, "covers_from": p.covers_from, "deadline": info.deadline,
            "state": info.state, "days_late": info.days_late, "status": p.status, "order_date": p.order_date,
            "net": p.net,
        })


def reconciliation_day(*, day: date, now: datetime | None = None) -> DayReconciliation:
    """The reconciliation report of one day (read-only; a handful of set-based queries). ``now`` (default: now)
    is the moment the payouts' deadline states are judged at."""
    report = DayReconciliation(day=day)
    _intake(day, report)
    _allocations(day, report)
    _ledger(day, report)
    _deadlines(day, report, now)
    return report
