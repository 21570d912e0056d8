"""The residents' cabinet end to end: a new resident signs up, links a demo household by its ЕЛС and the code
from the ЕПД, submits a meter reading, pays the ЕПД by card through the gateway's card form (localstripe), and
the money reaches the principal: its share is on the principal portal's payments page and in a payout.
The ЕПД page is checked on a phone as well."""

import json
import re
import secrets
from datetime import datetime, time
from decimal import Decimal

import psycopg
from playwright.sync_api import expect

from agency.demo.seed import DEMO_PASSWORD
from tenants.residents.link_code import link_code
from tests.e2e import stack as e2e

PRINCIPAL = "uk-demo"
PRINCIPAL_SCHEMA = "uk_demo"
PRINCIPAL_NAME = "УК «Северный квартал»"
PRINCIPAL_ADMIN = "admin@uk-demo.demo"
OPERATOR = "operator@erc.demo"
TEST_CARD = "4242424242424242"
RESIDENT_PASSWORD = "Kabinet-Test-2026!"


def quantity_text(value: Decimal) -> str:
    """A reading as the cabinet prints it: "1234,5" (no trailing zeros, no grouping)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def money_re(amount: Decimal) -> re.Pattern:
    """The amount as the front end prints it: "2 406,47" with any spaces between the groups."""
    whole, frac = f"{amount:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return re.compile(r"[\s\u00a0\u202f]?".join(groups) + "," + frac)


# --- the live database, read directly (the ORM of this process points at the test database) ---------------


def db_row(live, sql: str, params=()):
    with psycopg.connect(live.database_url) as conn:
        return conn.execute(sql, params).fetchone()


def household_to_link(live):
    """A demo household with a current ЕПД, no resident yet, and a single-zone meter at the principal."""
    return db_row(live, f"""
        SELECT ua.number, e.id, e.total_due, m.serial, m.id,
               COALESCE((SELECT MAX(r.value) FROM {PRINCIPAL_SCHEMA}.billing_reading r WHERE r.meter_id = m.id), 0)
        FROM documents_epd e
        JOIN registry_unifiedaccount ua ON ua.id = e.unified_account_id
        JOIN {PRINCIPAL_SCHEMA}.billing_personalaccount a ON a.unified_account_id = ua.id
        JOIN {PRINCIPAL_SCHEMA}.billing_meter m ON m.account_id = a.id AND m.archived_at IS NULL AND m.zones = 1
        WHERE e.is_current AND e.total_due > 0
          AND ua.id NOT IN (SELECT unified_account_id FROM cabinet_residentlink)
          AND ua.id NOT IN (SELECT unified_account_id FROM payments_payment WHERE unified_account_id IS NOT NULL)
        ORDER BY ua.number LIMIT 1""")


# --- GraphQL with a signed-in session of its own (a separate browser context) ------------------------------


class Api:
    """GraphQL from a page of its own browser context (Chromium resolves *.localhost; Playwright's request
    client does not), with the session cookie and the CSRF token as the front end sends them."""

    def __init__(self, browser, base: str, email: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        # the CSRF cookie is set by the page itself before anything else asks for it: on a page without one,
        # Chromium's own /favicon.ico request (answered by the front end, which sets a cookie of its own) raced the
        # helper's /auth/csrf, and the token read from the cookie jar no longer matched the cookie sent
        self.page.goto(base + "/auth/csrf")
        result = self.q("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { errors { message } } }",
                        e=email, p=DEMO_PASSWORD)
        assert result["data"]["login"]["errors"] == [], result

    def q(self, query: str, **variables):
        body = e2e.page_graphql(self.page, query, **variables)
        assert not body.get("errors"), body
        return body

    def close(self):
        self.context.close()


def sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def test_resident_signs_up_links_submits_a_reading_pays_and_the_principal_is_paid(page, phone_page, browser, live):
    els, document_id, total_due, serial, _meter_id, previous = household_to_link(live)
    email = f"cabinet-{secrets.token_hex(4)}@mail.test"

    # the principal's readings window is open all month (the demo's 20–25 may be closed on the test day)
    admin = Api(browser, live.principal(PRINCIPAL), PRINCIPAL_ADMIN)
    updated = admin.q("mutation { workspaceSettingsUpdate(input: {readingsWindowStartDay: 1, readingsWindowEndDay: 31})"
                      " { errors { field message } } }")
    assert updated["data"]["workspaceSettingsUpdate"]["errors"] == []
    admin.close()

    # --- sign up ---
    page.goto(live.public + "/")
    page.get_by_role("link", name="Зарегистрироваться").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(RESIDENT_PASSWORD)
    page.get_by_label("ФИО").fill("Тестов Тест Тестович")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_text("Проверьте почту")).to_be_visible()

    # --- confirm the address by the e-mailed link, with the password chosen at sign-up ---
    link = live.mail_link(email, "/signup/confirm/")
    assert link.startswith(live.public + "/signup/confirm/"), link
    page.goto(link)
    page.get_by_label("Пароль").fill(RESIDENT_PASSWORD)
    page.get_by_role("button", name="Подтвердить и войти").click()
    expect(page.get_by_role("heading", name="Мои счета")).to_be_visible()

    # --- link the household: a wrong code first, then the one printed on the ЕПД ---
    page.get_by_label("ЕЛС", exact=True).fill(els)
    page.get_by_label("Код с ЕПД").fill("AAAA-AAAA")
    page.get_by_role("button", name="Подключить").click()
    expect(page.get_by_text("Неверный код подключения")).to_be_visible()
    page.get_by_label("Код с ЕПД").fill(link_code(els).lower())
    page.get_by_role("button", name="Подключить").click()
    household = page.get_by_label(f"Лицевой счёт {els}")
    expect(household).to_be_visible()
    expect(household.get_by_text(money_re(total_due)).first).to_be_visible()

    # --- the ЕПД ---
    household.get_by_role("button", name="Открыть ЕПД").click()
    expect(page).to_have_url(re.compile(rf"/documents/{document_id}$"))
    expect(page.get_by_role("heading", name=re.compile("^ЕПД за "))).to_be_visible()
    expect(page.get_by_text(PRINCIPAL_NAME).first).to_be_visible()
    expect(page.get_by_role("button", name="Скачать PDF")).to_be_visible()
    page.shot("cabinet-epd")

    # --- a meter reading: below the last one is refused with the reason, above it is accepted ---
    menu = page.get_by_role("navigation", name="Главное меню")
    menu.get_by_role("menuitem", name="Показания").click()
    meter = page.get_by_label(f"Прибор учёта {serial}")
    expect(meter).to_be_visible()
    expect(meter.get_by_text("Показания принимаются с 1 по 31 число")).to_be_visible()
    if previous > 0:
        expect(meter.get_by_test_id("last-reading")).to_have_text(quantity_text(previous))
    else:
        expect(meter.get_by_text("показаний ещё не было")).to_be_visible()
    if previous > 0:
        meter.get_by_label("Показание").fill(str(max(Decimal(0), previous - 1)))
        meter.get_by_role("button", name="Передать показания").click()
        expect(meter.get_by_text("меньше предыдущего")).to_be_visible()
    value = previous + 7
    meter.get_by_label("Показание").fill(f"{value}".replace(".", ","))
    meter.get_by_role("button", name="Передать показания").click()
    expect(meter.get_by_text(re.compile(r"Показания за .* приняты"))).to_be_visible()

    # --- pay the ЕПД by card ---
    menu.get_by_role("menuitem", name="Мои счета").click()
    page.get_by_label(f"Лицевой счёт {els}").get_by_role("button", name="Оплатить").click()
    expect(page.get_by_role("heading", name="Оплата картой")).to_be_visible()
    page.get_by_role("button", name="Перейти к оплате").click()
    card = page.get_by_role("group", name="Данные карты")
    card.get_by_placeholder("number").fill(TEST_CARD)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("150000")
    page.shot("cabinet-payment")
    page.get_by_role("button", name=re.compile("^Оплатить ")).click()
    expect(page.get_by_text("Оплата прошла")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("paid-amount")).to_have_text(money_re(total_due))
    page.shot("cabinet-payment-success")

    # --- history and charts ---
    menu.get_by_role("menuitem", name="История и графики").click()
    expect(page.get_by_role("img", name="График расходов по услугам и месяцам")).to_be_visible()
    expect(page.get_by_role("img", name="График потребления по услугам и месяцам")).to_be_visible()
    page.shot("cabinet-history-charts")
    page.get_by_role("tab", name="Платежи").click()
    expect(page.get_by_text("Картой онлайн").first).to_be_visible()
    assert page.watch.problems() == []

    # --- the agent allocates the day's card payment among the payees ---
    (payment_id,) = db_row(live, "SELECT id FROM payments_payment WHERE unified_account_id = "
                                       "(SELECT id FROM registry_unifiedaccount WHERE number = %s) "
                                       "AND channel = 'card_online'", [els])
    operator = Api(browser, live.public, OPERATOR)
    allocated = operator.q("mutation($ids: [ID!]) { paymentsAllocate(paymentIds: $ids) { errors { message } "
                           "paymentsCount } }", ids=[str(payment_id)])
    assert allocated["data"]["paymentsAllocate"]["errors"] == []
    share, account_number = db_row(
        live, "SELECT SUM(amount), MIN(account_number) FROM payments_allocation "
              "WHERE payment_id = %s AND principal_id = (SELECT id FROM tenants_principal WHERE schema_name = %s)",
        [payment_id, PRINCIPAL_SCHEMA])
    assert share and share > 0

    # --- what is owed moves at once: the household paid its whole ЕПД, so nothing is left to pay ---
    menu.get_by_role("menuitem", name="Мои счета").click()
    page.reload()
    expect(page.get_by_label(f"Лицевой счёт {els}").get_by_test_id("amount-due")).to_have_text(money_re(Decimal(0)))

    # --- the principal sees its share among the payments received ---
    portal = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": 1366, "height": 900})
    ppage = portal.new_page()
    ppage.goto(live.principal(PRINCIPAL) + f"/payments?account={account_number}")
    sign_in(ppage, PRINCIPAL_ADMIN, DEMO_PASSWORD)
    expect(ppage.get_by_role("main").get_by_text(money_re(share)).first).to_be_visible()
    portal.close()

    # --- and the next working day's payout covers the allocation ---
    # A payout for day D takes the allocations up to D − 1 and is never built before D, so the payment's
    # payout lies in the future when the test runs. The build is the one the schedule runs at 07:00 of that
    # working day (payouts_build_task without a date), run in a process whose clock libfaketime moves to
    # that morning; nothing else about the stack is changed.
    day = live.next_payout_day()
    built = json.loads(live.manage_output(
        "shell", "-c", "import json; from agency.payments.payouts.tasks import payouts_build_task; "
                       "print(json.dumps(payouts_build_task(), default=str))",
        at=datetime.combine(day, time(7, 5))).strip().splitlines()[-1])
    assert built, built
    payout_id, allocated_on = db_row(
        live, "SELECT MIN(payout_id), MAX(allocated_on) FROM payments_allocation WHERE payment_id = %s "
              "AND principal_id = (SELECT id FROM tenants_principal WHERE schema_name = %s)",
        [payment_id, PRINCIPAL_SCHEMA])
    assert payout_id, f"the payouts of {day} do not cover the card payment's allocation ({built})"
    business_day, covers_to = db_row(live, "SELECT business_day, covers_to FROM payments_payout WHERE id = %s",
                                     [payout_id])
    assert business_day == day and allocated_on <= covers_to, (business_day, covers_to, allocated_on)
    payouts = operator.q("query($d: Date!) { payouts(businessDay: $d) { nodes { id principalName gross } } }",
                         d=day.isoformat())["data"]["payouts"]["nodes"]
    mine = next(p for p in payouts if p["id"] == str(payout_id))
    assert mine["principalName"] == PRINCIPAL_NAME
    assert Decimal(mine["gross"]) >= share
    operator.close()

    # --- the ЕПД on a phone ---
    phone = phone_page
    phone.goto(live.public + f"/documents/{document_id}")
    sign_in(phone, email, RESIDENT_PASSWORD)
    expect(phone.get_by_role("heading", name=re.compile("^ЕПД за "))).to_be_visible()
    expect(phone.get_by_role("button", name="Оплатить")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the ЕПД page scrolls sideways on a phone ({width} px)"
    phone.shot("cabinet-phone-epd")
    assert phone.watch.problems() == []

