"""The balance now (``tenants.billing.balances``): the last posted closing less the receipts no posted period
counted — each receipt counted once whatever its date or when it arrives, one statement for any number of
accounts, and never another principal's rows."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenants.billing.balances import (
    BalanceLine,
    account_balance_now,
    balance_summary,
    balances_now,
    household_amount_due,
    household_balances,
)
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import AccountService, Balance, PersonalAccount, Service, Tariff
from tenants.billing.selectors import account_list
from tenants.receipts.models import Receipt
from tenants.receipts.services import own_receipt_record
from tenants.registry.models import House, Premise, UnifiedAccount

pytestmark = pytest.mark.django_db
D = Decimal
SEPT, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
backfill = importlib.import_module("tenants.receipts.migrations.0003_receipt_counted_in").BACKFILL


def _accounts(principal, count: int, *, rate: str = "30.00", prefix: str = "BAL") -> list[PersonalAccount]:
    """``count`` accounts of 50 m² of one household each, maintenance at ``rate``: 50 × rate a month."""
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street=f"ул. {prefix}",
                                 house_number=str(principal.pk))
    with tenant_context(principal):
        service = Service.objects.get_or_create(code="maint", defaults={
            "kind": "maintenance", "name": "Содержание", "unit": "м²", "tariff_kind": "per_area"})[0]
        Tariff.objects.get_or_create(service=service, valid_from=date(2026, 1, 1), defaults={"rate": D(rate)})
        accounts = []
        for n in range(count):
            premise = Premise.objects.create(house=house, number=str(n + 1), area=D("50"))
            unified = UnifiedAccount.objects.get_or_create(number=f"79{len(prefix)}{n:07d}", defaults={
                "premise": premise, "payer_name": "-"})[0]
            account = PersonalAccount.objects.create(number=f"{prefix}-{n}", premise=premise,
                                                     unified_account=unified, payer_name="Плательщик",
                                                     charge_area=D("50"), opened_on=date(2020, 1, 1))
            AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
            accounts.append(account)
    return accounts


def _receipt(number: str, amount: str, paid_on: date, key: str, service: str = "maint") -> Receipt:
    return own_receipt_record(account_number=number, amount=amount, paid_on=paid_on, document_number=key,
                              service_code=service)[0]


def _post(month: date) -> None:
    charge_run(month=month)
    period_post(month=month)


def test_a_payment_lowers_the_balance_at_once_and_counts_once_when_its_period_is_posted(principal_a):
    (account,) = _accounts(principal_a, 1)
    with tenant_context(principal_a):
        _post(OCT)  # 50 × 30.00 = 1500.00 owed
        assert account_balance_now(account_id=account.pk) == D("1500.00")
        # when 400.00 is received in November
        receipt = _receipt(account.number, "400.00", date(2026, 11, 3), "ПКО-1")
        # then it lowers the balance now, before any period counts it
        assert receipt.counted_in_id is None
        assert account_balance_now(account_id=account.pk) == D("1100.00")
        # and a draft November (charged 1500.00, paid 400.00) changes nothing until it is posted
        charge_run(month=NOV)
        assert account_balance_now(account_id=account.pk) == D("1100.00")
        # and once posted, its closing holds the receipt: 1500 + 1500 − 400, not subtracted a second time
        period_post(month=NOV)
        assert Balance.objects.get(account=account, period__month=NOV).paid == D("400.00")
        assert account_balance_now(account_id=account.pk) == D("2600.00")


def test_a_payment_of_a_posted_month_that_arrives_late_counts_in_the_next_period(principal_a):
    (account,) = _accounts(principal_a, 1)
    with tenant_context(principal_a):
        _post(OCT)
        # a registry of 31 October arrives after October was posted
        late = _receipt(account.number, "250.00", date(2026, 10, 31), "ПКО-31")
        assert account_balance_now(account_id=account.pk) == D("1250.00")
        # November counts it (the old rule, "paid in the month", lost it for good) …
        _post(NOV)
        late.refresh_from_db()
        assert late.counted_in.month == NOV
        assert Balance.objects.get(account=account, period__month=NOV).paid == D("250.00")
        # … exactly once: October's posted paid is untouched, the balance is 1500 + 1500 − 250
        assert Balance.objects.get(account=account, period__month=OCT).paid == D("0.00")
        assert account_balance_now(account_id=account.pk) == D("2750.00")


def test_a_draft_computed_again_counts_its_receipts_afresh(principal_a):
    (account,) = _accounts(principal_a, 1)
    with tenant_context(principal_a):
        _receipt(account.number, "100.00", date(2026, 10, 5), "ПКО-5")
        charge_run(month=OCT)
        _receipt(account.number, "50.00", date(2026, 10, 6), "ПКО-6")
        charge_run(month=OCT)  # the rerun counts both, each once
        assert Balance.objects.get(account=account, period__month=OCT).paid == D("150.00")
        assert set(Receipt.objects.values_list("counted_in__month", flat=True)) == {OCT}
        # a draft only: the balance now is the receipts alone (nothing posted yet), an advance
        assert account_balance_now(account_id=account.pk) == D("-150.00")


def test_an_advance_without_a_service_lowers_the_account_as_its_own_line(principal_a):
    (account,) = _accounts(principal_a, 1)
    with tenant_context(principal_a):
        _post(OCT)
        own_receipt_record(account_number=account.number, amount="200.00", paid_on=date(2026, 11, 2),
                           document_number="ПКО-A")
        service_id = Service.objects.get(code="maint").pk
        assert balances_now(account_ids=[account.pk]) == [
            BalanceLine(account.pk, service_id, D("1500.00")), BalanceLine(account.pk, None, D("-200.00"))]
        _post(NOV)  # a period never counts a receipt without a service: it stays a line of its own
        assert account_balance_now(account_id=account.pk) == D("2800.00")


def test_the_migration_backfill_marks_what_the_old_rule_counted(principal_a):
    (account,) = _accounts(principal_a, 1)
    with tenant_context(principal_a):
        _receipt(account.number, "100.00", date(2026, 10, 5), "ПКО-1")
        _post(OCT)
        late = _receipt(account.number, "70.00", date(2026, 10, 30), "ПКО-2")  # arrived after October's run
        _receipt(account.number, "30.00", date(2026, 11, 2), "ПКО-3")
        with connection.cursor() as cursor:
            # one test transaction has one now(): date the late one after the run's end, as it was in life
            cursor.execute("UPDATE receipts_receipt SET created_at = p.finished_at + interval '1 minute' "
                           "FROM billing_billingperiod p WHERE p.month = %s AND receipts_receipt.id = %s",
                           [OCT, late.pk])
            cursor.execute("UPDATE receipts_receipt SET counted_in_id = NULL")
            cursor.execute(backfill)
        marks = dict(Receipt.objects.values_list("amount", "counted_in__month"))
        assert marks == {D("100.00"): OCT, D("70.00"): None, D("30.00"): None}
        # October's closing (1500.00 − 100.00 counted) less the two not counted yet: 1400.00 − 70.00 − 30.00
        assert account_balance_now(account_id=account.pk) == D("1300.00")


def test_a_page_of_accounts_costs_the_same_queries_whatever_its_size(principal_a, django_assert_max_num_queries):
    accounts = _accounts(principal_a, 30)
    with tenant_context(principal_a):
        _post(OCT)
        for n, account in enumerate(accounts):
            _receipt(account.number, f"{n + 1}.00", date(2026, 11, 2), f"ПКО-{n}")

        def page(size: int) -> int:
            with CaptureQueriesContext(connection) as queries:
                rows = list(account_list(has_debt=True).order_by("number")[:size])
            assert all(r.debt == D("1500.00") - int(r.number.split("-")[1]) - 1 for r in rows)
            return len(queries)

        assert page(3) == page(30)
        with django_assert_max_num_queries(1):
            lines = balances_now(account_ids=[a.pk for a in accounts])
        assert len(lines) == 30
        with django_assert_max_num_queries(1):
            summary = balance_summary()
        # 30 × 1500.00 less 1 + 2 + … + 30 = 465.00
        assert (summary.debtors_count, summary.debt_total, summary.received_since) == (
            30, D("45000.00") - D("465.00"), D("465.00"))


def test_each_principal_sees_only_its_own_receipts_and_balances(principal_a, principal_b):
    # given the same account numbers at A and B, each charged, and a payment at A only
    at_a = _accounts(principal_a, 2, rate="30.00", prefix="ISO")
    at_b = _accounts(principal_b, 2, rate="10.00", prefix="ISO")
    for principal in (principal_a, principal_b):
        with tenant_context(principal):
            _post(OCT)
    with tenant_context(principal_a):
        _receipt("ISO-0", "500.00", date(2026, 11, 2), "ПКО-ISO")
        assert account_balance_now(account_id=at_a[0].pk) == D("1000.00")
        assert balance_summary().received_since == D("500.00")
    # then B's balances are its own closing (50 × 10.00), whatever A received on the same numbers and ids
    with tenant_context(principal_b):
        assert [line.amount for line in balances_now(account_ids=[a.pk for a in at_b])] == [D("500.00")] * 2
        assert balance_summary().received_since == D("0.00")
        assert {a.number: a.debt for a in account_list()} == {"ISO-0": D("500.00"), "ISO-1": D("500.00")}
    # and a schema named explicitly reads only that schema, from any search path
    connection.set_schema_to_public()
    assert account_balance_now(account_id=at_b[0].pk, schema=principal_b.schema_name) == D("500.00")
    assert account_balance_now(account_id=at_a[0].pk, schema=principal_a.schema_name) == D("1000.00")
    # and across the schemas, one statement gives each principal's account of a household its own balance
    with CaptureQueriesContext(connection) as queries:
        rows = household_balances(schemas=[principal_a.schema_name, principal_b.schema_name],
                                  unified_ids=[at_a[0].unified_account_id])
    assert len(queries) == 1
    assert sorted((r.schema, r.number, r.balance) for r in rows) == [
        (principal_a.schema_name, "ISO-0", D("1000.00")), (principal_b.schema_name, "ISO-0", D("500.00"))]
    assert household_amount_due(r.balance for r in rows) == D("1500.00")


def test_an_advance_at_one_principal_does_not_lower_the_debt_at_another():
    assert household_amount_due([D("-300.00"), D("1000.00"), None]) == D("1000.00")
    assert household_amount_due([None, None], document_total=D("42.00")) == D("42.00")
    assert household_amount_due([D("0.00")], document_total=D("42.00")) == D("0.00")
