"""The debtor register (``tenants.collection.register``)."""

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from tenants.billing.charge_run import charge_run, period_post
from tenants.collection.models import Debtor, DebtorLine
from tenants.collection.register import register_refresh
from tests.tenants.billing.test_balances import _accounts, _receipt

pytestmark = pytest.mark.django_db
D = Decimal


def test_register_ages_the_unpaid_months_newest_first(principal_a):
    """Three months of 50 m² × 30.00 = 1 500.00 charged, 1 000.00 paid: 3 500.00 owed, the newest charges unpaid —
    1 500.00 of the last month (age 1), 1 500.00 of the one before (age 2), 500.00 of the first (age 3)."""
    accounts = _accounts(principal_a, 2, prefix="REG")
    with tenant_context(principal_a):
        for month in (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)):
            charge_run(month=month)
            period_post(month=month)
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
