"""A refused import keeps its upload row: the gateway rolls the mutation's transaction back (and with it every row
written in it), then writes the `upload:<kind>` row the import kept, with the kind, the file's name and the
refusal's codes, beside the failed mutation's own row."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.identity.models import AuditLog
from agency.identity.permissions import Perm
from tenants.billing.models import Reading
from tests import factories
from tests.graphql_api.test_uploads import meter  # noqa: F401 (the fixture: one meter UP-1 at A)
from tests.graphql_api.uploading import import_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.S3_BUCKET = ""
    return settings.MEDIA_ROOT


def _client(user, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def _key(client: Client, kind: str, name: str, data: bytes) -> str:
    stored = client.post(f"/uploads/{kind}", {"file": SimpleUploadedFile(name, data)})
    assert stored.status_code == 200, stored.content
    return stored.json()["key"]


def _graphql(client: Client, request: dict) -> dict:
    return client.post("/graphql", json.dumps(request), content_type="application/json").json()


def _import(client: Client, kind: str, name: str, data: bytes, **fields) -> dict:
    return _graphql(client, import_request(kind, _key(client, kind, name, data), fields))


def _rows(kind: str) -> list[tuple]:
    return [(a.variables, a.succeeded, a.error_codes)
            for a in AuditLog.objects.filter(operation=f"upload:{kind}").order_by("id")]


def test_refused_back_office_imports_keep_their_row_with_the_file_and_codes(tenants):
    operator = _client(factories.user(agent_role="operator"), tenants.public_host)

    no_layout = _import(operator, "payment-registry", "r.txt", b"1;2;3\n")["data"]["paymentRegistryImport"]
    bad_layout = _import(operator, "payment-registry", "r2.txt", b"1;2;3\n",
                         layout="no_such_bank")["data"]["paymentRegistryImport"]
    unreadable = _import(operator, "payout-confirmation", "s.txt", b"not a statement")["data"][
        "payoutConfirmationImport"]

    assert [e["code"] for e in no_layout["errors"]] == ["REQUIRED"]
    assert [(e["field"], e["code"]) for e in bad_layout["errors"]] == [("layout", "NOT_FOUND")]
    assert unreadable["errors"][0]["field"] == "statement"
    assert _rows("payment-registry") == [
        ({"filename": "r.txt", "layout": ""}, False, ["REQUIRED"]),
        ({"filename": "r2.txt", "layout": "no_such_bank"}, False, ["NOT_FOUND"]),
    ]
    assert _rows("payout-confirmation") == [
        ({"filename": "s.txt", "layout": ""}, False, [unreadable["errors"][0]["code"]])]
    # the failed mutations' own rows are there as before, without the file
    assert AuditLog.objects.filter(operation="Upload", succeeded=False).count() == 3


def test_a_refused_option_leaves_the_file_for_the_corrected_import(meter, principal_a, tenants):  # noqa: F811
    staff = _client(factories.staff(principal_a, permissions=[Perm.ACCOUNTS_MANAGE]), tenants.a_host)
    key = _key(staff, "opening-balances", "saldo.csv", "Лицевой счёт;Услуга;Сальдо\nU-1;cold;250,00\n".encode())

    bad_month = _graphql(staff, import_request("opening-balances", key, {"mode": "good_rows", "month": "мая"}))
    fixed = _graphql(staff, import_request("opening-balances", key, {"mode": "good_rows", "month": "2026-05-01"}))

    assert [(e["field"], e["code"]) for e in bad_month["data"]["openingBalancesImport"]["errors"]] == [
        ("month", "INVALID")]
    assert fixed["data"]["openingBalancesImport"]["errors"] == []
    assert _rows("opening-balances") == [({"filename": "saldo.csv", "layout": ""}, False, ["INVALID"]),
                                         ({"filename": "saldo.csv", "layout": ""}, True, [])]


def test_a_key_that_names_no_file_writes_no_upload_row(tenants):
    operator = _client(factories.user(agent_role="operator"), tenants.public_host)

    answer = _graphql(operator, import_request("payment-registry", "x" * 32, {}))["data"]["paymentRegistryImport"]

    assert [e["code"] for e in answer["errors"]] == ["REQUIRED"]
    assert _rows("payment-registry") == []
    assert AuditLog.objects.filter(operation="Upload", succeeded=False).count() == 1


def test_an_import_rolled_back_with_its_operation_is_recorded_as_failed(meter, principal_a, tenants):  # noqa: F811
    """Two imports in one operation: the readings load, the balances are refused; the transaction is rolled back,
    so the readings are not loaded either, and both rows say so."""
    staff = _client(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE, Perm.ACCOUNTS_MANAGE]),
                    tenants.a_host)
    day = timezone.localdate().strftime("%d.%m.%Y")
    readings = _key(staff, "readings", "r.csv", f"Заводской номер;Зона;Показание;Дата\nUP-1;1;15;{day}\n".encode())
    balances = _key(staff, "opening-balances", "saldo.csv", "Лицевой счёт;Услуга;Сальдо\nU-1;cold;1\n".encode())
    query = ("mutation($r: String!, $b: String!) { "
             "readingsImport(key: $r, mode: GOOD_ROWS) { batch { status } errors { code } } "
             "openingBalancesImport(key: $b, month: \"2026-13-01\") { batch { status } errors { code } } }")

    body = _graphql(staff, {"query": query, "variables": {"r": readings, "b": balances}})

    assert body["data"]["readingsImport"]["batch"]["status"] == "LOADED"
    assert [e["code"] for e in body["data"]["openingBalancesImport"]["errors"]] == ["INVALID"]
    with tenant_context(principal_a):
        assert Reading.objects.count() == 0
    assert _rows("readings") == [({"filename": "r.csv", "layout": ""}, False, ["INVALID"])]
    assert _rows("opening-balances") == [({"filename": "saldo.csv", "layout": ""}, False, ["INVALID"])]


def test_an_import_that_fails_keeps_its_row_with_the_internal_error(meter, principal_a, tenants,  # noqa: F811
                                                                    monkeypatch):
    import graphql_api.imports.mutations as mutations

    def broken(**_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(mutations, "readings_import", broken)
    staff = _client(factories.staff(principal_a, permissions=[Perm.READINGS_MANAGE]), tenants.a_host)

    body = _import(staff, "readings", "r.csv", b"x", mode="good_rows")

    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert _rows("readings") == [({"filename": "r.csv", "layout": ""}, False, ["INTERNAL_ERROR"])]
