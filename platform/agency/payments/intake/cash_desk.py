"""The agent's cash desk: an operator's shift, the receipts taken in it, and its closing count."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.payments.intake.recording import payment_record
from agency.payments.models import CashShift, Channel, Payment
from billing_core.error_codes import ErrorCode
from billing_core.text import name_check


@transaction.atomic
def cash_shift_open(*, operator, desk: str):
    """Open the operator's shift at a desk; an already open one is returned."""
    shift = CashShift.objects.filter(operator=operator, desk=desk, closed_at__isnull=True).first()
    return shift or CashShift.objects.create(operator=operator, desk=desk)


@transaction.atomic
def cash_receipt_record(*, shift_id: int, operator, receipt_number: str, amount, payer_ref: str,
                        payer_name: str = "", paid_on: date) -> tuple[Payment, bool]:
    """A payment taken in cash: once per (desk, receipt number), only in the operator's own open shift."""
    name_check(payer_name, field="payer_name")
    shift = CashShift.objects.select_for_update().filter(pk=shift_id, operator=operator).first()
    if shift is None or shift.closed_at is not None:
        raise ValidationError({"shift": ValidationError(_("Смена не открыта."), code=ErrorCode.INVALID)})
    if not (receipt_number or "").strip():
        raise ValidationError({"receiptNumber": ValidationError(_("Укажите номер квитанции."),
                                                                code=ErrorCode.REQUIRED)})
    return payment_record(channel=Channel.CASH_DESK, source=f"desk:{shift.desk}", external_id=receipt_number.strip(),
                          amount=amount, paid_on=paid_on, payer_ref=payer_ref, payer_name=payer_name,
                          cash_shift_id=shift.pk)


@transaction.atomic
def cash_shift_close(*, shift_id: int, operator):
    """Close the shift: its count and total are fixed from the receipts taken in it."""
    shift = CashShift.objects.select_for_update().get(pk=shift_id, operator=operator)
    if shift.closed_at is None:
        totals = Payment.objects.filter(cash_shift=shift).aggregate(n=Count("pk"), total=Sum("amount"))
        shift.receipts_count = totals["n"]
        shift.total = totals["total"] or Decimal(0)
        shift.closed_at = timezone.now()
        shift.save(update_fields=["receipts_count", "total", "closed_at"])
    return shift
