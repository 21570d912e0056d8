"""The agent's back office in Chromium, as operator@erc.demo: a small Sberbank registry uploaded (one line for a
known household, one for an account nobody has) shows its counts and leaves the unknown payment in the operator's
queue; the payouts of the working day after the demo's payments day are built, approved and exported (whatever
of that is still to do) and their files are linked; the demo day reconciles with no differences; the ЕПД run's
progress is shown."""

import re
from datetime import date

from playwright.sync_api import expect

from agentsite.demo import DEMO_PASSWORD

OPERATOR = "operator@erc.demo"
PAY_DAY = date(2026, 11, 26)  # the demo's payments day
PAYOUT_DAY = date(2026, 11, 27)  # the next working day: its payouts carry the demo day's money
REGISTRY_DAY = date(2026, 11, 27)  # the test's registry: another day, so the demo day's figures stay as they are
UNKNOWN_ACCOUNT = "5550001111"

KNOWN_ELS = """async () => {
  const token = (document.cookie.match(/(?:^|;\\s*)csrftoken=([^;]+)/) || [])[1] || "";
  const response = await fetch("/graphql", {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token)},
    body: JSON.stringify({query: "{ payments(status: ALLOCATED, first: 1) { nodes { els } } }"}),
  });
  return (await response.json()).data.payments.nodes[0].els;
}"""


def sign_in(page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Электронная почта").fill(OPERATOR)
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


def test_operator_imports_pays_out_and_reconciles(page, live):
    sign_in(page, live.public)

    # a registry with a known household and an unknown account: posted, one matched, one left unmatched
    known = page.evaluate(KNOWN_ELS)
    data = sber_registry([(known, "ИВАНОВ ИВАН", "150,00"), (UNKNOWN_ACCOUNT, "НЕИЗВЕСТНЫЙ ПЛАТЕЛЬЩИК", "321,09")],
                         REGISTRY_DAY)
    open_menu(page, "Реестры платежей")
    expect(page.get_by_label("Формат реестра")).to_be_visible()
    page.get_by_label("Файл реестра").set_input_files(
        files=[{"name": "e2e_sber_27112026.txt", "mimeType": "text/plain", "buffer": data}])
    page.get_by_role("button", name="Загрузить", exact=True).first.click()
    outcome = page.get_by_role("status").filter(has_text="e2e_sber_27112026.txt")
    expect(outcome).to_contain_text("проведён")
    expect(outcome).to_contain_text("Опознано: 1")
    expect(outcome).to_contain_text("Не опознано: 1")
    expect(outcome).to_contain_text("Ошибки: 0")
    history = page.get_by_role("row").filter(has_text="e2e_sber_27112026.txt")
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

    # the next working day's payouts: built (again: nothing changes), approved and exported if still due, linked
    open_menu(page, "Перечисления")
    pick_date(page, "Рабочий день", PAYOUT_DAY)
    page.get_by_role("button", name="Сформировать").click()
    expect(page.get_by_role("status").filter(has_text="перечисления за 27.11.2026")).to_be_visible()
    approve_all = page.get_by_role("button", name="Утвердить все")
    if approve_all.is_enabled():
        approve_all.click()
        expect(approve_all).to_be_disabled()
    export = page.get_by_role("button", name="Выгрузить в 1С")
    if export.is_enabled():
        export.click()
        expect(page.get_by_role("link", name=re.compile("Файл 1С"))).to_be_visible()
    table = page.get_by_role("table").filter(has_text="К перечислению")
    expect(table.get_by_text("создано")).to_have_count(0)
    expect(table.get_by_text("утверждено")).to_have_count(0)
    expect(table.get_by_text("выгружено").first).to_be_visible()
    links = table.get_by_role("link", name=re.compile("^Реестр XLSX"))
    expect(links.first).to_be_visible()
    assert links.count() >= 2
    expect(table.get_by_role("link", name=re.compile("^Реестр CSV")).first).to_have_attribute("href", re.compile(r"\S"))
    page.shot("office-payouts")

    # the demo day reconciles
    open_menu(page, "Сверка")
    pick_date(page, "День", PAY_DAY)
    expect(page.get_by_role("status").filter(has_text="Расхождений нет")).to_be_visible()
    expect(page.get_by_text("Сверка за 26.11.2026")).to_be_visible()
    page.shot("office-reconciliation")

    # the demo's ЕПД run of the month before (October), with its progress
    open_menu(page, "Расчётные периоды")
    expect(page.get_by_text("завершён", exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar", name="PDF сформированы")).to_be_visible()
    page.shot("office-epd-run")

    assert page.watch.problems() == []
