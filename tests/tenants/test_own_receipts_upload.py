"""A principal's own receipts uploaded by file (POST /uploads/own-receipts): checked by line and field, posted
set-based with their ledger transactions, once per document, only by the principal's own people with the right."""

import io
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.identity.permissions import Perm
from tenants.billing.charge_run import charge_run
from tenants.billing.models import AccountService, Balance, ImportBatch, PersonalAccount, Service, Tariff
from tenants.ledger.models import LedgerLeg, LedgerTransaction
from tenants.ledger.services import account_balance, trial_balance
from tenants.receipts.models import Receipt
from tenants.receipts.own_import import own_receipts_import
from tenants.receipts.services import OWN_CASH, RECEIVABLE, own_receipt_record
from tenants.registry.models import House, Premise
from tests import factories
from tests.graphql_api.uploading import upload_post

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)  # the previous month: paid, not in the future
DAY = MONTH.replace(day=10)
DAY2 = MONTH.replace(day=20)
D, D2 = DAY.strftime("%d.%m.%Y"), DAY2.strftime("%d.%m.%Y")
HEADER = "Лицевой счёт;Дата оплаты;Сумма;Номер документа;Код услуги;Комментарий\n"
GOOD = HEADER + f"OR-1;{D};1500,00;ПКО-1;maint;\nOR-1;{D2};250.5;ПКО-2;;аванс\nOR-2;{D};1 000,00;п/п 77;maint;банк\n"


@pytest.fixture
def world(principal_a, principal_b):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Кассовая", house_number="3")
    premises = [Premise.objects.create(house=house, number=str(n), area=Decimal("50")) for n in (1, 2)]
    with tenant_context(principal_a):
        service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                         tariff_kind="per_area")
        Tariff.objects.create(service=service, valid_from=MONTH.replace(year=MONTH.year - 1), rate=Decimal("30"))
        for n, premise in enumerate(premises, start=1):
            account = PersonalAccount.objects.create(number=f"OR-{n}", premise=premise, payer_name="Плательщик",
                                                     charge_area=Decimal("50"), opened_on=MONTH.replace(year=2020))
            AccountService.objects.create(account=account, service=service, valid_from=MONTH.replace(year=2020))
    with tenant_context(principal_b):
        PersonalAccount.objects.create(number="OR-B", premise=premises[0], payer_name="Чужой",
                                       charge_area=Decimal("50"), opened_on=MONTH.replace(year=2020))
    return {"a": principal_a, "b": principal_b}


def post(host, text_or_bytes, mode="all_or_nothing", *, key=None, user=None, encoding=None, name="own.csv",
         charset="cp1251"):
    data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode(charset)
    client = Client(HTTP_HOST=host)
    extra = {}
    if key is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    if user is not None:
        client.force_login(user)
    form = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "mode": mode}
    if encoding:
        form["encoding"] = encoding
    return upload_post(client, "own-receipts", form, **extra)


def receipts(principal):
    with tenant_context(principal):
        return sorted(Receipt.objects.values_list("account__number", "amount", "paid_on", "external_key",
                                                  "service__code", "comment", "source"), key=lambda r: r[3])


def errors_of(body):
    return [(e["line"], e["field"], e["code"]) for e in body["errors"]]


def test_good_file_posts_receipts_with_a_balanced_ledger_and_the_balances_reflect_it(world, tenants, gql):
    a = world["a"]
    key = factories.api_key(a, [Perm.PAYMENTS_MANAGE])

    response = post(tenants.a_host, GOOD, key=key)

    body = response.json()
    assert response.status_code == 200
    assert {k: body[k] for k in ("kind", "status", "mode", "encoding", "rowsTotal", "rowsLoaded", "errors")} == {
        "kind": "own_receipts", "status": "loaded", "mode": "all_or_nothing", "encoding": "cp1251",
        "rowsTotal": 3, "rowsLoaded": 3, "errors": []}
    assert receipts(a) == [
        ("OR-1", Decimal("1500.00"), DAY, f"{DAY.isoformat()}:ПКО-1", "maint", "", "own"),
        ("OR-2", Decimal("1000.00"), DAY, f"{DAY.isoformat()}:п/п 77", "maint", "банк", "own"),
        ("OR-1", Decimal("250.50"), DAY2, f"{DAY2.isoformat()}:ПКО-2", None, "аванс", "own"),
    ]
    with tenant_context(a):
        # the single entry's postings (own cash against the account's receivable, on the date paid), one balanced
        # transaction per date of the file
        legs = sorted(LedgerLeg.objects.filter(transaction__kind="own_receipt").values_list(
            "transaction__occurred_on", "account__code", "amount", "ref"))
        assert legs == [
            (DAY, OWN_CASH, Decimal("2500.00"), ""),
            (DAY, RECEIVABLE, Decimal("-1500.00"), "pa:OR-1"),
            (DAY, RECEIVABLE, Decimal("-1000.00"), "pa:OR-2"),
            (DAY2, OWN_CASH, Decimal("250.50"), ""),
            (DAY2, RECEIVABLE, Decimal("-250.50"), "pa:OR-1"),
        ]
        assert LedgerTransaction.objects.filter(kind="own_receipt").count() == 2
        assert sum(trial_balance().values()) == 0
        assert account_balance(code=OWN_CASH) == Decimal("2750.50")
        assert account_balance(code=RECEIVABLE, ref="pa:OR-1") == Decimal("-1750.50")
        assert account_balance(code=RECEIVABLE, ref="pa:OR-1", until=DAY) == Decimal("-1500.00")
        charge_run(month=MONTH)
        balances = dict(Balance.objects.filter(period__month=MONTH, service__code="maint")
                        .values_list("account__number", "paid"))
        assert balances == {"OR-1": Decimal("1500.00"), "OR-2": Decimal("1000.00")}
    with tenant_context(world["b"]):
        assert not Receipt.objects.exists()
    seen = gql(tenants.a_host, api_key=key)(
        "{ importBatches(kind: OWN_RECEIPTS) { kind status rowsTotal rowsLoaded } }")["data"]["importBatches"]
    assert seen == [{"kind": "OWN_RECEIPTS", "status": "LOADED", "rowsTotal": 3, "rowsLoaded": 3}]


def test_the_same_file_twice_or_the_same_documents_again_post_nothing_new(world, tenants):
    a = world["a"]
    key = factories.api_key(a, [Perm.PAYMENTS_MANAGE])
    with tenant_context(a):
        own_receipt_record(account_number="OR-2", amount="40.00", paid_on=DAY, document_number="ПКО-9")

    first = post(tenants.a_host, GOOD, key=key).json()
    again = post(tenants.a_host, GOOD, key=key).json()
    before = receipts(a)
    # another file (UTF-8 now, re-ordered) holding the same documents, one more, and the entered one again
    reexport = HEADER + (f"OR-2;{D};1000;п/п 77;maint;банк\nOR-1;{D};1500;ПКО-1;maint;\nOR-1;{D2};250,50;ПКО-2;;\n"
                         f"OR-2;{D};40;ПКО-9;;\nOR-2;{D};99,99;ПКО-3;;\n")
    more = post(tenants.a_host, reexport, key=key, charset="utf-8").json()
    # the same document and date for another amount is a conflict, named
    clash = post(tenants.a_host, HEADER + f"OR-1;{D};1;ПКО-1;maint;\n", "good_rows", key=key).json()

    assert (first["status"], first["rowsLoaded"], again["id"], again["rowsLoaded"]) == ("loaded", 3, first["id"], 3)
    assert (more["status"], more["rowsTotal"], more["rowsLoaded"], more["errors"]) == ("loaded", 5, 1, [])
    assert (clash["status"], errors_of(clash)) == ("rejected", [(2, "document", "DUPLICATE")])
    after = receipts(a)
    new = ("OR-2", Decimal("99.99"), DAY, f"{DAY.isoformat()}:ПКО-3", None, "", "own")
    assert len(before) == 4 and after == sorted([*before, new], key=lambda r: r[3])
    with tenant_context(a):
        assert LedgerTransaction.objects.filter(kind="own_receipt").count() == 4  # the entry, two dates, one date
        assert account_balance(code=OWN_CASH) == Decimal("2890.49")
        assert sum(trial_balance().values()) == 0
        assert ImportBatch.objects.filter(kind="own_receipts", status="loaded").count() == 2


def test_every_bad_line_is_named_by_line_and_field_and_the_modes_behave(world, tenants):
    a = world["a"]
    key = factories.api_key(a, [Perm.PAYMENTS_MANAGE])
    future = (TODAY + timedelta(days=1)).strftime("%d.%m.%Y")
    text = HEADER + (
        f"OR-1;{D};100,00;ПКО-1;maint;\n"       # 2: good
        f"OR-404;{D};100,00;ПКО-2;;\n"          # 3: unknown account
        f"OR-1;31.02.2026;100,00;ПКО-3;;\n"     # 4: no such date
        f"OR-1;{future};100,00;ПКО-4;;\n"       # 5: in the future
        f"OR-1;{D};0;ПКО-5;;\n"                 # 6: not above zero
        f"OR-1;{D};10,005;ПКО-6;;\n"            # 7: a third decimal
        f"OR-2;{D};5,00;ПКО-1;;\n"              # 8: line 2's document and date again
        f"OR-1;{D};5,00;ПКО-7;gas;\n"           # 9: unknown service
        f"OR-1;{D};5,00;;;\n"                   # 10: no document
        f"OR-1;{D};-5,00;ПКО-8;;\n"             # 11: negative
        "\n"
        f"OR-2;{D};12,34;ПКО-10;;\n"            # 13: good (after a blank line)
    )
    expected = [(3, "account", "NOT_FOUND"), (4, "date", "INVALID"), (5, "date", "INVALID"), (6, "amount", "INVALID"),
                (7, "amount", "INVALID"), (8, "document", "DUPLICATE"), (9, "service", "NOT_FOUND"),
                (10, "document", "REQUIRED"), (11, "amount", "INVALID")]

    checked = post(tenants.a_host, text, "validate", key=key).json()
    whole = post(tenants.a_host, text, "all_or_nothing", key=key).json()
    assert receipts(a) == []
    good = post(tenants.a_host, text, "good_rows", key=key).json()

    assert [(b["status"], b["rowsTotal"], b["rowsLoaded"]) for b in (checked, whole, good)] == [
        ("validated", 11, 0), ("rejected", 11, 0), ("loaded", 11, 2)]
    assert errors_of(checked) == errors_of(whole) == errors_of(good) == expected
    assert all(e["message"] for e in good["errors"])
    assert [(r[0], r[1], r[3]) for r in receipts(a)] == [
        ("OR-1", Decimal("100.00"), f"{DAY.isoformat()}:ПКО-1"),
        ("OR-2", Decimal("12.34"), f"{DAY.isoformat()}:ПКО-10")]
    with tenant_context(a):
        assert sorted(LedgerLeg.objects.values_list("amount", "ref")) == [
            (Decimal("-100.00"), "pa:OR-1"), (Decimal("-12.34"), "pa:OR-2"), (Decimal("112.34"), "")]


def test_utf8_and_cp1251_are_read_and_a_wrong_encoding_is_named_by_line(world, tenants):
    a = world["a"]
    key = factories.api_key(a, [Perm.PAYMENTS_MANAGE])
    utf8 = post(tenants.a_host, HEADER + f"OR-1;{D};10;ПКО-У;;оплата\n", key=key, charset="utf-8").json()
    utf8_bom = post(tenants.a_host, HEADER + f"OR-1;{D};11;ПКО-Б;;\n", key=key, charset="utf-8-sig").json()
    cp1251 = post(tenants.a_host, HEADER + f"OR-1;{D};20;ПКО-W;;оплата\n", key=key, charset="cp1251").json()
    # a UTF-8 file whose third line came from a Windows-1251 program
    mixed = (HEADER + f"OR-1;{D};30;ПКО-M1;;\n").encode("utf-8") + f"OR-1;{D};30;ПКО-M2;;касса\n".encode("cp1251")
    declared = post(tenants.a_host, mixed, key=key, encoding="utf-8").json()
    unknown = post(tenants.a_host, HEADER.encode("utf-8"), key=key, encoding="koi8-r")

    assert [(b["status"], b["encoding"], b["rowsLoaded"]) for b in (utf8, utf8_bom, cp1251)] == [
        ("loaded", "utf-8", 1), ("loaded", "utf-8", 1), ("loaded", "cp1251", 1)]
    assert (declared["status"], errors_of(declared)) == ("rejected", [(3, "", "ENCODING")])
    assert (unknown.status_code, [(e["field"], e["code"]) for e in unknown.json()["errors"]]) == (
        400, [("encoding", "INVALID")])
    assert sorted((r[3].split(":")[1], r[5]) for r in receipts(a)) == [
        ("ПКО-W", "оплата"), ("ПКО-Б", ""), ("ПКО-У", "оплата")]


def test_an_xlsx_file_is_read_with_date_and_number_cells(world, tenants):
    from openpyxl import Workbook

    a = world["a"]
    book = Workbook()
    sheet = book.active
    sheet.append(["Лицевой счёт", "Дата оплаты", "Сумма", "Номер документа"])  # the optional columns left out
    sheet.append(["OR-1", datetime(DAY.year, DAY.month, DAY.day), 1234.5, "ПКО-X1"])
    sheet.append(["OR-2", D, "99,90", 77])
    sheet.append(["OR-2", D, 1.005, "ПКО-X3"])
    buffer = io.BytesIO()
    book.save(buffer)

    body = post(tenants.a_host, buffer.getvalue(), "good_rows", key=factories.api_key(a, [Perm.PAYMENTS_MANAGE]),
                name="own.xlsx").json()

    assert (body["status"], body["encoding"], body["rowsLoaded"], errors_of(body)) == (
        "loaded", "xlsx", 2, [(4, "amount", "INVALID")])
    assert [(r[0], r[1], r[3]) for r in receipts(a)] == [
        ("OR-2", Decimal("99.90"), f"{DAY.isoformat()}:77"), ("OR-1", Decimal("1234.50"), f"{DAY.isoformat()}:ПКО-X1")]


def test_another_principal_cannot_post_to_this_principal(world, tenants):
    a, b = world["a"], world["b"]
    b_key = factories.api_key(b, [Perm.PAYMENTS_MANAGE])
    b_staff = factories.staff(b, permissions=[Perm.PAYMENTS_MANAGE])

    by_key = post(tenants.a_host, GOOD, key=b_key)
    by_staff = post(tenants.a_host, GOOD, user=b_staff)
    own_host = post(tenants.b_host, GOOD, "good_rows", key=b_key).json()  # A's account numbers on B's host

    assert [(r.status_code, r.json()["errors"][0]["extensions"]["code"]) for r in (by_key, by_staff)] == [
        (403, "FOREIGN_PRINCIPAL"), (403, "FOREIGN_PRINCIPAL")]
    assert (own_host["status"], errors_of(own_host)) == ("rejected", [
        (2, "account", "NOT_FOUND"), (2, "service", "NOT_FOUND"), (3, "account", "NOT_FOUND"),
        (4, "account", "NOT_FOUND"), (4, "service", "NOT_FOUND")])
    assert receipts(a) == [] and receipts(b) == []
    with tenant_context(a):
        assert not ImportBatch.objects.exists() and not LedgerTransaction.objects.exists()


def test_the_permission_is_required(world, tenants):
    a = world["a"]
    refused = {
        "staff_without": post(tenants.a_host, GOOD, user=factories.staff(a, permissions=[Perm.READINGS_MANAGE])),
        "key_view_only": post(tenants.a_host, GOOD, key=factories.api_key(a, [Perm.PAYMENTS_VIEW])),
        "anonymous": post(tenants.a_host, GOOD),
    }
    assert {who: (r.status_code, r.json()["errors"][0]["extensions"]["code"]) for who, r in refused.items()} == {
        "staff_without": (403, "PERMISSION_DENIED"), "key_view_only": (403, "PERMISSION_DENIED"),
        "anonymous": (401, "UNAUTHENTICATED")}
    assert receipts(a) == []

    allowed = post(tenants.a_host, GOOD, user=factories.staff(a, permissions=[Perm.PAYMENTS_MANAGE])).json()
    assert (allowed["status"], allowed["rowsLoaded"]) == ("loaded", 3)
    assert len(receipts(a)) == 3


def _file(rows: int, prefix: str) -> bytes:
    lines = [HEADER] + [f"OR-{n % 2 + 1};{D};{n % 997 + 1},{n % 100:02d};{prefix}-{n};{'maint' if n % 3 else ''};\n"
                        for n in range(rows)]
    return "".join(lines).encode("cp1251")


def test_ten_thousand_rows_post_quickly_in_a_constant_number_of_queries(world):
    a = world["a"]
    with tenant_context(a):
        own_receipts_import(data=_file(2, "warm"), filename="warm.csv", mode="all_or_nothing")  # ledger accounts made
        with CaptureQueriesContext(connection) as small:
            few = own_receipts_import(data=_file(10, "few"), filename="few.csv", mode="all_or_nothing")
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as large:
            many = own_receipts_import(data=_file(10_000, "many"), filename="many.csv", mode="all_or_nothing")
        elapsed = time.perf_counter() - started

        assert (few.status, few.rows_loaded, many.status, many.rows_loaded) == ("loaded", 10, "loaded", 10_000)
        assert len(large.captured_queries) == len(small.captured_queries)
        print(f"\n10 000 own receipts: {elapsed:.2f} s, {len(large.captured_queries)} queries")
        assert elapsed < 5, f"10 000 rows took {elapsed:.2f} s"  # about 2 s on two busy shared cores

        def total(rows: int) -> Decimal:
            return sum(Decimal(f"{n % 997 + 1}.{n % 100:02d}") for n in range(rows))

        assert Receipt.objects.filter(external_key__contains=":many-").count() == 10_000
        assert LedgerLeg.objects.filter(transaction__memo__contains="many.csv").count() == 3  # cash, two accounts
        assert sum(trial_balance().values()) == 0
        assert account_balance(code=OWN_CASH) == total(2) + total(10) + total(10_000)
        assert account_balance(code=RECEIVABLE) == -(total(2) + total(10) + total(10_000))


def test_example_files_are_offered_and_read_back_by_their_imports(world, tenants):
    a = world["a"]
    own = Client(HTTP_HOST=tenants.a_host).get("/uploads/own-receipts/template")
    readings = Client(HTTP_HOST=tenants.a_host).get("/uploads/readings/template")
    none = Client(HTTP_HOST=tenants.a_host).get("/uploads/payment-registry/template")

    assert (own.status_code, own["Content-Type"], none.status_code) == (200, "text/csv; charset=utf-8", 404)
    assert own.content.decode("utf-8-sig").splitlines()[0] == HEADER.strip()
    checked = post(tenants.a_host, own.content, "validate", key=factories.api_key(a, [Perm.PAYMENTS_MANAGE])).json()
    assert (checked["status"], checked["encoding"], errors_of(checked)) == (
        "validated", "utf-8", [(2, "account", "NOT_FOUND")])  # the header is read; the made-up account is unknown
    upload = SimpleUploadedFile("r.csv", readings.content, content_type="text/csv")
    read = upload_post(Client(), "readings", {"file": upload, "mode": "validate"}, HTTP_HOST=tenants.a_host,
                       HTTP_AUTHORIZATION=f"Bearer {factories.api_key(a, [Perm.READINGS_MANAGE])}").json()
    assert (readings.status_code, read["status"], errors_of(read)) == (200, "validated", [(2, "meter", "NOT_FOUND")])
