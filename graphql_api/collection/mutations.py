"""The principal-side acts of debt collection, each calling one service of ``tenants.collection.services``.

Each mutation is done on the principal's host by its staff, its API keys or the agent's staff working inside it:
stopping and resuming work needs collection.stop, everything else collection.manage (the register refresh only
collection.view: it recomputes the snapshot and decides nothing). A refusal comes back as the service's code on the
argument at fault (the service's own field names — ``service``, ``warning`` — renamed to the arguments the client
sent). Every call is in the audit log (the gateway writes one row per mutation, with its outcome).
"""

import graphene
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.collection import acts
from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.collection.principal import account_by_number, debtor_detail
from graphql_api.collection.types import (
    AgreementNode,
    CaseEventKindEnum,
    CaseEventNode,
    CourtCaseNode,
    DebtorDetailNode,
    RestrictionKindEnum,
    RestrictionNode,
    WarningChannelEnum,
    WarningNode,
)
from graphql_api.core.enums import enum_value
from graphql_api.core.ids import int_id
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from tenants.billing.models import Service
from tenants.collection import services
from tenants.collection.models import Agreement, CourtCase, Restriction, Warning
from tenants.collection.register import register_refresh


class CollectionMutation(BaseMutation):
    """A mutation whose service names its fields differently from the mutation's arguments."""

    # the service's field name -> the argument's name (camelCase), for the errors
    FIELDS: dict[str, str] = {}

    class Meta:
        abstract = True

    @classmethod
    def act(cls, root, info, **data):
        raise NotImplementedError

    @classmethod
    def perform(cls, root, info, **data):
        try:
            return cls.act(root, info, **data)
        except ValidationError as exc:
            raise _renamed(exc, cls.FIELDS) from exc


def _renamed(exc: ValidationError, fields: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict") or not fields:
        return exc
    renamed: dict[str, list] = {}
    for field, errors in exc.error_dict.items():
        renamed.setdefault(fields.get(field, field) if field != NON_FIELD_ERRORS else field, []).extend(errors)
    return ValidationError(renamed)


def _found(queryset, pk, field: str, message: str):
    """The row of the host's schema that ``pk`` names, else NOT_FOUND on ``field``."""
    row = queryset.filter(pk=int_id(pk)).first()
    if row is None:
        raise ValidationError({field: ValidationError(message, code=ErrorCode.NOT_FOUND)})
    return row


def _service(code: str) -> Service:
    service = Service.objects.filter(code=(code or "").strip()).first()
    if service is None:
        raise ValidationError({"serviceCode": ValidationError(_("Услуга не найдена."), code=ErrorCode.NOT_FOUND)})
    return service


def _user(info):
    return info.context.actor.user  # None for an API key


# --- the register and the principal's stop ----------------------------------------------------------------------


class CollectionRegisterRefresh(CollectionMutation):
    """Recompute this principal's debtor register from the balances now (collection.view)."""

    debtors = graphene.Int(description="Accounts in the register.")
    lines = graphene.Int(description="Account and service lines in the register.")
    refreshed_at = graphene.DateTime()

    @classmethod
    def act(cls, root, info):
        require_principal_perm(info, Perm.COLLECTION_VIEW)
        debtors, lines = register_refresh(today=timezone.localdate())
        return cls(debtors=debtors, lines=lines, refreshed_at=timezone.now())


class CollectionWorkStop(CollectionMutation):
    """Stop work on an account: no campaign picks it, no warning or court case is opened (collection.stop)."""

    FIELDS = {"account": "accountNumber"}
    debtor = graphene.Field(DebtorDetailNode)

    class Arguments:
        account_number = graphene.String(required=True)
        reason = graphene.String(required=True)

    @classmethod
    def act(cls, root, info, account_number, reason):
        require_principal_perm(info, Perm.COLLECTION_STOP)
        account = account_by_number(account_number)
        services.work_stop(account=account, reason=reason, user=_user(info))
        return cls(debtor=debtor_detail(account))


class CollectionWorkResume(CollectionMutation):
    """Resume work on a stopped account (collection.stop)."""

    FIELDS = {"account": "accountNumber"}
    debtor = graphene.Field(DebtorDetailNode)

    class Arguments:
        account_number = graphene.String(required=True)

    @classmethod
    def act(cls, root, info, account_number):
        require_principal_perm(info, Perm.COLLECTION_STOP)
        account = account_by_number(account_number)
        services.work_resume(account=account)
        return cls(debtor=debtor_detail(account))


# --- warnings and restrictions (ПП 354 п.117–120) -----------------------------------------------------------------


class WarningIssue(CollectionMutation):
    """Issue the п.119 «а» warning for one service of the account, once a month (collection.manage).

    Refused where the law forbids restricting the service (RESTRICTION_FORBIDDEN), below the п.118 threshold
    (THRESHOLD_NOT_REACHED), while an agreement is kept (AGREEMENT_KEPT) or work is stopped (WORK_STOPPED)."""

    FIELDS = {"account": "accountNumber", "service": "serviceCode"}
    warning = graphene.Field(WarningNode)
    created = graphene.Boolean(description="False: this month's warning was issued before; nothing changed.")

    class Arguments:
        account_number = graphene.String(required=True)
        service_code = graphene.String(required=True)
        channel = WarningChannelEnum(required=True)

    @classmethod
    def act(cls, root, info, account_number, service_code, channel):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        account = account_by_number(account_number)
        today = timezone.localdate()
        warning, created = acts.warning_issue(account=account, service=_service(service_code), month=today,
                                                  channel=enum_value(channel), on=today)
        return cls(warning=warning, created=created)


class WarningDelivered(CollectionMutation):
    """Record the warning's delivery: the 20 days of п.119 «а» run from it (collection.manage)."""

    FIELDS = {"warning": "id"}
    warning = graphene.Field(WarningNode)

    class Arguments:
        id = graphene.ID(required=True)
        delivered_on = graphene.Date(required=True)
        postal_id = graphene.String(description="The registered letter's postal identifier (ШПИ).")

    @classmethod
    def act(cls, root, info, id, delivered_on, postal_id=""):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        warning = _found(Warning.objects.select_related("account", "service"), id, "id",
                                       _("Предупреждение не найдено."))
        return cls(warning=services.warning_delivered(warning=warning, delivered_on=delivered_on,
                                                      postal_id=postal_id or ""))


class RestrictionOrder(CollectionMutation):
    """A work order to restrict the warned service once the warning's term is over (collection.manage)."""

    FIELDS = {"warning": "warningId", "service": "warningId", "account": "warningId"}
    restriction = graphene.Field(RestrictionNode)

    class Arguments:
        warning_id = graphene.ID(required=True)
        executor = graphene.String(required=True, description="Who does the work (the executor's organisation).")
        kind = RestrictionKindEnum(default_value="restriction")
        no_technical_possibility = graphene.Boolean(
            default_value=False,
            description="A restriction is technically impossible: suspend at once (ПП 354 п.119 «в»).")

    @classmethod
    def act(cls, root, info, warning_id, executor, kind="restriction", no_technical_possibility=False):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        warning = _found(Warning.objects.select_related("account", "service"), warning_id,
                                       "warningId", _("Предупреждение не найдено."))
        restriction = acts.restriction_order(warning=warning, executor=executor, kind=enum_value(kind),
                                             on=timezone.localdate(),
                                             no_technical_possibility=bool(no_technical_possibility))
        return cls(restriction=restriction)


class RestrictionSuspend(CollectionMutation):
    """Suspend a restricted service whose debt is unpaid 10 days after the restriction (ПП 354 п.119 «в»)
    (collection.manage)."""

    FIELDS = {"restriction": "id"}
    restriction = graphene.Field(RestrictionNode)

    class Arguments:
        id = graphene.ID(required=True)
        suspended_on = graphene.Date(required=True)

    @classmethod
    def act(cls, root, info, id, suspended_on):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        restriction = _found(Restriction.objects.select_related("account", "service"), id, "id",
                             _("Ограничение не найдено."))
        return cls(restriction=acts.restriction_suspend(restriction=restriction, on=suspended_on))


class RestrictionDone(CollectionMutation):
    """The executor's act: the service is restricted (collection.manage)."""

    FIELDS = {"restriction": "id"}
    restriction = graphene.Field(RestrictionNode)

    class Arguments:
        id = graphene.ID(required=True)
        done_on = graphene.Date(required=True)
        act_number = graphene.String(required=True)

    @classmethod
    def act(cls, root, info, id, done_on, act_number):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        restriction = _found(Restriction.objects.select_related("service"), id, "id",
                                           _("Ограничение не найдено."))
        return cls(restriction=acts.restriction_done(restriction=restriction, done_on=done_on,
                                                         act_number=act_number))


class RestrictionLift(CollectionMutation):
    """The service is supplied again (п.120) (collection.manage)."""

    FIELDS = {"restriction": "id"}
    restriction = graphene.Field(RestrictionNode)

    class Arguments:
        id = graphene.ID(required=True)
        lifted_on = graphene.Date(required=True)
        act_number = graphene.String()

    @classmethod
    def act(cls, root, info, id, lifted_on, act_number=""):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        restriction = _found(Restriction.objects.select_related("service"), id, "id",
                                           _("Ограничение не найдено."))
        return cls(restriction=acts.restriction_lift(restriction=restriction, lifted_on=lifted_on,
                                                         act_number=act_number or ""))


# --- agreements (ПП 354 п.72, 118) ------------------------------------------------------------------------------


def _agreement(pk, field: str = "id") -> Agreement:
    return _found(Agreement.objects.prefetch_related("installments"), pk, field,
                                _("Соглашение не найдено."))


class AgreementPrepare(CollectionMutation):
    """Prepare a repayment agreement with its schedule: anew, or from a resident's request (collection.manage)."""

    FIELDS = {"account": "accountNumber", "agreement": "agreementId"}
    agreement = graphene.Field(AgreementNode)

    class Arguments:
        account_number = graphene.String(required=True)
        parts = graphene.Int(required=True, description="Monthly payments, 1 to 36.")
        first_due = graphene.Date(required=True)
        total = graphene.Decimal(description="Roubles; default: the register's debt of the account.")
        agreement_id = graphene.ID(description="A resident's request (or a draft) of this account to prepare.")

    @classmethod
    def act(cls, root, info, account_number, parts, first_due, total=None, agreement_id=None):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        account = account_by_number(account_number)
        agreement = None
        if agreement_id is not None:
            agreement = _agreement(agreement_id, "agreementId")
            if agreement.account_id != account.pk:
                raise ValidationError({"agreementId": ValidationError(
                    _("Соглашение относится к другому лицевому счёту."), code=ErrorCode.INVALID)})
        agreement = acts.agreement_prepare(account=account, parts=parts, first_due=first_due, total=total,
                                               agreement=agreement)
        return cls(agreement=_agreement(agreement.pk))


class AgreementSign(CollectionMutation):
    """The agreement is signed: work on the account pauses while it is kept (collection.manage)."""

    FIELDS = {"agreement": "id"}
    agreement = graphene.Field(AgreementNode)

    class Arguments:
        id = graphene.ID(required=True)
        signed_on = graphene.Date(required=True)

    @classmethod
    def act(cls, root, info, id, signed_on):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        agreement = services.agreement_sign(agreement=_agreement(id), signed_on=signed_on)
        return cls(agreement=_agreement(agreement.pk))


class AgreementDecline(CollectionMutation):
    """Decline a resident's request or a draft (collection.manage)."""

    FIELDS = {"agreement": "id"}
    agreement = graphene.Field(AgreementNode)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    @classmethod
    def act(cls, root, info, id, reason):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        agreement = services.agreement_decline(agreement=_agreement(id), reason=reason)
        return cls(agreement=_agreement(agreement.pk))


# --- court work (ГПК ст.121–124, НК ст.333.19) -----------------------------------------------------------------


class DebtorIdsInput(graphene.InputObjectType):
    """The debtor's identifiers a court application names where known (229-ФЗ ст.13 ч.1 п.5 «а»)."""

    birth_date = graphene.Date()
    birth_place = graphene.String()
    snils = graphene.String()
    inn = graphene.String()
    passport = graphene.String(description="Series and number.")


def _case(pk, field: str = "caseId") -> CourtCase:
    return _found(CourtCase.objects.prefetch_related("events"), pk, field, _("Дело не найдено."))


class CourtCaseOpen(CollectionMutation):
    """Open court work with the pre-court claim; the debt, penalties, route and state fee are fixed today
    (collection.manage). Refused without a posted calculation (CALCULATION_MISSING)."""

    FIELDS = {"account": "accountNumber"}
    case = graphene.Field(CourtCaseNode)

    class Arguments:
        account_number = graphene.String(required=True)
        debtor_ids = DebtorIdsInput()

    @classmethod
    def act(cls, root, info, account_number, debtor_ids=None):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        account = account_by_number(account_number)
        ids = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
               for k, v in dict(debtor_ids or {}).items() if v not in (None, "")}
        case = acts.court_case_open(account=account, on=timezone.localdate(), debtor_ids=ids)
        return cls(case=_case(case.pk))


class CourtCaseEventRecord(CollectionMutation):
    """Record a step of a court case; money recovered by enforcement becomes receipts of the account, once per
    payment document (collection.manage)."""

    event = graphene.Field(CaseEventNode)
    case = graphene.Field(CourtCaseNode)
    created = graphene.Boolean(description="False: this payment document was recorded before; nothing changed.")

    class Arguments:
        case_id = graphene.ID(required=True)
        kind = CaseEventKindEnum(required=True)
        happened_on = graphene.Date(required=True)
        amount = graphene.Decimal(description="Roubles: recovered money or costs.")
        document_number = graphene.String()
        note = graphene.String()
        court_name = graphene.String()
        court_case_number = graphene.String()

    @classmethod
    def act(cls, root, info, case_id, kind, happened_on, amount=None, document_number="", note="",
                court_name="", court_case_number=""):
        require_principal_perm(info, Perm.COLLECTION_MANAGE)
        event, created = acts.case_event_record(
            case=_case(case_id), kind=enum_value(kind), happened_on=happened_on, amount=amount,
            document_number=document_number or "", note=note or "", court_name=court_name or "",
            court_case_number=court_case_number or "", user=_user(info))
        return cls(event=event, case=_case(event.case_id), created=created)


class Mutations(graphene.ObjectType):
    collection_register_refresh = CollectionRegisterRefresh.Field()
    collection_work_stop = CollectionWorkStop.Field()
    collection_work_resume = CollectionWorkResume.Field()
    warning_issue = WarningIssue.Field()
    warning_delivered = WarningDelivered.Field()
    restriction_order = RestrictionOrder.Field()
    restriction_done = RestrictionDone.Field()
    restriction_suspend = RestrictionSuspend.Field()
    restriction_lift = RestrictionLift.Field()
    agreement_prepare = AgreementPrepare.Field()
    agreement_sign = AgreementSign.Field()
    agreement_decline = AgreementDecline.Field()
    court_case_open = CourtCaseOpen.Field()
    court_case_event = CourtCaseEventRecord.Field()
