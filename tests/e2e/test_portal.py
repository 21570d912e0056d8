"""The principal portal in Chromium: a readings file with a bad row is reported line by line and field by
field, the dashboard shows the API's figures with its charts, the accounts and payouts pages render, and the
other pages show what the API returns: the October turnover report built and downloaded with the dashboard's
total, a receipt of the demo's payments day, the staff, a new appeal, and an API key shown once and revoked."""

import io
import re
import secrets
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import expect

from agency.demo.seed import DEMO_PASSWORD

PRINCIPAL = "uk-demo"
ADMIN = "admin@uk-demo.demo"
STAFF = "staff@uk-demo.demo"
NBSP = "\u00a0"


def sign_in(page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Электронная почта").fill(ADMIN)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("navigation", name="Главное меню")).to_be_visible()


def gql(page, base: str, query: str, variables: dict | None = None) -> dict:
    """The same GraphQL API the page uses, called from the page (its session and CSRF cookie)."""
    body = page.evaluate(
        """async ([query, variables]) => {
            const token = (document.cookie.match(/(?:^|;\\s*)csrftoken=([^;]+)/) || [])[1] || "";
            const response = await fetch("/graphql", {
                method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token)},
                body: JSON.stringify({query, variables}),
            });
            return await response.json();
        }""",
        [query, variables or {}],
    )
    assert not body.get("errors"), body
    return body["data"]


def money(value: str) -> str:
    """formatMoney of the front end: "12345.6" -> "12 345,60 ₽" (non-breaking spaces)."""
    negative = value.startswith("-")
    whole, _, frac = value.lstrip("-+").partition(".")
    grouped = f"{int(whole):,}".replace(",", NBSP)
    return f"{'−' if negative else ''}{grouped},{(frac + '00')[:2]}{NBSP}₽"


MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь")


def month_label(month: date) -> str:
    """A month as the month picker shows it (dayjs's Russian locale, "MMMM YYYY"): «октябрь 2026»."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def kopecks(value) -> Decimal:
    """A money cell of an XLSX (openpyxl reads numbers as floats) as the exact amount to the kopeck."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def api_key_status(browser, base: str, key: str) -> int:
    """The HTTP status of a GraphQL request made with only the API key (a fresh browser context: no session)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + "/health")
        return page.evaluate(
            """async (key) => (await fetch("/graphql", {method: "POST", credentials: "omit",
                headers: {"Content-Type": "application/json", "Authorization": "Bearer " + key},
                body: JSON.stringify({query: "{ __typename }"})})).status""", key)
    finally:
        context.close()


def open_section(page, name: str) -> None:
    page.get_by_role("navigation", name="Главное меню").get_by_role("menuitem", name=name).click()


def test_readings_file_with_a_bad_row_names_the_line_and_field(page, live, tmp_path, shot):
    base = live.principal(PRINCIPAL)
    sign_in(page, base)
    # two working single-zone meters with readings; their houses take readings on any day, so the test runs on
    # any date
    meters, houses = [], set()
    for account_id in range(1, 40):
        card = gql(page, base, "query($id: ID!) { account(id: $id) { account { houseId } meters { serial archivedAt "
                               "zones readings { zone value } } } }", {"id": str(account_id)})["account"]
        found = [m for m in (card or {}).get("meters", []) if not m["archivedAt"] and m["zones"] == 1 and m["readings"]]
        if found:
            meters += found
            houses.add(card["account"]["houseId"])
        if len(meters) >= 2:
            break
    for house in houses:
        gql(page, base, "mutation($h: ID!) { houseReadingWindowSet(houseId: $h, startDay: 1, endDay: 31) "
                        "{ errors { message } } }", {"h": house})
    good, low = meters[:2]
    good_value = float(good["readings"][0]["value"]) + 12.5
    low_value = float(low["readings"][0]["value"]) - 1
    today = date.today().strftime("%d.%m.%Y")
    csv = tmp_path / "readings.csv"

    def number(value: float) -> str:
        return f"{value:.3f}".replace(".", ",")

    rows = ["счетчик;зона;показание;дата",
            f"{good['serial']};1;{number(good_value)};{today}",  # line 2: good
            f"{low['serial']};1;{number(low_value)};{today}",  # line 3: below the meter's last reading
            f"НЕТ-ТАКОГО-777;1;100;{today}"]  # line 4: no such meter
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")

    open_section(page, "Показания")
    expect(page.get_by_role("heading", name="Показания приборов учёта")).to_be_visible()
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Перетащите файл сюда или нажмите, чтобы выбрать").click()
    chooser.value.set_files(str(csv))
    page.get_by_label("Загрузить корректные строки — строки с ошибками пропустить").check()
    page.get_by_role("button", name="Загрузить файл").click()

    result = page.get_by_role("region", name="Результат загрузки")
    expect(result.get_by_role("status")).to_contain_text("Загружено записей: 1")
    errors = result.get_by_role("table")
    below = errors.get_by_role("row").filter(has_text="меньше предыдущего")
    expect(below.get_by_role("cell").nth(0)).to_have_text("3")
    expect(below.get_by_role("cell").nth(1)).to_contain_text("Показание")
    unknown = errors.get_by_role("row").filter(has_text="НЕТ-ТАКОГО-777")
    expect(unknown.get_by_role("cell").nth(0)).to_have_text("4")
    expect(unknown.get_by_role("cell").nth(1)).to_contain_text("Счётчик")
    expect(unknown).to_contain_text("не найден")
    expect(result).to_contain_text("Строк в файле")
    shot("portal-readings-upload-errors")

    # the good row is on the meter's card; the file is in the history with its errors
    batches = gql(page, base, "{ importBatches(kind: READINGS) { status rowsTotal rowsLoaded errors { line } } }")
    assert batches["importBatches"][0]["rowsLoaded"] == 1
    assert sorted(e["line"] for e in batches["importBatches"][0]["errors"]) == [3, 4]
    page.get_by_role("tab", name="История загрузок").click()
    expect(page.get_by_role("cell", name="readings.csv")).to_be_visible()
    assert page.watch.problems() == []


def test_dashboard_shows_the_api_figures_with_charts(page, live, shot):
    base = live.principal(PRINCIPAL)
    sign_in(page, base)
    data = gql(page, base, "{ principalDashboard(months: 12) { accountsCount debtorsCount debtTotal advanceTotal "
                           "months { month charged collected } } }")["principalDashboard"]

    expect(page.get_by_role("heading", name="Сводка")).to_be_visible()
    expect(page.get_by_text(money(data["debtTotal"]), exact=True).first).to_be_visible()
    expect(page.get_by_text(money(data["advanceTotal"]), exact=True).first).to_be_visible()
    expect(page.get_by_text(str(data["accountsCount"]), exact=True).first).to_be_visible()
    assert data["months"], "the demo has posted periods"
    bars = page.get_by_role("figure", name="Диаграмма: начислено и оплачено по месяцам")
    expect(bars.locator("svg").first).to_be_visible()
    expect(page.get_by_role("figure", name="Диаграмма: собираемость по месяцам").locator("svg").first).to_be_visible()
    latest = data["months"][-1]
    expect(page.get_by_role("cell", name=money(latest["charged"]), exact=True).first).to_be_visible()
    shot("portal-dashboard")
    assert page.watch.problems() == []


def test_accounts_card_and_payouts_render(page, live, shot):
    base = live.principal(PRINCIPAL)
    sign_in(page, base)

    open_section(page, "Лицевые счета")
    expect(page.get_by_role("heading", name="Лицевые счета")).to_be_visible()
    total = gql(page, base, "{ accounts(first: 1) { totalCount } }")["accounts"]["totalCount"]
    expect(page.get_by_text(f"всего {total}")).to_be_visible()
    page.get_by_label("Поиск").fill("10000001")
    page.get_by_label("Поиск").press("Enter")
    expect(page.get_by_text("всего 1", exact=False)).to_be_visible()
    shot("portal-accounts")

    page.get_by_role("link", name="10000001").click()
    expect(page.get_by_role("heading", name="Лицевой счёт 10000001")).to_be_visible()
    expect(page.get_by_text("Плательщик")).to_be_visible()
    page.get_by_role("tab", name="Приборы учёта").click()
    expect(page.get_by_text("№ EL-10000001")).to_be_visible()
    shot("portal-account-card")

    open_section(page, "Перечисления")
    expect(page.get_by_role("heading", name="Перечисления")).to_be_visible()
    payouts = gql(page, base, "{ principalPayouts(first: 5) { nodes { net } } }")["principalPayouts"]["nodes"]
    assert payouts, f"the demo paid the principal out on {live.demo_calendar().payout_day:%d.%m.%Y}"
    expect(page.get_by_text(money(payouts[0]["net"]), exact=True).first).to_be_visible()
    shot("portal-payouts")
    assert page.watch.problems() == []


def test_reports_payments_users_appeals_and_keys_show_the_api_data(page, browser, live, shot):
    base = live.principal(PRINCIPAL)
    sign_in(page, base)

    # Отчёты: the demo month's turnover as XLSX, built by the worker; its total charged is the dashboard's
    demo = live.demo_calendar()
    label = month_label(demo.month)
    months = gql(page, base, "{ principalDashboard(months: 12) { months { month charged } } }")
    charged = next(Decimal(m["charged"]) for m in months["principalDashboard"]["months"]
                   if m["month"] == demo.month.isoformat())
    open_section(page, "Отчёты")
    expect(page.get_by_role("heading", name="Отчёты", exact=True)).to_be_visible()
    month = page.get_by_label("Месяц", exact=True)
    month.click()
    month.fill(label)
    month.press("Enter")
    expect(month).to_have_value(label)
    page.get_by_role("button", name="Скачать XLSX").click()
    expect(page.get_by_role("status")).to_contain_text("Отчёт поставлен в очередь")
    job = page.get_by_role("row").filter(has_text="Оборотно-сальдовая ведомость").filter(has_text=label)
    expect(job).to_have_count(1)
    link = job.get_by_role("link")
    expect(link).to_be_visible(timeout=60_000)
    expect(job).to_contain_text("Готов")
    shot("portal-reports")
    with page.expect_download() as downloaded:
        link.click()
    assert downloaded.value.suggested_filename.endswith(".xlsx"), downloaded.value.suggested_filename
    with open(downloaded.value.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read()), read_only=True).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
    assert rows[0][3] == "Начислено, ₽" and rows[-1][0] == "Итого", (rows[0], rows[-1])
    assert len(rows) > 2, f"the demo charged its accounts in {label}"
    assert kopecks(rows[-1][3]) == charged, (rows[-1], charged)
    assert sum(kopecks(row[3]) for row in rows[1:-1]) == charged

    # Платежи: a receipt of the demo's payments day, as the API returns it, with the account's totals
    receipt = gql(page, base, "query($d: Date) { principalReceipts(dateFrom: $d, dateTo: $d, first: 1) "
                              "{ nodes { accountNumber amount } } }", {"d": demo.pay_day.isoformat()}
                  )["principalReceipts"]["nodes"][0]
    account = gql(page, base, "query($a: String) { principalReceipts(accountNumber: $a, first: 1) "
                              "{ totalCount totalAmount } }", {"a": receipt["accountNumber"]})["principalReceipts"]
    page.goto(base + f"/payments?account={receipt['accountNumber']}")
    expect(page.get_by_role("heading", name="Платежи", exact=True)).to_be_visible()
    found = f"Найдено: {account['totalCount']} на сумму {money(account['totalAmount'])}"
    expect(page.get_by_text(found)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=f"{demo.pay_day:%d.%m.%Y}").filter(
        has=page.get_by_role("cell", name=money(receipt["amount"]), exact=True)).first).to_be_visible()
    shot("portal-payments")

    # Пользователи: the principal's staff, every one the API lists
    users = gql(page, base, "{ users(first: 20) { totalCount nodes { email } } }")["users"]
    emails = {u["email"] for u in users["nodes"]}
    assert {ADMIN, STAFF} <= emails, emails
    open_section(page, "Пользователи")
    expect(page.get_by_role("heading", name="Пользователи", exact=True)).to_be_visible()
    for email in emails:
        expect(page.get_by_role("row").filter(has_text=email)).to_have_count(1)
    expect(page.get_by_text(f"всего {users['totalCount']}")).to_be_visible()
    shot("portal-users")

    # Обращения: a new appeal is registered, opened, and listed
    subject = f"Проверка связи {secrets.token_hex(3)}"
    open_section(page, "Обращения")
    expect(page.get_by_role("heading", name="Обращения", exact=True)).to_be_visible()
    page.get_by_role("button", name="Новое обращение").click()
    dialog = page.get_by_role("dialog", name="Новое обращение")
    dialog.get_by_label("Тема").fill(subject)
    dialog.get_by_label("Текст обращения").fill("Не работает домофон в первом подъезде.")
    dialog.get_by_role("button", name="Зарегистрировать").click()
    heading = page.get_by_role("heading", name=re.compile(f": {subject}$"), level=2)
    expect(heading).to_be_visible()
    number = heading.inner_text().split(":", 1)[0]
    created = gql(page, base, "query($s: String) { appeals(search: $s, first: 5) { nodes { number subject } } }",
                  {"s": subject})["appeals"]["nodes"]
    assert created == [{"number": number, "subject": subject}], created
    page.get_by_role("link", name="К списку обращений").click()
    listed = page.get_by_role("row").filter(has_text=subject)
    expect(listed).to_have_count(1)
    expect(listed.get_by_role("link", name=number, exact=True)).to_be_visible()
    shot("portal-appeals")

    # Ключи API: a new key's secret is shown once, works, and stops working when the key is revoked
    name = f"e2e-{secrets.token_hex(3)}"
    open_section(page, "Ключи API")
    expect(page.get_by_role("heading", name="Ключи API", exact=True)).to_be_visible()
    page.get_by_role("button", name="Создать ключ").click()
    dialog = page.get_by_role("dialog", name="Новый ключ API")
    dialog.get_by_label("Название").fill(name)
    dialog.get_by_role("button", name="Создать").click()
    shown = page.get_by_role("dialog", name="Ключ создан")
    expect(shown).to_contain_text("Ключ показывается только один раз")
    secret = shown.get_by_label("Ключ API").inner_text().strip()
    assert re.fullmatch(r"zk_[0-9a-f]{12}_\S+", secret), secret
    shot("portal-api-key-secret")
    shown.get_by_role("button", name="Я сохранил ключ").click()
    expect(shown).to_have_count(0)
    key_row = page.get_by_role("row").filter(has_text=name)
    expect(key_row).to_contain_text("действует")
    expect(key_row).to_contain_text(secret.split("_")[1])
    expect(page.get_by_text(secret)).to_have_count(0)
    assert api_key_status(browser, base, secret) == 200
    key_row.get_by_role("button", name=f"Отозвать ключ {name}").click()
    page.get_by_role("tooltip").get_by_role("button", name="Отозвать", exact=True).click()
    expect(key_row).to_contain_text("отозван")
    expect(key_row.get_by_role("button", name=f"Отозвать ключ {name}")).to_have_count(0)
    assert api_key_status(browser, base, secret) != 200
    shot("portal-api-keys")
    assert page.watch.problems() == []
