"""ЕПД assembly: each principal's blocks gathered set-based, then one document per ЕЛС.

Two steps, both plain SQL inside PostgreSQL (no ORM call per row):

1. ``gather_principal``: for one principal, one ``INSERT … SELECT`` reads its schema (accounts,
   balances, charges, recalculations, meters and readings, norms) and writes one staging row per
   (ЕЛС, principal) into ``documents_epdstaging``: the payee block of the 43/пр form built as
   jsonb, plus its money columns. Bad input is written as ``RunIssue`` rows by account in the same
   transaction, and the rest goes on. The principal's staging rows are replaced, so gathering twice
   gives the same rows.
2. ``assemble_slice``: the run's ЕЛС are split into disjoint id ranges (``EpdAssemblySlice``, one per
   worker, assembled in parallel); per chunk of a slice (one transaction each, resumable from the
   slice's ``through``), staging rows are grouped per ЕЛС, joined to the registry for payer and
   address, turned into the document content (the contract in the ``documents`` package), hashed in SQL, and written as
   a new ``Epd`` version only where the current version's hash differs; the old version stays,
   no longer current. Each new version gets its ``EpdPayee`` rows.

Which periods are issued: a principal's charges count once its period for the month is POSTED.
A period that is calculated but not posted is reported (``EPD_PERIOD_NOT_POSTED``) and left out,
unless the run was started with ``include_unposted`` (documents before closing, or a proof run:
this is how a recalculation booked into the still-open month reaches a new version). Any other
status (open, running, failed, none) is reported as ``PERIOD_NOT_CALCULATED``.

``content_sha256`` is the sha256 of the document's JSON text as assembled, *without* the keys that
belong to one version (``ipd`` and ``version``): the text is built deterministically (payee blocks
as canonical jsonb text, header keys in a fixed order), so equal data gives an equal hash across
versions and runs. The text is parsed into jsonb only for a document that changed.
``paid`` is the period's ``Balance.paid``: every payment (agent allocation or the principal's own receipt) the
charge run counted in the period — those dated up to its end that no earlier period counted, a late one of an
earlier month included — so the next month's document shows the payments since the last one, each once.
``last_payment_date`` is the latest receipt dated up to the period's end.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from agency.documents.models import EpdAssemblySlice, EpdRun
from billing_core.error_codes import ErrorCode
from billing_core.periods import require_month_start
from tenants.billing.charge_run import month_bounds
from tenants.billing.models import PeriodStatus, RecalculationReason
from tenants.models import CONTACT_FIELDS, AgencyContract, Principal, PrincipalKind, QrMode
from tenants.regulations.selectors import payment_due_date

# ИПД: ГИС ЖКХ assigns its own identifiers; its exact format is not confirmed here [check], so the
# pattern is a setting (``EPD_IPD_FORMAT``). Fields: els, mm, yy, yyyy, version (format spec "02d" etc.).
IPD_FORMAT_DEFAULT = "{els}-{mm}{yy}-{version:02d}"
CHUNK_DEFAULT = 20_000  # ЕЛС per assembly transaction
BANK_FIELDS = ("inn", "bank_name", "bic", "settlement_account", "correspondent_account")
FORM_SCHEMA = 1


@dataclass
class GatherResult:
    principal_id: int
    blocks: int = 0
    issues: int = 0
    skipped: str = ""  # an issue code when the principal's blocks were all left out


@dataclass
class AssembleResult:
    documents: int = 0  # documents of the run's scope (new or unchanged)
    written: int = 0  # new versions
    issues: int = 0
    chunks: int = 0
    details: list = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def ipd_sql(template: str | None = None) -> tuple[str, dict]:
    """The ИПД pattern as a SQL expression over ``c.els``, ``c.version`` and the ``%(month)s`` parameter.

    Returns the expression and the named parameters of its literal pieces.
    """
    template = template or getattr(settings, "EPD_IPD_FORMAT", IPD_FORMAT_DEFAULT)
    fields = {
        "els": "c.els",
        "mm": "to_char(%(month)s::date, 'MM')",
        "yy": "to_char(%(month)s::date, 'YY')",
        "yyyy": "to_char(%(month)s::date, 'YYYY')",
        "version": "c.version",
    }
    parts: list[str] = []
    params: dict[str, str] = {}
    for literal, name, spec, _conv in string.Formatter().parse(template):
        if literal:
            key = f"ipd_{len(params)}"
            parts.append(f"%({key})s::text")
            params[key] = literal
        if name is None:
            continue
        if name not in fields:
            raise ValueError(f"EPD_IPD_FORMAT: unknown field {name!r}")
        expr = fields[name]
        if spec:
            if not (spec.endswith("d") and spec[1:-1].isdigit() and spec.startswith("0")):
                raise ValueError(f"EPD_IPD_FORMAT: only zero-padded widths like 02d are supported, not {spec!r}")
            expr = f"lpad(({expr})::text, {int(spec[1:-1])}, '0')"
        parts.append(f"({expr})::text")
    return ("concat(" + ", ".join(parts) + ")" if parts else "''"), params


def _issue_sql_values() -> str:
    return "(run_id, principal_id, unified_account_id, account_number, code, message, created_at)"


def _requisites_json(p: Principal) -> dict:
    return {
        "name": p.short_name, "inn": p.inn, "kpp": p.kpp, "bank_name": p.bank_name, "bic": p.bic,
        "account": p.settlement_account, "corr_account": p.correspondent_account,
    }


def _contacts_json(p: Principal) -> dict:
    """The executor's contacts every ЕПД prints (ПП 354 п.69 «а»): address, phone, e-mail, website, hours."""
    return {name: (getattr(p, name) or "").strip() for name in CONTACT_FIELDS}


def agent_requisites() -> dict:
    agent = Principal.objects.filter(kind=PrincipalKind.AGENT).order_by("pk").first()
    if agent is None:
        raise RuntimeError("no agent (settlement centre) row: run agency.demo.seed.agent_tenant_ensure or the seed")
    return {**_requisites_json(agent), "contacts": _contacts_json(agent)}


def _qr_mode(principal: Principal, month: date) -> str:
    _start, end, _days = month_bounds(month)
    contract = (
        AgencyContract.objects.filter(principal=principal, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .order_by("-valid_from")
        .first()
    )
    return contract.qr_mode if contract else QrMode.PER_PAYEE


_LZ4: bool | None = None


def _fast_compression(cursor) -> None:
    """lz4 instead of pglz for this transaction's TOASTed documents, where the server has it."""
    global _LZ4
    if _LZ4 is None:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
        _LZ4 = bool(row and row[0])
    if _LZ4:
        cursor.execute("SET LOCAL default_toast_compression = 'lz4'")


def _has_bank_details(p: Principal) -> bool:
    return all((getattr(p, name) or "").strip() for name in BANK_FIELDS)


# --- step 1: one principal -------------------------------------------------------------------

_ACCOUNTS_IN_SCOPE = """
    SELECT a.id, a.number, a.unified_account_id
    FROM {s}.billing_personalaccount a
    WHERE a.unified_account_id IS NOT NULL
      AND (%(only_ua)s::bigint IS NULL OR a.unified_account_id = %(only_ua)s::bigint)
      AND a.opened_on <= %(end)s AND (a.closed_on IS NULL OR a.closed_on >= %(start)s)
"""

# Every open ЕЛС-linked account of a principal that is left out as a whole, named by account.
_ISSUE_EVERY_ACCOUNT = """
INSERT INTO documents_runissue {cols}
SELECT %(run)s, %(principal)s, a.unified_account_id, a.number, %(code)s,
       left(format(%(template)s, a.number, ua.number), 500), now()
FROM ({accounts}) a
JOIN registry_unifiedaccount ua ON ua.id = a.unified_account_id
ORDER BY a.number
"""

_ISSUE_NO_CHARGES = """
INSERT INTO documents_runissue {cols}
SELECT %(run)s, %(principal)s, a.unified_account_id, a.number, %(code)s,
       left(format(%(template)s, a.number, ua.number), 500), now()
FROM ({accounts}) a
JOIN registry_unifiedaccount ua ON ua.id = a.unified_account_id
WHERE NOT EXISTS (SELECT 1 FROM {s}.billing_charge c WHERE c.period_id = %(period)s AND c.account_id = a.id)
ORDER BY a.number
"""

# Two or more of this principal's accounts with balances in one ЕЛС: the document has one block a payee.
_ISSUE_AMBIGUOUS = """
INSERT INTO documents_runissue {cols}
SELECT %(run)s, %(principal)s, a.unified_account_id, a.number, %(code)s,
       left(format(%(template)s, a.number, ua.number), 500), now()
FROM ({accounts}) a
JOIN registry_unifiedaccount ua ON ua.id = a.unified_account_id
WHERE a.unified_account_id IN (
    SELECT x.unified_account_id FROM ({accounts}) x
    WHERE EXISTS (SELECT 1 FROM {s}.billing_balance b WHERE b.period_id = %(period)s AND b.account_id = x.id)
    GROUP BY x.unified_account_id HAVING count(*) > 1
)
ORDER BY a.number
"""

_GATHER = """
WITH
acc AS (
    SELECT x.* FROM ({accounts}) x
    WHERE EXISTS (SELECT 1 FROM {s}.billing_balance b WHERE b.period_id = %(period)s AND b.account_id = x.id)
),
one_acc AS (  -- an ЕЛС with two accounts of this principal was reported; it gets no block from it
    SELECT acc.* FROM acc
    WHERE acc.unified_account_id IN (SELECT unified_account_id FROM acc GROUP BY 1 HAVING count(*) = 1)
),
bal AS (
    SELECT b.account_id,
           SUM(b.opening) AS opening, SUM(b.paid) AS paid, SUM(b.charged) AS charged,
           SUM(b.recalculated) AS recalculated, SUM(b.benefits) AS benefits, SUM(b.penalties) AS penalties,
           SUM(b.closing) AS closing
    FROM {s}.billing_balance b
    JOIN one_acc a ON a.id = b.account_id
    WHERE b.period_id = %(period)s
    GROUP BY b.account_id
),
norm AS (
    SELECT DISTINCT ON (n.service_id) n.service_id, n.value, n.uplift_coefficient
    FROM {s}.billing_norm n
    WHERE n.valid_from <= %(end)s AND (n.valid_to IS NULL OR n.valid_to >= %(end)s)
    ORDER BY n.service_id, n.valid_from DESC
),
working_meter AS (  -- as the charge run sees them: a norm without a working meter carries the uplift
    SELECT DISTINCT m.account_id, m.service_id
    FROM {s}.billing_meter m
    JOIN one_acc a ON a.id = m.account_id
    WHERE m.installed_on <= %(end)s AND (m.archived_at IS NULL OR m.archived_at > %(end)s)
      AND m.verified_until >= %(start)s
),
lines AS (
    SELECT b.account_id,
           json_agg(json_build_object(
               'service', sv.name, 'service_code', sv.code, 'unit', sv.unit, 'method', c.method,
               'quantity', c.quantity::numeric(18, 4)::text, 'rate', c.rate::numeric(20, 6)::text,
               'uplift', CASE WHEN c.method = 'norm' AND wm.account_id IS NULL
                              THEN nm.uplift_coefficient::numeric(8, 3)::text END,
               -- with a coefficient above 1: the volume by the norm, its charge and the increase (uplift_split)
               'norm_quantity', ul.volume::numeric(18, 4)::text,
               'base_amount', ul.base::numeric(14, 2)::text,
               'uplift_amount', (b.charged - ul.base)::numeric(14, 2)::text,
               'charged', b.charged::numeric(14, 2)::text,
               'recalculated', b.recalculated::numeric(14, 2)::text,
               'benefits', b.benefits::numeric(14, 2)::text,
               'penalties', b.penalties::numeric(14, 2)::text,
               'total', (b.charged + b.recalculated - b.benefits + b.penalties)::numeric(14, 2)::text
           ) ORDER BY sv.sort_order, sv.id) AS items
    FROM {s}.billing_balance b
    JOIN one_acc a ON a.id = b.account_id
    JOIN {s}.billing_service sv ON sv.id = b.service_id
    LEFT JOIN {s}.billing_charge c
           ON c.period_id = b.period_id AND c.account_id = b.account_id AND c.service_id = b.service_id
    LEFT JOIN norm nm ON nm.service_id = b.service_id
    LEFT JOIN working_meter wm ON wm.account_id = b.account_id AND wm.service_id = b.service_id
    LEFT JOIN LATERAL (  -- billing_core.tariffs.uplift_split, the same rule in SQL (round: half away from zero)
        SELECT v.volume, CASE WHEN round(c.quantity * c.rate, 2) = b.charged THEN round(v.volume * c.rate, 2)
                              ELSE round(b.charged / nm.uplift_coefficient, 2) END AS base
        FROM (SELECT round(c.quantity / nm.uplift_coefficient, 4) AS volume) v
        WHERE c.method = 'norm' AND wm.account_id IS NULL AND nm.uplift_coefficient > 1
    ) ul ON TRUE
    WHERE b.period_id = %(period)s
      AND (c.id IS NOT NULL OR b.charged <> 0 OR b.recalculated <> 0 OR b.benefits <> 0 OR b.penalties <> 0)
    GROUP BY b.account_id
),
recalcs AS (
    SELECT r.account_id,
           json_agg(json_build_object(
               'service', sv.name, 'reason', COALESCE(%(reasons)s::jsonb ->> r.reason, r.reason),
               'comment', r.comment, 'amount', r.amount::numeric(14, 2)::text
           ) ORDER BY r.corrected_month, sv.sort_order, r.id) AS items
    FROM {s}.billing_recalculation r
    JOIN one_acc a ON a.id = r.account_id
    JOIN {s}.billing_service sv ON sv.id = r.service_id
    WHERE r.period_id = %(period)s
    GROUP BY r.account_id
),
meters AS (
    SELECT m.account_id,
           json_agg(json_build_object(
               'service', sv.name, 'serial', m.serial, 'zone', cur.zone,
               'previous', prev.value::numeric(18, 4)::text, 'current', cur.value::numeric(18, 4)::text
           ) ORDER BY sv.sort_order, m.serial, cur.zone) AS items
    FROM {s}.billing_meter m
    JOIN one_acc a ON a.id = m.account_id
    JOIN {s}.billing_service sv ON sv.id = m.service_id
    JOIN {s}.billing_reading cur ON cur.meter_id = m.id AND cur.period = %(start)s
    LEFT JOIN LATERAL (
        SELECT p.value FROM {s}.billing_reading p
        WHERE p.meter_id = m.id AND p.zone = cur.zone AND p.period < %(start)s
        ORDER BY p.period DESC LIMIT 1
    ) prev ON TRUE
    GROUP BY m.account_id
),
norms AS (  -- reference data (section 4): the norms in force for the services charged by volume
    SELECT c.account_id,
           json_agg(json_build_object(
               'service', sv.name, 'value', trim_scale(nm.value)::text,
               'unit', sv.unit || CASE sv.norm_basis WHEN 'area' THEN %(per_m2)s ELSE %(per_person)s END
           ) ORDER BY sv.sort_order, sv.id) AS items
    FROM {s}.billing_charge c
    JOIN one_acc a ON a.id = c.account_id
    JOIN {s}.billing_service sv ON sv.id = c.service_id
    JOIN norm nm ON nm.service_id = c.service_id
    WHERE c.period_id = %(period)s AND c.method IN ('meter', 'average', 'norm')
    GROUP BY c.account_id
),
common_property AS (  -- СОИ: per common-property line, the house's collective-meter and common volumes
    SELECT c.account_id,
           json_agg(json_build_object(
               'service', sv.name, 'unit', sv.unit, 'method', c.method,
               'house_volume', hv.collective_volume::numeric(18, 4)::text,
               'common_volume', hv.common_volume::numeric(18, 4)::text,
               'premise_volume', c.quantity::numeric(18, 4)::text,
               'charged', c.amount::numeric(14, 2)::text
           ) ORDER BY sv.sort_order, sv.id) AS items
    FROM {s}.billing_charge c
    JOIN one_acc a ON a.id = c.account_id
    JOIN {s}.billing_service sv ON sv.id = c.service_id AND sv.common_property_of_id IS NOT NULL
    JOIN {s}.billing_personalaccount pa ON pa.id = c.account_id
    JOIN registry_premise pr ON pr.id = pa.premise_id
    JOIN {s}.billing_housecommonvolume hv
      ON hv.period_id = c.period_id AND hv.house_id = pr.house_id AND hv.service_id = c.service_id
    WHERE c.period_id = %(period)s
    GROUP BY c.account_id
),
last_paid AS (  -- the date of the last payment received on the account up to the period's end
    SELECT rc.account_id, MAX(rc.paid_on) AS paid_on
    FROM {s}.receipts_receipt rc
    JOIN one_acc a ON a.id = rc.account_id
    WHERE rc.paid_on <= %(end)s AND rc.amount > 0
    GROUP BY rc.account_id
),
persons AS (
    SELECT DISTINCT ON (o.account_id) o.account_id, COALESCE(NULLIF(o.living, 0), o.registered) AS n
    FROM {s}.billing_occupancy o
    JOIN one_acc a ON a.id = o.account_id
    WHERE o.valid_from <= %(end)s AND (o.valid_to IS NULL OR o.valid_to >= %(end)s)
    ORDER BY o.account_id, o.valid_from DESC
),
warned AS (  -- the warnings of ПП 354 п.119 «а» this principal prints in this month's ЕПД (tenants.collection)
    SELECT w.account_id,
           json_agg(json_build_object(
               'service', sv.name, 'debt', w.debt::numeric(14, 2)::text,
               'norm_charge', w.norm_charge::numeric(14, 2)::text
           ) ORDER BY sv.sort_order, sv.id) AS items
    FROM {s}.collection_warning w
    JOIN one_acc a ON a.id = w.account_id
    JOIN {s}.billing_service sv ON sv.id = w.service_id
    WHERE w.month = %(start)s AND w.channel = 'epd' AND w.status IN ('issued', 'delivered')
    GROUP BY w.account_id
)
INSERT INTO documents_epdstaging
    (run_id, principal_id, unified_account_id, account_number, persons,
     opening, paid, charged, recalculated, benefits, penalties, closing, block)
SELECT %(run)s, %(principal)s, a.unified_account_id, a.number, p.n,
       bal.opening, bal.paid, bal.charged, bal.recalculated, bal.benefits, bal.penalties, bal.closing,
       json_build_object(
           'principal_id', %(principal)s::bigint, 'name', %(h_name)s::text, 'inn', %(h_inn)s::text,
           'kpp', %(h_kpp)s::text, 'bank_name', %(h_bank_name)s::text, 'bic', %(h_bic)s::text,
           'account', %(h_account)s::text, 'corr_account', %(h_corr_account)s::text, 'qr_mode', %(h_qr_mode)s::text,
           'account_number', a.number, 'contacts', %(h_contacts)s::json, 'persons', p.n,
           'opening', bal.opening::numeric(14, 2)::text,
           'paid', bal.paid::numeric(14, 2)::text,
           'charged', bal.charged::numeric(14, 2)::text,
           'recalculated', bal.recalculated::numeric(14, 2)::text,
           'benefits', bal.benefits::numeric(14, 2)::text,
           'penalties', bal.penalties::numeric(14, 2)::text,
           'closing', bal.closing::numeric(14, 2)::text,
           'amount_due', GREATEST(bal.closing, 0)::numeric(14, 2)::text,
           'debt', GREATEST(bal.opening - bal.paid, 0)::numeric(14, 2)::text,
           'advance', GREATEST(-bal.closing, 0)::numeric(14, 2)::text,
           'last_payment_date', lp.paid_on::text,
           'lines', COALESCE(l.items, '[]'::json),
           'recalculations', COALESCE(r.items, '[]'::json),
           'meters', COALESCE(m.items, '[]'::json),
           'norms', COALESCE(n.items, '[]'::json),
           'common_property', COALESCE(cp.items, '[]'::json)
       )::jsonb
       -- only a warned account's block has the key: every other document keeps its content hash
       || CASE WHEN wn.items IS NULL THEN '{{}}'::jsonb ELSE jsonb_build_object('warnings', wn.items) END
FROM one_acc a
JOIN bal ON bal.account_id = a.id
LEFT JOIN lines l ON l.account_id = a.id
LEFT JOIN recalcs r ON r.account_id = a.id
LEFT JOIN meters m ON m.account_id = a.id
LEFT JOIN norms n ON n.account_id = a.id
LEFT JOIN common_property cp ON cp.account_id = a.id
LEFT JOIN persons p ON p.account_id = a.id
LEFT JOIN last_paid lp ON lp.account_id = a.id
LEFT JOIN warned wn ON wn.account_id = a.id
"""


def _issue(cursor, sql: str, params: dict) -> int:
    cursor.execute(sql, params)
    return cursor.rowcount


@transaction.atomic
def gather_principal(*, run: EpdRun, principal: Principal) -> GatherResult:
    """Replace ``principal``'s staging rows and issues for ``run`` (one transaction); mark it gathered."""
    result = GatherResult(principal_id=principal.pk)
    month = run.month
    start, end, _days = month_bounds(month)
    s = _q(principal.schema_name)
    accounts = _ACCOUNTS_IN_SCOPE.format(s=s)
    base = {
        "run": run.pk, "principal": principal.pk, "start": start, "end": end,
        "only_ua": run.unified_account_id,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        _fast_compression(cursor)
        if run.unified_account_id is None:
            # A whole principal: every join is over all its accounts, so hash joins are right; the
            # planner, with no statistics yet on a fresh period's rows, would pick nested loops.
            cursor.execute("SET LOCAL enable_nestloop = off")
        # two copies of one principal's gather (a redelivered task) take turns, never interleave
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [run.pk % 2**31, principal.pk % 2**31])
        cursor.execute("DELETE FROM documents_epdstaging WHERE run_id = %s AND principal_id = %s",
                       [run.pk, principal.pk])
        cursor.execute("DELETE FROM documents_runissue WHERE run_id = %s AND principal_id = %s",
                       [run.pk, principal.pk])
        cursor.execute("DELETE FROM documents_epdgathered WHERE run_id = %s AND principal_id = %s",
                       [run.pk, principal.pk])
        cursor.execute(f"SELECT id, status FROM {s}.billing_billingperiod WHERE month = %s", [month])  # noqa: S608
        row = cursor.fetchone()
        period_id, status = row if row else (None, None)
        cols = _issue_sql_values()
        issuable = {PeriodStatus.POSTED} | ({PeriodStatus.CALCULATED} if run.include_unposted else set())
        mm = f"{month:%m.%Y}"

        def principal_issue(code: str, message: str) -> int:
            cursor.execute(f"SELECT EXISTS ({accounts})", base)
            if not cursor.fetchone()[0]:
                return 0  # nothing of this principal belongs on a document
            cursor.execute(
                f"INSERT INTO documents_runissue {cols} VALUES (%s, %s, NULL, '', %s, %s, now())",  # noqa: S608
                [run.pk, principal.pk, code, message[:500]],
            )
            return 1

        if status not in issuable:
            if status == PeriodStatus.CALCULATED:
                result.skipped = ErrorCode.EPD_PERIOD_NOT_POSTED
                message = _("%(p)s: период %(m)s рассчитан, но не проведён; блоки принципала не включены.")
            else:
                result.skipped = ErrorCode.PERIOD_NOT_CALCULATED
                message = _("%(p)s: период %(m)s не рассчитан; блоки принципала не включены.")
            result.issues += principal_issue(result.skipped, message % {"p": principal.short_name, "m": mm})
        elif not _has_bank_details(principal):
            result.skipped = ErrorCode.EPD_NO_BANK_DETAILS
            result.issues += _issue(cursor, _ISSUE_EVERY_ACCOUNT.format(cols=cols, accounts=accounts), {
                **base, "code": ErrorCode.EPD_NO_BANK_DETAILS,
                "template": _("Лицевой счёт %%1$s (ЕЛС %%2$s): у принципала «%(p)s» не заполнены банковские "
                              "реквизиты; его блок не включён.") % {"p": principal.short_name.replace("%", "%%")},
            })
        else:
            params = {**base, "period": period_id}
            result.issues += _issue(cursor, _ISSUE_NO_CHARGES.format(cols=cols, accounts=accounts, s=s), {
                **params, "code": ErrorCode.EPD_NO_CHARGES,
                "template": _("Лицевой счёт %%1$s (ЕЛС %%2$s): за %(m)s нет начислений.") % {"m": mm},
            })
            result.issues += _issue(cursor, _ISSUE_AMBIGUOUS.format(cols=cols, accounts=accounts, s=s), {
                **params, "code": ErrorCode.EPD_ACCOUNT_AMBIGUOUS,
                "template": _("Лицевой счёт %%1$s (ЕЛС %%2$s): у принципала «%(p)s» несколько счетов в этом ЕЛС; "
                              "его блок не включён.") % {"p": principal.short_name.replace("%", "%%")},
            })
            head = {f"h_{k}": v for k, v in _requisites_json(principal).items()}
            head["h_qr_mode"] = str(_qr_mode(principal, month))
            head["h_contacts"] = json.dumps(_contacts_json(principal), ensure_ascii=False)
            reasons = {value: str(label) for value, label in RecalculationReason.choices}
            cursor.execute(_GATHER.format(accounts=accounts, s=s), {
                **params, **head, "reasons": json.dumps(reasons, ensure_ascii=False),
                "per_m2": _("/м²"), "per_person": _("/чел."),
            })
            result.blocks = cursor.rowcount
        cursor.execute(
            "INSERT INTO documents_epdgathered (run_id, principal_id, blocks, gathered_at) VALUES (%s, %s, %s, now())",
            [run.pk, principal.pk, result.blocks],
        )
    return result


# --- step 2: documents -----------------------------------------------------------------------

_CHUNK_BOUND = """
SELECT max(u) FROM (
    SELECT DISTINCT unified_account_id AS u FROM documents_epdstaging
    WHERE run_id = %s AND unified_account_id > %s AND unified_account_id <= %s ORDER BY 1 LIMIT %s
) x
"""

# Slice bounds: the ЕЛС ids at 1/n, 2/n, … of the run's distinct staged ЕЛС.
_SLICE_BOUNDS = """
SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY u), max(u)
FROM (SELECT DISTINCT unified_account_id AS u FROM documents_epdstaging WHERE run_id = %s) x
"""

_MONEY_KEYS = ("opening", "paid", "charged", "recalculated", "benefits", "penalties", "closing")

# The document is put together as JSON text: the payees' blocks (canonical jsonb text of the
# staged blocks) spliced into the header built by json_build_object. Text is cheap; jsonb is
# parsed once, and only for a document that changed. The hash covers this text without the
# version's own keys (ipd, version): the same data always gives the same text, so the same hash.
_CHUNK_BUILD = """
CREATE TEMP TABLE epd_chunk ON COMMIT DROP AS
WITH
st AS (
    SELECT * FROM documents_epdstaging
    WHERE run_id = %(run)s AND unified_account_id > %(lo)s AND unified_account_id <= %(hi)s
),
doc AS (
    SELECT unified_account_id AS ua_id, string_agg(block::text, ', ' ORDER BY principal_id) AS payees,
           -- the header's count only when every payee charged for the same; each block carries its own
           CASE WHEN MIN(persons) = MAX(persons) THEN MAX(persons) END AS persons,
           {sums}, SUM(GREATEST(closing, 0)) AS amount_due
    FROM st GROUP BY unified_account_id
),
body AS (
    SELECT d.ua_id, ua.number AS els, ua.payer_name, h.id AS house_id, d.amount_due, d.payees,
           concat_ws(', ', NULLIF(h.postal_code, ''), NULLIF(h.region, ''), NULLIF(h.city, ''), NULLIF(h.street, ''),
                     %(house)s || h.house_number || CASE WHEN h.building <> '' THEN %(building)s || h.building
                                                    ELSE '' END,
                     CASE p.kind WHEN 'flat' THEN %(flat)s ELSE %(room)s END || p.number) AS address,
           d.persons, p.area, {totals} AS totals
    FROM doc d
    JOIN registry_unifiedaccount ua ON ua.id = d.ua_id
    JOIN registry_premise p ON p.id = ua.premise_id
    JOIN registry_house h ON h.id = p.house_id
    WHERE btrim(h.house_number) <> ''
),
content AS (
    SELECT b.*, '{{"payees": [' || b.payees || '], ' || substr(json_build_object(
        'schema', {form}, 'els', b.els, 'month', %(month_iso)s::text, 'due_date', %(due_iso)s::text,
        'payer', b.payer_name, 'address', b.address, 'area', b.area::numeric(10, 2)::text, 'persons', b.persons,
        'agent', %(agent)s::json, 'installments', '[]'::json, 'totals', b.totals
    )::text, 2) AS body
    FROM body b
),
hashed AS (
    SELECT c.*, encode(sha256(convert_to(c.body, 'UTF8')), 'hex') AS sha FROM content c
)
SELECT c.*, {ipd} AS ipd FROM (
    SELECT h.ua_id, h.els, h.payer_name, h.house_id, h.address, h.amount_due, h.body, h.sha,
           cur.current_id AS old_id, COALESCE(cur.last_version, 0) + 1 AS version
    FROM hashed h
    LEFT JOIN LATERAL (
        SELECT max(e.version) AS last_version, max(e.id) FILTER (WHERE e.is_current) AS current_id,
               max(e.content_sha256) FILTER (WHERE e.is_current) AS current_sha
        FROM documents_epd e WHERE e.unified_account_id = h.ua_id AND e.month = %(month)s
    ) cur ON TRUE
    WHERE cur.current_sha IS DISTINCT FROM h.sha
) c
"""

_CHUNK_NO_HOUSE = """
INSERT INTO documents_runissue (run_id, principal_id, unified_account_id, account_number, code, message, created_at)
SELECT %(run)s, NULL, ua.id, '', %(code)s, left(format(%(template)s, ua.number,
       concat_ws(', ', NULLIF(h.city, ''), NULLIF(h.street, ''))), 500), now()
FROM (SELECT DISTINCT unified_account_id FROM documents_epdstaging
      WHERE run_id = %(run)s AND unified_account_id > %(lo)s AND unified_account_id <= %(hi)s) st
JOIN registry_unifiedaccount ua ON ua.id = st.unified_account_id
JOIN registry_premise p ON p.id = ua.premise_id
JOIN registry_house h ON h.id = p.house_id
WHERE btrim(h.house_number) = ''
ORDER BY ua.number
"""

_CHUNK_WRITE = """
WITH ins AS (
    INSERT INTO documents_epd
        (run_id, unified_account_id, month, version, is_current, ipd, payer_name, address, house_id, due_date,
         total_due, content, content_sha256, pdf_key, pdf_rendered_at, created_at)
    SELECT %(run)s, c.ua_id, %(month)s, c.version, TRUE, c.ipd, left(c.payer_name, 200), left(c.address, 400),
           c.house_id, %(due)s, c.amount_due,
           ('{"ipd": ' || to_json(c.ipd)::text || ', "version": ' || c.version || ', ' || substr(c.body, 2))::jsonb,
           c.sha, '', NULL, now()
    FROM epd_chunk c
    ORDER BY c.ua_id
    RETURNING id, unified_account_id
)
INSERT INTO documents_epdpayee (epd_id, principal_id, account_number, amount_due, closing, block)
SELECT ins.id, st.principal_id, st.account_number, GREATEST(st.closing, 0), st.closing, st.block
FROM ins
JOIN documents_epdstaging st ON st.run_id = %(run)s AND st.unified_account_id = ins.unified_account_id
    -- the chunk's range, so the planner reads only the chunk's staged rows, not the whole run's
    -- (without it every chunk sorted all of the run's blocks: quadratic in the run's size)
    AND st.unified_account_id > %(lo)s AND st.unified_account_id <= %(hi)s
"""


def _money_sum_sql() -> tuple[str, str]:
    sums = ", ".join(f"SUM({k}) AS {k}" for k in _MONEY_KEYS)
    pairs = ", ".join(f"'{k}', d.{k}::numeric(14, 2)::text" for k in (*_MONEY_KEYS, "amount_due"))
    return sums, f"json_build_object({pairs})"


def slices_plan(*, run: EpdRun, slices: int = 1) -> list[EpdAssemblySlice]:
    """Split the run's staged ЕЛС into ``slices`` disjoint id ranges, one per worker (kept once made)."""
    existing = list(EpdAssemblySlice.objects.filter(run=run).order_by("index"))
    if existing:
        return existing
    slices = max(1, slices)
    with connection.cursor() as cursor:
        cursor.execute(_SLICE_BOUNDS, [[k / slices for k in range(1, slices)], run.pk])
        inner, top = cursor.fetchone()
    bounds = [0, *(inner or []), top or 0]
    return EpdAssemblySlice.objects.bulk_create([
        EpdAssemblySlice(run=run, index=k, lo=bounds[k], hi=max(bounds[k], bounds[k + 1]), through=bounds[k])
        for k in range(len(bounds) - 1)
    ])


def _chunk_params(run: EpdRun) -> tuple[str, dict]:
    month = require_month_start(run.month)
    due = payment_due_date(month=month)
    ipd_expr, ipd_params = ipd_sql()
    sums, totals = _money_sum_sql()
    build_sql = _CHUNK_BUILD.format(sums=sums, totals=totals, form=FORM_SCHEMA, ipd=ipd_expr)
    return build_sql, {
        **ipd_params,
        "run": run.pk, "month": month, "month_iso": month.isoformat(), "due": due, "due_iso": due.isoformat(),
        "agent": json.dumps(agent_requisites(), ensure_ascii=False), "house": _("д. "), "building": _(", корп. "),
        "flat": _("кв. "), "room": _("пом. "), "code": ErrorCode.EPD_NO_HOUSE_NUMBER,
        "template": _("ЕЛС %1$s (%2$s): у дома не указан номер; документ не сформирован."),
    }


def assemble_slice(*, run: EpdRun, index: int, chunk: int = CHUNK_DEFAULT) -> AssembleResult:
    """Write one slice's documents, chunk by chunk, from where it stopped; idempotent.

    Each chunk is one transaction that locks the slice's row (two copies of one slice's task never
    write the same chunk; other slices go on in parallel) and commits its documents with the
    slice's new resume point.
    """
    build_sql, params = _chunk_params(run)
    result = AssembleResult()
    while True:
        with transaction.atomic():
            piece = EpdAssemblySlice.objects.select_for_update().get(run=run, index=index)
            if piece.done:
                break
            lo = piece.through
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '128MB'")
                cursor.execute("SET LOCAL jit = off")
                _fast_compression(cursor)
                cursor.execute(_CHUNK_BOUND, [run.pk, lo, piece.hi, chunk])
                hi = cursor.fetchone()[0]
                if hi is None:  # nothing staged above the resume point
                    piece.through = piece.hi
                    piece.save(update_fields=["through"])
                    break
                chunk_params = {**params, "lo": lo, "hi": hi}
                cursor.execute(
                    "DELETE FROM documents_runissue WHERE run_id = %s AND code = %s AND unified_account_id IN "
                    "(SELECT unified_account_id FROM documents_epdstaging WHERE run_id = %s "
                    " AND unified_account_id > %s AND unified_account_id <= %s)",
                    [run.pk, ErrorCode.EPD_NO_HOUSE_NUMBER, run.pk, lo, hi],
                )
                cursor.execute(_CHUNK_NO_HOUSE, chunk_params)
                result.issues += cursor.rowcount
                cursor.execute(build_sql, chunk_params)
                cursor.execute("UPDATE documents_epd e SET is_current = FALSE FROM epd_chunk c WHERE e.id = c.old_id")
                cursor.execute(_CHUNK_WRITE, chunk_params)
                cursor.execute("SELECT count(*) FROM epd_chunk")
                written = cursor.fetchone()[0]
                cursor.execute("DROP TABLE epd_chunk")  # ON COMMIT DROP is for a crash; an outer transaction
            piece.through, piece.written = hi, piece.written + written
            piece.save(update_fields=["through", "written"])
            result.written += written
            result.chunks += 1
    return result


def assembly_finish(*, run: EpdRun) -> AssembleResult:
    """The run's counters once every slice is done: documents of its scope, new versions, issues."""
    result = AssembleResult()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM documents_epd e WHERE e.month = %s AND e.is_current AND e.unified_account_id IN "
            "(SELECT DISTINCT unified_account_id FROM documents_epdstaging WHERE run_id = %s)",
            [run.month, run.pk],
        )
        result.documents = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM documents_runissue WHERE run_id = %s", [run.pk])
        result.issues = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM documents_epdassemblyslice WHERE run_id = %s", [run.pk])
        result.chunks = cursor.fetchone()[0]
        # versions this run wrote, whatever restarts it had (a slice's own count starts over with it)
        cursor.execute("SELECT count(*) FROM documents_epd WHERE run_id = %s", [run.pk])
        result.written = cursor.fetchone()[0]
    EpdRun.objects.filter(pk=run.pk).update(documents_total=result.documents, documents_written=result.written,
                                            issues_count=result.issues)
    return result


def assemble(*, run: EpdRun, chunk: int = CHUNK_DEFAULT, slices: int = 1) -> AssembleResult:
    """Every slice in this process, one after the other, then the counters (tests, a reissue)."""
    for piece in slices_plan(run=run, slices=slices):
        assemble_slice(run=run, index=piece.index, chunk=chunk)
    return assembly_finish(run=run)


def staging_drop(*, run: EpdRun) -> None:
    """The run's working rows, once its documents are written."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM documents_epdstaging WHERE run_id = %s", [run.pk])
