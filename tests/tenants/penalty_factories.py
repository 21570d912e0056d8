"""One account owing for January 2026, for the penalty tests of the statement and of the accrual."""

from datetime import date
from decimal import Decimal

from tenants.billing.models import Balance, BillingPeriod, PersonalAccount, Service
from tenants.registry.models import House, Premise


def january_debt(*, number: str, street: str, amount: Decimal = Decimal("10000.00")) -> PersonalAccount:
    """``amount`` charged for January 2026 on a new account with one service (due 10.02.2026, the pre-March-2026
    rule); call inside the principal's tenant context."""
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street=street, house_number="1")
    premise = Premise.objects.create(house=house, number="1", area=Decimal("45"))
    service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                     tariff_kind="per_area")
    account = PersonalAccount.objects.create(number=number, premise=premise, payer_name="-", charge_area=45,
                                             opened_on=date(2020, 1, 1))
    january = BillingPeriod.objects.create(month=date(2026, 1, 1), status="calculated", charge_lines=1)
    Balance.objects.create(period=january, account=account, service=service, charged=amount, closing=amount)
    return account
