"""The web front end's page: served for page paths on every host, never for API paths."""

import json
import os
import re

import pytest
from django.test import Client

from agency.site import frontend

INDEX = (
    '<!doctype html><html lang="ru"><head><meta charset="UTF-8" />'
    '<script type="module" src="/static/app/assets/index-x.js"></script></head>'
    '<body><div id="root"></div></body></html>'
)


@pytest.fixture
def dist(tmp_path, settings):
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    settings.FRONTEND_DIST = tmp_path
    return tmp_path


def _config(response) -> dict:
    html = response.content.decode()
    match = re.search(r"window\.__APP_CONFIG__ = (\{.*?\});</script></head>", html)
    assert match, html
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_principal_host_gets_the_portal_and_public_host_the_cabinet(tenants, dist, principal_a):
    portal = Client(HTTP_HOST=tenants.a_host).get("/accounts/15")
    assert portal.status_code == 200
    assert portal["Content-Type"].startswith("text/html")
    assert portal["Cache-Control"] == "no-store"
    config = _config(portal)
    assert config["surface"] == "portal"
    assert config["principal"] == {"name": principal_a.short_name}

    public = Client(HTTP_HOST=tenants.public_host).get("/")
    config = _config(public)
    assert config["surface"] == "public"
    assert config["principal"] is None
    # only what the front end reads (src/shared/config.ts)
    assert set(config) == {"surface", "principal", "stripe"}
    assert set(config["stripe"]) == {"publishableKey", "jsUrl"}
    # the page sets the CSRF cookie the client's first mutation needs
    assert "csrftoken" in public.cookies


@pytest.mark.django_db
def test_api_paths_are_not_swallowed_by_the_page(tenants, dist):
    client = Client(HTTP_HOST=tenants.public_host)
    assert client.get("/health").json() == {"status": "ok"}
    assert client.post("/graphql", data={"query": "{ me { isAuthenticated } }"},
                       content_type="application/json").json()["data"]["me"]["isAuthenticated"] is False
    # an unknown upload kind is the upload view's 404, not the page
    response = client.post("/uploads/unknown-kind")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert client.get("/static/app/assets/missing.js").status_code == 404


@pytest.mark.django_db
def test_config_cannot_close_the_script_element(tenants, dist, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_</script><script>alert(1)</script>"
    html = Client(HTTP_HOST=tenants.public_host).get("/").content.decode()
    assert "</script><script>alert(1)" not in html
    assert _config(Client(HTTP_HOST=tenants.public_host).get("/"))["stripe"]["publishableKey"] == \
        settings.STRIPE_PUBLISHABLE_KEY


@pytest.mark.django_db
def test_missing_build_answers_503_in_russian(tenants, tmp_path, settings):
    settings.FRONTEND_DIST = tmp_path / "absent"
    response = Client(HTTP_HOST=tenants.public_host).get("/cabinet")
    assert response.status_code == 503
    assert "npm run build" in response.content.decode()
    assert "не собран" in response.content.decode()


def test_page_is_reread_when_the_build_changes(tmp_path, settings):
    settings.FRONTEND_DIST = tmp_path
    index = tmp_path / "index.html"
    index.write_text("<html><head></head>one</html>", encoding="utf-8")
    assert "one" in frontend._index_html()
    index.write_text("<html><head></head>two</html>", encoding="utf-8")
    os.utime(index, (index.stat().st_atime, index.stat().st_mtime + 5))
    assert "two" in frontend._index_html()
