"""Errors answer with the Russian pages of agency.site.views: an unknown host is a 404 (never Django's 400 for a host
outside ALLOWED_HOSTS), a failing view a 500, and neither shows settings, a traceback or the exception; the API
answers in its JSON error shape, also with DEBUG on."""

import pytest
from django.test import Client

from tests.agentsite.failing_urls import SECRET_MARK, failing

ME = "{ me { isAuthenticated } }"
# what Django's debug pages and English defaults would show
LEAKS = ("Traceback", "SECRET_KEY", "DATABASES", "Page not found", "Server Error", "Bad Request", "DisallowedHost",
         "settings.py", "urlpatterns", SECRET_MARK)


def assert_russian_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert heading in html
    for leak in LEAKS:
        assert leak not in html, leak
    return html


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.agentsite.failing_urls"
    settings.PUBLIC_SCHEMA_URLCONF = "tests.agentsite.failing_urls"


def test_unknown_principal_host_gets_the_russian_404(tenants):
    response = Client(HTTP_HOST="nobody.localhost").get("/accounts")
    html = assert_russian_page(response, 404, "Страница не найдена")
    assert "nobody" not in html


@pytest.mark.parametrize("host", ["evil.example.com", "127.0.0.1", "localhost.evil.example"])
def test_host_outside_allowed_hosts_gets_the_russian_404_not_a_400(tenants, host):
    response = Client(HTTP_HOST=host).get("/")
    assert_russian_page(response, 404, "Страница не найдена")


def test_unknown_host_on_the_api_answers_json_not_found(tenants):
    response = Client(HTTP_HOST="evil.example.com").post("/graphql", data={"query": ME},
                                                         content_type="application/json")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_failing_page_gets_the_russian_500_without_details(tenants, failing_urls, settings):
    assert settings.DEBUG is False
    response = Client(HTTP_HOST=tenants.public_host, raise_request_exception=False).get("/broken-page")
    assert_russian_page(response, 500, "Ошибка на сервере")


def test_a_failing_page_on_a_principal_host_gets_the_same_page(tenants, failing_urls):
    response = Client(HTTP_HOST=tenants.a_host, raise_request_exception=False).get("/broken-page")
    assert_russian_page(response, 500, "Ошибка на сервере")


@pytest.mark.parametrize("debug", [False, True])
def test_a_failing_upload_view_answers_json_without_a_traceback(tenants, failing_urls, settings, debug):
    settings.DEBUG = debug
    response = Client(HTTP_HOST=tenants.a_host, raise_request_exception=False).post("/uploads/broken")
    assert response.status_code == 500
    assert response.json() == {"errors": [{"message": "Внутренняя ошибка сервера.",
                                           "extensions": {"code": "INTERNAL_ERROR"}}]}


@pytest.mark.parametrize("debug", [False, True])
def test_graphql_never_returns_a_traceback(tenants, settings, monkeypatch, debug):
    settings.DEBUG = debug
    client = Client(HTTP_HOST=tenants.public_host, raise_request_exception=False)

    # in a resolver: the field's error, INTERNAL_ERROR
    monkeypatch.setattr("graphql_api.identity.schema.me_of", failing)
    response = client.post("/graphql", data={"query": ME}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert SECRET_MARK not in response.content.decode() and "Traceback" not in response.content.decode()

    # in the view itself, outside any resolver: still the API's shape, a 500
    monkeypatch.setattr("graphql_api.view.documents.get", failing)
    response = client.post("/graphql", data={"query": ME}, content_type="application/json")
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert SECRET_MARK not in response.content.decode() and "Traceback" not in response.content.decode()


def test_csrf_failure_is_russian_and_gives_no_reason(tenants, settings):
    response = Client(HTTP_HOST=tenants.public_host, enforce_csrf_checks=True).post("/auth/csrf")
    html = assert_russian_page(response, 403, "Доступ запрещён")
    assert "CSRF cookie not set" not in html


def test_graphiql_stays_on_in_development_with_debug_off(tenants, settings):
    assert settings.DEBUG is False and settings.GRAPHQL_GRAPHIQL is True
    response = Client(HTTP_HOST=tenants.public_host).get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()
