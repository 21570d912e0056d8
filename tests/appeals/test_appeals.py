"""Appeals: who writes to whom, who sees which, answers by e-mail."""

import re

import pytest
from django.db import connection

from agency.appeals.models import Appeal, AppealMessage
from agency.appeals.services import appeal_answer_notify
from agency.identity.permissions import Perm
from tests import factories
from tests.conftest import error_codes

FIELDS = "id number subject status els principalId principalName authorName messages { authorName fromStaff text }"
APPEALS = "query($status: AppealStatus, $search: String) { appeals(status: $status, search: $search) " \
          "{ totalCount nodes { " + FIELDS + " } } }"
APPEAL = "query($id: ID!) { appeal(id: $id) { " + FIELDS + " } }"
CREATE = (
    "mutation($subject: String!, $text: String!, $els: String, $principalId: ID) { appealCreate(subject: $subject, "
    "text: $text, els: $els, principalId: $principalId) { appeal { " + FIELDS + " } errors { field code } } }"
)
REPLY = (
    "mutation($id: ID!, $text: String!, $close: Boolean) { appealReply(id: $id, text: $text, close: $close) "
    "{ appeal { id status messages { fromStaff text } } errors { field code } } }"
)
CLOSE = "mutation($id: ID!) { appealClose(id: $id) { appeal { id status } errors { field code } } }"


@pytest.fixture
def home(principal_a):
    """A resident linked to a household served by A (not by B); a neighbour linked to another one."""
    from tenants.registry.models import House, Premise, UnifiedAccount
    from tenants.residents.models import ResidentLink

    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Обращений",
                                 house_number="2")
    mine = UnifiedAccount.objects.create(number="7600050001", payer_name="Я",
                                         premise=Premise.objects.create(house=house, number="1", area=40))
    theirs = UnifiedAccount.objects.create(number="7600050002", payer_name="Сосед",
                                           premise=Premise.objects.create(house=house, number="2", area=40))
    resident = factories.user("resident-appeals@test.local", is_resident=True, full_name="Житель Иванов")
    neighbour = factories.user("neighbour-appeals@test.local", is_resident=True, full_name="Сосед Петров")
    ResidentLink.objects.create(user=resident, unified_account=mine)
    ResidentLink.objects.create(user=neighbour, unified_account=theirs)
    factories.household_meter(principal_a, mine.premise, mine, "AP-1")
    connection.set_schema_to_public()
    return {"resident": resident, "neighbour": neighbour, "mine": mine, "theirs": theirs}


def _create(client, **variables):
    payload = client(CREATE, {"subject": "Тема", "text": "Текст", **variables})
    return payload["data"]["appealCreate"]


def test_a_resident_writes_to_the_agent_and_to_a_principal_serving_their_home(home, principal_a, tenants, gql):
    client = gql(tenants.public_host, user=home["resident"])

    to_agent = _create(client, subject="Перерасчёт", text="Прошу пересчитать")
    to_a = _create(client, els="7600050001", principalId=str(principal_a.pk), text="Течёт крыша")

    assert to_agent["errors"] == [] and to_a["errors"] == []
    assert (to_agent["appeal"]["principalId"], to_agent["appeal"]["els"]) == (None, None)
    assert (to_a["appeal"]["principalId"], to_a["appeal"]["principalName"], to_a["appeal"]["els"]) == (
        str(principal_a.pk), principal_a.short_name, "7600050001")
    assert to_a["appeal"]["status"] == "OPEN" and to_a["appeal"]["authorName"] == "Житель Иванов"
    assert to_a["appeal"]["messages"] == [{"authorName": "Житель Иванов", "fromStaff": False, "text": "Течёт крыша"}]
    for appeal in (to_agent["appeal"], to_a["appeal"]):
        assert re.fullmatch(r"О-\d{4}-\d{6}", appeal["number"])
    assert to_agent["appeal"]["number"] != to_a["appeal"]["number"]


@pytest.mark.parametrize("variables", [
    {"principalId": "B"},  # B does not serve the resident's home
    {"els": "7600050002"},  # the neighbour's household
    {"els": "7600050002", "principalId": "A"},
    {"els": "0000000000"},
    {"principalId": "999999"},
])
def test_a_resident_cannot_write_about_a_home_or_to_a_principal_not_theirs(home, principal_a, principal_b, tenants,
                                                                           gql, variables):
    ids = {"A": str(principal_a.pk), "B": str(principal_b.pk)}
    variables = {k: ids.get(v, v) for k, v in variables.items()}
    before = Appeal.objects.count()

    result = _create(gql(tenants.public_host, user=home["resident"]), **variables)

    assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"] and result["appeal"] is None
    assert Appeal.objects.count() == before


def test_isolation_between_principals_the_agent_and_residents(home, principal_a, principal_b, tenants, gql):
    resident = gql(tenants.public_host, user=home["resident"])
    neighbour = gql(tenants.public_host, user=home["neighbour"])
    staff_a = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.APPEALS_MANAGE]))
    staff_b = gql(tenants.b_host, user=factories.staff(principal_b, permissions=[Perm.APPEALS_MANAGE]))
    operator = gql(tenants.public_host, user=factories.user(agent_role="operator"))

    mine_to_a = _create(resident, els="7600050001", principalId=str(principal_a.pk))["appeal"]
    mine_to_agent = _create(resident)["appeal"]
    neighbours = _create(neighbour, subject="Соседское")["appeal"]
    b_own = _create(staff_b, subject="Звонок в Б", text="Звонил житель")["appeal"]
    a_own = _create(staff_a, subject="Звонок в А", text="Звонил житель")["appeal"]

    def listed(client):
        return {n["id"] for n in client(APPEALS)["data"]["appeals"]["nodes"]}

    assert listed(staff_a) == {mine_to_a["id"], a_own["id"]}
    assert listed(staff_b) == {b_own["id"]}
    assert listed(operator) == {mine_to_agent["id"], neighbours["id"]}
    assert listed(resident) == {mine_to_a["id"], mine_to_agent["id"]}
    assert listed(neighbour) == {neighbours["id"]}
    # one by one: anything outside the caller's scope is not found
    for client, foreign in ((staff_b, mine_to_a), (staff_a, b_own), (operator, mine_to_a), (neighbour, mine_to_a),
                            (resident, neighbours), (staff_a, mine_to_agent)):
        assert error_codes(client(APPEAL, {"id": foreign["id"]})) == ["NOT_FOUND"]
        reply = client(REPLY, {"id": foreign["id"], "text": "чужое"})["data"]["appealReply"]
        assert [e["code"] for e in reply["errors"]] == ["NOT_FOUND"]
        assert [e["code"] for e in client(CLOSE, {"id": foreign["id"]})["data"]["appealClose"]["errors"]] == [
            "NOT_FOUND"]
    assert AppealMessage.objects.filter(text="чужое").count() == 0
    assert set(Appeal.objects.values_list("status", flat=True)) == {"open"}


def test_staff_answer_tells_the_resident_by_email_once(home, principal_a, tenants, gql, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    from agency.appeals.tasks import appeal_answer_notify_task

    app = appeal_answer_notify_task.app
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the task runs in place: no worker sees this test's transaction
    try:
        resident = gql(tenants.public_host, user=home["resident"])
        appeal = _create(resident, els="7600050001", principalId=str(principal_a.pk), subject="Крыша")["appeal"]
        staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.APPEALS_MANAGE]))

        with django_capture_on_commit_callbacks(execute=True):
            answered = staff(REPLY, {"id": appeal["id"], "text": "Бригада выедет завтра."})["data"]["appealReply"]
    finally:
        app.conf.task_always_eager = previous

    assert answered["errors"] == [] and answered["appeal"]["status"] == "ANSWERED"
    assert [m["fromStaff"] for m in answered["appeal"]["messages"]] == [False, True]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [home["resident"].email]
    assert appeal["number"] in mail.subject and "Ответ на обращение" in mail.subject
    assert "Бригада выедет завтра." in mail.body and principal_a.short_name in mail.body
    # the task again (a retry, a duplicate): nothing more is sent
    message = AppealMessage.objects.get(text="Бригада выедет завтра.")
    assert message.notified_at is not None
    assert appeal_answer_notify(message.pk) is False
    assert len(mailoutbox) == 1


def test_resident_reply_reopens_and_a_closed_appeal_takes_no_more(home, principal_a, tenants, gql, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    resident = gql(tenants.public_host, user=home["resident"])
    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.APPEALS_MANAGE]))
    appeal = _create(resident, els="7600050001", principalId=str(principal_a.pk))["appeal"]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        staff(REPLY, {"id": appeal["id"], "text": "Ответ"})
    assert len(queued) == 1  # the notification waits for the commit
    again = resident(REPLY, {"id": appeal["id"], "text": "Не помогло"})["data"]["appealReply"]
    assert again["appeal"]["status"] == "OPEN"
    closed = staff(REPLY, {"id": appeal["id"], "text": "Закрываем", "close": True})["data"]["appealReply"]
    assert closed["appeal"]["status"] == "CLOSED"

    late = resident(REPLY, {"id": appeal["id"], "text": "Ещё"})["data"]["appealReply"]

    assert [e["code"] for e in late["errors"]] == ["APPEAL_CLOSED"]
    assert list(Appeal.objects.get(pk=appeal["id"]).messages.order_by("created_at", "pk")
                .values_list("text", flat=True)) == ["Текст", "Ответ", "Не помогло", "Закрываем"]
    assert resident(APPEALS, {"status": "CLOSED"})["data"]["appeals"]["totalCount"] == 1
    assert resident(APPEALS, {"status": "OPEN"})["data"]["appeals"]["totalCount"] == 0


def test_a_residents_own_answer_is_not_mailed_and_the_close_mutation_closes(home, principal_a, tenants, gql,
                                                                            django_capture_on_commit_callbacks):
    resident = gql(tenants.public_host, user=home["resident"])
    appeal = _create(resident)["appeal"]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        resident(REPLY, {"id": appeal["id"], "text": "Дополняю"})
    closed = resident(CLOSE, {"id": appeal["id"]})["data"]["appealClose"]

    assert queued == []
    assert closed == {"appeal": {"id": appeal["id"], "status": "CLOSED"}, "errors": []}


def test_search_and_a_page_of_appeals_cost_the_same_queries_for_2_and_20(home, principal_a, tenants, gql):
    from django.test.utils import CaptureQueriesContext

    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.APPEALS_MANAGE]))
    for i in range(20):
        _create(staff, subject=f"Звонок {i}", text="Текст")
    page = "query($n: Int) { appeals(first: $n) { nodes { " + FIELDS + " } } }"
    staff(page, {"n": 1})

    counts = []
    for n in (2, 20):
        with CaptureQueriesContext(connection) as captured:
            payload = staff(page, {"n": n})
        assert len(payload["data"]["appeals"]["nodes"]) == n
        counts.append(len(captured))
    assert counts[0] == counts[1]
    found = staff(APPEALS, {"search": "Звонок 1"})["data"]["appeals"]
    assert found["totalCount"] == 11  # «Звонок 1» and «Звонок 10» … «Звонок 19»
