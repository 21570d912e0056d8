"""The residents' cabinet on the agent's host, and what principals' staff do with residents' requests.

- Residents (their own session on the agent's host): sign up, link a household with the code printed on
  its ЕПД, see their households, history of charges and payments, meters and readings, ask a principal to
  change their account, confirm a card payment with a card tokenized in the browser.
- Principal staff (on the principal's host): the residents' change requests for that principal's accounts,
  accepted (the change is written into the principal's schema) or rejected.
"""

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agency.cabinet import services
from agency.identity.access import actor_for_request
from agency.identity.permissions import Perm
from agency.payments import online
from billing_core.error_codes import ErrorCode
from graphql_api.cabinet.types import (
    AccountChangeRequestNode,
    ChangeRequestKindEnum,
    ChangeRequestStatusEnum,
    ResidentHistoryNode,
    ResidentHouseholdNode,
    ResidentMeterNode,
)
from graphql_api.core.enums import enum_value
from graphql_api.core.errors import ApiError, query_error
from graphql_api.core.ids import int_id
from graphql_api.core.me import Me, me_of
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm, require_resident
from graphql_api.core.readings import MeterReadingNode, ZoneValue, meter_field_renamed, zone_values


class Queries(graphene.ObjectType):
    resident_households = graphene.List(
        graphene.NonNull(ResidentHouseholdNode), required=True,
        description="The resident's linked households with each principal's account (residents).",
    )
    resident_history = graphene.Field(
        ResidentHistoryNode, required=True, els=graphene.String(required=True),
        months=graphene.Int(default_value=12, description="Months back from each principal's latest posted one."),
        description="Charges by month, principal and service, and payments of one linked household (residents).",
    )
    resident_change_requests = graphene.List(
        graphene.NonNull(AccountChangeRequestNode), required=True, els=graphene.String(),
        description="The resident's own change requests for their linked households, newest first (residents).",
    )
    change_requests = graphene.List(
        graphene.NonNull(AccountChangeRequestNode), required=True, status=ChangeRequestStatusEnum(),
        description="Residents' change requests for this principal's accounts, newest first "
                    "(principal staff, accounts.view).",
    )
    resident_meters = graphene.List(
        graphene.NonNull(ResidentMeterNode), required=True,
        description="Working meters of the resident's linked households, at every principal (residents).",
    )

    @staticmethod
    def resolve_resident_households(root, info):
        actor = require_resident(info)
        return services.resident_households(user=actor.user)

    @staticmethod
    def resolve_resident_history(root, info, els, months=12):
        actor = require_resident(info)
        try:
            return services.resident_history(user=actor.user, els=els, months=months)
        except ValidationError as exc:
            raise query_error(exc) from exc

    @staticmethod
    def resolve_resident_change_requests(root, info, els=None):
        actor = require_resident(info)
        try:
            return list(services.resident_change_requests(user=actor.user, els=els)[:200])
        except ValidationError as exc:
            raise query_error(exc) from exc

    @staticmethod
    def resolve_change_requests(root, info, status=None):
        _actor, principal = require_principal_perm(info, Perm.ACCOUNTS_VIEW)
        qs = services.change_requests_of_principal(principal=principal, status=enum_value(status))
        return list(qs[:500])

    @staticmethod
    def resolve_resident_meters(root, info):
        actor = require_resident(info)
        return services.resident_meters(user=actor.user)  # ResidentMeter rows carry the type's fields


class ResidentReadingSubmit(BaseMutation):
    """Submit a reading for a meter of the resident's own household (residents); any other meter is not found."""

    readings = graphene.List(graphene.NonNull(MeterReadingNode), description="The month's readings, by zone.")

    class Arguments:
        principal_id = graphene.ID(required=True, description="From residentMeters.")
        meter_id = graphene.ID(required=True, description="From residentMeters.")
        values = graphene.List(graphene.NonNull(ZoneValue), required=True)
        reading_date = graphene.Date(required=True)

    @classmethod
    def perform(cls, root, info, principal_id, meter_id, values, reading_date):
        actor = require_resident(info)
        try:
            readings = services.resident_reading_submit(
                user=actor.user, principal_id=int_id(principal_id), meter_id=int_id(meter_id),
                values=zone_values(values), reading_date=reading_date,
            )
        except ValidationError as exc:
            raise meter_field_renamed(exc) from exc
        return cls(readings=readings)


def _require_public_visitor(info, refusal: str):
    """Anonymous, on the agent's host, not an API key."""
    actor = info.context.actor
    if actor.principal is not None or actor.api_key is not None:
        raise ApiError(ErrorCode.PERMISSION_DENIED, refusal)
    if actor.is_authenticated:
        raise ApiError(ErrorCode.PERMISSION_DENIED, _("Вы уже вошли в систему."))
    return actor


class ResidentSignUp(BaseMutation):
    """Start a resident's sign-up (anonymous callers on the agent's host): a confirmation link goes to the address.

    ``sent`` is the same whether or not the address is taken (its owner is told by e-mail instead); the account
    exists once ``residentSignUpConfirm`` is called with the link. Throttled per client and e-mail address."""

    sent = graphene.Boolean()

    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)
        full_name = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, email, password, full_name):
        _require_public_visitor(info, _("Регистрация жителей — только в личном кабинете."))
        services.resident_sign_up(request=info.context, email=email, password=password, full_name=full_name)
        return cls(sent=True)


class ResidentSignUpConfirm(BaseMutation):
    """Confirm a sign-up with the e-mailed link and the password chosen at sign-up; the account is made and the
    session logged in (anonymous callers on the agent's host)."""

    me = graphene.Field(Me)

    class Arguments:
        token = graphene.String(required=True, description="From the confirmation link.")
        password = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, token, password):
        _require_public_visitor(info, _("Регистрация жителей — только в личном кабинете."))
        request = info.context
        user = services.resident_sign_up_confirm(request=request, token=token, password=password)
        request.actor = actor_for_request(principal=None, user=user, api_key_plain=None)
        return cls(me=me_of(request.actor))


def _household_of(user, els: str):
    return next((h for h in services.resident_households(user=user) if h.els == els), None)


class ResidentLinkAccount(BaseMutation):
    """Link a household by its ЕЛС and the code printed next to it on the ЕПД (residents)."""

    household = graphene.Field(ResidentHouseholdNode)

    class Arguments:
        els = graphene.String(required=True)
        code = graphene.String(required=True, description="XXXX-XXXX from the ЕПД; case and dashes do not matter.")

    @classmethod
    def perform(cls, root, info, els, code):
        actor = require_resident(info)
        link = services.household_link(user=actor.user, els=els, code=code,
                                           client_ip=info.context.META.get("REMOTE_ADDR"))
        return cls(household=_household_of(actor.user, link.unified_account.number))


class ResidentUnlinkAccount(BaseMutation):
    """Stop seeing a household in the cabinet (residents)."""

    ok = graphene.Boolean()

    class Arguments:
        els = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, els):
        actor = require_resident(info)
        services.household_unlink(user=actor.user, els=els)
        return cls(ok=True)


class ResidentChangeRequestCreate(BaseMutation):
    """Ask a principal to change the household's account there: persons, the payer's name, or other (residents)."""

    request = graphene.Field(AccountChangeRequestNode)

    class Arguments:
        els = graphene.String(required=True)
        principal_id = graphene.ID(required=True, description="From residentHouseholds.accounts.")
        kind = ChangeRequestKindEnum(required=True)
        persons = graphene.Int(description="PERSONS: how many live in the premise.")
        payer_name = graphene.String(description="PAYER_NAME: the payer's full name.")
        comment = graphene.String(description="Required for OTHER.")

    @classmethod
    def perform(cls, root, info, els, principal_id, kind, persons=None, payer_name=None, comment=None):
        actor = require_resident(info)
        request = services.resident_change_request_create(
            user=actor.user, els=els, principal_id=int_id(principal_id), kind=enum_value(kind), persons=persons,
            payer_name=payer_name, comment=comment,
        )
        return cls(request=request)


class ChangeRequestResolve(BaseMutation):
    """Accept or reject a resident's request (principal staff, accounts.manage); accepting a persons or payer-name
    request changes the account."""

    request = graphene.Field(AccountChangeRequestNode)

    class Arguments:
        id = graphene.ID(required=True)
        accept = graphene.Boolean(required=True)
        answer = graphene.String(description="Shown to the resident; required when rejecting.")

    @classmethod
    def perform(cls, root, info, id, accept, answer=None):
        actor, principal = require_principal_perm(info, Perm.ACCOUNTS_MANAGE)
        request = services.change_request_resolve(principal=principal, request_id=int_id(id), accept=accept,
                                                  answer=answer, resolved_by=actor.user)
        return cls(request=request)


class ResidentPaymentConfirm(BaseMutation):
    """Pay a started card payment with a card tokenized in the browser (Stripe.js ``createToken``; residents).

    The payment counts once the gateway's signed webhook says it succeeded. ``requiresAction``: the bank asks
    for 3-D Secure; the browser finishes it with ``clientSecret`` (``stripe.confirmCardPayment``).
    """

    status = graphene.String(description="The gateway's status: succeeded, requires_action, processing, …")
    client_secret = graphene.String(description="Only when requiresAction.")
    requires_action = graphene.Boolean()

    class Arguments:
        online_payment_id = graphene.ID(required=True, description="From residentPaymentStart.")
        card_token = graphene.String(required=True, description="The card token id (tok_…).")

    @classmethod
    def perform(cls, root, info, online_payment_id, card_token):
        actor = require_resident(info)
        confirmed = online.online_payment_confirm_card(user=actor.user, online_payment_id=int_id(online_payment_id),
                                                       card_token=card_token)
        return cls(status=confirmed.status, client_secret=confirmed.client_secret,
                   requires_action=confirmed.requires_action)


class Mutations(graphene.ObjectType):
    resident_sign_up = ResidentSignUp.Field()
    resident_sign_up_confirm = ResidentSignUpConfirm.Field()
    resident_link_account = ResidentLinkAccount.Field()
    resident_unlink_account = ResidentUnlinkAccount.Field()
    resident_change_request_create = ResidentChangeRequestCreate.Field()
    change_request_resolve = ChangeRequestResolve.Field()
    resident_payment_confirm = ResidentPaymentConfirm.Field()
    resident_reading_submit = ResidentReadingSubmit.Field()
