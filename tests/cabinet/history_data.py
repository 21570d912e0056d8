"""Posted billing months for the households of the ``homes`` fixture, written into the principals' schemas."""

from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from tenants.billing.models import Balance, BillingPeriod, Charge, PersonalAccount, Service


def months_from(start: date, count: int) -> list[date]:
    out, (y, m) = [], (start.year, start.month)
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def post_months(principal, months: list[date], *, status: str = "posted") -> dict[str, Decimal]:
    """Charges for every account of ``principal`` in each month (two services), with their balances.

    Returns the charged total per account number, to compare with what the cabinet shows.
    """
    totals: dict[str, Decimal] = {}
    with tenant_context(principal):
        services = [
            Service.objects.get_or_create(code="heat", defaults={"kind": "heating", "name": "Отопление", "unit": "Гкал",
                                                                 "tariff_kind": "per_area", "sort_order": 1})[0],
            Service.objects.get_or_create(code="cold", defaults={"kind": "cold_water", "name": "ХВС", "unit": "м³",
                                                                 "tariff_kind": "per_unit", "sort_order": 2})[0],
        ]
        accounts = list(PersonalAccount.objects.order_by("pk"))
        charges, balances = [], []
        for month_index, month in enumerate(months):
            # written while calculated: a posted period's rows cannot change (a trigger guards them)
            period, _c = BillingPeriod.objects.get_or_create(month=month, defaults={"status": "calculated"})
            for account_index, account in enumerate(accounts):
                for service_index, service in enumerate(services):
                    amount = Decimal(100 + 10 * month_index + account_index + service_index) + Decimal("0.25")
                    quantity = Decimal(month_index + 1) + Decimal("0.5") * service_index
                    charges.append(Charge(period=period, account=account, service=service, quantity=quantity,
                                          method="fixed", rate=Decimal("1"), amount=amount))
                    opening = Decimal("10.00") * month_index
                    balances.append(Balance(period=period, account=account, service=service, opening=opening,
                                            charged=amount, closing=opening + amount))
                    if status == "posted":
                        totals[account.number] = totals.get(account.number, Decimal("0")) + amount
        Charge.objects.bulk_create(charges)
        Balance.objects.bulk_create(balances)
        BillingPeriod.objects.filter(month__in=months).update(status=status)
    return totals
