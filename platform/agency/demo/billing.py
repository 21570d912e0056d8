"""Demo billing data: every premise gets a ЕЛС and, with each principal, an account with its services,
occupants, meters and readings; then the demo month (the last full month before the load day, see
``agency.demo.dates``) is charged. Idempotent per principal."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django_tenants.utils import tenant_context

from agency.demo.dates import DemoCalendar, day_in_month
from billing_core.collection import monthly_norm_charge
from tenants.billing.charge_run import charge_run
from tenants.billing.imports import opening_balances_import
from tenants.billing.models import (
    AccountService,
    HouseCommonProperty,
    ImportMode,
    Meter,
    Norm,
    Occupancy,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.billing.recalculations import recalculation_absence_create
from tenants.registry.models import Premise, PremiseKind, UnifiedAccount

D = Decimal

# (code, kind, name, unit, tariff kind, norm basis, tariff fields, norm (value, coefficient), metered share)
CATALOGUE = {
    "uk_demo": [
        ("maintenance", "maintenance", "Содержание и текущий ремонт", "м²", "per_area", "",
         {"rate": D("32.50")}, None, 0),
        ("electricity", "electricity", "Электроснабжение", "кВт·ч", "per_unit", "person",
         {"rate": D("6.43")}, (D("95"), D("1.5")), 0.9),
        # the common-property share of electricity (СОИ); its norm is per m² of the house's common area
        ("electricity_soi", "electricity", "Электроэнергия на содержание общего имущества", "кВт·ч", "per_unit",
         "area", {"rate": D("6.43")}, (D("1.2"), D("1")), 0),
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

# СОИ service code → the resource whose house volume it shares out (Service.common_property_of)
COMMON_PROPERTY = {"electricity_soi": "electricity"}
COMMON_AREA_SHARE = D("0.12")  # the houses' common-property area, as a share of their premises' area

# The demo's debtors (debt collection): the last NON_PAYING_FLATS flats of the last house owe each principal for one
# service the law lets it restrict (ПП 354 п.119), from before the demo's history — loaded as the previous system's
# opening balances of the month before the demo month — and pay nothing in the demo. Each owes DEBT_MONTHS[i % n]
# monthly charges by norm and tariff, so all are over the п.118 threshold (two such charges).
DEBTOR_SERVICE = {"uk_demo": "electricity", "heat_demo": "hot_water", "water_demo": "drainage"}
NON_PAYING_FLATS = 10
DEBT_MONTHS = (4, 6, 3, 8, 5, 12, 4, 7, 10, 6)


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
        services = _catalogue_seed(CATALOGUE[principal.schema_name], calendar)
        by_code = {service.code: service for service, _metered in services}
        accounts = PersonalAccount.objects.bulk_create([
            PersonalAccount(number=f"{account_prefix}{p.pk:06d}", premise=p, unified_account_id=unified[p.pk],
                            payer_name=demo_payer_name(p.pk), charge_area=p.area, opened_on=date(2024, 1, 1),
                            # a made-up mobile number per flat (the 900 code, digits from the premise), for reminders
                            phone=f"+7 900 {p.pk:07d}")
            for p in premises
        ])
        _households_seed(accounts, premises, services, rng, calendar)
        _readings_seed(rng, calendar)
        _opening_debts_seed(CATALOGUE[principal.schema_name], DEBTOR_SERVICE.get(principal.schema_name), calendar)
        if any(code in by_code for code in COMMON_PROPERTY):
            _common_property_seed(premises, accounts, by_code, calendar)
        charge_run(month=calendar.month)
        if "electricity" in by_code:
            _absence_seed(accounts, by_code["electricity"], calendar)
        return len(accounts)


def _catalogue_seed(catalogue, calendar: DemoCalendar) -> list[tuple[Service, float]]:
    """The services with their tariffs (10 % lower before the tariff change) and norms; (service, metered share)."""
    services = []
    for code, kind, name, unit, tariff_kind, basis, tariff, norm, metered in catalogue:
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
    by_code = {service.code: service for service, _metered in services}
    for code, resource in COMMON_PROPERTY.items():
        if code in by_code:
            Service.objects.filter(pk=by_code[code].pk).update(common_property_of=by_code[resource])
    return services


def _households_seed(accounts, premises, services, rng: random.Random, calendar: DemoCalendar) -> None:
    """Each account's occupants, services and (in flats, by each service's metered share) meters."""
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


def non_paying_accounts() -> list[PersonalAccount]:
    """The current principal's demo debtors (see ``DEBTOR_SERVICE``): the last flats' accounts, last first."""
    return list(PersonalAccount.objects.filter(premise__kind=PremiseKind.FLAT).order_by("-premise_id")
                [:NON_PAYING_FLATS])


def _opening_debts_seed(catalogue, code: str | None, calendar: DemoCalendar) -> None:
    """The demo debtors' old debt for ``code``, imported as the opening balances of the month before the demo
    month (the demo month's charge run carries them on): months × norm × the current tariff × persons."""
    row = next((r for r in catalogue if r[0] == code), None)
    if row is None:
        return
    tariff, (norm, _uplift) = row[6], row[7]
    # the unit rate as the register takes it: a two-component hot water tariff is cold water + heat norm × heat
    rate = tariff.get("rate") or tariff["cold_component_rate"] + tariff["heat_norm"] * tariff["heat_rate"]
    accounts = non_paying_accounts()
    persons = dict(Occupancy.objects.filter(account__in=accounts).values_list("account_id", "living"))
    lines = ["лицевой счет;услуга;сумма"]
    for i, account in enumerate(accounts):
        debt = monthly_norm_charge(norm, rate, D(persons.get(account.pk) or 1)) * DEBT_MONTHS[i % len(DEBT_MONTHS)]
        lines.append(f"{account.number};{code};{debt:.2f}")
    opening_balances_import(data="\r\n".join(lines).encode(), filename="demo_opening_debts.csv",
                            month=calendar.previous_month, mode=ImportMode.ALL_OR_NOTHING)


def _readings_seed(rng: random.Random, calendar: DemoCalendar) -> None:
    """Every meter read in the previous month; nine in ten also in the demo month."""
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


def _common_property_seed(premises, accounts, by_code, calendar: DemoCalendar) -> None:
    """Every house's common area; the first house with a collective electricity meter read in both months. Its
    reading is the premises' volumes (as the charge run takes them: the meter's consumption, else 95 kWh × persons)
    plus 80 % of the СОИ norm's volume, so its СОИ lines go by the meter, under the norm's cap (ПП 354 п.44)."""
    houses: dict[int, list] = {}
    for premise, account in zip(premises, accounts, strict=True):
        houses.setdefault(premise.house_id, []).append((premise, account))
    for house_id, rows in houses.items():
        HouseCommonProperty.objects.create(
            house_id=house_id, common_area=(sum(p.area for p, _a in rows) * COMMON_AREA_SHARE).quantize(D("0.01")))
    first = min(houses)
    electricity = by_code["electricity"]
    ids = [a.pk for _p, a in houses[first]]
    used = dict(Reading.objects.filter(meter__account_id__in=ids, meter__service=electricity, period=calendar.month)
                .values_list("meter__account_id", "value"))
    before = dict(Reading.objects.filter(meter__account_id__in=ids, meter__service=electricity,
                                         period=calendar.previous_month).values_list("meter__account_id", "value"))
    persons = dict(Occupancy.objects.filter(account_id__in=ids).values_list("account_id", "living"))
    premises_volume = sum((used[i] - before[i]) if i in used else D(95) * persons.get(i, 0) for i in ids)
    common_area = HouseCommonProperty.objects.get(house_id=first).common_area
    collective = premises_volume + (D("1.2") * common_area * D("0.8")).quantize(D("0.001"))
    meter = Meter.objects.create(house_id=first, service=electricity, serial="ОДПУ-ЭЭ-1", digit_capacity=7,
                                 installed_on=date(2022, 1, 1),
                                 verified_until=calendar.today.replace(day=1) + timedelta(days=4 * 366))
    start = D("120000")
    Reading.objects.bulk_create([
        Reading(meter=meter, period=calendar.previous_month, value=start,
                reading_date=day_in_month(calendar.previous_month, 25), source="portal"),
        Reading(meter=meter, period=calendar.month, value=start + collective,
                reading_date=day_in_month(calendar.month, 25), source="portal"),
    ])


def _absence_seed(accounts, electricity, calendar: DemoCalendar) -> None:
    """An absence recalculation of electricity (ПП 354 п.86: every utility charged without a meter but heating):
    the first household without an electricity meter, away from the 3rd to the 17th of the demo month."""
    metered = set(Meter.objects.filter(service=electricity, account__isnull=False).values_list("account_id", flat=True))
    living = dict(Occupancy.objects.filter(living__gt=0).values_list("account_id", "living"))
    account = next((a for a in accounts if a.pk not in metered and a.pk in living), None)
    if account is None:
        return
    recalculation_absence_create(
        account=account, service=electricity, corrected_month=calendar.month,
        departure_date=day_in_month(calendar.month, 3), return_date=day_in_month(calendar.month, 17),
        application_date=day_in_month(calendar.month, 19), absent_persons=1,
    )
