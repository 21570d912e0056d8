"""Debt collection in Chromium over the demo (agency.demo.collection puts debtors in every stage): the principal's
administrator opens «Должники», sees the register's summary with debtors in several stages of work, filters by a
stage and opens a card in court with its case and events; the resident resident2 sees their warnings or
agreements in «Задолженность» and asks for an installment agreement, which the principal's card then shows as
requested by the resident. Screenshots go to tests/e2e/artifacts/collection-*.png."""

import base64
import io
import re
import secrets
from datetime import date
from urllib.parse import urljoin

from openpyxl import load_workbook
from playwright.sync_api import expect

from agency.demo.collection import CAMPAIGN, RESIDENT
from agency.demo.seed import DEMO_PASSWORD
from tests.e2e.test_portal import gql

PRINCIPAL = "uk-demo"
ADMIN = "admin@uk-demo.demo"


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("navigation", name="Главное меню")).to_be_visible()


def open_section(page, name: str) -> None:
    page.get_by_role("navigation", name="Главное меню").get_by_role("menuitem", name=name).click()
    expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()


def test_principal_sees_debtors_in_every_stage_and_opens_a_card(page, live):
    base = live.principal(PRINCIPAL)
    sign_in(page, base, ADMIN)
    summary = gql(page, base, "{ debtorSummary { debtors byStage { stage label count } } }")["debtorSummary"]
    stages = {row["stage"]: row for row in summary["byStage"] if row["count"]}
    # the demo's plan: warned, restricted, on an agreement, in court, in enforcement, recovered
    assert {"WARNED", "RESTRICTED", "AGREEMENT", "COURT", "ENFORCEMENT"} <= set(stages), stages

    open_section(page, "Должники")
    expect(page.get_by_text(re.compile(r"Реестр обновлён \d\d\.\d\d\.\d{4}"))).to_be_visible()
    expect(page.get_by_label("Диаграмма долга по давности возникновения")).to_be_visible()
    for stage in ("WARNED", "RESTRICTED", "AGREEMENT", "COURT"):
        expect(page.get_by_role("button", name=re.compile(re.escape(stages[stage]["label"])))).to_be_visible()
    rows = page.locator(".ant-table-tbody tr.ant-table-row")
    expect(rows.first).to_be_visible()
    assert rows.count() == min(20, summary["debtors"])
    page.shot("collection-principal-debtors")

    # the stage's card filters the table: every row then carries the court stage's tag
    page.get_by_role("button", name=re.compile(re.escape(stages["COURT"]["label"]))).click()
    expect(rows).to_have_count(stages["COURT"]["count"])
    expect(rows.first.get_by_text(stages["COURT"]["label"], exact=True)).to_be_visible()
    number = rows.first.locator("td").first.inner_text().strip()
    rows.first.get_by_role("link", name=number).click()

    expect(page.get_by_role("heading", name=f"Должник, лицевой счёт {number}", level=2)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Начисление по нормативу в месяц")).to_be_visible()
    page.get_by_role("tab", name=re.compile(r"Судебная работа \(1\)")).click()
    card = gql(page, base, "query($n: String!) { debtor(accountNumber: $n) { cases { number statusLabel "
                           "events { label } } } }", {"n": number})["debtor"]
    case = card["cases"][0]
    expect(page.get_by_text(re.compile(rf"Дело {re.escape(case['number'])}"))).to_be_visible()
    for event in case["events"]:
        expect(page.get_by_role("cell", name=event["label"], exact=True).first).to_be_visible()
    page.get_by_role("tab", name="Ход работы").click()
    expect(page.locator(".ant-timeline-item").first).to_be_visible()
    page.shot("collection-principal-debtor-card")


def test_resident_sees_the_work_on_their_debt_and_asks_for_an_agreement(page, live):
    base = live.public
    sign_in(page, base, RESIDENT)
    households = gql(page, base, "{ myCollection { els accounts { principalName accountNumber canRequestAgreement "
                                 "warnings { termEnd } agreements { number status } } } }")["myCollection"]
    accounts = [a for h in households for a in h["accounts"]]
    # the demo's resident2 asked the first principal for an agreement when the demo was loaded
    assert any(g["status"] == "REQUESTED" for a in accounts for g in a["agreements"]), accounts
    askable = [a for a in accounts if a["canRequestAgreement"]]
    assert askable, accounts

    open_section(page, "Задолженность")
    expect(page.get_by_text("Заявка на рассмотрении").first).to_be_visible()
    target = askable[0]
    account_card = page.locator(".ant-card").filter(
        has_text=f"{target['principalName']}, лицевой счёт {target['accountNumber']}").last
    expect(account_card.get_by_role("button", name="Попросить рассрочку")).to_be_visible()
    page.shot("collection-cabinet-debt")

    account_card.get_by_label("Количество платежей").fill("4")
    account_card.get_by_label("Комментарий").fill("Прошу рассрочку на четыре месяца")
    account_card.get_by_role("button", name="Попросить рассрочку").click()
    expect(page.get_by_text(re.compile(r"Заявка .+ отправлена"))).to_be_visible()
    after = gql(page, base, "{ myCollection { accounts { accountNumber principalName canRequestAgreement "
                            "agreements { status parts } } } }")["myCollection"]
    mine = next(a for h in after for a in h["accounts"]
                if a["accountNumber"] == target["accountNumber"] and a["principalName"] == target["principalName"])
    assert not mine["canRequestAgreement"]
    assert {"status": "REQUESTED", "parts": 4} in mine["agreements"]
    expect(account_card.get_by_role("button", name="Попросить рассрочку")).to_have_count(0)
    page.shot("collection-cabinet-agreement-requested")


OPERATOR = "operator@erc.demo"
CAMPAIGN_FIELDS = ("{ id name runs { month status totals { selected warned letters callListRows principalsDone } "
                   "files { title principalName url } } }")


def grouped(n: int) -> str:
    """A count as the page shows it: thousands apart by a non-breaking space."""
    return f"{n:,}".replace(",", "\u00a0")


def fetched(page, href: str) -> tuple[str, bytes]:
    """A link's file fetched by the page itself (its session; the principals' hosts resolve in the browser only):
    its type and bytes."""
    status, content_type, data = page.evaluate(
        """async (href) => {
            const response = await fetch(href, {credentials: "same-origin"});
            const bytes = new Uint8Array(await response.arrayBuffer());
            let binary = "";
            for (let i = 0; i < bytes.length; i += 0x8000) {
                binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            }
            return [response.status, response.headers.get("content-type") || "", btoa(binary)];
        }""",
        urljoin(page.url, href),
    )
    assert status == 200, (href, status)
    return content_type, base64.b64decode(data)


def test_operator_sees_the_debt_across_principals_and_runs_a_campaign(page, live):
    base = live.public
    sign_in(page, base, OPERATOR)
    overview = gql(page, base, "{ collectionOverview { principalId name debtors threshold "
                               "byStage { stage label count } } }")["collectionOverview"]
    with_debtors = [p for p in overview if p["debtors"]]
    assert len(with_debtors) >= 2, overview  # the demo puts debtors at every principal

    open_section(page, "Взыскание")
    card = page.locator(".ant-card").filter(has=page.get_by_text("Задолженность по принципалам", exact=True))
    expect(card.get_by_text("Должников всего")).to_be_visible()
    expect(card.locator(".ant-statistic").filter(has_text="Должников всего")).to_contain_text(
        grouped(sum(p["debtors"] for p in overview)))
    for principal in with_debtors:
        row = card.get_by_role("row").filter(has=page.get_by_role("link", name=principal["name"], exact=True))
        expect(row.get_by_role("cell", name=str(principal["debtors"]), exact=True).first).to_be_visible()
        for stage in principal["byStage"]:
            expect(row.get_by_text(f"{stage['label']}: {stage['count']}", exact=True)).to_be_visible()
    page.shot("collection-office-overview")

    # the demo's campaign: its rules, the demo month's run with its figures and the letters it printed
    demo = next(c for c in gql(page, base, f"{{ campaigns {CAMPAIGN_FIELDS} }}")["campaigns"] if c["name"] == CAMPAIGN)
    run = demo["runs"][0]
    assert run["status"] == "DONE" and run["totals"]["warned"] > 0 and run["files"], run
    page.get_by_role("link", name=CAMPAIGN, exact=True).click()
    expect(page.get_by_role("heading", name=f"Кампания «{CAMPAIGN}»", level=2)).to_be_visible()
    expect(page.get_by_text("Предупреждение заказным письмом", exact=True)).to_be_visible()
    run_card = page.locator(".ant-card-type-inner").first
    expect(run_card.get_by_text("Выполнен", exact=True)).to_be_visible()
    expect(run_card.locator(".ant-statistic").filter(has_text="Предупреждений")).to_contain_text(
        grouped(run["totals"]["warned"]))
    letters = next(f for f in run["files"] if f["url"] and f["title"].endswith("PDF"))
    link = run_card.get_by_role("link", name=f"{letters['title']} — {letters['principalName']}")
    expect(link).to_be_visible()
    content_type, data = fetched(page, link.get_attribute("href"))
    assert data.startswith(b"%PDF"), (content_type, data[:20])
    page.shot("collection-office-demo-campaign")

    # a new campaign: call lists for the debtors reminded or with no work yet; the API's refusal lands on its field
    name = f"Обзвон должников {secrets.token_hex(3)}"
    page.get_by_role("link", name="Ко взысканию").click()
    page.get_by_role("button", name="Новая кампания").click()
    dialog = page.get_by_role("dialog", name="Новая кампания")
    dialog.get_by_label("Название").fill(name)
    dialog.get_by_label("Только долг выше двух месячных начислений по нормативу (п.118 ПП 354)").uncheck()
    dialog.get_by_label("Стадии работы").click()
    page.get_by_title("Без работы", exact=True).click()
    page.get_by_title("Напоминание", exact=True).click()
    dialog.get_by_label("Название").click()  # the stages' list closes
    dialog.get_by_label("Предупреждение в ЕПД (п.119 «а»)").uncheck()
    dialog.get_by_label("Список для обзвона").check()
    dialog.get_by_label("Порядок запуска").click()
    page.get_by_title("Ежемесячно", exact=True).click()
    dialog.get_by_role("button", name="Сохранить").click()
    # no day of the month for a monthly run: the API refuses it, and the form shows why under the field
    run_day = dialog.locator(".ant-form-item").filter(has_text="День месяца (1–28)")
    expect(run_day.get_by_text("Для ежемесячного запуска укажите день месяца.")).to_be_visible()
    assert not [c for c in gql(page, base, "{ campaigns { name } }")["campaigns"] if c["name"] == name]
    page.shot("collection-office-campaign-form-error")
    dialog.get_by_label("День месяца (1–28)").fill("5")
    dialog.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", name=f"Кампания «{name}»", level=2)).to_be_visible()
    expect(page.get_by_text("Ежемесячно, 5-го числа")).to_be_visible()

    # «Запустить за месяц»: queued for the worker, then done with its figures and the call lists
    page.get_by_role("button", name="Запустить за месяц").click()
    expect(page.get_by_text(re.compile(r"Запуск за .+ поставлен в очередь"))).to_be_visible()
    run_card = page.locator(".ant-card-type-inner").first
    expect(run_card.get_by_text("Выполнен", exact=True)).to_be_visible(timeout=90_000)
    made = next(c for c in gql(page, base, f"{{ campaigns {CAMPAIGN_FIELDS} }}")["campaigns"] if c["name"] == name)
    assert len(made["runs"]) == 1, made
    totals = made["runs"][0]["totals"]
    assert totals["selected"] > 0 and totals["callListRows"] == totals["selected"], totals
    assert totals["warned"] == 0 and totals["letters"] == 0, totals
    expect(run_card.locator(".ant-statistic").filter(has_text="Отобрано должников")).to_contain_text(
        grouped(totals["selected"]))
    expect(run_card.locator(".ant-statistic").filter(has_text="В списке обзвона")).to_contain_text(
        grouped(totals["callListRows"]))
    calls = next(f for f in made["runs"][0]["files"] if f["url"] and f["title"].endswith("CSV"))
    link = run_card.get_by_role("link", name=f"{calls['title']} — {calls['principalName']}")
    _type, data = fetched(page, link.get_attribute("href"))
    assert data.strip(), calls
    page.shot("collection-office-campaign-run")


def test_principal_reads_the_collection_rates_and_exports_them(page, live):
    base = live.principal(PRINCIPAL)
    sign_in(page, base, ADMIN)
    today = date.today()
    month_from = f"{today.year - 1:04d}-{today.month:02d}-01"
    rates = gql(page, base, "query($a: Date!, $b: Date!) { collectionRates(monthFrom: $a, monthTo: $b) { "
                            "byMonth { month charged paid rate } byHouse { address rate } byAge { bucket } "
                            "campaigns { campaignName } } }",
                {"a": month_from, "b": f"{today:%Y-%m}-01"})["collectionRates"]
    assert rates["byMonth"] and rates["byHouse"] and rates["byAge"], rates

    open_section(page, "Собираемость")
    for chart in ("Диаграмма: начислено, оплачено и собираемость по месяцам",
                  "Диаграмма: задолженность на конец месяца", "Диаграмма: основной долг по давности возникновения"):
        expect(page.get_by_label(chart)).to_be_visible()
    by_month = page.locator(".ant-card").filter(has=page.get_by_text("Начислено и оплачено по месяцам", exact=True))
    last = rates["byMonth"][-1]
    rate = f"{last['rate'].replace('.', ',')}\u00a0%" if last["rate"] is not None else "—"
    # the table lists the months newest first
    expect(by_month.locator(".ant-table-tbody tr.ant-table-row").first).to_contain_text(rate)
    houses = page.locator(".ant-card").filter(has=page.get_by_text("Собираемость по домам", exact=True))
    worst = min(rates["byHouse"], key=lambda h: float(h["rate"] or 0))  # the page lists the lowest rate first
    expect(houses.locator(".ant-table-tbody tr.ant-table-row").first).to_contain_text(worst["address"])
    if rates["campaigns"]:  # the demo campaign touched this principal's debtors
        expect(page.get_by_label("Диаграмма: оплаты должников после кампаний за 30, 60 и 90 дней")).to_be_visible()
    page.shot("collection-principal-rates")

    # the month table in XLSX through a report job
    by_month.get_by_role("button", name="Excel: по месяцам").click()
    button = by_month.get_by_role("link", name=re.compile(r"Скачать "))
    expect(button).to_be_visible(timeout=60_000)
    _type, data = fetched(page, button.get_attribute("href"))
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    header = [c for c in next(sheet.iter_rows(values_only=True)) if c]
    assert "Собираемость, %" in header, header

    # «Должники»: the whole register in XLSX
    open_section(page, "Должники")
    page.get_by_role("button", name="Реестр должников в Excel").click()
    button = page.get_by_role("link", name=re.compile(r"Скачать "))
    expect(button).to_be_visible(timeout=60_000)
    _type, data = fetched(page, button.get_attribute("href"))
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    header = [c for c in next(sheet.iter_rows(values_only=True)) if c]
    assert "Порог п.118 ПП 354" in header, header
    page.shot("collection-principal-register-export")
