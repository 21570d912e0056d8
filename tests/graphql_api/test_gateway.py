"""The gateway: host routing, credentials, CSRF, request guards, typed errors, audit."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agency.identity.models import ApiKey, AuditLog
from agency.identity.permissions import Perm, PrincipalRole
from tests import factories
from tests.conftest import error_codes

ME = "{ me { isAuthenticated email apiKeyName permissions } }"


def test_unknown_host_gets_404_and_no_data(tenants):
    response = Client(HTTP_HOST="nobody.localhost").post(
        "/graphql", data={"query": ME}, content_type="application/json"
    )
    assert response.status_code == 404
    assert b"isAuthenticated" not in response.content


def test_own_key_sees_own_principal_and_foreign_key_is_refused(tenants, principal_a, principal_b, gql):
    key_a = factories.api_key(principal_a, [Perm.SETTINGS_VIEW])
    key_b = factories.api_key(principal_b, [Perm.SETTINGS_VIEW])
    query = "{ currentPrincipal { shortName } workspaceSettings { paymentDueDay } }"

    own = gql(tenants.a_host, api_key=key_a)(query)
    foreign = gql(tenants.a_host, api_key=key_b)(query)

    assert own["data"]["currentPrincipal"]["shortName"] == principal_a.short_name
    assert foreign["_status"] == 403
    assert error_codes(foreign) == ["FOREIGN_PRINCIPAL"]
    assert "data" not in foreign


@pytest.mark.parametrize(
    ("header", "code"),
    [("Bearer zk_nothing_here", "INVALID_API_KEY"), ("Bearer garbage", "INVALID_API_KEY")],
)
def test_malformed_or_unknown_key_is_refused(tenants, header, code):
    response = Client().post(
        "/graphql", data={"query": ME}, content_type="application/json",
        HTTP_HOST=tenants.a_host, HTTP_AUTHORIZATION=header,
    )
    assert response.status_code == 401
    assert error_codes(response.json()) == [code]


def test_revoked_key_is_refused(tenants, principal_a, gql):
    plain = factories.api_key(principal_a, [Perm.SETTINGS_VIEW])
    ApiKey.objects.filter(principal=principal_a).update(revoked_at="2026-01-01T00:00:00Z")

    payload = gql(tenants.a_host, api_key=plain)(ME)

    assert payload["_status"] == 401
    assert error_codes(payload) == ["API_KEY_REVOKED"]


def test_key_on_public_host_is_refused(tenants, principal_a, gql):
    plain = factories.api_key(principal_a, [Perm.SETTINGS_VIEW])
    payload = gql(tenants.public_host, api_key=plain)(ME)
    assert error_codes(payload) == ["FOREIGN_PRINCIPAL"]


def test_key_use_is_recorded(tenants, principal_a, gql):
    plain = factories.api_key(principal_a, [Perm.SETTINGS_VIEW])
    assert ApiKey.objects.get(principal=principal_a).last_used_at is None

    payload = gql(tenants.a_host, api_key=plain)(ME)

    assert payload["data"]["me"]["apiKeyName"] == "test key"
    assert ApiKey.objects.get(principal=principal_a).last_used_at is not None


def test_other_principals_staff_session_is_refused(tenants, principal_b, gql):
    b_admin = factories.staff(principal_b, role=PrincipalRole.ADMIN)
    payload = gql(tenants.a_host, user=b_admin)(ME)
    assert payload["_status"] == 403
    assert error_codes(payload) == ["FOREIGN_PRINCIPAL"]


def test_session_post_without_csrf_token_is_refused(tenants, principal_a, gql):
    admin = factories.staff(principal_a, role=PrincipalRole.ADMIN)
    payload = gql(tenants.a_host, user=admin, enforce_csrf=True)(ME)
    assert payload["_status"] == 403
    assert error_codes(payload) == ["CSRF_FAILED"]


def test_session_post_with_csrf_token_passes(tenants, principal_a):
    admin = factories.staff(principal_a, role=PrincipalRole.ADMIN)
    client = Client(HTTP_HOST=tenants.a_host, enforce_csrf_checks=True)
    client.force_login(admin)
    client.get("/auth/csrf")
    token = client.cookies["csrftoken"].value

    response = client.post("/graphql", data={"query": ME}, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200
    assert response.json()["data"]["me"]["email"] == admin.email


def test_login_logout_and_throttling(tenants, principal_a, gql, settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    admin = factories.staff(principal_a, role=PrincipalRole.ADMIN, email="boss@a.test")
    client = gql(tenants.a_host)
    login = (
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { me { email } errors { field code } } }"
    )

    ok = client(login, {"e": "BOSS@a.test", "p": factories.PASSWORD})
    assert ok["data"]["login"]["me"]["email"] == admin.email
    assert client(ME)["data"]["me"]["isAuthenticated"] is True
    client("mutation { logout { ok } }")
    assert client(ME)["data"]["me"]["isAuthenticated"] is False

    for _ in range(3):
        bad = client(login, {"e": "boss@a.test", "p": "wrong"})
        assert bad["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    throttled = client(login, {"e": "boss@a.test", "p": factories.PASSWORD})
    assert throttled["data"]["login"]["errors"] == [{"field": "email", "code": "THROTTLED"}]
    assert client(ME)["data"]["me"]["isAuthenticated"] is False


def test_login_of_other_principals_staff_on_this_host_fails(tenants, principal_b, gql):
    factories.staff(principal_b, role=PrincipalRole.ADMIN, email="bboss@b.test")
    client = gql(tenants.a_host)
    payload = client(
        "mutation($p: String!) { login(email: \"bboss@b.test\", password: $p) { errors { code } } }",
        {"p": factories.PASSWORD},
    )
    assert payload["data"]["login"]["errors"] == [{"code": "FOREIGN_PRINCIPAL"}]
    assert client(ME)["data"]["me"]["isAuthenticated"] is False


def test_depth_limit(tenants, gql, settings):
    settings.GRAPHQL_MAX_DEPTH = 1
    client = gql(tenants.public_host)
    shallow = client("{ me { email } }")
    deep = client("{ principals { nodes { domains } } }")
    assert "errors" not in shallow
    assert error_codes(deep) == ["QUERY_TOO_DEEP"]
    assert deep.get("data") is None


def test_alias_limit(tenants, gql, settings):
    settings.GRAPHQL_MAX_ALIASES = 3
    query = "{ " + " ".join(f"m{i}: me {{ isAuthenticated }}" for i in range(4)) + " }"
    payload = gql(tenants.public_host)(query)
    assert error_codes(payload) == ["TOO_MANY_ALIASES"]


def test_token_limit(tenants, gql, settings):
    settings.GRAPHQL_MAX_TOKENS = 50
    query = "{ " + " ".join("me { isAuthenticated }" for _ in range(30)) + " }"
    assert error_codes(gql(tenants.public_host)(query)) == ["QUERY_TOO_LARGE"]


def test_body_size_limit(tenants, gql, settings):
    settings.GRAPHQL_MAX_BODY_BYTES = 100
    response = gql(tenants.public_host).post_raw({"query": ME + " " * 200})
    assert response.status_code == 413
    assert error_codes(response.json()) == ["QUERY_TOO_LARGE"]


def test_batch_is_capped(tenants, gql, settings):
    settings.GRAPHQL_MAX_BATCH = 2
    client = gql(tenants.public_host)
    ok = client.post_raw([{"query": ME}, {"query": ME}])
    too_many = client.post_raw([{"query": ME}] * 3)
    assert ok.status_code == 200 and len(ok.json()) == 2
    assert too_many.status_code == 400
    assert error_codes(too_many.json()) == ["TOO_MANY_OPERATIONS"]


def test_introspection_off_when_disabled(tenants, gql, settings):
    settings.GRAPHQL_INTROSPECTION = False
    payload = gql(tenants.public_host)("{ __schema { types { name } } }")
    assert payload.get("data") is None
    assert payload["errors"]


def test_introspection_on_in_development(tenants, gql, settings):
    settings.GRAPHQL_INTROSPECTION = True
    payload = gql(tenants.public_host)("{ __schema { queryType { name } } }")
    assert payload["data"]["__schema"]["queryType"]["name"] == "Query"


def test_one_search_path_per_request(tenants, principal_a, gql):
    plain = factories.api_key(principal_a, [Perm.SETTINGS_VIEW, Perm.USERS_VIEW])
    client = gql(tenants.a_host, api_key=plain)
    client(ME)  # warm the connection
    with CaptureQueriesContext(connection) as queries:
        payload = client("{ me { email } workspaceSettings { paymentDueDay } users { totalCount } }")
    assert payload["data"]["workspaceSettings"]["paymentDueDay"] == 15
    set_paths = [q["sql"] for q in queries.captured_queries if "search_path" in q["sql"].lower()]
    assert len(set_paths) <= 1, set_paths


def test_every_mutation_is_audited_with_outcome(tenants, principal_a, gql):
    plain = factories.api_key(principal_a, [Perm.SETTINGS_MANAGE])
    client = gql(tenants.a_host, api_key=plain)
    mutation = "mutation($d: Int!) { workspaceSettingsUpdate(input: {paymentDueDay: $d}) { errors { field code } } }"

    ok = client(mutation, {"d": 10})
    bad = client(mutation, {"d": 31})

    assert ok["data"]["workspaceSettingsUpdate"]["errors"] == []
    assert bad["data"]["workspaceSettingsUpdate"]["errors"] == [{"field": "paymentDueDay", "code": "INVALID"}]
    entries = list(AuditLog.objects.filter(principal=principal_a).order_by("pk"))
    assert [(e.fields, e.succeeded, e.error_codes) for e in entries] == [
        (["workspaceSettingsUpdate"], True, []),
        (["workspaceSettingsUpdate"], False, ["INVALID"]),
    ]
    assert all(e.actor_api_key is not None and e.schema_name == "principal_a" for e in entries)


def test_failed_mutation_changes_nothing(tenants, principal_a, gql):
    plain = factories.api_key(principal_a, [Perm.SETTINGS_MANAGE, Perm.SETTINGS_VIEW])
    client = gql(tenants.a_host, api_key=plain)
    client("mutation { workspaceSettingsUpdate(input: {readingsWindowStartDay: 26}) { errors { code } } }")
    after = client("{ workspaceSettings { readingsWindowStartDay readingsWindowEndDay } }")
    assert after["data"]["workspaceSettings"] == {"readingsWindowStartDay": 20, "readingsWindowEndDay": 25}
