"""Money received on an account (the agent's allocations, the principal's own receipts) lands in the balance's
``paid`` of the period it was paid in, and lowers the closing."""

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from tenants.billing.charge_run import charge_run
from tenants.billing.models import AccountService, Balance, PersonalAccount, Service, Tariff
from tenants.receipts.services import own_receipt_record
from tenants.registry.models import House, Premise

pytestmark = pytest.mark.django_db
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def test_receipts_of_the_month_are_paid_in_that_periods_balance(principal_a):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Оплат", house_number="2")
    premise = Premise.objects.create(house=house, number="7", area=Decimal("50"))
    with tenant_context(principal_a):
        service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                         tariff_kind="per_area")
        Tariff.objects.create(service=service, valid_from=date(2026, 1, 1), rate=Decimal("30"))
        account = PersonalAccount.objects.create(number="PAY-1", premise=premise, payer_name="Плательщик",
                                                 charge_area=Decimal("50"), opened_on=date(2020, 1, 1))
        AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
        own_receipt_record(account_number="PAY-1", amount="400.00", paid_on=date(2026, 10, 20),
                           document_number="ПКО-1", service_code="maint")
        own_receipt_record(account_number="PAY-1", amount="100.00", paid_on=date(2026, 10, 31),
                           document_number="ПКО-2", service_code="maint")
        own_receipt_record(account_number="PAY-1", amount="999.00", paid_on=date(2026, 11, 2),
                           document_number="ПКО-3", service_code="maint")
        charge_run(month=OCT)
        october = Balance.objects.get(period__month=OCT, account=account, service=service)
        assert (october.charged, october.paid) == (Decimal("1500.00"), Decimal("500.00"))
        assert october.closing == october.opening + october.charged - october.paid == Decimal("1000.00")
        charge_run(month=OCT)  # a rerun of the draft gives the same numbers
        assert Balance.objects.get(pk__isnull=False, period__month=OCT).paid == Decimal("500.00")
        charge_run(month=NOV)
        november = Balance.objects.get(period__month=NOV, account=account, service=service)
        assert (november.opening, november.paid) == (Decimal("1000.00"), Decimal("999.00"))
