"""Debt collection over GraphQL (graphql_api.collection): the register's keyset pages, an account's collection file,
the acts of the work with the services' refusal codes, the audit rows, and the resident's side in the cabinet."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.identity.models import AuditLog
from agency.identity.permissions import Perm
from billing_core.collection import WARNING_DAYS
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import Service
from tenants.collection.models import DebtorLine, Warning
from tenants.collection.register import register_refresh
from tenants.receipts.models import Receipt
from tenants.residents.models import ResidentLink
from tests import factories
from tests.conftest import error_codes
from tests.tenants.billing.test_balances import _accounts, _receipt

pytestmark = pytest.mark.django_db
D = Decimal
MONTHS = (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))

DEBTOR_FIELDS = ("accountNumber payerName address debt principalDebt penalties months maxMonthsOfNorm threshold "
                 "lastPaidOn lastPaidAmount stage stageLabel keptAgreement stopped")
DEBTORS = (
    "query($first: Int, $after: String, $search: String, $minDebt: Decimal, $stopped: Boolean) { debtors("
    "first: $first, after: $after, search: $search, minDebt: $minDebt, stopped: $stopped) { totalCount "
    "pageInfo { hasNextPage endCursor } nodes { " + DEBTOR_FIELDS + " } } }"
)
SUMMARY = ("query { debtorSummary { refreshedAt debtors debtTotal byStage { stage label count debt } "
           "byAge { bucket amount } } }")
DEBTOR = (
    "query($n: String!) { debtor(accountNumber: $n) { " + DEBTOR_FIELDS + " stoppedReason "
    "lines { serviceCode serviceName restrictable debt principalDebt penalties age1 age2 age3 age4to6 age7to12 "
    "ageOver12 normCharge monthsOfNorm threshold } "
    "warnings { id serviceName month debt normCharge channel issuedOn deliveredOn termEnd restrictionFrom status } "
    "restrictions { id serviceName kind status executor orderedOn doneOn actNumber liftDue liftedOn } "
    "agreements { id number status total parts signedOn paid shortfall schedule { seq dueOn amount } "
    "requestedByResident residentNote } "
    "cases { id number route status principalDebt penalties stateFee feeSource courtName courtCaseNumber recovered "
    "costsRecovered events { kind label happenedOn amount documentNumber note } allowedEvents { kind label } } "
    "documents { kind title createdAt url } } }"
)
E = "errors { field code }"
WORK_STOP = ("mutation($n: String!, $r: String!) { collectionWorkStop(accountNumber: $n, reason: $r) "
             "{ debtor { stopped stoppedReason } " + E + " } }")
WORK_RESUME = ("mutation($n: String!) { collectionWorkResume(accountNumber: $n) { debtor { stopped } " + E + " } }")
REFRESH = "mutation { collectionRegisterRefresh { debtors lines refreshedAt " + E + " } }"
WARNING_ISSUE = ("mutation($n: String!, $s: String!, $c: WarningChannel!) { warningIssue(accountNumber: $n, "
                 "serviceCode: $s, channel: $c) { warning { id status debt normCharge } created " + E + " } }")
WARNING_DELIVERED = ("mutation($id: ID!, $d: Date!, $p: String) { warningDelivered(id: $id, deliveredOn: $d, "
                     "postalId: $p) { warning { id status termEnd restrictionFrom } " + E + " } }")
RESTRICTION_ORDER = ("mutation($w: ID!, $e: String!) { restrictionOrder(warningId: $w, executor: $e) "
                     "{ restriction { id status } " + E + " } }")
RESTRICTION_DONE = ("mutation($id: ID!, $d: Date!, $a: String!) { restrictionDone(id: $id, doneOn: $d, actNumber: $a) "
                    "{ restriction { id status doneOn } " + E + " } }")
RESTRICTION_LIFT = ("mutation($id: ID!, $d: Date!, $a: String) { restrictionLift(id: $id, liftedOn: $d, actNumber: $a) "
                    "{ restriction { id status liftedOn } " + E + " } }")
AGREEMENT_PREPARE = (
    "mutation($n: String!, $parts: Int!, $first: Date!, $total: Decimal, $id: ID) { agreementPrepare("
    "accountNumber: $n, parts: $parts, firstDue: $first, total: $total, agreementId: $id) { agreement { id status "
    "total parts schedule { seq dueOn amount } } " + E + " } }"
)
AGREEMENT_SIGN = ("mutation($id: ID!, $d: Date!) { agreementSign(id: $id, signedOn: $d) { agreement { id status "
                  "signedOn } " + E + " } }")
AGREEMENT_DECLINE = ("mutation($id: ID!, $r: String!) { agreementDecline(id: $id, reason: $r) { agreement { id status "
                     "} " + E + " } }")
CASE_OPEN = ("mutation($n: String!, $ids: DebtorIdsInput) { courtCaseOpen(accountNumber: $n, debtorIds: $ids) "
             "{ case { id number route status principalDebt penalties stateFee allowedEvents { kind } } " + E + " } }")
CASE_EVENT = (
    "mutation($id: ID!, $k: CourtCaseEventKind!, $d: Date!, $a: Decimal, $doc: String, $court: String) { "
    "courtCaseEvent(caseId: $id, kind: $k, happenedOn: $d, amount: $a, documentNumber: $doc, courtName: $court) "
    "{ created event { kind amount } case { status recovered courtName } " + E + " } }"
)
MY_COLLECTION = (
    "query { myCollection { els address amountDue currentDocumentId accounts { els principalId principalName "
    "accountNumber balance canRequestAgreement warnings { month serviceName debt termEnd status } "
    "agreements { id number status total parts paid shortfall schedule { seq dueOn amount } } } } }"
)
AGREEMENT_REQUEST = (
    "mutation($els: String!, $p: ID!, $parts: Int!, $note: String) { agreementRequest(els: $els, principalId: $p, "
    "parts: $parts, note: $note) { agreement { id status parts } " + E + " } }"
)


def payload_errors(payload: dict, field: str) -> list[tuple]:
    node = (payload.get("data") or {}).get(field) or {}
    return [(e["field"], e["code"]) for e in node.get("errors") or []]


@pytest.fixture
def debts(principal_a):
    """Three accounts at A of 50 m² × 30.00 = 1 500.00 a month, Aug–Oct 2026 posted: the first paid nothing, the
    second 1 000.00, the third 5 000.00 (all of it and the penalties, an advance left); the register refreshed
    today. The first also owes electricity, over two monthly charges by norm (the register's line written as a
    refresh would leave it)."""
    accounts = _accounts(principal_a, 3, prefix="COLAPI")
    today = timezone.localdate()
    with tenant_context(principal_a):
        for month in MONTHS:
            charge_run(month=month)
            period_post(month=month)
        _receipt(accounts[1].number, "1000.00", date(2026, 10, 20), "R-1")
        _receipt(accounts[2].number, "5000.00", date(2026, 10, 21), "R-2")
        register_refresh(today=today)
        electricity = Service.objects.create(code="el", kind="electricity", name="Электроснабжение", unit="кВт·ч",
                                             tariff_kind="per_unit")
        # п.118: 900.00 owed against a norm charge of 300.00 a month — three months, over the threshold of two
        DebtorLine.objects.create(account=accounts[0], service=electricity, debt=D("900.00"),
                                  principal_debt=D("900.00"), penalties=D("0.00"), age_1=D("900.00"),
                                  norm_charge=D("300.00"), months_of_norm=D("3.00"), threshold=True, restrictable=True)
    connection.set_schema_to_public()
    return accounts


@pytest.fixture
def manager(principal_a, tenants, gql):
    return gql(tenants.a_host, user=factories.staff(principal_a, permissions=[
        Perm.COLLECTION_VIEW, Perm.COLLECTION_STOP, Perm.COLLECTION_MANAGE]))


def test_debtors_page_by_debt_with_a_stable_keyset_in_constant_queries(debts, manager):
    # given three accounts: 4 500.00 + penalties owed, 3 500.00 + penalties, nothing (paid in full)
    first = manager(DEBTORS, {"first": 1})["data"]["debtors"]
    # then the largest debt comes first, and the paid account is not a debtor
    assert first["totalCount"] == 2
    assert first["nodes"][0]["accountNumber"] == debts[0].number
    assert D(first["nodes"][0]["principalDebt"]) == D("4500.00")
    assert first["pageInfo"]["hasNextPage"] is True
    second = manager(DEBTORS, {"first": 1, "after": first["pageInfo"]["endCursor"]})["data"]["debtors"]
    assert [n["accountNumber"] for n in second["nodes"]] == [debts[1].number]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["nodes"][0]["lastPaidAmount"] == "1000.00" and second["nodes"][0]["stage"] == "NONE"

    # and a page of one costs the queries a page of a hundred costs
    with CaptureQueriesContext(connection) as one:
        manager(DEBTORS, {"first": 1})
    with CaptureQueriesContext(connection) as many:
        manager(DEBTORS, {"first": 100})
    assert len(one.captured_queries) == len(many.captured_queries)

    # and the filters narrow the register
    assert manager(DEBTORS, {"minDebt": "4000"})["data"]["debtors"]["totalCount"] == 1
    assert manager(DEBTORS, {"search": debts[1].number})["data"]["debtors"]["nodes"][0]["accountNumber"] == \
        debts[1].number
    bad = manager(DEBTORS, {"after": "bm9wZQ=="})
    assert error_codes(bad) == ["INVALID"]


def test_summary_counts_the_register_by_stage_and_age(debts, manager):
    summary = manager(SUMMARY)["data"]["debtorSummary"]
    assert summary["debtors"] == 2 and summary["refreshedAt"]
    assert [(s["stage"], s["count"]) for s in summary["byStage"]] == [("NONE", 2)]
    # the unpaid charges are the newest: age 1 holds each debtor's October (1 500.00 each) and the electricity line
    ages = {a["bucket"]: D(a["amount"]) for a in summary["byAge"]}
    assert ages["1"] == D("1500.00") * 2 + D("900.00")
    assert D(summary["debtTotal"]) == sum(D(s["debt"]) for s in summary["byStage"])


def test_warning_restriction_and_lifting_through_the_api(debts, manager, principal_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the documents each act draws are stored under the test's own directory
    number = debts[0].number
    # a service the law never allows to restrict is refused, naming the rule (ПП 354 п.119)
    refused = manager(WARNING_ISSUE, {"n": number, "s": "maint", "c": "REGISTERED_LETTER"})
    assert payload_errors(refused, "warningIssue") == [("serviceCode", "RESTRICTION_FORBIDDEN")]

    issued = manager(WARNING_ISSUE, {"n": number, "s": "el", "c": "REGISTERED_LETTER"})["data"]["warningIssue"]
    assert issued["errors"] == [] and issued["created"] is True
    assert (issued["warning"]["debt"], issued["warning"]["normCharge"]) == ("900.00", "300.00")
    again = manager(WARNING_ISSUE, {"n": number, "s": "el", "c": "REGISTERED_LETTER"})["data"]["warningIssue"]
    assert again["created"] is False and again["warning"]["id"] == issued["warning"]["id"]
    warning_id = issued["warning"]["id"]

    # before delivery the 20 days have not started: no restriction
    early = manager(RESTRICTION_ORDER, {"w": warning_id, "e": "ООО Электросеть"})
    assert payload_errors(early, "restrictionOrder") == [("warningId", "WARNING_TERM_RUNNING")]

    # given the letter was issued and delivered earlier: delivered 25 days ago, so the term of п.119 «а»
    # (20 days from delivery) ended 5 days ago and restriction is possible from the next day
    today = timezone.localdate()
    with tenant_context(principal_a):
        Warning.objects.filter(pk=warning_id).update(issued_on=today - timedelta(days=30))
    connection.set_schema_to_public()
    delivered_on = today - timedelta(days=25)
    delivered = manager(WARNING_DELIVERED, {"id": warning_id, "d": delivered_on.isoformat(), "p": "80000000000001"})
    warning = delivered["data"]["warningDelivered"]["warning"]
    assert warning["termEnd"] == (delivered_on + timedelta(days=WARNING_DAYS)).isoformat()
    assert warning["restrictionFrom"] == (delivered_on + timedelta(days=WARNING_DAYS + 1)).isoformat()

    ordered = manager(RESTRICTION_ORDER, {"w": warning_id, "e": "ООО Электросеть"})["data"]["restrictionOrder"]
    assert ordered["errors"] == [] and ordered["restriction"]["status"] == "ORDERED"
    rid = ordered["restriction"]["id"]
    bad_date = manager(RESTRICTION_DONE, {"id": rid, "d": (today + timedelta(days=1)).isoformat(), "a": "А-1"})
    assert payload_errors(bad_date, "restrictionDone") == [("doneOn", "DATE_RANGE")]
    done = manager(RESTRICTION_DONE, {"id": rid, "d": today.isoformat(), "a": "А-1"})["data"]["restrictionDone"]
    assert done["restriction"]["status"] == "DONE"
    assert manager(DEBTOR, {"n": number})["data"]["debtor"]["stage"] == "RESTRICTED"
    lifted = manager(RESTRICTION_LIFT, {"id": rid, "d": today.isoformat(), "a": "В-1"})["data"]["restrictionLift"]
    assert lifted["restriction"]["status"] == "LIFTED"

    detail = manager(DEBTOR, {"n": number})["data"]["debtor"]
    assert [w["status"] for w in detail["warnings"]] == ["RESTRICTED"]
    assert [(r["status"], r["actNumber"]) for r in detail["restrictions"]] == [("LIFTED", "А-1")]
    assert {line["serviceCode"] for line in detail["lines"]} == {"maint", "el"}
    # the letter (one page of a print batch, with the post office's register), the work order and both acts
    assert sorted(d["kind"] for d in detail["documents"]) == [
        "LIFT_ACT", "RESTRICTION_ACT", "WARNING_LETTER", "WORK_ORDER"]
    assert all(d["url"] for d in detail["documents"])

    # every call is in the audit log, refusals as failed with their codes
    rows = list(AuditLog.objects.filter(fields__overlap=["warningIssue", "restrictionOrder", "restrictionDone"])
                .order_by("pk").values_list("fields", "succeeded", "error_codes"))
    assert rows[0] == (["warningIssue"], False, ["RESTRICTION_FORBIDDEN"])
    assert (["restrictionOrder"], False, ["WARNING_TERM_RUNNING"]) in rows
    assert (["restrictionOrder"], True, []) in rows
    assert AuditLog.objects.filter(fields=["warningIssue"], succeeded=True, principal=principal_a).count() == 2


def test_agreement_then_court_case_and_enforcement(debts, manager, principal_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the documents each act draws are stored under the test's own directory
    kept, sued = debts[0].number, debts[1].number
    today = timezone.localdate()
    first_due = (today.replace(day=1) + timedelta(days=32)).replace(day=10)
    prepared = manager(AGREEMENT_PREPARE, {"n": kept, "parts": 3, "first": first_due.isoformat(),
                                           "total": "3000.00"})["data"]["agreementPrepare"]
    assert prepared["errors"] == []
    agreement = prepared["agreement"]
    # 3 000.00 in three parts: 1 000.00 each, a month apart from the first due day
    assert [(p["seq"], D(p["amount"])) for p in agreement["schedule"]] == [(1, D("1000.00")), (2, D("1000.00")),
                                                                          (3, D("1000.00"))]
    signed = manager(AGREEMENT_SIGN, {"id": agreement["id"], "d": today.isoformat()})["data"]["agreementSign"]
    assert signed["agreement"]["status"] == "ACTIVE"
    declined = manager(AGREEMENT_DECLINE, {"id": agreement["id"], "r": "поздно"})
    assert payload_errors(declined, "agreementDecline") == [("id", "COLLECTION_STATE")]

    # while the agreement is kept, neither a warning nor a court case (ПП 354 п.118)
    assert payload_errors(manager(CASE_OPEN, {"n": kept}), "courtCaseOpen") == [("accountNumber", "AGREEMENT_KEPT")]
    assert payload_errors(manager(WARNING_ISSUE, {"n": kept, "s": "el", "c": "EPD"}), "warningIssue") == [
        ("accountNumber", "AGREEMENT_KEPT")]

    opened = manager(CASE_OPEN, {"n": sued, "ids": {"birthDate": "1980-02-03", "passport": "7800 123456"}})
    case = opened["data"]["courtCaseOpen"]["case"]
    assert case["status"] == "CLAIM" and case["route"] == "ORDER"  # far below the 500 000 ₽ of ГПК ст.121
    assert D(case["principalDebt"]) == D("3500.00")
    assert {e["kind"] for e in case["allowedEvents"]} >= {"FILED", "CLOSED"}
    # the debtor's passport is personal data: the audit row masks it
    audit = AuditLog.objects.filter(fields=["courtCaseOpen"], succeeded=True).get()
    assert audit.variables["courtCaseOpen"]["debtorIds"]["passport"] == "***"

    wrong_step = manager(CASE_EVENT, {"id": case["id"], "k": "RECOVERED", "d": today.isoformat(), "a": "100.00",
                                      "doc": "ПП-1"})
    assert payload_errors(wrong_step, "courtCaseEvent") == [("kind", "COLLECTION_STATE")], wrong_step
    for kind in ("FILED", "ORDER_ISSUED", "SENT_TO_BAILIFFS"):
        step = manager(CASE_EVENT, {"id": case["id"], "k": kind, "d": today.isoformat(),
                                    "court": "Судебный участок №1"})
        assert step["data"]["courtCaseEvent"]["errors"] == [], step
    recovered = manager(CASE_EVENT, {"id": case["id"], "k": "RECOVERED", "d": today.isoformat(), "a": "700.00",
                                     "doc": "ПП-7"})["data"]["courtCaseEvent"]
    assert recovered["created"] is True and recovered["case"]["status"] == "ENFORCEMENT"
    assert D(recovered["case"]["recovered"]) == D("700.00")
    repeat = manager(CASE_EVENT, {"id": case["id"], "k": "RECOVERED", "d": today.isoformat(), "a": "700.00",
                                  "doc": "ПП-7"})["data"]["courtCaseEvent"]
    assert repeat["created"] is False
    with tenant_context(principal_a):
        enforcement = Receipt.objects.filter(account=debts[1], source="enforcement")
        assert sum(r.amount for r in enforcement) == D("700.00")
    connection.set_schema_to_public()

    detail = manager(DEBTOR, {"n": sued})["data"]["debtor"]
    assert detail["stage"] == "ENFORCEMENT"
    assert [e["kind"] for e in detail["cases"][0]["events"]] == ["CLAIM_SENT", "FILED", "ORDER_ISSUED",
                                                                 "SENT_TO_BAILIFFS", "RECOVERED"]
    # each act drew its document: the claim when the case opened, the application package when it was filed
    documents = {d["kind"]: d for d in detail["documents"]}
    assert set(documents) == {"CLAIM", "COURT_APPLICATION"}
    assert all(d["url"] for d in documents.values())
    kept_documents = manager(DEBTOR, {"n": kept})["data"]["debtor"]["documents"]
    assert [d["kind"] for d in kept_documents] == ["AGREEMENT"]  # the agreement's text for signing


def test_stop_and_resume_work_and_refresh(debts, manager):
    number = debts[0].number
    assert payload_errors(manager(WORK_STOP, {"n": number, "r": " "}), "collectionWorkStop") == [
        ("reason", "REQUIRED")]
    assert payload_errors(manager(WORK_STOP, {"n": "NO-SUCH", "r": "суд"}), "collectionWorkStop") == [
        ("accountNumber", "NOT_FOUND")]
    stopped = manager(WORK_STOP, {"n": number, "r": "Банкротство"})["data"]["collectionWorkStop"]["debtor"]
    assert stopped == {"stopped": True, "stoppedReason": "Банкротство"}
    assert payload_errors(manager(WARNING_ISSUE, {"n": number, "s": "el", "c": "EPD"}), "warningIssue") == [
        ("accountNumber", "WORK_STOPPED")]
    assert [n["accountNumber"] for n in manager(DEBTORS, {"stopped": True})["data"]["debtors"]["nodes"]] == [number]
    resumed = manager(WORK_RESUME, {"n": number})["data"]["collectionWorkResume"]["debtor"]
    assert resumed == {"stopped": False}
    refreshed = manager(REFRESH)["data"]["collectionRegisterRefresh"]
    assert refreshed["errors"] == [] and refreshed["debtors"] == 2


def test_principal_staff_can_stop_but_not_manage_without_the_grant(debts, principal_a, tenants, gql):
    # given the principal's staff holding view and stop (what the agent's work leaves to the principal)
    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.COLLECTION_VIEW,
                                                                              Perm.COLLECTION_STOP]))
    assert payload_errors(staff(WORK_STOP, {"n": debts[0].number, "r": "Спор"}), "collectionWorkStop") == []
    refused = staff(WARNING_ISSUE, {"n": debts[0].number, "s": "el", "c": "EPD"})
    assert error_codes(refused) == ["PERMISSION_DENIED"]


# --- the resident's side -------------------------------------------------------------------------------------


@pytest.fixture
def resident(debts):
    user = factories.user(is_resident=True)
    ResidentLink.objects.create(user=user, unified_account=debts[1].unified_account)
    return user


def test_resident_sees_own_collection_and_requests_an_agreement(debts, resident, principal_a, tenants, gql):
    client = gql(tenants.public_host, user=resident)
    (household,) = client(MY_COLLECTION)["data"]["myCollection"]
    (account,) = household["accounts"]
    assert account["accountNumber"] == debts[1].number and account["canRequestAgreement"] is True
    assert D(household["amountDue"]) == D(account["balance"]) > 0

    # a household the resident did not link is not theirs: not found, nothing requested
    other = client(AGREEMENT_REQUEST, {"els": debts[0].unified_account.number, "p": str(principal_a.pk), "parts": 6})
    assert payload_errors(other, "agreementRequest") == [("els", "NOT_FOUND")]
    too_many = client(AGREEMENT_REQUEST, {"els": household["els"], "p": str(principal_a.pk), "parts": 37})
    assert payload_errors(too_many, "agreementRequest") == [("parts", "INVALID")]

    asked = client(AGREEMENT_REQUEST, {"els": household["els"], "p": str(principal_a.pk), "parts": 6,
                                       "note": "Потерял работу"})["data"]["agreementRequest"]
    assert asked["errors"] == [] and asked["agreement"]["status"] == "REQUESTED"
    twice = client(AGREEMENT_REQUEST, {"els": household["els"], "p": str(principal_a.pk), "parts": 6})
    assert payload_errors(twice, "agreementRequest") == [("els", "DUPLICATE")]

    (account,) = client(MY_COLLECTION)["data"]["myCollection"][0]["accounts"]
    assert account["canRequestAgreement"] is False
    assert [(a["status"], a["parts"]) for a in account["agreements"]] == [("REQUESTED", 6)]
    # and the principal's staff find the request in the account's file
    manager = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.COLLECTION_VIEW]))
    agreements = manager(DEBTOR, {"n": debts[1].number})["data"]["debtor"]["agreements"]
    assert [(a["status"], a["requestedByResident"], a["residentNote"]) for a in agreements] == [
        ("REQUESTED", True, "Потерял работу")]
