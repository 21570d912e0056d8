"""File uploads on the principal's host: same credentials as /graphql, errors by line and field."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from agency.identity.permissions import Perm
from tenants.billing.models import Meter, PersonalAccount, Reading, Service
from tenants.registry.models import House, Premise
from tenants.workspace.models import WorkspaceSettings
from tests import factories
from tests.graphql_api.uploading import upload_post

FILE = "Заводской номер;Зона;Показание;Дата\nUP-1;1;15;{day}\nNOPE;1;5;{day}\n"


@pytest.fixture
def meter(principal_a):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Файловая", house_number="1")
    premise = Premise.objects.create(house=house, number="1", area=Decimal("40"))
    with tenant_context(principal_a):
        WorkspaceSettings.objects.update(readings_window_start_day=1, readings_window_end_day=31)
        service = Service.objects.create(code="cold", kind="cold_water", name="ХВС", unit="м³", tariff_kind="per_unit")
        account = PersonalAccount.objects.create(number="U-1", premise=premise, payer_name="-", charge_area=40,
                                                 opened_on=date(2020, 1, 1))
        return Meter.objects.create(account=account, service=service, serial="UP-1", installed_on=date(2020, 1, 1),
                                    verified_until=date(2030, 1, 1))


def _post(host, key, text, mode):
    from django.utils import timezone

    day = timezone.localdate().strftime("%d.%m.%Y")
    upload = SimpleUploadedFile("r.csv", text.format(day=day).encode("cp1251"), content_type="text/csv")
    return upload_post(Client(), "readings", {"file": upload, "mode": mode}, HTTP_HOST=host,
                       HTTP_AUTHORIZATION=f"Bearer {key}")


def test_upload_reports_the_bad_line_and_loads_nothing(meter, principal_a, tenants):
    key = factories.api_key(principal_a, [Perm.READINGS_MANAGE])
    response = _post(tenants.a_host, key, FILE, "all_or_nothing")
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], [(e["line"], e["field"], e["code"]) for e in body["errors"]]) == (
        "rejected", [(3, "meter", "NOT_FOUND")])
    with tenant_context(principal_a):
        assert not Reading.objects.exists()


def test_good_rows_are_loaded_on_request(meter, principal_a, tenants):
    key = factories.api_key(principal_a, [Perm.READINGS_MANAGE])
    body = _post(tenants.a_host, key, FILE, "good_rows").json()
    assert (body["status"], body["rowsLoaded"]) == ("loaded", 1)
    with tenant_context(principal_a):
        assert list(Reading.objects.values_list("value", flat=True)) == [Decimal("15")]


def test_upload_needs_the_permission_and_the_own_principal(meter, principal_a, principal_b, tenants):
    without = _post(tenants.a_host, factories.api_key(principal_a, [Perm.ACCOUNTS_VIEW]), FILE, "good_rows")
    foreign = _post(tenants.a_host, factories.api_key(principal_b, [Perm.READINGS_MANAGE]), FILE, "good_rows")
    assert (without.status_code, without.json()["errors"][0]["extensions"]["code"]) == (403, "PERMISSION_DENIED")
    assert (foreign.status_code, foreign.json()["errors"][0]["extensions"]["code"]) == (403, "FOREIGN_PRINCIPAL")
    with tenant_context(principal_a):
        assert not Reading.objects.exists()


def test_opening_balances_upload_names_bad_lines_and_loads_once(meter, principal_a, tenants):
    from tenants.billing.models import Balance

    key = factories.api_key(principal_a, [Perm.ACCOUNTS_MANAGE])
    text = "Лицевой счёт;Услуга;Сальдо\nU-1;cold;250,00\nU-404;cold;1\n"

    def post(mode, month="2026-05-01"):
        upload = SimpleUploadedFile("saldo.csv", text.encode("cp1251"), content_type="text/csv")
        return upload_post(Client(), "opening-balances", {"file": upload, "mode": mode, "month": month},
                           HTTP_HOST=tenants.a_host, HTTP_AUTHORIZATION=f"Bearer {key}")

    bad_month = post("good_rows", month="мая")
    first = post("good_rows").json()
    again = post("good_rows").json()

    assert (bad_month.status_code, bad_month.json()["errors"][0]["field"]) == (400, "month")
    assert [(e["line"], e["field"], e["code"]) for e in first["errors"]] == [(3, "account", "NOT_FOUND")]
    assert (first["status"], first["rowsLoaded"], again["id"]) == ("loaded", 1, first["id"])
    with tenant_context(principal_a):
        assert list(Balance.objects.values_list("closing", flat=True)) == [Decimal("250.00")]
