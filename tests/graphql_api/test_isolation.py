"""Two principals, one API: nothing of B is readable or writable from A's host.

Every query and mutation of the schema has a case in ``CASES``; a test walks the
schema and fails when a field has none, so a new field cannot ship without an
isolation case. For each field:

(a) B's credentials (an API key holding every permission, or B's admin session) on
    A's host are refused whole with FOREIGN_PRINCIPAL, and nothing changes;
(b) A's own key and admin on A's host, handed B's object ids, get NOT_FOUND or
    PERMISSION_DENIED (or succeed on A's own data), and B's rows stay as they were;
(c) settings written on A do not show on B: the schemas really are separate;
(d) A's lists never contain B's rows.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from django.db import connection

from agency.identity.models import ApiKey, PrincipalMembership, User
from agency.identity.permissions import ALL_PERMS, Perm, PrincipalRole
from agency.principals.services import agency_contract_create
from billing_core.service_kinds import ServiceKind
from graphql_api.api import schema
from tenants.models import AgencyContract, Domain, Principal
from tests import factories
from tests.conftest import error_codes

# --- operations ------------------------------------------------------------------------------

ME = "query { me { email apiKeyName principalRole permissions isAuthenticated } }"
PERMISSIONS = "query { permissions { code label } }"
USERS = (
    "query($search: String) { users(search: $search) "
    "{ totalCount nodes { id email fullName role permissions isActive } } }"
)
API_KEYS = "query { apiKeys { id name prefix permissions isActive } }"
PRINCIPALS = "query { principals { totalCount nodes { id shortName inn schemaName } } }"
PRINCIPAL = "query($id: ID!) { principal(id: $id) { id shortName inn schemaName } }"
AGENCY_CONTRACTS = "query($id: ID!) { agencyContracts(principalId: $id) { id number principalId } }"
RULE_TABLES = "query { ruleTables { name lastChange stale } }"
CURRENT_PRINCIPAL = "query { currentPrincipal { id shortName schemaName } }"
WORKSPACE_SETTINGS = "query { workspaceSettings { displayName paymentDueDay supportEmail } }"
LOGIN = (
    "mutation($email: String!, $password: String!) { login(email: $email, password: $password) "
    "{ me { email isAuthenticated } errors { field code } } }"
)
LOGOUT = "mutation { logout { ok errors { field code } } }"
STAFF_INVITATION_SEND = (
    "mutation($input: StaffInvitationInput!) { staffInvitationSend(input: $input) "
    "{ invitation { id email role permissions sentAt expiresAt isExpired } errors { field code } } }"
)
STAFF_INVITATIONS = "query { staffInvitations { id email role permissions sentAt expiresAt } }"
STAFF_INVITATION = "query($token: String!) { staffInvitation(token: $token) { email principalName hasAccount } }"
STAFF_INVITATION_RESEND = (
    "mutation($id: ID!) { staffInvitationResend(id: $id) { invitation { id email } errors { field code } } }"
)
STAFF_INVITATION_REVOKE = (
    "mutation($id: ID!) { staffInvitationRevoke(id: $id) { invitation { id email } errors { field code } } }"
)
STAFF_INVITATION_ACCEPT = (
    "mutation($token: String!, $password: String!, $fullName: String) { staffInvitationAccept(token: $token, "
    "password: $password, fullName: $fullName) { me { email principalRole } errors { field code } } }"
)
PASSWORD_RESET_REQUEST = (
    "mutation($email: String!) { passwordResetRequest(email: $email) { ok errors { field code } } }"
)
PASSWORD_RESET_COMPLETE = (
    "mutation($token: String!, $p: String!) { passwordResetComplete(token: $token, newPassword: $p) "
    "{ ok errors { field code } } }"
)
B_INVITATION_TOKEN = "b-invitation-token-for-isolation-0123456789abcdef"


def isolation_b_invitation(w) -> str:
    """B's open invitation (to an address among B's markers), whose link token is B_INVITATION_TOKEN."""
    from datetime import timedelta

    from django.utils import timezone

    from agency.identity.models import StaffInvitation
    from agency.identity.tokens import token_hash

    invitation, _created = StaffInvitation.objects.get_or_create(
        token_hash=token_hash(B_INVITATION_TOKEN), defaults={
            "principal": w.b, "email": w.b_staff.email, "role": "admin", "invited_by": w.b_admin,
            "expires_at": timezone.now() + timedelta(days=1)})
    return str(invitation.pk)
MEMBERSHIP_UPDATE = (
    "mutation($id: ID!, $input: MembershipUpdateInput!) { membershipUpdate(id: $id, input: $input) "
    "{ membership { id role permissions isActive } errors { field code } } }"
)
API_KEY_CREATE = (
    "mutation($name: String!, $permissions: [Permission!]!) { apiKeyCreate(name: $name, permissions: $permissions) "
    "{ apiKey { id name permissions } key errors { field code } } }"
)
API_KEY_REVOKE = "mutation($id: ID!) { apiKeyRevoke(id: $id) { apiKey { id isActive } errors { field code } } }"
PRINCIPAL_CREATE = (
    "mutation($input: PrincipalCreateInput!) { principalCreate(input: $input) "
    "{ principal { id schemaName } errors { field code } } }"
)
PRINCIPAL_UPDATE = (
    "mutation($id: ID!, $input: PrincipalUpdateInput!) { principalUpdate(id: $id, input: $input) "
    "{ principal { id shortName isActive } errors { field code } } }"
)
AGENCY_CONTRACT_CREATE = (
    "mutation($id: ID!, $input: AgencyContractInput!) { agencyContractCreate(principalId: $id, input: $input) "
    "{ agencyContract { id number principalId } errors { field code } } }"
)
AGENCY_CONTRACT_UPDATE = (
    "mutation($id: ID!, $input: AgencyContractUpdateInput!) { agencyContractUpdate(id: $id, input: $input) "
    "{ agencyContract { id feeRate } errors { field code } } }"
)
WORKSPACE_SETTINGS_UPDATE = (
    "mutation($input: WorkspaceSettingsInput!) { workspaceSettingsUpdate(input: $input) "
    "{ workspaceSettings { displayName paymentDueDay } errors { field code } } }"
)

# --- billing (graphql_api/billing) ---------------------------------------------------------------

ACCOUNTS = "query($search: String) { accounts(search: $search) { totalCount nodes { id number payerName } } }"
ACCOUNT = "query($id: ID!) { account(id: $id) { account { id number } meters { serial } } }"
SERVICES = "query { services { id code tariffs { id rate } } }"
BILLING_PERIODS = "query { billingPeriods { month status chargeLines } }"
TARIFF_CREATE = (
    "mutation($serviceId: ID!, $validFrom: Date!, $rate: Decimal) "
    "{ tariffCreate(serviceId: $serviceId, validFrom: $validFrom, rate: $rate) "
    "{ tariff { id rate } errors { field code } } }"
)
CHARGE_RUN = "mutation($month: Date!) { chargeRun(month: $month) { period { month status } errors { field code } } }"
PERIOD_POST = "mutation($month: Date!) { periodPost(month: $month) { period { month status } errors { field code } } }"


def billing_service_id(schema_name: str) -> str:
    """A service (with a tariff) in one principal's schema; its id, as the API takes it."""
    from django_tenants.utils import schema_context

    from tenants.billing.models import Service, Tariff

    with schema_context(schema_name):
        service, _created = Service.objects.get_or_create(
            code="iso-heat", defaults={"kind": "heating", "name": "Отопление", "unit": "Гкал",
                                       "tariff_kind": "per_area"})
        Tariff.objects.get_or_create(service=service, valid_from="2026-01-01",
                                     defaults={"valid_to": "2026-12-31", "rate": "1"})
        return str(service.pk)


def billing_account_id(schema_name: str) -> str:
    """A personal account in one principal's schema, on a premise in the public registry."""
    from datetime import date

    from django_tenants.utils import schema_context

    from tenants.billing.models import PersonalAccount
    from tenants.registry.models import House, Premise

    house, _created = House.objects.get_or_create(region="Ярославская область", city="Ярославль",
                                                  street="улица Изоляции", house_number="1")
    premise, _created = Premise.objects.get_or_create(house=house, number="1", defaults={"area": "40.00"})
    with schema_context(schema_name):
        account, _created = PersonalAccount.objects.get_or_create(
            number=f"ISO-{schema_name}", defaults={"premise": premise, "payer_name": "Изолированный И. И.",
                                                  "charge_area": "40.00", "opened_on": date(2020, 1, 1)})
        return str(account.pk)


B_ACCOUNT_NUMBER = "ISO-principal_b"  # add to b_markers(): no answer on A's host may contain it
B_HOUSE_STREET = "улица Только Принципала Б"  # a house where only B has accounts: A's host never names it
HOUSES = "query($search: String) { houses(search: $search) { id address accountsCount } }"


def billing_house_account(schema_name: str, street: str, number: str) -> str:
    """An account of one principal in a house of the given street (created when missing); the house's id."""
    from datetime import date

    from django_tenants.utils import schema_context

    from tenants.billing.models import PersonalAccount
    from tenants.registry.models import House, Premise

    house, _created = House.objects.get_or_create(region="Ярославская область", city="Ярославль", street=street,
                                                  house_number="7")
    premise, _created = Premise.objects.get_or_create(house=house, number=number, defaults={"area": "30.00"})
    with schema_context(schema_name):
        PersonalAccount.objects.get_or_create(
            number=f"H-{schema_name}-{house.pk}-{number}",
            defaults={"premise": premise, "payer_name": "Жилец Дома", "charge_area": "30.00",
                      "opened_on": date(2020, 1, 1)})
    connection.set_schema_to_public()
    return str(house.pk)

# --- billing operations (graphql_api/billing: readings, recalculations, penalties, imports; agent fan-out) ----

READING_SUBMIT = (
    "mutation($meterId: ID!, $values: [ZoneValue!]!, $readingDate: Date!) "
    "{ readingSubmit(meterId: $meterId, values: $values, readingDate: $readingDate) "
    "{ readings { id zone value source } errors { field code } } }"
)
RECALCULATION_CREATE = (
    "mutation($accountId: ID!, $serviceId: ID!, $month: Date!, $manual: RecalculationManualInput) "
    "{ recalculationCreate(accountId: $accountId, serviceId: $serviceId, correctedMonth: $month, reason: MANUAL, "
    "manual: $manual) { recalculation { id amount reason comment } errors { field code } } }"
)
RECALCULATIONS = "query($id: ID!) { recalculations(accountId: $id) { id amount reason comment } }"
PENALTY_STATEMENT = (
    "query($id: ID!, $asOf: Date) { penaltyStatement(accountId: $id, asOf: $asOf) "
    "{ calculationDate total periods { period total rows { days band amount } } } }"
)
IMPORT_BATCHES = (
    "query($kind: ImportKind!) { importBatches(kind: $kind) "
    "{ id filename status errors { line field code message } } }"
)
CHARGE_RUN_ALL = "mutation($month: Date!) { chargeRunAll(month: $month) { month queued errors { field code } } }"
CHARGE_RUN_PROGRESS = "query($month: Date!) { chargeRunProgress(month: $month) { schemaName status chargeLines } }"
RESIDENT_METERS = "query { residentMeters { principalId meterId serial serviceName accountNumber } }"
RESIDENT_READING_SUBMIT = (
    "mutation($principalId: ID!, $meterId: ID!, $values: [ZoneValue!]!, $readingDate: Date!) "
    "{ residentReadingSubmit(principalId: $principalId, meterId: $meterId, values: $values, "
    "readingDate: $readingDate) { readings { zone value source } errors { field code } } }"
)
# residents' card payments (graphql_api/payments)
RESIDENT_PAYMENT_START = (
    "mutation($els: String!, $amount: Decimal) { residentPaymentStart(els: $els, amount: $amount) "
    "{ onlinePaymentId clientSecret amount errors { field code } } }"
)
RESIDENT_ONLINE_PAYMENTS = (
    "query($els: String!) { residentOnlinePayments(els: $els) { id els epdIpd amount refunded status } }"
)


def window_day():
    """The latest day, today or before, inside the default readings window (the 20th to the 25th)."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    if today.day >= 20:
        return today.replace(day=min(today.day, 25))
    return (today.replace(day=1) - timedelta(days=1)).replace(day=25)


def billing_meter_id(schema_name: str) -> str:
    """A working meter on the principal's isolation account."""
    from datetime import date

    from django_tenants.utils import schema_context

    from tenants.billing.models import Meter

    account_id, service_id = billing_account_id(schema_name), billing_service_id(schema_name)
    with schema_context(schema_name):
        meter, _created = Meter.objects.get_or_create(
            serial=f"ISO-M-{schema_name}", defaults={"account_id": account_id, "service_id": service_id,
                                                     "installed_on": date(2020, 1, 1),
                                                     "verified_until": date(2035, 1, 1)})
        return str(meter.pk)


def billing_import_batch(schema_name: str) -> str:
    """A rejected readings upload whose file name and errors carry the principal's account number."""
    from django_tenants.utils import schema_context

    from tenants.billing.models import ImportBatch

    number = f"ISO-{schema_name}"
    with schema_context(schema_name):
        batch = ImportBatch.objects.create(
            kind="readings", sha256="0" * 64, filename=f"{number}.csv", mode="all_or_nothing", status="rejected",
            rows_total=1, errors=[{"line": 2, "field": "meter", "message": f"«{number}» не найден",
                                   "code": "NOT_FOUND"}])
        return str(batch.pk)


# --- benefits and houses' readings windows (graphql_api/billing/benefits.py) -------------------------------------

BENEFIT_CATEGORIES = (
    "query { benefitCategories { id code name percent serviceKinds serviceIds socialNormArea isActive } }"
)
ACCOUNT_BENEFITS = (
    "query($id: ID!) { accountBenefits(accountId: $id) { id accountId beneficiaries validFrom validTo "
    "category { code percent } } }"
)
BENEFIT_CATEGORY_CREATE = (
    "mutation($input: BenefitCategoryInput!) { benefitCategoryCreate(input: $input) "
    "{ category { id code percent serviceKinds serviceIds } errors { field code } } }"
)
ACCOUNT_BENEFIT_ASSIGN = (
    "mutation($accountId: ID!, $categoryId: ID!, $validFrom: Date!) "
    "{ accountBenefitAssign(accountId: $accountId, categoryId: $categoryId, beneficiaries: 1, validFrom: $validFrom) "
    "{ accountBenefit { id beneficiaries validFrom } errors { field code } } }"
)
ACCOUNT_BENEFIT_END = (
    "mutation($id: ID!, $validTo: Date!) { accountBenefitEnd(id: $id, validTo: $validTo) "
    "{ accountBenefit { id validTo } errors { field code } } }"
)
HOUSE_READING_WINDOW_SET = (
    "mutation($houseId: ID!, $startDay: Int!, $endDay: Int!) "
    "{ houseReadingWindowSet(houseId: $houseId, startDay: $startDay, endDay: $endDay) "
    "{ window { houseId startDay endDay } errors { field code } } }"
)
HOUSE_READING_WINDOW_CLEAR = (
    "mutation($houseId: ID!) { houseReadingWindowClear(houseId: $houseId) { cleared errors { field code } } }"
)


def billing_benefit_category_id(schema_name: str) -> str:
    """A benefit category on heating in one principal's schema."""
    from django_tenants.utils import schema_context

    from tenants.billing.models import BenefitCategory

    with schema_context(schema_name):
        category, _created = BenefitCategory.objects.get_or_create(
            code=f"ISO-{schema_name}", defaults={"name": "Льгота изоляции", "percent": "50",
                                                 "service_kinds": ["heating"]})
        return str(category.pk)


def billing_account_benefit_id(schema_name: str) -> str:
    """The isolation account's benefit in one principal's schema."""
    from datetime import date

    from django_tenants.utils import schema_context

    from tenants.billing.models import AccountBenefit

    account_id, category_id = billing_account_id(schema_name), billing_benefit_category_id(schema_name)
    with schema_context(schema_name):
        grant, _created = AccountBenefit.objects.get_or_create(
            account_id=account_id, category_id=category_id, defaults={"beneficiaries": 1,
                                                                      "valid_from": date(2026, 1, 1)})
        return str(grant.pk)


def registry_house_id(street: str) -> str:
    """A house of the shared registry (every principal may set its own window for it)."""
    from tenants.registry.models import House

    house, _created = House.objects.get_or_create(region="Ярославская область", city="Ярославль", street=street,
                                                  house_number="1")
    return str(house.pk)


# --- ЕПД (graphql_api/documents) ----------------------------------------------------------------

EPD_FIELDS = "id ipd els month version isCurrent totalDue payees { principalId name accountNumber amountDue }"
RESIDENT_DOCUMENTS = "query { residentDocuments { " + EPD_FIELDS + " } }"
RESIDENT_DOCUMENT = "query($id: ID!) { residentDocument(id: $id) { " + EPD_FIELDS + " downloadUrl } }"
PRINCIPAL_EPD_BLOCKS = (
    "query($month: Date!) { principalEpdBlocks(month: $month) { totalCount nodes { id els accountNumber amountDue "
    "block { principalId name accountNumber amountDue lines { service total } } } } }"
)
EPD_RUNS = "query { epdRuns { totalCount nodes { id month status documentsWritten issuesCount } } }"
EPD_RUN = "query($id: ID!) { epdRun(id: $id) { id month status } }"
EPD_RUN_ISSUES = (
    "query($runId: ID!) { epdRunIssues(runId: $runId) { totalCount nodes { code message accountNumber } } }"
)
EPD_DOCUMENTS = "query($els: String!) { epdDocuments(els: $els) { " + EPD_FIELDS + " } }"
EPD_RUN_START = (
    "mutation($month: Date!) { epdRunStart(month: $month) { run { id month status } errors { field code } } }"
)
EPD_REISSUE = (
    "mutation($els: String!, $month: Date!) { epdReissue(els: $els, month: $month) "
    "{ run { id status issuesCount } document { id version } errors { field code } } }"
)
RESIDENT_E_RECEIPTS = (
    "mutation($els: String!, $enabled: Boolean!) { residentEReceipts(els: $els, enabled: $enabled) "
    "{ els enabled errors { field code } } }"
)
EPD_MONTH = "2026-10-01"


def epd_document(els: str, blocks: dict) -> str:
    """An issued October document of household ``els`` with one block per principal: {principal: account number}."""
    from datetime import date
    from decimal import Decimal

    from agency.documents.models import Epd, EpdPayee, EpdRun
    from tenants.registry.models import House, Premise, UnifiedAccount

    house, _c = House.objects.get_or_create(region="Ярославская область", city="Ярославль", street="улица ЕПД",
                                           house_number="5")
    premise, _c = Premise.objects.get_or_create(house=house, number=els[-3:], defaults={"area": "40.00"})
    unified, _c = UnifiedAccount.objects.get_or_create(number=els, defaults={"premise": premise, "payer_name": "-"})
    existing = Epd.objects.filter(unified_account=unified, month=date(2026, 10, 1)).first()
    if existing is not None:
        return str(existing.pk)
    run = EpdRun.objects.create(month=date(2026, 10, 1))
    payees = [{"principal_id": p.pk, "name": p.short_name, "account_number": number, "amount_due": "100.00",
               "lines": [{"service": "Отопление", "service_code": "heat", "total": "100.00"}]}
              for p, number in blocks.items()]
    epd = Epd.objects.create(
        run=run, unified_account=unified, month=date(2026, 10, 1), ipd=f"{els}-1026-1", payer_name="-",
        address="Ярославль, улица ЕПД, д. 5", house=house, due_date=date(2026, 11, 15),
        total_due=Decimal(100) * len(payees), content={"els": els, "payees": payees, "totals": {}},
        content_sha256="0" * 64,
    )
    for p, number in blocks.items():
        block = next(b for b in payees if b["principal_id"] == p.pk)
        EpdPayee.objects.create(epd=epd, principal=p, account_number=number, amount_due=Decimal("100.00"),
                                closing=Decimal("100.00"), block=block)
    return str(epd.pk)


def isolation_epd(w) -> str:
    """A household served by A and B: its document carries B's block with B's account number."""
    return epd_document("7600077001", {w.a: "ISO-principal_a", w.b: B_ACCOUNT_NUMBER})


def isolation_epd_run(w) -> str:
    from agency.documents.models import Epd

    return str(Epd.objects.get(pk=isolation_epd(w)).run_id)


# --- payments back office and the principals' payment views (graphql_api/payments) ------------------------------

CALENDAR_COVERAGE = "query { calendarCoverage { lastYear daysLeft warn message } }"
# imports of uploaded files: a key B stored names nothing on A's host; the agent's imports are not A's at all
READINGS_IMPORT = ("mutation($key: String!) { readingsImport(key: $key) { batch { id filename errors { code } } "
                   "errors { field code } } }")
OPENING_BALANCES_IMPORT = ("mutation($key: String!, $month: String!) { openingBalancesImport(key: $key, month: $month) "
                           "{ batch { id filename } errors { field code } } }")
OWN_RECEIPTS_IMPORT = ("mutation($key: String!) { ownReceiptsImport(key: $key) { batch { id filename } "
                       "errors { field code } } }")
PAYMENT_REGISTRY_IMPORT = ("mutation($key: String!) { paymentRegistryImport(key: $key, layout: \"sber_standard\") "
                           "{ paymentImport { id filename } errors { field code } } }")
BANK_STATEMENT_IMPORT = ("mutation($key: String!) { bankStatementImport(key: $key) { paymentImport { id filename } "
                         "errors { field code } } }")
PAYOUT_CONFIRMATION_IMPORT = ("mutation($key: String!) { payoutConfirmationImport(key: $key) "
                              "{ confirmation { confirmed } errors { field code } } }")
PAYMENT_IMPORTS = "query { paymentImports { totalCount nodes { id filename status errors { line field code } } } }"
PAYMENT_QUEUE = "query { paymentQueue { totalCount nodes { id amount payerRef status } } }"
PAYMENTS = (
    "query($search: String) { payments(search: $search) { totalCount nodes { id amount payerRef status "
    "allocations { principalId accountNumber amount } } } }"
)
CASH_SHIFTS = "query { cashShifts { totalCount nodes { id desk operatorEmail total } } }"
PAYOUTS = "query($principalId: ID) { payouts(principalId: $principalId) { totalCount nodes { id gross status } } }"
RECONCILIATION = (
    "query($day: Date!) { reconciliation(day: $day) { ok unexplained differences { kind ref message } "
    "explained { kind ref message } } }"
)
PRINCIPAL_PAYOUTS = (
    "query { principalPayouts { totalCount nodes { id principalId principalName gross net status payeeAccount "
    "registerXlsxUrl registerCsvUrl } } }"
)
PRINCIPAL_RECEIPTS = (
    "query { principalReceipts { totalCount totalAmount nodes { id accountNumber amount source comment "
    "documentNumber } } }"
)
PAYMENT_RESOLVE = (
    "mutation($id: ID!, $els: String) { paymentResolve(paymentId: $id, els: $els) "
    "{ payment { id status els } errors { field code } } }"
)
PAYMENT_RETURN = "mutation($id: ID!) { paymentReturn(paymentId: $id) { payment { id status } errors { field code } } }"
PAYMENTS_ALLOCATE = (
    "mutation($ids: [ID!]) { paymentsAllocate(paymentIds: $ids) { paymentsCount amount "
    "skipped { reason count } errors { field code } } }"
)
CASH_SHIFT_OPEN = "mutation($desk: String!) { cashShiftOpen(desk: $desk) { shift { id desk } errors { field code } } }"
CASH_RECEIPT_RECORD = (
    "mutation($shiftId: ID!, $amount: Decimal!, $day: Date!) { cashReceiptRecord(shiftId: $shiftId, "
    "receiptNumber: \"К-1\", amount: $amount, payerRef: \"7600000001\", paidOn: $day) "
    "{ created payment { id amount } errors { field code } } }"
)
CASH_SHIFT_CLOSE = (
    "mutation($shiftId: ID!) { cashShiftClose(shiftId: $shiftId) { shift { id receiptsCount total } "
    "errors { field code } } }"
)
PAYOUTS_BUILD = (
    "mutation($day: Date!) { payoutsBuild(businessDay: $day) { build { builtNow payouts { id gross } } "
    "errors { field code } } }"
)
PAYOUT_APPROVE = "mutation($ids: [ID!]!) { payoutApprove(ids: $ids) { payouts { id status } errors { field code } } }"
PAYOUTS_EXPORT = (
    "mutation($ids: [ID!]) { payoutsExport(payoutIds: $ids) { ordersCount ordersFileUrl payouts { id status } "
    "errors { field code } } }"
)
REQUISITES_CHANGES = "{ requisitesChanges { id principalId status proposed { account } } }"
REQUISITES_CHANGE_CONFIRM = (
    "mutation($id: ID!) { requisitesChangeConfirm(id: $id) { requisitesChange { id status } errors { field code } } }"
)
REQUISITES_CHANGE_REJECT = (
    "mutation($id: ID!) { requisitesChangeReject(id: $id) { requisitesChange { id status } errors { field code } } }"
)
OWN_RECEIPT_RECORD = (
    "mutation($account: String!, $amount: Decimal!, $day: Date!, $doc: String!) { ownReceiptRecord("
    "accountNumber: $account, amount: $amount, paidOn: $day, documentNumber: $doc) "
    "{ created receipt { id accountNumber amount } errors { field code } } }"
)
PAYMENTS_DAY = "2026-11-25"
B_PAYOUT_GROSS = "98765.43"  # add to b_markers(): B's payout, never on A's host
B_RECEIPT_COMMENT = "Поступление Б (изоляция)"


def isolation_b_requisites_change(w) -> str:
    """A pending change of B's own bank account, proposed by B's admin (the services would refuse anyone but agent
    staff; the row is written directly, as the rest of this world is)."""
    from agency.principals.requisites_changes import requisites_of
    from tenants.models import RequisitesChange

    change, _created = RequisitesChange.objects.get_or_create(
        principal=w.b, contract=None, status="pending", defaults={
            **requisites_of(w.b), "account": factories.requisites(9901)["settlement_account"],
            "before": requisites_of(w.b), "proposed_by": w.b_admin})
    return str(change.pk)


def isolation_b_payout(w) -> str:
    """B's payout for a working day, paid to B's own account."""
    from datetime import date
    from decimal import Decimal

    from agency.payments.models import Payout

    payout, _created = Payout.objects.get_or_create(
        principal=w.b, business_day=date(2026, 11, 26), defaults={
            "covers_from": date(2026, 11, 25), "covers_to": date(2026, 11, 25), "gross": Decimal(B_PAYOUT_GROSS),
            "fee": Decimal("0.00"), "net": Decimal(B_PAYOUT_GROSS), "payee_account": w.b.settlement_account})
    return str(payout.pk)


def isolation_b_receipt(w) -> str:
    """An own receipt on B's isolation account, in B's schema."""
    from datetime import date

    from django_tenants.utils import schema_context

    from tenants.receipts.models import Receipt

    account_id = billing_account_id("principal_b")
    with schema_context("principal_b"):
        receipt, _created = Receipt.objects.get_or_create(external_key="2026-11-25:ISO-B", defaults={
            "account_id": account_id, "amount": "555.55", "paid_on": date(2026, 11, 25), "source": "own",
            "comment": B_RECEIPT_COMMENT})
        return str(receipt.pk)


def isolation_b_payment(w) -> str:
    """A payment naming B's account number (queued: the account belongs to no household)."""
    from datetime import date

    from agency.payments.intake.recording import payment_record

    payment, _created = payment_record(channel="bank_registry", source="iso", external_id="iso-b", amount="44.44",
                                       paid_on=date(2026, 11, 25), payer_ref=B_ACCOUNT_NUMBER)
    return str(payment.pk)


# --- the residents' cabinet: households, history, change requests, sign-up, card confirm (graphql_api/cabinet) ----

RESIDENT_HOUSEHOLDS = "query { residentHouseholds { els accounts { principalId accountNumber balance } } }"
RESIDENT_HISTORY = (
    "query($els: String!) { residentHistory(els: $els) { els charges { principalId amount } payments { id } } }"
)
CHANGE_REQUEST_FIELDS = "id els principalId accountNumber kind status comment"
RESIDENT_CHANGE_REQUESTS = "query { residentChangeRequests { " + CHANGE_REQUEST_FIELDS + " } }"
CHANGE_REQUESTS = "query { changeRequests { " + CHANGE_REQUEST_FIELDS + " } }"
RESIDENT_SIGN_UP = (
    "mutation($email: String!, $password: String!, $fullName: String!) { residentSignUp(email: $email, "
    "password: $password, fullName: $fullName) { sent errors { field code } } }"
)
RESIDENT_SIGN_UP_CONFIRM = (
    "mutation($token: String!, $password: String!) { residentSignUpConfirm(token: $token, password: $password) "
    "{ me { email } errors { field code } } }"
)
RESIDENT_LINK_ACCOUNT = (
    "mutation($els: String!, $code: String!) { residentLinkAccount(els: $els, code: $code) "
    "{ household { els } errors { field code } } }"
)
RESIDENT_UNLINK_ACCOUNT = "mutation($els: String!) { residentUnlinkAccount(els: $els) { ok errors { field code } } }"
RESIDENT_CHANGE_REQUEST_CREATE = (
    "mutation($els: String!, $principalId: ID!, $kind: ChangeRequestKind!, $comment: String) "
    "{ residentChangeRequestCreate(els: $els, principalId: $principalId, kind: $kind, comment: $comment) "
    "{ request { " + CHANGE_REQUEST_FIELDS + " } errors { field code } } }"
)
CHANGE_REQUEST_RESOLVE = (
    "mutation($id: ID!, $accept: Boolean!, $answer: String) { changeRequestResolve(id: $id, accept: $accept, "
    "answer: $answer) { request { " + CHANGE_REQUEST_FIELDS + " } errors { field code } } }"
)
RESIDENT_PAYMENT_CONFIRM = (
    "mutation($id: ID!, $token: String!) { residentPaymentConfirm(onlinePaymentId: $id, cardToken: $token) "
    "{ status clientSecret requiresAction errors { field code } } }"
)


def isolation_b_change_request(w) -> str:
    """A resident's request to B about B's isolation account (its number is B's marker)."""
    from tenants.registry.models import House, Premise, UnifiedAccount
    from tenants.residents.models import AccountChangeRequest

    billing_account_id("principal_b")
    house, _created = House.objects.get_or_create(region="Ярославская область", city="Ярославль",
                                                  street="улица Изоляции", house_number="1")
    premise, _created = Premise.objects.get_or_create(house=house, number="1", defaults={"area": "40.00"})
    household, _created = UnifiedAccount.objects.get_or_create(number="7600077002", defaults={
        "premise": premise, "payer_name": "Изолированный"})
    # the asker is an existing user: the checks compare the users before and after the call
    request, _created = AccountChangeRequest.objects.get_or_create(
        principal=w.b, account_number=B_ACCOUNT_NUMBER, defaults={
            "user": w.b_staff, "unified_account": household, "kind": "other", "comment": "Заявка Б"})
    return str(request.pk)


# --- appeals and reports (graphql_api/appeals, graphql_api/reports) ----------------------------------------------

APPEAL_FIELDS = "id number subject status principalId principalName messages { text }"
APPEALS = "query { appeals { totalCount nodes { " + APPEAL_FIELDS + " } } }"
APPEAL = "query($id: ID!) { appeal(id: $id) { " + APPEAL_FIELDS + " } }"
APPEAL_CREATE = (
    "mutation($subject: String!, $text: String!, $els: String, $principalId: ID) { appealCreate(subject: $subject, "
    "text: $text, els: $els, principalId: $principalId) { appeal { id principalId } errors { field code } } }"
)
APPEAL_REPLY = (
    "mutation($id: ID!, $text: String!) { appealReply(id: $id, text: $text) { appeal { id status } "
    "errors { field code } } }"
)
APPEAL_CLOSE = "mutation($id: ID!) { appealClose(id: $id) { appeal { id status } errors { field code } } }"
PRINCIPAL_DASHBOARD = (
    "query { principalDashboard { accountsCount debtorsCount debtTotal advanceTotal months { month charged } } }"
)
REPORT_JOBS = "query { reportJobs { id kind status filename downloadUrl } }"
REPORT_JOB = "query($id: ID!) { reportJob(id: $id) { id kind status filename downloadUrl } }"
REPORT_REQUEST = (
    "mutation($kind: ReportKind!, $month: Date) { reportRequest(kind: $kind, month: $month) "
    "{ job { id kind status } errors { field code } } }"
)


def isolation_b_appeal(w) -> str:
    """An appeal addressed to B (its name is B's marker: A's answers must never show it)."""
    from agency.appeals.models import Appeal, AppealMessage

    appeal, created = Appeal.objects.get_or_create(number="О-ИЗОЛ-Б", defaults={
        "subject": "Обращение к Б", "principal": w.b, "author_name": "Житель Б"})
    if created:
        AppealMessage.objects.create(appeal=appeal, author_name="Житель Б", text="Текст для Б")
    return str(appeal.pk)


def isolation_b_report_job(w) -> str:
    """A finished report job of B's admin."""
    from agency.reports.models import ReportJob

    job, _created = ReportJob.objects.get_or_create(principal=w.b, kind="debtors", defaults={
        "requested_by": w.b_admin, "status": "done", "storage_key": "reports/2026/11/iso-b.xlsx",
        "filename": "Должники Б.xlsx", "rows": 1})
    return str(job.pk)


B_SETTINGS_NAME = "Настройки Б (изоляция)"
A_SETTINGS_NAME = "Настройки А (изоляция)"
B_CONTRACT_NUMBER = "Б-ИЗОЛ-1/2026"


# --- helpers ---------------------------------------------------------------------------------


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def principal_input(n: int) -> dict:
    return {
        "kind": "MANAGEMENT_COMPANY",
        "schemaName": f"iso_{n}",
        "subdomain": f"iso-{n}",
        **{camel(k): v for k, v in factories.requisites(n).items()},
    }


def contract_input(**overrides) -> dict:
    data = {
        "number": "ИЗОЛ-2/2027",
        "signedOn": "2026-12-20",
        "validFrom": "2027-01-01",
        "validTo": "2027-12-31",
        "feeRate": "1.5000",
        "services": ["HEATING"],
        "payoutSchedule": "DAILY",
        "qrMode": "PER_PAYEE",
    }
    data.update(overrides)
    return data


def codes(payload: dict, field: str) -> list[str]:
    """Top-level error codes, then the mutation payload's own error codes."""
    found = error_codes(payload)
    node = (payload.get("data") or {}).get(field)
    if isinstance(node, dict) and node.get("errors"):
        found += [e["code"] for e in node["errors"]]
    return found


def settings_row(schema_name: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT display_name, readings_window_start_day, readings_window_end_day, payment_due_day, '
            f'support_email, updated_at FROM "{schema_name}".workspace_workspacesettings'
        )
        return tuple(cursor.fetchall())


def schema_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM information_schema.schemata ORDER BY schema_name")
        return [row[0] for row in cursor.fetchall()]


def principal_snapshot(principal_id: int) -> dict:
    """Every row that belongs to one principal, as plain values (usage stamps left out)."""
    principal = Principal.objects.get(pk=principal_id)
    member_ids = PrincipalMembership.objects.filter(principal_id=principal_id).values_list("user_id", flat=True)
    return {
        "principal": Principal.objects.filter(pk=principal_id).values().get(),
        "domains": list(Domain.objects.filter(tenant_id=principal_id).order_by("pk").values()),
        "contracts": list(AgencyContract.objects.filter(principal_id=principal_id).order_by("pk").values()),
        "memberships": list(PrincipalMembership.objects.filter(principal_id=principal_id).order_by("pk").values()),
        "users": list(
            User.objects.filter(pk__in=list(member_ids)).order_by("pk").values(
                "pk", "email", "password", "full_name", "agent_role", "is_resident", "is_active"
            )
        ),
        "keys": list(
            ApiKey.objects.filter(principal_id=principal_id).order_by("pk").values(
                "pk", "name", "prefix", "key_hash", "permissions", "revoked_at", "revoked_by"
            )
        ),
        "settings": settings_row(principal.schema_name),
    }


def everything(world) -> dict:
    return {
        "a": principal_snapshot(world.a.pk),
        "b": principal_snapshot(world.b.pk),
        "principal_ids": list(Principal.objects.order_by("pk").values_list("pk", flat=True)),
        "user_ids": list(User.objects.order_by("pk").values_list("pk", flat=True)),
        "schemas": schema_names(),
    }


def b_markers(world) -> list[str]:
    """Strings that only B's data contains: none may appear in an answer on A's host."""
    return [
        world.b_admin.email, world.b_staff.email, world.b_key.prefix, world.b.short_name, world.b.legal_name,
        world.b.inn, world.b.settlement_account, B_SETTINGS_NAME, B_CONTRACT_NUMBER, B_ACCOUNT_NUMBER,
        B_PAYOUT_GROSS, B_RECEIPT_COMMENT, B_HOUSE_STREET,
    ]


def assert_no_b_data(payload: dict, world, sent: dict | None = None) -> None:
    """No B-only string in the answer, except one the caller sent itself (an e-mail it typed)."""
    text = json.dumps(payload, ensure_ascii=False)
    typed = json.dumps(sent or {}, ensure_ascii=False)
    leaked = [m for m in b_markers(world) if m in text and m not in typed]
    assert not leaked, (leaked, payload)


@dataclass
class World:
    a: Principal
    b: Principal
    a_admin: User
    a_staff: User
    a_key_plain: str
    a_key: ApiKey
    b_admin: User
    b_staff: User
    b_key_plain: str
    b_key: ApiKey
    b_contract: AgencyContract

    def membership(self, user: User, principal: Principal) -> PrincipalMembership:
        return PrincipalMembership.objects.get(user=user, principal=principal)


def _settings_set(schema_name: str, **fields) -> None:
    from django_tenants.utils import schema_context

    from tenants.workspace.services import workspace_settings_update

    with schema_context(schema_name):
        workspace_settings_update(**fields)


@pytest.fixture
def world(principal_a, principal_b) -> World:
    a_admin = factories.staff(principal_a, role=PrincipalRole.ADMIN, email="a-admin@a.iso")
    a_staff = factories.staff(principal_a, permissions=[Perm.USERS_VIEW], email="a-staff@a.iso")
    a_key_plain = factories.api_key(principal_a, ALL_PERMS)
    b_admin = factories.staff(principal_b, role=PrincipalRole.ADMIN, email="b-admin@b.iso")
    b_staff = factories.staff(principal_b, permissions=[Perm.SETTINGS_VIEW], email="b-staff@b.iso")
    b_key_plain = factories.api_key(principal_b, ALL_PERMS)
    b_contract = agency_contract_create(
        principal=principal_b, number=B_CONTRACT_NUMBER, signed_on="2025-12-20", valid_from="2026-01-01",
        valid_to="2026-12-31", fee_rate="1.2500", fee_min=None, fee_max=None, services=[ServiceKind.HEATING],
        payout_schedule="daily", qr_mode="per_payee",
    )
    _settings_set("principal_a", display_name=A_SETTINGS_NAME, payment_due_day=12)
    _settings_set("principal_b", display_name=B_SETTINGS_NAME, payment_due_day=20, support_email="help@b.iso")
    connection.set_schema_to_public()
    return World(
        a=principal_a, b=principal_b, a_admin=a_admin, a_staff=a_staff, a_key_plain=a_key_plain,
        a_key=ApiKey.objects.get(principal=principal_a), b_admin=b_admin, b_staff=b_staff,
        b_key_plain=b_key_plain, b_key=ApiKey.objects.get(principal=principal_b), b_contract=b_contract,
    )


# --- the table: one case per schema field ------------------------------------------------------


IMPORT_FIELDS = ("readingsImport", "openingBalancesImport", "ownReceiptsImport", "paymentRegistryImport",
                 "bankStatementImport", "payoutConfirmationImport")


@pytest.fixture(autouse=True)
def _import_media(request, tmp_path):
    # B's staged files for the import cases: under the test's own directory, not the checkout's .local/media
    if any(f"[{name}" in request.node.name for name in IMPORT_FIELDS):
        request.getfixturevalue("settings").MEDIA_ROOT = tmp_path


def isolation_b_upload(w: World, kind: str) -> str:
    """A file B's key stored for an import (named by B's account number): the key it got."""
    from types import SimpleNamespace

    from django_tenants.utils import schema_context

    from graphql_api.imports.staged import staged_file_store

    with schema_context("principal_b"):
        return staged_file_store(actor=SimpleNamespace(api_key=w.b_key, user=None), kind=kind,
                                 filename=f"{B_ACCOUNT_NUMBER}.csv", data=f"{B_ACCOUNT_NUMBER};1\n".encode())


class Case(NamedTuple):
    document: str
    variables: Callable[[World], dict]
    on_a_with_b_ids: str  # what A's key/admin gets on A's host when aiming at B: an error code, or "OK"


def _b_membership_demote(w: World) -> dict:
    return {"id": str(w.membership(w.b_admin, w.b).pk), "input": {"role": "STAFF", "isActive": False}}


CASES: dict[str, Case] = {
    # queries
    "me": Case(ME, lambda w: {}, "OK"),
    "permissions": Case(PERMISSIONS, lambda w: {}, "OK"),
    "users": Case(USERS, lambda w: {"search": "b.iso"}, "OK"),
    "apiKeys": Case(API_KEYS, lambda w: {}, "OK"),
    "principals": Case(PRINCIPALS, lambda w: {}, "PERMISSION_DENIED"),
    "principal": Case(PRINCIPAL, lambda w: {"id": str(w.b.pk)}, "PERMISSION_DENIED"),
    "agencyContracts": Case(AGENCY_CONTRACTS, lambda w: {"id": str(w.b.pk)}, "PERMISSION_DENIED"),
    "ruleTables": Case(RULE_TABLES, lambda w: {}, "PERMISSION_DENIED"),  # agent staff only
    "currentPrincipal": Case(CURRENT_PRINCIPAL, lambda w: {}, "OK"),
    "workspaceSettings": Case(WORKSPACE_SETTINGS, lambda w: {}, "OK"),
    # mutations
    "login": Case(LOGIN, lambda w: {"email": w.b_admin.email, "password": factories.PASSWORD}, "FOREIGN_PRINCIPAL"),
    "logout": Case(LOGOUT, lambda w: {}, "OK"),
    # an existing e-mail (B's admin) may be invited to A's staff: the same answer as for any address, and B's user
    # and membership stay as they were (nothing happens until that person accepts)
    "staffInvitationSend": Case(
        STAFF_INVITATION_SEND,
        lambda w: {"input": {"email": w.b_admin.email, "role": "ADMIN", "permissions": ["USERS_MANAGE"]}}, "OK",
    ),
    "staffInvitations": Case(STAFF_INVITATIONS, lambda w: isolation_b_invitation(w) and {}, "OK"),
    "staffInvitation": Case(
        STAFF_INVITATION, lambda w: isolation_b_invitation(w) and {"token": B_INVITATION_TOKEN}, "LINK_INVALID"),
    "staffInvitationResend": Case(STAFF_INVITATION_RESEND, lambda w: {"id": isolation_b_invitation(w)}, "NOT_FOUND"),
    "staffInvitationRevoke": Case(STAFF_INVITATION_REVOKE, lambda w: {"id": isolation_b_invitation(w)}, "NOT_FOUND"),
    "staffInvitationAccept": Case(
        STAFF_INVITATION_ACCEPT,
        lambda w: isolation_b_invitation(w) and {"token": B_INVITATION_TOKEN, "password": factories.PASSWORD},
        "LINK_INVALID",
    ),
    "passwordResetRequest": Case(PASSWORD_RESET_REQUEST, lambda w: {"email": w.b_admin.email}, "OK"),
    "passwordResetComplete": Case(
        PASSWORD_RESET_COMPLETE, lambda w: {"token": "not-a-reset-token", "p": "isolated-password-2026"},
        "LINK_INVALID"),
    "membershipUpdate": Case(MEMBERSHIP_UPDATE, _b_membership_demote, "NOT_FOUND"),
    "apiKeyCreate": Case(API_KEY_CREATE, lambda w: {"name": "изоляция", "permissions": ["SETTINGS_VIEW"]}, "OK"),
    "apiKeyRevoke": Case(API_KEY_REVOKE, lambda w: {"id": str(w.b_key.pk)}, "NOT_FOUND"),
    "principalCreate": Case(PRINCIPAL_CREATE, lambda w: {"input": principal_input(3001)}, "PERMISSION_DENIED"),
    "principalUpdate": Case(
        PRINCIPAL_UPDATE, lambda w: {"id": str(w.b.pk), "input": {"shortName": "Захвачен", "isActive": False}},
        "PERMISSION_DENIED",
    ),
    "agencyContractCreate": Case(
        AGENCY_CONTRACT_CREATE, lambda w: {"id": str(w.b.pk), "input": contract_input()}, "PERMISSION_DENIED"
    ),
    "agencyContractUpdate": Case(
        AGENCY_CONTRACT_UPDATE, lambda w: {"id": str(w.b_contract.pk), "input": {"feeRate": "99.0000"}},
        "PERMISSION_DENIED",
    ),
    "workspaceSettingsUpdate": Case(
        WORKSPACE_SETTINGS_UPDATE, lambda w: {"input": {"displayName": "Новые настройки А", "paymentDueDay": 5}},
        "OK",
    ),
    # billing: each principal's rows live in its own schema, so B's ids are simply not there
    "accounts": Case(ACCOUNTS, lambda w: {"search": "ISO"} if billing_account_id("principal_b") else {}, "OK"),
    "account": Case(ACCOUNT, lambda w: {"id": billing_account_id("principal_b")}, "NOT_FOUND"),
    # B's only house is in the shared registry, but A's list is built from A's own accounts
    "houses": Case(
        HOUSES, lambda w: billing_house_account("principal_b", B_HOUSE_STREET, "1") and {"search": "Ярославль"}, "OK"
    ),
    "services": Case(SERVICES, lambda w: {}, "OK"),
    "billingPeriods": Case(BILLING_PERIODS, lambda w: {}, "OK"),
    "tariffCreate": Case(
        TARIFF_CREATE, lambda w: {"serviceId": billing_service_id("principal_b"), "validFrom": "2027-01-01",
                                  "rate": "99"},
        "NOT_FOUND",
    ),
    "chargeRun": Case(CHARGE_RUN, lambda w: {"month": "2026-06-01"}, "OK"),  # A's own period; queued after commit
    "periodPost": Case(PERIOD_POST, lambda w: {"month": "2026-06-01"}, "PERIOD_NOT_CALCULATED"),
    "readingSubmit": Case(
        READING_SUBMIT,
        lambda w: {"meterId": billing_meter_id("principal_b"), "values": [{"zone": 1, "value": "7"}],
                   "readingDate": window_day().isoformat()},
        "NOT_FOUND",
    ),
    "recalculationCreate": Case(
        RECALCULATION_CREATE,
        lambda w: {"accountId": billing_account_id("principal_b"), "serviceId": billing_service_id("principal_b"),
                   "month": "2026-05-01", "manual": {"amount": "-100", "comment": "с чужого адреса"}},
        "NOT_FOUND",
    ),
    "recalculations": Case(RECALCULATIONS, lambda w: {"id": billing_account_id("principal_b")}, "NOT_FOUND"),
    "penaltyStatement": Case(
        PENALTY_STATEMENT, lambda w: {"id": billing_account_id("principal_b"), "asOf": "2026-06-30"}, "NOT_FOUND"
    ),
    # B has an upload naming its account: A's list must not show it
    "importBatches": Case(IMPORT_BATCHES, lambda w: {"kind": "READINGS"} if billing_import_batch("principal_b")
                          else {}, "OK"),
    # benefits: B's accounts, categories and grants are not in A's schema; houses are shared, windows are not
    # B has a category whose code is B's marker: A's list must not show it
    "benefitCategories": Case(BENEFIT_CATEGORIES, lambda w: billing_benefit_category_id("principal_b") and {}, "OK"),
    "accountBenefits": Case(ACCOUNT_BENEFITS, lambda w: {"id": billing_account_id("principal_b")}, "NOT_FOUND"),
    "benefitCategoryCreate": Case(
        BENEFIT_CATEGORY_CREATE,
        lambda w: {"input": {"code": "ISO-NEW", "name": "Чужая услуга", "percent": "10",
                             "serviceIds": [billing_service_id("principal_b")]}},
        "NOT_FOUND",
    ),
    "accountBenefitAssign": Case(
        ACCOUNT_BENEFIT_ASSIGN,
        lambda w: {"accountId": billing_account_id("principal_b"),
                   "categoryId": billing_benefit_category_id("principal_b"), "validFrom": "2026-07-01"},
        "NOT_FOUND",
    ),
    "accountBenefitEnd": Case(
        ACCOUNT_BENEFIT_END, lambda w: {"id": billing_account_benefit_id("principal_b"), "validTo": "2026-01-31"},
        "NOT_FOUND",
    ),
    "houseReadingWindowSet": Case(
        HOUSE_READING_WINDOW_SET, lambda w: {"houseId": registry_house_id("улица Окон"), "startDay": 1, "endDay": 5},
        "OK",
    ),
    "houseReadingWindowClear": Case(
        HOUSE_READING_WINDOW_CLEAR, lambda w: {"houseId": registry_house_id("улица Окон")}, "OK",
    ),
    # agent-only and residents-only fields: a principal's key or admin is refused outright
    "chargeRunAll": Case(CHARGE_RUN_ALL, lambda w: {"month": "2026-06-01"}, "PERMISSION_DENIED"),
    "chargeRunProgress": Case(CHARGE_RUN_PROGRESS, lambda w: {"month": "2026-06-01"}, "PERMISSION_DENIED"),
    "residentMeters": Case(RESIDENT_METERS, lambda w: {}, "PERMISSION_DENIED"),
    "residentReadingSubmit": Case(
        RESIDENT_READING_SUBMIT,
        lambda w: {"principalId": str(w.b.pk), "meterId": billing_meter_id("principal_b"),
                   "values": [{"zone": 1, "value": "7"}], "readingDate": window_day().isoformat()},
        "PERMISSION_DENIED",
    ),
    "residentPaymentStart": Case(RESIDENT_PAYMENT_START, lambda w: {"els": "7600000001", "amount": "100.00"},
                                 "PERMISSION_DENIED"),
    "residentOnlinePayments": Case(RESIDENT_ONLINE_PAYMENTS, lambda w: {"els": "7600000001"}, "PERMISSION_DENIED"),
    # ЕПД: A's staff see A's block of each document only; residents' and agents' fields are refused to principals
    "residentDocuments": Case(RESIDENT_DOCUMENTS, lambda w: isolation_epd(w) and {}, "PERMISSION_DENIED"),
    "residentDocument": Case(RESIDENT_DOCUMENT, lambda w: {"id": isolation_epd(w)}, "PERMISSION_DENIED"),
    "principalEpdBlocks": Case(PRINCIPAL_EPD_BLOCKS, lambda w: isolation_epd(w) and {"month": EPD_MONTH}, "OK"),
    "epdRuns": Case(EPD_RUNS, lambda w: isolation_epd(w) and {}, "PERMISSION_DENIED"),
    "epdRun": Case(EPD_RUN, lambda w: {"id": isolation_epd_run(w)}, "PERMISSION_DENIED"),
    "epdRunIssues": Case(EPD_RUN_ISSUES, lambda w: {"runId": isolation_epd_run(w)}, "PERMISSION_DENIED"),
    "epdDocuments": Case(EPD_DOCUMENTS, lambda w: isolation_epd(w) and {"els": "7600077001"}, "PERMISSION_DENIED"),
    "epdRunStart": Case(EPD_RUN_START, lambda w: {"month": EPD_MONTH}, "PERMISSION_DENIED"),
    "epdReissue": Case(EPD_REISSUE, lambda w: {"els": "7600077001", "month": EPD_MONTH}, "PERMISSION_DENIED"),
    "residentEReceipts": Case(RESIDENT_E_RECEIPTS, lambda w: {"els": "7600077001", "enabled": True},
                              "PERMISSION_DENIED"),
    # payments: the back office is the agent's (a principal's key or admin is refused outright, B's rows or not);
    # a principal sees its own payouts (public rows filtered by its id) and receipts (its own schema)
    "paymentImports": Case(PAYMENT_IMPORTS, lambda w: {}, "PERMISSION_DENIED"),
    "calendarCoverage": Case(CALENDAR_COVERAGE, lambda w: {}, "PERMISSION_DENIED"),
    "paymentQueue": Case(PAYMENT_QUEUE, lambda w: isolation_b_payment(w) and {}, "PERMISSION_DENIED"),
    "payments": Case(PAYMENTS, lambda w: {"search": B_ACCOUNT_NUMBER} if isolation_b_payment(w) else {},
                     "PERMISSION_DENIED"),
    "cashShifts": Case(CASH_SHIFTS, lambda w: {}, "PERMISSION_DENIED"),
    "payouts": Case(PAYOUTS, lambda w: {"principalId": str(w.b.pk)} if isolation_b_payout(w) else {},
                    "PERMISSION_DENIED"),
    "reconciliation": Case(RECONCILIATION, lambda w: isolation_b_payment(w) and {"day": PAYMENTS_DAY},
                           "PERMISSION_DENIED"),
    "principalPayouts": Case(PRINCIPAL_PAYOUTS, lambda w: isolation_b_payout(w) and {}, "OK"),
    "principalReceipts": Case(PRINCIPAL_RECEIPTS, lambda w: isolation_b_receipt(w) and {}, "OK"),
    "paymentResolve": Case(PAYMENT_RESOLVE, lambda w: {"id": isolation_b_payment(w), "els": "7600077001"},
                           "PERMISSION_DENIED"),
    "paymentReturn": Case(PAYMENT_RETURN, lambda w: {"id": isolation_b_payment(w)}, "PERMISSION_DENIED"),
    "paymentsAllocate": Case(PAYMENTS_ALLOCATE, lambda w: {"ids": [isolation_b_payment(w)]}, "PERMISSION_DENIED"),
    "cashShiftOpen": Case(CASH_SHIFT_OPEN, lambda w: {"desk": "Касса А"}, "PERMISSION_DENIED"),
    "cashReceiptRecord": Case(CASH_RECEIPT_RECORD, lambda w: {"shiftId": "1", "amount": "10.00", "day": PAYMENTS_DAY},
                              "PERMISSION_DENIED"),
    "cashShiftClose": Case(CASH_SHIFT_CLOSE, lambda w: {"shiftId": "1"}, "PERMISSION_DENIED"),
    "payoutsBuild": Case(PAYOUTS_BUILD, lambda w: {"day": "2026-11-26"}, "PERMISSION_DENIED"),
    "payoutApprove": Case(PAYOUT_APPROVE, lambda w: {"ids": [isolation_b_payout(w)]}, "PERMISSION_DENIED"),
    "payoutsExport": Case(PAYOUTS_EXPORT, lambda w: {"ids": [isolation_b_payout(w)]}, "PERMISSION_DENIED"),
    "requisitesChanges": Case(REQUISITES_CHANGES, lambda w: isolation_b_requisites_change(w) and {},
                              "PERMISSION_DENIED"),
    "requisitesChangeConfirm": Case(REQUISITES_CHANGE_CONFIRM, lambda w: {"id": isolation_b_requisites_change(w)},
                                    "PERMISSION_DENIED"),
    "requisitesChangeReject": Case(REQUISITES_CHANGE_REJECT, lambda w: {"id": isolation_b_requisites_change(w)},
                                   "PERMISSION_DENIED"),
    # B's account number is not in A's schema: A cannot post a receipt onto it
    "ownReceiptRecord": Case(
        OWN_RECEIPT_RECORD, lambda w: billing_account_id("principal_b") and {
            "account": B_ACCOUNT_NUMBER, "amount": "10.00", "day": PAYMENTS_DAY, "doc": "ПКО-ИЗОЛ"}, "NOT_FOUND",
    ),
    # the residents' cabinet: refused to a principal's key or admin; B's change requests are neither listed
    # nor resolved from A's host
    "residentHouseholds": Case(RESIDENT_HOUSEHOLDS, lambda w: {}, "PERMISSION_DENIED"),
    "residentHistory": Case(RESIDENT_HISTORY, lambda w: {"els": "7600077002"}, "PERMISSION_DENIED"),
    "residentChangeRequests": Case(RESIDENT_CHANGE_REQUESTS, lambda w: {}, "PERMISSION_DENIED"),
    "changeRequests": Case(CHANGE_REQUESTS, lambda w: isolation_b_change_request(w) and {}, "OK"),
    "changeRequestResolve": Case(
        CHANGE_REQUEST_RESOLVE, lambda w: {"id": isolation_b_change_request(w), "accept": True}, "NOT_FOUND"),
    "residentSignUp": Case(
        RESIDENT_SIGN_UP, lambda w: {"email": "signup@a.iso", "password": "isolated-password-2026",
                                     "fullName": "Житель"}, "PERMISSION_DENIED"),
    "residentSignUpConfirm": Case(
        RESIDENT_SIGN_UP_CONFIRM, lambda w: {"token": "not-a-sign-up-token", "password": "isolated-password-2026"},
        "PERMISSION_DENIED"),
    "residentLinkAccount": Case(RESIDENT_LINK_ACCOUNT, lambda w: {"els": "7600077002", "code": "AAAA-AAAA"},
                                "PERMISSION_DENIED"),
    "residentUnlinkAccount": Case(RESIDENT_UNLINK_ACCOUNT, lambda w: {"els": "7600077002"}, "PERMISSION_DENIED"),
    "residentChangeRequestCreate": Case(
        RESIDENT_CHANGE_REQUEST_CREATE,
        lambda w: {"els": "7600077002", "principalId": str(w.b.pk), "kind": "OTHER", "comment": "с чужого адреса"},
        "PERMISSION_DENIED"),
    "residentPaymentConfirm": Case(RESIDENT_PAYMENT_CONFIRM, lambda w: {"id": "1", "token": "tok_isolation"},
                                   "PERMISSION_DENIED"),
    # appeals: B's appeal is not in A's scope; an appeal to B cannot be created from A's host
    "appeals": Case(APPEALS, lambda w: isolation_b_appeal(w) and {}, "OK"),
    "appeal": Case(APPEAL, lambda w: {"id": isolation_b_appeal(w)}, "NOT_FOUND"),
    "appealCreate": Case(APPEAL_CREATE, lambda w: {"subject": "Изоляция", "text": "Текст", "principalId": str(w.b.pk)},
                         "NOT_FOUND"),
    "appealReply": Case(APPEAL_REPLY, lambda w: {"id": isolation_b_appeal(w), "text": "С чужого адреса"}, "NOT_FOUND"),
    "appealClose": Case(APPEAL_CLOSE, lambda w: {"id": isolation_b_appeal(w)}, "NOT_FOUND"),
    # reports: A's dashboard reads A's schema; B's job is neither listed nor found; A's request is A's own job
    "principalDashboard": Case(PRINCIPAL_DASHBOARD, lambda w: {}, "OK"),
    "reportJobs": Case(REPORT_JOBS, lambda w: isolation_b_report_job(w) and {}, "OK"),
    "reportJob": Case(REPORT_JOB, lambda w: {"id": isolation_b_report_job(w)}, "NOT_FOUND"),
    "reportRequest": Case(REPORT_REQUEST, lambda w: {"kind": "DEBTORS"}, "OK"),  # queued after commit
    # imports: B's key finds no file of A's caller; the agent's imports refuse A's people
    "readingsImport": Case(READINGS_IMPORT, lambda w: {"key": isolation_b_upload(w, "readings")}, "NOT_FOUND"),
    "openingBalancesImport": Case(OPENING_BALANCES_IMPORT, lambda w: {
        "key": isolation_b_upload(w, "opening-balances"), "month": "2026-05-01"}, "NOT_FOUND"),
    "ownReceiptsImport": Case(OWN_RECEIPTS_IMPORT, lambda w: {"key": isolation_b_upload(w, "own-receipts")},
                              "NOT_FOUND"),
    "paymentRegistryImport": Case(PAYMENT_REGISTRY_IMPORT, lambda w: {"key": isolation_b_upload(w, "payment-registry")},
                                  "PERMISSION_DENIED"),
    "bankStatementImport": Case(BANK_STATEMENT_IMPORT, lambda w: {"key": isolation_b_upload(w, "bank-statement")},
                                "PERMISSION_DENIED"),
    "payoutConfirmationImport": Case(PAYOUT_CONFIRMATION_IMPORT, lambda w: {
        "key": isolation_b_upload(w, "payout-confirmation")}, "PERMISSION_DENIED"),
}


# --- debt collection (graphql_api/collection): B's register and work are in B's schema only -------------------

COLLECTION_E = "errors { field code }"
DEBTORS = "query { debtors { totalCount nodes { accountNumber payerName debt stage } } }"
DEBTOR_SUMMARY = "query { debtorSummary { debtors debtTotal byStage { stage count } } }"
DEBTOR = ("query($n: String!) { debtor(accountNumber: $n) { accountNumber payerName debt warnings { id } "
          "agreements { id number } cases { id number } } }")
MY_COLLECTION = "query { myCollection { els accounts { accountNumber warnings { month } agreements { number } } } }"
AGREEMENT_REQUEST = ("mutation($els: String!, $p: ID!, $parts: Int!) { agreementRequest(els: $els, principalId: $p, "
                     "parts: $parts) { agreement { id number } " + COLLECTION_E + " } }")
COLLECTION_REGISTER_REFRESH = "mutation { collectionRegisterRefresh { debtors " + COLLECTION_E + " } }"
COLLECTION_WORK_STOP = ("mutation($n: String!, $r: String!) { collectionWorkStop(accountNumber: $n, reason: $r) "
                        "{ debtor { accountNumber stopped } " + COLLECTION_E + " } }")
COLLECTION_WORK_RESUME = ("mutation($n: String!) { collectionWorkResume(accountNumber: $n) { debtor { stopped } "
                          + COLLECTION_E + " } }")
WARNING_ISSUE = ("mutation($n: String!, $s: String!, $c: WarningChannel!) { warningIssue(accountNumber: $n, "
                 "serviceCode: $s, channel: $c) { warning { id accountNumber } " + COLLECTION_E + " } }")
WARNING_DELIVERED = ("mutation($id: ID!, $d: Date!) { warningDelivered(id: $id, deliveredOn: $d) "
                     "{ warning { id accountNumber } " + COLLECTION_E + " } }")
RESTRICTION_ORDER = ("mutation($w: ID!, $e: String!) { restrictionOrder(warningId: $w, executor: $e) "
                     "{ restriction { id status } " + COLLECTION_E + " } }")
RESTRICTION_DONE = ("mutation($id: ID!, $d: Date!, $a: String!) { restrictionDone(id: $id, doneOn: $d, "
                    "actNumber: $a) { restriction { id status } " + COLLECTION_E + " } }")
RESTRICTION_LIFT = ("mutation($id: ID!, $d: Date!) { restrictionLift(id: $id, liftedOn: $d) "
                    "{ restriction { id status } " + COLLECTION_E + " } }")
RESTRICTION_SUSPEND = ("mutation($id: ID!, $d: Date!) { restrictionSuspend(id: $id, suspendedOn: $d) "
                       "{ restriction { id kind } " + COLLECTION_E + " } }")
AGREEMENT_PREPARE = ("mutation($n: String!, $parts: Int!, $first: Date!, $total: Decimal) { agreementPrepare("
                     "accountNumber: $n, parts: $parts, firstDue: $first, total: $total) { agreement { id number "
                     "status } " + COLLECTION_E + " } }")
AGREEMENT_SIGN = ("mutation($id: ID!, $d: Date!) { agreementSign(id: $id, signedOn: $d) { agreement { id status } "
                  + COLLECTION_E + " } }")
AGREEMENT_DECLINE = ("mutation($id: ID!, $r: String!) { agreementDecline(id: $id, reason: $r) { agreement { id "
                     "status } " + COLLECTION_E + " } }")
COURT_CASE_OPEN = ("mutation($n: String!) { courtCaseOpen(accountNumber: $n) { case { id number status } "
                   + COLLECTION_E + " } }")
COURT_CASE_EVENT = ("mutation($id: ID!, $k: CourtCaseEventKind!, $d: Date!) { courtCaseEvent(caseId: $id, kind: $k, "
                    "happenedOn: $d) { case { id status } " + COLLECTION_E + " } }")
COLLECTION_DAY = "2026-11-20"


def isolation_b_collection(w) -> dict:
    """B's isolation account in B's register, with a warning, a restriction, a draft agreement and a court case;
    their ids (B's schema)."""
    from datetime import UTC, date, datetime

    from django_tenants.utils import schema_context

    from tenants.collection.models import Agreement, CourtCase, Debtor, Restriction, Warning

    account_id = int(billing_account_id("principal_b"))
    service_id = int(billing_service_id("principal_b"))
    with schema_context("principal_b"):
        Debtor.objects.get_or_create(account_id=account_id, defaults={
            "number": B_ACCOUNT_NUMBER, "payer_name": "Изолированный И. И.", "house_id": 0, "address": B_HOUSE_STREET,
            "debt": "777.77", "principal_debt": "777.77", "penalties": "0", "months": 3, "threshold": True,
            "refreshed_at": datetime(2026, 11, 20, tzinfo=UTC)})
        warning, _c = Warning.objects.get_or_create(account_id=account_id, service_id=service_id,
                                                    month=date(2026, 10, 1), defaults={
            "debt": "777.77", "norm_charge": "100.00", "channel": "signature", "issued_on": date(2026, 10, 1),
            "delivered_on": date(2026, 10, 2), "term_end": date(2026, 10, 22), "status": "delivered"})
        restriction, _c = Restriction.objects.get_or_create(warning=warning, defaults={
            "account_id": account_id, "service_id": service_id, "kind": "restriction", "status": "ordered",
            "executor": "Исполнитель Б", "ordered_on": date(2026, 10, 25)})
        agreement, _c = Agreement.objects.get_or_create(number=f"С-{B_ACCOUNT_NUMBER}", defaults={
            "account_id": account_id, "status": "draft", "parts": 3, "total": "777.77"})
        case, _c = CourtCase.objects.get_or_create(number=f"Д-{B_ACCOUNT_NUMBER}", defaults={
            "account_id": account_id, "route": "order", "period_from": date(2026, 8, 1),
            "period_to": date(2026, 10, 1), "principal_debt": "777.77", "penalties": "0", "state_fee": "2000.00",
            "fee_source": "НК РФ ст.333.19", "calculated_on": date(2026, 11, 1)})
    connection.set_schema_to_public()
    return {"warning": str(warning.pk), "restriction": str(restriction.pk), "agreement": str(agreement.pk),
            "case": str(case.pk)}


def collection_b_rows() -> dict:
    """B's collection rows as plain values: nothing on A's host may change them."""
    from django_tenants.utils import schema_context

    from tenants.collection.models import AccountCollection, Agreement, CourtCase, Debtor, Restriction, Warning

    with schema_context("principal_b"):
        rows = {model.__name__: list(model.objects.order_by("pk").values())
                for model in (AccountCollection, Agreement, CourtCase, Debtor, Restriction, Warning)}
    connection.set_schema_to_public()
    return rows


CASES.update({
    # A's register and work read and write A's schema: B's debtor is neither listed nor found by its number, and
    # B's warnings, restrictions, agreements and cases are not found by their ids
    "debtors": Case(DEBTORS, lambda w: isolation_b_collection(w) and {}, "OK"),
    "debtorSummary": Case(DEBTOR_SUMMARY, lambda w: isolation_b_collection(w) and {}, "OK"),
    "debtor": Case(DEBTOR, lambda w: isolation_b_collection(w) and {"n": B_ACCOUNT_NUMBER}, "NOT_FOUND"),
    "collectionRegisterRefresh": Case(COLLECTION_REGISTER_REFRESH, lambda w: isolation_b_collection(w) and {}, "OK"),
    "collectionWorkStop": Case(COLLECTION_WORK_STOP, lambda w: isolation_b_collection(w) and {
        "n": B_ACCOUNT_NUMBER, "r": "с чужого адреса"}, "NOT_FOUND"),
    "collectionWorkResume": Case(COLLECTION_WORK_RESUME, lambda w: isolation_b_collection(w) and {
        "n": B_ACCOUNT_NUMBER}, "NOT_FOUND"),
    "warningIssue": Case(WARNING_ISSUE, lambda w: isolation_b_collection(w) and {
        "n": B_ACCOUNT_NUMBER, "s": "iso-heat", "c": "EPD"}, "NOT_FOUND"),
    "warningDelivered": Case(WARNING_DELIVERED, lambda w: {"id": isolation_b_collection(w)["warning"],
                                                           "d": COLLECTION_DAY}, "NOT_FOUND"),
    "restrictionOrder": Case(RESTRICTION_ORDER, lambda w: {"w": isolation_b_collection(w)["warning"],
                                                           "e": "Исполнитель А"}, "NOT_FOUND"),
    "restrictionDone": Case(RESTRICTION_DONE, lambda w: {"id": isolation_b_collection(w)["restriction"],
                                                         "d": COLLECTION_DAY, "a": "А-1"}, "NOT_FOUND"),
    "restrictionLift": Case(RESTRICTION_LIFT, lambda w: {"id": isolation_b_collection(w)["restriction"],
                                                         "d": COLLECTION_DAY}, "NOT_FOUND"),
    "restrictionSuspend": Case(RESTRICTION_SUSPEND, lambda w: {"id": isolation_b_collection(w)["restriction"],
                                                               "d": COLLECTION_DAY}, "NOT_FOUND"),
    "agreementPrepare": Case(AGREEMENT_PREPARE, lambda w: isolation_b_collection(w) and {
        "n": B_ACCOUNT_NUMBER, "parts": 3, "first": "2027-01-10", "total": "300.00"}, "NOT_FOUND"),
    "agreementSign": Case(AGREEMENT_SIGN, lambda w: {"id": isolation_b_collection(w)["agreement"],
                                                     "d": COLLECTION_DAY}, "NOT_FOUND"),
    "agreementDecline": Case(AGREEMENT_DECLINE, lambda w: {"id": isolation_b_collection(w)["agreement"],
                                                           "r": "с чужого адреса"}, "NOT_FOUND"),
    "courtCaseOpen": Case(COURT_CASE_OPEN, lambda w: isolation_b_collection(w) and {"n": B_ACCOUNT_NUMBER},
                          "NOT_FOUND"),
    "courtCaseEvent": Case(COURT_CASE_EVENT, lambda w: {"id": isolation_b_collection(w)["case"], "k": "FILED",
                                                        "d": COLLECTION_DAY}, "NOT_FOUND"),
    # the resident's side: refused to a principal's key or admin
    "myCollection": Case(MY_COLLECTION, lambda w: {}, "PERMISSION_DENIED"),
    "agreementRequest": Case(AGREEMENT_REQUEST, lambda w: {"els": "7600077002", "p": str(w.b.pk), "parts": 3},
                             "PERMISSION_DENIED"),
})
COLLECTION_FIELDS = ("debtors", "debtorSummary", "debtor", "collectionRegisterRefresh", "collectionWorkStop",
                     "collectionWorkResume", "warningIssue", "warningDelivered", "restrictionOrder", "restrictionDone",
                     "restrictionLift", "restrictionSuspend", "agreementPrepare", "agreementSign", "agreementDecline",
                     "courtCaseOpen", "courtCaseEvent")

# --- the debt collection back office (graphql_api/collection/office): the agent's, on the agent's host ----------

OFFICE_E = "errors { field code }"
CAMPAIGNS = "query { campaigns { id name principals { id name } runs { id month status } } }"
CAMPAIGN = ("query($id: ID!) { campaign(id: $id) { id name runs { id month totals { selected warned } "
            "principals { schema name } files { title url } } } }")
COLLECTION_OVERVIEW = ("query { collectionOverview { principalId name debtors debtTotal threshold "
                       "byStage { stage count debt } refreshedAt } }")
COLLECTION_RATES_BY_PRINCIPAL = ("query($f: Date!, $t: Date!) { collectionRatesByPrincipal(monthFrom: $f, "
                                 "monthTo: $t) { principalId name charged paid rate } }")
COLLECTION_RATES = ("query($f: Date!, $t: Date!) { collectionRates(monthFrom: $f, monthTo: $t) { "
                    "byMonth { month charged paid rate } byHouse { houseId address rate } byAge { bucket amount } "
                    "dynamics { month debt } campaigns { campaignId campaignName accounts } } }")
CAMPAIGN_CREATE = ("mutation($i: CampaignInput!) { campaignCreate(input: $i) { campaign { id name } "
                   + OFFICE_E + " } }")
CAMPAIGN_UPDATE = ("mutation($id: ID!, $i: CampaignInput!) { campaignUpdate(id: $id, input: $i) { campaign { id name } "
                   + OFFICE_E + " } }")
CAMPAIGN_RUN = ("mutation($id: ID!, $m: Date) { campaignRun(id: $id, month: $m) { run { id month status } "
                + OFFICE_E + " } }")
EPD_WARNINGS_DELIVERED = ("mutation($m: Date!, $d: Date!, $p: [ID!]) { epdWarningsDelivered(month: $m, "
                          "deliveredOn: $d, principalIds: $p) { delivered principals { principalId delivered } "
                          + OFFICE_E + " } }")


def isolation_campaign(w) -> str:
    """An agent's campaign naming B only (the agent's row, in public)."""
    from agency.collection.campaigns import campaign_create
    from agency.collection.models import Campaign

    campaign = Campaign.objects.filter(name="Кампания изоляции").first() or campaign_create(
        name="Кампания изоляции", actions=["epd_warning"], principal_ids=[w.b.pk])
    return str(campaign.pk)


CASES.update({
    # the agent's campaigns, overview, ЕПД delivery and rates per principal: a principal's key or admin is refused
    # outright, whoever the campaign names
    "campaigns": Case(CAMPAIGNS, lambda w: isolation_campaign(w) and {}, "PERMISSION_DENIED"),
    "campaign": Case(CAMPAIGN, lambda w: {"id": isolation_campaign(w)}, "PERMISSION_DENIED"),
    "collectionOverview": Case(COLLECTION_OVERVIEW, lambda w: isolation_b_collection(w) and {}, "PERMISSION_DENIED"),
    "collectionRatesByPrincipal": Case(COLLECTION_RATES_BY_PRINCIPAL, lambda w: {"f": "2026-01-01",
                                                                                 "t": "2026-12-01"},
                                       "PERMISSION_DENIED"),
    "campaignCreate": Case(CAMPAIGN_CREATE, lambda w: {"i": {"name": "Захват", "actions": ["SMS"],
                                                             "principalIds": [str(w.b.pk)]}}, "PERMISSION_DENIED"),
    "campaignUpdate": Case(CAMPAIGN_UPDATE, lambda w: {"id": isolation_campaign(w), "i": {"active": False}},
                           "PERMISSION_DENIED"),
    "campaignRun": Case(CAMPAIGN_RUN, lambda w: {"id": isolation_campaign(w), "m": "2026-11-01"},
                        "PERMISSION_DENIED"),
    "epdWarningsDelivered": Case(EPD_WARNINGS_DELIVERED, lambda w: isolation_b_collection(w) and {
        "m": "2026-10-01", "d": "2026-10-05", "p": [str(w.b.pk)]}, "PERMISSION_DENIED"),
    # a principal's own rates: A's schema only
    "collectionRates": Case(COLLECTION_RATES, lambda w: isolation_b_collection(w) and {"f": "2026-01-01",
                                                                                        "t": "2026-12-01"}, "OK"),
})

def test_every_schema_field_has_an_isolation_case():
    graphql_schema = schema.graphql_schema
    fields = set(graphql_schema.query_type.fields) | set(graphql_schema.mutation_type.fields)

    missing = sorted(fields - set(CASES))
    stale = sorted(set(CASES) - fields)

    assert missing == [], f"fields without an isolation case: {missing}"
    assert stale == [], f"cases for fields that no longer exist: {stale}"


def test_every_case_names_its_field_in_its_document():
    for field, case in CASES.items():
        assert f"{field}(" in case.document or f"{field} {{" in case.document, field


# --- (a) B's credentials on A's host ------------------------------------------------------------


@pytest.mark.parametrize("credential", ["b_api_key_all_perms", "b_admin_session"])
@pytest.mark.parametrize("field", sorted(CASES))
def test_b_credentials_on_a_host_are_refused(world, tenants, gql, field, credential):
    # given B's key with every permission, or B's admin logged in, calling A's host
    case = CASES[field]
    client = (
        gql(tenants.a_host, api_key=world.b_key_plain) if credential == "b_api_key_all_perms"
        else gql(tenants.a_host, user=world.b_admin)
    )
    before = everything(world)

    # when
    payload = client(case.document, case.variables(world))

    # then the whole request is refused, with no data at all, and nothing changed anywhere
    assert payload["_status"] == 403
    assert error_codes(payload) == ["FOREIGN_PRINCIPAL"]
    assert "data" not in payload
    assert_no_b_data(payload, world)
    assert everything(world) == before


# --- (b) A's key / A's admin on A's host, aimed at B's objects -------------------------------------


@pytest.mark.parametrize("caller", ["a_api_key_all_perms", "a_admin_session"])
@pytest.mark.parametrize("field", sorted(CASES))
def test_a_caller_cannot_reach_b_objects(world, tenants, gql, field, caller):
    # given A's own key (every permission) or A's admin, on A's host, with B's ids in the arguments
    case = CASES[field]
    client = (
        gql(tenants.a_host, api_key=world.a_key_plain) if caller == "a_api_key_all_perms"
        else gql(tenants.a_host, user=world.a_admin)
    )
    b_before = principal_snapshot(world.b.pk)
    principals_before = list(Principal.objects.order_by("pk").values_list("pk", flat=True))

    variables = case.variables(world)

    # when
    payload = client(case.document, variables)

    # then the answer is a refusal (or A's own data), never B's, and B's rows did not change
    assert payload["_status"] == 200
    if case.on_a_with_b_ids == "OK":
        assert codes(payload, field) == [], payload
        assert payload["data"][field] is not None
    else:
        assert codes(payload, field) == [case.on_a_with_b_ids], payload
    assert_no_b_data(payload, world, sent=variables)
    assert principal_snapshot(world.b.pk) == b_before
    assert list(Principal.objects.order_by("pk").values_list("pk", flat=True)) == principals_before


@pytest.mark.parametrize(
    ("field", "variables"),
    [
        ("membershipUpdate", lambda w: {"id": "987654321", "input": {"role": "STAFF"}}),
        ("apiKeyRevoke", lambda w: {"id": "987654321"}),
    ],
)
def test_b_ids_look_exactly_like_missing_ids(world, tenants, gql, field, variables):
    # given A's admin and one of B's ids next to an id that does not exist at all
    client = gql(tenants.a_host, user=world.a_admin)
    case = CASES[field]

    # when
    for_b = client(case.document, case.variables(world))
    for_nothing = client(case.document, variables(world))

    # then A cannot even tell that B's object exists
    assert for_b == for_nothing
    assert codes(for_b, field) == ["NOT_FOUND"]


def test_b_key_cannot_be_revoked_from_a_and_still_works_on_b(world, tenants, gql):
    # given A's admin
    client = gql(tenants.a_host, user=world.a_admin)

    # when A revokes B's key by id
    payload = client(API_KEY_REVOKE, {"id": str(world.b_key.pk)})

    # then it is not found, B's key stays active and still answers on B's host
    assert payload["data"]["apiKeyRevoke"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert ApiKey.objects.get(pk=world.b_key.pk).revoked_at is None
    on_b = gql(tenants.b_host, api_key=world.b_key_plain)("{ currentPrincipal { id } }")
    assert on_b["data"]["currentPrincipal"]["id"] == str(world.b.pk)


def test_b_membership_cannot_be_changed_from_a(world, tenants, gql):
    # given A's key with every permission, and B's admin membership
    membership = world.membership(world.b_admin, world.b)
    client = gql(tenants.a_host, api_key=world.a_key_plain)

    # when A tries to demote, deactivate and re-permission it
    payload = client(MEMBERSHIP_UPDATE, {
        "id": str(membership.pk), "input": {"role": "STAFF", "permissions": [], "isActive": False},
    })

    # then it is not found and B's admin is still an active admin who can work on B
    assert payload["data"]["membershipUpdate"] == {"membership": None, "errors": [{"field": "id", "code": "NOT_FOUND"}]}
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (PrincipalRole.ADMIN, True)
    on_b = gql(tenants.b_host, user=world.b_admin)("{ me { principalRole } }")
    assert on_b["data"]["me"]["principalRole"] == "ADMIN"


def test_inviting_b_user_to_a_does_not_touch_b_user_or_membership(world, tenants, gql):
    # given A's admin and the e-mail of B's admin
    client = gql(tenants.a_host, user=world.a_admin)
    b_membership = world.membership(world.b_admin, world.b)
    user_before = User.objects.filter(pk=world.b_admin.pk).values("password", "full_name", "is_active").get()

    # when A invites that e-mail to its staff as an admin
    payload = client(STAFF_INVITATION_SEND, CASES["staffInvitationSend"].variables(world))

    # then the answer holds only what A typed, A has no member with it, and B's user and membership are unchanged
    answer = payload["data"]["staffInvitationSend"]
    assert answer["errors"] == []
    assert set(answer["invitation"]) == {"id", "email", "role", "permissions", "sentAt", "expiresAt", "isExpired"}
    assert not PrincipalMembership.objects.filter(user=world.b_admin, principal=world.a).exists()
    assert User.objects.filter(pk=world.b_admin.pk).values("password", "full_name", "is_active").get() == user_before
    b_membership_now = PrincipalMembership.objects.get(pk=b_membership.pk)
    assert (b_membership_now.role, b_membership_now.permissions, b_membership_now.is_active) == (
        b_membership.role, b_membership.permissions, b_membership.is_active,
    )


def test_key_created_on_a_belongs_to_a_and_is_refused_on_b(world, tenants, gql):
    # given A's key with every permission
    client = gql(tenants.a_host, api_key=world.a_key_plain)

    # when it creates a new key
    payload = client(API_KEY_CREATE, {"name": "новый", "permissions": ["SETTINGS_VIEW"]})

    # then the key is A's, works on A, and B's host refuses it
    created = payload["data"]["apiKeyCreate"]
    assert created["errors"] == []
    assert ApiKey.objects.get(pk=created["apiKey"]["id"]).principal_id == world.a.pk
    on_a = gql(tenants.a_host, api_key=created["key"])("{ workspaceSettings { displayName } }")
    assert on_a["data"]["workspaceSettings"]["displayName"] == A_SETTINGS_NAME
    on_b = gql(tenants.b_host, api_key=created["key"])("{ workspaceSettings { displayName } }")
    assert error_codes(on_b) == ["FOREIGN_PRINCIPAL"]
    assert "data" not in on_b


def test_b_login_on_a_host_leaves_the_caller_anonymous(world, tenants, gql):
    # given an anonymous browser on A's host
    client = gql(tenants.a_host)

    # when B's admin logs in there with the right password
    payload = client(LOGIN, {"email": world.b_admin.email, "password": factories.PASSWORD})

    # then the login is refused and the browser stays anonymous
    assert payload["data"]["login"] == {"me": None, "errors": [{"field": "email", "code": "FOREIGN_PRINCIPAL"}]}
    assert client(ME)["data"]["me"]["isAuthenticated"] is False


# --- (c) settings live in each principal's own schema -----------------------------------------------


def test_settings_written_on_a_do_not_show_on_b(world, tenants, gql):
    # given B's settings as they are
    b_row_before = settings_row("principal_b")
    b_reader = gql(tenants.b_host, api_key=world.b_key_plain)
    b_answer_before = b_reader(WORKSPACE_SETTINGS)

    # when A's admin changes A's settings
    payload = gql(tenants.a_host, user=world.a_admin)(
        WORKSPACE_SETTINGS_UPDATE,
        {"input": {"displayName": "Только для А", "paymentDueDay": 3, "supportEmail": "help@a.iso"}},
    )

    # then A's row changed, B's did not, and B reads its own values
    assert payload["data"]["workspaceSettingsUpdate"]["errors"] == []
    assert settings_row("principal_a")[0][:5] == ("Только для А", 20, 25, 3, "help@a.iso")
    assert settings_row("principal_b") == b_row_before
    b_answer = b_reader(WORKSPACE_SETTINGS)
    assert b_answer == b_answer_before
    assert b_answer["data"]["workspaceSettings"] == {
        "displayName": B_SETTINGS_NAME, "paymentDueDay": 20, "supportEmail": "help@b.iso",
    }
    a_answer = gql(tenants.a_host, api_key=world.a_key_plain)(WORKSPACE_SETTINGS)
    assert a_answer["data"]["workspaceSettings"]["displayName"] == "Только для А"


def test_settings_written_on_b_do_not_show_on_a(world, tenants, gql):
    # given A's settings as they are
    a_row_before = settings_row("principal_a")

    # when B changes its settings with its own key
    payload = gql(tenants.b_host, api_key=world.b_key_plain)(
        WORKSPACE_SETTINGS_UPDATE, {"input": {"displayName": "Только для Б", "paymentDueDay": 28}}
    )

    # then A's row and A's answer are untouched
    assert payload["data"]["workspaceSettingsUpdate"]["errors"] == []
    assert settings_row("principal_a") == a_row_before
    a_answer = gql(tenants.a_host, user=world.a_admin)(WORKSPACE_SETTINGS)
    assert a_answer["data"]["workspaceSettings"]["displayName"] == A_SETTINGS_NAME
    assert a_answer["data"]["workspaceSettings"]["paymentDueDay"] == 12


def test_each_principal_has_its_own_settings_table(world):
    # given the two principals' schemas
    # when we look at them directly
    tables = {}
    with connection.cursor() as cursor:
        for schema_name in ("principal_a", "principal_b"):
            cursor.execute(
                "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = 'workspace_workspacesettings'",
                [schema_name],
            )
            tables[schema_name] = cursor.fetchall()

    # then each has one table of its own, holding its own single row
    assert len(tables["principal_a"]) == 1 and len(tables["principal_b"]) == 1
    assert tables["principal_a"] != tables["principal_b"]
    assert settings_row("principal_a")[0][0] == A_SETTINGS_NAME
    assert settings_row("principal_b")[0][0] == B_SETTINGS_NAME


# --- (d) lists ------------------------------------------------------------------------------------------


def test_users_on_a_never_list_b_staff(world, tenants, gql):
    # given B has more staff than A, and one person works for both
    for i in range(5):
        factories.staff(world.b, permissions=[Perm.USERS_VIEW], email=f"b-extra-{i}@b.iso")
    both = factories.staff(world.b, role=PrincipalRole.ADMIN, email="both@shared.iso")
    PrincipalMembership.objects.create(user=both, principal=world.a, role=PrincipalRole.STAFF)
    a_ids = {str(pk) for pk in PrincipalMembership.objects.filter(principal=world.a).values_list("pk", flat=True)}

    for client in (gql(tenants.a_host, user=world.a_admin), gql(tenants.a_host, api_key=world.a_key_plain)):
        # when A lists its users, all of them, page by page, and searching for B's e-mails
        everyone = client(USERS)["data"]["users"]
        first_page = client("{ users(first: 2) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }")
        rest = client(
            "query($after: String) { users(after: $after) { nodes { id } } }",
            {"after": first_page["data"]["users"]["pageInfo"]["endCursor"]},
        )
        searched = client(USERS, {"search": "b.iso"})["data"]["users"]

        # then only A's memberships appear; the shared person shows with A's role only
        assert {n["id"] for n in everyone["nodes"]} == a_ids
        assert everyone["totalCount"] == len(a_ids)
        paged = [n["id"] for n in first_page["data"]["users"]["nodes"] + rest["data"]["users"]["nodes"]]
        assert set(paged) == a_ids and len(paged) == len(a_ids)
        assert searched == {"totalCount": 0, "nodes": []}
        shared = [n for n in everyone["nodes"] if n["email"] == "both@shared.iso"]
        assert [(n["role"], n["permissions"]) for n in shared] == [("STAFF", [])]
        assert_no_b_data(everyone, world)


def test_api_keys_on_a_never_list_b_keys(world, tenants, gql):
    # given B has several keys, one of them revoked
    for _ in range(3):
        factories.api_key(world.b, [Perm.SETTINGS_VIEW])
    ApiKey.objects.filter(principal=world.b).exclude(pk=world.b_key.pk).update(revoked_at="2026-01-01T00:00:00Z")
    a_ids = {str(pk) for pk in ApiKey.objects.filter(principal=world.a).values_list("pk", flat=True)}

    for client in (gql(tenants.a_host, user=world.a_admin), gql(tenants.a_host, api_key=world.a_key_plain)):
        # when A lists its keys
        payload = client(API_KEYS)

        # then it sees exactly its own
        assert {k["id"] for k in payload["data"]["apiKeys"]} == a_ids
        assert_no_b_data(payload, world)


def test_current_principal_and_me_on_each_host_are_its_own(world, tenants, gql):
    # given each principal's key
    # when each asks who it is, on its own host
    on_a = gql(tenants.a_host, api_key=world.a_key_plain)("{ currentPrincipal { id schemaName } me { permissions } }")
    on_b = gql(tenants.b_host, api_key=world.b_key_plain)("{ currentPrincipal { id schemaName } me { permissions } }")

    # then each sees only itself
    assert on_a["data"]["currentPrincipal"] == {"id": str(world.a.pk), "schemaName": "principal_a"}
    assert on_b["data"]["currentPrincipal"] == {"id": str(world.b.pk), "schemaName": "principal_b"}
    assert_no_b_data(on_a, world)


def test_principal_payouts_and_receipts_on_a_never_show_b(world, tenants, gql):
    # given payouts and receipts of both principals
    from datetime import date
    from decimal import Decimal

    from django_tenants.utils import schema_context

    from agency.payments.models import Payout
    from tenants.receipts.models import Receipt

    b_payout = isolation_b_payout(world)
    isolation_b_receipt(world)
    a_payout = Payout.objects.create(principal=world.a, business_day=date(2026, 11, 26), covers_from=date(2026, 11, 25),
                                     covers_to=date(2026, 11, 25), gross=Decimal("10.00"), fee=Decimal("0.15"),
                                     net=Decimal("9.85"))
    a_account = billing_account_id("principal_a")
    with schema_context("principal_a"):
        Receipt.objects.create(account_id=a_account, amount=Decimal("1.23"), paid_on=date(2026, 11, 25), source="own",
                               external_key="2026-11-25:ISO-A")
    connection.set_schema_to_public()

    for client in (gql(tenants.a_host, user=world.a_admin), gql(tenants.a_host, api_key=world.a_key_plain)):
        # when A lists its payouts and receipts
        payouts = client(PRINCIPAL_PAYOUTS)
        receipts = client(PRINCIPAL_RECEIPTS)

        # then it sees exactly its own
        assert [n["id"] for n in payouts["data"]["principalPayouts"]["nodes"]] == [str(a_payout.pk)]
        assert [n["amount"] for n in receipts["data"]["principalReceipts"]["nodes"]] == ["1.23"]
        assert receipts["data"]["principalReceipts"]["totalAmount"] == "1.23"
        assert_no_b_data(payouts, world)
        assert_no_b_data(receipts, world)

    # and B, on its own host, sees its own and nothing of A's
    on_b = gql(tenants.b_host, api_key=world.b_key_plain)(PRINCIPAL_PAYOUTS)
    assert [n["id"] for n in on_b["data"]["principalPayouts"]["nodes"]] == [b_payout]


def test_houses_on_each_host_are_its_own_with_its_own_counts(world, tenants, gql):
    # given a house only A serves, one only B serves, and one both serve (A two accounts, B one)
    only_a = billing_house_account("principal_a", "улица Альфа-Изоляции", "1")
    only_b = billing_house_account("principal_b", B_HOUSE_STREET, "1")
    shared = billing_house_account("principal_a", "улица Общая", "1")
    billing_house_account("principal_a", "улица Общая", "2")
    billing_house_account("principal_b", "улица Общая", "3")

    # when each lists its houses (A by session and by key, B by key)
    on_a = [gql(tenants.a_host, user=world.a_admin)(HOUSES), gql(tenants.a_host, api_key=world.a_key_plain)(HOUSES)]
    on_b = gql(tenants.b_host, api_key=world.b_key_plain)(HOUSES)
    b_searching_a = gql(tenants.b_host, api_key=world.b_key_plain)(HOUSES, {"search": "Альфа"})

    # then each sees its own houses with its own counts, by street, never the other's
    for payload in on_a:
        assert [(h["id"], h["accountsCount"]) for h in payload["data"]["houses"]] == [(only_a, 1), (shared, 2)]
        assert_no_b_data(payload, world)
    assert [(h["id"], h["accountsCount"]) for h in on_b["data"]["houses"]] == [(shared, 1), (only_b, 1)]
    assert "Альфа" not in json.dumps(on_b, ensure_ascii=False)
    assert b_searching_a["data"]["houses"] == []


@pytest.mark.parametrize("caller", ["a_api_key_all_perms", "a_admin_session"])
@pytest.mark.parametrize("field", COLLECTION_FIELDS)
def test_collection_rows_of_b_stay_as_they_were(world, tenants, gql, field, caller):
    # given B's debtor, warning, restriction, agreement and case, and A's caller aiming at them from A's host
    case = CASES[field]
    variables = case.variables(world)
    before = collection_b_rows()
    client = (gql(tenants.a_host, api_key=world.a_key_plain) if caller == "a_api_key_all_perms"
              else gql(tenants.a_host, user=world.a_admin))

    # when
    payload = client(case.document, variables)

    # then B's rows did not change (A's own register may: it is A's)
    assert payload["_status"] == 200
    assert collection_b_rows() == before
    assert before["Warning"] and before["CourtCase"]  # the case really had B's rows to aim at
