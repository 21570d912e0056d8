"""Login throttling counts the account however its e-mail is typed, on every host, and a lock is no oracle."""

import pytest
from django_tenants.utils import schema_context

from agency.identity.permissions import PrincipalRole
from agency.identity.throttle import counters, login_failure_record, login_identity, login_is_throttled
from tests import factories

LOGIN = (
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) "
    "{ me { email isAuthenticated } errors { field code message } } }"
)
ME = "query { me { isAuthenticated } }"


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    counters().clear()
    yield
    counters().clear()


def test_identity_is_normalised():
    assert {login_identity(v) for v in ["boss@a.test", "  BOSS@A.test\t", "Boss@A.Test ", "ｂｏｓｓ＠ａ.test"]} == {
        "boss@a.test"}
    assert login_identity("STRASSE@a.test") == login_identity("straße@a.test")


def test_the_counter_is_one_for_every_schema(tenants):
    for schema in ("principal_a", "principal_b", "public"):
        with schema_context(schema):
            login_failure_record(login="x@a.test", client_ip="10.0.0.1")
    with schema_context("principal_b"):
        assert login_is_throttled(login=" X@A.TEST", client_ip="10.0.0.2")
    with schema_context("principal_a"):
        assert not login_is_throttled(login="y@a.test", client_ip="10.0.0.2")


def test_other_spacing_or_case_does_not_get_past_the_lock(tenants, principal_a, gql):
    factories.staff(principal_a, role=PrincipalRole.ADMIN, email="spaced@a.test")
    client = gql(tenants.a_host)

    for typed in ["spaced@a.test", " SPACED@a.test ", "Spaced@A.Test"]:
        bad = client(LOGIN, {"e": typed, "p": "wrong-password-1"})
        assert [e["code"] for e in bad["data"]["login"]["errors"]] == ["INVALID_CREDENTIALS"]

    for typed in ["spaced@a.test", "  sPaCeD@a.TEST\t", "ｓｐａｃｅｄ@a.test"]:
        locked = client(LOGIN, {"e": typed, "p": factories.PASSWORD})
        assert locked["data"]["login"]["me"] is None
        assert [e["code"] for e in locked["data"]["login"]["errors"]] == ["THROTTLED"]
    assert client(ME)["data"]["me"]["isAuthenticated"] is False


def test_failures_on_one_host_lock_the_account_on_every_host(tenants, principal_a, principal_b, gql):
    factories.staff(principal_a, role=PrincipalRole.ADMIN, email="roamer@a.test")
    factories.staff(principal_b, role=PrincipalRole.ADMIN, email="roamer-b@b.test")
    on_b = gql(tenants.b_host)
    for _attempt in range(3):
        on_b(LOGIN, {"e": "roamer@a.test", "p": "wrong-password-2"})

    for host in (tenants.a_host, tenants.public_host):
        locked = gql(host)(LOGIN, {"e": "roamer@a.test", "p": factories.PASSWORD})
        assert [e["code"] for e in locked["data"]["login"]["errors"]] == ["THROTTLED"], host
        assert gql(host)(ME)["data"]["me"]["isAuthenticated"] is False
    # the address is not locked yet (its budget is four times an account's): another account still logs in
    other = gql(tenants.b_host)(LOGIN, {"e": "roamer-b@b.test", "p": factories.PASSWORD})
    assert other["data"]["login"]["errors"] == []


def test_while_locked_a_wrong_password_and_a_wrong_host_answer_the_same(tenants, principal_a, principal_b, gql):
    factories.staff(principal_a, role=PrincipalRole.ADMIN, email="oracle@a.test")
    on_a = gql(tenants.a_host)
    for _attempt in range(3):
        on_a(LOGIN, {"e": "oracle@a.test", "p": "wrong-password-3"})

    wrong_password = gql(tenants.a_host)(LOGIN, {"e": "oracle@a.test", "p": "wrong-password-4"})
    right_password_wrong_host = gql(tenants.b_host)(LOGIN, {"e": "oracle@a.test", "p": factories.PASSWORD})
    right_password_right_host = gql(tenants.a_host)(LOGIN, {"e": "oracle@a.test", "p": factories.PASSWORD})

    answers = [p["data"]["login"] for p in (wrong_password, right_password_wrong_host, right_password_right_host)]
    assert answers[0] == answers[1] == answers[2]
    assert [e["code"] for e in answers[0]["errors"]] == ["THROTTLED"]


def test_a_right_password_on_a_foreign_host_costs_an_attempt(tenants, principal_a, gql):
    factories.staff(principal_a, role=PrincipalRole.ADMIN, email="visitor@a.test")
    on_b = gql(tenants.b_host)
    for _attempt in range(3):
        foreign = on_b(LOGIN, {"e": "visitor@a.test", "p": factories.PASSWORD})
        assert [e["code"] for e in foreign["data"]["login"]["errors"]] == ["FOREIGN_PRINCIPAL"]

    home = gql(tenants.a_host)(LOGIN, {"e": "visitor@a.test", "p": factories.PASSWORD})
    assert [e["code"] for e in home["data"]["login"]["errors"]] == ["THROTTLED"]


def test_a_successful_login_clears_the_account_count(tenants, principal_a, gql):
    factories.staff(principal_a, role=PrincipalRole.ADMIN, email="forgetful@a.test")
    client = gql(tenants.a_host)
    for _attempt in range(2):
        client(LOGIN, {"e": "forgetful@a.test", "p": "wrong-password-5"})
    assert client(LOGIN, {"e": " Forgetful@a.test", "p": factories.PASSWORD})["data"]["login"]["errors"] == []
    client("mutation { logout { ok } }")

    for _attempt in range(2):
        client(LOGIN, {"e": "forgetful@a.test", "p": "wrong-password-6"})
    assert client(LOGIN, {"e": "forgetful@a.test", "p": factories.PASSWORD})["data"]["login"]["errors"] == []
