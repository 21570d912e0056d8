"""Lists of things that happen in time page newest first: the first page holds the latest rows, and a cursor
means "older than": walking every page with ``after`` returns each row once, in descending order, with the
same total. The agent's lists (registry imports, payments, cash shifts, payouts, ЕПД runs, appeals) on its host;
a principal's (payouts, receipts, appeals) on the principal's host."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from agency.documents.models import EpdRun
from agency.identity.permissions import Perm
from agency.payments.intake.recording import payment_record
from agency.payments.models import CashShift, Payout, RegistryImport
from tests import factories
from tests.conftest import error_codes
from tests.graphql_api.test_isolation import billing_account_id

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 25)


def _document(field: str, args: str = "") -> str:
    return (f"query($first: Int, $after: String) {{ {field}({args}first: $first, after: $after) "
            "{ totalCount pageInfo { hasNextPage endCursor } nodes { id } } }")


def walk(client, field: str, *, first: int, args: str = "") -> tuple[list[int], int]:
    """Every id of a list, page by page through ``endCursor``; and its total count."""
    seen, after, total = [], None, None
    while True:
        conn = client(_document(field, args), {"first": first, "after": after})["data"][field]
        assert len(conn["nodes"]) <= first
        seen += [int(n["id"]) for n in conn["nodes"]]
        total = conn["totalCount"]
        if not conn["pageInfo"]["hasNextPage"]:
            return seen, total
        after = conn["pageInfo"]["endCursor"]


def assert_newest_first(client, field: str, ids: list[int], *, args: str = "") -> None:
    newest_first = sorted(ids, reverse=True)
    # the first page is the latest rows
    page = client(_document(field, args), {"first": 2})["data"][field]
    assert [int(n["id"]) for n in page["nodes"]] == newest_first[:2], field
    # pages of two walk back in time, each row once
    seen, total = walk(client, field, first=2, args=args)
    assert seen == newest_first, field
    assert total == len(ids), field
    # a cursor means "older than": after the second row come the third and later
    second = client(_document(field, args), {"first": 1})["data"][field]["pageInfo"]["endCursor"]
    rest = client(_document(field, args), {"first": 100, "after": second})["data"][field]
    assert [int(n["id"]) for n in rest["nodes"]] == newest_first[1:], field


def _payout(principal, day: date) -> int:
    return Payout.objects.create(principal=principal, business_day=day, covers_from=day - timedelta(days=1),
                                 covers_to=day - timedelta(days=1), gross=D("10.00"), fee=D("0.15"),
                                 net=D("9.85")).pk


def test_agent_lists_are_newest_first_and_cursors_go_back_in_time(principal_a, principal_b, tenants, gql):
    # given five of everything, made one after another
    operator = factories.user(agent_role="operator")
    agent = gql(tenants.public_host, user=operator)
    imports = [RegistryImport.objects.create(kind="registry", layout="sber_standard", filename=f"r{i}.txt",
                                             sha256=f"{i:064d}").pk for i in range(5)]
    payments = [payment_record(channel="bank_registry", source="order", external_id=str(i), amount="10.00",
                               paid_on=DAY, payer_ref="5555555555")[0].pk for i in range(5)]
    shifts = [CashShift.objects.create(operator=operator, desk=f"Касса {i}", closed_at=timezone.now()).pk
              for i in range(5)]
    payouts = [_payout(principal, DAY + timedelta(days=i)) for i in range(3) for principal in (principal_a,
                                                                                               principal_b)]
    runs = [EpdRun.objects.create(month=date(2026, 10, 1)).pk for _i in range(5)]

    # when the operator lists each, then the newest is first and the cursors walk back
    assert_newest_first(agent, "paymentImports", imports)
    assert_newest_first(agent, "payments", payments)
    assert_newest_first(agent, "cashShifts", shifts)
    assert_newest_first(agent, "payouts", payouts)
    assert_newest_first(agent, "epdRuns", runs)
    # filters keep the order
    assert_newest_first(agent, "payouts", payouts[::2], args=f'principalId: "{principal_a.pk}", ')
    assert_newest_first(agent, "epdRuns", runs, args='month: "2026-10-01", ')


def test_principal_lists_are_newest_first_and_cursors_go_back_in_time(principal_a, principal_b, tenants, gql):
    # given A's payouts (and one of B's), A's receipts and appeals to A, made one after another
    from tenants.receipts.models import Receipt

    payouts = [_payout(principal_a, DAY + timedelta(days=i)) for i in range(5)]
    _payout(principal_b, DAY)
    account = billing_account_id("principal_a")
    with schema_context("principal_a"):
        receipts = [Receipt.objects.create(account_id=account, amount=D("1.00") + i, paid_on=DAY, source="own",
                                           external_key=f"{DAY}:NF-{i}").pk for i in range(5)]
    connection.set_schema_to_public()
    staff = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.PAYMENTS_VIEW,
                                                                               Perm.APPEALS_MANAGE]))
    created = [staff("mutation($s: String!) { appealCreate(subject: $s, text: \"Текст\") { appeal { id } } }",
                     {"s": f"Обращение {i}"})["data"]["appealCreate"]["appeal"]["id"] for i in range(5)]

    # when A's staff lists each, then the newest is first and the cursors walk back
    assert_newest_first(staff, "principalPayouts", payouts)
    assert_newest_first(staff, "principalReceipts", receipts)
    assert_newest_first(staff, "appeals", [int(pk) for pk in created])


def test_a_bad_cursor_is_refused_on_a_newest_first_list(tenants, gql):
    agent = gql(tenants.public_host, user=factories.user(agent_role="operator"))
    assert error_codes(agent(_document("paymentImports"), {"after": "not-a-cursor"})) == ["INVALID"]
