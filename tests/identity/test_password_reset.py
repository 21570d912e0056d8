"""Password reset by e-mail for every kind of user: the same answer whether or not the address has an account,
throttled, a single-use expiring link, the settings' validators, every session ended (issue 12, item 7)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from agency.identity.models import PasswordReset
from agency.identity.permissions import AgentRole, PrincipalRole
from agency.identity.tokens import token_hash
from tests import factories

REQUEST = "mutation($e: String!) { passwordResetRequest(email: $e) { ok errors { field code message } } }"
COMPLETE = (
    "mutation($t: String!, $p: String!) { passwordResetComplete(token: $t, newPassword: $p) "
    "{ ok errors { field code message } } }"
)
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { me { email } errors { code } } }"
ME = "query { me { isAuthenticated } }"
NEW_PASSWORD = "a-brand-new-password-58"


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _request(client, email, capture):
    with capture(execute=True):
        return client(REQUEST, {"e": email})["data"]["passwordResetRequest"]


@pytest.mark.parametrize("kind", ["resident", "principal staff", "agent staff"])
def test_every_kind_of_user_resets_and_every_session_ends(kind, principal_a, tenants, gql, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    # given a user of each kind, signed in on their own host
    if kind == "resident":
        user, host = factories.user(is_resident=True), tenants.public_host
    elif kind == "principal staff":
        user, host = factories.staff(principal_a, role=PrincipalRole.ADMIN), tenants.a_host
    else:
        user, host = factories.user(agent_role=AgentRole.ADMIN), tenants.public_host
    session = gql(host, user=user)
    assert session(ME)["data"]["me"]["isAuthenticated"] is True

    # when they ask for a reset on that host and set a new password by the link
    answer = _request(gql(host), user.email.upper(), django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    link = _link(message)
    token = link.rsplit("/", 1)[1]
    weak = gql(host)(COMPLETE, {"t": token, "p": "password"})["data"]["passwordResetComplete"]
    done = gql(host)(COMPLETE, {"t": token, "p": NEW_PASSWORD})["data"]["passwordResetComplete"]
    again = gql(host)(COMPLETE, {"t": token, "p": NEW_PASSWORD + "x"})["data"]["passwordResetComplete"]

    # then the link was on their host, in Russian, stored hashed; the new password works, the old one not, the link
    # works once, and the session that was open is logged out
    assert answer == {"ok": True, "errors": []}
    assert message.to == [user.email] and message.subject == "Восстановление пароля"
    assert link.startswith(f"http://{host}/reset-password/")
    assert PasswordReset.objects.filter(token_hash=token_hash(token)).exists()
    assert weak["ok"] is None and {e["field"] for e in weak["errors"]} == {"password"}
    assert done == {"ok": True, "errors": []}
    assert [e["code"] for e in again["errors"]] == ["LINK_INVALID"]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(factories.PASSWORD)
    assert session(ME)["data"]["me"]["isAuthenticated"] is False
    assert gql(host)(LOGIN, {"e": user.email, "p": NEW_PASSWORD})["data"]["login"]["errors"] == []


def test_the_answer_is_the_same_for_an_unknown_address_and_it_gets_no_link(
        tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    factories.user("known@mail.test", is_resident=True)

    known = _request(gql(tenants.public_host), "known@mail.test", django_capture_on_commit_callbacks)
    unknown = _request(gql(tenants.public_host), "unknown@mail.test", django_capture_on_commit_callbacks)

    assert known == unknown == {"ok": True, "errors": []}
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"known@mail.test", "unknown@mail.test"}
    assert "/reset-password/" in by_address["known@mail.test"].body
    assert "/reset-password/" not in by_address["unknown@mail.test"].body
    assert "http://localhost/signup" in by_address["unknown@mail.test"].body
    assert PasswordReset.objects.count() == 1


def test_a_staff_member_asking_on_another_host_gets_the_public_host_link(
        principal_a, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    resident = factories.user(is_resident=True)

    _request(gql(tenants.a_host), resident.email, django_capture_on_commit_callbacks)

    assert _link(mailoutbox[0]).startswith("http://localhost/reset-password/")


def test_an_expired_link_does_not_work_and_requests_are_throttled(
        settings, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    settings.ACCOUNT_MAIL_MAX_PER_EMAIL = 2
    user = factories.user(is_resident=True)
    client = gql(tenants.public_host)

    answers = [_request(client, user.email, django_capture_on_commit_callbacks) for _ in range(3)]
    unknown = [_request(client, "ghost@mail.test", django_capture_on_commit_callbacks) for _ in range(3)]
    PasswordReset.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client(COMPLETE, {"t": _link(mailoutbox[0]).rsplit("/", 1)[1], "p": NEW_PASSWORD})

    # the third request for an address is refused the same way whether or not it has an account
    assert [a["ok"] for a in answers] == [a["ok"] for a in unknown] == [True, True, None]
    assert answers[2]["errors"] == unknown[2]["errors"] and answers[2]["errors"][0]["code"] == "THROTTLED"
    assert len(mailoutbox) == 4
    assert [e["code"] for e in expired["data"]["passwordResetComplete"]["errors"]] == ["LINK_INVALID"]
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)
