"""Issue 13 through GraphQL: the executor's contacts on the principal (ПП 354 п.69 «а»), and each payout's legal
deadline (ПП 253 п.6) on the payouts list and in the day's reconciliation, as agent staff."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from agency.payments.models import Payout, PayoutStatus
from agency.payments.payouts import payouts_build
from tenants.models import Principal
from tests import factories
from tests.payments.test_payouts import FRI, MON, SAT, THU, TUE, contract, pay, world  # noqa: F401

UPDATE = """
mutation($id: ID!, $input: PrincipalUpdateInput!) {
  principalUpdate(id: $id, input: $input) {
    principal { id address phone email website workingHours }
    errors { field code message }
  }
}
"""
PAYOUTS = "{ payouts { nodes { id businessDay coversFrom deadline deadlineState daysLate } } }"
RECONCILIATION = ("query($day: Date!) { reconciliation(day: $day) { latePayouts { payoutId principalName "
                  "businessDay coversFrom deadline state daysLate status orderDate net } } }")
WED = date(2026, 10, 21)


def test_the_back_office_edits_the_contacts_printed_on_the_epd(gql, tenants, principal_a):
    admin = gql(tenants.public_host, user=factories.user(agent_role="admin"))
    contacts = {"address": "150000, г. Ярославль, ул. Свободы, д. 65, офис 3", "phone": "+7 (4852) 58-17-40",
                "email": "info@uk.example", "website": "uk.example", "workingHours": "пн–пт 8:00–17:00"}
    payload = admin(UPDATE, {"id": str(principal_a.pk), "input": contacts})["data"]["principalUpdate"]
    assert payload["errors"] == []
    assert {k: v for k, v in payload["principal"].items() if k != "id"} == contacts
    row = Principal.objects.get(pk=principal_a.pk)
    assert (row.address, row.working_hours) == (contacts["address"], contacts["workingHours"])

    bad = admin(UPDATE, {"id": str(principal_a.pk), "input": {"email": "not an address"}})["data"]["principalUpdate"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("email", "INVALID")]
    cleared = admin(UPDATE, {"id": str(principal_a.pk), "input": {"website": ""}})["data"]["principalUpdate"]
    assert cleared["principal"]["website"] == "" and cleared["principal"]["phone"] == contacts["phone"]


def test_contacts_are_for_agent_staff_to_change(gql, tenants, principal_a):
    staff = factories.staff(principal_a)
    payload = gql(tenants.a_host, user=staff)(UPDATE, {"id": str(principal_a.pk), "input": {"phone": "1"}})
    assert payload.get("errors") or payload["data"]["principalUpdate"]["errors"]
    assert Principal.objects.get(pk=principal_a.pk).phone == ""


def test_payouts_carry_their_deadline_and_the_reconciliation_lists_the_late_one(world, tenants, gql):  # noqa: F811
    # Thursday's money is paid on Friday (on time); Friday–Saturday's on Monday (due Monday); Monday's money is due
    # Tuesday 20.10, Tuesday's build is skipped and Wednesday sweeps it up: due 20.10, exported 21.10, one day late.
    contract(world["a"])
    for day in (THU, FRI, SAT, MON):
        pay(world["other"], "100.00", day)
    built = {day: payouts_build(business_day=day).payout_ids[0] for day in (FRI, MON, WED)}
    for day, pk in built.items():
        Payout.objects.filter(pk=pk).update(status=PayoutStatus.EXPORTED, order_date=day, order_number=pk)
    agent = gql(tenants.public_host, user=world["operator"])

    with CaptureQueriesContext(connection) as queries:
        nodes = agent(PAYOUTS)["data"]["payouts"]["nodes"]
    # one query for every row's deadline: the list costs the same whatever its length
    assert sum("generate_series" in q["sql"] for q in queries.captured_queries) == 1
    by_id = {int(n["id"]): n for n in nodes}
    assert [(by_id[built[d]]["deadline"], by_id[built[d]]["deadlineState"], by_id[built[d]]["daysLate"])
            for d in (FRI, MON, WED)] == [("2026-10-16", "ON_TIME", 0), ("2026-10-19", "ON_TIME", 0),
                                          ("2026-10-20", "LATE", 1)]

    late = agent(RECONCILIATION, {"day": TUE.isoformat()})["data"]["reconciliation"]["latePayouts"]
    assert late == [{"payoutId": str(built[WED]), "principalName": world["a"].short_name, "businessDay": "2026-10-21",
                     "coversFrom": "2026-10-19", "deadline": "2026-10-20", "state": "LATE", "daysLate": 1,
                     "status": "EXPORTED", "orderDate": "2026-10-21", "net": late[0]["net"]}]
    assert agent(RECONCILIATION, {"day": MON.isoformat()})["data"]["reconciliation"]["latePayouts"] == []
