"""The agent's back office in Chromium, as operator@erc.demo: a small Sberbank registry uploaded (one line for a
known household, one for an account nobody has) shows its counts and leaves the unknown payment in the operator's
queue; the known payment is allocated from the queue page; the payouts of the next working day, which carry it, are
built by the schedule's 07:00 run (that day is ahead of the real clock); the operator may not approve them (the page
disables approval and says why), the approver (approver@erc.demo) signs in and approves them, and the operator
exports them through the page; the 1C file and the registers it links download and read back; the demo day
reconciles with no differences; the ЕПД run's progress is shown."""

import csv
import io
import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urljoin

import psycopg
from openpyxl import load_workbook
from playwright.sync_api import expect

from agency.demo.seed import DEMO_PASSWORD
from billing_core.onec_exchange import statement_read

OPERATOR = "operator@erc.demo"
APPROVER = "approver@erc.demo"  # four eyes: approves the payouts; the operator cannot
UNKNOWN_ACCOUNT = "5550001111"
# the known household's payment: large enough that every principal's share is above the contracts' minimum fee
# (500 ₽ a payout), so each payout has money to send and gets a payment order in the 1C file
KNOWN_AMOUNT = "20000,00"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

KNOWN_ELS = """async () => {
  const token = (document.cookie.match(/(?:^|;\\s*)csrftoken=([^;]+)/) || [])[1] || "";
  const response = await fetch("/graphql", {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token)},
    body: JSON.stringify({query: "{ payments(status: ALLOCATED, first: 1) { nodes { els } } }"}),
  });
  return (await response.json()).data.payments.nodes[0].els;
}"""


def sign_in(page, base: str, email: str = OPERATOR) -> None:
    page.goto(base + "/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("navigation", name="Главное меню")).to_be_visible()


def open_menu(page, label: str) -> None:
    page.get_by_role("navigation", name="Главное меню").get_by_role("menuitem", name=label).click()
    expect(page.get_by_role("heading", name=label, level=2)).to_be_visible()


def sber_registry(rows: list[tuple[str, str, str]], day: date) -> bytes:
    """A ``sber_standard`` file: «date;time;branch;cashier;account;payer;address;period;amount;fee;operation», then
    the totals line «=count;sum;sum;fee;order;date», in Windows-1251 with decimal commas."""
    lines, kopecks = [], 0
    for n, (account, payer, amount) in enumerate(rows, start=1):
        lines.append(f"{day:%d-%m-%Y};10-{n:02d}-00;8640;0017;{account};{payer};Г. ЯРОСЛАВЛЬ;1026;{amount};0,00;"
                     f"E2E{n:07d}")
        roubles, _sep, kop = amount.partition(",")
        kopecks += int(roubles) * 100 + int((kop + "00")[:2])
    total = f"{kopecks // 100},{kopecks % 100:02d}"
    lines.append(f"={len(rows)};{total};{total};0,00;9001;{day:%d-%m-%Y}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def pick_date(page, label: str, value: date) -> None:
    field = page.get_by_label(label)
    field.click()
    field.fill(value.strftime("%d.%m.%Y"))
    field.press("Enter")
    expect(field).to_have_value(value.strftime("%d.%m.%Y"))


def db_rows(live, sql: str, params=()) -> list[tuple]:
    """The live stack's database, read directly (this process's ORM points at the test database)."""
    with psycopg.connect(live.database_url) as conn:
        return conn.execute(sql, params).fetchall()


def registry_day(live) -> date:
    """The test's registry: the day before the demo's payments day (the demo's days follow its load day), so the
    demo day's figures stay as they are."""
    return live.demo_calendar().pay_day - timedelta(days=1)


def payout_day(live) -> date:
    return live.next_payout_day()


def download(page, href: str) -> tuple[str, bytes]:
    """A link's file fetched with the browser context's cookies (the operator's session): its type and bytes."""
    response = page.context.request.get(urljoin(page.url, href))
    assert response.status == 200, (href, response.status, response.text()[:300])
    return response.headers.get("content-type", ""), response.body()


def test_operator_imports_pays_out_and_reconciles(page, live):
    sign_in(page, live.public)
    demo, day_of_registry = live.demo_calendar(), registry_day(live)
    filename = f"e2e_sber_{day_of_registry:%d%m%Y}.txt"

    # a registry with a known household and an unknown account: posted, one matched, one left unmatched
    known = page.evaluate(KNOWN_ELS)
    data = sber_registry([(known, "ИВАНОВ ИВАН", KNOWN_AMOUNT),
                          (UNKNOWN_ACCOUNT, "НЕИЗВЕСТНЫЙ ПЛАТЕЛЬЩИК", "321,09")], day_of_registry)
    open_menu(page, "Реестры платежей")
    expect(page.get_by_label("Формат реестра")).to_be_visible()
    page.get_by_label("Файл реестра").set_input_files(
        files=[{"name": filename, "mimeType": "text/plain", "buffer": data}])
    page.get_by_role("button", name="Загрузить: Реестр банка").click()
    outcome = page.get_by_role("status").filter(has_text=filename)
    # the upload is parsed, matched and posted in the request: under a loaded machine it takes longer than 5 s
    expect(outcome).to_contain_text("проведён", timeout=30_000)
    expect(outcome).to_contain_text("Опознано: 1")
    expect(outcome).to_contain_text("Не опознано: 1")
    expect(outcome).to_contain_text("Ошибки: 0")
    history = page.get_by_role("row").filter(has_text=filename)
    expect(history).to_contain_text("2 из 2")
    page.shot("office-imports")

    # the unknown account waits in the operator's queue
    open_menu(page, "Невыясненные платежи")
    waiting = page.get_by_role("row").filter(has_text=UNKNOWN_ACCOUNT)
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("321,09")
    expect(waiting).to_contain_text("не опознан")
    expect(waiting.get_by_role("button", name=f"Опознать платёж {UNKNOWN_ACCOUNT}")).to_be_visible()
    page.shot("office-queue")

    # the known payment is allocated from the queue page: the payments of the registry's day, allocated today
    # (Tab, not Enter, leaves the field: Enter in the field would submit the form before the button is pressed)
    page.get_by_label("День платежей").fill(day_of_registry.strftime("%d.%m.%Y"))
    page.get_by_label("День платежей").press("Tab")
    expect(page.get_by_label("День платежей")).to_have_value(day_of_registry.strftime("%d.%m.%Y"))
    page.get_by_role("button", name="Распределить").click()
    expect(page.get_by_role("status").filter(has_text="Распределено платежей")).to_contain_text(
        re.compile(r"Распределено платежей: 1 на 20\s000,00"))
    shares = dict(db_rows(live, """
        SELECT a.principal_id, SUM(a.amount) FROM payments_allocation a JOIN payments_payment p ON p.id = a.payment_id
        JOIN registry_unifiedaccount ua ON ua.id = p.unified_account_id
        WHERE ua.number = %s AND p.paid_on = %s AND p.amount = %s GROUP BY a.principal_id""",
        [known, day_of_registry, Decimal(KNOWN_AMOUNT.replace(",", "."))]))
    assert shares and sum(shares.values()) == Decimal(KNOWN_AMOUNT.replace(",", ".")), shares

    # its payouts are those of the next working day, ahead of the real clock: the page refuses to build them today
    day = payout_day(live)
    assert day > date.today()
    open_menu(page, "Перечисления")
    pick_date(page, "Рабочий день", day)
    page.get_by_role("button", name="Сформировать").click()
    expect(page.get_by_role("alert").filter(has_text="будущий день")).to_contain_text(f"будущий день {day:%d.%m.%Y}")
    table = page.get_by_role("table").filter(has_text="К перечислению")
    expect(table.get_by_text("Перечислений за этот день нет")).to_be_visible()

    # the schedule builds them at 07:00 of that day (payouts_build_task without a date, in a process whose clock
    # libfaketime moves to that morning; the web server and the browser keep the real clock)
    built = json.loads(live.manage_output(
        "shell", "-c", "import json; from agency.payments.payouts.tasks import payouts_build_task; "
                       "print(json.dumps(payouts_build_task(), default=str))",
        at=datetime.combine(day, time(7, 5))).strip().splitlines()[-1])
    assert built["business_day"] == day.isoformat() and built["status"] == "built", built
    payouts = db_rows(live, """
        SELECT p.id, pr.short_name, p.principal_id, p.gross, p.net, p.status FROM payments_payout p
        JOIN tenants_principal pr ON pr.id = p.principal_id WHERE p.business_day = %s ORDER BY p.id""", [day])
    assert len(payouts) == built["payouts"] >= len(shares), (built, payouts)
    assert set(shares) <= {principal for _id, _name, principal, *_rest in payouts}
    assert all(net > 0 and status == "created" for *_head, net, status in payouts), payouts

    # four eyes: the operator may not approve them, and the page says why
    page.reload()
    pick_date(page, "Рабочий день", day)
    count = len(payouts)
    expect(table.get_by_text("создано", exact=True)).to_have_count(count)
    expect(table.get_by_text("Сформировано по расписанию")).to_have_count(count)
    page.shot("office-payouts-built")
    approve_all = page.get_by_role("button", name="Утвердить все")
    export = page.get_by_role("button", name="Выгрузить в 1С")
    expect(export).to_be_disabled()
    expect(approve_all).to_be_disabled()
    expect(page.get_by_text("Утверждать перечисления может только контролёр или администратор агента.",
                            exact=True)).to_be_visible()
    row_buttons = table.get_by_role("button", name=re.compile("^Утвердить: "))
    expect(row_buttons).to_have_count(count)
    for i in range(count):
        expect(row_buttons.nth(i)).to_be_disabled()

    # the approver signs in and approves them through the page
    page.context.clear_cookies()
    sign_in(page, live.public, APPROVER)
    open_menu(page, "Перечисления")
    pick_date(page, "Рабочий день", day)
    expect(table.get_by_text("создано", exact=True)).to_have_count(count)
    expect(approve_all).to_be_enabled()
    approve_all.click()
    expect(table.get_by_text("утверждено", exact=True)).to_have_count(count)
    expect(table.get_by_text("создано", exact=True)).to_have_count(0)
    expect(table.get_by_text("Утвердил(а): Контролёр ЕРЦ")).to_have_count(count)
    expect(approve_all).to_be_disabled()
    page.shot("office-payouts-approved")
    approvers = db_rows(live, "SELECT DISTINCT u.email, p.built_by_id FROM payments_payout p JOIN identity_user u "
                              "ON u.id = p.approved_by_id WHERE p.business_day = %s", [day])
    assert approvers == [(APPROVER, None)], approvers

    # and the operator exports them through the page
    page.context.clear_cookies()
    sign_in(page, live.public)
    open_menu(page, "Перечисления")
    pick_date(page, "Рабочий день", day)
    expect(table.get_by_text("утверждено", exact=True)).to_have_count(count)
    export.click()
    expect(table.get_by_text("выгружено", exact=True)).to_have_count(count)
    expect(table.get_by_text("утверждено", exact=True)).to_have_count(0)
    expect(export).to_be_disabled()
    page.shot("office-payouts")
    exported = db_rows(live, "SELECT id, order_number, net, status FROM payments_payout WHERE business_day = %s "
                             "ORDER BY id", [day])
    assert [status for *_head, status in exported] == ["exported"] * count, exported

    # the 1C file: Windows-1251, one payment order per payout for its net
    orders_link = page.get_by_role("link", name=re.compile("Файл 1С"))
    expect(orders_link).to_be_visible()
    content_type, data = download(page, orders_link.get_attribute("href"))
    assert content_type.startswith("text/plain"), content_type
    assert data.decode("cp1251").startswith("1CClientBankExchange")
    orders = statement_read(data)
    assert orders.ok, orders.errors
    assert orders.encoding == "cp1251", orders.encoding
    assert sorted((d.number, d.amount) for d in orders.documents) == sorted(
        (str(number), net) for _id, number, net, _status in exported)

    # every payout's registers from its row: the XLSX and the CSV, each listing the payments it covers and its gross
    gross = {name: amount for _id, name, _principal, amount, _net, _status in payouts}
    with_payment = 0
    for name, amount in gross.items():
        xlsx = table.get_by_role("link", name=f"Реестр XLSX: {name}", exact=True)
        content_type, data = download(page, xlsx.get_attribute("href"))
        assert content_type == XLSX_TYPE, content_type
        sheet = load_workbook(io.BytesIO(data)).active
        # a title row, the column headers, one row per allocation, the total
        xlsx_rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
        assert xlsx_rows[1][2] == "ЕЛС" and xlsx_rows[-1][0] == "Итого", xlsx_rows[:2]
        assert Decimal(str(xlsx_rows[-1][-1])).quantize(Decimal("0.01")) == amount, (name, xlsx_rows[-1], amount)

        link = table.get_by_role("link", name=f"Реестр CSV: {name}", exact=True)
        content_type, data = download(page, link.get_attribute("href"))
        assert content_type.startswith("text/csv"), content_type
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][2] == "ЕЛС" and rows[-1][0] == "Итого", (rows[0], rows[-1])
        assert Decimal(rows[-1][-1].replace(",", ".")) == amount, (name, rows[-1], amount)
        assert sum(Decimal(row[-1].replace(",", ".")) for row in rows[1:-1]) == amount
        assert [row[2] for row in xlsx_rows[2:-1]] == [row[2] for row in rows[1:-1]], name
        with_payment += any(row[2] == known for row in rows[1:-1])
    assert with_payment == len(shares), (with_payment, shares)

    # the demo day reconciles
    open_menu(page, "Сверка")
    pick_date(page, "День", demo.pay_day)
    expect(page.get_by_role("status").filter(has_text="Расхождений нет")).to_be_visible()
    expect(page.get_by_text(f"Сверка за {demo.pay_day:%d.%m.%Y}")).to_be_visible()
    page.shot("office-reconciliation")

    # the demo's ЕПД run of the month before the load day (the page opens on the month before today), with its
    # progress
    open_menu(page, "Расчётные периоды")
    expect(page.get_by_text("завершён", exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar", name="PDF сформированы")).to_be_visible()
    page.shot("office-epd-run")

    assert page.watch.problems() == []
