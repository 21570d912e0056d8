"""The principal portal in Chromium: a readings file with a bad row is reported line by line and field by
field, the dashboard shows the API's figures with its charts, and the main pages render."""

from datetime import date

from playwright.sync_api import expect

from agentsite.demo import DEMO_PASSWORD

PRINCIPAL = "uk-demo"
ADMIN = "admin@uk-demo.demo"
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
    if payouts:
        expect(page.get_by_text(money(payouts[0]["net"]), exact=True).first).to_be_visible()
    shot("portal-payouts")

    # the other sections load their data without errors
    for section, heading in (("Отчёты", "Отчёты"), ("Обращения", "Обращения"), ("Платежи", "Платежи"),
                             ("Пользователи", "Пользователи"), ("Ключи API", "Ключи API")):
        open_section(page, section)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(page.get_by_text("Не удалось загрузить данные")).to_have_count(0)
    assert page.watch.problems() == []
