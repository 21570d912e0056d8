"""The web front end loads in Chromium on the agent's host and on a principal's host, and a principal's
administrator signs in to the portal (desktop and phone)."""

from playwright.sync_api import expect

from agency.demo.seed import DEMO_PASSWORD

PRINCIPAL = "uk-demo"
PRINCIPAL_NAME = "УК «Северный квартал»"
ADMIN = "admin@uk-demo.demo"


def login_form_visible(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_label("Электронная почта")).to_be_visible()
    expect(page.get_by_label("Пароль")).to_be_visible()
    expect(page.get_by_role("button", name="Войти")).to_be_visible()


def sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def test_public_host_shows_the_login_page(page, live):
    page.goto(live.public + "/")

    login_form_visible(page)
    expect(page.get_by_text("Личный кабинет и рабочее место оператора")).to_be_visible()
    page.shot("smoke-public-login")
    assert page.watch.problems() == []


def test_principal_admin_signs_in_and_sees_the_main_menu(page, live):
    page.goto(live.principal(PRINCIPAL) + "/")
    login_form_visible(page)
    # the host's settings injected by the server name the principal
    expect(page.get_by_role("heading", name=PRINCIPAL_NAME)).to_be_visible()

    sign_in(page, ADMIN, DEMO_PASSWORD)

    menu = page.get_by_role("navigation", name="Главное меню")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem").first).to_be_visible()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    expect(page.get_by_text(f"Администратор {PRINCIPAL_NAME}")).to_be_visible()  # the demo admin's full name
    expect(page.get_by_label("Пароль")).to_have_count(0)
    page.shot("smoke-portal-menu")
    assert page.watch.problems() == []


def test_wrong_password_keeps_the_login_form_with_an_error(page, live):
    page.goto(live.principal(PRINCIPAL) + "/")

    sign_in(page, ADMIN, "not-the-password")

    # the server's field error, shown under the e-mail field
    expect(page.get_by_text("Неверный e-mail или пароль.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Главное меню")).to_have_count(0)
    login_form_visible(page)


def test_principal_portal_on_a_phone_opens_the_menu_from_the_header(phone_page, live):
    page = phone_page
    page.goto(live.principal(PRINCIPAL) + "/")
    login_form_visible(page)

    sign_in(page, ADMIN, DEMO_PASSWORD)
    page.get_by_role("button", name="Открыть меню").click()

    menu = page.get_by_role("navigation", name="Главное меню")
    expect(menu.get_by_role("menuitem").first).to_be_in_viewport(ratio=1)
    page.shot("smoke-portal-phone-menu")
    assert page.watch.problems() == []
