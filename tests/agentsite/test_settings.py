"""Production settings switch off GraphiQL and introspection and demand a secret key; DEBUG is off unless
development asks for it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys; sys.path[:0] = ['.', 'platform'];"
    "from django.conf import settings;"
    "print(settings.DEBUG, settings.GRAPHQL_INTROSPECTION, settings.GRAPHQL_GRAPHIQL, settings.SESSION_COOKIE_SECURE)"
)


def _settings_in(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "agency.site.settings", **env_overrides})
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_turns_off_graphiql_and_introspection():
    result = _settings_in({"APP_ENV": "production", "DJANGO_SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "True"]


def test_development_keeps_them_on_with_debug_off():
    result = _settings_in({"APP_ENV": "development", "DJANGO_DEBUG": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "False"]


def test_debug_only_when_development_asks_for_it():
    asked = _settings_in({"APP_ENV": "development", "DJANGO_DEBUG": "1"})
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.split()[0] == "True"
    production = _settings_in({"APP_ENV": "production", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_DEBUG": "1"})
    assert production.returncode == 0, production.stderr
    assert production.stdout.split()[0] == "False"


def test_production_without_secret_key_refuses_to_start():
    result = _settings_in({"APP_ENV": "production"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_health_answers_without_any_host_configured(db):
    from django.test import Client

    response = Client(HTTP_HOST="not-configured.localhost").get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
