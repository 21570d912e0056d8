"""Reports: requested through the API, built into XLSX from the job's principal's schema, read back."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from agency.documents import storage
from agency.identity.permissions import Perm
from agency.reports.models import ReportJob
from agency.reports.services import report_build
from tests import factories
from tests.conftest import error_codes

REQUEST = (
    "mutation($kind: ReportKind!, $month: Date, $delivery: ReportDelivery, $search: String, $houseId: ID, "
    "$hasDebt: Boolean) { reportRequest(kind: $kind, month: $month, delivery: $delivery, search: $search, "
    "houseId: $houseId, hasDebt: $hasDebt) "
    "{ job { id kind month delivery status rows filename downloadUrl error } errors { field code } } }"
)
JOB = "query($id: ID!) { reportJob(id: $id) { id kind status rows filename downloadUrl error finishedAt } }"
JOBS = "query { reportJobs { id kind status } }"
ACCOUNTS = ("query($houseId: ID, $hasDebt: Boolean) { accounts(first: 100, houseId: $houseId, hasDebt: $hasDebt) "
            "{ totalCount nodes { number debt } } }")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.S3_BUCKET = ""
    return tmp_path


@pytest.fixture
def staff_a(principal_a):
    return factories.staff(principal_a, permissions=[Perm.REPORTS_VIEW], email="reports-a@test.local")


def _request(client, **variables) -> dict:
    payload = client(REQUEST, variables)
    result = payload["data"]["reportRequest"]
    assert "errors" not in payload and result["errors"] == [], payload
    return result["job"]


def _built(client, job_id: str) -> tuple[dict, list[tuple]]:
    """Run the build in place (the worker test does it for real), then read the file back."""
    assert report_build(int(job_id)) == "done"
    connection.set_schema_to_public()
    job = client(JOB, {"id": job_id})["data"]["reportJob"]
    sheet = load_workbook(io.BytesIO(storage.get(ReportJob.objects.get(pk=job_id).storage_key))).active
    return job, list(sheet.iter_rows(values_only=True))


def test_turnover_report_reads_back_with_russian_headers_and_totals(balances, media, principal_a, staff_a, tenants,
                                                                     gql):
    from tenants.billing.models import Balance

    client = gql(tenants.a_host, user=staff_a)
    job = _request(client, kind="TURNOVER", month="2026-09-15")
    assert (job["status"], job["month"], job["delivery"], job["downloadUrl"]) == ("QUEUED", "2026-09-01",
                                                                                  "DOWNLOAD", None)

    done, rows = _built(client, job["id"])

    assert (done["status"], done["rows"], done["error"]) == ("DONE", 4, None)
    assert done["filename"] == "Оборотно-сальдовая ведомость 2026-09.xlsx"
    assert done["downloadUrl"].startswith("/files/")
    header, *body, total = rows
    assert header == ("Лицевой счёт", "Плательщик", "Сальдо на начало, ₽", "Начислено, ₽", "Оплачено, ₽",
                      "Сальдо на конец, ₽")
    assert [r[0] for r in body] == ["R-001", "R-002", "R-003", "R-004"]
    with schema_context(principal_a.schema_name):
        september = list(Balance.objects.filter(period__month=date(2026, 9, 1)).values_list(
            "account__number", "opening", "charged", "recalculated", "benefits", "penalties", "paid", "closing"))
    expected = {}
    for number, opening, charged, recalc, benefits, penalties, paid, closing in september:
        row = expected.setdefault(number, [Decimal(0)] * 4)
        for i, value in enumerate((opening, charged + recalc - benefits + penalties, paid, closing)):
            row[i] += value
    assert {r[0]: [Decimal(str(v)) for v in r[2:]] for r in body} == expected
    assert total[0] == "Итого"
    assert [Decimal(str(v)) for v in total[2:]] == [sum(col) for col in zip(*expected.values(), strict=True)]
    # the sheet keeps its header in view and shows money to the kopeck
    sheet = load_workbook(io.BytesIO(storage.get(ReportJob.objects.get(pk=job["id"]).storage_key))).active
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].number_format == "#,##0.00" and sheet.column_dimensions["B"].width >= 30


def test_accounts_report_uses_the_accounts_search(balances, media, staff_a, tenants, gql):
    client = gql(tenants.a_host, user=staff_a)

    _done, rows = _built(client, _request(client, kind="ACCOUNTS", search="Петрова")["id"])

    header, *body, total = rows
    assert header == ("Лицевой счёт", "Плательщик", "Адрес", "Площадь, м²", "Проживает, чел.", "Задолженность, ₽")
    assert [(r[0], r[1]) for r in body] == [("R-002", "Петрова Анна")]
    assert body[0][2] == "Ярославль, ул. Отчётная, д. 7, кв. 2"
    assert Decimal(str(body[0][5])) == Decimal("-300.00") == Decimal(str(total[5]))


def test_accounts_report_keeps_the_house_and_debt_filters_of_the_accounts_query(balances, media, principal_a,
                                                                                tenants, gql):
    from tenants.billing.models import PersonalAccount
    from tenants.registry.models import House, Premise

    other = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Соседняя", house_number="9")
    with schema_context(principal_a.schema_name):
        for i, number in enumerate(("R-002", "R-003"), start=1):
            premise = Premise.objects.create(house=other, number=str(i), area=Decimal("40.00"))
            PersonalAccount.objects.filter(number=number).update(premise=premise)
    connection.set_schema_to_public()
    staff = factories.staff(principal_a, permissions=[Perm.REPORTS_VIEW, Perm.ACCOUNTS_VIEW])
    client = gql(tenants.a_host, user=staff)

    def on_screen(**filters) -> list[tuple[str, Decimal]]:
        nodes = client(ACCOUNTS, filters)["data"]["accounts"]["nodes"]
        return sorted((n["number"], Decimal(n["debt"])) for n in nodes)

    def in_file(street: str, **filters) -> list[tuple[str, Decimal]]:
        _done, rows = _built(client, _request(client, kind="ACCOUNTS", **filters)["id"])
        _header, *body, _total = rows
        assert {row[2].rsplit(", кв.", 1)[0] for row in body} == {f"Ярославль, {street}"}
        return [(row[0], Decimal(str(row[5]))) for row in body]

    house = {"houseId": str(other.pk)}
    assert in_file("ул. Соседняя, д. 9", **house) == on_screen(**house) == [("R-002", Decimal("-300.00")),
                                                                            ("R-003", Decimal("665.00"))]
    owing = {**house, "hasDebt": True}
    assert in_file("ул. Соседняя, д. 9", **owing) == on_screen(**owing) == [("R-003", Decimal("665.00"))]
    # the first house keeps the other two; the job records what it was asked for
    first = {"houseId": str(balances["house"].pk)}
    assert ([n for n, _d in in_file("ул. Отчётная, д. 7", **first)] == [n for n, _d in on_screen(**first)]
            == ["R-001", "R-004"])
    assert ReportJob.objects.filter(params={"house_id": other.pk, "has_debt": True}).count() == 1


def test_debtors_report_lists_owing_accounts_by_debt(balances, media, staff_a, tenants, gql):
    client = gql(tenants.a_host, user=staff_a)

    _done, rows = _built(client, _request(client, kind="DEBTORS")["id"])

    header, *body, total = rows
    assert header == ("Лицевой счёт", "Плательщик", "Адрес", "Задолженность, ₽")
    assert [(r[0], Decimal(str(r[3]))) for r in body] == [("R-001", Decimal("1432.34")), ("R-003", Decimal("665.00"))]
    assert Decimal(str(total[3])) == Decimal("2097.34")


def test_payments_report_lists_the_months_receipts(balances, media, principal_a, staff_a, tenants, gql):
    from tenants.receipts.models import Receipt

    with schema_context(principal_a.schema_name):
        account = balances["accounts"]["R-003"]
        for day, amount, key in ((date(2026, 10, 3), "100.50", "k1"), (date(2026, 10, 31), "20.00", "k2"),
                                 (date(2026, 11, 1), "999.00", "k3")):
            Receipt.objects.create(account=account, amount=Decimal(amount), paid_on=day, source="own",
                                   external_key=key, comment=f"ПКО {key}")
    connection.set_schema_to_public()
    client = gql(tenants.a_host, user=staff_a)

    _done, rows = _built(client, _request(client, kind="PAYMENTS", month="2026-10-01")["id"])

    header, *body, total = rows
    assert header[0] == "Дата оплаты" and header[5] == "Сумма, ₽"
    assert [(r[0].date(), r[1], r[3], Decimal(str(r[5])), r[6]) for r in body] == [
        (date(2026, 10, 3), "R-003", "Аванс", Decimal("100.50"), "ПКО k1"),
        (date(2026, 10, 31), "R-003", "Аванс", Decimal("20.00"), "ПКО k2"),
    ]
    assert Decimal(str(total[5])) == Decimal("120.50")


def test_month_is_required_for_turnover_and_payments(staff_a, tenants, gql):
    client = gql(tenants.a_host, user=staff_a)
    for kind in ("TURNOVER", "PAYMENTS"):
        result = client(REQUEST, {"kind": kind})["data"]["reportRequest"]
        assert result == {"job": None, "errors": [{"field": "month", "code": "REQUIRED"}]}
    assert ReportJob.objects.count() == 0


def test_email_delivery_sends_the_file_to_the_requester(balances, media, staff_a, tenants, gql, mailoutbox):
    client = gql(tenants.a_host, user=staff_a)

    job = _request(client, kind="DEBTORS", delivery="EMAIL")
    assert report_build(int(job["id"])) == "done"

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [staff_a.email] and "Должники" in mail.subject
    name, content, mimetype = mail.attachments[0]
    assert name.endswith(".xlsx") and mimetype.endswith("spreadsheetml.sheet")
    assert content == storage.get(ReportJob.objects.get(pk=job["id"]).storage_key)
    # building again changes nothing and sends nothing
    assert report_build(int(job["id"])) == "done"
    assert len(mailoutbox) == 1


def test_a_done_job_whose_mail_did_not_go_out_is_mailed_once_on_redelivery(balances, media, staff_a, tenants, gql,
                                                                           mailoutbox):
    client = gql(tenants.a_host, user=staff_a)
    job = _request(client, kind="DEBTORS", delivery="EMAIL")
    assert report_build(int(job["id"])) == "done"
    # as if the worker had died after saving the file and before mailing it
    ReportJob.objects.filter(pk=job["id"]).update(emailed_at=None)
    mailoutbox.clear()

    assert report_build(int(job["id"])) == "done"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].attachments[0][1] == storage.get(ReportJob.objects.get(pk=job["id"]).storage_key)
    assert ReportJob.objects.get(pk=job["id"]).emailed_at is not None
    assert report_build(int(job["id"])) == "done"
    assert len(mailoutbox) == 1


def test_jobs_and_links_stay_with_their_principal_and_requester(balances, media, principal_a, principal_b, staff_a,
                                                                tenants, gql):
    owner = gql(tenants.a_host, user=staff_a)
    colleague = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.REPORTS_VIEW]))
    b_staff = gql(tenants.b_host, user=factories.staff(principal_b, permissions=[Perm.REPORTS_VIEW]))
    job = _request(owner, kind="DEBTORS")
    report_build(int(job["id"]))
    connection.set_schema_to_public()

    # the owner sees the link; a colleague of the same principal sees the job, not the link
    assert owner(JOB, {"id": job["id"]})["data"]["reportJob"]["downloadUrl"]
    assert colleague(JOB, {"id": job["id"]})["data"]["reportJob"]["downloadUrl"] is None
    assert [j["id"] for j in owner(JOBS)["data"]["reportJobs"]] == [job["id"]]
    assert colleague(JOBS)["data"]["reportJobs"] == []
    # another principal's staff: not found, and not listed
    assert error_codes(b_staff(JOB, {"id": job["id"]})) == ["NOT_FOUND"]
    assert b_staff(JOBS)["data"]["reportJobs"] == []
    # the owner's own session on B's host is refused whole
    assert error_codes(gql(tenants.b_host, user=staff_a)(JOB, {"id": job["id"]})) == ["FOREIGN_PRINCIPAL"]


def test_the_build_reads_the_jobs_principal_whatever_schema_it_starts_in(balances, media, principal_a, principal_b,
                                                                          staff_a):
    from agency.reports.services import report_request

    job = report_request(principal=principal_a, user=staff_a, kind="debtors")
    # a worker left in B's schema by a previous task
    connection.set_tenant(principal_b)

    assert report_build(job.pk) == "done"

    connection.set_schema_to_public()
    job.refresh_from_db()
    assert job.rows == 2  # A's two debtors; B has no accounts at all
