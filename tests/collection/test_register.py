"""The debtor register (``tenants.collection.register``), refreshed from real posted periods of a principal.

The builders here (hot water by norm, posted months, an imported opening balance) are shared by the other tests of
``tests/collection``.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import (
    AccountService,
    Balance,
    BillingPeriod,
    Norm,
    Occupancy,
    PeriodStatus,
    PersonalAccount,
    Service,
    Tariff,
)
from tenants.collection import register
from tenants.collection.models import Agreement, AgreementStatus, Debtor, DebtorLine, Stage
from tenants.collection.register import register_refresh
from tenants.collection.services import court_case_calculation, stage_advance
from tests.tenants.billing.test_balances import _accounts, _receipt

pytestmark = pytest.mark.django_db
D = Decimal

# ПП 354 п.118 worked example: hot water without a meter, norm 3.5 m³ a person a month, tariff 250.00 ₽/m³, 2 persons
HW_NORM, HW_RATE, HW_PERSONS = D("3.5"), D("250.00"), 2


def months(first: date, count: int) -> list[date]:
    out = [first]
    for _n in range(count - 1):
        out.append((out[-1] + timedelta(days=32)).replace(day=1))
    return out


def post(*months_: date) -> None:
    for month in months_:
        charge_run(month=month)
        period_post(month=month)


def hot_water(principal, count: int, *, prefix: str = "HW") -> tuple[Service, list[PersonalAccount]]:
    """``count`` accounts of 2 persons each billed for hot water by the norm (no meter): 3.5 × 2 × 250.00 a month."""
    accounts = _accounts(principal, count, prefix=prefix)
    with tenant_context(principal):
        service = Service.objects.get_or_create(code="hw", defaults={
            "kind": "hot_water", "name": "Горячее водоснабжение", "unit": "м³", "tariff_kind": "per_unit",
            "norm_basis": "person"})[0]
        Norm.objects.get_or_create(service=service, valid_from=date(2026, 1, 1), defaults={"value": HW_NORM})
        Tariff.objects.get_or_create(service=service, valid_from=date(2026, 1, 1), defaults={"rate": HW_RATE})
        for account in accounts:
            # only hot water: the maintenance line of ``_accounts`` ends before the months charged here
            AccountService.objects.filter(account=account).update(valid_to=date(2020, 1, 31))
            AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
            Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=HW_PERSONS,
                                     living=HW_PERSONS)
    return service, accounts


def opening_import(month: date, rows: list[tuple[PersonalAccount, Service, str]]) -> None:
    """Balances carried over from the previous system as the posted period ``month``, as the import loads them."""
    period = BillingPeriod.objects.create(month=month)
    Balance.objects.bulk_create(Balance(period=period, account=a, service=s, opening=D(v), closing=D(v))
                                for a, s, v in rows)
    BillingPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.POSTED, opening_import=True)


def test_register_ages_the_unpaid_months_newest_first(principal_a):
    """Three months of 50 m² × 30.00 = 1 500.00 charged, 1 000.00 paid: 3 500.00 owed, the newest charges unpaid —
    1 500.00 of the last month (age 1), 1 500.00 of the one before (age 2), 500.00 of the first (age 3)."""
    accounts = _accounts(principal_a, 2, prefix="REG")
    with tenant_context(principal_a):
        post(date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
        _receipt(accounts[0].number, "1000.00", date(2026, 10, 20), "R1")
        debtors, lines = register_refresh(today=date(2026, 11, 5))
        assert (debtors, lines) == (2, 2)
        line = DebtorLine.objects.get(account=accounts[0])
        # the penalties accrued on the overdue months are the last part of the debt to be paid
        assert line.principal_debt == D("3500.00") and line.penalties > 0
        assert line.debt == line.principal_debt + line.penalties
        assert (line.age_1, line.age_2, line.age_3, line.age_4_6) == (D("1500.00"), D("1500.00"), D("500.00"), 0)
        debtor = Debtor.objects.get(account=accounts[0])
        assert debtor.months == 3 and debtor.last_paid_amount == D("1000.00")
        assert "кв. 1" in debtor.address


def test_every_age_bucket_and_an_imported_opening_balance_older_than_twelve_months(principal_a):
    """An opening balance of 10 000.00 imported for 06.2025, then twelve months 12.2025–11.2026 of 1 500.00 each,
    and 1 000.00 paid: the principal debt is 10 000 + 12 × 1 500 − 1 000 = 27 000.00. Payments close the oldest
    debt first, so the newest months are unpaid: 11.2026 age 1, 10.2026 age 2, 09.2026 age 3, 06–08.2026 ages 4–6
    (3 × 1 500 = 4 500.00), 12.2025–05.2026 ages 7–12 (6 × 1 500 = 9 000.00), and the rest, 10 000 − 1 000 =
    9 000.00, is the imported debt, older than any posted month: over 12."""
    (account,) = _accounts(principal_a, 1, prefix="AGE")
    with tenant_context(principal_a):
        maintenance = Service.objects.get(code="maint")
        # the same 30.00 ₽/m² in 2025 (the shared builder's tariff starts in 2026)
        Tariff.objects.create(service=maintenance, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31),
                              rate=D("30.00"))
        opening_import(date(2025, 6, 1), [(account, maintenance, "10000.00")])
        post(*months(date(2025, 12, 1), 12))
        _receipt(account.number, "1000.00", date(2026, 11, 20), "AGE-1")
        register_refresh(today=date(2026, 12, 5))
        line = DebtorLine.objects.get(account=account)
        assert line.principal_debt == D("10000.00") + 12 * D("1500.00") - D("1000.00")
        assert (line.age_1, line.age_2, line.age_3, line.age_4_6, line.age_7_12, line.age_over_12) == (
            D("1500.00"), D("1500.00"), D("1500.00"), 3 * D("1500.00"), 6 * D("1500.00"), D("9000.00"))
        assert sum((line.age_1, line.age_2, line.age_3, line.age_4_6, line.age_7_12, line.age_over_12)) == (
            line.principal_debt)
        # the oldest unpaid debt has no month of its own (it came from the previous system): over 12 months
        assert line.oldest_month is None
        assert Debtor.objects.get(account=account).months == 13
        # a court claim's period still starts exactly at the oldest unpaid debt: the balance imported for 06.2025
        # (9 000.00 of it unpaid), older than the register's twelve months
        assert court_case_calculation(account=account, on=date(2026, 12, 5))["period_from"] == date(2025, 6, 1)


def test_the_threshold_of_p118_for_hot_water_by_norm(principal_a):
    """ПП 354 п.118: restriction is possible when the debt for one service is above two monthly charges computed by
    the norm and the tariff. Here: norm 3.5 m³ × 2 persons × 250.00 ₽ = 1 750.00 a month, so the threshold is
    2 × 1 750.00 = 3 500.00. Three months are charged (5 250.00); one account paid 1 750.00 and owes exactly
    3 500.00 — not over the threshold; the other paid 1 749.99 and owes 3 500.01 — over it."""
    monthly = HW_NORM * HW_PERSONS * HW_RATE
    assert monthly == D("1750.00")
    threshold = 2 * monthly
    service, (at, over) = hot_water(principal_a, 2)
    with tenant_context(principal_a):
        post(date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
        _receipt(at.number, "1750.00", date(2026, 11, 25), "HW-1", service="hw")
        _receipt(over.number, "1749.99", date(2026, 11, 25), "HW-2", service="hw")
        register_refresh(today=date(2026, 12, 5))
        at_line = DebtorLine.objects.get(account=at, service=service)
        over_line = DebtorLine.objects.get(account=over, service=service)
        assert at_line.norm_charge == over_line.norm_charge == monthly
        assert (at_line.principal_debt, over_line.principal_debt) == (threshold, threshold + D("0.01"))
        assert at_line.restrictable and over_line.restrictable
        assert at_line.threshold is False and over_line.threshold is True
        # the debt in months of the norm: 3 500.00 / 1 750.00 = 2.00, 3 500.01 / 1 750.00 = 2.000006 → 2.00
        assert at_line.months_of_norm == over_line.months_of_norm == D("2.00")
        assert Debtor.objects.get(account=at).threshold is False
        assert Debtor.objects.get(account=over).threshold is True


def test_a_kept_agreement_lifts_the_threshold_and_the_register_shows_stage_and_last_payment(principal_a):
    """The debtor over the threshold with an agreement being kept is not over it for the register (п.118: «…при
    отсутствии заключенного … соглашения о погашении задолженности и (или) при невыполнении условий такого
    соглашения»); the line keeps its figures. Two payments on one day are that day's last payment together."""
    service, (kept, plain) = hot_water(principal_a, 2, prefix="KEPT")
    with tenant_context(principal_a):
        post(date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
        _receipt(kept.number, "100.00", date(2026, 11, 2), "K-1", service="hw")
        _receipt(kept.number, "200.00", date(2026, 11, 20), "K-2", service="hw")
        _receipt(kept.number, "50.00", date(2026, 11, 20), "K-3", service="hw")
        Agreement.objects.create(account=kept, number="С-1", status=AgreementStatus.ACTIVE, total=D("4000.00"),
                                 parts=2, signed_on=date(2026, 11, 21))
        stage_advance(plain.pk, Stage.WARNED, on=date(2026, 12, 1))
        register_refresh(today=date(2026, 12, 5))
        assert DebtorLine.objects.get(account=kept, service=service).threshold is True
        debtor = Debtor.objects.get(account=kept)
        assert (debtor.threshold, debtor.kept_agreement) == (False, True)
        assert (debtor.last_paid_on, debtor.last_paid_amount) == (date(2026, 11, 20), D("250.00"))
        assert debtor.stage == Stage.NONE
        other = Debtor.objects.get(account=plain)
        assert (other.threshold, other.kept_agreement, other.stage) == (True, False, Stage.WARNED)
        assert other.last_paid_on is None
        # the agreement breached: the threshold is back at the next refresh
        Agreement.objects.filter(account=kept).update(status=AgreementStatus.BREACHED)
        register_refresh(today=date(2026, 12, 6))
        assert Debtor.objects.get(account=kept).threshold is True


def test_each_principal_has_its_own_register(principal_a, principal_b):
    at_a = _accounts(principal_a, 2, prefix="ISO")
    at_b = _accounts(principal_b, 1, rate="10.00", prefix="ISO")
    with tenant_context(principal_a):
        post(date(2026, 10, 1))
        register_refresh(today=date(2026, 11, 5))
    with tenant_context(principal_b):
        post(date(2026, 10, 1))
        assert register_refresh(today=date(2026, 11, 5)) == (1, 1)
        assert list(Debtor.objects.values_list("account_id", "debt")) == [(at_b[0].pk, D("500.00"))]
        assert DebtorLine.objects.count() == 1
    with tenant_context(principal_a):
        # B's refresh did not touch A's snapshot, which is A's own accounts at 50 × 30.00
        assert sorted(Debtor.objects.values_list("account_id", "debt")) == [(a.pk, D("1500.00")) for a in at_a]


def test_a_failed_refresh_leaves_the_previous_register(principal_a, monkeypatch):
    """All or nothing: the debtor statement fails after the lines were rewritten; the lines are as before."""
    (account,) = _accounts(principal_a, 1, prefix="TXN")
    with tenant_context(principal_a):
        post(date(2026, 10, 1))
        register_refresh(today=date(2026, 11, 5))
        before = list(DebtorLine.objects.values_list("account_id", "service_id", "debt"))
        assert before and Debtor.objects.count() == 1
        _receipt(account.number, "700.00", date(2026, 11, 6), "TXN-1")
        monkeypatch.setattr(register, "DEBTORS_SQL", "SELECT 1 / 0 -- {parts}")
        with pytest.raises(DatabaseError):
            register_refresh(today=date(2026, 11, 7))
        assert list(DebtorLine.objects.values_list("account_id", "service_id", "debt")) == before
        assert Debtor.objects.get(account=account).debt == D("1500.00")
        monkeypatch.undo()
        register_refresh(today=date(2026, 11, 7))
        assert DebtorLine.objects.get(account=account).debt == D("800.00")


def test_a_refresh_costs_the_same_queries_for_2_and_20_accounts(principal_a):
    small = _accounts(principal_a, 2, prefix="QS")
    with tenant_context(principal_a):
        post(date(2026, 10, 1))

        def refresh_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                register_refresh(today=date(2026, 11, 5))
            return len(queries)

        few = refresh_queries()
        assert Debtor.objects.count() == len(small)
    many = _accounts(principal_a, 18, prefix="QM")
    with tenant_context(principal_a):
        # the new accounts get October by a rerun of November over them: post November for all twenty
        post(date(2026, 11, 1))
        assert refresh_queries() == few
        assert Debtor.objects.count() == len(small) + len(many)
