"""Bank payment registries: the whole file posted at once, or nothing of it.

``registry_import`` takes a registry file in one of the layouts of ``billing_core.registry_formats``:

1. The file's SHA-256 names the import (``RegistryImport.sha256`` is unique): the same file again
   returns the import already made and posts nothing. An import left ``staged`` by a crash is
   run again; a rejected one is run again only with another layout (it posted nothing).
2. The file is parsed (``parse_registry``) and its ``mode`` says what follows, like a principal's imports
   (``tenants.billing.imports``). ``validate``: nothing is posted; the import is ``validated`` with every error
   (the same file sent later in a posting mode is read again). ``all_or_nothing`` (the default): any error
   rejects the whole file, every error kept with its line, field, message and code, and nothing is posted.
   ``good_rows``: the readable lines are posted and each bad line is listed on the posted import; an error of
   the file as a whole (its encoding, a missing or contradicting totals line, no payment at all) still rejects
   it whole. Either way a line is posted whole or not at all, and never half of a file's good lines.
3. Otherwise, in one database transaction: the rows are copied (COPY) into a temporary staging
   table; matched set-based, in ``payment_match``'s order (ЕЛС, then ИПД, then one principal's
   personal account number, several households → ambiguous); inserted into ``payments_payment``
   with ``ON CONFLICT (source, external_id) DO NOTHING``, so a payment already recorded by another
   file or channel is not posted twice; and posted to the agent's ledger as one transaction for
   the whole import (Dr agent.cash / Cr agent.unallocated for what was actually inserted, key
   ``registry:<import id>``). A crash anywhere rolls all of it back, and running the import again
   finishes it.

The set-based matcher (``match_staged``) is shared with the 1C statement intake (``statements``),
which stages its documents the same way with several candidate references each.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.payments.ledger_accounts import CASH, UNALLOCATED, agent_ledger_ensure
from agency.payments.models import Channel, ImportMode, ImportStatus, RegistryImport
from billing_core.error_codes import ErrorCode
from billing_core.registry_formats import PRESETS, ParsedRegistry, RegistryLayout, parse_registry
from tenants.ledger.services import Leg, transaction_post
from tenants.schemas import CHUNK, active_principals


class Phase:
    QUEUED = "queued"
    PARSING = "parsing"
    POSTING = "posting"
    DONE = "done"


@dataclass(frozen=True)
class StagedRow:
    """One payment to stage: ``refs`` are the references to match it by, strongest first."""

    external_id: str
    amount: Decimal
    paid_on: date
    refs: tuple[str, ...]
    payer_ref: str = ""
    payer_name: str = ""
    purpose: str = ""


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def layout_get(layout_name: str) -> RegistryLayout:
    layout = PRESETS.get(layout_name)
    if layout is None:
        raise ValidationError({"layout": ValidationError(
            _("Неизвестный формат реестра «%(name)s».") % {"name": layout_name}, code=ErrorCode.NOT_FOUND)})
    return layout


def mode_check(mode: str) -> str:
    if mode not in ImportMode.values:
        raise ValidationError({"mode": ValidationError(_("Неизвестный режим загрузки."), code=ErrorCode.INVALID)})
    return mode


def import_row_ensure(*, kind: str, layout: str, filename: str, sha256: str, user=None,
                      file_key: str = "", phase: str = "",
                      mode: str = ImportMode.ALL_OR_NOTHING) -> tuple[RegistryImport, bool]:
    """The import of this file: created once per content (a concurrent twin gets the same row)."""
    imp, created = RegistryImport.objects.get_or_create(sha256=sha256, defaults={
        "kind": kind, "layout": layout, "filename": filename[:255], "created_by": user, "file_key": file_key,
        "phase": phase, "mode": mode})
    return imp, created


def phase_set(import_id: int, phase: str) -> None:
    """Progress of a staged import, visible to others at once (outside the posting transaction)."""
    RegistryImport.objects.filter(pk=import_id, status=ImportStatus.STAGED).update(phase=phase)


def reject(import_id: int, errors: list[dict], *, rows_total: int = 0) -> RegistryImport:
    """Refuse a staged import whole: its errors are kept, nothing is posted."""
    RegistryImport.objects.filter(pk=import_id, status=ImportStatus.STAGED).update(
        status=ImportStatus.REJECTED, errors=errors, rows_total=rows_total, phase=Phase.DONE,
        finished_at=timezone.now())
    return RegistryImport.objects.get(pk=import_id)


def queue_refused(import_id: int, message: str) -> RegistryImport:
    """A background import the broker refused: rejected with the reason, having posted nothing; the same file
    uploaded again is staged and queued again (``registry_import_ensure``)."""
    return reject(import_id, [{"line": 0, "field": "", "message": message, "code": ErrorCode.QUEUE_UNAVAILABLE.value}])


def _refused_by_queue(imp: RegistryImport) -> bool:
    return bool(imp.errors) and all(e.get("code") == ErrorCode.QUEUE_UNAVAILABLE for e in imp.errors)


def registry_import_ensure(*, data: bytes, filename: str, layout: RegistryLayout, user=None, file_key: str = "",
                           phase: str = "", sha256: str = "", mode: str = ImportMode.ALL_OR_NOTHING) -> RegistryImport:
    """The import of this registry file in this layout and mode: found or created, and a finished one that posted
    nothing reset when asked otherwise.

    A file refused in another layout or mode, or only validated, posted nothing, so it is staged again (its errors
    dropped); so is one the broker refused to queue (``queue_refused``). A posted file stays posted.
    The background path passes the file's storage ``file_key`` (kept on a row that has none) and ``phase``
    (``queued``: set on a new row and on a reset one); ``sha256`` saves hashing ``data`` again.
    """
    mode_check(mode)
    imp, _created = import_row_ensure(kind="registry", layout=layout.name, filename=filename,
                                      sha256=sha256 or file_sha256(data), user=user, file_key=file_key, phase=phase,
                                      mode=mode)
    row = RegistryImport.objects.filter(pk=imp.pk)
    changes: dict = {}
    if file_key and not imp.file_key:
        changes["file_key"] = file_key
    if imp.status in (ImportStatus.REJECTED, ImportStatus.VALIDATED) and imp.kind == "registry" and (
        imp.layout != layout.name or imp.mode != mode or _refused_by_queue(imp)
    ):
        # the file was refused or validated in another layout or mode, or never queued, and posted nothing: read it
        # again
        row = row.filter(status=imp.status)
        changes.update(status=ImportStatus.STAGED, layout=layout.name, mode=mode, errors=[], summary={},
                       finished_at=None)
        if phase:
            changes["phase"] = phase
    if changes:
        row.update(**changes)
        imp.refresh_from_db()
    return imp


def registry_import(*, data: bytes, filename: str, layout_name: str, user=None,
                    mode: str = ImportMode.ALL_OR_NOTHING) -> RegistryImport:
    """Import a bank registry file now in ``mode`` (see the module docstring); returns its ``RegistryImport``."""
    imp = registry_import_ensure(data=data, filename=filename, layout=layout_get(layout_name), user=user, mode=mode)
    return registry_import_run(import_id=imp.pk, data=data)


def registry_import_run(*, import_id: int, data: bytes | None = None, timings: dict | None = None) -> RegistryImport:
    """Parse and post a staged registry import (a finished one is returned as it is).

    ``timings`` (optional) receives the seconds each step took: parse, stage, match, insert, ledger.
    """
    imp = RegistryImport.objects.get(pk=import_id)
    if imp.status != ImportStatus.STAGED:
        return imp
    if data is None:
        from agency.documents import storage

        data = storage.get(imp.file_key)
    if file_sha256(data) != imp.sha256:
        raise ValidationError({"file": ValidationError(_("Файл не совпадает с загруженным."),
                                                       code=ErrorCode.INVALID)})
    layout = layout_get(imp.layout)
    phase_set(imp.pk, Phase.PARSING)
    started = time.perf_counter()
    parsed = parse_registry(data, layout, source=layout.name)
    if timings is not None:
        timings["parse"] = time.perf_counter() - started
    errors = [e.as_dict() for e in parsed.errors]
    bad_lines = {e.line for e in parsed.errors if not _whole_file(e)}
    if imp.mode == ImportMode.VALIDATE:
        return _validated(imp.pk, errors, good=len(parsed.rows), bad=len(bad_lines))
    if not parsed.ok and (imp.mode != ImportMode.GOOD_ROWS or any(_whole_file(e) for e in parsed.errors)
                          or not parsed.rows):
        return reject(imp.pk, errors, rows_total=len(parsed.rows))
    phase_set(imp.pk, Phase.POSTING)
    return post_staged(import_id=imp.pk, channel=Channel.BANK_REGISTRY, source=layout.name,
                       rows=registry_rows(parsed), rows_total=len(parsed.rows) + len(bad_lines),
                       amount_total=parsed.amount_sum, timings=timings, errors=errors, rejected=len(bad_lines))


def _whole_file(error) -> bool:
    """An error of the file as a whole (no line, or its totals line), which no choice of lines can mend."""
    return error.line is None or error.field.startswith("totals") or error.code in (
        ErrorCode.REGISTRY_TOTALS_MISSING, ErrorCode.REGISTRY_TOTALS_MISMATCH, ErrorCode.REGISTRY_AFTER_TOTALS)


def _validated(import_id: int, errors: list[dict], *, good: int, bad: int) -> RegistryImport:
    """A file only checked: its errors are kept, nothing is posted."""
    RegistryImport.objects.filter(pk=import_id, status=ImportStatus.STAGED).update(
        status=ImportStatus.VALIDATED, errors=errors, rows_total=good + bad, phase=Phase.DONE,
        summary={"good": good, "rejected": bad}, finished_at=timezone.now())
    return RegistryImport.objects.get(pk=import_id)


def registry_rows(parsed: ParsedRegistry):
    """The parsed rows as payments to stage (a generator: a million rows are not copied twice)."""
    for row in parsed.rows:
        refs = tuple(r for r in (row.account, row.payment_document_id) if r)
        purpose = " ".join(p for p in (
            _("за %(period)s") % {"period": f"{row.period:%m.%Y}"} if row.period else "", row.address) if p)
        yield StagedRow(external_id=row.key, amount=row.amount, paid_on=row.date, refs=refs,
                        payer_ref=refs[0] if refs else "", payer_name=row.payer_name, purpose=purpose)


# --- staging and set-based matching ------------------------------------------------------------


def stage_create(cursor) -> None:
    """Temporary tables of the current transaction (dropped first: a test may stage twice in one)."""
    cursor.execute("DROP TABLE IF EXISTS intake_stage, intake_ref, intake_pending, intake_account")
    cursor.execute(
        "CREATE TEMP TABLE intake_stage (id integer PRIMARY KEY, external_id text NOT NULL, amount numeric(14, 2) NOT "
        "NULL, paid_on date NOT NULL, payer_ref text NOT NULL, payer_name text NOT NULL, purpose text NOT NULL, "
        "status text, ua bigint, epd bigint, note text NOT NULL DEFAULT '') ON COMMIT DROP"
    )
    cursor.execute("CREATE TEMP TABLE intake_ref (id integer NOT NULL, ref text NOT NULL) ON COMMIT DROP")


def stage_copy(cursor, rows) -> tuple[int, Decimal]:
    """COPY the rows into the staging tables; returns how many and their sum."""
    count, total = 0, Decimal("0.00")
    refs: list[tuple[int, str]] = []
    with cursor.copy("COPY intake_stage (id, external_id, amount, paid_on, payer_ref, payer_name, purpose) "
                     "FROM STDIN") as copy:
        for n, row in enumerate(rows, start=1):
            copy.write_row((n, row.external_id, row.amount, row.paid_on, row.payer_ref, row.payer_name,
                            row.purpose))
            refs.extend((n, ref) for ref in row.refs)
            count += 1
            total += row.amount
    with cursor.copy("COPY intake_ref (id, ref) FROM STDIN") as copy:
        for item in refs:
            copy.write_row(item)
    cursor.execute("ANALYZE intake_stage")
    cursor.execute("ANALYZE intake_ref")
    return count, total


def _match_update(cursor, candidates: str, ambiguous_note: str) -> None:
    """Rows still unmatched that ``candidates`` (id, household, document, ref) finds: one household → matched."""
    cursor.execute(
        "UPDATE intake_stage s SET "  # noqa: S608 — the candidates are this module's fixed SQL
        "status = CASE WHEN m.n = 1 THEN 'matched' ELSE 'ambiguous' END, "
        "ua = CASE WHEN m.n = 1 THEN m.ua END, epd = CASE WHEN m.n = 1 THEN m.epd END, "
        "payer_ref = CASE WHEN s.payer_ref = '' THEN m.ref ELSE s.payer_ref END, "
        "note = CASE WHEN m.n = 1 THEN '' ELSE replace(%s, '{ref}', m.ref) END "
        "FROM (SELECT c.id, count(DISTINCT c.ua) AS n, min(c.ua) AS ua, "
        "             (array_agg(c.epd ORDER BY c.month DESC NULLS LAST, c.epd DESC))[1] AS epd, min(c.ref) AS ref "
        f"      FROM ({candidates}) c JOIN intake_stage s2 ON s2.id = c.id AND s2.status IS NULL GROUP BY c.id) m "
        "WHERE s.id = m.id AND s.status IS NULL",
        [ambiguous_note],
    )


def match_staged(cursor) -> None:
    """Match every staged row by its references, in ``payment_match``'s order; set-based throughout.

    ЕЛС (``registry_unifiedaccount``), then ИПД (``documents_epd``), then the personal account numbers
    of every active principal, gathered by one ``UNION ALL`` over their schemas (in chunks) for only
    the references still unmatched. Exactly one household → matched; several → ambiguous; none →
    unmatched. A matched row without a document gets the household's current ЕПД (latest month).
    """
    ambiguous = _("Номер %(ref)s указывает на несколько домохозяйств.") % {"ref": "{ref}"}
    _match_update(cursor, "SELECT r.id, u.id AS ua, NULL::bigint AS epd, NULL::date AS month, r.ref FROM intake_ref r "
                          "JOIN registry_unifiedaccount u ON u.number = r.ref", ambiguous)
    _match_update(cursor, "SELECT r.id, e.unified_account_id AS ua, e.id AS epd, e.month, r.ref FROM intake_ref r "
                          "JOIN documents_epd e ON e.ipd = r.ref", ambiguous)

    cursor.execute(
        "CREATE TEMP TABLE intake_pending ON COMMIT DROP AS SELECT DISTINCT r.ref FROM intake_ref r "
        "JOIN intake_stage s ON s.id = r.id WHERE s.status IS NULL"
    )
    cursor.execute("CREATE TEMP TABLE intake_account (number text NOT NULL, ua bigint NOT NULL) ON COMMIT DROP")
    cursor.execute("SELECT count(*) FROM intake_pending")
    if cursor.fetchone()[0]:
        cursor.execute("ANALYZE intake_pending")
        schemas = [p.schema_name for p in active_principals()]
        quote = connection.ops.quote_name
        for start in range(0, len(schemas), CHUNK):
            union = " UNION ALL ".join(
                f"SELECT a.number, a.unified_account_id FROM {quote(s)}.billing_personalaccount a "  # noqa: S608
                "WHERE a.unified_account_id IS NOT NULL AND a.number IN (SELECT ref FROM intake_pending)"
                for s in schemas[start:start + CHUNK]
            )
            cursor.execute(f"INSERT INTO intake_account (number, ua) {union}")
        _match_update(cursor, "SELECT r.id, a.ua, NULL::bigint AS epd, NULL::date AS month, r.ref FROM intake_ref r "
                              "JOIN intake_account a ON a.number = r.ref",
                      _("Лицевой счёт %(ref)s найден у нескольких домохозяйств.") % {"ref": "{ref}"})

    cursor.execute("ANALYZE intake_stage")  # the statuses just set: without fresh statistics this join crawls
    cursor.execute(
        "UPDATE intake_stage s SET epd = d.id FROM ("
        "  SELECT DISTINCT ON (e.unified_account_id) e.unified_account_id, e.id FROM documents_epd e "
        "  WHERE e.is_current AND e.unified_account_id IN (SELECT ua FROM intake_stage WHERE status = 'matched' "
        "  AND epd IS NULL) ORDER BY e.unified_account_id, e.month DESC) d "
        "WHERE s.status = 'matched' AND s.epd IS NULL AND s.ua = d.unified_account_id"
    )
    cursor.execute(
        "UPDATE intake_stage SET status = 'unmatched', "
        "note = CASE WHEN payer_ref = '' THEN %s ELSE replace(%s, '{ref}', payer_ref) END WHERE status IS NULL",
        [_("В платеже нет номера счёта."), _("Счёт %(ref)s не найден.") % {"ref": "{ref}"}],
    )


def insert_payments(cursor, *, channel: str, source: str, import_id: int) -> dict[str, tuple[int, Decimal]]:
    """INSERT the staged rows as payments, skipping identities already recorded; per status: (count, sum)."""
    cursor.execute(
        "WITH ins AS ("
        "  INSERT INTO payments_payment (channel, source, external_id, amount, paid_on, received_at, payer_ref, "
        "    payer_name, purpose, unified_account_id, epd_id, registry_import_id, cash_shift_id, status, match_note, "
        "    resolved_by_id, resolved_at) "
        "  SELECT %s, %s, s.external_id, s.amount, s.paid_on, now(), left(s.payer_ref, 60), left(s.payer_name, 200), "
        "    left(s.purpose, 500), s.ua, s.epd, %s, NULL, s.status, left(s.note, 300), NULL, NULL "
        "  FROM intake_stage s ORDER BY s.id "
        "  ON CONFLICT (source, external_id) DO NOTHING RETURNING status, amount, paid_on) "
        "SELECT status, count(*), COALESCE(sum(amount), 0), max(paid_on) FROM ins GROUP BY status",
        [channel, source, import_id],
    )
    return {status: (n, total, last) for status, n, total, last in cursor.fetchall()}


def post_staged(*, import_id: int, channel: str, source: str, rows, rows_total: int,
                amount_total: Decimal, timings: dict | None = None, errors: list[dict] | None = None,
                rejected: int = 0) -> RegistryImport:
    """Stage, match, insert and post in one transaction; the import row is locked throughout.

    ``errors`` and ``rejected``: the bad lines of a file posted in ``good_rows`` mode, kept on the import."""
    timings = {} if timings is None else timings
    clock = [time.perf_counter()]

    def lap(step: str) -> None:
        now = time.perf_counter()
        timings[step] = now - clock[0]
        clock[0] = now

    with transaction.atomic():
        imp = RegistryImport.objects.select_for_update().get(pk=import_id)
        if imp.status != ImportStatus.STAGED:  # a twin finished it while we parsed
            return imp
        with connection.cursor() as cursor:
            stage_create(cursor)
            stage_copy(cursor, rows)
            lap("stage")
            match_staged(cursor)
            lap("match")
            by_status = insert_payments(cursor, channel=channel, source=source, import_id=imp.pk)
            lap("insert")
        posted = sum(n for n, _total, _last in by_status.values())
        amount = sum((total for _n, total, _last in by_status.values()), Decimal("0.00"))
        if amount:
            agent_ledger_ensure()
            transaction_post(
                kind="registry_received", key=f"registry:{imp.pk}",
                occurred_on=max(last for _n, _total, last in by_status.values()),
                memo=_("Поступления по файлу %(name)s") % {"name": imp.filename},
                legs=[Leg(CASH, amount, f"registry:{imp.pk}"), Leg(UNALLOCATED, -amount, f"registry:{imp.pk}")],
            )
        imp.status = ImportStatus.POSTED
        imp.phase = Phase.DONE
        imp.rows_total = rows_total
        imp.rows_posted = posted
        imp.amount_total = amount_total
        imp.amount_posted = amount
        imp.summary = {status: by_status.get(status, (0,))[0] for status in ("matched", "ambiguous", "unmatched")}
        imp.summary["duplicates"] = rows_total - rejected - posted
        if rejected:
            imp.summary["rejected"] = rejected
        imp.errors = errors or []
        imp.finished_at = timezone.now()
        imp.save(update_fields=["status", "phase", "rows_total", "rows_posted", "amount_total", "amount_posted",
                                "summary", "errors", "finished_at"])
    lap("ledger")  # with the commit
    return imp
