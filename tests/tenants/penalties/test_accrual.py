"""Penalties accrued into balances equal the penalty statement cut to the period's days, to the kopeck."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django_tenants.utils import tenant_context

from billing_core.money import to_money
from billing_core.penalties import row_amount
from tenants.billing.benefits import benefits_apply
from tenants.billing.charge_run import charge_run, month_bounds, period_post
from tenants.billing.models import (
    AccountBenefit,
    AccountService,
    Balance,
    BenefitCategory,
    Occupancy,
    PersonalAccount,
    Service,
    Tariff,
)
from tenants.penalties.accrual import penalties_accrue
from tenants.penalties.statement import penalty_statement
from tenants.receipts.models import Receipt, ReceiptSource
from tenants.registry.models import House, Premise
from tenants.regulations.models import PenaltyMoratorium

MONTHS = [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1),
          date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]


def statement_part(account: PersonalAccount, month: date) -> Decimal:
    """The oracle: the account's statement as of the month's last day, each row cut to the month's days."""
    start, end, _days = month_bounds(month)
    total = Decimal("0.00")
    for row in penalty_statement(account=account, as_of=end).rows:
        first, last = max(row.date_from, start), min(row.date_to, end)
        if first <= last:
            total += row_amount(row.debt, (last - first).days + 1, row.band, row.rate)
    return total


def _world(rng: random.Random, accounts: int):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Пенная", house_number="9")
    premises = Premise.objects.bulk_create(
        [Premise(house=house, number=str(n), area=Decimal(rng.randint(3000, 9000)) / 100) for n in range(accounts)])
    maint = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                   tariff_kind="per_area")
    waste = Service.objects.create(code="waste", kind="waste", name="ТКО", unit="чел", tariff_kind="per_person")
    heat = Service.objects.create(code="heat", kind="heating", name="Отопление", unit="м²", tariff_kind="per_area")
    Tariff.objects.create(service=maint, valid_from=date(2025, 1, 1), rate=Decimal("41.37"))
    Tariff.objects.create(service=waste, valid_from=date(2025, 1, 1), rate=Decimal("187.55"))
    Tariff.objects.create(service=heat, valid_from=date(2025, 1, 1), rate=Decimal("63.901"))
    category = BenefitCategory.objects.create(code="VET", name="Ветеран", percent=Decimal("50"),
                                              service_kinds=["heating"])
    accs = PersonalAccount.objects.bulk_create([
        PersonalAccount(number=f"PA-{i}", premise=p, payer_name="-", charge_area=p.area, opened_on=date(2020, 1, 1))
        for i, p in enumerate(premises)])
    for i, acc in enumerate(accs):
        Occupancy.objects.create(account=acc, valid_from=date(2020, 1, 1), registered=rng.randint(1, 4))
        # account 0 has one service only (its accrual is the statement itself); others two or three
        services = [maint] if i == 0 else [maint, waste] + ([heat] if i % 2 else [])
        for s in services:
            AccountService.objects.create(account=acc, service=s, valid_from=date(2020, 1, 1))
        if i % 3 == 1:
            AccountBenefit.objects.create(account=acc, category=category, beneficiaries=1,
                                          valid_from=date(2025, 12, 10))
    return accs


# the day of the month each account pays on: penalties count every payment from its own date
PAY_DAY = {1: 20, 2: 12, 3: 5}


def _pay(period, account: PersonalAccount, amount: Decimal, day: int) -> None:
    """A payment as payment intake books it: receipts dated on the day it was paid, split over the services."""
    services = list(Balance.objects.filter(period=period, account=account).order_by("service_id")
                    .values_list("service_id", flat=True))
    paid_on = period.month.replace(day=day)
    left = amount
    for i, service_id in enumerate(services):
        part = left if i == len(services) - 1 else to_money(amount / len(services))
        left -= part
        Receipt.objects.create(account=account, service_id=service_id, amount=part, paid_on=paid_on,
                               source=ReceiptSource.OWN, external_key=f"{account.number}/{paid_on}/{service_id}")


def _close_month(month: date, accounts, payments: dict[int, Decimal]):
    period = charge_run(month=month)
    for index, amount in payments.items():
        _pay(period, accounts[index], amount, PAY_DAY[index])
    benefits_apply(period)
    penalties_accrue(period)
    return period


def _penalties(month: date) -> dict[tuple[int, int], Decimal]:
    return dict(((b.account_id, b.service_id), b.penalties) for b in Balance.objects.filter(period__month=month))


def _payment_plan(month: date) -> dict[int, Decimal]:
    """Account 0 never pays; 1 pays 1 500.00 once in March (a partial payment of the oldest debt);
    2 pays 800.00 every month from January; 3 pays a lot in December (all, and an advance)."""
    plan = {}
    if month == date(2026, 3, 1):
        plan[1] = Decimal("1500.00")
    if month >= date(2026, 1, 1):
        plan[2] = Decimal("800.00")
    if month == date(2025, 12, 1):
        plan[3] = Decimal("20000.00")
    return plan


@pytest.fixture
def march_moratorium():
    # a moratorium from 05.03 to 19.03.2026, for this test only (the tables are rows in the public schema)
    PenaltyMoratorium.objects.create(valid_from=date(2026, 3, 5), label="тестовый мораторий", confidence="check")
    PenaltyMoratorium.objects.create(valid_from=date(2026, 3, 20), label="", confidence="check")


def test_accrual_equals_the_statement_cut_to_each_month(principal_a, march_moratorium):
    rng = random.Random(21)
    with tenant_context(principal_a):
        accounts = _world(rng, accounts=6)
        seen_bands, totals = set(), []
        for month in MONTHS:
            _close_month(month, accounts, _payment_plan(month))
            accrued = _penalties(month)
            start, end, _d = month_bounds(month)
            for account in accounts:
                expected = statement_part(account, month)
                got = sum((v for (a, _s), v in accrued.items() if a == account.pk), Decimal("0.00"))
                assert got == expected, (month, account.number, got, expected)
                totals.append(got)
                for row in penalty_statement(account=account, as_of=end).rows:
                    if row.date_from <= end and row.date_to >= start:
                        seen_bands.add((month, row.band, row.note))
            # the closing carries the penalties: opening + charged + … + penalties − paid, checked by the database
            for b in Balance.objects.filter(period__month=month):
                assert b.closing == b.opening + b.charged + b.recalculated - b.benefits + b.penalties - b.paid

    # the data went through what the test claims: both bands, a month crossing them, a moratorium, payments
    assert (date(2026, 2, 1), "1/300", "") in seen_bands and (date(2026, 2, 1), "1/130", "") in seen_bands
    assert any(m == date(2026, 3, 1) and note == "тестовый мораторий" for m, _b, note in seen_bands)
    assert sum(totals) > 0 and any(t == 0 for t in totals)


def test_services_share_the_account_total_by_their_own_overdue_debt(principal_a):
    rng = random.Random(8)
    with tenant_context(principal_a):
        accounts = _world(rng, accounts=4)
        for month in MONTHS[:6]:
            _close_month(month, accounts, {})
        month = MONTHS[5]
        accrued = _penalties(month)
        for account in accounts[2:]:  # accounts 2 and 3: several services, no benefit
            # no payments: each service's overdue debt is its own charges; its penalty ∝ its weight within a kopeck
            charged = dict(Balance.objects.filter(account=account, period__month__lt=date(2026, 1, 1))
                           .values_list("service_id").annotate(s=Sum("charged")).values_list("service_id", "s"))
            penalties = {s: v for (a, s), v in accrued.items() if a == account.pk}
            total = sum(penalties.values())
            assert total == statement_part(account, month) and total > 0
            # every month's debt is split the same way between services (same tariffs, areas and persons each
            # month), so the shares of the penalty follow the shares of any one month's charges
            weights = {s: Balance.objects.filter(account=account, service_id=s, period__month=date(2025, 10, 1))
                       .values_list("charged", flat=True).get() for s in penalties}
            all_w = sum(weights.values())
            for s, v in penalties.items():
                assert abs(v - total * weights[s] / all_w) < Decimal("0.01"), (s, v, total)
            assert set(penalties) == set(charged)


def test_rerunning_the_draft_gives_the_same_penalties(principal_a, march_moratorium):
    rng = random.Random(4)
    with tenant_context(principal_a):
        accounts = _world(rng, accounts=4)
        for month in MONTHS[:-1]:
            _close_month(month, accounts, _payment_plan(month))
        last = MONTHS[-2]
        first = _penalties(last)
        # the month's receipts stay as they were (a draft computed again counts them afresh)
        period = charge_run(month=last)
        benefits_apply(period)
        penalties_accrue(period)
        penalties_accrue(period)
        assert _penalties(last) == first
        assert sum(first.values()) > 0


def test_a_posted_period_is_refused_and_unchanged(principal_a):
    rng = random.Random(2)
    with tenant_context(principal_a):
        accounts = _world(rng, accounts=2)
        for month in MONTHS[:5]:
            _close_month(month, accounts, {})
        period_post(month=MONTHS[4])
        before = _penalties(MONTHS[4])
        from tenants.billing.models import BillingPeriod

        with pytest.raises(ValidationError) as refused:
            penalties_accrue(BillingPeriod.objects.get(month=MONTHS[4]))
        assert refused.value.error_dict["month"][0].code == "PERIOD_POSTED"
        assert _penalties(MONTHS[4]) == before


def test_the_accrual_reads_a_fixed_number_of_queries_whatever_the_accounts(principal_a):
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(6)
    with tenant_context(principal_a):
        accounts = _world(rng, accounts=3)
        counts = []
        for extra in (0, 25):
            house = House.objects.create(region="-", city="-", street=f"ул. {extra}", house_number="1")
            for n in range(extra):
                premise = Premise.objects.create(house=house, number=str(n), area=Decimal("50"))
                acc = PersonalAccount.objects.create(number=f"X-{extra}-{n}", premise=premise, payer_name="-",
                                                     charge_area=Decimal("50"), opened_on=date(2020, 1, 1))
                AccountService.objects.create(account=acc, service=Service.objects.get(code="maint"),
                                              valid_from=date(2020, 1, 1))
            for month in MONTHS[:5]:
                charge_run(month=month)
            period = charge_run(month=MONTHS[5])
            with CaptureQueriesContext(connection) as captured:
                penalties_accrue(period)
            counts.append(len(captured))
        assert counts[0] == counts[1]
        assert Balance.objects.filter(period__month=MONTHS[5], penalties__gt=0).values("account").distinct().count() \
            > len(accounts)


@pytest.mark.bench
def test_bench_benefits_and_penalties_after_a_year_of_history(principal_a):
    """BENCH_ACCOUNTS accounts × 2 services, 12 months of history, a third paying nothing: time both steps."""
    import os
    import time

    n = int(os.environ.get("BENCH_ACCOUNTS", "10000"))
    house = House.objects.create(region="-", city="-", street="ул. Нагрузочная", house_number="1")
    Premise.objects.bulk_create([Premise(house=house, number=str(i), area=Decimal("50")) for i in range(n)])
    with tenant_context(principal_a), connection.cursor() as cursor:
        maint = Service.objects.create(code="maint", kind="maintenance", name="С", unit="м²", tariff_kind="per_area")
        heat = Service.objects.create(code="heat", kind="heating", name="О", unit="м²", tariff_kind="per_area")
        Tariff.objects.create(service=maint, valid_from=date(2025, 1, 1), rate=Decimal("41.37"))
        Tariff.objects.create(service=heat, valid_from=date(2025, 1, 1), rate=Decimal("63.901"))
        category = BenefitCategory.objects.create(code="VET", name="В", percent=Decimal("50"),
                                                  service_kinds=["heating"], social_norm_area=Decimal("18"))
        cursor.execute(
            "INSERT INTO billing_personalaccount (number, premise_id, payer_name, ownership_share, charge_area, "
            "opened_on) SELECT 'BN-' || p.id, p.id, '-', 1, 40 + p.id %% 30, DATE '2020-01-01' "
            "FROM public.registry_premise p WHERE p.house_id = %s", [house.pk])
        cursor.execute("INSERT INTO billing_accountservice (account_id, service_id, valid_from) "
                       "SELECT a.id, s.id, DATE '2020-01-01' FROM billing_personalaccount a, billing_service s")
        cursor.execute("INSERT INTO billing_occupancy (account_id, valid_from, registered, living) "
                       "SELECT id, DATE '2020-01-01', 1 + id %% 4, 0 FROM billing_personalaccount WHERE id > %s", [0])
        cursor.execute("INSERT INTO billing_accountbenefit (account_id, category_id, beneficiaries, valid_from) "
                       "SELECT id, %s, 1, DATE '2025-01-01' FROM billing_personalaccount WHERE id %% 5 = 0",
                       [category.pk])
        months = [date(2025, m, 1) for m in range(7, 13)] + [date(2026, m, 1) for m in range(1, 7)]
        timings = []
        for month in months:
            period = charge_run(month=month)
            # two thirds of the accounts pay this month's charge in full on the month's 15th (dated receipts)
            cursor.execute("INSERT INTO receipts_receipt (account_id, service_id, amount, paid_on, source, "
                           "external_key, comment, created_at) SELECT account_id, service_id, charged, %s, 'own', "
                           "'bench/' || id, '', now() FROM billing_balance "
                           "WHERE period_id = %s AND account_id %% 3 <> 0 AND charged <> 0",
                           [month.replace(day=15), period.pk])
            t0 = time.perf_counter()
            benefits_apply(period)
            t1 = time.perf_counter()
            penalties_accrue(period)
            t2 = time.perf_counter()
            timings.append((month, t1 - t0, t2 - t1))
        debtors = Balance.objects.filter(period=period, penalties__gt=0).values("account").distinct().count()
        rows = Balance.objects.count()
    for month, b, p in timings[-3:]:
        print(f"BENCH benefits_apply {n} accounts {month:%Y-%m}: {b:.3f}s; penalties_accrue: {p:.3f}s "
              f"(history {rows} balance rows, {debtors} accounts accruing)")
    assert debtors >= n // 3 - 1


def test_april_accrual_counts_a_payment_from_its_own_day(principal_a):
    """Issue 13 item 4, the accrual side. January 2026: 10 000.00 due 10.02.2026; day 31 = 13.03.2026.
    6 000.00 paid on 20.04.2026; R = min(15.5 %, 9.5 % cap) = 9.5 %. April's penalties (as of 30.04, cut to April):
      01.04–20.04 (20 days, the payment day included): 10 000.00 × 20 × 9.5 % / 300 = 63.333… → 63.33
      21.04–30.04 (10 days):                            4 000.00 × 10 × 9.5 % / 300 = 12.666… → 12.67
      April total 76.00 (counted from 01.04 as before: 4 000.00 × 30 × 9.5 % / 300 = 38.00).
    """
    from tenants.billing.models import BillingPeriod
    from tenants.receipts.services import own_receipt_record
    from tests.tenants.penalty_factories import january_debt

    with tenant_context(principal_a):
        account = january_debt(number="AP-1", street="ул. Апрельская")
        service = Service.objects.get(code="maint")
        april = BillingPeriod.objects.create(month=date(2026, 4, 1), status="calculated", charge_lines=1)
        Balance.objects.create(period=april, account=account, service=service, opening=Decimal("10000.00"),
                               closing=Decimal("10000.00"))
        own_receipt_record(account_number="AP-1", amount="6000.00", paid_on=date(2026, 4, 20),
                           document_number="ПКО-A1", service_code="maint")
        penalties_accrue(april)
        accrued = Balance.objects.get(period=april, account=account).penalties
        assert accrued == Decimal("76.00")
        assert accrued == statement_part(account, date(2026, 4, 1))
