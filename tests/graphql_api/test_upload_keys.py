"""A file is uploaded once for a key (POST /uploads/<kind>) and imported by the kind's mutation with that key: the
key is the caller's alone (another principal's staff, another user or API key of the same principal find nothing
under it), it is taken once, it expires, and it is for its own kind of import only."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.identity.models import AuditLog
from agency.identity.permissions import Perm
from tenants.billing.models import ImportBatch, Reading
from tests import factories
from tests.graphql_api.test_uploads import meter  # noqa: F401 (the fixture: one meter UP-1 at A)

IMPORT = ("mutation($key: String!, $mode: ImportMode) { readingsImport(key: $key, mode: $mode) "
          "{ batch { id status rowsLoaded errors { line field code } } errors { field code message } } }")
OWN_IMPORT = ("mutation($key: String!) { ownReceiptsImport(key: $key, mode: VALIDATE) "
              "{ batch { id } errors { field code } } }")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.S3_BUCKET = ""
    return Path(settings.MEDIA_ROOT)


def _file() -> SimpleUploadedFile:
    day = timezone.localdate().strftime("%d.%m.%Y")
    text = f"Заводской номер;Зона;Показание;Дата\nUP-1;1;15;{day}\n"
    return SimpleUploadedFile("r.csv", text.encode("cp1251"), content_type="text/csv")


def _store(client: Client, kind: str = "readings", **headers):
    return client.post(f"/uploads/{kind}", {"file": _file()}, **headers)


def _import(client: Client, key: str, query: str = IMPORT, **headers) -> dict:
    response = client.post("/graphql", {"query": query, "variables": {"key": key, "mode": "GOOD_ROWS"}},
                           content_type="application/json", **headers)
    return response.json()


def _readings(principal) -> int:
    with tenant_context(principal):
        return Reading.objects.count()


def test_the_key_imports_the_file_once(meter, principal_a, tenants, media):  # noqa: F811
    staff = Client(HTTP_HOST=tenants.a_host)
    staff.force_login(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE]))

    stored = _store(staff)
    key = stored.json()["key"]
    first = _import(staff, key)["data"]["readingsImport"]
    again = _import(staff, key)["data"]["readingsImport"]

    assert (stored.status_code, set(stored.json())) == (200, {"key"})
    assert len(key) >= 32
    assert (first["errors"], first["batch"]["status"], first["batch"]["rowsLoaded"]) == ([], "LOADED", 1)
    assert (again["batch"], [(e["field"], e["code"]) for e in again["errors"]]) == (None, [("key", "NOT_FOUND")])
    assert _readings(principal_a) == 1
    assert not [p for p in media.rglob("*") if p.is_file()]  # the stored file is gone once taken
    audit = AuditLog.objects.get(operation="upload:readings")
    assert (audit.variables, audit.succeeded) == ({"filename": "r.csv", "layout": ""}, True)


def test_nobody_else_can_use_the_key_and_the_owner_still_can(meter, principal_a, principal_b, tenants):  # noqa: F811
    owner = Client(HTTP_HOST=tenants.a_host)
    owner.force_login(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE]))
    key = _store(owner).json()["key"]
    colleague = Client(HTTP_HOST=tenants.a_host)
    colleague.force_login(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE]))
    foreign = Client(HTTP_HOST=tenants.b_host)
    foreign.force_login(factories.staff(principal_b, permissions=[Perm.READINGS_MANAGE]))
    api_key = factories.api_key(principal_a, [Perm.READINGS_MANAGE])

    attempts = {
        "another user of the principal": _import(colleague, key),
        "another principal's staff": _import(foreign, key),
        "an API key of the principal": _import(Client(), key, HTTP_HOST=tenants.a_host,
                                               HTTP_AUTHORIZATION=f"Bearer {api_key}"),
    }

    for who, body in attempts.items():
        payload = body["data"]["readingsImport"]
        assert (payload["batch"], [(e["field"], e["code"]) for e in payload["errors"]]) == (
            None, [("key", "NOT_FOUND")]), who
    assert (_readings(principal_a), _readings(principal_b)) == (0, 0)
    with tenant_context(principal_b):
        assert not ImportBatch.objects.exists()
    # none of them used the key up: its owner imports the file
    assert _import(owner, key)["data"]["readingsImport"]["batch"]["status"] == "LOADED"
    assert _readings(principal_a) == 1


def test_agent_staff_keys_are_their_own(tenants):
    operator, other = factories.user(agent_role="operator"), factories.user(agent_role="operator")
    mine, theirs = Client(HTTP_HOST=tenants.public_host), Client(HTTP_HOST=tenants.public_host)
    mine.force_login(operator)
    theirs.force_login(other)
    key = _store(mine, "bank-statement").json()["key"]
    query = "mutation($key: String!) { bankStatementImport(key: $key) { paymentImport { id } errors { field code } } }"

    answered = theirs.post("/graphql", {"query": query, "variables": {"key": key}}, content_type="application/json")

    assert answered.json()["data"]["bankStatementImport"] == {"paymentImport": None,
                                                              "errors": [{"field": "key", "code": "NOT_FOUND"}]}


def test_a_key_is_for_its_own_kind_and_expires(meter, principal_a, tenants, monkeypatch):  # noqa: F811
    staff = Client(HTTP_HOST=tenants.a_host)
    staff.force_login(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE, Perm.PAYMENTS_MANAGE]))

    other_kind = _import(staff, _store(staff).json()["key"], OWN_IMPORT)["data"]["ownReceiptsImport"]
    late_key = _store(staff).json()["key"]
    monkeypatch.setattr("graphql_api.imports.staged.KEY_SECONDS", -1)
    late = _import(staff, late_key)["data"]["readingsImport"]
    made_up = _import(staff, "x" * 32)["data"]["readingsImport"]

    for payload in (other_kind, late, made_up):
        assert (payload["batch"], payload["errors"][0]["field"], payload["errors"][0]["code"]) == (
            None, "key", "NOT_FOUND")
    assert _readings(principal_a) == 0


def test_the_upload_asks_what_graphql_asks_and_keeps_the_size_cap(principal_a, tenants, monkeypatch):
    resident = Client(HTTP_HOST=tenants.public_host)
    resident.force_login(factories.user(is_resident=True))
    csrf = Client(HTTP_HOST=tenants.a_host, enforce_csrf_checks=True)
    csrf.force_login(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE]))
    staff = Client(HTTP_HOST=tenants.a_host)
    staff.force_login(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE]))

    anonymous = _store(Client(HTTP_HOST=tenants.a_host))
    foreign_key = _store(Client(), HTTP_HOST=tenants.b_host,
                         HTTP_AUTHORIZATION=f"Bearer {factories.api_key(principal_a, [Perm.READINGS_MANAGE])}")
    no_csrf = _store(csrf)
    by_resident = _store(resident)
    unknown = _store(staff, "everything")
    no_file = staff.post("/uploads/readings", {})
    monkeypatch.setattr("graphql_api.uploads.MAX_UPLOAD_BYTES", 10)
    too_large = _store(staff)

    def code(response):
        body = response.json()["errors"][0]
        return body.get("code") or body["extensions"]["code"]

    assert {name: (r.status_code, code(r)) for name, r in {
        "anonymous": anonymous, "foreign_key": foreign_key, "no_csrf": no_csrf, "by_resident": by_resident,
        "unknown": unknown, "no_file": no_file, "too_large": too_large}.items()} == {
        "anonymous": (401, "UNAUTHENTICATED"), "foreign_key": (403, "FOREIGN_PRINCIPAL"),
        "no_csrf": (403, "CSRF_FAILED"), "by_resident": (403, "PERMISSION_DENIED"), "unknown": (404, "NOT_FOUND"),
        "no_file": (400, "REQUIRED"), "too_large": (413, "QUERY_TOO_LARGE")}
