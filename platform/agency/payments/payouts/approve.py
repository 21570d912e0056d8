"""Approving payouts (created → approved), under the four-eyes rule: whoever built a payout cannot approve it
(see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from agency.identity.permissions import AgentPerm, agent_can
from agency.payments.models import Payout, PayoutStatus
from agency.payments.payouts.common import error, ids_text
from billing_core.error_codes import ErrorCode


def operator_check(user) -> None:
    """Only the agent's staff whose role may export payouts export them."""
    if not agent_can(user, AgentPerm.PAYOUTS_EXPORT):
        raise error("user", _("Выгружать перечисления может только сотрудник агента."),
                    ErrorCode.PERMISSION_DENIED)


def _approver_check(user) -> None:
    if not agent_can(user, AgentPerm.PAYOUTS_APPROVE):
        raise error("user", _("Утверждать перечисления может только контролёр или администратор агента."),
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
        raise error("payout_ids", _("Перечисления не найдены: %(ids)s."), ErrorCode.NOT_FOUND, ids=ids_text(missing))
    wrong = [p.pk for p in payouts if p.status not in (PayoutStatus.CREATED, PayoutStatus.APPROVED)]
    if wrong:
        raise error("payout_ids", _("Утвердить можно только сформированные перечисления; уже выгружены: %(ids)s."),
                    ErrorCode.PAYOUT_STATUS, ids=ids_text(wrong))
    own = [p.pk for p in payouts if p.status == PayoutStatus.CREATED and p.built_by_id == user.pk]
    if own:
        raise error("payout_ids", _("Вы сформировали перечисления %(ids)s: утвердить их должен другой сотрудник — "
                                    "контролёр или администратор агента."), ErrorCode.FOUR_EYES, ids=ids_text(own))
    fresh = [p.pk for p in payouts if p.status == PayoutStatus.CREATED]
    if fresh:
        Payout.objects.filter(pk__in=fresh).update(status=PayoutStatus.APPROVED, approved_by=user,
                                                   approved_at=timezone.now())
    return list(Payout.objects.filter(pk__in=[p.pk for p in payouts]).order_by("pk"))


def payout_approve(*, payout_id: int, user) -> Payout:
    """An approver approves one payout (created → approved); approving it again changes nothing."""
    return payouts_approve(payout_ids=[payout_id], user=user)[0]
