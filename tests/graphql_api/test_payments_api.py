"""The payments back office and the principals' payment views through the API: a registry uploaded (a broken
line named and nothing posted; the fixed file posted; the same file again posting nothing), the queue, allocation,
payouts built, approved and exported with the 1C file and the registers downloaded through their links,
each principal seeing only its own payouts and receipts, and the day reconciled."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from agency.identity.models import AuditLog
from agency.identity.permissions import Perm
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import CASH
from agency.payments.models import Allocation, Payment, PaymentStatus, Payout, RegistryImport
from billing_core.onec_exchange import statement_read
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import account_balance
from tenants.models import Principal
from tenants.registry.models import UnifiedAccount
from tenants.regulations.selectors import next_working_day
from tests import factories
from tests.conftest import error_codes
from tests.graphql_api.uploading import upload_post
from tests.payments.test_payouts import _epd, _line, bank_statement, contract
from tests.payments.test_registry_import import sber_file, sber_line

pytestmark = pytest.mark.django_db
D = Decimal
PAY_DAY = date(2026, 11, 25)  # a Wednesday; its money is paid out on the next working day
SBER_DAY = "25-11-2026"
UNKNOWN_REF = "5555555555"
ROWS = [(1, "7600000001", "700,00"), (2, "7600000002-1026-1", "250,50"), (3, UNKNOWN_REF, "123,45")]

IMPORTS = "{ paymentImports { totalCount nodes { id filename status rowsPosted amountPosted matched unmatched " \
          "errors { line field code message } } } }"
QUEUE = "{ paymentQueue { totalCount nodes { id amount payerRef status matchNote } } }"
RESOLVE = ("mutation($id: ID!, $els: String) { paymentResolve(paymentId: $id, els: $els) "
           "{ payment { id status els } errors { field code } } }")
ALLOCATE = ("mutation($day: Date, $on: Date) { paymentsAllocate(day: $day, on: $on) { paymentsCount amount "
            "allocationsCount receiptsCount skipped { reason count } errors { field code } } }")
PAYMENTS = ("query($day: Date, $search: String) { payments(day: $day, search: $search) { totalCount nodes { id "
            "amount status els allocations { principalId accountNumber serviceCode amount payoutId } } } }")
BUILD = ("mutation($day: Date!) { payoutsBuild(businessDay: $day) { build { builtNow coversFrom coversTo gross fee net "
         "payouts { id principalId gross fee net status } skipped { reason } } errors { field code } } }")
APPROVE = "mutation($ids: [ID!]!) { payoutApprove(ids: $ids) { payouts { id status } errors { field code } } }"
EXPORT = ("mutation($day: Date) { payoutsExport(businessDay: $day) { ordersCount totalNet ordersFileUrl "
          "payouts { id status orderNumber } errors { field code message } } }")
PRINCIPAL_PAYOUTS = ("{ principalPayouts { totalCount nodes { id principalId businessDay gross fee net status "
                     "orderNumber registerXlsxUrl registerCsvUrl } } }")
PRINCIPAL_RECEIPTS = ("query($from: Date, $to: Date) { principalReceipts(dateFrom: $from, dateTo: $to) "
                      "{ totalCount totalAmount nodes { accountNumber amount paidOn source allocationId } } }")
RECONCILIATION = ("query($day: Date!) { reconciliation(day: $day) { ok unexplained moneyInTotal allocated "
                  "pendingTotal allocationsMade paidOutNet paidOutFee notPaidOut moneyIn { key amount } "
                  "differences { kind ref account expected actual message } explained { kind ref } "
                  "ledgerDay { account expected actual } ledgerBalance { account expected actual } } }")
OWN_RECEIPT = ("mutation($account: String!, $amount: Decimal!, $day: Date!, $doc: String!) { ownReceiptRecord("
               "accountNumber: $account, amount: $amount, paidOn: $day, documentNumber: $doc) "
               "{ created receipt { accountNumber amount source documentNumber } errors { field code } } }")


@pytest.fixture
def world(homes, principal_a, principal_b, settings, tmp_path):
    """Household 1 owes A 600 and B 400 (cold 200 + drainage 100); household 2 owes A 1000. Contracts for both."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with schema_context("principal_b"):
        from tenants.billing.models import Service

        Service.objects.get_or_create(code="drain", defaults={"kind": "drainage", "name": "Водоотведение",
                                                               "unit": "м³", "tariff_kind": "per_unit"})
    connection.set_schema_to_public()
    mine = UnifiedAccount.objects.get(number="7600000001")
    other = UnifiedAccount.objects.get(number="7600000002")
    _epd(mine, [(principal_a, "L-MY-A", "600.00", [_line("cold", "600.00")]),
                (principal_b, "L-MY-B", "400.00", [_line("cold", "200.00"), _line("drain", "100.00")])])
    _epd(other, [(principal_a, "L-NB-A", "1000.00", [_line("cold", "1000.00")])])
    contract(principal_a, rate="1.5")
    contract(principal_b, rate="2.25")
    return {"a": principal_a, "b": principal_b, "operator": factories.user(agent_role="operator"),
            "approver": factories.user(agent_role="approver", full_name="Контролёр"),
            "agent": Principal.objects.get(schema_name="public")}


def upload(user, kind: str, data: bytes, name: str, host: str = "localhost", **fields):
    client = Client()
    client.force_login(user)
    return upload_post(client, kind, {"file": SimpleUploadedFile(name, data), **fields}, HTTP_HOST=host)


def download(url: str) -> bytes:
    response = Client().get(url, HTTP_HOST="localhost")
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def registry(rows) -> bytes:
    return sber_file([sber_line(n, ref, amount, day=SBER_DAY) for n, ref, amount in rows])


def paid(text: str) -> Decimal:
    return D(text.replace(",", "."))


def test_the_whole_day_through_the_api(world, tenants, gql):
    a, b, operator = world["a"], world["b"], world["operator"]
    agent = gql(tenants.public_host, user=operator)
    cash_before, tx_before = account_balance(code=CASH), LedgerTransaction.objects.count()

    # a registry with one broken amount: refused whole, the line and field named, nothing posted
    broken = [*ROWS[:2], (3, UNKNOWN_REF, "123,4x")]
    refused = upload(operator, "payment-registry", registry(broken), "broken.txt", layout="sber_standard")
    body = refused.json()
    assert refused.status_code == 200 and body["status"] == "rejected"
    assert [(e["line"], e["field"]) for e in body["errors"] if e["field"] == "amount"] == [(3, "amount")]
    assert Payment.objects.count() == 0
    assert (account_balance(code=CASH), LedgerTransaction.objects.count()) == (cash_before, tx_before)

    # the fixed file: posted, matched where it can be
    good = registry(ROWS)
    posted = upload(operator, "payment-registry", good, "fixed.txt", layout="sber_standard").json()
    total = sum(paid(amount) for _n, _ref, amount in ROWS)
    assert (posted["status"], posted["rowsPosted"], D(posted["amountPosted"])) == ("posted", 3, total)
    assert (posted["matched"], posted["unmatched"]) == (2, 1)
    assert account_balance(code=CASH) == cash_before + total

    # the same file again: the same import, nothing new
    again = upload(operator, "payment-registry", good, "fixed-again.txt", layout="sber_standard").json()
    assert again["id"] == posted["id"] and Payment.objects.count() == 3
    assert account_balance(code=CASH) == cash_before + total
    imports = agent(IMPORTS)["data"]["paymentImports"]
    assert imports["totalCount"] == 2
    assert {(n["filename"], n["status"]) for n in imports["nodes"]} == {("broken.txt", "REJECTED"),
                                                                         ("fixed.txt", "POSTED")}
    assert AuditLog.objects.filter(operation="upload:payment-registry").count() == 3

    # the queue: the unknown reference waits; the operator names its household
    queue = agent(QUEUE)["data"]["paymentQueue"]
    assert [(n["payerRef"], n["amount"]) for n in queue["nodes"]] == [(UNKNOWN_REF, "123.45")]
    resolved = agent(RESOLVE, {"id": queue["nodes"][0]["id"], "els": "7600000002"})["data"]["paymentResolve"]
    assert resolved["errors"] == [] and resolved["payment"]["status"] == "MATCHED"
    assert resolved["payment"]["els"] == "7600000002"
    assert agent(QUEUE)["data"]["paymentQueue"]["totalCount"] == 0

    # allocation of the day, dated the day the money arrived
    allocated = agent(ALLOCATE, {"day": PAY_DAY.isoformat(), "on": PAY_DAY.isoformat()})["data"]["paymentsAllocate"]
    assert allocated["errors"] == [] and allocated["skipped"] == []
    assert (allocated["paymentsCount"], D(allocated["amount"])) == (3, total)
    assert allocated["receiptsCount"] == allocated["allocationsCount"] == Allocation.objects.count()
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.ALLOCATED}
    listed = agent(PAYMENTS, {"day": PAY_DAY.isoformat()})["data"]["payments"]["nodes"]
    for node in listed:  # each payment's allocations add up to it
        assert sum(D(x["amount"]) for x in node["allocations"]) == D(node["amount"])
    by_account = agent(PAYMENTS, {"search": "L-MY-B"})["data"]["payments"]["nodes"]
    assert [n["els"] for n in by_account] == ["7600000001"]

    # payouts on the next working day: one per principal, its gross the sum of its allocations
    business_day = next_working_day(PAY_DAY)
    build = agent(BUILD, {"day": business_day.isoformat()})["data"]["payoutsBuild"]
    assert build["errors"] == [] and build["build"]["builtNow"] is True
    payouts = {int(p["principalId"]): p for p in build["build"]["payouts"]}
    assert set(payouts) == {a.pk, b.pk}
    for principal in (a, b):
        owed = Allocation.objects.filter(principal=principal).aggregate(s=Sum("amount"))["s"]
        assert D(payouts[principal.pk]["gross"]) == owed
        assert D(payouts[principal.pk]["net"]) == owed - D(payouts[principal.pk]["fee"])
    assert sum(D(p["gross"]) for p in payouts.values()) == total
    rebuilt = agent(BUILD, {"day": business_day.isoformat()})["data"]["payoutsBuild"]["build"]
    assert rebuilt["builtNow"] is False and Payout.objects.count() == 2

    ids = [p["id"] for p in payouts.values()]
    # four eyes: the operator who built them may not approve; an approver does, and the audit row names both
    refused = agent(APPROVE, {"ids": ids})
    assert error_codes(refused) == ["PERMISSION_DENIED"] and refused["data"] == {"payoutApprove": None}
    assert set(Payout.objects.values_list("status", flat=True)) == {"created"}
    approved = gql(tenants.public_host, user=world["approver"])(APPROVE, {"ids": ids})["data"]["payoutApprove"]
    assert approved["errors"] == [] and {p["status"] for p in approved["payouts"]} == {"APPROVED"}
    assert set(Payout.objects.values_list("built_by", "approved_by")) == {(operator.pk, world["approver"].pk)}
    audit = AuditLog.objects.filter(fields=["payoutApprove"], succeeded=True).get()
    assert audit.actor_user == world["approver"]
    assert [(p["role"], p["user_id"], sorted(p["payouts"])) for p in audit.parties] == [
        ("builder", operator.pk, sorted(map(int, ids))), ("approver", world["approver"].pk, sorted(map(int, ids)))]

    exported = agent(EXPORT, {"day": business_day.isoformat()})["data"]["payoutsExport"]
    assert exported["errors"] == [] and exported["ordersCount"] == 2
    assert D(exported["totalNet"]) == sum(D(p["net"]) for p in payouts.values())
    orders = statement_read(download(exported["ordersFileUrl"]))
    assert orders.ok and len(orders.outgoing) == 2
    numbers = {p["id"]: p["orderNumber"] for p in exported["payouts"]}
    for doc in orders.outgoing:
        payout = Payout.objects.get(order_number=int(doc.number))
        assert doc.amount == payout.net and doc.payer_account == world["agent"].settlement_account
        assert doc.payee_account == payout.payee_account and numbers[str(payout.pk)] == payout.order_number

    # principal A sees its payout and downloads its registers; B sees only its own
    a_key = factories.api_key(a, [Perm.PAYMENTS_VIEW])
    a_view = gql(tenants.a_host, api_key=a_key)(PRINCIPAL_PAYOUTS)["data"]["principalPayouts"]
    assert [n["id"] for n in a_view["nodes"]] == [payouts[a.pk]["id"]]
    mine = a_view["nodes"][0]
    book = load_workbook(io.BytesIO(download(mine["registerXlsxUrl"])))
    rows = list(book.active.iter_rows(values_only=True))
    body_rows = [r for r in rows[2:] if r[0] != "Итого"]
    assert len(body_rows) == Allocation.objects.filter(principal=a).count()
    assert sum(D(str(r[7])).quantize(D("0.01")) for r in body_rows) == D(mine["gross"])
    table = list(csv.reader(io.StringIO(download(mine["registerCsvUrl"]).decode("utf-8-sig")), delimiter=";"))
    assert paid(table[-1][7]) == D(mine["gross"])

    b_staff = factories.staff(b, permissions=[Perm.PAYMENTS_VIEW])
    b_view = gql(tenants.b_host, user=b_staff)(PRINCIPAL_PAYOUTS)["data"]["principalPayouts"]
    assert [n["id"] for n in b_view["nodes"]] == [payouts[b.pk]["id"]]
    assert payouts[a.pk]["id"] not in {n["id"] for n in b_view["nodes"]}

    # receipts on each principal's accounts: its allocations, and nothing of the other's
    for principal, host in ((a, tenants.a_host), (b, tenants.b_host)):
        key = factories.api_key(principal, [Perm.PAYMENTS_VIEW])
        receipts = gql(host, api_key=key)(PRINCIPAL_RECEIPTS, {"from": PAY_DAY.isoformat(),
                                                               "to": PAY_DAY.isoformat()})
        got = receipts["data"]["principalReceipts"]
        allocations = Allocation.objects.filter(principal=principal)
        assert got["totalCount"] == allocations.count()
        assert D(got["totalAmount"]) == allocations.aggregate(s=Sum("amount"))["s"]
        assert {n["allocationId"] for n in got["nodes"]} == {str(pk) for pk in allocations.values_list("pk",
                                                                                                       flat=True)}

    # the bank confirms the orders; the day then reconciles with nothing unexplained
    statement = bank_statement(world["agent"].settlement_account, [
        {"number": p.order_number, "date": p.order_date, "amount": p.net, "payee": p.payee_account}
        for p in Payout.objects.order_by("pk")], date.today())
    confirmed = upload(operator, "payout-confirmation", statement, "vypiska.txt").json()
    assert sorted(confirmed["confirmed"]) == sorted(int(i) for i in ids)
    assert confirmed["mismatches"] == [] and confirmed["unknown"] == []

    report = agent(RECONCILIATION, {"day": PAY_DAY.isoformat()})["data"]["reconciliation"]
    # every payment and payout reconciles, and the two equations hold to the kopeck
    assert [d for d in report["differences"] if d["kind"] in ("payment", "payout")] == []
    assert D(report["moneyInTotal"]) == D(report["allocated"]) == D(report["allocationsMade"]) == total
    assert D(report["pendingTotal"]) == 0 and D(report["notPaidOut"]) == 0
    assert D(report["paidOutNet"]) + D(report["paidOutFee"]) == total
    assert D(report["paidOutFee"]) == sum(D(p["fee"]) for p in payouts.values())
    assert report["moneyIn"] == [{"key": "bank_registry", "amount": f"{total:.2f}"}]
    # the money really is where the books say at the day's end: cash received (payouts leave on the orders' date,
    # later), every principal's payable as allocated
    balances = {row["account"]: row for row in report["ledgerBalance"]}
    assert D(balances["agent.cash"]["actual"]) == cash_before + total
    for principal in (a, b):
        row = balances[f"agent.payable:{principal.pk}"]
        assert D(row["expected"]) == D(row["actual"])
    # the posting-by-posting check is test_reconciliation_names_no_difference_after_registry_and_bulk_allocation


def test_reconciliation_names_no_difference_after_registry_and_bulk_allocation(world, tenants, gql):
    operator = world["operator"]
    agent = gql(tenants.public_host, user=operator)
    upload(operator, "payment-registry", registry(ROWS[:2]), "r.txt", layout="sber_standard")
    agent(ALLOCATE, {"day": PAY_DAY.isoformat(), "on": PAY_DAY.isoformat()})

    report = agent(RECONCILIATION, {"day": PAY_DAY.isoformat()})["data"]["reconciliation"]

    assert Payment.objects.filter(status=PaymentStatus.ALLOCATED).count() == 2
    assert report["differences"] == [] and report["ok"] is True


def test_uploads_of_the_back_office_are_for_agent_staff_only(world, tenants):
    key = factories.api_key(world["a"], list(Perm.values))
    client = Client()
    refused = {
        "principal_key": upload_post(client, "payment-registry", {
            "file": SimpleUploadedFile("r.txt", registry(ROWS)), "layout": "sber_standard"},
            HTTP_HOST=tenants.a_host, HTTP_AUTHORIZATION=f"Bearer {key}"),
        "principal_admin": upload(factories.staff(world["a"], role="admin"), "bank-statement", b"x", "s.txt",
                                  host=tenants.a_host),
        "anonymous": upload_post(Client(), "payout-confirmation", {"file": SimpleUploadedFile("s.txt", b"x")},
                                 HTTP_HOST=tenants.public_host),
    }
    assert {who: (r.status_code, error_codes(r.json())) for who, r in refused.items()} == {
        "principal_key": (403, ["PERMISSION_DENIED"]), "principal_admin": (403, ["PERMISSION_DENIED"]),
        "anonymous": (401, ["UNAUTHENTICATED"]),
    }
    assert not RegistryImport.objects.exists() and not Payment.objects.exists()


def test_upload_errors_are_named_by_field(world):
    operator = world["operator"]
    no_layout = upload(operator, "payment-registry", registry(ROWS), "r.txt")
    bad_layout = upload(operator, "payment-registry", registry(ROWS), "r.txt", layout="no_such_bank")
    unreadable = upload(operator, "payout-confirmation", b"not a statement", "s.txt")
    assert (no_layout.status_code, no_layout.json()["errors"][0]["field"]) == (400, "layout")
    assert (bad_layout.status_code, [(e["field"], e["code"]) for e in bad_layout.json()["errors"]]) == (
        400, [("layout", "NOT_FOUND")])
    assert unreadable.status_code == 400 and unreadable.json()["errors"][0]["field"] == "statement"
    assert not Payment.objects.exists()


def test_own_receipts_are_entered_once_and_stay_in_the_principals_schema(world, tenants, gql):
    a = world["a"]
    client = gql(tenants.a_host, api_key=factories.api_key(a, [Perm.PAYMENTS_MANAGE, Perm.PAYMENTS_VIEW]))
    variables = {"account": "L-MY-A", "amount": "321.09", "day": PAY_DAY.isoformat(), "doc": "ПКО-17"}

    first = client(OWN_RECEIPT, variables)["data"]["ownReceiptRecord"]
    second = client(OWN_RECEIPT, variables)["data"]["ownReceiptRecord"]
    rounded = client(OWN_RECEIPT, {**variables, "amount": "1.005", "doc": "ПКО-18"})["data"]["ownReceiptRecord"]
    unknown = client(OWN_RECEIPT, {**variables, "account": "L-NB-B", "doc": "ПКО-19"})["data"]["ownReceiptRecord"]

    assert first == {"created": True, "errors": [], "receipt": {
        "accountNumber": "L-MY-A", "amount": "321.09", "source": "OWN", "documentNumber": "ПКО-17"}}
    assert second["created"] is False and second["errors"] == []
    assert rounded["errors"] == [{"field": "amount", "code": "INVALID"}]
    assert unknown["errors"] == [{"field": "accountNumber", "code": "NOT_FOUND"}]  # B's account is not A's
    from tenants.receipts.models import Receipt

    with schema_context("principal_a"):
        assert list(Receipt.objects.values_list("amount", "source")) == [(D("321.09"), "own")]
    with schema_context("principal_b"):
        assert not Receipt.objects.exists()
    seen = client(PRINCIPAL_RECEIPTS)["data"]["principalReceipts"]
    assert (seen["totalCount"], seen["totalAmount"]) == (1, "321.09")


def test_cash_desk_shift_through_the_api(world, tenants, gql):
    operator = world["operator"]
    agent = gql(tenants.public_host, user=operator)
    opened = agent('mutation { cashShiftOpen(desk: "Касса 1") { shift { id closedAt } errors { code } } }')
    shift_id = opened["data"]["cashShiftOpen"]["shift"]["id"]
    record = ("mutation($shift: ID!, $n: String!, $amount: Decimal!) { cashReceiptRecord(shiftId: $shift, "
              "receiptNumber: $n, amount: $amount, payerRef: \"7600000001\", paidOn: \"2026-11-25\") "
              "{ created payment { status els amount } errors { field code } } }")
    amounts = ["100.10", "0.90", "1234.56"]
    results = [agent(record, {"shift": shift_id, "n": f"К-{i}", "amount": amount})["data"]["cashReceiptRecord"]
               for i, amount in enumerate(amounts)]
    repeat = agent(record, {"shift": shift_id, "n": "К-0", "amount": "999.99"})["data"]["cashReceiptRecord"]
    closed = agent("mutation($id: ID!) { cashShiftClose(shiftId: $id) { shift { receiptsCount total closedAt } "
                   "errors { code } } }", {"id": shift_id})["data"]["cashShiftClose"]
    someone_else = gql(tenants.public_host, user=factories.user(agent_role="operator"))(
        record, {"shift": shift_id, "n": "К-9", "amount": "1.00"})["data"]["cashReceiptRecord"]

    assert all(r["created"] and r["payment"]["status"] == "MATCHED" for r in results)
    assert (repeat["created"], repeat["payment"]["amount"]) == (False, "100.10")
    assert (closed["shift"]["receiptsCount"], D(closed["shift"]["total"])) == (3, sum(D(x) for x in amounts))
    assert someone_else["errors"] == [{"field": "shift", "code": "INVALID"}]
    shifts = agent("{ cashShifts(open: false) { totalCount nodes { desk operatorEmail } } }")["data"]["cashShifts"]
    assert shifts == {"totalCount": 1, "nodes": [{"desk": "Касса 1", "operatorEmail": operator.email}]}


def _payments_made(n: int, start: int) -> None:
    for i in range(start, start + n):
        payment_record(channel="bank_registry", source="nplus1", external_id=str(i), amount="10.00",
                       paid_on=PAY_DAY, payer_ref="7600000001")


def test_lists_cost_the_same_queries_for_10_rows_as_for_40(world, tenants, gql):
    agent = gql(tenants.public_host, user=world["operator"])
    query = ("{ payments(first: 100) { nodes { id els epdIpd allocations { amount } } } "
             "payouts { nodes { principalName registerXlsxUrl } } }")
    counts = []
    for n in (10, 30):
        _payments_made(n, start=len(counts) * 1000)
        agent(ALLOCATE, {"day": PAY_DAY.isoformat(), "on": PAY_DAY.isoformat()})
        with CaptureQueriesContext(connection) as queries:
            payload = agent(query)
        assert len(payload["data"]["payments"]["nodes"]) == Payment.objects.count()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_bank_statement_upload_posts_its_incoming_payments_once(world, tenants, gql):
    from tests.payments.test_statement_import import INCOMING, statement

    operator = world["operator"]
    data = statement(world["agent"].settlement_account)
    first = upload(operator, "bank-statement", data, "kl_to_1c.txt").json()
    again = upload(operator, "bank-statement", data, "kl_to_1c (1).txt").json()
    foreign = upload(operator, "bank-statement", statement("40702810400000000777"), "other.txt").json()

    expected = sum(D(amount) for _n, amount, _p in INCOMING)
    assert (first["kind"], first["status"], first["rowsPosted"], D(first["amountPosted"])) == (
        "statement", "posted", len(INCOMING), expected)
    assert again["id"] == first["id"] and Payment.objects.count() == len(INCOMING)
    assert foreign["status"] == "rejected" and [e["field"] for e in foreign["errors"]] == ["РасчСчет"]
    listed = gql(tenants.public_host, user=operator)(
        '{ payments(channel: BANK_STATEMENT) { totalCount nodes { amount } } }')["data"]["payments"]
    assert listed["totalCount"] == len(INCOMING)
    assert sum(D(n["amount"]) for n in listed["nodes"]) == expected


def test_a_large_registry_can_be_posted_in_the_background(world, tenants, gql):
    from agency.payments.intake.tasks import registry_import_task

    operator = world["operator"]
    queued = upload(operator, "payment-registry", registry(ROWS), "big.txt", layout="sber_standard",
                    background="1").json()

    # the file is stored and queued, nothing is posted yet
    assert (queued["status"], queued["phase"], queued["rowsPosted"]) == ("staged", "queued", 0)
    assert not Payment.objects.exists()
    # what the worker runs once the upload's transaction has committed
    registry_import_task(int(queued["id"]))
    seen = gql(tenants.public_host, user=operator)(IMPORTS)["data"]["paymentImports"]["nodes"]
    assert [(n["id"], n["status"], n["rowsPosted"]) for n in seen] == [(str(queued["id"]), "POSTED", len(ROWS))]
    assert Payment.objects.aggregate(s=Sum("amount"))["s"] == sum(paid(a) for _n, _r, a in ROWS)


def test_registry_upload_modes(world, tenants):
    """The registry upload offers the principal uploads' three modes; a bad line is named by line and field."""
    operator = world["operator"]
    lines = [sber_line(n, ref, amount, day=SBER_DAY) for n, ref, amount in ROWS]
    data = sber_file(lines).replace(lines[0].encode("cp1251"), lines[0].encode("utf-8"))  # line 1 in UTF-8
    cash_before = account_balance(code=CASH)

    checked = upload(operator, "payment-registry", data, "r.txt", layout="sber_standard", mode="validate").json()
    assert (checked["status"], checked["mode"], checked["rowsRejected"]) == ("validated", "validate", 1)
    assert [(e["line"], e["field"]) for e in checked["errors"]] == [(1, "payer_name"), (1, "address")]
    whole = upload(operator, "payment-registry", data, "r.txt", layout="sber_standard", mode="all_or_nothing").json()
    assert whole["status"] == "rejected"
    assert Payment.objects.count() == 0 and account_balance(code=CASH) == cash_before

    posted = upload(operator, "payment-registry", data, "r.txt", layout="sber_standard", mode="good_rows").json()
    total = paid(ROWS[1][2]) + paid(ROWS[2][2])  # 250,50 + 123,45
    assert (posted["status"], posted["rowsPosted"], D(posted["amountPosted"])) == ("posted", 2, total)
    assert (posted["rowsRejected"], [e["line"] for e in posted["errors"]]) == (1, [1, 1])
    assert account_balance(code=CASH) == cash_before + total

    refused = upload(operator, "payment-registry", registry(ROWS), "x.txt", layout="sber_standard", mode="x")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "mode"


def test_calendar_coverage_for_agent_staff_on_a_fixed_day(world, tenants, gql, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 7))
    agent = gql(tenants.public_host, user=world["operator"])
    body = agent("{ calendarCoverage { today lastYear lastDay daysLeft warn warnDays message } }")
    coverage = body["data"]["calendarCoverage"]
    # 31.12.2026 − 07.12.2026 = 24 days ≤ 60
    assert {k: coverage[k] for k in ("today", "lastYear", "lastDay", "daysLeft", "warn", "warnDays")} == {
        "today": "2026-12-07", "lastYear": 2026, "lastDay": "2026-12-31", "daysLeft": 24, "warn": True,
        "warnDays": 60}
    assert "31.12.2026" in coverage["message"] and "2027" in coverage["message"]


def test_calendar_coverage_names_the_provisional_year(world, tenants, gql, monkeypatch):
    """2027 is loaded from ТК РФ ст.112 alone (no decree yet): it covers payouts to 31.12.2027 and is named."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 7))
    agent = gql(tenants.public_host, user=world["operator"])
    coverage = agent("{ calendarCoverage { lastDay provisionalYears coveredUntil } }")["data"]["calendarCoverage"]
    assert coverage == {"lastDay": "2026-12-31", "provisionalYears": [2027], "coveredUntil": "2027-12-31"}
