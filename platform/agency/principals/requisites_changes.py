"""Four eyes for a payee's bank requisites: a change is proposed by one person and takes effect only when a different
person whose role may confirm it (``AgentPerm.REQUISITES_CONFIRM``: an approver or the agent's admin) confirms it.

A payee's requisites are the principal's own bank details (bank, BIC, settlement and correspondent account: what
per-payee QR codes on the ЕПД pay into) and each agency contract's payout account (what payouts are sent to at
export, ``payments.payouts``). No write applies them directly: ``principal_update`` and ``agency_contract_update``
refuse those fields, the API routes them here, and ``agency_contract_create`` opens a contract on the principal's
confirmed requisites and proposes its own payout account when it differs. Until a change is confirmed the old
requisites stay in force and the pending change is listed (``requisites_change_list``); one change may be pending
per payee. The database keeps the rule too: a confirmed change's decider is never its proposer
(``requisites_change_four_eyes``). Rejecting is open to approvers and to the proposer (a withdrawal): it changes
nothing.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.identity.permissions import AgentPerm, agent_can
from agency.principals.cleaning import full_clean_coded
from billing_core.error_codes import ErrorCode
from tenants.models import AgencyContract, Principal, RequisitesChange, RequisitesChangeStatus

# the change's fields → the target's model fields
PRINCIPAL_BANK_FIELDS = {"bank_name": "bank_name", "bic": "bic", "account": "settlement_account",
                         "correspondent_account": "correspondent_account"}
CONTRACT_BANK_FIELDS = {"bank_name": "payout_bank_name", "bic": "payout_bic", "account": "payout_account",
                        "correspondent_account": "payout_correspondent_account"}


def _error(field: str, message, code: ErrorCode, **params) -> ValidationError:
    return ValidationError({field: ValidationError(message % params if params else message, code=code)})


def bank_fields_of(contract: AgencyContract | None) -> dict[str, str]:
    return CONTRACT_BANK_FIELDS if contract is not None else PRINCIPAL_BANK_FIELDS


def requisites_of(target: Principal | AgencyContract) -> dict[str, str]:
    """The target's requisites in force, keyed by the change's field names."""
    fields = bank_fields_of(target if isinstance(target, AgencyContract) else None)
    return {key: getattr(target, name) for key, name in fields.items()}


def _validated(target: Principal | AgencyContract, values: dict[str, str]) -> None:
    """The target's own validation (check digits of the accounts against the BIC) over the proposed values, on a
    copy that is never saved; errors name the target's fields, as a direct edit's would."""
    fields = bank_fields_of(target if isinstance(target, AgencyContract) else None)
    copy = type(target).objects.get(pk=target.pk)
    for key, name in fields.items():
        setattr(copy, name, values[key])
    full_clean_coded(copy, exclude=["schema_name"] if isinstance(target, Principal) else None)


def requisites_change_pending(*, principal: Principal, contract: AgencyContract | None = None
                              ) -> RequisitesChange | None:
    return RequisitesChange.objects.filter(principal=principal, contract=contract,
                                           status=RequisitesChangeStatus.PENDING).first()


@transaction.atomic
def requisites_change_propose(*, principal: Principal, user, contract: AgencyContract | None = None,
                              bank_name: str | None = None, bic: str | None = None, account: str | None = None,
                              correspondent_account: str | None = None, note: str = "") -> RequisitesChange | None:
    """Propose new requisites for the principal (``contract`` None) or a contract's payout account; fields not given
    keep their value in force. Nothing to change: None. Validated now, applied only by ``requisites_change_confirm``."""
    if not agent_can(user, AgentPerm.REQUISITES_PROPOSE):
        raise _error("user", _("Предлагать смену реквизитов может только сотрудник агента."),
                     ErrorCode.PERMISSION_DENIED)
    target = contract if contract is not None else principal
    target = type(target).objects.select_for_update().get(pk=target.pk)
    current = requisites_of(target)
    given = {"bank_name": bank_name, "bic": bic, "account": account, "correspondent_account": correspondent_account}
    values = {key: current[key] if value is None else value.strip() for key, value in given.items()}
    if values == current:
        return None
    _validated(target, values)
    pending = requisites_change_pending(principal=principal, contract=contract)
    if pending is not None:
        raise _error(bank_fields_of(contract)["account"],
                     _("Смена реквизитов уже ждёт подтверждения (предложил %(who)s): подтвердите или отклоните её."),
                     ErrorCode.REQUISITES_CHANGE_PENDING,
                     who=pending.proposed_by.full_name or pending.proposed_by.email)
    try:
        with transaction.atomic():
            return RequisitesChange.objects.create(principal=principal, contract=contract, before=current,
                                                   proposed_by=user, note=(note or "")[:500], **values)
    except IntegrityError as exc:  # a concurrent proposal for the same payee won
        raise _error(bank_fields_of(contract)["account"], _("Смена реквизитов уже ждёт подтверждения."),
                     ErrorCode.REQUISITES_CHANGE_PENDING) from exc


def _pending_locked(change_id: int) -> RequisitesChange:
    change = (RequisitesChange.objects.select_for_update().select_related("proposed_by")
              .filter(pk=change_id).first())
    if change is None:
        raise _error("id", _("Смена реквизитов не найдена."), ErrorCode.NOT_FOUND)
    if change.status != RequisitesChangeStatus.PENDING:
        raise _error("id", _("Смена реквизитов уже рассмотрена: %(status)s."), ErrorCode.REQUISITES_CHANGE_STATUS,
                     status=change.get_status_display().lower())
    return change


@transaction.atomic
def requisites_change_confirm(*, change_id: int, user) -> RequisitesChange:
    """A different person with the approver role confirms: the requisites take effect now."""
    if not agent_can(user, AgentPerm.REQUISITES_CONFIRM):
        raise _error("user", _("Подтверждать смену реквизитов может только контролёр или администратор агента."),
                     ErrorCode.PERMISSION_DENIED)
    change = _pending_locked(change_id)
    if change.proposed_by_id == user.pk:
        raise _error("id", _("Вы предложили эту смену реквизитов: подтвердить её должен другой сотрудник — контролёр "
                             "или администратор агента."), ErrorCode.FOUR_EYES)
    model = AgencyContract if change.contract_id else Principal
    target = model.objects.select_for_update().get(pk=change.contract_id or change.principal_id)
    values = {key: getattr(change, key) for key in PRINCIPAL_BANK_FIELDS}
    _validated(target, values)
    for key, name in bank_fields_of(target if change.contract_id else None).items():
        setattr(target, name, values[key])
    target.save()
    change.status = RequisitesChangeStatus.CONFIRMED
    change.decided_by = user
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    return change


@transaction.atomic
def requisites_change_reject(*, change_id: int, user, note: str = "") -> RequisitesChange:
    """An approver rejects, or the proposer withdraws: the old requisites stay in force."""
    change = _pending_locked(change_id)
    if not reject_allowed(change, user):
        raise _error("user", _("Отклонить смену реквизитов может контролёр, администратор агента или тот, кто её "
                               "предложил."), ErrorCode.PERMISSION_DENIED)
    change.status = RequisitesChangeStatus.REJECTED
    change.decided_by = user
    change.decided_at = timezone.now()
    if note:
        change.note = note[:500]
    change.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return change


def requisites_change_list(*, status: str | None = None, principal_id: int | None = None
                           ) -> QuerySet[RequisitesChange]:
    """Changes newest first, with the people and the payee (one query)."""
    qs = RequisitesChange.objects.select_related("principal", "contract", "proposed_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if principal_id is not None:
        qs = qs.filter(principal_id=principal_id)
    return qs.order_by("-pk")


def confirm_refusal(change: RequisitesChange, user) -> str | None:
    """Why ``user`` may not confirm ``change`` (a sentence for the page), or None."""
    if change.status != RequisitesChangeStatus.PENDING:
        return str(_("Смена реквизитов уже рассмотрена."))
    if not agent_can(user, AgentPerm.REQUISITES_CONFIRM):
        return str(_("Подтверждать смену реквизитов может только контролёр или администратор агента."))
    if change.proposed_by_id == user.pk:
        return str(_("Вы предложили эту смену: подтвердить её должен другой сотрудник — контролёр или "
                     "администратор агента."))
    return None


def reject_allowed(change: RequisitesChange, user) -> bool:
    """Approvers and the agent's admin reject; the proposer may withdraw their own."""
    if change.status != RequisitesChangeStatus.PENDING:
        return False
    return agent_can(user, AgentPerm.REQUISITES_CONFIRM) or (
        change.proposed_by_id == getattr(user, "pk", None) and agent_can(user, AgentPerm.REQUISITES_PROPOSE))
