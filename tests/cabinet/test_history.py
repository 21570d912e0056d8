"""A resident's households and history: charges from each principal's schema, payments from public; only their own."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from agency.cabinet.services import resident_history
from agency.documents.models import Epd, EpdRun
from agency.payments.models import Payment
from tenants.billing.models import Charge, Occupancy, PersonalAccount
from tenants.registry.models import UnifiedAccount
from tests import factories
from tests.cabinet.history_data import months_from, post_months
from tests.conftest import error_codes

HISTORY = (
    "query($els: String!, $months: Int) { residentHistory(els: $els, months: $months) { els "
    "charges { month principalId principalName serviceCode serviceName unit quantity amount consumption } "
    "payments { id paidOn amount channel status } } }"
)
HOUSEHOLDS = (
    "query { residentHouseholds { els address eReceipts amountDue currentDocumentId currentMonth "
    "accounts { principalId principalName accountNumber payerName persons balance } } }"
)


def _payment(els: str, external_id: str, amount: str, paid_on: date) -> Payment:
    return Payment.objects.create(channel="bank_registry", source="history-test", external_id=external_id,
                                  amount=Decimal(amount), paid_on=paid_on, status="matched",
                                  unified_account=UnifiedAccount.objects.get(number=els))


def test_history_sums_equal_each_principals_charges_and_shows_only_the_households_payments(
        homes, principal_a, principal_b, tenants, gql):
    # given four posted months at A, three at B (for both households), and payments of both households
    months = months_from(date(2026, 7, 1), 4)
    post_months(principal_a, months)
    post_months(principal_b, months[1:])
    mine = [_payment("7600000001", "m1", "500.00", date(2026, 8, 3)),
            _payment("7600000001", "m2", "700.50", date(2026, 10, 5))]
    _payment("7600000002", "n1", "999.99", date(2026, 10, 6))
    client = gql(tenants.public_host, user=homes["resident"])

    # when the resident asks for their household's history
    history = client(HISTORY, {"els": "7600000001", "months": 12})["data"]["residentHistory"]

    # then each principal's lines add up to that principal's charges on the household's account
    for principal, number in ((principal_a, "L-MY-A"), (principal_b, "L-MY-B")):
        with tenant_context(principal):
            expected = {(c.period.month, c.service.code): (c.quantity, c.amount)
                        for c in Charge.objects.select_related("period", "service").filter(account__number=number)}
        shown = {(date.fromisoformat(line["month"]), line["serviceCode"]): (Decimal(line["quantity"]),
                                                                            Decimal(line["amount"]))
                 for line in history["charges"] if line["principalId"] == str(principal.pk)}
        assert shown == expected
        assert {line["principalName"] for line in history["charges"]
                if line["principalId"] == str(principal.pk)} == {principal.short_name}
    assert len(history["charges"]) == 4 * 2 + 3 * 2
    assert {(line["serviceName"], line["unit"]) for line in history["charges"]} == {("Отопление", "Гкал"),
                                                                                   ("ХВС", "м³")}
    # the consumption chart takes the per-unit service, not the one charged by area
    assert {(line["serviceCode"], line["consumption"]) for line in history["charges"]} == {("heat", False),
                                                                                          ("cold", True)}
    # and the payments are the household's own, newest first
    assert [p["id"] for p in history["payments"]] == [str(mine[1].pk), str(mine[0].pk)]
    assert history["payments"][0] == {"id": str(mine[1].pk), "paidOn": "2026-10-05", "amount": "700.50",
                                      "channel": "bank_registry", "status": "matched"}


def test_months_limit_the_history_and_unposted_months_are_left_out(homes, principal_a):
    post_months(principal_a, months_from(date(2026, 5, 1), 5))
    post_months(principal_a, [date(2026, 10, 1)], status="calculated")

    history = resident_history(user=homes["resident"], els="7600000001", months=2)

    assert sorted({line.month for line in history.charges}) == [date(2026, 8, 1), date(2026, 9, 1)]


def test_a_resident_never_sees_another_households_history(homes, principal_a, tenants, gql):
    post_months(principal_a, months_from(date(2026, 9, 1), 2))
    _payment("7600000002", "n2", "123.45", date(2026, 10, 6))
    client = gql(tenants.public_host, user=homes["resident"])
    stranger = gql(tenants.public_host, user=factories.user(is_resident=True))

    neighbours = client(HISTORY, {"els": "7600000002"})
    unlinked = stranger(HISTORY, {"els": "7600000001"})
    households = client(HOUSEHOLDS)["data"]["residentHouseholds"]

    for payload in (neighbours, unlinked):
        assert error_codes(payload) == ["NOT_FOUND"] and payload["data"] is None
        assert "123.45" not in str(payload) and "L-NB-A" not in str(payload)
    assert [h["els"] for h in households] == ["7600000001"]
    assert "L-NB" not in str(households)


def test_history_costs_the_same_queries_whatever_the_number_of_months(homes, principal_a, principal_b):
    def count(months: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            history = resident_history(user=homes["resident"], els="7600000001", months=months)
        assert len({line.month for line in history.charges}) == months
        return len(queries)

    post_months(principal_a, months_from(date(2025, 1, 1), 24))
    post_months(principal_b, months_from(date(2025, 1, 1), 24))
    for n in range(24):
        _payment("7600000001", f"q{n}", "10.00", months_from(date(2025, 1, 1), 24)[n])

    assert count(2) == count(24)


@pytest.mark.parametrize("with_document", [True, False])
def test_households_show_each_account_with_persons_balance_and_the_amount_due(
        homes, principal_a, principal_b, tenants, gql, with_document):
    # given two posted months at A (closing = opening + charged), occupancy at A, and maybe a current ЕПД
    post_months(principal_a, months_from(date(2026, 9, 1), 2))
    with tenant_context(principal_a):
        account = PersonalAccount.objects.get(number="L-MY-A")
        Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=3, living=2)
        PersonalAccount.objects.filter(pk=account.pk).update(payer_name="Иванов И. И.")
    household = UnifiedAccount.objects.get(number="7600000001")
    epd = None
    if with_document:
        run = EpdRun.objects.create(month=date(2026, 10, 1))
        for version, current in ((1, False), (2, True)):
            epd = Epd.objects.create(
                run=run, unified_account=household, month=date(2026, 10, 1), ipd=f"7600000001-1026-{version}",
                version=version, is_current=current, payer_name="Я", address="Ярославль", house=household.premise.house,
                due_date=date(2026, 11, 15), total_due=Decimal("321.00") * version, content={"els": "7600000001"},
                content_sha256=str(version) * 64)

    (shown,) = gql(tenants.public_host, user=homes["resident"])(HOUSEHOLDS)["data"]["residentHouseholds"]

    # then A's account shows its latest posted closing (October: opening 10.00 + 110.25 + 111.25) and persons
    accounts = {a["accountNumber"]: a for a in shown["accounts"]}
    assert set(accounts) == {"L-MY-A", "L-MY-B"}
    assert accounts["L-MY-A"] == {"principalId": str(principal_a.pk), "principalName": principal_a.short_name,
                                  "accountNumber": "L-MY-A", "payerName": "Иванов И. И.", "persons": 2,
                                  "balance": "241.50"}
    assert (accounts["L-MY-B"]["persons"], accounts["L-MY-B"]["balance"]) == (None, None)
    assert shown["address"] == str(household.premise)
    if with_document:
        # the amount due is what the accounts owe now, not the document's printed total (which payments since it
        # have lowered): here the October closing at A, 241.50; B has nothing posted
        assert (shown["currentDocumentId"], shown["currentMonth"], shown["amountDue"]) == (
            str(epd.pk), "2026-10-01", "241.50")
    else:
        assert (shown["currentDocumentId"], shown["currentMonth"], shown["amountDue"]) == (None, None, "241.50")
