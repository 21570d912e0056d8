"""An account's penalty statement from its balances, the dated deadline and the rate tables in the database."""

from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from registry.models import House, Premise
from regulations.models import KeyRate
from tenants.billing.models import Balance, BillingPeriod, PersonalAccount, Service
from tenants.billing.penalties import penalty_statement


def test_debt_spanning_both_bands_matches_the_hand_worked_figure(principal_a):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Пенная", house_number="2")
    premise = Premise.objects.create(house=house, number="7", area=Decimal("45"))
    with tenant_context(principal_a):
        service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                         tariff_kind="per_area")
        account = PersonalAccount.objects.create(number="P-7", premise=premise, payer_name="-", charge_area=45,
                                                 opened_on=date(2020, 1, 1))
        january = BillingPeriod.objects.create(month=date(2026, 1, 1), status="calculated", charge_lines=1)
        Balance.objects.create(period=january, account=account, service=service, charged=Decimal("10000.00"),
                               closing=Decimal("10000.00"))
        BillingPeriod.objects.filter(pk=january.pk).update(status="posted")
        statement = penalty_statement(account=account, as_of=date(2026, 6, 1))

    # January 2026 is due by 10.02.2026 (the pre-March-2026 rule). From 11.02 to 01.06 is 111 days:
    # 30 days of grace; 60 days × 1/300; 21 days × 1/130; the key rate is capped at 9.5 % (ПП №329).
    # 10 000.00 × 60 × 9.5 % / 300 = 190.00; 10 000.00 × 21 × 9.5 % / 130 = 153.46.
    assert statement.total == Decimal("343.46")
    bands = [(row.band, row.days) for row in statement.rows]
    assert ("1/300", 60) in bands and ("1/130", 21) in bands


def test_a_new_key_rate_recorded_by_an_operator_is_used(principal_a):
    """Below the cap the key rate itself applies: an operator's new row changes the result."""
    KeyRate.objects.create(valid_from=date(2027, 3, 1), rate=Decimal("8.000"), source="тест", confidence="check")
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Ставки", house_number="8")
    premise = Premise.objects.create(house=house, number="1", area=Decimal("45"))
    with tenant_context(principal_a):
        service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                         tariff_kind="per_area")
        account = PersonalAccount.objects.create(number="P-8", premise=premise, payer_name="-", charge_area=45,
                                                 opened_on=date(2020, 1, 1))
        period = BillingPeriod.objects.create(month=date(2026, 11, 1), status="calculated", charge_lines=1)
        Balance.objects.create(period=period, account=account, service=service, charged=Decimal("3000.00"),
                               closing=Decimal("3000.00"))
        statement = penalty_statement(account=account, as_of=date(2027, 3, 15))

    # due 15.12.2026; 15.12 → 15.03.2027 is 90 days: 30 grace, 60 × 1/300 at 8 % (no cap from 2027)
    assert statement.total == Decimal("48.00")


def test_statement_reads_the_rule_tables_once_whatever_the_number_of_periods(principal_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Долгая", house_number="3")
    premise = Premise.objects.create(house=house, number="1", area=Decimal("45"))
    with tenant_context(principal_a):
        service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                         tariff_kind="per_area")
        account = PersonalAccount.objects.create(number="P-9", premise=premise, payer_name="-", charge_area=45,
                                                 opened_on=date(2020, 1, 1))

        def queries_for(months: int) -> int:
            for m in range(1, months + 1):
                period, _ = BillingPeriod.objects.get_or_create(month=date(2025, m, 1),
                                                                defaults={"status": "calculated", "charge_lines": 1})
                Balance.objects.get_or_create(period=period, account=account, service=service,
                                              defaults={"charged": Decimal("100.00"), "closing": Decimal("100.00")})
            with CaptureQueriesContext(connection) as captured:
                penalty_statement(account=account, as_of=date(2026, 6, 1))
            return len(captured)

        assert queries_for(2) == queries_for(12)
