"""Demo billing data: every premise gets a ЕЛС and, with each principal, an account with its services,
occupants, meters and readings; then the demo month (the last full month before the load day, see
``agentsite.demo_dates``) is charged. Idempotent per principal."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django_tenants.utils import tenant_context

from agentsite.demo_dates import DemoCalendar, day_in_month
from registry.models import Premise, PremiseKind, UnifiedAccount
from tenants.billing.charge_run import charge_run
from tenants.billing.models import (
    AccountService,
    Meter,
    Norm,
    Occupancy,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)

D = Decimal

# (code, kind, name, unit, tariff kind, norm basis, tariff fields, norm (value, coefficient), metered share)
CATALOGUE = {
    "uk_demo": [
        ("maintenance", "maintenance", "Содержание и текущий ремонт", "м²", "per_area", "",
         {"rate": D("32.50")}, None, 0),
        ("electricity", "electricity", "Электроснабжение", "кВт·ч", "per_unit", "person",
         {"rate": D("6.43")}, (D("95"), D("1.5")), 0.9),
    ],
    "heat_demo": [
        ("heating", "heating", "Отопление", "м²", "per_area", "", {"rate": D("38.91")}, None, 0),
        ("hot_water", "hot_water", "Горячее водоснабжение", "м³", "two_component_hot_water", "person",
         {"cold_component_rate": D("48.60"), "heat_rate": D("2650.44"), "heat_norm": D("0.0603")},
         (D("3.5"), D("1.5")), 0.8),
    ],
    "water_demo": [
        ("cold_water", "cold_water", "Холодное водоснабжение", "м³", "per_unit", "person",
         {"rate": D("48.60")}, (D("4.9"), D("1.5")), 0.8),
        ("drainage", "drainage", "Водоотведение", "м³", "per_unit", "person", {"rate": D("39.12")},
         (D("8.4"), D("1")), 0),
    ],
}


SURNAMES = (("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
            ("Васильев", "Васильева"), ("Петров", "Петрова"), ("Соколов", "Соколова"), ("Михайлов", "Михайлова"),
            ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"))
FIRST = (("Александр", "Сергеевич"), ("Дмитрий", "Андреевич"), ("Максим", "Игоревич"), ("Андрей", "Олегович"))
FIRST_F = (("Елена", "Викторовна"), ("Ольга", "Петровна"), ("Наталья", "Юрьевна"), ("Анна", "Николаевна"))


def demo_payer_name(n: int) -> str:
    """A fictitious payer for the n-th household: the same n always gives the same name."""
    male, female = SURNAMES[n % len(SURNAMES)]
    if n % 2:
        first, middle = FIRST[n // 2 % len(FIRST)]
        return f"{male} {first} {middle}"
    first, middle = FIRST_F[n // 2 % len(FIRST_F)]
    return f"{female} {first} {middle}"


def unified_accounts_ensure() -> dict[int, int]:
    """One ЕЛС per premise (premise id → ЕЛС id), each with its payer."""
    existing = dict(UnifiedAccount.objects.values_list("premise_id", "pk"))
    missing = [p for p in Premise.objects.order_by("pk") if p.pk not in existing]
    UnifiedAccount.objects.bulk_create(
        [UnifiedAccount(number=f"76{p.pk:08d}", premise=p, payer_name=demo_payer_name(p.pk)) for p in missing],
        batch_size=1000,
    )
    return dict(UnifiedAccount.objects.values_list("premise_id", "pk"))


@transaction.atomic
def demo_billing_seed(principal, *, account_prefix: str, calendar: DemoCalendar) -> int:
    """Create the principal's catalogue, accounts, meters and readings, then charge the demo month."""
    unified = unified_accounts_ensure()
    premises = list(Premise.objects.order_by("pk"))
    with tenant_context(principal):
        if PersonalAccount.objects.exists():
            return PersonalAccount.objects.count()
        rng = random.Random(principal.schema_name)
        services = []
        for code, kind, name, unit, tariff_kind, basis, tariff, norm, metered in CATALOGUE[principal.schema_name]:
            service = Service.objects.create(code=code, kind=kind, name=name, unit=unit, tariff_kind=tariff_kind,
                                             norm_basis=basis)
            Tariff.objects.create(service=service, valid_from=calendar.history_from,
                                  valid_to=calendar.tariff_change - timedelta(days=1),
                                  **{k: v * D("0.9") for k, v in tariff.items() if k != "heat_norm"},
                                  **({"heat_norm": tariff["heat_norm"]} if "heat_norm" in tariff else {}))
            Tariff.objects.create(service=service, valid_from=calendar.tariff_change, **tariff)
            if norm:
                Norm.objects.create(service=service, valid_from=calendar.history_from, value=norm[0],
                                    uplift_coefficient=norm[1])
            services.append((service, metered))

        accounts = PersonalAccount.objects.bulk_create([
            PersonalAccount(number=f"{account_prefix}{p.pk:06d}", premise=p, unified_account_id=unified[p.pk],
                            payer_name=demo_payer_name(p.pk), charge_area=p.area, opened_on=date(2024, 1, 1))
            for p in premises
        ])
        occupancy, links, meters = [], [], []
        for account, premise in zip(accounts, premises, strict=True):
            residential = premise.kind == PremiseKind.FLAT
            people = rng.choice((1, 2, 2, 3, 3, 4, 5)) if residential else 0
            occupancy.append(Occupancy(account=account, valid_from=date(2024, 1, 1), registered=people,
                                       living=people))
            for service, metered_share in services:
                links.append(AccountService(account=account, service=service, valid_from=date(2024, 1, 1)))
                if residential and rng.random() < metered_share:
                    meters.append(Meter(account=account, service=service, serial=f"{service.code[:2].upper()}"
                                        f"-{account.number}", installed_on=date(2022, 1, 1),
                                        verified_until=calendar.today.replace(day=1) + timedelta(days=4 * 366)))
        Occupancy.objects.bulk_create(occupancy, batch_size=2000)
        AccountService.objects.bulk_create(links, batch_size=2000)
        Meter.objects.bulk_create(meters, batch_size=2000)

        per_month = {"electricity": (60, 260), "hot_water": (1.5, 5.5), "cold_water": (2.5, 9.0)}
        readings = []
        for meter in Meter.objects.select_related("service"):
            low, high = per_month[meter.service.code]
            start = D(rng.randint(100, 9000))
            readings.append(Reading(meter=meter, period=calendar.previous_month, value=start,
                                    reading_date=day_in_month(calendar.previous_month, 23), source="cabinet"))
            if rng.random() < 0.9:  # a tenth forgot the demo month: they are charged by the norm
                used = D(str(round(rng.uniform(low, high), 3)))
                readings.append(Reading(meter=meter, period=calendar.month, value=start + used,
                                        reading_date=day_in_month(calendar.month, 24), source="cabinet"))
        Reading.objects.bulk_create(readings, batch_size=2000)
        charge_run(month=calendar.month)
        return len(accounts)
