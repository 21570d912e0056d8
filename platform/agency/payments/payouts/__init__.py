"""Daily payouts to principals: build, approve, export to the bank (1C), confirm from the bank statement; their
deadlines and the daily reconciliation. One module per step: ``build``, ``approve``, ``export`` (with ``orders``,
the 1C payment orders, and ``register``, the registers of covered payments), ``confirm``; ``selectors`` for what
principals see; ``tasks`` for the morning build. This package re-exports each step's services.

A principal is paid **no later than the working day after** the money arrives (ПП РФ №253 п.6). Every
working day D of the production calendar (``regulations``; transferred days are data there) each
principal gets at most one payout: the sum of its allocations not yet paid out, less the agent's fee.

What a build covers. The nominal window is ``[previous working day of D … D − 1]``: on an ordinary
Tuesday that is Monday; on a Monday, Friday to Sunday; after a holiday, the holiday too. Money
allocated on D itself waits for the next working day, because the day is not over. The build picks up
**every** allocation not yet in a payout dated up to ``D − 1``, so nothing is ever left behind: an
allocation dated inside a window whose day is already built (a late or back-dated allocation) goes
into the **next** day's payout, and a day that was never built is swept up by the next one. A payout's
``covers_from`` reaches back to its oldest allocation in that case.

Idempotency. A build is recorded as a ``PayoutRun`` of the day, in the same transaction as its
payouts: building the day again returns what was built and writes nothing, even when allocations
for the window arrived since (they go to the next day, as said). Builds are serialised by an advisory
lock, a day earlier than one already built or later than today is refused, and a payout is unique per
(principal, day) in the database. The whole build is one transaction: a worker killed half-way
leaves nothing, and the rerun builds the same payouts.

Set-based. One aggregate over the unpaid allocations, one ``INSERT … SELECT`` of the payouts, one
``UPDATE`` attaching the allocations, and a check, in the same statement set, that every payout's
gross equals the allocations attached to it (an allocation committed between the aggregate and the
update would break that; the build then refuses and is run again). Fees are the contract's
(``billing_core.fees``: rate, minimum and maximum per payout); 200 principals are 200 calls of a pure
function. A principal without a contract in force on D is reported and not paid (its money waits);
a principal on a weekly schedule is paid on the first working day of the ISO week; a zero or
negative sum makes no payout (a negative one waits to be netted against later money).

Status: created → approved (an approver or the agent's admin) → exported (the 1C file and the registers are
written) → confirmed (matched against the bank statement).

Four eyes. A payout remembers who built it (``built_by``; empty when the 07:00 schedule built it). Whoever built a
payout cannot approve it: another person whose role may approve (``AgentPerm.PAYOUTS_APPROVE``: an approver or the
admin) must; the operator approves nothing. Payouts are never edited after the build (their sums come from the
allocations attached in the build's one transaction), so the builder is the only person who shaped one; the
schedule's payouts have no human builder and any approver may approve them. The database keeps the rule too
(``payout_four_eyes``). A payout whose fee takes the whole sum
(a minimum fee above the money collected) has nothing to send: it gets no payment order and is
confirmed at export.

Ledger (public, the agent's books). Posted **at export**, keyed ``payout:<id>``: Dr
``agent.payable:<principal>`` gross / Cr ``agent.cash`` net / Cr ``agent.fee`` fee, dated the order's
date. Export is the moment the agent commits the money to leave its account; until then a payout can
still be left unapproved and nothing has moved. The payable stays owed until then, which is what the
reconciliation reads. Postings of one export go in one statement (every payout's transaction and legs);
the database checks each transaction's balance.

Crash safety of export. One transaction: the payouts are locked, numbered (a gap-free sequence per
year, under an advisory lock, and unique per year in the database), the files are written to object
storage, then the payouts are marked exported and posted. A crash before the commit leaves the
payouts approved and unnumbered (files already written are orphans under random keys, never
referenced); the rerun numbers and posts them once.
"""

from agency.payments.payouts.approve import payout_approval_refusal, payout_approve, payouts_approve
from agency.payments.payouts.build import BuildReport, Skipped, payouts_build, payouts_window
from agency.payments.payouts.common import contracts_in_force
from agency.payments.payouts.confirm import ConfirmReport, payouts_confirm
from agency.payments.payouts.export import ExportResult, payouts_export
from agency.payments.payouts.register import register_csv, register_xlsx
from agency.payments.payouts.selectors import payout_list, payout_register

__all__ = [
    "BuildReport", "ConfirmReport", "ExportResult", "Skipped", "contracts_in_force",
    "payout_approval_refusal", "payout_approve", "payout_list", "payout_register", "payouts_approve", "payouts_build",
    "payouts_confirm", "payouts_export", "payouts_window", "register_csv", "register_xlsx",
]
