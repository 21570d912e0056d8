"""Residents ask a principal to change their account; only that principal's staff see and resolve the request."""

from datetime import date, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.billing.models import Occupancy, PersonalAccount
from tenants.billing.selectors import persons_subquery
from tenants.residents.models import AccountChangeRequest
from tests import factories
from tests.conftest import error_codes

CREATE = (
    "mutation($els: String!, $principalId: ID!, $kind: ChangeRequestKind!, $persons: Int, $payerName: String, "
    "$comment: String) { residentChangeRequestCreate(els: $els, principalId: $principalId, kind: $kind, "
    "persons: $persons, payerName: $payerName, comment: $comment) "
    "{ request { id els principalId principalName accountNumber kind persons payerName comment status answer } "
    "errors { field code } } }"
)
MINE = "query($els: String) { residentChangeRequests(els: $els) { id els kind status answer resolvedAt } }"
STAFF_LIST = "query($status: ChangeRequestStatus) { changeRequests(status: $status) { id els accountNumber kind } }"
RESOLVE = (
    "mutation($id: ID!, $accept: Boolean!, $answer: String) { changeRequestResolve(id: $id, accept: $accept, "
    "answer: $answer) { request { id status answer resolvedAt } errors { field code } } }"
)


def _create(gql, tenants, user, principal, **variables) -> dict:
    payload = gql(tenants.public_host, user=user)(CREATE, {"els": "7600000001", "principalId": str(principal.pk),
                                                           **variables})
    assert "errors" not in payload, payload
    return payload["data"]["residentChangeRequestCreate"]


def _persons(principal, number: str) -> int | None:
    with tenant_context(principal):
        return (PersonalAccount.objects.filter(number=number)
                .annotate(n=persons_subquery(timezone.localdate())).values_list("n", flat=True).get())


def test_a_resident_asks_and_sees_their_request(homes, principal_a, tenants, gql):
    answer = _create(gql, tenants, homes["resident"], principal_a, kind="PERSONS", persons=4, comment="Родился сын")

    assert answer["errors"] == []
    assert answer["request"] | {"id": None} == {
        "id": None, "els": "7600000001", "principalId": str(principal_a.pk), "principalName": principal_a.short_name,
        "accountNumber": "L-MY-A", "kind": "PERSONS", "persons": 4, "payerName": None, "comment": "Родился сын",
        "status": "NEW", "answer": ""}
    mine = gql(tenants.public_host, user=homes["resident"])(MINE, {"els": "7600000001"})["data"]
    assert [r["id"] for r in mine["residentChangeRequests"]] == [answer["request"]["id"]]


def test_requests_are_checked_and_only_for_the_residents_own_households(homes, principal_a, tenants, gql):
    resident = homes["resident"]
    client = gql(tenants.public_host, user=resident)

    neighbours = client(CREATE, {"els": "7600000002", "principalId": str(principal_a.pk), "kind": "PERSONS",
                                 "persons": 1})["data"]["residentChangeRequestCreate"]
    unserved = client(CREATE, {"els": "7600000001", "principalId": "987654", "kind": "OTHER",
                               "comment": "x"})["data"]["residentChangeRequestCreate"]
    no_persons = _create(gql, tenants, resident, principal_a, kind="PERSONS")
    no_name = _create(gql, tenants, resident, principal_a, kind="PAYER_NAME", payerName="  ")
    no_comment = _create(gql, tenants, resident, principal_a, kind="OTHER")

    assert neighbours["errors"] == [{"field": "els", "code": "NOT_FOUND"}]
    assert unserved["errors"] == [{"field": "principalId", "code": "NOT_FOUND"}]
    assert no_persons["errors"] == [{"field": "persons", "code": "REQUIRED"}]
    assert no_name["errors"] == [{"field": "payerName", "code": "REQUIRED"}]
    assert no_comment["errors"] == [{"field": "comment", "code": "REQUIRED"}]
    assert not AccountChangeRequest.objects.exists()
    # another resident sees none of this one's requests, and cannot ask about this household
    _create(gql, tenants, resident, principal_a, kind="OTHER", comment="Проверьте площадь")
    stranger = gql(tenants.public_host, user=factories.user(is_resident=True))
    assert stranger(MINE)["data"]["residentChangeRequests"] == []
    assert error_codes(stranger(MINE, {"els": "7600000001"})) == ["NOT_FOUND"]


def test_principal_b_staff_never_see_or_resolve_principal_as_requests(homes, principal_a, principal_b, tenants, gql):
    to_a = _create(gql, tenants, homes["resident"], principal_a, kind="PAYER_NAME", payerName="Новое Имя")["request"]
    to_b = _create(gql, tenants, homes["resident"], principal_b, kind="OTHER", comment="Счётчик")["request"]
    a_staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=["accounts.view"]))
    b_admin = gql(tenants.b_host, user=factories.staff(principal_b, role="admin"))

    a_list = a_staff(STAFF_LIST)["data"]["changeRequests"]
    b_list = b_admin(STAFF_LIST, {"status": "NEW"})["data"]["changeRequests"]
    b_resolves_a = b_admin(RESOLVE, {"id": to_a["id"], "accept": True})["data"]["changeRequestResolve"]

    assert [r["id"] for r in a_list] == [to_a["id"]]
    assert [r["id"] for r in b_list] == [to_b["id"]]
    assert b_resolves_a["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert AccountChangeRequest.objects.get(pk=to_a["id"]).status == "new"
    with tenant_context(principal_a):
        assert PersonalAccount.objects.get(number="L-MY-A").payer_name == "-"
    # and viewing is not resolving: accounts.view alone may not resolve
    assert error_codes(a_staff(RESOLVE, {"id": to_a["id"], "accept": True})) == ["PERMISSION_DENIED"]


def test_accepting_persons_writes_the_occupancy_in_the_principals_schema(homes, principal_a, principal_b, tenants,
                                                                        gql):
    # given A's account with 3 registered and 2 living since 2020, and B's account of the same household
    today = timezone.localdate()
    with tenant_context(principal_a):
        account = PersonalAccount.objects.get(number="L-MY-A")
        Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=3, living=2)
    request = _create(gql, tenants, homes["resident"], principal_a, kind="PERSONS", persons=5)["request"]
    staff = factories.staff(principal_a, permissions=["accounts.manage"])

    # when A's staff accept it
    payload = gql(tenants.a_host, user=staff)(RESOLVE, {"id": request["id"], "accept": True, "answer": "Учтено"})

    # then the account has 5 persons from today on, the past stays, B's account is untouched
    answer = payload["data"]["changeRequestResolve"]
    assert answer["errors"] == [] and answer["request"]["status"] == "ACCEPTED" and answer["request"]["resolvedAt"]
    assert _persons(principal_a, "L-MY-A") == 5
    with tenant_context(principal_a):
        rows = list(Occupancy.objects.filter(account__number="L-MY-A").order_by("valid_from")
                    .values_list("valid_from", "valid_to", "registered", "living"))
    assert rows == [(date(2020, 1, 1), today - timedelta(days=1), 3, 2), (today, None, 3, 5)]
    with tenant_context(principal_b):
        assert not Occupancy.objects.exists()
    stored = AccountChangeRequest.objects.get(pk=request["id"])
    assert (stored.status, stored.answer, stored.resolved_by_id) == ("accepted", "Учтено", staff.pk)
    # and the resident sees the answer
    mine = gql(tenants.public_host, user=homes["resident"])(MINE)["data"]["residentChangeRequests"]
    assert [(r["status"], r["answer"]) for r in mine] == [("ACCEPTED", "Учтено")]


def test_accepting_a_payer_name_renames_the_account_once(homes, principal_a, principal_b, tenants, gql):
    request = _create(gql, tenants, homes["resident"], principal_a, kind="PAYER_NAME",
                      payerName="Сидорова Анна Петровна")["request"]
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=["accounts.manage"]))

    first = client(RESOLVE, {"id": request["id"], "accept": True})["data"]["changeRequestResolve"]
    second = client(RESOLVE, {"id": request["id"], "accept": False, "answer": "Передумали"})["data"][
        "changeRequestResolve"]

    assert first["errors"] == [] and first["request"]["status"] == "ACCEPTED"
    assert second["errors"] == [{"field": "id", "code": "INVALID"}]
    with tenant_context(principal_a):
        assert PersonalAccount.objects.get(number="L-MY-A").payer_name == "Сидорова Анна Петровна"
    with tenant_context(principal_b):
        assert PersonalAccount.objects.get(number="L-MY-B").payer_name == "-"


def test_rejecting_needs_an_answer_and_changes_nothing(homes, principal_a, tenants, gql):
    request = _create(gql, tenants, homes["resident"], principal_a, kind="PAYER_NAME", payerName="Кто-то")["request"]
    client = gql(tenants.a_host, user=factories.staff(principal_a, permissions=["accounts.manage"]))

    bare = client(RESOLVE, {"id": request["id"], "accept": False})["data"]["changeRequestResolve"]
    rejected = client(RESOLVE, {"id": request["id"], "accept": False, "answer": "Нужна копия паспорта"})["data"][
        "changeRequestResolve"]

    assert bare["errors"] == [{"field": "answer", "code": "REQUIRED"}]
    assert rejected["errors"] == [] and rejected["request"]["status"] == "REJECTED"
    with tenant_context(principal_a):
        assert PersonalAccount.objects.get(number="L-MY-A").payer_name == "-"
