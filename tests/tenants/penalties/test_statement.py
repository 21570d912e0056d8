"""An account's penalty statement from its balances, the dated deadline and the rate tables in the database."""

from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from tenants.billing.models import Balance, BillingPeriod, PersonalAccount, Service
from tenants.penalties.statement import penalty_statement
from tenants.registry.models import House, Premise
from tenants.regulations.models import KeyRate
from tests.tenants.penalty_factories import january_debt


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


def test_a_payment_reduces_the_debt_from_its_own_date_and_its_day_accrues(principal_a):
    """Issue 13 item 4 and 5: a receipt paid on 20.04.2026 counts from 20.04, not from 01.04, and 20.04 accrues.

    January 2026: 10 000.00 due 10.02.2026. Day 1 = 11.02; day 31 = 13.03; day 90 = 11.05; day 91 = 12.05.
    The key rate (15.5 % from 16.02.2026) is capped at 9.5 % (ПП №329) on every day R is taken.
    6 000.00 paid on 20.04.2026 (the agent's or the principal's receipt); calculated on 31.05.2026.
      13.03–20.04 (19 + 20 = 39 days, the payment day included): 10 000.00 × 39 × 9.5 % / 300 = 123.50
      21.04–11.05 (10 + 11 = 21 days):                            4 000.00 × 21 × 9.5 % / 300 =  26.60
      12.05–31.05 (20 days, 1/130):                               4 000.00 × 20 × 9.5 % / 130 =  58.4615… → 58.46
      total 123.50 + 26.60 + 58.46 = 208.56
    (Counted from 01.04 with the day excluded, as before, it was 60.17 + 51.93 + 58.46 = 170.56.)
    """
    from tenants.receipts.services import own_receipt_record

    with tenant_context(principal_a):
        account = january_debt(number="P-20", street="ул. Датная")
        own_receipt_record(account_number="P-20", amount="6000.00", paid_on=date(2026, 4, 20),
                           document_number="ПКО-20", service_code="maint")
        statement = penalty_statement(account=account, as_of=date(2026, 5, 31))

    assert [(r.date_from, r.date_to, r.days, r.debt, r.amount) for r in statement.rows if r.band != "0"] == [
        (date(2026, 3, 13), date(2026, 4, 20), 39, Decimal("10000.00"), Decimal("123.50")),
        (date(2026, 4, 21), date(2026, 5, 11), 21, Decimal("4000.00"), Decimal("26.60")),
        (date(2026, 5, 12), date(2026, 5, 31), 20, Decimal("4000.00"), Decimal("58.46")),
    ]
    assert statement.total == Decimal("208.56")
    assert statement.payment_day_accrues is True


def test_the_exclusive_payment_day_is_the_principals_choice(principal_a):
    """The same debt and payment with ``penalty_payment_day_accrues`` off: 20.04 no longer accrues on the 6 000.00.
      13.03–19.04 (38 days): 10 000.00 × 38 × 9.5 % / 300 = 120.333… → 120.33
      20.04–11.05 (22 days):  4 000.00 × 22 × 9.5 % / 300 =  27.866… →  27.87
      12.05–31.05 (20 days):  4 000.00 × 20 × 9.5 % / 130 =  58.46
      total 206.66
    """
    from tenants.receipts.services import own_receipt_record
    from tenants.workspace.services import workspace_settings_update

    with tenant_context(principal_a):
        account = january_debt(number="P-21", street="ул. Исключённая")
        own_receipt_record(account_number="P-21", amount="6000.00", paid_on=date(2026, 4, 20),
                           document_number="ПКО-21", service_code="maint")
        workspace_settings_update(penalty_payment_day_accrues=False)
        statement = penalty_statement(account=account, as_of=date(2026, 5, 31))

    assert statement.total == Decimal("206.66")
    assert statement.payment_day_accrues is False


def test_a_calculation_past_the_last_key_rate_decision_is_marked_stale(principal_a, settings):
    """With RULES_STALE_DAYS = 60, a statement 60 days after the key-rate table's last row is current and one 61
    days after is stale (a decision may be missing; the last rate would be taken silently). With the seeded table
    (last row 16.02.2026) that is 17.04.2026 (12 + 31 + 17 = 60 days) and 18.04.2026; the dates follow the table's
    last row so that adding decisions does not break the test. The cap table's last row (01.01.2027, ПП 329 ends)
    is ahead of both dates."""
    from datetime import timedelta

    settings.RULES_STALE_DAYS = 60
    last = KeyRate.objects.latest("valid_from").valid_from
    with tenant_context(principal_a):
        account = january_debt(number="P-22", street="ул. Устаревшая")
        current = penalty_statement(account=account, as_of=last + timedelta(days=60))
        stale = penalty_statement(account=account, as_of=last + timedelta(days=61))

    key_rates, caps = stale.rule_tables
    assert (key_rates.last_change, key_rates.days_past, key_rates.stale) == (last, 61, True)
    assert current.rule_tables[0].days_past == 60 and not current.rule_tables[0].stale
    assert caps.last_change == date(2027, 1, 1)
    assert stale.stale
    if last == date(2026, 2, 16):
        assert not current.stale and not caps.stale
