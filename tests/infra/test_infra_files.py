"""Static checks of the container files: infra/Dockerfile and infra/compose.yaml.

No container engine is needed: the compose file is read as YAML (anchors and merge keys
resolved) and the Dockerfile as instructions.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
APP_SERVICES = {"web", "worker", "beat", "migrate"}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = (INFRA / "Dockerfile").read_text(encoding="utf-8")
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    pairs = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        pairs.append((keyword.upper(), args.strip()))
    return pairs


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((INFRA / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def test_compose_has_every_service(services):
    assert {"web", "worker", "beat", "migrate", "postgres", "redis"} <= set(services)


def test_compose_app_services_share_one_image(services):
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert build["dockerfile"] == "infra/Dockerfile"
        assert (INFRA / build["context"] / build["dockerfile"]).resolve() == (INFRA / "Dockerfile").resolve()


def test_compose_backing_images(services):
    assert services["postgres"]["image"].split(":")[1].startswith("15")
    assert services["redis"]["image"].split(":")[1].startswith("7")


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_compose_app_service_environment(services, name):
    env = services[name]["environment"]
    assert isinstance(env, dict), "environment must be a mapping"
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SECRET_KEY", "PUBLIC_HOST"):
        assert env.get(key), f"{name} lacks {key}"
    assert env["APP_ENV"] == "production"
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
    # Secrets come from the operator's environment, never from the file.
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_compose_long_running_services_wait_for_migrate(services, name):
    depends = services[name]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["redis"]["condition"] == "service_healthy"


def test_compose_migrate_is_one_shot(services):
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate_platform"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_celery_commands(services):
    assert services["worker"]["command"][:4] == ["celery", "-A", "agency.site", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "agency.site", "beat"]


def test_compose_healthchecks(services):
    for name in ("postgres", "redis", "worker", "beat"):
        test = services[name]["healthcheck"]["test"]
        assert test[0] in {"CMD", "CMD-SHELL"}, name
    # web inherits the image's HEALTHCHECK; it must not switch it off.
    assert "healthcheck" not in services["web"] or not services["web"]["healthcheck"].get("disable")


def test_compose_named_volumes_are_declared(compose, services):
    declared = set(compose["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_dockerfile_base_image_is_pinned():
    pairs = dockerfile_instructions()
    args = dict(a.split("=", 1) for k, a in pairs if k == "ARG" and "=" in a)
    froms = [a.split()[0] for k, a in pairs if k == "FROM"]
    assert len(froms) >= 2, "multi-stage build expected"
    for image in froms:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        name, _, tag = image.partition(":")
        assert name == "python" and tag.startswith("3.11") and "slim" in tag, image


def test_dockerfile_installs_the_lock_into_a_venv():
    pairs = dockerfile_instructions()
    copies = [a for k, a in pairs if k == "COPY"]
    runs = " ".join(a for k, a in pairs if k == "RUN")
    assert any(a.split()[0] == "requirements.lock" for a in copies)
    assert "python -m venv /opt/venv" in runs
    assert "-r /tmp/requirements.lock" in runs
    assert re.search(r"GUNICORN_VERSION=\d+\.\d+\.\d+", " ".join(a for k, a in pairs if k == "ARG"))


def test_the_image_and_the_run_command_serve_with_the_same_gunicorn():
    args = dict(a.split("=", 1) for k, a in dockerfile_instructions() if k == "ARG" and "=" in a)
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    assert f"gunicorn=={args['GUNICORN_VERSION']}" in lock
    assert f'"gunicorn=={args["GUNICORN_VERSION"]}"' in (ROOT / "pyproject.toml").read_text()


def test_dockerfile_runs_as_non_root():
    users = [a for k, a in dockerfile_instructions() if k == "USER"]
    assert users, "no USER instruction"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_environment():
    env = " ".join(a for k, a in dockerfile_instructions() if k == "ENV")
    assert "PYTHONPATH=/app:/app/platform" in env
    assert "DJANGO_SETTINGS_MODULE=agency.site.settings" in env
    assert "APP_ENV=production" in env


def test_dockerfile_healthcheck_sends_the_public_host():
    checks = [a for k, a in dockerfile_instructions() if k == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/health" in checks[0] and "'Host'" in checks[0] and "PUBLIC_HOST" in checks[0]


def test_dockerfile_copies_every_top_level_package():
    copied = {a.split()[0].rstrip("/") for k, a in dockerfile_instructions() if k == "COPY" and "--from" not in a}
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages <= copied, f"not copied into the image: {packages - copied}"
    assert "platform" in copied and "manage.py" in copied


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, str(INFRA / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
