"""The scale data generator: counts, idempotence, determinism, distributions, and a charge run over it.

The module fixture generates committed data with the database unblocked outside any test
transaction (not transactional_db: its flush would delete the session's principals A and B) and
drops the principals, schemas and registry rows it created at module teardown.
"""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django_tenants.utils import schema_context, tenant_context

from agency.demo.scale import CITY, REGION, scale_data_drop, scale_data_generate, street_for
from tenants.billing.charge_run import charge_run
from tenants.billing.models import (
    AccountService,
    Charge,
    Meter,
    Norm,
    Occupancy,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.models import Principal
from tenants.registry.models import House, Premise

ACCOUNTS, PRINCIPALS, SEED = 300, 2, 11
MONTH = date(2026, 6, 1)
MAY = date(2026, 5, 1)
PREFIX = "scale_t"
TWIN = "scale_u"  # the same seed and first principal, generated again under other names
SCHEMAS = [f"{PREFIX}_001", f"{PREFIX}_002"]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        scale_data_drop(prefix=PREFIX)
        scale_data_drop(prefix=TWIN)
    try:
        with django_db_blocker.unblock():
            first = scale_data_generate(accounts=ACCOUNTS, principals=PRINCIPALS, seed=SEED, month=MONTH,
                                        prefix=PREFIX)
            second = scale_data_generate(accounts=ACCOUNTS, principals=PRINCIPALS, seed=SEED, month=MONTH,
                                         prefix=PREFIX)
            twin = scale_data_generate(accounts=ACCOUNTS // PRINCIPALS, principals=1, seed=SEED, month=MONTH,
                                       prefix=TWIN)
            connection.set_schema_to_public()
        yield {"first": first, "second": second, "twin": twin}
    finally:
        with django_db_blocker.unblock():
            scale_data_drop(prefix=PREFIX)
            scale_data_drop(prefix=TWIN)
            connection.set_schema_to_public()


def _counts(schema: str) -> dict[str, int]:
    with schema_context(schema):
        return {
            "services": Service.objects.count(), "tariffs": Tariff.objects.count(), "norms": Norm.objects.count(),
            "accounts": PersonalAccount.objects.count(), "occupancy": Occupancy.objects.count(),
            "account_services": AccountService.objects.count(), "meters": Meter.objects.count(),
            "readings": Reading.objects.count(),
        }


def test_counts(generated):
    first = generated["first"]
    assert [p.schema_name for p in first.principals] == SCHEMAS
    assert first.created == PRINCIPALS and first.loaded == PRINCIPALS
    assert first.rows["billing_personalaccount"] == ACCOUNTS
    assert first.rows["billing_accountservice"] == ACCOUNTS * 8
    assert first.rows["registry_premise"] == ACCOUNTS
    for schema in SCHEMAS:
        counts = _counts(schema)
        n = ACCOUNTS // PRINCIPALS
        # 8 services: last year's and this year's tariff each, cold water twice this year (the 16th)
        assert counts["services"] == 8 and counts["tariffs"] == 17 and counts["norms"] == 4
        assert counts["accounts"] == n and counts["occupancy"] == n and counts["account_services"] == 8 * n
        # meters for ~70 % of the 3 metered services; a previous reading for each, a current one for ~85 %
        assert 0.6 * 3 * n <= counts["meters"] <= 0.8 * 3 * n
        assert 1.75 * counts["meters"] <= counts["readings"] <= 1.95 * counts["meters"]
        assert Principal.objects.get(schema_name=schema).domains.get().domain.startswith(schema.replace("_", "-"))
    houses = House.objects.filter(region=REGION, city=CITY, street__in=[street_for(s) for s in SCHEMAS])
    assert Premise.objects.filter(house__in=houses).count() == ACCOUNTS


def test_second_run_adds_nothing(generated):
    second = generated["second"]
    assert second.created == 0 and second.loaded == 0 and second.rows == {}
    assert all(p.skipped for p in second.principals)
    before = {s: _counts(s) for s in SCHEMAS}
    out = io.StringIO()
    call_command("scale_data_generate", accounts=ACCOUNTS, principals=PRINCIPALS, seed=SEED, prefix=PREFIX, stdout=out)
    assert "nothing to add" in out.getvalue()
    assert {s: _counts(s) for s in SCHEMAS} == before


def test_other_arguments_are_refused(generated):
    with pytest.raises(ValueError, match="other arguments"):
        scale_data_generate(accounts=ACCOUNTS + 10, principals=PRINCIPALS, seed=SEED, prefix=PREFIX)


def _fingerprint(schema: str) -> list[tuple]:
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute(
            "SELECT right(a.number, 7), a.charge_area, a.opened_on, o.registered, o.living, "
            "       (SELECT array_agg(s.code || ':' || r.period || ':' || r.value ORDER BY s.code, r.period) "
            "        FROM billing_meter m JOIN billing_service s ON s.id = m.service_id "
            "        JOIN billing_reading r ON r.meter_id = m.id WHERE m.account_id = a.id) "
            "FROM billing_personalaccount a JOIN billing_occupancy o ON o.account_id = a.id ORDER BY a.number"
        )
        return cursor.fetchall()


def test_same_seed_same_data(generated):
    assert _fingerprint(f"{TWIN}_001") == _fingerprint(SCHEMAS[0])
    assert _fingerprint(SCHEMAS[0]) != _fingerprint(SCHEMAS[1])


def test_distributions(generated):
    for schema in SCHEMAS:
        with schema_context(schema):
            areas = list(PersonalAccount.objects.values_list("charge_area", flat=True))
            assert all(Decimal(25) <= a <= Decimal(120) for a in areas)
            mean = sum(areas) / len(areas)
            assert Decimal(42) <= mean <= Decimal(70)
            assert len({a for a in areas}) > len(areas) // 2  # not a handful of values
            persons = list(Occupancy.objects.values_list("registered", flat=True))
            assert set(persons) == {1, 2, 3, 4, 5}
            assert 1.8 <= sum(persons) / len(persons) <= 3.2
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT s.code, cur.value - prev.value FROM billing_reading cur "
                    "JOIN billing_reading prev ON prev.meter_id = cur.meter_id AND prev.period = %s "
                    "JOIN billing_meter m ON m.id = cur.meter_id JOIN billing_service s ON s.id = m.service_id "
                    "WHERE cur.period = %s",
                    [MAY, MONTH],
                )
                consumption = cursor.fetchall()
            water = [v for code, v in consumption if code in ("cold", "hot")]
            assert water and all(Decimal(2) <= v <= Decimal(15) for v in water)
            assert all(Decimal(40) <= v <= Decimal(600) for code, v in consumption if code == "elec")
            # every meter has May's reading; ~85 % have June's too
            assert Reading.objects.filter(period=MAY).count() == Meter.objects.count()
            share = Reading.objects.filter(period=MONTH).count() / Meter.objects.count()
            assert 0.75 <= share <= 0.95


def test_charge_run_over_generated_principal(generated):
    principal = Principal.objects.get(schema_name=SCHEMAS[0])
    with tenant_context(principal):
        period = charge_run(month=MONTH)
        methods = dict(Charge.objects.filter(period=period).values("method").annotate(n=Count("id"))
                       .values_list("method", "n"))
        accounts = PersonalAccount.objects.count()
        services_with_tariff = Tariff.objects.filter(valid_from__lte=date(2026, 6, 30)).exclude(
            valid_to__lt=MONTH).values("service").distinct().count()
    assert services_with_tariff == 8
    assert period.charge_lines == accounts * 8 == ACCOUNTS // PRINCIPALS * 8
    # maintenance, capital repair, heating, waste: fixed; water and electricity by meter or norm
    assert methods["fixed"] == accounts * 4
    assert methods["meter"] > 0 and methods["norm"] > 0
    assert sum(methods.values()) == accounts * 8
