"""Staff are invited: the link goes by e-mail, the person accepts it, and the inviter learns nothing about accounts
that already exist elsewhere (issue 12, item 2)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from agency.identity.models import AuditLog, PrincipalMembership, StaffInvitation, User
from agency.identity.permissions import Perm, PrincipalRole
from agency.identity.tokens import token_hash
from tests import factories
from tests.conftest import error_codes

SEND = (
    "mutation($in: StaffInvitationInput!) { staffInvitationSend(input: $in) "
    "{ invitation { id email role permissions sentAt expiresAt isExpired } errors { field code message } } }"
)
PENDING = "query { staffInvitations { id email role permissions sentAt expiresAt isExpired } }"
RESEND = "mutation($id: ID!) { staffInvitationResend(id: $id) { invitation { id sentAt } errors { field code } } }"
REVOKE = "mutation($id: ID!) { staffInvitationRevoke(id: $id) { invitation { id } errors { field code } } }"
LINK = "query($t: String!) { staffInvitation(token: $t) { email principalName role expiresAt hasAccount } }"
ACCEPT = (
    "mutation($t: String!, $p: String!, $n: String) { staffInvitationAccept(token: $t, password: $p, fullName: $n) "
    "{ me { email fullName principalRole permissions isAuthenticated } errors { field code message } } }"
)
ME = "query { me { email principalRole isAuthenticated } }"
NEW_PASSWORD = "a-fresh-staff-password-31"


@pytest.fixture
def admin_a(principal_a):
    return factories.staff(principal_a, role=PrincipalRole.ADMIN)


def _invite(client, email, role="STAFF", permissions=("ACCOUNTS_VIEW",)):
    return client(SEND, {"in": {"email": email, "role": role, "permissions": list(permissions)}})


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _token(message) -> str:
    return _link(message).rsplit("/", 1)[1]


def test_the_answer_and_the_pending_state_are_the_same_for_a_stranger_and_for_an_existing_account(
        admin_a, principal_b, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    # given B's admin (an account with a name) and an address nobody has
    factories.staff(principal_b, role=PrincipalRole.ADMIN, email="boss-b@b.test")
    client = gql(tenants.a_host, user=admin_a)

    # when A's admin invites both
    with django_capture_on_commit_callbacks(execute=True):
        known = _invite(client, "Boss-B@B.test ")["data"]["staffInvitationSend"]
        unknown = _invite(client, "nobody-yet@b.test")["data"]["staffInvitationSend"]

    # then both answers have the same shape: no name, no hint of an account, no membership anywhere
    assert known["errors"] == [] and unknown["errors"] == []
    strip = lambda a: {k: v for k, v in a["invitation"].items() if k not in ("id", "email", "sentAt", "expiresAt")}  # noqa: E731
    assert strip(known) == strip(unknown) == {"role": "STAFF", "permissions": ["ACCOUNTS_VIEW"], "isExpired": False}
    assert known["invitation"]["email"] == "boss-b@b.test"
    assert not PrincipalMembership.objects.filter(principal_id=tenants.a_id, user__email="boss-b@b.test").exists()
    assert not User.objects.filter(email="nobody-yet@b.test").exists()
    listed = client(PENDING)["data"]["staffInvitations"]
    assert sorted(i["email"] for i in listed) == ["boss-b@b.test", "nobody-yet@b.test"]
    # and each address got one e-mail in Russian with a link to A's host; the token is stored only hashed
    assert sorted(m.to[0] for m in mailoutbox) == ["boss-b@b.test", "nobody-yet@b.test"]
    for message in mailoutbox:
        assert "Приглашение" in message.subject and "Принципал" in message.subject
        assert _link(message).startswith("http://a.localhost/invite/")
        token = _token(message)
        assert len(token) >= 40
        assert StaffInvitation.objects.filter(token_hash=token_hash(token)).exists()
        assert not StaffInvitation.objects.filter(token_hash=token).exists()


def test_a_new_person_accepts_with_a_name_and_password_and_becomes_a_member(
        admin_a, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(gql(tenants.a_host, user=admin_a), "new-staff@a.test", permissions=["ACCOUNTS_VIEW", "USERS_VIEW"])
    token = _token(mailoutbox[0])
    visitor = gql(tenants.a_host)

    page = visitor(LINK, {"t": token})["data"]["staffInvitation"]
    weak = visitor(ACCEPT, {"t": token, "p": "123", "n": "Новый Сотрудник"})["data"]["staffInvitationAccept"]
    accepted = visitor(ACCEPT, {"t": token, "p": NEW_PASSWORD, "n": "Новый  Сотрудник"})
    accepted = accepted["data"]["staffInvitationAccept"]
    again = gql(tenants.a_host)(ACCEPT, {"t": token, "p": NEW_PASSWORD, "n": "Другой"})["data"]["staffInvitationAccept"]

    assert page["email"] == "new-staff@a.test" and page["hasAccount"] is False and page["role"] == "STAFF"
    assert {e["field"] for e in weak["errors"]} == {"password"}
    assert accepted["errors"] == []
    assert accepted["me"] == {"email": "new-staff@a.test", "fullName": "Новый Сотрудник", "principalRole": "STAFF",
                              "permissions": ["ACCOUNTS_VIEW", "USERS_VIEW"], "isAuthenticated": True}
    assert visitor(ME)["data"]["me"]["principalRole"] == "STAFF"
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("token", "LINK_INVALID")]
    assert error_codes(gql(tenants.a_host)(LINK, {"t": token})) == ["LINK_INVALID"]
    assert gql(tenants.a_host, user=admin_a)(PENDING)["data"]["staffInvitations"] == []
    # the invitation and its acceptance are in the audit log, without the token or the password
    sent, done = (AuditLog.objects.filter(fields__contains=[f], succeeded=True).get()
                  for f in ("staffInvitationSend", "staffInvitationAccept"))
    assert sent.actor_user_id == admin_a.pk and sent.variables["staffInvitationSend"]["input"]["email"]
    assert done.actor_user.email == "new-staff@a.test" and done.variables["staffInvitationAccept"]["token"] == "***"
    assert done.variables["staffInvitationAccept"]["password"] == "***"


def test_an_existing_account_accepts_by_signing_in_and_keeps_its_name_and_password(
        admin_a, principal_b, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    existing = factories.staff(principal_b, email="shared@b.test")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(gql(tenants.a_host, user=admin_a), "shared@b.test")
    token = _token(mailoutbox[0])
    visitor = gql(tenants.a_host)

    assert visitor(LINK, {"t": token})["data"]["staffInvitation"]["hasAccount"] is True
    wrong = visitor(ACCEPT, {"t": token, "p": "not-the-password-1", "n": "Подмена"})["data"]["staffInvitationAccept"]
    right = visitor(ACCEPT, {"t": token, "p": factories.PASSWORD, "n": "Подмена"})["data"]["staffInvitationAccept"]

    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [("password", "INVALID_CREDENTIALS")]
    assert right["errors"] == [] and right["me"]["principalRole"] == "STAFF"
    existing.refresh_from_db()
    assert existing.full_name == "Тест" and existing.check_password(factories.PASSWORD)
    assert set(existing.memberships.values_list("principal_id", flat=True)) == {tenants.a_id, tenants.b_id}


def test_resend_makes_a_new_link_revoke_and_expiry_end_it(
        admin_a, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    client = gql(tenants.a_host, user=admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = _invite(client, "later@a.test")["data"]["staffInvitationSend"]["invitation"]
        twice = _invite(client, "later@a.test")["data"]["staffInvitationSend"]
        resent = client(RESEND, {"id": first["id"]})["data"]["staffInvitationResend"]
    old, new = _token(mailoutbox[0]), _token(mailoutbox[1])

    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("email", "DUPLICATE")]
    assert resent["errors"] == [] and len(mailoutbox) == 2 and old != new
    assert error_codes(gql(tenants.a_host)(LINK, {"t": old})) == ["LINK_INVALID"]
    assert gql(tenants.a_host)(LINK, {"t": new})["data"]["staffInvitation"]["email"] == "later@a.test"

    StaffInvitation.objects.filter(pk=first["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client(PENDING)["data"]["staffInvitations"][0]["isExpired"] is True
    expired = gql(tenants.a_host)(ACCEPT, {"t": new, "p": NEW_PASSWORD, "n": "Поздний"})
    assert [e["code"] for e in expired["data"]["staffInvitationAccept"]["errors"]] == ["LINK_INVALID"]

    with django_capture_on_commit_callbacks(execute=True):
        client(RESEND, {"id": first["id"]})
    revoked = client(REVOKE, {"id": first["id"]})["data"]["staffInvitationRevoke"]
    assert revoked["errors"] == [] and client(PENDING)["data"]["staffInvitations"] == []
    late = gql(tenants.a_host)(ACCEPT, {"t": _token(mailoutbox[2]), "p": NEW_PASSWORD, "n": "Поздний"})
    assert [e["code"] for e in late["data"]["staffInvitationAccept"]["errors"]] == ["LINK_INVALID"]
    assert not User.objects.filter(email="later@a.test").exists()


def test_an_invitation_works_only_on_its_principals_host_and_is_managed_only_there(
        admin_a, principal_b, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invited = _invite(gql(tenants.a_host, user=admin_a), "only-a@a.test")["data"]["staffInvitationSend"]
    token = _token(mailoutbox[0])
    admin_b = factories.staff(principal_b, role=PrincipalRole.ADMIN)

    on_b = gql(tenants.b_host)(ACCEPT, {"t": token, "p": NEW_PASSWORD, "n": "Чужой"})["data"]["staffInvitationAccept"]
    on_public = gql(tenants.public_host)(LINK, {"t": token})
    b_revokes = gql(tenants.b_host, user=admin_b)(REVOKE, {"id": invited["invitation"]["id"]})

    assert [e["code"] for e in on_b["errors"]] == ["LINK_INVALID"]
    assert error_codes(on_public) == ["PRINCIPAL_HOST_REQUIRED"]
    assert [e["code"] for e in b_revokes["data"]["staffInvitationRevoke"]["errors"]] == ["NOT_FOUND"]
    assert gql(tenants.b_host, user=admin_b)(PENDING)["data"]["staffInvitations"] == []
    assert StaffInvitation.objects.get(pk=invited["invitation"]["id"]).revoked_at is None


def test_inviting_needs_users_manage_and_grants_no_more_than_the_inviter_holds(
        principal_a, tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    viewer = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.USERS_VIEW]))
    manager = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.USERS_MANAGE]))

    with django_capture_on_commit_callbacks(execute=True):
        refused = _invite(viewer, "x1@a.test")
        too_much = _invite(manager, "x2@a.test", permissions=["API_KEYS_MANAGE"])
        as_admin = _invite(manager, "x3@a.test", role="ADMIN", permissions=[])

    for payload in (refused, too_much, as_admin):
        assert error_codes(payload) == ["PERMISSION_DENIED"], payload
    assert not StaffInvitation.objects.exists() and mailoutbox == []


def test_a_member_of_this_principal_is_refused_by_name(admin_a, principal_a, tenants, gql):
    factories.staff(principal_a, email="already@a.test")

    payload = _invite(gql(tenants.a_host, user=admin_a), "ALREADY@a.test")

    assert [(e["field"], e["code"]) for e in payload["data"]["staffInvitationSend"]["errors"]] == [
        ("email", "UNIQUE")]
