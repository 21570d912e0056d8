"""The demo data set: the agent, three principals, five houses, 550 premises, staff and residents.

Idempotent: running it again changes nothing. Requisites are generated with valid
check digits; names and addresses are fictitious.
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.demo.billing import demo_billing_seed
from agency.demo.collection import demo_collection_seed
from agency.demo.dates import DemoCalendar, demo_calendar
from agency.demo.documents import demo_epd_seed
from agency.demo.payments import demo_payments_seed
from agency.identity.models import PrincipalMembership, User
from agency.identity.permissions import AgentRole, Perm, PrincipalRole
from agency.principals.services import agency_contract_create, principal_create
from billing_core.requisites import account_with_control_key, inn_with_check_digits, ogrn_with_check_digit
from billing_core.service_kinds import ServiceKind
from tenants.billing.readings import house_reading_window_set
from tenants.models import CONTACT_FIELDS, Domain, Principal, PrincipalKind
from tenants.registry.models import House, Premise, PremiseKind, UnifiedAccount
from tenants.residents.models import ResidentLink
from tenants.workspace.models import HouseReadingWindow

DEMO_PASSWORD = "demo-password-2026"
BANK = {"bank_name": "ПАО Сбербанк", "bic": "044525225", "correspondent_account": "30101810400000000225"}


@dataclass(frozen=True)
class DemoPrincipal:
    schema: str
    subdomain: str
    kind: str
    legal_name: str
    short_name: str
    inn9: str
    ogrn12: str
    account: str
    services: tuple[str, ...]
    fee_rate: Decimal
    # the executor's contacts every ЕПД prints (ПП 354 п.69 «а»): address, phone, e-mail, website, working hours
    contacts: tuple[str, str, str, str, str]


PRINCIPALS = (
    DemoPrincipal(
        "uk_demo", "uk-demo", PrincipalKind.MANAGEMENT_COMPANY,
        "Общество с ограниченной ответственностью «Управляющая компания „Северный квартал“»",
        "УК «Северный квартал»", "760412345", "116760000123", "40702810000000000101",
        (ServiceKind.MAINTENANCE, ServiceKind.ELECTRICITY), Decimal("1.5"),
        ("150000, Ярославская область, г. Ярославль, улица Свободы, д. 65, офис 3", "+7 (4852) 58-17-40, "
         "диспетчерская +7 (4852) 58-17-41 (круглосуточно)", "info@uk-demo.demo", "uk-demo.demo",
         "пн–чт 8:00–17:00, пт 8:00–16:00, обед 12:00–12:45; приём граждан: вт 15:00–19:00"),
    ),
    DemoPrincipal(
        "heat_demo", "heat-demo", PrincipalKind.RESOURCE_SUPPLIER,
        "Акционерное общество «Городские тепловые сети»",
        "АО «Городские тепловые сети»", "760498765", "102760000456", "40702810000000000202",
        (ServiceKind.HEATING, ServiceKind.HOT_WATER), Decimal("1.2"),
        ("150003, Ярославская область, г. Ярославль, улица Победы, д. 37", "+7 (4852) 40-52-00",
         "abonent@heat-demo.demo", "heat-demo.demo", "пн–пт 8:00–17:00, обед 12:00–13:00"),
    ),
    DemoPrincipal(
        "water_demo", "water-demo", PrincipalKind.RESOURCE_SUPPLIER,
        "Акционерное общество «Водоканал»",
        "АО «Водоканал»", "760455511", "102760000789", "40702810000000000303",
        (ServiceKind.COLD_WATER, ServiceKind.DRAINAGE), Decimal("1.0"),
        ("150040, Ярославская область, г. Ярославль, проспект Октября, д. 42", "+7 (4852) 78-90-00",
         "abonent@water-demo.demo", "water-demo.demo", "пн–пт 8:00–17:00, сб 9:00–13:00"),
    ),
)

HOUSES = (
    ("Ярославская область", "Ярославль", "проспект Ленина", "24", "", "150000", 9, 108),
    ("Ярославская область", "Ярославль", "улица Свободы", "71", "", "150014", 10, 120),
    ("Ярославская область", "Ярославль", "Московский проспект", "115", "2", "150030", 9, 108),
    ("Ярославская область", "Ярославль", "улица Чкалова", "8", "", "150047", 12, 120),
    ("Ярославская область", "Ярославль", "Тутаевское шоссе", "37", "", "150049", 9, 108),
)

RESIDENT_NAMES = (
    "Иванов Иван Петрович", "Смирнова Анна Сергеевна", "Кузнецов Дмитрий Олегович", "Попова Елена Викторовна",
    "Васильев Андрей Николаевич", "Петрова Мария Александровна", "Соколов Алексей Игоревич",
    "Михайлова Ольга Дмитриевна", "Новиков Сергей Владимирович", "Фёдорова Татьяна Юрьевна",
)


# the agent's own contacts (the settlement centre), printed on the ЕПД next to the executors'
AGENT_CONTACTS = ("150000, Ярославская область, г. Ярославль, улица Комсомольская, д. 4", "+7 (4852) 33-00-33",
                  "info@erc.demo", "erc.demo", "пн–пт 8:00–19:00, сб 9:00–15:00")


def _contacts(values: tuple[str, str, str, str, str]) -> dict:
    return dict(zip(CONTACT_FIELDS, values, strict=True))


def _requisites(p: DemoPrincipal) -> dict:
    return {
        "legal_name": p.legal_name,
        "short_name": p.short_name,
        "inn": inn_with_check_digits(p.inn9),
        "kpp": "760401001",
        "ogrn": ogrn_with_check_digit(p.ogrn12),
        "settlement_account": account_with_control_key(p.account, BANK["bic"]),
        **BANK,
        **_contacts(p.contacts),
    }


def agent_tenant_ensure() -> Principal:
    """The public schema's tenant row: the agent itself, answering on the public host."""
    agent = Principal.objects.filter(schema_name="public").first()
    if agent is None:
        agent = Principal(
            schema_name="public", kind=PrincipalKind.AGENT, legal_name="Акционерное общество «Единый расчётный центр»",
            short_name="АО «ЕРЦ»", inn=inn_with_check_digits("760400001"), kpp="760401001",
            ogrn=ogrn_with_check_digit("102760000001"),
            settlement_account=account_with_control_key("40702810000000000001", BANK["bic"]), **BANK,
            **_contacts(AGENT_CONTACTS),
        )
        agent.save()
    elif not agent.phone:  # a demo made before the contacts existed
        Principal.objects.filter(pk=agent.pk).update(**_contacts(AGENT_CONTACTS))
    Domain.objects.get_or_create(domain=settings.PUBLIC_HOST, defaults={"tenant": agent, "is_primary": True})
    return agent


def _user(email: str, full_name: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, **extra)
    return user


def demo_reading_window_open(principals, calendar: DemoCalendar) -> None:
    """The first house (the demo residents' own) takes readings all month at every principal, so whoever loads
    the demo, on whatever day, can submit a reading; the other houses keep the settings' window (20th–25th)."""
    house = House.objects.order_by("pk").first()
    for principal in principals:
        with tenant_context(principal):
            if not HouseReadingWindow.objects.filter(house=house).exists():
                house_reading_window_set(house=house, start_day=1, end_day=31)


def demo_loaded_calendar() -> DemoCalendar:
    """The calendar of the demo as it was first loaded: its load day is the day the demo operator was created,
    so loading again on a later day reports the same month and days instead of charging a new month."""
    operator = User.objects.filter(email="operator@erc.demo").first()
    return demo_calendar(timezone.localdate(operator.date_joined) if operator is not None else None)


def demo_seed() -> dict:
    agent_tenant_ensure()
    _user("admin@erc.demo", "Администратор ЕРЦ", agent_role=AgentRole.ADMIN, is_staff=True, is_superuser=True)
    _user("operator@erc.demo", "Оператор ЕРЦ", agent_role=AgentRole.OPERATOR)
    # the controller: approves the payouts the operator builds and confirms requisites changes (four eyes)
    _user("approver@erc.demo", "Контролёр ЕРЦ", agent_role=AgentRole.APPROVER)
    calendar = demo_loaded_calendar()

    principals = []
    for p in PRINCIPALS:
        principal = Principal.objects.filter(schema_name=p.schema).first()
        if principal is None:
            principal = principal_create(schema_name=p.schema, subdomain=p.subdomain, kind=p.kind, **_requisites(p))
            agency_contract_create(
                principal=principal, number=f"АГ-{p.inn9[-4:]}/{calendar.history_from:%Y}",
                signed_on=calendar.history_from - timedelta(days=17), valid_from=calendar.history_from, valid_to=None,
                fee_rate=p.fee_rate, fee_min=Decimal("500.00"),
                fee_max=None, services=list(p.services), payout_schedule="daily", qr_mode="per_payee",
            )
        elif not principal.phone:  # a demo made before the contacts existed
            Principal.objects.filter(pk=principal.pk).update(**_contacts(p.contacts))
        principals.append(principal)
        admin = _user(f"admin@{p.subdomain}.demo", f"Администратор {p.short_name}")
        staff = _user(f"staff@{p.subdomain}.demo", f"Специалист {p.short_name}")
        PrincipalMembership.objects.get_or_create(
            user=admin, principal=principal, defaults={"role": PrincipalRole.ADMIN}
        )
        PrincipalMembership.objects.get_or_create(
            user=staff, principal=principal,
            defaults={"role": PrincipalRole.STAFF,
                      "permissions": [Perm.ACCOUNTS_VIEW, Perm.READINGS_MANAGE, Perm.CHARGES_VIEW,
                                      Perm.PAYMENTS_VIEW, Perm.SETTINGS_VIEW, Perm.USERS_VIEW]},
        )

    with transaction.atomic():
        rng = random.Random(2026)
        for region, city, street, number, building, postal, floors, flats in HOUSES:
            house, created = House.objects.get_or_create(
                region=region, city=city, street=street, house_number=number, building=building,
                defaults={"postal_code": postal, "floors": floors},
            )
            if not created:
                continue
            per_floor = flats // floors
            premises = [
                Premise(
                    house=house, number=str(n), kind=PremiseKind.FLAT, floor=(n - 1) // per_floor + 1,
                    rooms=rng.choice((1, 1, 2, 2, 2, 3, 3, 4)),
                    area=Decimal(rng.randint(3200, 9800)) / 100,
                )
                for n in range(1, flats + 1)
            ]
            premises.append(Premise(house=house, number="Н1", kind=PremiseKind.NON_RESIDENTIAL,
                                    area=Decimal("84.30"), floor=1, rooms=None))
            Premise.objects.bulk_create(premises)
            house.total_area = sum(p.area for p in premises)
            house.save(update_fields=["total_area"])

    for i, name in enumerate(RESIDENT_NAMES, start=1):
        _user(f"resident{i}@mail.demo", name, is_resident=True)

    for number, principal in enumerate(principals, start=1):
        demo_billing_seed(principal, account_prefix=f"{number}0", calendar=calendar)
    # each demo resident has proven their household (the first ten ЕЛС) and takes the ЕПД by e-mail
    households = list(UnifiedAccount.objects.order_by("pk")[: len(RESIDENT_NAMES)])
    for i, household in enumerate(households, start=1):
        ResidentLink.objects.get_or_create(user=User.objects.get(email=f"resident{i}@mail.demo"),
                                           unified_account=household, defaults={"e_receipts": True})
    demo_reading_window_open(principals, calendar)
    epd = demo_epd_seed(principals, month=calendar.month)

    return {
        "principals": principals,
        "epd": epd,
        "houses": House.objects.count(),
        "premises": Premise.objects.count(),
        "calendar": calendar,
        "payments": demo_payments_seed(calendar),
        # after the payments day: the debtors are who is left owing (evaluated in this order)
        "collection": demo_collection_seed(principals, calendar),
    }
