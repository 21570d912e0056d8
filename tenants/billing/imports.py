"""File imports into a principal's billing: every row checked first, then all, the good rows, or nothing.

The same file loaded twice changes nothing the second time (its SHA-256 is recorded with
the loaded batch). Lookups are one query per file, loads are bulk inserts.
"""

import hashlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing_core.periods import require_month_start
from billing_core.tabular import RowError, Table, read_table
from tenants.billing.models import (
    Balance,
    BillingPeriod,
    ImportBatch,
    ImportKind,
    ImportMode,
    ImportStatus,
    PeriodStatus,
    PersonalAccount,
    Service,
)

OPENING_BALANCE_COLUMNS = {
    "account": ("лицевой счет", "лс", "номер лс", "номер лицевого счета"),
    "service": ("услуга", "код услуги"),
    "amount": ("сумма", "сальдо", "долг", "входящее сальдо"),
}


def parse_amount(text: str) -> Decimal:
    """A money cell: spaces as thousands separators and a decimal comma allowed; two places at most."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    value = Decimal(cleaned)
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise InvalidOperation
    return value


def run_import(
    *, kind: str, data: bytes, filename: str, mode: str, user, columns: dict | None = None,
    validate: Callable[[list[tuple[int, dict]]], tuple[list, list[RowError]]],
    load: Callable[[list], int], precheck: Callable[[], None] = lambda: None,
    read: Callable[[bytes], Table] | None = None,
) -> ImportBatch:
    """Check the file's rows and, as ``mode`` says, load all of them, the good ones, or none.

    ``read`` turns the bytes into the table (by default ``read_table`` with ``columns``); ``validate`` splits its
    rows into good ones and errors; ``load`` writes the good ones and answers how many it loaded. The same bytes
    loaded before (or by a concurrent request first) answer with that loaded batch.
    """
    if mode not in ImportMode.values:
        raise ValidationError({"mode": ValidationError(_("Неизвестный режим загрузки."), code="INVALID")})
    digest = hashlib.sha256(data).hexdigest()
    already = ImportBatch.objects.filter(kind=kind, sha256=digest, status=ImportStatus.LOADED).first()
    if already is not None:
        return already  # the same file again: nothing new is posted
    precheck()
    table = read(data) if read is not None else read_table(data, columns=columns)
    good, errors = validate(table.rows) if not table.errors else ([], [])
    errors = table.errors + errors
    batch = ImportBatch(kind=kind, sha256=digest, filename=filename[:255], mode=mode, encoding=table.encoding,
                        rows_total=len(table.rows), errors=[e.as_dict() for e in errors], created_by=user)
    if mode == ImportMode.VALIDATE:
        batch.status = ImportStatus.VALIDATED
        batch.save()
        return batch
    if table.errors or (errors and mode == ImportMode.ALL_OR_NOTHING) or not good:
        batch.status = ImportStatus.REJECTED
        batch.save()
        return batch
    try:
        with transaction.atomic():
            batch.rows_loaded = load(good)
            batch.status = ImportStatus.LOADED
            batch.save()
    except IntegrityError:
        # The same file loaded by a concurrent request first: its batch is the answer, ours rolled back whole.
        loaded = ImportBatch.objects.filter(kind=kind, sha256=digest, status=ImportStatus.LOADED).first()
        if loaded is None:
            raise
        return loaded
    return batch


def opening_balances_import(*, data: bytes, filename: str, month: date, mode: str, user=None) -> ImportBatch:
    """Balances carried over from the previous system, as the posted period ``month``."""
    require_month_start(month)

    def precheck() -> None:
        period = BillingPeriod.objects.filter(month=month).first()
        if period is not None and (period.status != PeriodStatus.OPEN or period.balances.exists()):
            raise ValidationError(
                {"month": ValidationError(_("Период %(month)s уже рассчитан или содержит сальдо.")
                                          % {"month": month.strftime("%m.%Y")}, code="PERIOD_POSTED")}
            )

    def validate(rows):
        numbers = {r["account"] for _line, r in rows}
        codes = {r["service"] for _line, r in rows}
        accounts = dict(PersonalAccount.objects.filter(number__in=numbers).values_list("number", "pk"))
        services = dict(Service.objects.filter(code__in=codes).values_list("code", "pk"))
        seen: dict[tuple[int, int], int] = {}
        good, errors = [], []
        for line, r in rows:
            row_errors = []
            account_id = accounts.get(r["account"])
            service_id = services.get(r["service"])
            if account_id is None:
                row_errors.append(RowError(line, "account", _("Лицевой счёт «%(v)s» не найден.") % {"v": r["account"]},
                                           "NOT_FOUND"))
            if service_id is None:
                row_errors.append(RowError(line, "service", _("Услуга «%(v)s» не найдена.") % {"v": r["service"]},
                                           "NOT_FOUND"))
            try:
                amount = parse_amount(r["amount"])
            except (InvalidOperation, ValueError):
                row_errors.append(RowError(line, "amount", _("Сумма «%(v)s» — не число с двумя знаками.")
                                           % {"v": r["amount"]}, "INVALID"))
                amount = None
            key = (account_id, service_id)
            if not row_errors and key in seen:
                row_errors.append(RowError(line, "account", _("Повтор строки %(line)s.") % {"line": seen[key]},
                                           "DUPLICATE"))
            if row_errors:
                errors.extend(row_errors)
            else:
                seen[key] = line
                good.append((account_id, service_id, amount))
        return good, errors

    def load(good) -> int:
        target, _created = BillingPeriod.objects.get_or_create(month=month)
        Balance.objects.bulk_create(
            [Balance(period=target, account_id=a, service_id=s, opening=amount, closing=amount)
             for a, s, amount in good],
            batch_size=5000,
        )
        target.status = PeriodStatus.POSTED
        target.opening_import = True
        target.save(update_fields=["status", "opening_import"])
        return len(good)

    return run_import(kind=ImportKind.OPENING_BALANCES, data=data, filename=filename, mode=mode, user=user,
                       columns=OPENING_BALANCE_COLUMNS, validate=validate, load=load, precheck=precheck)
