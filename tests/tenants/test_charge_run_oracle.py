"""The SQL charge run equals billing_core.tariffs.charge_amount (and its rate tariffs.unit_rate), line by line,
on varied data."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django_tenants.utils import tenant_context

from billing_core import tariffs as reference
from tenants.billing.charge_run import charge_run
from tenants.billing.models import AccountService, Charge, Norm, Occupancy, PersonalAccount, Service, Tariff
from tenants.registry.models import House, Premise

MONTH = date(2026, 2, 1)  # 28 days: divisions that do not come out even
END = date(2026, 2, 28)
KINDS = ("per_area", "per_person", "per_premise", "per_unit", "two_component_hot_water")
VOLUME_KINDS = {"per_unit", "two_component_hot_water"}


def _random_tariffs(rng: random.Random, service: Service) -> list[Tariff]:
    """One to three consecutive tariffs covering the month, split on random days."""
    cuts = sorted(rng.sample(range(1, 28), rng.randint(0, 2)))
    starts = [MONTH] + [MONTH + timedelta(days=c) for c in cuts]
    rows = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else None
        price = Decimal(rng.randint(1000, 99999)) / 1000
        if service.tariff_kind == "two_component_hot_water":
            rows.append(Tariff(service=service, valid_from=start, valid_to=end, cold_component_rate=price,
                               heat_rate=Decimal(rng.randint(150000, 300000)) / 100,
                               heat_norm=Decimal(rng.randint(500, 700)) / 10000))
        else:
            rows.append(Tariff(service=service, valid_from=start, valid_to=end, rate=price))
    return Tariff.objects.bulk_create(rows)


def _as_reference(t: Tariff) -> reference.Tariff:
    if t.cold_component_rate is not None:
        return reference.Tariff(kind="two_component_hot_water", valid_from=t.valid_from, valid_to=t.valid_to,
                                cold_water_rate=t.cold_component_rate, heat_rate=t.heat_rate, heat_norm=t.heat_norm)
    return reference.Tariff(kind=t.service.tariff_kind, valid_from=t.valid_from, valid_to=t.valid_to, rate=t.rate)


def test_sql_run_matches_the_python_reference(principal_a):
    rng = random.Random(7)
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Оракула", house_number="5")
    premises = Premise.objects.bulk_create(
        [Premise(house=house, number=str(n), area=Decimal(rng.randint(2000, 12000)) / 100) for n in range(60)]
    )
    with tenant_context(principal_a):
        services = [Service.objects.create(code=k, kind="custom", name=k, unit="-", tariff_kind=k,
                                           norm_basis="person" if k in VOLUME_KINDS else "") for k in KINDS]
        tariffs = {s.pk: _random_tariffs(rng, s) for s in services}
        # no meters anywhere: volume services are charged by norm × persons × uplift
        norms = {
            s.pk: Norm.objects.create(service=s, valid_from=date(2020, 1, 1),
                                      value=Decimal(rng.randint(1000, 9000)) / 1000, uplift_coefficient=Decimal("1.5"))
            for s in services if s.tariff_kind in VOLUME_KINDS
        }
        accounts = PersonalAccount.objects.bulk_create([
            PersonalAccount(number=f"O{p.pk}", premise=p, payer_name="-", charge_area=p.area,
                            opened_on=date(2020, 1, 1))
            for p in premises
        ])
        persons = {a.pk: rng.randint(0, 6) for a in accounts}
        Occupancy.objects.bulk_create([Occupancy(account=a, valid_from=date(2020, 1, 1), registered=persons[a.pk])
                                       for a in accounts])
        AccountService.objects.bulk_create([AccountService(account=a, service=s, valid_from=date(2020, 1, 1))
                                            for a in accounts for s in services])
        period = charge_run(month=MONTH)
        lines = list(Charge.objects.filter(period=period).select_related("account", "service"))

    assert len(lines) == len(accounts) * len(KINDS)
    for line in lines:
        norm = norms.get(line.service_id)
        expected = reference.charge_amount(
            tariffs=[_as_reference(t) for t in tariffs[line.service_id]],
            period_start=MONTH, period_end=END,
            area=line.account.charge_area, persons=persons[line.account_id],
            volume=reference.norm_volume(norm=norm.value, persons=persons[line.account_id]) if norm else None,
            uplift_coefficient=norm.uplift_coefficient if norm else Decimal(1),
        )
        assert line.amount == expected.total, (line.service.code, line.account.number)
        # the SQL's unit rate (cold + heat norm × heat rate for hot water) is the engine's one formula
        last = tariffs[line.service_id][-1]
        assert line.rate == reference.unit_rate(
            line.service.tariff_kind, rate=last.rate, cold_water_rate=last.cold_component_rate,
            heat_rate=last.heat_rate, heat_norm=last.heat_norm,
        ), line.service.code
