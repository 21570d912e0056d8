"""Residents sign up (the address confirmed by an e-mailed link), log in, and link a household with the code
printed on its ЕПД (limited wrong attempts)."""

import re

import pytest

from agency.identity.models import PendingSignUp, User
from agency.identity.tokens import token_hash
from tenants.registry.models import UnifiedAccount
from tenants.residents.link_code import link_code, link_code_matches
from tenants.residents.models import ResidentLink
from tests import factories
from tests.conftest import error_codes

SIGN_UP = (
    "mutation($email: String!, $password: String!, $fullName: String!) "
    "{ residentSignUp(email: $email, password: $password, fullName: $fullName) "
    "{ sent errors { field code message } } }"
)
CONFIRM = (
    "mutation($t: String!, $p: String!) { residentSignUpConfirm(token: $t, password: $p) "
    "{ me { email fullName isResident isAuthenticated } errors { field code message } } }"
)
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { me { email } errors { code } } }"
ME = "query { me { email isResident isAuthenticated } }"
LINK = (
    "mutation($els: String!, $code: String!) { residentLinkAccount(els: $els, code: $code) "
    "{ household { els address accounts { principalId accountNumber } } errors { field code message } } }"
)
UNLINK = "mutation($els: String!) { residentUnlinkAccount(els: $els) { ok errors { field code } } }"
HOUSEHOLDS = "query { residentHouseholds { els accounts { principalName accountNumber } } }"
PASSWORD = "a-long-resident-password-42"


def test_link_code_is_stable_short_and_forgiving_about_how_it_is_typed():
    code = link_code("7600000001")
    assert code == link_code("7600000001") and code != link_code("7600000002")
    assert len(code) == 9 and code[4] == "-"
    assert link_code_matches("7600000001", code.lower().replace("-", ""))
    assert link_code_matches("7600000001", " " + code[:4] + " " + code[5:] + " ")
    # Latin letters typed on a Russian keyboard as their Cyrillic look-alikes still match
    cyrillic = code.translate(str.maketrans("ABCEHKMPTX", "АВСЕНКМРТХ"))
    assert link_code_matches("7600000001", cyrillic)
    assert not link_code_matches("7600000002", code)
    assert link_code("7600000001", secret="another secret") != code


def test_link_code_digits_typed_as_their_cyrillic_look_alikes_match():
    # on paper 3 looks like З and 6 like б: a resident reading «9ЗКА-2Рб» off the ЕПД may type the Cyrillic letters
    els = next(e for e in (f"76000000{n:02d}" for n in range(1, 100))
               if "3" in link_code(e, secret="s") and "6" in link_code(e, secret="s"))
    code = link_code(els, secret="s")
    typed = code.replace("3", "З").replace("6", "б")
    assert typed != code and link_code_matches(els, typed, secret="s")
    assert link_code_matches(els, typed.lower(), secret="s")
    # Б (the capital) does not look like 6, and Э is not 9: those are not taken for digits
    assert not link_code_matches(els, code.replace("6", "Б"), secret="s")


def _confirm_token(message) -> str:
    return re.search(r"https?://\S+/signup/confirm/(\S+)", message.body).group(1)


def test_sign_up_confirms_the_address_by_link_then_logs_in_and_the_password_works_later(
        tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    # given an anonymous visitor of the cabinet
    client = gql(tenants.public_host)

    # when they sign up
    with django_capture_on_commit_callbacks(execute=True):
        payload = client(SIGN_UP, {"email": " New.Resident@Mail.Test ", "password": PASSWORD,
                                   "fullName": "Петров  Пётр"})

    # then no account exists yet, nobody is logged in, and the address got a link to the public host
    assert payload["data"]["residentSignUp"] == {"sent": True, "errors": []}
    assert not User.objects.filter(email="new.resident@mail.test").exists()
    assert client(ME)["data"]["me"]["isAuthenticated"] is False
    (message,) = mailoutbox
    assert message.to == ["new.resident@mail.test"] and "Подтвердите регистрацию" in message.subject
    assert "http://localhost/signup/confirm/" in message.body
    token = _confirm_token(message)
    assert PendingSignUp.objects.filter(token_hash=token_hash(token)).exists()
    assert PASSWORD not in PendingSignUp.objects.get().password
    login = gql(tenants.public_host)(LOGIN, {"e": "new.resident@mail.test", "p": PASSWORD})
    assert login["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]

    # when they open the link with a wrong password, then with theirs, then once more
    wrong = client(CONFIRM, {"t": token, "p": "not-my-password-7"})["data"]["residentSignUpConfirm"]
    confirmed = client(CONFIRM, {"t": token, "p": PASSWORD})["data"]["residentSignUpConfirm"]
    again = gql(tenants.public_host)(CONFIRM, {"t": token, "p": PASSWORD})["data"]["residentSignUpConfirm"]

    # then the account is made and this session is logged in; the link works once
    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [("password", "INVALID_CREDENTIALS")]
    assert confirmed["errors"] == []
    assert confirmed["me"] == {"email": "new.resident@mail.test", "fullName": "Петров Пётр", "isResident": True,
                               "isAuthenticated": True}
    assert [e["code"] for e in again["errors"]] == ["LINK_INVALID"]
    user = User.objects.get(email="new.resident@mail.test")
    assert (user.is_resident, user.agent_role, user.memberships.count()) == (True, "", 0)
    assert client(ME)["data"]["me"] == {"email": "new.resident@mail.test", "isResident": True,
                                        "isAuthenticated": True}
    assert client(HOUSEHOLDS)["data"]["residentHouseholds"] == []
    # and a fresh session can log in with the password
    login = gql(tenants.public_host)(LOGIN, {"e": "new.resident@mail.test", "p": PASSWORD})
    assert login["data"]["login"] == {"me": {"email": "new.resident@mail.test"}, "errors": []}


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_reset_link(
        tenants, gql, mailoutbox, django_capture_on_commit_callbacks):
    owner = factories.user("taken@mail.test", is_resident=True)
    client = gql(tenants.public_host)

    with django_capture_on_commit_callbacks(execute=True):
        weak = client(SIGN_UP, {"email": "weak@mail.test", "password": "12345", "fullName": "Слабый"})
        taken = client(SIGN_UP, {"email": "TAKEN@mail.test", "password": PASSWORD, "fullName": "Второй"})
        free = client(SIGN_UP, {"email": "free@mail.test", "password": PASSWORD, "fullName": "Третий"})

    weak_errors = weak["data"]["residentSignUp"]["errors"]
    assert {e["field"] for e in weak_errors} == {"password"} and weak_errors
    assert all(any("а" <= ch.lower() <= "я" for ch in e["message"]) for e in weak_errors), weak_errors
    assert taken["data"]["residentSignUp"] == free["data"]["residentSignUp"] == {"sent": True, "errors": []}
    assert not User.objects.filter(email="weak@mail.test").exists()
    owner.refresh_from_db()
    assert owner.full_name == "Тест" and owner.check_password(factories.PASSWORD)
    assert client(ME)["data"]["me"]["isAuthenticated"] is False
    notice = next(m for m in mailoutbox if m.to == ["taken@mail.test"])
    assert "Попытка регистрации" in notice.subject and "http://localhost/reset-password/" in notice.body
    assert "/signup/confirm/" not in notice.body
    assert not PendingSignUp.objects.filter(email="taken@mail.test").exists()


def test_sign_ups_are_throttled_per_client_address(settings, tenants, gql, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    settings.ACCOUNT_MAIL_MAX_PER_ADDRESS = 3
    factories.user("owner@mail.test", is_resident=True)
    client = gql(tenants.public_host)

    with django_capture_on_commit_callbacks(execute=True):
        answers = [client(SIGN_UP, {"email": email, "password": PASSWORD, "fullName": "Житель"})
                   for email in ("one@mail.test", "owner@mail.test", "two@mail.test", "three@mail.test")]
        other_address = client(SIGN_UP, {"email": "four@mail.test", "password": PASSWORD, "fullName": "Житель"},
                               REMOTE_ADDR="10.1.2.3")

    assert [a["data"]["residentSignUp"]["sent"] for a in answers] == [True, True, True, None]
    assert [e["code"] for e in answers[3]["data"]["residentSignUp"]["errors"]] == ["THROTTLED"]
    assert other_address["data"]["residentSignUp"]["sent"] is True
    assert len(mailoutbox) == 4


def test_sign_up_is_refused_on_a_principals_host_to_keys_and_to_logged_in_users(principal_a, tenants, gql):
    variables = {"email": "elsewhere@mail.test", "password": PASSWORD, "fullName": "Житель"}

    on_principal = gql(tenants.a_host)(SIGN_UP, variables)
    by_key = gql(tenants.a_host, api_key=factories.api_key(principal_a, ["accounts.manage"]))(SIGN_UP, variables)
    logged_in = gql(tenants.public_host, user=factories.user(is_resident=True))(SIGN_UP, variables)

    for payload in (on_principal, by_key, logged_in):
        assert error_codes(payload) == ["PERMISSION_DENIED"], payload
    assert not User.objects.filter(email="elsewhere@mail.test").exists()


def test_the_right_code_links_the_household_once_with_each_principals_account(homes, principal_a, principal_b,
                                                                                tenants, gql):
    # given a new resident holding the neighbour's ЕПД (ЕЛС 7600000002 and its code)
    resident = factories.user(is_resident=True)
    client = gql(tenants.public_host, user=resident)
    code = link_code("7600000002")

    # when they link it, typing the code in lower case without the dash, twice
    first = client(LINK, {"els": "7600000002", "code": code.lower().replace("-", "")})
    again = client(LINK, {"els": " 7600000002 ", "code": code})

    # then one link exists and the household shows both principals' accounts
    for payload in (first, again):
        answer = payload["data"]["residentLinkAccount"]
        assert answer["errors"] == []
        assert answer["household"]["els"] == "7600000002"
        assert sorted((a["principalId"], a["accountNumber"]) for a in answer["household"]["accounts"]) == sorted(
            [(str(principal_a.pk), "L-NB-A"), (str(principal_b.pk), "L-NB-B")])
    assert ResidentLink.objects.filter(user=resident).count() == 1
    # and one user may hold several households
    second = client(LINK, {"els": "7600000001", "code": link_code("7600000001")})
    assert second["data"]["residentLinkAccount"]["errors"] == []
    assert sorted(h["els"] for h in client(HOUSEHOLDS)["data"]["residentHouseholds"]) == ["7600000001", "7600000002"]


def test_wrong_codes_are_counted_per_user_and_lock_linking_after_five(homes, tenants, gql):
    resident, other = factories.user(is_resident=True), factories.user(is_resident=True)
    client = gql(tenants.public_host, user=resident)
    right = link_code("7600000002")
    wrong = "2222-2222" if right != "2222-2222" else "3333-3333"

    # five wrong codes are each refused as wrong
    for _attempt in range(5):
        payload = client(LINK, {"els": "7600000002", "code": wrong})
        assert [(e["field"], e["code"]) for e in payload["data"]["residentLinkAccount"]["errors"]] == [
            ("code", "INVALID")]

    # the sixth attempt, even with the right code, is refused with a clear error, and nothing is linked
    locked = client(LINK, {"els": "7600000002", "code": right})
    (error,) = locked["data"]["residentLinkAccount"]["errors"]
    assert (error["field"], error["code"]) == ("code", "TOO_MANY_ATTEMPTS")
    assert "Слишком много" in error["message"]
    assert not ResidentLink.objects.filter(user=resident).exists()

    # another resident is not affected by this one's failures
    theirs = gql(tenants.public_host, user=other)(LINK, {"els": "7600000002", "code": right})
    assert theirs["data"]["residentLinkAccount"]["errors"] == []
    assert ResidentLink.objects.filter(user=other, unified_account__number="7600000002").exists()


def test_new_accounts_from_one_address_do_not_reset_the_count(homes, tenants, gql):
    right = link_code("7600000002")
    wrong = "2222-2222" if right != "2222-2222" else "3333-3333"
    # four residents spend their five guesses each from one address: twenty wrong codes from it
    for _resident in range(4):
        client = gql(tenants.public_host, user=factories.user(is_resident=True))
        for _attempt in range(5):
            client(LINK, {"els": "7600000002", "code": wrong}, REMOTE_ADDR="203.0.113.7")

    # a fresh account from the same address is refused even with the right code; from another address it links
    fresh = factories.user(is_resident=True)
    locked = gql(tenants.public_host, user=fresh)(LINK, {"els": "7600000002", "code": right},
                                                  REMOTE_ADDR="203.0.113.7")
    assert [e["code"] for e in locked["data"]["residentLinkAccount"]["errors"]] == ["TOO_MANY_ATTEMPTS"]
    elsewhere = gql(tenants.public_host, user=fresh)(LINK, {"els": "7600000002", "code": right},
                                                     REMOTE_ADDR="198.51.100.2")
    assert elsewhere["data"]["residentLinkAccount"]["errors"] == []
    assert ResidentLink.objects.filter(user=fresh, unified_account__number="7600000002").exists()


def test_a_household_with_no_account_at_any_principal_or_an_unknown_els_is_not_found(homes, tenants, gql):
    empty = UnifiedAccount.objects.create(number="7600000099", premise=UnifiedAccount.objects.get(
        number="7600000001").premise, payer_name="Никто")
    client = gql(tenants.public_host, user=factories.user(is_resident=True))

    no_accounts = client(LINK, {"els": empty.number, "code": link_code(empty.number)})
    unknown = client(LINK, {"els": "7699999999", "code": link_code("7699999999")})

    for payload in (no_accounts, unknown):
        assert [(e["field"], e["code"]) for e in payload["data"]["residentLinkAccount"]["errors"]] == [
            ("els", "NOT_FOUND")]
    assert not ResidentLink.objects.filter(unified_account=empty).exists()


def test_unlink_removes_only_the_callers_own_link(homes, tenants, gql):
    owner = homes["resident"]
    stranger = gql(tenants.public_host, user=factories.user(is_resident=True))

    refused = stranger(UNLINK, {"els": "7600000001"})
    done = gql(tenants.public_host, user=owner)(UNLINK, {"els": "7600000001"})

    assert refused["data"]["residentUnlinkAccount"]["errors"] == [{"field": "els", "code": "NOT_FOUND"}]
    assert done["data"]["residentUnlinkAccount"] == {"ok": True, "errors": []}
    assert not ResidentLink.objects.filter(user=owner).exists()


@pytest.mark.parametrize("els", ["7600000001", "7600000002"])
def test_link_and_unlink_need_a_residents_session(homes, principal_a, tenants, gql, els):
    code = link_code(els)
    anonymous = gql(tenants.public_host)(LINK, {"els": els, "code": code})
    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=["accounts.manage"]))(
        LINK, {"els": els, "code": code})
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    assert error_codes(staff) == ["PERMISSION_DENIED"]
    assert ResidentLink.objects.filter(unified_account__number=els).count() == (1 if els == "7600000001" else 0)
