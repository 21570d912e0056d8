"""What principals see of their payouts: the list, and the registers of exported ones."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from agency.documents import storage
from agency.payments.models import Payout
from agency.payments.payouts.common import error
from billing_core.error_codes import ErrorCode


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
        raise error("payout_id", _("Реестр не найден."), ErrorCode.NOT_FOUND)
    name = f"reestr_{payout.business_day:%Y%m%d}_{payout.order_number or payout.pk}.{fmt}"
    return name, storage.get(key)
