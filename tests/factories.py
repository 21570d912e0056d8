"""Builders for test data: valid requisites, principals, staff, keys. Real rows, no mocks."""

import itertools
from datetime import date

from agency.identity.models import PrincipalMembership, User
from agency.identity.permissions import PrincipalRole
from agency.identity.services import api_key_create
from billing_core.requisites import account_with_control_key, inn_with_check_digits, ogrn_with_check_digit

BIC = "044525225"
CORR = "30101810400000000225"
PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1000)


def requisites(n: int | None = None) -> dict:
    n = next(_seq) if n is None else n
    return {
        "legal_name": f"ООО «Тестовый принципал {n}»",
        "short_name": f"Принципал {n}",
        "inn": inn_with_check_digits(f"77{n:07d}"),
        "kpp": "770101001",
        "ogrn": ogrn_with_check_digit(f"1027700{n:05d}"),
        "bank_name": "ПАО Сбербанк",
        "bic": BIC,
        "settlement_account": account_with_control_key(f"40702810{n:012d}", BIC),
        "correspondent_account": CORR,
    }


def user(email: str | None = None, **extra) -> User:
    email = email or f"user{next(_seq)}@test.local"
    return User.objects.create_user(email=email, password=PASSWORD, full_name=extra.pop("full_name", "Тест"), **extra)


def staff(principal, *, role=PrincipalRole.STAFF, permissions=(), email: str | None = None) -> User:
    u = user(email)
    PrincipalMembership.objects.create(user=u, principal=principal, role=role, permissions=list(permissions))
    return u


def api_key(principal, permissions) -> str:
    _key, plain = api_key_create(principal=principal, name="test key", permissions=list(permissions), created_by=None)
    return plain


def household_meter(principal, premise, unified, serial: str):
    """A personal account of ``unified``'s household at ``principal`` with one cold-water meter.

    Opens the principal's readings window for the whole month: tests using it are not about the window.
    """
    from django_tenants.utils import tenant_context

    from tenants.billing.models import Meter, PersonalAccount, Service
    from tenants.workspace.models import WorkspaceSettings

    with tenant_context(principal):
        WorkspaceSettings.objects.update(readings_window_start_day=1, readings_window_end_day=31)
        service = Service.objects.get_or_create(code="cold", defaults={
            "kind": "cold_water", "name": "ХВС", "unit": "м³", "tariff_kind": "per_unit"})[0]
        account = PersonalAccount.objects.create(number=f"L-{serial}", premise=premise, unified_account=unified,
                                                 payer_name="-", charge_area=40, opened_on=date(2020, 1, 1))
        return Meter.objects.create(account=account, service=service, serial=serial, installed_on=date(2020, 1, 1),
                                    verified_until=date(2035, 1, 1))
