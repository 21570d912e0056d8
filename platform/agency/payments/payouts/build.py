"""Daily payouts to principals: build, approve, export to the bank (1C), confirm from the bank statement.

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

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from agency.documents import storage
from agency.identity.permissions import AgentPerm, agent_can
from agency.payments.models import Channel, Payout, PayoutRun, PayoutStatus
from agency.payments.services import CASH, FEE, agent_ledger_ensure, agent_principal, payable_account
from agency.payments.statements import statement_outgoing
from billing_core.error_codes import ErrorCode
from billing_core.fees import FeeTerms, payout_fee_split
from billing_core.onec_exchange import BankParty, PaymentOrder, format_amount, payment_orders_write, statement_read
from billing_core.tabular import spreadsheet_row, spreadsheet_text
from tenants.models import AgencyContract, PayoutSchedule, Principal
from tenants.regulations.selectors import calendar_year_loaded, is_working_day, previous_working_day

# pg_advisory_xact_lock keys: one build at a time; one numbering of payment orders at a time.
BUILD_LOCK = 7_301_001
NUMBER_LOCK = 7_301_002

DATE = "%d.%m.%Y"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The payment order's purpose (field 24) is a bank document's text: always Russian, never translated.
PURPOSE = ("Перечисление денежных средств, собранных по агентскому договору № {number} от {signed} за {period}, "
           "за вычетом вознаграждения {fee} руб. НДС не облагается")


def _error(field_name: str, message, code: ErrorCode, **params) -> ValidationError:
    text = message % params if params else message
    return ValidationError({field_name: ValidationError(text, code=code)})


# --- build -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    principal_id: int
    name: str
    reason: str  # "no_contract" | "weekly_schedule" | "not_positive"
    gross: str  # roubles, as text (JSON-safe)
    message: str


@dataclass
class BuildReport:
    business_day: date
    covers_from: date
    covers_to: date
    built_now: bool
    payout_ids: list[int]
    gross: Decimal
    fee: Decimal
    net: Decimal
    skipped: list[dict] = field(default_factory=list)


def payouts_window(business_day: date) -> tuple[date, date]:
    """The allocation days a payout on ``business_day`` is for: the previous working day up to the day before."""
    return previous_working_day(business_day), business_day - timedelta(days=1)


def _day_check(business_day: date) -> None:
    for year in sorted({business_day.year, previous_working_day(business_day).year}):
        if not calendar_year_loaded(year):
            raise _error("business_day", _("Производственный календарь на %(year)s год не загружен."),
                         ErrorCode.PAYOUT_CALENDAR_MISSING, year=year)
    if not is_working_day(business_day):
        raise _error("business_day", _("%(day)s — нерабочий день: перечисления не формируются."),
                     ErrorCode.PAYOUT_NOT_WORKING_DAY, day=business_day.strftime(DATE))
    if business_day > timezone.localdate():
        raise _error("business_day", _("Нельзя сформировать перечисления за будущий день %(day)s."),
                     ErrorCode.PAYOUT_DAY_ORDER, day=business_day.strftime(DATE))


def contracts_in_force(principal_ids: Iterable[int], day: date) -> dict[int, AgencyContract]:
    """Each principal's agency contract valid on ``day`` (at most one: the database forbids overlaps); one query."""
    rows = AgencyContract.objects.filter(principal_id__in=list(principal_ids), valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return {c.principal_id: c for c in rows}


def _report(run: PayoutRun, *, built_now: bool) -> BuildReport:
    ids = list(Payout.objects.filter(business_day=run.business_day).order_by("pk").values_list("pk", flat=True))
    return BuildReport(run.business_day, run.covers_from, run.covers_to, built_now, ids, run.gross, run.fee, run.net,
                       list(run.skipped))


@transaction.atomic
def payouts_build(*, business_day: date, user=None) -> BuildReport:
    """Build the day's payouts, one per principal, set-based; building the same day again changes nothing."""
    _day_check(business_day)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BUILD_LOCK])
    run = PayoutRun.objects.filter(business_day=business_day).first()
    if run is not None:
        return _report(run, built_now=False)
    later = PayoutRun.objects.filter(business_day__gt=business_day).order_by("business_day").first()
    if later is not None:
        raise _error("business_day", _("Перечисления за более поздний день %(day)s уже сформированы: деньги за "
                                       "%(this)s попали в них."), ErrorCode.PAYOUT_DAY_ORDER,
                     day=later.business_day.strftime(DATE), this=business_day.strftime(DATE))
    window_from, window_to = payouts_window(business_day)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT principal_id, SUM(amount), MIN(allocated_on) FROM payments_allocation "
            "WHERE payout_id IS NULL AND allocated_on <= %s GROUP BY principal_id ORDER BY principal_id",
            [window_to],
        )
        sums = cursor.fetchall()
    contracts = contracts_in_force((row[0] for row in sums), business_day)
    names = dict(Principal.objects.filter(pk__in=[row[0] for row in sums]).values_list("pk", "short_name"))
    first_of_week = window_from.isocalendar()[:2] != business_day.isocalendar()[:2]

    skipped: list[Skipped] = []
    chosen: list[tuple[int, Decimal, Decimal, Decimal, date]] = []  # principal, gross, fee, net, covers_from
    for principal_id, gross, oldest in sums:
        contract = contracts.get(principal_id)
        name = names.get(principal_id, str(principal_id))
        if gross <= 0:
            skipped.append(Skipped(principal_id, name, "not_positive", str(gross), _g(
                "Сумма к перечислению %(sum)s руб. не положительна: ждёт следующих поступлений.") % {"sum": gross}))
        elif contract is None:
            skipped.append(Skipped(principal_id, name, "no_contract", str(gross), _g(
                "Нет агентского договора, действующего на %(day)s: %(sum)s руб. не перечислены.")
                % {"day": business_day.strftime(DATE), "sum": gross}))
        elif contract.payout_schedule == PayoutSchedule.WEEKLY and not first_of_week:
            skipped.append(Skipped(principal_id, name, "weekly_schedule", str(gross), _g(
                "Еженедельный график: перечисление в первый рабочий день недели.")))
        else:
            split = payout_fee_split(gross, terms=FeeTerms.from_contract(contract))
            chosen.append((principal_id, split.amount, split.fee, split.net, min(oldest, window_from)))

    ids: list[int] = []
    builder_id = user.pk if getattr(user, "pk", None) else None
    if chosen:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO payments_payout (principal_id, business_day, covers_from, covers_to, gross, fee, net, "
                "status, order_number, built_by_id, approved_by_id, approved_at, exported_at, confirmed_at, "
                "created_at, order_date, payee_account, orders_file_key, register_xlsx_key, register_csv_key) "
                "SELECT p, %s, f, %s, g, fe, n, %s, NULL, %s, NULL, NULL, NULL, NULL, now(), NULL, '', '', '', '' "
                "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::date[]) "
                "AS t(p, g, fe, n, f) RETURNING id",
                [business_day, window_to, PayoutStatus.CREATED, builder_id, [c[0] for c in chosen],
                 [c[1] for c in chosen], [c[2] for c in chosen], [c[3] for c in chosen], [c[4] for c in chosen]],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
            cursor.execute(
                "UPDATE payments_allocation a SET payout_id = p.id FROM payments_payout p "
                "WHERE p.id = ANY(%s) AND a.principal_id = p.principal_id AND a.payout_id IS NULL "
                "AND a.allocated_on <= %s",
                [ids, window_to],
            )
            cursor.execute(
                "SELECT p.id FROM payments_payout p LEFT JOIN (SELECT payout_id, SUM(amount) AS s "
                "FROM payments_allocation WHERE payout_id = ANY(%s) GROUP BY payout_id) a ON a.payout_id = p.id "
                "WHERE p.id = ANY(%s) AND COALESCE(a.s, 0) <> p.gross",
                [ids, ids],
            )
            moved = [row[0] for row in cursor.fetchall()]
        if moved:
            # rolled back with the whole build; the next run sees the new allocations from the start
            raise _error("business_day", _("Распределения изменились во время формирования перечислений: "
                                           "запустите формирование ещё раз."), ErrorCode.PAYOUT_DAY_ORDER)
    run = PayoutRun.objects.create(
        business_day=business_day, covers_from=window_from, covers_to=window_to, payouts_count=len(ids),
        gross=sum((c[1] for c in chosen), Decimal("0.00")), fee=sum((c[2] for c in chosen), Decimal("0.00")),
        net=sum((c[3] for c in chosen), Decimal("0.00")), skipped=[asdict(s) for s in skipped],
        built_by=user if getattr(user, "pk", None) else None,
    )
    return _report(run, built_now=True)


# --- approval ------------------------------------------------------------------------------------


def _operator_check(user) -> None:
    if not agent_can(user, AgentPerm.PAYOUTS_EXPORT):
        raise _error("user", _("Выгружать перечисления может только сотрудник агента."),
                     ErrorCode.PERMISSION_DENIED)


def _approver_check(user) -> None:
    if not agent_can(user, AgentPerm.PAYOUTS_APPROVE):
        raise _error("user", _("Утверждать перечисления может только контролёр или администратор агента."),
                     ErrorCode.PERMISSION_DENIED)


def payout_approval_refusal(payout: Payout, user) -> str | None:
    """Why ``user`` may not approve ``payout`` (a sentence for the page), or None."""
    if not agent_can(user, AgentPerm.PAYOUTS_APPROVE):
        return _g("Утверждать перечисления может только контролёр или администратор агента.")
    if payout.built_by_id is not None and payout.built_by_id == user.pk:
        return _g("Вы сформировали это перечисление: утвердить его должен другой сотрудник — контролёр или "
                  "администратор агента.")
    return None


@transaction.atomic
def payouts_approve(*, payout_ids: Sequence[int], user) -> list[Payout]:
    """created → approved, for every payout given, or for none: a payout in another status (other than
    already approved, which is left as it is) refuses the whole call, and so does one the caller built."""
    _approver_check(user)
    payouts = list(Payout.objects.select_for_update().filter(pk__in=list(payout_ids)).order_by("pk"))
    missing = sorted(set(payout_ids) - {p.pk for p in payouts})
    if missing:
        raise _error("payout_ids", _("Перечисления не найдены: %(ids)s."), ErrorCode.NOT_FOUND,
                     ids=", ".join(map(str, missing)))
    wrong = [p for p in payouts if p.status not in (PayoutStatus.CREATED, PayoutStatus.APPROVED)]
    if wrong:
        raise _error("payout_ids", _("Утвердить можно только сформированные перечисления; уже выгружены: %(ids)s."),
                     ErrorCode.PAYOUT_STATUS, ids=", ".join(str(p.pk) for p in wrong))
    own = [p.pk for p in payouts if p.status == PayoutStatus.CREATED and p.built_by_id == user.pk]
    if own:
        raise _error("payout_ids", _("Вы сформировали перечисления %(ids)s: утвердить их должен другой сотрудник — "
                                     "контролёр или администратор агента."), ErrorCode.FOUR_EYES,
                     ids=", ".join(map(str, own)))
    fresh = [p.pk for p in payouts if p.status == PayoutStatus.CREATED]
    if fresh:
        Payout.objects.filter(pk__in=fresh).update(status=PayoutStatus.APPROVED, approved_by=user,
                                                   approved_at=timezone.now())
    return list(Payout.objects.filter(pk__in=[p.pk for p in payouts]).order_by("pk"))


def payout_approve(*, payout_id: int, user) -> Payout:
    """An approver approves one payout (created → approved); approving it again changes nothing."""
    return payouts_approve(payout_ids=[payout_id], user=user)[0]


# --- export: payment orders and registers ----------------------------------------------------------


@dataclass
class ExportResult:
    payout_ids: list[int]
    orders_file_key: str  # empty when every payout exported had nothing to send
    orders_count: int
    total_net: Decimal
    orders_file: bytes = b""


REGISTER_COLUMNS = ("Дата платежа", "Канал", "ЕЛС", "Лицевой счёт", "Плательщик", "Сумма платежа", "Услуга",
                    "Сумма к перечислению")


def _period(p: Payout) -> str:
    if p.covers_from == p.covers_to:
        return p.covers_from.strftime(DATE)
    return f"{p.covers_from.strftime(DATE)}–{p.covers_to.strftime(DATE)}"


def _purpose(p: Payout, contract: AgencyContract) -> str:
    return PURPOSE.format(number=contract.number, signed=contract.signed_on.strftime(DATE), period=_period(p),
                          fee=format_amount(p.fee))


def _register_rows(payout_ids: list[int]) -> dict[int, list[tuple]]:
    """The covered payments of every payout, in one query: (paid_on, channel, ЕЛС, account, payer, payment amount,
    service, allocated amount)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.payout_id, p.paid_on, p.channel, COALESCE(u.number, p.payer_ref), a.account_number, "
            "p.payer_name, p.amount, a.service_code, a.amount FROM payments_allocation a "
            "JOIN payments_payment p ON p.id = a.payment_id "
            "LEFT JOIN registry_unifiedaccount u ON u.id = p.unified_account_id "
            "WHERE a.payout_id = ANY(%s) ORDER BY a.payout_id, p.paid_on, p.id, a.service_code",
            [payout_ids],
        )
        rows: dict[int, list[tuple]] = defaultdict(list)
        for payout_id, *rest in cursor.fetchall():
            rows[payout_id].append(tuple(rest))
    return rows


def _channel_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Channel.choices}  # translated once, not once a row


def _comma(amount: Decimal) -> str:
    return format_amount(amount).replace(".", ",")


def register_csv(rows: list[tuple], total: Decimal) -> bytes:
    """UTF-8 with a BOM, ``;``-separated, decimal comma: what Excel and 1C in Russian locales open as is."""
    labels = _channel_labels()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_g(c) for c in REGISTER_COLUMNS])
    for paid_on, channel, els, account, payer, paid, service, amount in rows:
        # texts from payers and banks are neutralised (billing_core.tabular); the amounts are numbers
        writer.writerow([paid_on.strftime(DATE), *spreadsheet_row([labels.get(channel, channel), els, account, payer]),
                         _comma(paid), spreadsheet_text(service), _comma(amount)])
    writer.writerow([_g("Итого"), "", "", "", "", "", "", _comma(total)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- XLSX: a minimal SpreadsheetML writer -------------------------------------------------------------
# openpyxl's writer runs on pure-Python XML serialisation here (lxml is not installed): about 65 ms for a
# 250-row register, 13 s for 200 principals, over the day's budget. A register is one sheet of strings, dates
# and amounts, so it is written directly: the six parts every reader needs, inline strings, two number formats.
# The tests read every register back with openpyxl.

_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'),
    # cellXfs: 0 general, 1 amount (#,##0.00, built-in 4), 2 date (DD.MM.YYYY), 3 bold (headers, totals)
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"),
}
# one translate() per value: XML's three special characters escaped, control characters XML forbids dropped
_XML_TEXT = {**{c: None for c in range(32) if c not in (9, 10, 13)}, ord("&"): "&amp;", ord("<"): "&lt;",
             ord(">"): "&gt;"}
_EPOCH = date(1899, 12, 30)  # spreadsheet day 0 (the 1900 date system, past its 1900 leap-year quirk)


def _text(value) -> str:
    return str(spreadsheet_text(value)).translate(_XML_TEXT)


def _xlsx(rows: list[list], *, sheet_name: str, widths: Sequence[int]) -> bytes:
    """One sheet; a cell is a str, a Decimal (amount), a date, None, or ("b", str) for a bold string."""
    import zipfile

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    body = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{letters[c]}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, tuple):
                cells.append(f'<c r="{ref}" s="3" t="inlineStr"><is><t>{_text(value[1])}</t></is></c>')
            elif isinstance(value, Decimal):
                cells.append(f'<c r="{ref}" s="1"><v>{value:f}</v></c>')
            elif isinstance(value, date):
                cells.append(f'<c r="{ref}" s="2"><v>{(value - _EPOCH).days}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<cols>{cols}</cols><sheetData>{"".join(body)}</sheetData></worksheet>')
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{_text(sheet_name[:31]).replace(chr(34), "")}" sheetId="1" r:id="rId1"/>'
                "</sheets></workbook>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in (*_XLSX_STATIC.items(), ("xl/workbook.xml", workbook), ("xl/worksheets/sheet1.xml", sheet)):
            archive.writestr(name, xml.encode("utf-8"))
    return out.getvalue()


def register_xlsx(rows: list[tuple], total: Decimal, *, title: str) -> bytes:
    """The register as a workbook: a title row, the column headers, one row per allocation, the total."""
    labels = _channel_labels()
    table: list[list] = [[("b", title)], [("b", _g(c)) for c in REGISTER_COLUMNS]]
    for paid_on, channel, els, account, payer, paid, service, amount in rows:
        table.append([paid_on, labels.get(channel, channel), els, account, payer, paid, service, amount])
    table.append([("b", _g("Итого")), None, None, None, None, None, None, total])
    return _xlsx(table, sheet_name=_g("Реестр"), widths=(12, 24, 14, 14, 32, 14, 10, 16))


def _ledger_post(payouts: list[Payout]) -> None:
    """Dr agent.payable:<p> gross / Cr agent.cash net / Cr agent.fee fee per payout, all in one statement."""
    agent_ledger_ensure({p.principal_id for p in payouts})
    with connection.cursor() as cursor:
        keys, codes, amounts, refs = [], [], [], []
        for p in payouts:
            for code, amount in ((payable_account(p.principal_id), p.gross), (CASH, -p.net), (FEE, -p.fee)):
                if amount:
                    keys.append(f"payout:{p.pk}")
                    codes.append(code)
                    amounts.append(amount)
                    refs.append(f"payout:{p.pk}")
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
             [p.order_date for p in payouts], keys, codes, amounts, refs],
        )


def _next_order_number(year: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NUMBER_LOCK])
        cursor.execute("SELECT COALESCE(MAX(order_number), 0) FROM payments_payout "
                       "WHERE order_date >= %s AND order_date < %s", [date(year, 1, 1), date(year + 1, 1, 1)])
        return cursor.fetchone()[0] + 1


@transaction.atomic
def payouts_export(*, business_day: date | None = None, payout_ids: Sequence[int] | None = None,
                   user=None) -> ExportResult:
    """Export approved payouts (those of ``business_day``, or exactly ``payout_ids``): one 1C file of payment orders
    from the agent's account, and per payout a register of the payments it covers (XLSX and CSV); approved →
    exported. Nothing is changed unless everything is written."""
    _operator_check(user)
    if (business_day is None) == (payout_ids is None):
        raise _error("business_day", _("Укажите день или перечисления."), ErrorCode.REQUIRED)
    query = Payout.objects.select_for_update().order_by("pk")
    if payout_ids is not None:
        payouts = list(query.filter(pk__in=list(payout_ids)))
        missing = sorted(set(payout_ids) - {p.pk for p in payouts})
        wrong = [p.pk for p in payouts if p.status != PayoutStatus.APPROVED]
        if missing or wrong:
            raise _error("payout_ids", _("Выгрузить можно только утверждённые перечисления: %(ids)s."),
                         ErrorCode.PAYOUT_STATUS, ids=", ".join(map(str, missing + wrong)))
    else:
        payouts = list(query.filter(business_day=business_day, status=PayoutStatus.APPROVED))
    if not payouts:
        raise _error("business_day", _("Нет утверждённых перечислений для выгрузки."), ErrorCode.PAYOUT_STATUS)

    agent = agent_principal()
    principals = Principal.objects.in_bulk([p.principal_id for p in payouts])
    contracts: dict[tuple[int, date], AgencyContract] = {}
    for day in sorted({p.business_day for p in payouts}):
        day_principals = [p.principal_id for p in payouts if p.business_day == day]
        for pid, contract in contracts_in_force(day_principals, day).items():
            contracts[(pid, day)] = contract
    lost = [p.pk for p in payouts if (p.principal_id, p.business_day) not in contracts]
    if lost:
        raise _error("payout_ids", _("Нет агентского договора, действующего на день перечисления: %(ids)s."),
                     ErrorCode.NOT_FOUND, ids=", ".join(map(str, lost)))

    order_date = timezone.localdate()
    number = _next_order_number(order_date.year)
    payer = BankParty(name=agent.legal_name, inn=agent.inn, kpp=agent.kpp, account=agent.settlement_account,
                      bank_name=agent.bank_name, bic=agent.bic, correspondent_account=agent.correspondent_account)
    orders: list[PaymentOrder] = []
    ordered: list[Payout] = []
    for p in payouts:
        contract = contracts[(p.principal_id, p.business_day)]
        p.order_date = order_date
        p.payee_account = contract.payout_account
        if p.net == 0:
            continue
        principal = principals[p.principal_id]
        p.order_number = number
        number += 1
        payee = BankParty(name=principal.legal_name, inn=principal.inn, kpp=principal.kpp,
                          account=contract.payout_account, bank_name=contract.payout_bank_name, bic=contract.payout_bic,
                          correspondent_account=contract.payout_correspondent_account)
        orders.append(PaymentOrder(number=str(p.order_number), date=order_date, amount=p.net, payer=payer,
                                   payee=payee, purpose=_purpose(p, contract)))
        ordered.append(p)
    orders_file = b""
    if orders:
        try:
            orders_file = payment_orders_write(orders, account=agent.settlement_account,
                                               created_at=timezone.localtime())
        except ValidationError as exc:
            # name the payout and the principal, not the order's place in the file
            named = {}
            for key, errors in exc.message_dict.items():
                head, _dot, rest = key.partition(".")
                if head == "orders" and rest:
                    index, _dot, name = rest.partition(".")
                    p = ordered[int(index)]
                    key = f"payout.{p.pk}.{name}"
                    errors = [f"{principals[p.principal_id].short_name}: {e}" for e in errors]
                named[key] = [ValidationError(e, code=ErrorCode.ONEC_VALUE) for e in errors]
            raise ValidationError(named) from exc

    registers = _register_rows([p.pk for p in payouts])
    files: list[tuple[str, bytes, str]] = []
    orders_key = ""
    if orders_file:
        orders_key = storage.new_key("payout-orders", ext="txt")
        files.append((orders_key, orders_file, "text/plain; charset=windows-1251"))
    for p in payouts:
        rows = registers.get(p.pk, [])
        title = _g("Реестр платежей: %(name)s, поступления за %(period)s, п/п № %(n)s от %(d)s") % {
            "name": principals[p.principal_id].short_name, "period": _period(p), "n": p.order_number or "—",
            "d": order_date.strftime(DATE)}
        p.register_xlsx_key = storage.new_key("payout-register", ext="xlsx")
        p.register_csv_key = storage.new_key("payout-register", ext="csv")
        files.append((p.register_xlsx_key, register_xlsx(rows, p.gross, title=title), XLSX_TYPE))
        files.append((p.register_csv_key, register_csv(rows, p.gross), "text/csv; charset=utf-8"))
    for key, data, content_type in files:
        storage.put(key, data, content_type)

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
    _ledger_post(payouts)
    return ExportResult([p.pk for p in payouts], orders_key, len(orders), sum((p.net for p in payouts), Decimal(0)),
                        orders_file)


# --- confirmation from the bank statement ------------------------------------------------------------


@dataclass
class ConfirmReport:
    confirmed: list[int] = field(default_factory=list)  # payouts confirmed now
    already: list[int] = field(default_factory=list)  # confirmed by an earlier statement
    mismatches: list[dict] = field(default_factory=list)  # an order found by number whose data differ
    unknown: list[dict] = field(default_factory=list)  # outgoing documents that are none of our payouts
    not_in_statement: list[int] = field(default_factory=list)  # exported in the statement's dates, not in it


@transaction.atomic
def payouts_confirm(*, statement: bytes, user=None) -> ConfirmReport:
    """Match the statement's outgoing documents to exported payouts by number, date, amount and payee account;
    matching ones become confirmed, the rest are reported. A file that does not read is refused whole."""
    st = statement_read(statement)
    if not st.ok:
        raise ValidationError({"statement": [
            ValidationError(_("Строка %(line)s: %(message)s") % {"line": e.line or "—", "message": e.message},
                            code=ErrorCode.PAYOUT_STATEMENT) for e in st.errors]})
    agent = agent_principal()
    if agent.settlement_account not in st.own_accounts:
        raise _error("statement", _("Выписка не по счёту агента %(acc)s."), ErrorCode.PAYOUT_STATEMENT,
                     acc=agent.settlement_account)
    docs = statement_outgoing(statement=st, account=agent.settlement_account)
    wanted = {(d.date.year, int(d.number)) for d in docs if d.date and d.number.isdigit()}
    candidates: dict[tuple[int, int], Payout] = {}
    if wanted:
        years = sorted({y for y, _n in wanted})
        numbers = sorted({n for _y, n in wanted})
        for p in Payout.objects.select_for_update().filter(order_number__in=numbers, order_date__year__in=years):
            candidates[(p.order_date.year, p.order_number)] = p
    report = ConfirmReport()
    to_confirm: list[int] = []
    seen: set[int] = set()
    for d in docs:
        p = candidates.get((d.date.year, int(d.number))) if d.date and d.number.isdigit() else None
        if p is None:
            report.unknown.append({"number": d.number, "date": d.date, "amount": d.amount,
                                   "payee_account": d.payee_account, "line": d.line})
            continue
        seen.add(p.pk)
        differences = []
        if d.date != p.order_date:
            differences.append(("date", p.order_date, d.date))
        if d.amount != p.net:
            differences.append(("amount", p.net, d.amount))
        if d.payee_account != p.payee_account:
            differences.append(("payee_account", p.payee_account, d.payee_account))
        if p.status not in (PayoutStatus.EXPORTED, PayoutStatus.CONFIRMED):
            differences.append(("status", PayoutStatus.EXPORTED.value, p.status))
        if differences:
            report.mismatches.append({"payout_id": p.pk, "number": d.number, "line": d.line, "fields": [
                {"field": f, "expected": str(e), "actual": str(a)} for f, e, a in differences]})
        elif p.status == PayoutStatus.CONFIRMED:
            report.already.append(p.pk)
        else:
            to_confirm.append(p.pk)
    if to_confirm:
        Payout.objects.filter(pk__in=to_confirm).update(status=PayoutStatus.CONFIRMED, confirmed_at=timezone.now())
    report.confirmed = sorted(to_confirm)
    days = [d for d in (_parse(st.header.get("ДатаНачала")), _parse(st.header.get("ДатаКонца"))) if d]
    if len(days) == 2:
        report.not_in_statement = sorted(
            Payout.objects.filter(status=PayoutStatus.EXPORTED, order_date__range=days).exclude(pk__in=seen)
            .values_list("pk", flat=True))
    return report


def _parse(text: str | None) -> date | None:
    from datetime import datetime

    try:
        return datetime.strptime((text or "").strip(), DATE).date()
    except ValueError:
        return None


# --- what principals see --------------------------------------------------------------------------


def payout_list(*, principal_id: int, date_from: date | None = None, date_to: date | None = None):
    """A principal's payouts, newest first (one query)."""
    qs = Payout.objects.filter(principal_id=principal_id)
    if date_from:
        qs = qs.filter(business_day__gte=date_from)
    if date_to:
        qs = qs.filter(business_day__lte=date_to)
    return qs.order_by("-business_day", "-pk")


def payout_register(*, payout_id: int, principal_id: int, fmt: str = "xlsx") -> tuple[str, bytes]:
    """The register of an exported payout, as (file name, bytes); only the payout's own principal gets it."""
    payout = Payout.objects.filter(pk=payout_id, principal_id=principal_id).first()
    key = getattr(payout, f"register_{fmt}_key", "") if payout and fmt in ("xlsx", "csv") else ""
    if not key:
        raise _error("payout_id", _("Реестр не найден."), ErrorCode.NOT_FOUND)
    name = f"reestr_{payout.business_day:%Y%m%d}_{payout.order_number or payout.pk}.{fmt}"
    return name, storage.get(key)
