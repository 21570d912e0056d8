"""Every kind of background job, started from the web on the run command's own stack (the filesystem broker, a real
worker, the web server; fixture ``live``) and followed to its finished state through the API: the charge run of all
principals and the ЕПД run of the month after the demo's (which also delivers the e-receipts of the subscribed
residents), reports by download and by e-mail and the accounts' Excel export, a registry imported in the background,
and an appeal answered (saved, the resident told by e-mail, the staff member shown no error). No response is a 500.
The main ones are then started from the UI in Chromium.

The API part speaks HTTP as the front end does: the CSRF cookie from /auth/csrf, the login mutation, then GraphQL
and the multipart uploads with the X-CSRFToken header.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date

import psycopg
import pytest
import requests
from playwright.sync_api import expect

from agency.demo.seed import DEMO_PASSWORD
from tests.e2e.test_office import open_menu, sign_in
from tests.graphql_api.uploading import import_request, legacy_answer

OPERATOR = "operator@erc.demo"
PRINCIPAL_ADMIN = "admin@uk-demo.demo"
RESIDENT = "resident1@mail.demo"
JOB_TIMEOUT = 300.0
XLSX_MAGIC = b"PK"


class Api:
    """A browser-like HTTP session on one host of the live stack; every response is checked for a 500."""

    def __init__(self, live, host: str):
        self.base = f"http://127.0.0.1:{live.port}"
        self.host = f"{host}:{live.port}"
        self.http = requests.Session()
        self.statuses: list[tuple[int, str]] = []

    def _headers(self) -> dict:
        return {"Host": self.host, "X-CSRFToken": self.http.cookies.get("csrftoken", "")}

    def _seen(self, response: requests.Response, what: str) -> requests.Response:
        self.statuses.append((response.status_code, what))
        assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:500]}"
        return response

    def get(self, path: str) -> requests.Response:
        return self._seen(self.http.get(self.base + path, headers={"Host": self.host}, timeout=60), f"GET {path}")

    def graphql(self, query: str, **variables) -> dict:
        response = self._seen(self.http.post(self.base + "/graphql", json={"query": query, "variables": variables},
                                             headers=self._headers(), timeout=60), query.split("(")[0][:60])
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def mutate(self, query: str, **variables) -> dict:
        data = self.graphql(query, **variables)
        payload = next(iter(data.values()))
        assert payload["errors"] == [], payload
        return payload

    def upload(self, kind: str, filename: str, data: bytes, **fields) -> dict:
        """The file stored for a key, then imported by the kind's mutation; the import as plain JSON."""
        response = self._seen(self.http.post(self.base + f"/uploads/{kind}", files={"file": (filename, data)},
                                             headers=self._headers(), timeout=120), f"upload {kind}")
        assert response.status_code == 200, response.text
        request = import_request(kind, response.json()["key"], fields)
        answered = self._seen(self.http.post(self.base + "/graphql", json=request, headers=self._headers(),
                                             timeout=120), f"import {kind}")
        status, body = legacy_answer(kind, answered.json())
        assert status == 200, body
        return body

    def login(self, email: str) -> Api:
        self.get("/auth/csrf")
        self.mutate("mutation($email: String!, $password: String!) { login(email: $email, password: $password) "
                    "{ errors { field message code } } }", email=email, password=DEMO_PASSWORD)
        return self


def wait_for(what: str, look, done, timeout: float = JOB_TIMEOUT, live=None):
    """Poll ``look()`` until ``done(value)``; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = look()
        if done(value):
            return value
        if time.monotonic() > deadline:
            worker = live.log("worker", 60) if live is not None else ""
            pytest.fail(f"{what} did not finish within {timeout:.0f} s: {value}\n{worker}")
        time.sleep(1.0)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def sql(live, query: str, *params) -> list[tuple]:
    with psycopg.connect(live.database_url) as conn:
        return conn.execute(query, params).fetchall()


def sber_registry(account: str, amount: str, day: date) -> bytes:
    """One payment in ``sber_standard``: the line, then the totals «=count;sum;sum;fee;order;date» (cp1251)."""
    operation = uuid.uuid4().hex[:10].upper()
    lines = [f"{day:%d-%m-%Y};10-00-00;8640;0017;{account};ПЛАТЕЛЬЩИК E2E;Г. ЯРОСЛАВЛЬ;1026;{amount};0,00;{operation}",
             f"=1;{amount};{amount};0,00;1;{day:%d-%m-%Y}"]
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


@pytest.fixture(scope="module")
def demo_month(live) -> date:
    """The demo's issued month, read from the API (the demo's month follows the day it is loaded)."""
    operator = Api(live, "localhost").login(OPERATOR)
    runs = operator.graphql("{ epdRuns(first: 20) { nodes { month status } } }")["epdRuns"]["nodes"]
    return max(date.fromisoformat(r["month"]) for r in runs if r["status"] == "done")


def test_charge_run_of_all_principals_then_the_epd_run_delivers_e_receipts(live, demo_month):
    operator = Api(live, "localhost").login(OPERATOR)
    month = next_month(demo_month)

    queued = operator.mutate("mutation($m: Date!) { chargeRunAll(month: $m) { queued errors { field message code } } }",
                             m=month.isoformat())["queued"]
    assert len(queued) == 3
    progress = wait_for(
        "the charge run of all principals",
        lambda: operator.graphql("query($m: Date!) { chargeRunProgress(month: $m) { schemaName status chargeLines } }",
                                 m=month.isoformat())["chargeRunProgress"],
        lambda rows: all(r["status"] in ("CALCULATED", "FAILED") for r in rows), live=live)
    assert {r["status"] for r in progress} == {"CALCULATED"}, progress
    assert all(r["chargeLines"] > 0 for r in progress), progress

    run = operator.mutate("mutation($m: Date!) { epdRunStart(month: $m, includeUnposted: true) { run { id } "
                          "errors { field message code } } }", m=month.isoformat())["run"]
    run = wait_for(
        "the ЕПД run",
        lambda: operator.graphql("query($id: ID!) { epdRun(id: $id) { status error documentsTotal documentsRendered "
                                 "} }", id=run["id"])["epdRun"],
        lambda r: r["status"] in ("done", "failed"), live=live)
    assert (run["status"], run["error"]) == ("done", ""), run
    assert run["documentsTotal"] > 0 and run["documentsRendered"] == run["documentsTotal"]

    # the e-receipts of the subscribed residents, sent by the worker (the stack's mail goes to its console)
    deliveries = wait_for(
        "the e-receipts",
        lambda: sql(live, "SELECT d.status, d.last_error FROM documents_epddelivery d "
                          "JOIN documents_epd e ON e.id = d.epd_id WHERE e.month = %s", month),
        lambda rows: rows and all(status != "pending" for status, _error in rows), live=live)
    assert {status for status, _error in deliveries} == {"sent"}, deliveries
    resident = Api(live, "localhost").login(RESIDENT)
    documents = resident.graphql("{ residentDocuments { month } }")["residentDocuments"]
    assert month.isoformat() in {d["month"] for d in documents}
    assert all(status < 500 for status, _what in operator.statuses + resident.statuses)


REPORT = ("mutation($kind: ReportKind!, $delivery: ReportDelivery) { reportRequest(kind: $kind, delivery: $delivery) "
          "{ job { id } errors { field message code } } }")
REPORT_JOB = "query($id: ID!) { reportJob(id: $id) { status error rows filename downloadUrl } }"


@pytest.mark.parametrize(("kind", "delivery"),
                         [("DEBTORS", "DOWNLOAD"), ("DEBTORS", "EMAIL"), ("ACCOUNTS", "DOWNLOAD")],
                         ids=["report-download", "report-email", "accounts-excel"])
def test_reports_are_built_and_downloaded_or_mailed(live, kind, delivery):
    admin = Api(live, "uk-demo.localhost").login(PRINCIPAL_ADMIN)

    job_id = admin.mutate(REPORT, kind=kind, delivery=delivery)["job"]["id"]
    job = wait_for(f"the {kind} report", lambda: admin.graphql(REPORT_JOB, id=job_id)["reportJob"],
                   lambda j: j["status"] in ("DONE", "FAILED"), live=live)

    assert job["status"] == "DONE" and not job["error"], job
    assert job["rows"] and job["rows"] > 0
    if delivery == "DOWNLOAD":
        file = admin.get(job["downloadUrl"].replace(f"http://{admin.host}", ""))
        assert file.status_code == 200 and file.content.startswith(XLSX_MAGIC)
    else:
        mailed = wait_for("the report's e-mail",
                          lambda: sql(live, "SELECT emailed_at FROM reports_reportjob WHERE id = %s", int(job_id)),
                          lambda rows: rows[0][0] is not None, live=live)
        assert mailed[0][0] is not None


def test_a_registry_imported_in_the_background(live, demo_month):
    operator = Api(live, "localhost").login(OPERATOR)
    data = sber_registry("5550009999", "123,45", next_month(demo_month))

    queued = operator.upload("payment-registry", "reestr-e2e.txt", data, layout="sber_standard", background="1")
    assert (queued["status"], queued["errors"]) == ("staged", []), queued

    query = ("{ paymentImports(first: 10) { nodes { id status phase rowsPosted amountPosted unmatched "
             "errors { message } } } }")
    imported = wait_for(
        "the registry import",
        lambda: next(i for i in operator.graphql(query)["paymentImports"]["nodes"] if i["id"] == str(queued["id"])),
        lambda i: i["status"] != "STAGED", live=live)
    assert (imported["status"], imported["phase"], imported["rowsPosted"], imported["errors"]) == (
        "POSTED", "done", 1, []), imported
    assert imported["amountPosted"] == "123.45" and imported["unmatched"] == 1


def test_an_appeal_answer_is_saved_and_the_resident_is_told(live):
    resident = Api(live, "localhost").login(RESIDENT)
    subject = f"Подъезд {uuid.uuid4().hex[:6]}"
    appeal = resident.mutate("mutation($s: String!, $t: String!) { appealCreate(subject: $s, text: $t) "
                             "{ appeal { id } errors { field message code } } }",
                             s=subject, t="Не горит свет")["appeal"]
    operator = Api(live, "localhost").login(OPERATOR)

    answered = operator.mutate("mutation($id: ID!, $t: String!) { appealReply(id: $id, text: $t) "
                               "{ appeal { status messages { fromStaff text } } errors { field message code } } }",
                               id=appeal["id"], t="Лампу заменят сегодня.")["appeal"]

    assert answered["status"] == "ANSWERED"
    assert [m["fromStaff"] for m in answered["messages"]] == [False, True]
    wait_for("the resident's notification",
             lambda: sql(live, "SELECT notified_at FROM appeals_appealmessage WHERE appeal_id = %s AND from_staff",
                         int(appeal["id"])),
             lambda rows: rows and rows[0][0] is not None, live=live)
    seen = resident.graphql("query($id: ID!) { appeal(id: $id) { status messages { text } } }", id=appeal["id"])
    assert seen["appeal"]["status"] == "ANSWERED" and seen["appeal"]["messages"][-1]["text"] == "Лампу заменят сегодня."


# --- from the UI ------------------------------------------------------------------------------------------------------


def test_back_office_runs_the_charges_of_all_principals_from_the_page(page, live):
    sign_in(page, live.public, OPERATOR)
    open_menu(page, "Расчётные периоды")

    with page.expect_response(lambda r: r.url.endswith("/graphql") and r.request.method == "POST"
                              and "chargeRunAll" in (r.request.post_data or "")) as answer:
        page.get_by_role("button", name="Рассчитать все").click()
    assert answer.value.status == 200
    expect(page.get_by_text("Расчёт поставлен в очередь: 3")).to_be_visible()
    # each principal's run finishes (a posted period refuses a new run and stays posted)
    expect(page.get_by_text("Идёт расчёт")).to_have_count(0, timeout=120_000)
    page.shot("jobs-office-charge-run-all")
    assert page.watch.problems() == []


def test_portal_exports_the_accounts_to_excel_and_downloads_the_file(page, live):
    sign_in(page, live.principal("uk-demo"), PRINCIPAL_ADMIN)
    open_menu(page, "Лицевые счета")

    page.get_by_role("button", name="Выгрузить в Excel").click()
    download_button = page.get_by_role("link", name=re.compile(r"Скачать .+\.xlsx"))
    expect(download_button).to_be_visible(timeout=120_000)
    with page.expect_download() as download:
        download_button.click()
    path = download.value.path()
    assert path is not None and open(path, "rb").read(2) == XLSX_MAGIC  # noqa: SIM115 — two bytes
    page.shot("jobs-portal-accounts-excel")
    assert page.watch.problems() == []
