"""Debt collection in Chromium over the demo (agency.demo.collection puts debtors in every stage): the principal's
administrator opens «Должники», sees the register's summary with debtors in several stages of work, filters by a
stage and opens a card in court with its case and events; the resident resident2 sees their warnings or
agreements in «Задолженность» and asks for an installment agreement, which the principal's card then shows as
requested by the resident. Screenshots go to tests/e2e/artifacts/collection-*.png."""

import re

from playwright.sync_api import expect

from agency.demo.collection import RESIDENT
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
