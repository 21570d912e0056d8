"""The permission matrix: who may call each principal-scoped and agent-only operation.

Every case says the outcome (an error code or success) and checks the database: a
refusal changes nothing at all, a success changes exactly what the operation is for.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from agency.identity.models import ApiKey, PrincipalMembership, StaffInvitation, User
from agency.identity.permissions import AGENT_OPERATOR_PERMS, ALL_PERMS, Perm, PrincipalRole
from agency.identity.tokens import token_hash
from agency.principals.services import agency_contract_create
from billing_core.service_kinds import ServiceKind
from graphql_api.api import schema
from tenants.billing.models import BillingPeriod, Tariff
from tenants.models import AgencyContract, Principal
from tests import factories
from tests.conftest import error_codes
from tests.graphql_api.test_isolation import (
    ACCOUNT,
    ACCOUNT_BENEFIT_ASSIGN,
    ACCOUNT_BENEFIT_END,
    ACCOUNT_BENEFITS,
    ACCOUNTS,
    AGENCY_CONTRACT_CREATE,
    AGENCY_CONTRACT_UPDATE,
    AGENCY_CONTRACTS,
    AGREEMENT_DECLINE,
    AGREEMENT_PREPARE,
    AGREEMENT_REQUEST,
    AGREEMENT_SIGN,
    API_KEY_CREATE,
    API_KEY_REVOKE,
    API_KEYS,
    APPEAL,
    APPEAL_CLOSE,
    APPEAL_CREATE,
    APPEAL_REPLY,
    APPEALS,
    BENEFIT_CATEGORIES,
    BENEFIT_CATEGORY_CREATE,
    BILLING_PERIODS,
    CALENDAR_COVERAGE,
    CAMPAIGN,
    CAMPAIGN_CREATE,
    CAMPAIGN_RUN,
    CAMPAIGN_UPDATE,
    CAMPAIGNS,
    CASH_RECEIPT_RECORD,
    CASH_SHIFT_CLOSE,
    CASH_SHIFT_OPEN,
    CASH_SHIFTS,
    CHANGE_REQUEST_RESOLVE,
    CHANGE_REQUESTS,
    CHARGE_RUN,
    CHARGE_RUN_ALL,
    CHARGE_RUN_PROGRESS,
    COLLECTION_OVERVIEW,
    COLLECTION_RATES,
    COLLECTION_RATES_BY_PRINCIPAL,
    COLLECTION_REGISTER_REFRESH,
    COLLECTION_WORK_RESUME,
    COLLECTION_WORK_STOP,
    COURT_CASE_EVENT,
    COURT_CASE_OPEN,
    DEBTOR,
    DEBTOR_SUMMARY,
    DEBTORS,
    EPD_DOCUMENTS,
    EPD_MONTH,
    EPD_REISSUE,
    EPD_RUN,
    EPD_RUN_ISSUES,
    EPD_RUN_START,
    EPD_RUNS,
    EPD_WARNINGS_DELIVERED,
    HOUSE_READING_WINDOW_CLEAR,
    HOUSE_READING_WINDOW_SET,
    HOUSES,
    IMPORT_BATCHES,
    MEMBERSHIP_UPDATE,
    MY_COLLECTION,
    OWN_RECEIPT_RECORD,
    PAYMENT_IMPORTS,
    PAYMENT_QUEUE,
    PAYMENT_RESOLVE,
    PAYMENT_RETURN,
    PAYMENTS,
    PAYMENTS_ALLOCATE,
    PAYMENTS_DAY,
    PAYOUT_APPROVE,
    PAYOUTS,
    PAYOUTS_BUILD,
    PAYOUTS_EXPORT,
    PENALTY_STATEMENT,
    PERIOD_POST,
    PRINCIPAL,
    PRINCIPAL_CREATE,
    PRINCIPAL_DASHBOARD,
    PRINCIPAL_EPD_BLOCKS,
    PRINCIPAL_PAYOUTS,
    PRINCIPAL_RECEIPTS,
    PRINCIPAL_UPDATE,
    PRINCIPALS,
    READING_SUBMIT,
    RECALCULATION_CREATE,
    RECALCULATIONS,
    RECONCILIATION,
    REPORT_JOB,
    REPORT_JOBS,
    REPORT_REQUEST,
    REQUISITES_CHANGE_CONFIRM,
    REQUISITES_CHANGE_REJECT,
    REQUISITES_CHANGES,
    RESIDENT_CHANGE_REQUEST_CREATE,
    RESIDENT_CHANGE_REQUESTS,
    RESIDENT_DOCUMENT,
    RESIDENT_DOCUMENTS,
    RESIDENT_E_RECEIPTS,
    RESIDENT_HISTORY,
    RESIDENT_HOUSEHOLDS,
    RESIDENT_LINK_ACCOUNT,
    RESIDENT_METERS,
    RESIDENT_ONLINE_PAYMENTS,
    RESIDENT_PAYMENT_CONFIRM,
    RESIDENT_PAYMENT_START,
    RESIDENT_READING_SUBMIT,
    RESIDENT_UNLINK_ACCOUNT,
    RESTRICTION_DONE,
    RESTRICTION_LIFT,
    RESTRICTION_ORDER,
    RESTRICTION_SUSPEND,
    RULE_TABLES,
    SERVICES,
    STAFF_INVITATION_RESEND,
    STAFF_INVITATION_REVOKE,
    STAFF_INVITATION_SEND,
    STAFF_INVITATIONS,
    TARIFF_CREATE,
    USERS,
    WARNING_DELIVERED,
    WARNING_ISSUE,
    WORKSPACE_SETTINGS,
    WORKSPACE_SETTINGS_UPDATE,
    billing_account_benefit_id,
    billing_account_id,
    billing_benefit_category_id,
    billing_meter_id,
    billing_service_id,
    codes,
    contract_input,
    epd_document,
    principal_input,
    registry_house_id,
    schema_names,
    settings_row,
    window_day,
)
from tests.graphql_api.uploading import import_request

OK = "OK"
NEW_STAFF_EMAIL = "new-staff@matrix.test"
NEW_KEY_NAME = "ключ из матрицы"
NEW_SHORT_NAME = "Переименован матрицей"
NEW_CONTRACT_NUMBER = "МАТР-1/2027"
PRINCIPAL_CREATE_N = 3100


# --- the world every case runs in ------------------------------------------------------------------


class Targets(NamedTuple):
    a: Principal
    b: Principal
    a_admin: User
    target_membership: PrincipalMembership
    target_key: ApiKey
    b_contract: AgencyContract


@pytest.fixture
def targets(principal_a, principal_b) -> Targets:
    a_admin = factories.staff(principal_a, role=PrincipalRole.ADMIN, email="admin@a.matrix")
    target_user = factories.staff(principal_a, email="target@a.matrix")
    factories.api_key(principal_a, [Perm.SETTINGS_VIEW])
    b_contract = agency_contract_create(
        principal=principal_b, number="МАТР-0/2026", signed_on="2025-12-20", valid_from="2026-01-01",
        valid_to="2026-12-31", fee_rate="1.2500", fee_min=None, fee_max=None, services=[ServiceKind.HEATING],
        payout_schedule="daily", qr_mode="per_payee",
    )
    return Targets(
        a=principal_a, b=principal_b, a_admin=a_admin,
        target_membership=PrincipalMembership.objects.get(user=target_user, principal=principal_a),
        target_key=ApiKey.objects.get(principal=principal_a), b_contract=b_contract,
    )


def db_state() -> dict:
    """Everything an operation in the matrix could write (usage stamps and the audit log left out)."""
    return {
        "principals": list(Principal.objects.order_by("pk").values()),
        "contracts": list(AgencyContract.objects.order_by("pk").values()),
        "memberships": list(PrincipalMembership.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "password", "agent_role", "is_active")),
        "keys": list(ApiKey.objects.order_by("pk").values("pk", "principal", "permissions", "revoked_at")),
        "settings_a": settings_row("principal_a"),
        "settings_b": settings_row("principal_b"),
        "schemas": schema_names(),
    }


# --- operations: the call, and what a success must have written ---------------------------------------


class Op(NamedTuple):
    document: str
    perm: str | None  # the principal permission it needs; None: agent staff only
    variables: object  # (Targets) -> dict
    written: object  # (Targets) -> the value the operation is about
    after_success: object  # that value after a successful call (None: a query, it writes nothing)
    # an import of an uploaded file: (Targets) -> (upload kind, file name, bytes), uploaded as the caller before the
    # call (see _staged_key), its key then the variable "key"
    upload: object = None


def _principal_created(t: Targets):
    return (
        Principal.objects.filter(schema_name=f"iso_{PRINCIPAL_CREATE_N}").exists(),
        f"iso_{PRINCIPAL_CREATE_N}" in schema_names(),
    )


def _a_billing(read):
    """Run ``read`` in A's schema (billing rows live there, not in public)."""
    with schema_context("principal_a"):
        return read()


def _a_calculated_june(t: Targets) -> dict:
    _a_billing(lambda: BillingPeriod.objects.create(month=date(2026, 6, 1), status="calculated"))
    return {"month": "2026-06-01"}


RESIDENT = "resident"  # Op.perm of the residents' cabinet fields: a resident's own session on the agent's host
RESIDENT_EMAIL = "resident@matrix.test"


def _a_readings(serial: str, *fields) -> list:
    from tenants.billing.models import Reading

    return _a_billing(lambda: list(Reading.objects.filter(meter__serial=serial).order_by("zone")
                                   .values_list("zone", "value", *fields)))


def _a_meter_reading(t: Targets) -> dict:
    return {"meterId": billing_meter_id("principal_a"), "values": [{"zone": 1, "value": "12.5"}],
            "readingDate": window_day().isoformat()}


def _a_recalculations(t: Targets) -> list:
    from tenants.billing.models import Recalculation

    return _a_billing(lambda: list(Recalculation.objects.values_list("amount", "reason", "comment")))


def _resident_home(t: Targets) -> dict:
    """A household served by A, with a meter, linked to the matrix's resident when that user exists."""
    from tenants.billing.models import Meter, PersonalAccount
    from tenants.registry.models import House, Premise, UnifiedAccount
    from tenants.residents.models import ResidentLink

    house, _c = House.objects.get_or_create(region="Ярославская область", city="Ярославль", street="улица Матрицы",
                                           house_number="3")
    premise, _c = Premise.objects.get_or_create(house=house, number="1", defaults={"area": "40.00"})
    unified, _c = UnifiedAccount.objects.get_or_create(number="7600009901", defaults={"premise": premise,
                                                                                       "payer_name": "Житель"})
    resident = User.objects.filter(email=RESIDENT_EMAIL).first()
    if resident is not None:
        ResidentLink.objects.get_or_create(user=resident, unified_account=unified)
    service_id = billing_service_id("principal_a")
    with schema_context("principal_a"):
        account, _c = PersonalAccount.objects.get_or_create(
            number="RES-MATRIX", defaults={"premise": premise, "unified_account": unified, "payer_name": "Житель",
                                           "charge_area": "40.00", "opened_on": date(2020, 1, 1)})
        meter, _c = Meter.objects.get_or_create(serial="RES-M-1", defaults={
            "account": account, "service_id": service_id, "installed_on": date(2020, 1, 1),
            "verified_until": date(2035, 1, 1)})
    return {"principalId": str(t.a.pk), "meterId": str(meter.pk), "values": [{"zone": 1, "value": "3.25"}],
            "readingDate": window_day().isoformat()}


RESIDENT_ELS = "7600009901"  # the household _resident_home links to the matrix's resident


def _resident_payment(t: Targets) -> dict:
    """A card payment for the resident's household: a success reaches the gateway (localstripe on loopback)."""
    from tests.payments.conftest import localstripe_ensure

    localstripe_ensure()
    _resident_home(t)
    return {"els": RESIDENT_ELS, "amount": "150.00"}


def _resident_online_payments(t: Targets) -> list:
    from agency.payments.models import OnlinePayment

    return list(OnlinePayment.objects.filter(unified_account__number=RESIDENT_ELS).values_list("amount", "status"))


def _resident_epd(t: Targets) -> str:
    """The matrix resident's household's October document, with A's block."""
    _resident_home(t)
    return epd_document(RESIDENT_ELS, {t.a: "RES-MATRIX"})


def _epd_run_id(t: Targets) -> str:
    from agency.documents.models import Epd

    return str(Epd.objects.get(pk=_resident_epd(t)).run_id)


def _epd_runs(t: Targets) -> list:
    from agency.documents.models import EpdRun

    return list(EpdRun.objects.filter(unified_account__isnull=True, month=date(2026, 11, 1))
                .values_list("month", "status"))


def _epd_reissue_runs(t: Targets) -> list:
    from agency.documents.models import EpdRun

    return list(EpdRun.objects.filter(unified_account__number=RESIDENT_ELS).values_list("month", flat=True))


def _e_receipts(t: Targets) -> list:
    from tenants.residents.models import ResidentLink

    return list(ResidentLink.objects.filter(user__email=RESIDENT_EMAIL).values_list("e_receipts", flat=True))


def _a_categories(t: Targets) -> list:
    from tenants.billing.models import BenefitCategory

    return _a_billing(lambda: list(BenefitCategory.objects.values_list("code", "percent", "service_kinds")))


def _a_grants(t: Targets) -> list:
    from tenants.billing.models import AccountBenefit

    return _a_billing(lambda: list(AccountBenefit.objects.values_list("beneficiaries", "valid_from", "valid_to")))


def _a_grant_end(t: Targets):
    """The end of A's benefit (the benefit is created on the first look, so a success has something to end)."""
    from tenants.billing.models import AccountBenefit

    grant_id = billing_account_benefit_id("principal_a")
    return _a_billing(lambda: AccountBenefit.objects.get(pk=grant_id).valid_to)


def _a_windows(street: str):
    from tenants.workspace.models import HouseReadingWindow

    return lambda t: _a_billing(lambda: list(HouseReadingWindow.objects.filter(house__street=street)
                                             .values_list("start_day", "end_day")))


CLEARED_STREET = "улица Очистки"


def _a_window_to_clear(t: Targets) -> list:
    """A's window on a house: created the first time (with the house), so a success has something to clear."""
    from tenants.registry.models import House
    from tenants.workspace.models import HouseReadingWindow

    if not House.objects.filter(street=CLEARED_STREET).exists():
        house_id = registry_house_id(CLEARED_STREET)
        _a_billing(lambda: HouseReadingWindow.objects.create(house_id=house_id, start_day=3, end_day=9))
    return _a_windows(CLEARED_STREET)(t)


# --- payments (graphql_api/payments) ---------------------------------------------------------------------------

MATRIX_DAY = date(2026, 11, 25)
MATRIX_ELS = "7600008801"
ALLOCATE_ELS = "7600008802"
DESK_RECEIPTS = "МАТРИЦА-К"
DESK_CLOSE = "МАТРИЦА-З"


COLLECTION_DOCUMENT_OPS = ("warningIssue", "restrictionOrder", "restrictionDone", "restrictionLift",
                           "restrictionSuspend", "agreementPrepare", "courtCaseOpen", "courtCaseEvent")


@pytest.fixture(autouse=True)
def _media(request, tmp_path):
    # an export writes its 1C file and registers: under the test's own directory. Only there: pytest-django's
    # settings fixture, undone at teardown, would also undo the Stripe settings a resident's case switches on.
    # the acts of debt collection draw their documents (work orders, acts, agreements, claims, court packages)
    if "payoutsExport" in request.node.name or any(f"[{name}-" in request.node.name
                                                   for name in (*IMPORT_OPS, *COLLECTION_DOCUMENT_OPS)):
        request.getfixturevalue("settings").MEDIA_ROOT = tmp_path


def _household(number: str):
    from tenants.registry.models import House, Premise, UnifiedAccount

    house, _c = House.objects.get_or_create(region="Ярославская область", city="Ярославль", street="улица Платежей",
                                           house_number="8")
    premise, _c = Premise.objects.get_or_create(house=house, number=number[-3:], defaults={"area": "40.00"})
    household, _c = UnifiedAccount.objects.get_or_create(number=number, defaults={"premise": premise,
                                                                                  "payer_name": "Плательщик"})
    return household


def _payment(external_id: str, **extra):
    """A payment of the matrix (recorded once per id): queued unless a household is given."""
    from agency.payments.intake.recording import payment_record

    payment, _c = payment_record(channel="bank_registry", source="matrix", external_id=external_id, amount="77.77",
                                 paid_on=MATRIX_DAY, payer_ref="NOBODY-MATRIX", **extra)
    return payment


def _payment_state(external_id: str, **extra):
    def read(t: Targets):
        from agency.payments.models import Payment

        _payment(external_id, **extra)
        return Payment.objects.filter(source="matrix", external_id=external_id).values_list(
            "status", "unified_account__number").get()

    return read


def _allocatable(t: Targets) -> dict:
    """A matched payment of a household whose document has A's block on A's isolation account."""
    billing_account_id("principal_a")
    household = _household(ALLOCATE_ELS)
    epd_document(ALLOCATE_ELS, {t.a: "ISO-principal_a"})
    return {"unified_account_id": household.pk}


def _caller_shift(desk: str) -> str:
    """The newest user's open shift at ``desk`` when that user is agent staff (the caller of the case);
    otherwise an id nobody has (the call is refused before it is read)."""
    from agency.payments.intake.cash_desk import cash_shift_open

    caller = User.objects.order_by("-pk").first()
    if caller is None or not caller.is_agent_staff:
        return "0"
    return str(cash_shift_open(operator=caller, desk=desk).pk)


def _desk_receipts(t: Targets) -> list:
    from agency.payments.models import Payment

    return list(Payment.objects.filter(source=f"desk:{DESK_RECEIPTS}").values_list("external_id", "amount"))


def _closed_shifts(t: Targets) -> list:
    from agency.payments.models import CashShift

    return list(CashShift.objects.filter(desk=DESK_CLOSE, closed_at__isnull=False).values_list("receipts_count",
                                                                                              flat=True))


def _open_shifts(t: Targets) -> list:
    from agency.payments.models import CashShift

    return list(CashShift.objects.filter(desk="МАТРИЦА").values_list("desk", "closed_at"))


def _build_day() -> date:
    # a working day of a year the production calendar holds, in the past on any day the suite runs, in force for
    # B's contract: the day before today would be refused from 1 January on while the calendar lacks the new year
    return date(2026, 10, 21)


def _built(t: Targets) -> bool:
    from agency.payments.models import PayoutRun

    return PayoutRun.objects.filter(business_day=_build_day()).exists()


def _payout(principal, day: date, status: str = "created"):
    from agency.payments.models import Payout

    payout, _c = Payout.objects.get_or_create(principal=principal, business_day=day, defaults={
        "covers_from": day, "covers_to": day, "gross": Decimal("100.00"), "fee": Decimal("1.25"),
        "net": Decimal("98.75"), "status": status})
    return payout


def _payout_status(principal_of, day: date, status: str):
    def read(t: Targets):
        from agency.payments.models import Payout

        return Payout.objects.get(pk=_payout(principal_of(t), day, status).pk).status

    return read


def _requisites_change(t: Targets):
    """B's pending (or, once decided, latest) change of its own account, proposed by A's admin, so never by the
    caller (the services would refuse anyone but agent staff; the row is written directly)."""
    from agency.principals.requisites_changes import requisites_of
    from tenants.models import RequisitesChange

    change = RequisitesChange.objects.filter(principal=t.b, contract=None).order_by("-pk").first()
    if change is None:
        change = RequisitesChange.objects.create(
            principal=t.b, contract=None, **{**requisites_of(t.b), "account": factories.requisites(9902)[
                "settlement_account"]}, before=requisites_of(t.b), proposed_by=t.a_admin)
    return change


# --- appeals and reports (graphql_api/appeals, graphql_api/reports) ----------------------------------------------

MATRIX_APPEAL = "Обращение матрицы"
APPEAL_OPS = {"appeals", "appeal", "appealCreate", "appealReply", "appealClose"}


def _caller_appeal(t: Targets) -> str:
    """The appeal the case's caller may act on, made on the first look: the newest user's own when a resident,
    the agent's when an agent admin (the matrix calls them on the agent's host), A's otherwise."""
    from agency.appeals.models import Appeal, AppealMessage

    caller = User.objects.order_by("-pk").first()
    if caller.is_resident:
        scope = {"principal": None, "resident": caller}
    elif caller.agent_role == "admin":
        scope = {"principal": None, "resident": None}
    else:
        scope = {"principal": t.a, "resident": None}
    appeal = Appeal.objects.filter(subject=MATRIX_APPEAL, **scope).first()
    if appeal is None:
        appeal = Appeal.objects.create(number=f"О-МАТР-{Appeal.objects.count() + 1}", subject=MATRIX_APPEAL,
                                       author_name="Матрица", **scope)
        AppealMessage.objects.create(appeal=appeal, author_name="Матрица", text="Первое сообщение")
    return str(appeal.pk)


def _appeals_with(subject: str, **filters):
    def read(t: Targets) -> list:
        from agency.appeals.models import Appeal

        return list(Appeal.objects.filter(subject=subject, **filters).values_list("subject", flat=True))

    return read


def _appeal_messages(t: Targets) -> int:
    from agency.appeals.models import AppealMessage

    return AppealMessage.objects.filter(text="Ответ матрицы").count()


def _a_report_job(t: Targets) -> str:
    from agency.reports.models import ReportJob

    job, _c = ReportJob.objects.get_or_create(principal=t.a, kind="debtors", requested_by=t.a_admin)
    return str(job.pk)


def _a_report_jobs(t: Targets) -> list:
    from agency.reports.models import ReportJob

    return list(ReportJob.objects.filter(principal=t.a).values_list("kind", "status"))


def _own_receipts(t: Targets) -> list:
    from tenants.receipts.models import Receipt

    return _a_billing(lambda: list(Receipt.objects.filter(source="own").values_list("amount", "external_key")))


# --- the residents' cabinet (graphql_api/cabinet) ----------------------------------------------------------------

LINK_ELS = "7600009902"  # a household served by A that the matrix's resident links
CHANGE_COMMENT = "Заявка из матрицы"


def _link_variables(t: Targets) -> dict:
    from tenants.billing.models import PersonalAccount
    from tenants.registry.models import UnifiedAccount
    from tenants.residents.link_code import link_code

    _resident_home(t)
    premise = UnifiedAccount.objects.get(number=RESIDENT_ELS).premise
    household, _c = UnifiedAccount.objects.get_or_create(number=LINK_ELS, defaults={"premise": premise,
                                                                                    "payer_name": "Сосед"})
    with schema_context("principal_a"):
        PersonalAccount.objects.get_or_create(number="LINK-MATRIX", defaults={
            "premise": premise, "unified_account": household, "payer_name": "Сосед", "charge_area": "40.00",
            "opened_on": date(2020, 1, 1)})
    return {"els": LINK_ELS, "code": link_code(LINK_ELS)}


_HOMES_MADE: set[int] = set()  # the matrix worlds (by their admin's id) whose resident's home was linked


def _links_to(els: str, *, home: bool = False):
    def read(t: Targets) -> list:
        from tenants.residents.models import ResidentLink

        if home and t.a_admin.pk not in _HOMES_MADE:  # the link to remove exists before the call, only then
            _HOMES_MADE.add(t.a_admin.pk)
            _resident_home(t)
        return list(ResidentLink.objects.filter(user__email=RESIDENT_EMAIL, unified_account__number=els)
                    .values_list("unified_account__number", flat=True))

    return read


def _change_requests_made(t: Targets) -> list:
    from tenants.residents.models import AccountChangeRequest

    return list(AccountChangeRequest.objects.filter(comment=CHANGE_COMMENT)
                .values_list("kind", "comment", "account_number"))


def _change_request(t: Targets) -> str:
    """A resident's request to A about A's isolation account (made once)."""
    from tenants.registry.models import UnifiedAccount
    from tenants.residents.models import AccountChangeRequest

    _resident_home(t)
    # the asker is an existing user: a refusal is checked by comparing the users before and after
    request, _c = AccountChangeRequest.objects.get_or_create(principal=t.a, account_number="RES-MATRIX", defaults={
        "user": t.target_membership.user, "unified_account": UnifiedAccount.objects.get(number=RESIDENT_ELS),
        "kind": "other", "comment": "Проверьте площадь"})
    return str(request.pk)


def _change_request_status(t: Targets) -> str:
    from tenants.residents.models import AccountChangeRequest

    return AccountChangeRequest.objects.get(pk=_change_request(t)).status


A_INVITATION_TOKEN = "a-invitation-token-for-the-matrix-0123456789"


def _a_invitation(t: Targets):
    """A's open invitation to a staff role without permissions (anyone with users.manage may resend it)."""
    from datetime import timedelta

    from django.utils import timezone

    invitation, _created = StaffInvitation.objects.get_or_create(
        principal=t.a, email="invited@a.matrix",
        defaults={"token_hash": token_hash(A_INVITATION_TOKEN), "role": "staff", "permissions": [],
                  "expires_at": timezone.now() + timedelta(days=1)})
    return invitation


def _confirm_variables(t: Targets) -> dict:
    """The linked resident's started card payment and a card token, as the browser sends them."""
    from agency.payments.online import online_payment_start
    from tests.payments.conftest import localstripe_ensure

    server = localstripe_ensure()
    _resident_home(t)
    token = server.sdk.v1.tokens.create(params={"card": {"number": "4242424242424242", "exp_month": "12",
                                                         "exp_year": "2030", "cvc": "123"}}).id
    resident = User.objects.filter(email=RESIDENT_EMAIL).first()
    if resident is None:  # the caller is someone else: refused before the id is read
        return {"id": "0", "token": token}
    started = online_payment_start(user=resident, els=RESIDENT_ELS, amount="120.00")
    return {"id": str(started.online_payment.pk), "token": token}


def _confirmed_intent(t: Targets) -> str | None:
    """The gateway's status of the linked resident's card payment (None: no payment started)."""
    from agency.payments.models import OnlinePayment
    from tests.payments.conftest import localstripe_ensure

    online = OnlinePayment.objects.filter(user__email=RESIDENT_EMAIL).order_by("-pk").first()
    if online is None:
        return None
    return localstripe_ensure().sdk.v1.payment_intents.retrieve(online.intent_id).status


OPS: dict[str, Op] = {
    "users": Op(USERS, Perm.USERS_VIEW, lambda t: {}, lambda t: None, None),
    "apiKeys": Op(API_KEYS, Perm.API_KEYS_MANAGE, lambda t: {}, lambda t: None, None),
    "apiKeyCreate": Op(
        API_KEY_CREATE, Perm.API_KEYS_MANAGE,
        lambda t: {"name": NEW_KEY_NAME, "permissions": ["API_KEYS_MANAGE"]},
        lambda t: list(ApiKey.objects.filter(principal=t.a, name=NEW_KEY_NAME).values_list("permissions", flat=True)),
        [["api_keys.manage"]],
    ),
    "apiKeyRevoke": Op(
        API_KEY_REVOKE, Perm.API_KEYS_MANAGE, lambda t: {"id": str(t.target_key.pk)},
        lambda t: ApiKey.objects.get(pk=t.target_key.pk).revoked_at is not None, True,
    ),
    "staffInvitationSend": Op(
        STAFF_INVITATION_SEND, Perm.USERS_MANAGE,
        lambda t: {"input": {"email": NEW_STAFF_EMAIL, "role": "STAFF", "permissions": []}},
        lambda t: list(StaffInvitation.objects.filter(principal=t.a, email=NEW_STAFF_EMAIL)
                       .values_list("role", "permissions")),
        [("staff", [])],
    ),
    "staffInvitations": Op(STAFF_INVITATIONS, Perm.USERS_VIEW, lambda t: _a_invitation(t) and {}, lambda t: None,
                           None),
    "staffInvitationResend": Op(
        STAFF_INVITATION_RESEND, Perm.USERS_MANAGE, lambda t: {"id": str(_a_invitation(t).pk)},
        lambda t: _a_invitation(t).token_hash == token_hash(A_INVITATION_TOKEN), False,
    ),
    "staffInvitationRevoke": Op(
        STAFF_INVITATION_REVOKE, Perm.USERS_MANAGE, lambda t: {"id": str(_a_invitation(t).pk)},
        lambda t: _a_invitation(t).revoked_at is not None, True,
    ),
    "membershipUpdate": Op(
        MEMBERSHIP_UPDATE, Perm.USERS_MANAGE,
        lambda t: {"id": str(t.target_membership.pk), "input": {"permissions": ["USERS_MANAGE"]}},
        lambda t: PrincipalMembership.objects.get(pk=t.target_membership.pk).permissions, ["users.manage"],
    ),
    "workspaceSettings": Op(WORKSPACE_SETTINGS, Perm.SETTINGS_VIEW, lambda t: {}, lambda t: None, None),
    "workspaceSettingsUpdate": Op(
        WORKSPACE_SETTINGS_UPDATE, Perm.SETTINGS_MANAGE, lambda t: {"input": {"paymentDueDay": 10}},
        lambda t: (settings_row("principal_a")[0][3], settings_row("principal_b")[0][3]), (10, 15),
    ),
    "principals": Op(PRINCIPALS, None, lambda t: {}, lambda t: None, None),
    "principal": Op(PRINCIPAL, None, lambda t: {"id": str(t.b.pk)}, lambda t: None, None),
    "agencyContracts": Op(AGENCY_CONTRACTS, None, lambda t: {"id": str(t.b.pk)}, lambda t: None, None),
    "ruleTables": Op(RULE_TABLES, None, lambda t: {}, lambda t: None, None),
    "principalCreate": Op(
        PRINCIPAL_CREATE, None, lambda t: {"input": principal_input(PRINCIPAL_CREATE_N)}, _principal_created,
        (True, True),
    ),
    "principalUpdate": Op(
        PRINCIPAL_UPDATE, None, lambda t: {"id": str(t.b.pk), "input": {"shortName": NEW_SHORT_NAME}},
        lambda t: Principal.objects.get(pk=t.b.pk).short_name, NEW_SHORT_NAME,
    ),
    "agencyContractCreate": Op(
        AGENCY_CONTRACT_CREATE, None,
        lambda t: {"id": str(t.b.pk), "input": contract_input(number=NEW_CONTRACT_NUMBER)},
        lambda t: sorted(AgencyContract.objects.filter(principal=t.b).values_list("number", flat=True)),
        sorted(["МАТР-0/2026", NEW_CONTRACT_NUMBER]),
    ),
    "agencyContractUpdate": Op(
        AGENCY_CONTRACT_UPDATE, None, lambda t: {"id": str(t.b_contract.pk), "input": {"feeRate": "2.5000"}},
        lambda t: AgencyContract.objects.get(pk=t.b_contract.pk).fee_rate, Decimal("2.5000"),
    ),
    # billing
    "accounts": Op(ACCOUNTS, Perm.ACCOUNTS_VIEW, lambda t: {}, lambda t: None, None),
    "houses": Op(HOUSES, Perm.ACCOUNTS_VIEW, lambda t: billing_account_id("principal_a") and {}, lambda t: None, None),
    "account": Op(ACCOUNT, Perm.ACCOUNTS_VIEW, lambda t: {"id": billing_account_id("principal_a")},
                  lambda t: None, None),
    "services": Op(SERVICES, Perm.CHARGES_VIEW, lambda t: {}, lambda t: None, None),
    "billingPeriods": Op(BILLING_PERIODS, Perm.CHARGES_VIEW, lambda t: {}, lambda t: None, None),
    "tariffCreate": Op(
        TARIFF_CREATE, Perm.SETTINGS_MANAGE,
        lambda t: {"serviceId": billing_service_id("principal_a"), "validFrom": "2027-01-01", "rate": "10"},
        lambda t: _a_billing(
            lambda: list(Tariff.objects.filter(valid_from__year=2027).values_list("valid_from", "rate"))
        ),
        [(date(2027, 1, 1), Decimal("10.000000"))],
    ),
    "chargeRun": Op(
        CHARGE_RUN, Perm.CHARGES_RUN, lambda t: {"month": "2026-06-01"},
        lambda t: _a_billing(lambda: list(BillingPeriod.objects.values_list("month", "status"))),
        [(date(2026, 6, 1), "running")],
    ),
    "periodPost": Op(
        PERIOD_POST, Perm.CHARGES_RUN, _a_calculated_june,
        lambda t: _a_billing(lambda: BillingPeriod.objects.filter(status="posted").exists()), True,
    ),
    "readingSubmit": Op(
        # the source (api or portal) depends on the caller: test_billing_more_api checks it
        READING_SUBMIT, Perm.READINGS_MANAGE, _a_meter_reading, lambda t: _a_readings("ISO-M-principal_a"),
        [(1, Decimal("12.5000"))],
    ),
    "recalculationCreate": Op(
        RECALCULATION_CREATE, Perm.CHARGES_RUN,
        lambda t: {"accountId": billing_account_id("principal_a"), "serviceId": billing_service_id("principal_a"),
                   "month": "2026-05-01", "manual": {"amount": "-10", "comment": "Акт №1"}},
        _a_recalculations, [(Decimal("-10.00"), "manual", "Акт №1")],
    ),
    "recalculations": Op(RECALCULATIONS, Perm.CHARGES_VIEW, lambda t: {"id": billing_account_id("principal_a")},
                         lambda t: None, None),
    "penaltyStatement": Op(
        PENALTY_STATEMENT, Perm.CHARGES_VIEW, lambda t: {"id": billing_account_id("principal_a"),
                                                         "asOf": "2026-06-30"},
        lambda t: None, None,
    ),
    "importBatches": Op(IMPORT_BATCHES, Perm.READINGS_MANAGE, lambda t: {"kind": "READINGS"}, lambda t: None, None),
    "chargeRunAll": Op(CHARGE_RUN_ALL, None, lambda t: {"month": "2026-06-01"}, lambda t: None, None),
    "chargeRunProgress": Op(CHARGE_RUN_PROGRESS, None, lambda t: {"month": "2026-06-01"}, lambda t: None, None),
    "benefitCategories": Op(BENEFIT_CATEGORIES, Perm.CHARGES_VIEW, lambda t: {}, lambda t: None, None),
    "accountBenefits": Op(ACCOUNT_BENEFITS, Perm.ACCOUNTS_VIEW, lambda t: {"id": billing_account_id("principal_a")},
                          lambda t: None, None),
    "benefitCategoryCreate": Op(
        BENEFIT_CATEGORY_CREATE, Perm.SETTINGS_MANAGE,
        lambda t: {"input": {"code": "MATRIX", "name": "Ветеран труда", "percent": "50",
                             "serviceKinds": ["MAINTENANCE", "HEATING"]}},
        _a_categories, [("MATRIX", Decimal("50.00"), ["heating", "maintenance"])],
    ),
    "accountBenefitAssign": Op(
        ACCOUNT_BENEFIT_ASSIGN, Perm.ACCOUNTS_MANAGE,
        lambda t: {"accountId": billing_account_id("principal_a"),
                   "categoryId": billing_benefit_category_id("principal_a"), "validFrom": "2026-07-01"},
        _a_grants, [(1, date(2026, 7, 1), None)],
    ),
    "accountBenefitEnd": Op(
        ACCOUNT_BENEFIT_END, Perm.ACCOUNTS_MANAGE,
        lambda t: {"id": billing_account_benefit_id("principal_a"), "validTo": "2026-12-31"},
        _a_grant_end, date(2026, 12, 31),
    ),
    "houseReadingWindowSet": Op(
        HOUSE_READING_WINDOW_SET, Perm.SETTINGS_MANAGE,
        lambda t: {"houseId": registry_house_id("улица Окон"), "startDay": 2, "endDay": 7},
        _a_windows("улица Окон"), [(2, 7)],
    ),
    "houseReadingWindowClear": Op(
        HOUSE_READING_WINDOW_CLEAR, Perm.SETTINGS_MANAGE,
        lambda t: {"houseId": registry_house_id(CLEARED_STREET)}, _a_window_to_clear, [],
    ),
    "residentMeters": Op(RESIDENT_METERS, RESIDENT, lambda t: _resident_home(t) and {}, lambda t: None, None),
    "residentReadingSubmit": Op(
        RESIDENT_READING_SUBMIT, RESIDENT, _resident_home, lambda t: _a_readings("RES-M-1", "source"),
        [(1, Decimal("3.2500"), "cabinet")],
    ),
    "residentPaymentStart": Op(
        RESIDENT_PAYMENT_START, RESIDENT, _resident_payment, _resident_online_payments,
        [(Decimal("150.00"), "created")],
    ),
    "residentOnlinePayments": Op(
        RESIDENT_ONLINE_PAYMENTS, RESIDENT, lambda t: _resident_home(t) and {"els": RESIDENT_ELS}, lambda t: None, None,
    ),
    "residentDocuments": Op(RESIDENT_DOCUMENTS, RESIDENT, lambda t: _resident_epd(t) and {}, lambda t: None, None),
    "residentDocument": Op(RESIDENT_DOCUMENT, RESIDENT, lambda t: {"id": _resident_epd(t)}, lambda t: None, None),
    "residentEReceipts": Op(
        RESIDENT_E_RECEIPTS, RESIDENT, lambda t: _resident_home(t) and {"els": RESIDENT_ELS, "enabled": True},
        _e_receipts, [True],
    ),
    "principalEpdBlocks": Op(PRINCIPAL_EPD_BLOCKS, Perm.CHARGES_VIEW,
                             lambda t: _resident_epd(t) and {"month": EPD_MONTH}, lambda t: None, None),
    "epdRuns": Op(EPD_RUNS, None, lambda t: _resident_epd(t) and {}, lambda t: None, None),
    "epdRun": Op(EPD_RUN, None, lambda t: {"id": _epd_run_id(t)}, lambda t: None, None),
    "epdRunIssues": Op(EPD_RUN_ISSUES, None, lambda t: {"runId": _epd_run_id(t)}, lambda t: None, None),
    "epdDocuments": Op(EPD_DOCUMENTS, None, lambda t: _resident_epd(t) and {"els": RESIDENT_ELS},
                       lambda t: None, None),
    "epdRunStart": Op(EPD_RUN_START, None, lambda t: {"month": "2026-11-01"}, _epd_runs,
                      [(date(2026, 11, 1), "pending")]),
    "epdReissue": Op(EPD_REISSUE, None, lambda t: _resident_home(t) and {"els": RESIDENT_ELS, "month": EPD_MONTH},
                     _epd_reissue_runs, [date(2026, 10, 1)]),
    # payments: the agent's back office
    "paymentImports": Op(PAYMENT_IMPORTS, None, lambda t: {}, lambda t: None, None),
    "paymentQueue": Op(PAYMENT_QUEUE, None, lambda t: _payment("queued") and {}, lambda t: None, None),
    "payments": Op(PAYMENTS, None, lambda t: _payment("listed") and {"search": "NOBODY-MATRIX"}, lambda t: None, None),
    "cashShifts": Op(CASH_SHIFTS, None, lambda t: {}, lambda t: None, None),
    "payouts": Op(PAYOUTS, None, lambda t: {}, lambda t: None, None),
    "reconciliation": Op(RECONCILIATION, None, lambda t: {"day": PAYMENTS_DAY}, lambda t: None, None),
    "calendarCoverage": Op(CALENDAR_COVERAGE, None, lambda t: {}, lambda t: None, None),
    "paymentResolve": Op(
        PAYMENT_RESOLVE, None, lambda t: {"id": str(_payment("resolve").pk), "els": _household(MATRIX_ELS).number},
        _payment_state("resolve"), ("matched", MATRIX_ELS),
    ),
    "paymentReturn": Op(PAYMENT_RETURN, None, lambda t: {"id": str(_payment("return").pk)},
                        _payment_state("return"), ("refunded", None)),
    "paymentsAllocate": Op(
        PAYMENTS_ALLOCATE, None, lambda t: {"ids": [str(_payment("allocate", **_allocatable(t)).pk)]},
        lambda t: _payment_state("allocate", **_allocatable(t))(t), ("allocated", ALLOCATE_ELS),
    ),
    "cashShiftOpen": Op(CASH_SHIFT_OPEN, None, lambda t: {"desk": "МАТРИЦА"}, _open_shifts, [("МАТРИЦА", None)]),
    "cashReceiptRecord": Op(
        CASH_RECEIPT_RECORD, None,
        lambda t: {"shiftId": _caller_shift(DESK_RECEIPTS), "amount": "12.34", "day": PAYMENTS_DAY},
        _desk_receipts, [("К-1", Decimal("12.34"))],
    ),
    "cashShiftClose": Op(CASH_SHIFT_CLOSE, None, lambda t: {"shiftId": _caller_shift(DESK_CLOSE)}, _closed_shifts,
                         [0]),
    "payoutsBuild": Op(PAYOUTS_BUILD, None, lambda t: {"day": _build_day().isoformat()}, _built, True),
    "payoutApprove": Op(
        PAYOUT_APPROVE, None, lambda t: {"ids": [str(_payout(t.a, date(2026, 11, 20)).pk)]},
        _payout_status(lambda t: t.a, date(2026, 11, 20), "created"), "approved",
    ),
    # B's contract (the matrix's only one) is in force on the day: the export has the payee's account
    "payoutsExport": Op(
        PAYOUTS_EXPORT, None, lambda t: {"ids": [str(_payout(t.b, date(2026, 11, 19), "approved").pk)]},
        _payout_status(lambda t: t.b, date(2026, 11, 19), "approved"), "exported",
    ),
    # four eyes on bank requisites: a pending change of B's own account, proposed by someone else
    "requisitesChanges": Op(REQUISITES_CHANGES, None, lambda t: _requisites_change(t) and {}, lambda t: None, None),
    "requisitesChangeConfirm": Op(REQUISITES_CHANGE_CONFIRM, None, lambda t: {"id": str(_requisites_change(t).pk)},
                                  lambda t: _requisites_change(t).status, "confirmed"),
    "requisitesChangeReject": Op(REQUISITES_CHANGE_REJECT, None, lambda t: {"id": str(_requisites_change(t).pk)},
                                 lambda t: _requisites_change(t).status, "rejected"),
    # payments: what a principal sees and enters
    "principalPayouts": Op(PRINCIPAL_PAYOUTS, Perm.PAYMENTS_VIEW, lambda t: _payout(t.a, date(2026, 11, 18)) and {},
                           lambda t: None, None),
    "principalReceipts": Op(PRINCIPAL_RECEIPTS, Perm.PAYMENTS_VIEW, lambda t: {}, lambda t: None, None),
    # the residents' cabinet: households, history, linking, change requests, card confirm; the requests' other side
    "residentHouseholds": Op(RESIDENT_HOUSEHOLDS, RESIDENT, lambda t: _resident_home(t) and {}, lambda t: None, None),
    "residentHistory": Op(RESIDENT_HISTORY, RESIDENT, lambda t: _resident_home(t) and {"els": RESIDENT_ELS},
                          lambda t: None, None),
    "residentChangeRequests": Op(RESIDENT_CHANGE_REQUESTS, RESIDENT, lambda t: _resident_home(t) and {},
                                 lambda t: None, None),
    "residentLinkAccount": Op(RESIDENT_LINK_ACCOUNT, RESIDENT, _link_variables, _links_to(LINK_ELS), [LINK_ELS]),
    "residentUnlinkAccount": Op(RESIDENT_UNLINK_ACCOUNT, RESIDENT, lambda t: {"els": RESIDENT_ELS},
                                _links_to(RESIDENT_ELS, home=True), []),
    "residentChangeRequestCreate": Op(
        RESIDENT_CHANGE_REQUEST_CREATE, RESIDENT,
        lambda t: _resident_home(t) and {"els": RESIDENT_ELS, "principalId": str(t.a.pk), "kind": "OTHER",
                                         "comment": CHANGE_COMMENT},
        _change_requests_made, [("other", CHANGE_COMMENT, "RES-MATRIX")],
    ),
    "residentPaymentConfirm": Op(RESIDENT_PAYMENT_CONFIRM, RESIDENT, _confirm_variables, _confirmed_intent,
                                 "succeeded"),
    "changeRequests": Op(CHANGE_REQUESTS, Perm.ACCOUNTS_VIEW, lambda t: _change_request(t) and {},
                         lambda t: None, None),
    "changeRequestResolve": Op(CHANGE_REQUEST_RESOLVE, Perm.ACCOUNTS_MANAGE,
                               lambda t: {"id": _change_request(t), "accept": True, "answer": "Принято"},
                               _change_request_status, "accepted"),
    "ownReceiptRecord": Op(
        OWN_RECEIPT_RECORD, Perm.PAYMENTS_MANAGE,
        lambda t: {"account": billing_account_id("principal_a") and "ISO-principal_a", "amount": "45.67",
                   "day": PAYMENTS_DAY, "doc": "ПКО-М"},
        _own_receipts, [(Decimal("45.67"), "2026-11-25:ПКО-М")],
    ),
}

OPS.update({
    # appeals: principal staff on their host, agent staff and residents on the agent's (see _appeal_cases)
    "appeals": Op(APPEALS, Perm.APPEALS_MANAGE, lambda t: _caller_appeal(t) and {}, lambda t: None, None),
    "appeal": Op(APPEAL, Perm.APPEALS_MANAGE, lambda t: {"id": _caller_appeal(t)}, lambda t: None, None),
    "appealCreate": Op(APPEAL_CREATE, Perm.APPEALS_MANAGE, lambda t: {"subject": "Создано матрицей", "text": "Текст"},
                       _appeals_with("Создано матрицей"), ["Создано матрицей"]),
    "appealReply": Op(APPEAL_REPLY, Perm.APPEALS_MANAGE, lambda t: {"id": _caller_appeal(t), "text": "Ответ матрицы"},
                      _appeal_messages, 1),
    "appealClose": Op(APPEAL_CLOSE, Perm.APPEALS_MANAGE, lambda t: {"id": _caller_appeal(t)},
                      _appeals_with(MATRIX_APPEAL, status="closed"), [MATRIX_APPEAL]),
    # reports: a principal's own, on its host
    "principalDashboard": Op(PRINCIPAL_DASHBOARD, Perm.REPORTS_VIEW, lambda t: {}, lambda t: None, None),
    "reportJobs": Op(REPORT_JOBS, Perm.REPORTS_VIEW, lambda t: _a_report_job(t) and {}, lambda t: None, None),
    "reportJob": Op(REPORT_JOB, Perm.REPORTS_VIEW, lambda t: {"id": _a_report_job(t)}, lambda t: None, None),
    "reportRequest": Op(REPORT_REQUEST, Perm.REPORTS_VIEW, lambda t: {"kind": "DEBTORS"}, _a_report_jobs,
                        [("debtors", "queued")]),
})


# --- imports of uploaded files (graphql_api/imports) -------------------------------------------------------------
# The file goes to POST /uploads/<kind> first, as the caller (their session or API key, on their host), and the
# mutation takes the key it answered; a caller the upload refuses sends a key that names nothing. Either way the
# mutation answers the caller's refusal as the upload endpoint did before the keys, whatever the key.

MADE_UP_KEY = "matrix-key-the-upload-refused"
PAYOUT_ORDER = 7701  # B's exported payout the matrix's statement confirms


def _staged_key(client, kind: str, filename: str, data: bytes) -> str:
    """The key POST /uploads/<kind> answered the case's caller for the file (or MADE_UP_KEY when it refused them)."""
    extra = {"HTTP_HOST": client.host}
    if client.api_key:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {client.api_key}"
    response = client.client.post(f"/uploads/{kind}", {"file": SimpleUploadedFile(filename, data)}, **extra)
    assert response.status_code in (200, 401, 403), response.content
    return response.json()["key"] if response.status_code == 200 else MADE_UP_KEY


def _import_op(kind: str, perm: str | None, fields: dict, file, written, after_success) -> Op:
    """The kind's import mutation (tests/graphql_api/uploading.py) with the form's other fields as variables."""
    request = import_request(kind, "", fields)
    variables = {name: value for name, value in request["variables"].items() if name != "key"}
    return Op(request["query"], perm, lambda t: dict(variables), written, after_success,
              upload=lambda t: (kind, *file(t)))


def _a_batches(filename: str):
    def read(t: Targets) -> list:
        from tenants.billing.models import ImportBatch

        return _a_billing(lambda: list(ImportBatch.objects.filter(filename=filename)
                                       .values_list("kind", "status", "rows_loaded")))

    return read


def _readings_file(t: Targets) -> tuple[str, bytes]:
    billing_meter_id("principal_a")
    text = f"Заводской номер;Зона;Показание;Дата\nISO-M-principal_a;1;12,5;{window_day():%d.%m.%Y}\n"
    return "matrix-readings.csv", text.encode("cp1251")


def _opening_balances_file(t: Targets) -> tuple[str, bytes]:
    billing_account_id("principal_a")
    billing_service_id("principal_a")
    return "matrix-saldo.csv", "Лицевой счёт;Услуга;Сальдо\nISO-principal_a;iso-heat;250,00\n".encode("cp1251")


def _own_receipts_file(t: Targets) -> tuple[str, bytes]:
    billing_account_id("principal_a")
    day = date.fromisoformat(PAYMENTS_DAY)
    text = f"Лицевой счёт;Дата оплаты;Сумма;Номер документа\nISO-principal_a;{day:%d.%m.%Y};45,67;ПКО-Ф\n"
    return "matrix-own.csv", text.encode("cp1251")


def _payment_imports(filename: str):
    def read(t: Targets) -> list:
        from agency.payments.models import RegistryImport

        return list(RegistryImport.objects.filter(filename=filename).values_list("kind", "status", "rows_posted"))

    return read


def _registry_file(t: Targets) -> tuple[str, bytes]:
    from tests.payments.test_registry_import import sber_file, sber_line

    return "matrix-registry.txt", sber_file([sber_line(1, "7600008899", "77,70", day="25-11-2026")])


def _agent_account() -> str:
    return Principal.objects.get(schema_name="public").settlement_account


def _statement_file(t: Targets) -> tuple[str, bytes]:
    from tests.payments.test_statement_import import statement

    return "matrix-statement.txt", statement(_agent_account(), incoming=[("901", "12.34", "Оплата ЖКУ")],
                                             outgoing=())


def _exported_payout(t: Targets):
    """B's payout exported with order PAYOUT_ORDER (made on the first look)."""
    from agency.payments.models import Payout

    day = date(2026, 11, 16)
    payout, _c = Payout.objects.get_or_create(principal=t.b, business_day=day, defaults={
        "covers_from": day, "covers_to": day, "gross": Decimal("100.00"), "fee": Decimal("1.25"),
        "net": Decimal("98.75"), "status": "exported", "order_number": PAYOUT_ORDER, "order_date": MATRIX_DAY,
        "payee_account": t.b.settlement_account})
    return payout


def _confirmation_file(t: Targets) -> tuple[str, bytes]:
    from tests.payments.test_payouts import bank_statement

    payout = _exported_payout(t)
    return "matrix-vypiska.txt", bank_statement(_agent_account(), [
        {"number": payout.order_number, "date": payout.order_date, "amount": payout.net,
         "payee": payout.payee_account}], MATRIX_DAY)


def _exported_payout_status(t: Targets) -> str:
    from agency.payments.models import Payout

    return Payout.objects.get(pk=_exported_payout(t).pk).status


OPS.update({
    # a principal's files, on its host: the permission each kind's upload asked for
    "readingsImport": _import_op("readings", Perm.READINGS_MANAGE, {"mode": "all_or_nothing"}, _readings_file,
                                 _a_batches("matrix-readings.csv"), [("readings", "loaded", 1)]),
    "openingBalancesImport": _import_op(
        "opening-balances", Perm.ACCOUNTS_MANAGE, {"mode": "all_or_nothing", "month": "2026-05-01"},
        _opening_balances_file, _a_batches("matrix-saldo.csv"), [("opening_balances", "loaded", 1)]),
    "ownReceiptsImport": _import_op("own-receipts", Perm.PAYMENTS_MANAGE, {"mode": "all_or_nothing"},
                                    _own_receipts_file, _a_batches("matrix-own.csv"), [("own_receipts", "loaded", 1)]),
    # the agent's files: agent staff on the agent's host
    "paymentRegistryImport": _import_op("payment-registry", None, {"layout": "sber_standard"}, _registry_file,
                                        _payment_imports("matrix-registry.txt"), [("registry", "posted", 1)]),
    "bankStatementImport": _import_op("bank-statement", None, {}, _statement_file,
                                      _payment_imports("matrix-statement.txt"), [("statement", "posted", 1)]),
    "payoutConfirmationImport": _import_op("payout-confirmation", None, {}, _confirmation_file,
                                           _exported_payout_status, "confirmed"),
})
# --- debt collection (graphql_api/collection): each op's success on A's isolation account ----------------------

MX_ACCOUNT = "ISO-principal_a"


def _mx(read):
    """``read`` in A's schema, after A's isolation account and the register's lines the ops act on exist."""
    from datetime import timedelta

    from django.utils import timezone

    from tenants.billing.models import PersonalAccount, Service
    from tenants.collection.models import Debtor, DebtorLine

    billing_service_id("principal_a")
    account_id = int(billing_account_id("principal_a"))
    with schema_context("principal_a"):
        account = PersonalAccount.objects.get(pk=account_id)
        for code, kind in (("mx-el", "electricity"), ("mx-gas", "gas"), ("mx-hw", "hot_water"),
                           ("mx-dr", "drainage")):
            service, _c = Service.objects.get_or_create(code=code, defaults={
                "kind": kind, "name": code, "unit": "ед.", "tariff_kind": "per_unit"})
            DebtorLine.objects.get_or_create(account=account, service=service, defaults={
                "debt": "900.00", "principal_debt": "900.00", "penalties": "0", "age_1": "900.00",
                "norm_charge": "300.00", "months_of_norm": "3.00", "threshold": True, "restrictable": True})
        Debtor.objects.get_or_create(account=account, defaults={
            "number": MX_ACCOUNT, "payer_name": account.payer_name, "house_id": account.premise.house_id,
            "address": str(account.premise), "debt": "2700.00", "principal_debt": "2700.00", "penalties": "0",
            "months": 1, "threshold": True, "refreshed_at": timezone.now()})
        return read(account, timezone.localdate(), timedelta)


def _mx_warning(code: str, status: str = "issued"):
    """A warning of the service ``code`` issued 30 days ago (delivered 25 days ago unless ``issued``)."""
    from tenants.billing.models import Service
    from tenants.collection.models import Warning

    def read(account, today, timedelta):
        delivered = None if status == "issued" else today - timedelta(days=25)
        warning, _c = Warning.objects.get_or_create(
            account=account, service=Service.objects.get(code=code), month=today.replace(day=1) - timedelta(days=40),
            defaults={"debt": "900.00", "norm_charge": "300.00", "channel": "registered_letter",
                      "issued_on": today - timedelta(days=30), "delivered_on": delivered,
                      "term_end": delivered and delivered + timedelta(days=20), "status": status})
        return warning

    return read


def _mx_restriction(code: str, status: str, done_days_ago: int = 1):
    from tenants.collection.models import Restriction

    def read(account, today, timedelta):
        warning = _mx_warning(code, "delivered")(account, today, timedelta)
        restriction, _c = Restriction.objects.get_or_create(warning=warning, defaults={
            "account": account, "service": warning.service, "kind": "restriction", "status": status,
            "executor": "Матрица", "ordered_on": today - timedelta(days=done_days_ago + 1),
            "done_on": today - timedelta(days=done_days_ago) if status == "done" else None})
        return restriction

    return read


def _mx_draft(account, today, timedelta):
    from tenants.collection.models import Agreement

    agreement, _c = Agreement.objects.get_or_create(number="С-МАТРИЦА", defaults={
        "account": account, "status": "draft", "parts": 3, "total": "900.00", "first_due": today})
    return agreement


def _mx_case(account, today, timedelta):
    """A court case on the posted October's debt: filing it draws the court package, which needs that calculation
    (without one the step is refused, CALCULATION_MISSING)."""
    from tenants.collection.models import CourtCase

    _mx_posted(account, today, timedelta)
    case, _c = CourtCase.objects.get_or_create(number="Д-МАТРИЦА", defaults={
        "account": account, "route": "order", "period_from": today - timedelta(days=90), "period_to": today,
        "principal_debt": "900.00", "penalties": "0", "state_fee": "2000.00", "fee_source": "НК РФ ст.333.19",
        "calculated_on": today})
    return case


def _mx_posted(account, today, timedelta):
    """A posted October with 500.00 owed on the account's heating: what the register and a court case read."""
    from tenants.billing.models import Balance, BillingPeriod, Service

    period, created = BillingPeriod.objects.get_or_create(month=date(2026, 10, 1), defaults={"status": "calculated"})
    if created:  # a posted period's rows cannot change: the balance goes in before the posting
        Balance.objects.create(period=period, account=account, service=Service.objects.get(code="iso-heat"),
                               charged="500.00", closing="500.00")
        BillingPeriod.objects.filter(pk=period.pk).update(status="posted")
    return {"n": MX_ACCOUNT}


def _mx_balance(t: Targets) -> dict:
    """Only the posted balance (no register rows): what a refresh reads."""
    from tenants.billing.models import PersonalAccount

    billing_service_id("principal_a")
    account_id = int(billing_account_id("principal_a"))
    return _a_billing(lambda: _mx_posted(PersonalAccount.objects.get(pk=account_id), _today(), None))


def _mx_debtors(t: Targets) -> list:
    from tenants.collection.models import Debtor

    return _a_billing(lambda: list(Debtor.objects.values_list("number", "debt")))


def _mx_stop_reasons(t: Targets) -> list:
    from tenants.collection.models import AccountCollection

    return _a_billing(lambda: list(AccountCollection.objects.values_list("stopped_reason", flat=True)))


def _mx_rows(model_name: str, *fields):
    def read(t: Targets) -> list:
        from tenants.collection import models

        billing_service_id("principal_a")
        return _mx(lambda account, today, timedelta: list(
            getattr(models, model_name).objects.order_by("pk").values_list(*fields)))

    return read


def _mx_stopped(t: Targets):
    """Whether work on the account is stopped; stopped the first time it is looked at (resume's precondition)."""
    from django.utils import timezone

    from tenants.collection.models import AccountCollection

    def read(account, today, timedelta):
        row, _c = AccountCollection.objects.get_or_create(account=account, defaults={
            "stage": "none", "stage_since": today, "stopped_at": timezone.now(), "stopped_reason": "Матрица"})
        return row.stopped_at is not None

    return _mx(read)


def _resident_debt(t: Targets) -> dict:
    """The matrix resident's household at A, in A's register with a debt: it may ask for an agreement."""
    from django.utils import timezone

    from tenants.billing.models import PersonalAccount
    from tenants.collection.models import Debtor

    _resident_home(t)
    with schema_context("principal_a"):
        account = PersonalAccount.objects.get(unified_account__number=RESIDENT_ELS)
        Debtor.objects.get_or_create(account=account, defaults={
            "number": account.number, "payer_name": "Житель", "house_id": account.premise.house_id, "address": "-",
            "debt": "450.00", "principal_debt": "450.00", "penalties": "0", "months": 2,
            "refreshed_at": timezone.now()})
    return {"els": RESIDENT_ELS, "p": str(t.a.pk), "parts": 3}


def _resident_agreements(t: Targets) -> list:
    from tenants.collection.models import Agreement

    return _a_billing(lambda: list(Agreement.objects.values_list("status", "parts", "requested_by_resident")))


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


OPS.update({
    "debtors": Op(DEBTORS, Perm.COLLECTION_VIEW, lambda t: _mx(lambda *a: {}), lambda t: None, None),
    "debtorSummary": Op(DEBTOR_SUMMARY, Perm.COLLECTION_VIEW, lambda t: _mx(lambda *a: {}), lambda t: None, None),
    "debtor": Op(DEBTOR, Perm.COLLECTION_VIEW, lambda t: _mx(lambda *a: {"n": MX_ACCOUNT}), lambda t: None, None),
    # the refresh rewrites the snapshot from the balances: the posted 500.00 puts the account in the register
    "collectionRegisterRefresh": Op(
        COLLECTION_REGISTER_REFRESH, Perm.COLLECTION_VIEW,
        lambda t: _mx_balance(t) and {}, _mx_debtors, [(MX_ACCOUNT, Decimal("500.00"))],
    ),
    "collectionWorkStop": Op(
        COLLECTION_WORK_STOP, Perm.COLLECTION_STOP, lambda t: billing_account_id("principal_a") and {
            "n": MX_ACCOUNT, "r": "Матрица"},
        _mx_stop_reasons, ["Матрица"],
    ),
    "collectionWorkResume": Op(COLLECTION_WORK_RESUME, Perm.COLLECTION_STOP, lambda t: {"n": MX_ACCOUNT},
                               _mx_stopped, False),
    "warningIssue": Op(
        WARNING_ISSUE, Perm.COLLECTION_MANAGE, lambda t: _mx(lambda *a: {"n": MX_ACCOUNT, "s": "mx-el", "c": "EPD"}),
        _mx_rows("Warning", "service__code", "channel"), [("mx-el", "epd")],
    ),
    "warningDelivered": Op(
        WARNING_DELIVERED, Perm.COLLECTION_MANAGE,
        lambda t: {"id": str(_mx(_mx_warning("mx-el")).pk), "d": _today().isoformat()},
        lambda t: _mx(_mx_warning("mx-el")).status, "delivered",
    ),
    "restrictionOrder": Op(
        RESTRICTION_ORDER, Perm.COLLECTION_MANAGE,
        lambda t: {"w": str(_mx(_mx_warning("mx-el", "delivered")).pk), "e": "Матрица"},
        _mx_rows("Restriction", "service__code", "status"), [("mx-el", "ordered")],
    ),
    "restrictionDone": Op(
        RESTRICTION_DONE, Perm.COLLECTION_MANAGE,
        lambda t: {"id": str(_mx(_mx_restriction("mx-gas", "ordered")).pk), "d": _today().isoformat(), "a": "А-1"},
        lambda t: _mx(_mx_restriction("mx-gas", "ordered")).status, "done",
    ),
    "restrictionLift": Op(
        RESTRICTION_LIFT, Perm.COLLECTION_MANAGE,
        lambda t: {"id": str(_mx(_mx_restriction("mx-hw", "done")).pk), "d": _today().isoformat()},
        lambda t: _mx(_mx_restriction("mx-hw", "done")).status, "lifted",
    ),
    "restrictionSuspend": Op(  # restricted 12 days ago: past the 10 days of п.119 «в»
        RESTRICTION_SUSPEND, Perm.COLLECTION_MANAGE,
        lambda t: {"id": str(_mx(_mx_restriction("mx-dr", "done", 12)).pk), "d": _today().isoformat()},
        lambda t: _mx(_mx_restriction("mx-dr", "done", 12)).kind, "suspension",
    ),
    "agreementPrepare": Op(
        AGREEMENT_PREPARE, Perm.COLLECTION_MANAGE,
        lambda t: _mx(lambda *a: {"n": MX_ACCOUNT, "parts": 3, "first": "2027-01-10", "total": "900.00"}),
        _mx_rows("Agreement", "status", "total"), [("draft", Decimal("900.00"))],
    ),
    "agreementSign": Op(AGREEMENT_SIGN, Perm.COLLECTION_MANAGE,
                        lambda t: {"id": str(_mx(_mx_draft).pk), "d": _today().isoformat()},
                        lambda t: _mx(_mx_draft).status, "active"),
    "agreementDecline": Op(AGREEMENT_DECLINE, Perm.COLLECTION_MANAGE,
                           lambda t: {"id": str(_mx(_mx_draft).pk), "r": "Матрица"},
                           lambda t: _mx(_mx_draft).status, "declined"),
    "courtCaseOpen": Op(COURT_CASE_OPEN, Perm.COLLECTION_MANAGE, lambda t: _mx(_mx_posted),
                        _mx_rows("CourtCase", "status"), [("claim",)]),
    "courtCaseEvent": Op(COURT_CASE_EVENT, Perm.COLLECTION_MANAGE,
                         lambda t: {"id": str(_mx(_mx_case).pk), "k": "FILED", "d": _today().isoformat()},
                         lambda t: _mx(_mx_case).status, "filed"),
    "myCollection": Op(MY_COLLECTION, RESIDENT, lambda t: _resident_debt(t) and {}, lambda t: None, None),
    "agreementRequest": Op(AGREEMENT_REQUEST, RESIDENT, _resident_debt, _resident_agreements,
                           [("requested", 3, True)]),
})


# --- the debt collection back office (graphql_api/collection/office) --------------------------------------------

MX_CAMPAIGN = "Кампания матрицы"
MX_CAMPAIGN_RENAMED = "Кампания матрицы, изменена"
MX_CAMPAIGN_NEW = "Кампания, созданная матрицей"


def _mx_campaign(t: Targets):
    """The matrix's campaign (A only), found by its description: an update renames it."""
    from agency.collection.campaigns import campaign_create
    from agency.collection.models import Campaign

    return Campaign.objects.filter(description="matrix").first() or campaign_create(
        name=MX_CAMPAIGN, description="matrix", actions=["epd_warning"], principal_ids=[t.a.pk])


def _mx_campaign_runs(t: Targets) -> list:
    from agency.collection.models import CampaignRun

    return list(CampaignRun.objects.filter(campaign=_mx_campaign(t)).values_list("month", "status"))


def _mx_campaigns_named(t: Targets) -> list:
    from agency.collection.models import Campaign

    return list(Campaign.objects.filter(name=MX_CAMPAIGN_NEW).values_list("name", flat=True))


def _mx_epd_month() -> date:
    return (_today().replace(day=1) - timedelta(days=1)).replace(day=1)  # last month: its ЕПД are out


def _mx_epd_warning(account, today, timedelta):
    """A warning printed in last month's ЕПД of A's isolation account, not delivered yet."""
    from tenants.billing.models import Service
    from tenants.collection.models import Warning

    month = _mx_epd_month()
    warning, _c = Warning.objects.get_or_create(
        account=account, service=Service.objects.get(code="mx-el"), month=month, defaults={
            "debt": "900.00", "norm_charge": "300.00", "channel": "epd", "issued_on": month, "status": "issued"})
    return warning


OPS.update({
    # the agent's: campaigns, the overview across principals, the ЕПД delivery, the rate per principal
    "campaigns": Op(CAMPAIGNS, None, lambda t: _mx_campaign(t) and {}, lambda t: None, None),
    "campaign": Op(CAMPAIGN, None, lambda t: {"id": str(_mx_campaign(t).pk)}, lambda t: None, None),
    "collectionOverview": Op(COLLECTION_OVERVIEW, None, lambda t: _mx(lambda *a: {}), lambda t: None, None),
    "collectionRatesByPrincipal": Op(COLLECTION_RATES_BY_PRINCIPAL, None,
                                     lambda t: {"f": "2026-01-01", "t": "2026-12-01"}, lambda t: None, None),
    "campaignCreate": Op(
        CAMPAIGN_CREATE, None,
        lambda t: {"i": {"name": MX_CAMPAIGN_NEW, "actions": ["SMS"], "principalIds": [str(t.a.pk)]}},
        _mx_campaigns_named, [MX_CAMPAIGN_NEW],
    ),
    "campaignUpdate": Op(
        CAMPAIGN_UPDATE, None, lambda t: {"id": str(_mx_campaign(t).pk), "i": {"name": MX_CAMPAIGN_RENAMED}},
        lambda t: _mx_campaign(t).name, MX_CAMPAIGN_RENAMED,
    ),
    "campaignRun": Op(CAMPAIGN_RUN, None, lambda t: {"id": str(_mx_campaign(t).pk), "m": "2026-11-10"},
                      _mx_campaign_runs, [(date(2026, 11, 1), "queued")]),
    "epdWarningsDelivered": Op(
        EPD_WARNINGS_DELIVERED, None,
        lambda t: {"m": _mx(_mx_epd_warning).month.isoformat(), "d": _today().isoformat(), "p": [str(t.a.pk)]},
        lambda t: _mx(_mx_epd_warning).status, "delivered",
    ),
    # a principal's own rates
    "collectionRates": Op(COLLECTION_RATES, Perm.COLLECTION_VIEW, lambda t: {"f": "2026-01-01", "t": "2026-12-01"},
                          lambda t: None, None),
})


IMPORT_OPS = {name for name, op in OPS.items() if op.upload is not None}

# Open to everyone (they describe the caller, or log in and out): not in the matrix.
# residentSignUp is for anonymous callers on the agent's host (like login); tests/cabinet/test_signup_link.py checks
# that principals' hosts, keys and logged-in users are refused.
# residentSignUpConfirm, staffInvitation(Accept) and passwordReset* are open too: the e-mailed link is the credential
# (tests/identity, tests/cabinet/test_signup_link.py).
OPEN_FIELDS = {"me", "permissions", "currentPrincipal", "login", "logout", "residentSignUp", "residentSignUpConfirm",
               "staffInvitation", "staffInvitationAccept", "passwordResetRequest", "passwordResetComplete"}

PRINCIPAL_OPS = sorted(name for name, op in OPS.items() if op.perm not in (None, RESIDENT) and name not in APPEAL_OPS)
AGENT_OPS = sorted(name for name, op in OPS.items() if op.perm is None)
RESIDENT_OPS = sorted(name for name, op in OPS.items() if op.perm == RESIDENT)
# agent ops only an approver or the agent's admin may call (identity.permissions.AGENT_ROLE_PERMS)
APPROVER_OPS = {"payoutApprove", "requisitesChangeConfirm", "requisitesChangeReject"}


# --- actors ------------------------------------------------------------------------------------------------


def client_for(actor: str, host: str, op: Op, t: Targets, gql):
    """A GraphQL client for one actor; ``op.perm`` decides what 'with'/'without the permission' means."""
    others = sorted(ALL_PERMS - {op.perm}) if op.perm else sorted(ALL_PERMS)
    if actor == "anonymous":
        return gql(host)
    if actor == "resident":
        return gql(host, user=factories.user(is_resident=True))
    if actor == "linked_resident":
        return gql(host, user=factories.user(RESIDENT_EMAIL, is_resident=True))
    if actor == "staff_of_other_principal":
        return gql(host, user=factories.staff(t.b, role=PrincipalRole.ADMIN))
    if actor == "staff_without_perm":
        return gql(host, user=factories.staff(t.a, permissions=others))
    if actor == "staff_with_perm":
        return gql(host, user=factories.staff(t.a, permissions=[op.perm]))
    if actor == "inactive_staff_with_perm":
        user = factories.staff(t.a, permissions=[op.perm] if op.perm else others)
        PrincipalMembership.objects.filter(user=user).update(is_active=False)
        return gql(host, user=user)
    if actor == "principal_admin":
        return gql(host, user=t.a_admin)
    if actor == "key_without_perm":
        return gql(host, api_key=factories.api_key(t.a, others))
    if actor == "key_with_perm":
        return gql(host, api_key=factories.api_key(t.a, [op.perm]))
    if actor == "key_with_all_perms":
        return gql(host, api_key=factories.api_key(t.a, ALL_PERMS))
    if actor == "agent_operator":
        return gql(host, user=factories.user(agent_role="operator"))
    if actor == "agent_admin":
        return gql(host, user=factories.user(agent_role="admin"))
    if actor == "agent_approver":
        return gql(host, user=factories.user(agent_role="approver"))
    raise AssertionError(actor)


def _principal_cases():
    for name in PRINCIPAL_OPS:
        perm = OPS[name].perm
        yield name, "anonymous", "a", "UNAUTHENTICATED"
        yield name, "anonymous", "public", "UNAUTHENTICATED"
        yield name, "resident", "public", "PRINCIPAL_HOST_REQUIRED"
        yield name, "resident", "a", "FOREIGN_PRINCIPAL"
        yield name, "staff_of_other_principal", "a", "FOREIGN_PRINCIPAL"
        yield name, "inactive_staff_with_perm", "a", "FOREIGN_PRINCIPAL"
        yield name, "staff_without_perm", "a", "PERMISSION_DENIED"
        yield name, "staff_with_perm", "a", OK
        yield name, "principal_admin", "a", OK
        yield name, "key_without_perm", "a", "PERMISSION_DENIED"
        yield name, "key_with_perm", "a", OK
        yield name, "agent_operator", "a", OK if perm in AGENT_OPERATOR_PERMS else "PERMISSION_DENIED"
        yield name, "agent_admin", "a", OK
        yield name, "agent_admin", "public", "PRINCIPAL_HOST_REQUIRED"


def _agent_cases():
    for name in AGENT_OPS:
        yield name, "anonymous", "public", "UNAUTHENTICATED"
        yield name, "anonymous", "a", "UNAUTHENTICATED"
        yield name, "resident", "public", "PERMISSION_DENIED"
        yield name, "resident", "a", "FOREIGN_PRINCIPAL"
        yield name, "staff_of_other_principal", "a", "FOREIGN_PRINCIPAL"
        yield name, "principal_admin", "a", "PERMISSION_DENIED"
        yield name, "staff_without_perm", "a", "PERMISSION_DENIED"  # a principal's staff with every permission
        yield name, "key_with_all_perms", "a", "PERMISSION_DENIED"
        # separation of duties: what moves money or bank details is decided by an approver (or the admin), never
        # by the operator
        yield name, "agent_operator", "public", "PERMISSION_DENIED" if name in APPROVER_OPS else OK
        yield name, "agent_approver", "public", OK
        yield name, "agent_admin", "public", OK


def _resident_cases():
    for name in RESIDENT_OPS:
        yield name, "anonymous", "public", "UNAUTHENTICATED"
        yield name, "anonymous", "a", "UNAUTHENTICATED"
        yield name, "linked_resident", "public", OK
        yield name, "resident", "a", "FOREIGN_PRINCIPAL"
        yield name, "staff_of_other_principal", "a", "FOREIGN_PRINCIPAL"
        yield name, "principal_admin", "a", "PERMISSION_DENIED"
        yield name, "principal_admin", "public", "PERMISSION_DENIED"
        yield name, "key_with_all_perms", "a", "PERMISSION_DENIED"
        yield name, "agent_operator", "public", "PERMISSION_DENIED"
        yield name, "agent_admin", "public", "PERMISSION_DENIED"
        yield name, "agent_admin", "a", "PERMISSION_DENIED"


def _appeal_cases():
    for name in sorted(APPEAL_OPS):
        yield name, "anonymous", "a", "UNAUTHENTICATED"
        yield name, "anonymous", "public", "UNAUTHENTICATED"
        yield name, "resident", "a", "FOREIGN_PRINCIPAL"
        yield name, "staff_of_other_principal", "a", "FOREIGN_PRINCIPAL"
        yield name, "inactive_staff_with_perm", "a", "FOREIGN_PRINCIPAL"
        yield name, "staff_without_perm", "a", "PERMISSION_DENIED"
        yield name, "key_without_perm", "a", "PERMISSION_DENIED"
        yield name, "principal_admin", "public", "PERMISSION_DENIED"  # neither agent staff nor a resident
        yield name, "staff_with_perm", "a", OK
        yield name, "principal_admin", "a", OK
        yield name, "key_with_perm", "a", OK
        yield name, "agent_operator", "a", OK
        yield name, "agent_admin", "public", OK
        yield name, "resident", "public", OK


MATRIX = [*_principal_cases(), *_agent_cases(), *_resident_cases(), *_appeal_cases()]


def test_every_schema_field_is_in_the_matrix_or_declared_open():
    graphql_schema = schema.graphql_schema
    fields = set(graphql_schema.query_type.fields) | set(graphql_schema.mutation_type.fields)

    assert fields - OPEN_FIELDS == set(OPS), sorted(fields ^ (set(OPS) | OPEN_FIELDS))
    assert {name for name, *_rest in MATRIX} == set(OPS)


@pytest.mark.parametrize(
    ("operation", "actor", "host", "expected"), MATRIX, ids=[f"{o}-{a}@{h}" for o, a, h, _e in MATRIX]
)
def test_permission_matrix(targets, tenants, gql, operation, actor, host, expected):
    # given an actor on a host, and the database as it is
    op = OPS[operation]
    client = client_for(actor, tenants.a_host if host == "a" else tenants.public_host, op, targets, gql)
    before = db_state()
    written_before = op.written(targets)

    # when
    variables = op.variables(targets)
    if op.upload is not None:  # an import: its file uploaded first, by the same caller
        variables["key"] = _staged_key(client, *op.upload(targets))
    payload = client(op.document, variables)

    # then
    if expected == OK:
        assert codes(payload, operation) == [], payload
        assert payload["data"][operation] is not None
        if op.after_success is not None:
            assert written_before != op.after_success
            assert op.written(targets) == op.after_success
        else:
            assert db_state() == before  # a query writes nothing
    else:
        assert codes(payload, operation) == [expected], payload
        if expected == "FOREIGN_PRINCIPAL":
            assert payload["_status"] == 403 and "data" not in payload
        else:
            assert payload["data"] in (None, {operation: None})
        assert db_state() == before
        assert op.written(targets) == written_before


# --- what a success returns, for the reads ----------------------------------------------------------------


def test_reads_return_the_hosts_data_to_allowed_callers(targets, tenants, gql):
    # given staff of A with exactly the read permissions, and the agent's operator
    staff = gql(tenants.a_host, user=factories.staff(
        targets.a, permissions=[Perm.USERS_VIEW, Perm.API_KEYS_MANAGE, Perm.SETTINGS_VIEW]))
    operator = gql(tenants.public_host, user=factories.user(agent_role="operator"))

    # when
    users = staff(USERS)["data"]["users"]
    keys = staff(API_KEYS)["data"]["apiKeys"]
    settings = staff(WORKSPACE_SETTINGS)["data"]["workspaceSettings"]
    principals = operator(PRINCIPALS)["data"]["principals"]
    principal = operator(PRINCIPAL, {"id": str(targets.b.pk)})["data"]["principal"]
    contracts = operator(AGENCY_CONTRACTS, {"id": str(targets.b.pk)})["data"]["agencyContracts"]

    # then
    assert users["totalCount"] == PrincipalMembership.objects.filter(principal=targets.a).count()
    assert {k["id"] for k in keys} == {str(k.pk) for k in ApiKey.objects.filter(principal=targets.a)}
    assert settings["paymentDueDay"] == 15
    assert {str(targets.a.pk), str(targets.b.pk)} <= {n["id"] for n in principals["nodes"]}
    assert str(tenants.agent_id) not in {n["id"] for n in principals["nodes"]}
    assert principal["shortName"] == targets.b.short_name
    assert [c["id"] for c in contracts] == [str(targets.b_contract.pk)]


def test_open_fields_tell_anonymous_callers_nothing(tenants, gql):
    # given an anonymous caller on A's host
    client = gql(tenants.a_host)

    # when
    payload = client("{ me { isAuthenticated email permissions } currentPrincipal { id } }")
    perms = client("{ permissions { code } }")

    # then
    assert payload["data"] == {"me": {"isAuthenticated": False, "email": None, "permissions": []},
                               "currentPrincipal": None}
    assert error_codes(perms) == ["UNAUTHENTICATED"]


# --- apiKeyCreate never hands out more than the caller holds ------------------------------------------------


@pytest.mark.parametrize("caller", ["staff_session", "api_key"])
@pytest.mark.parametrize(
    "requested",
    [["USERS_MANAGE"], ["API_KEYS_MANAGE", "SETTINGS_MANAGE"], ["API_KEYS_MANAGE", "SETTINGS_VIEW", "USERS_VIEW"]],
)
def test_api_key_create_cannot_grant_permissions_the_caller_lacks(principal_a, tenants, gql, caller, requested):
    # given a caller holding api_keys.manage and settings.view only
    held = [Perm.API_KEYS_MANAGE, Perm.SETTINGS_VIEW]
    client = (
        gql(tenants.a_host, user=factories.staff(principal_a, permissions=held)) if caller == "staff_session"
        else gql(tenants.a_host, api_key=factories.api_key(principal_a, held))
    )
    keys_before = list(ApiKey.objects.order_by("pk").values_list("pk", "permissions"))

    # when it asks for a key with more than that
    payload = client(API_KEY_CREATE, {"name": "больше, чем есть", "permissions": requested})

    # then it is refused and no key exists
    assert codes(payload, "apiKeyCreate") == ["PERMISSION_DENIED"]
    assert payload["data"] == {"apiKeyCreate": None}
    assert list(ApiKey.objects.order_by("pk").values_list("pk", "permissions")) == keys_before
    assert not ApiKey.objects.filter(name="больше, чем есть").exists()


@pytest.mark.parametrize("caller", ["staff_session", "api_key"])
def test_api_key_create_may_grant_a_subset_of_the_callers_permissions(principal_a, tenants, gql, caller):
    # given a caller holding api_keys.manage and settings.view
    held = [Perm.API_KEYS_MANAGE, Perm.SETTINGS_VIEW]
    client = (
        gql(tenants.a_host, user=factories.staff(principal_a, permissions=held)) if caller == "staff_session"
        else gql(tenants.a_host, api_key=factories.api_key(principal_a, held))
    )

    # when it creates a key with part of them
    payload = client(API_KEY_CREATE, {"name": "подмножество", "permissions": ["SETTINGS_VIEW"]})

    # then the key has exactly that, and it works for exactly that
    assert codes(payload, "apiKeyCreate") == []
    key = ApiKey.objects.get(name="подмножество")
    assert (key.principal_id, key.permissions) == (principal_a.pk, ["settings.view"])
    new_client = gql(tenants.a_host, api_key=payload["data"]["apiKeyCreate"]["key"])
    assert "errors" not in new_client(WORKSPACE_SETTINGS)
    assert error_codes(new_client(API_KEYS)) == ["PERMISSION_DENIED"]


def test_agent_operator_cannot_create_api_keys_at_all(principal_a, tenants, gql):
    # given the agent's operator on A's host (all permissions but users.manage and api_keys.manage)
    client = gql(tenants.a_host, user=factories.user(agent_role="operator"))

    # when
    payload = client(API_KEY_CREATE, {"name": "оператор", "permissions": ["SETTINGS_VIEW"]})

    # then
    assert codes(payload, "apiKeyCreate") == ["PERMISSION_DENIED"]
    assert not ApiKey.objects.filter(name="оператор").exists()


# --- the last principal admin ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"role": "STAFF"}, {"isActive": False}, {"role": "STAFF", "isActive": False}],
)
@pytest.mark.parametrize("caller", ["self", "api_key"])
def test_last_admin_cannot_be_demoted(principal_a, principal_b, tenants, gql, change, caller):
    # given A's only active admin (an inactive admin of A and B's admin do not count)
    admin = factories.staff(principal_a, role=PrincipalRole.ADMIN)
    inactive = factories.staff(principal_a, role=PrincipalRole.ADMIN)
    PrincipalMembership.objects.filter(user=inactive).update(is_active=False)
    factories.staff(principal_b, role=PrincipalRole.ADMIN)
    membership = PrincipalMembership.objects.get(user=admin, principal=principal_a)
    client = (
        gql(tenants.a_host, user=admin) if caller == "self"
        # a key may change an admin only when it holds everything an admin holds (see the escalation tests)
        else gql(tenants.a_host, api_key=factories.api_key(principal_a, list(Perm.values)))
    )

    # when
    payload = client(MEMBERSHIP_UPDATE, {"id": str(membership.pk), "input": change})

    # then
    assert payload["data"]["membershipUpdate"] == {
        "membership": None, "errors": [{"field": "role", "code": "LAST_ADMIN"}],
    }
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (PrincipalRole.ADMIN, True)


def test_an_admin_can_be_demoted_when_another_remains(principal_a, tenants, gql):
    # given two active admins of A
    admin = factories.staff(principal_a, role=PrincipalRole.ADMIN)
    other = factories.staff(principal_a, role=PrincipalRole.ADMIN)
    membership = PrincipalMembership.objects.get(user=other, principal=principal_a)

    # when one demotes the other
    payload = gql(tenants.a_host, user=admin)(MEMBERSHIP_UPDATE, {"id": str(membership.pk), "input": {"role": "STAFF"}})

    # then it works, and now the remaining one is the last
    assert payload["data"]["membershipUpdate"]["errors"] == []
    membership.refresh_from_db()
    assert membership.role == PrincipalRole.STAFF
    own = PrincipalMembership.objects.get(user=admin, principal=principal_a)
    again = gql(tenants.a_host, user=admin)(MEMBERSHIP_UPDATE, {"id": str(own.pk), "input": {"role": "STAFF"}})
    assert again["data"]["membershipUpdate"]["errors"] == [{"field": "role", "code": "LAST_ADMIN"}]
    own.refresh_from_db()
    assert own.role == PrincipalRole.ADMIN


# --- users.manage does not hand out more than the caller holds either ---------------------------------------


def test_users_manage_cannot_promote_self_to_admin(principal_a, tenants, gql):
    # given a staff member holding users.manage only (and an admin, so LAST_ADMIN is not in play)
    factories.staff(principal_a, role=PrincipalRole.ADMIN)
    user = factories.staff(principal_a, permissions=[Perm.USERS_MANAGE])
    membership = PrincipalMembership.objects.get(user=user, principal=principal_a)
    client = gql(tenants.a_host, user=user)

    # when they make themselves an admin
    payload = client(MEMBERSHIP_UPDATE, {"id": str(membership.pk), "input": {"role": "ADMIN"}})

    # then it is refused and they still hold users.manage only
    assert codes(payload, "membershipUpdate") == ["PERMISSION_DENIED"]
    membership.refresh_from_db()
    assert (membership.role, membership.permissions) == (PrincipalRole.STAFF, ["users.manage"])


def test_users_manage_cannot_invite_staff_with_permissions_it_lacks(principal_a, tenants, gql):
    # given a staff member holding users.manage only
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.USERS_MANAGE]))

    # when they invite an address of their own with api_keys.manage
    payload = client(STAFF_INVITATION_SEND, {"input": {
        "email": "sock-puppet@a.matrix", "role": "STAFF", "permissions": ["API_KEYS_MANAGE"]}})

    # then it is refused and no invitation or user exists
    assert codes(payload, "staffInvitationSend") == ["PERMISSION_DENIED"]
    assert not StaffInvitation.objects.filter(email="sock-puppet@a.matrix").exists()
    assert not User.objects.filter(email="sock-puppet@a.matrix").exists()

