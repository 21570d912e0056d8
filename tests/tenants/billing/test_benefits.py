"""Benefits in SQL (tenants.billing.benefits.benefits_apply) equal billing_core.benefits, account by account."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from billing_core.benefits import BenefitGrant, benefit_amount
from tenants.billing.benefits import account_benefit_assign, account_benefit_end, benefits_apply
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import (
    AccountBenefit,
    AccountService,
    Balance,
    BenefitCategory,
    Charge,
    Occupancy,
    PersonalAccount,
    Service,
    Tariff,
)
from tenants.registry.models import House, Premise

MONTH = date(2026, 2, 1)
END = date(2026, 2, 28)
DAYS = 28


def _world(rng: random.Random, accounts: int = 40):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Льготная", house_number="1")
    premises = Premise.objects.bulk_create(
        [Premise(house=house, number=str(n), area=Decimal(rng.randint(2500, 9000)) / 100) for n in range(accounts)])
    maint = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                   tariff_kind="per_area")
    waste = Service.objects.create(code="waste", kind="waste", name="ТКО", unit="чел", tariff_kind="per_person")
    intercom = Service.objects.create(code="intercom", kind="custom", name="Домофон", unit="пом",
                                      tariff_kind="per_premise")
    Tariff.objects.create(service=maint, valid_from=date(2025, 1, 1), rate=Decimal("31.417"))
    Tariff.objects.create(service=waste, valid_from=date(2025, 1, 1), rate=Decimal("123.456"))
    Tariff.objects.create(service=intercom, valid_from=date(2025, 1, 1), rate=Decimal("77.77"))
    # a veteran's 50 % on maintenance (by kind) within 18 m² each; a 30 % on waste and intercom (named services)
    veteran = BenefitCategory.objects.create(code="VET", name="Ветеран труда", percent=Decimal("50"),
                                             service_kinds=["maintenance"], social_norm_area=Decimal("18"))
    large = BenefitCategory.objects.create(code="MANY", name="Многодетная семья", percent=Decimal("30"))
    large.services.set([waste, intercom])
    retired = BenefitCategory.objects.create(code="OLD", name="Отменённая", percent=Decimal("90"),
                                             service_kinds=["maintenance", "waste"], is_active=False)
    rows = []
    for i, premise in enumerate(premises):
        area = premise.area if i % 5 else Decimal("0.00") if i % 10 == 0 else premise.area
        rows.append(PersonalAccount(number=f"B-{i}", premise=premise, payer_name="-", charge_area=area,
                                    opened_on=date(2020, 1, 1)))
    accs = PersonalAccount.objects.bulk_create(rows)
    for i, acc in enumerate(accs):
        if i % 7:  # every seventh account has no persons on record
            Occupancy.objects.create(account=acc, valid_from=date(2020, 1, 1), registered=rng.randint(1, 5),
                                     living=rng.choice([0, rng.randint(1, 5)]))
        for s in (maint, waste, intercom):
            AccountService.objects.create(account=acc, service=s, valid_from=date(2020, 1, 1))
        for category in (veteran, large, retired):
            if rng.random() < 0.6:
                # one or two spans: whole month, or part of it, possibly split in two rows
                first_end = MONTH + timedelta(days=rng.randint(0, 27))
                AccountBenefit.objects.create(account=acc, category=category, beneficiaries=rng.randint(1, 4),
                                              valid_from=MONTH - timedelta(days=rng.choice([0, 40])),
                                              valid_to=first_end if rng.random() < 0.5 else None)
                grant = AccountBenefit.objects.filter(account=acc, category=category).get()
                if grant.valid_to is not None and grant.valid_to < END and rng.random() < 0.5:
                    AccountBenefit.objects.create(account=acc, category=category, beneficiaries=rng.randint(1, 4),
                                                  valid_from=grant.valid_to + timedelta(days=rng.randint(1, 3)))
    return accs


def _persons(account: PersonalAccount) -> int:
    rows = [o for o in account.occupancy.all() if o.valid_from <= END and (o.valid_to is None or o.valid_to >= END)]
    if not rows:
        return 0
    last = max(rows, key=lambda o: o.valid_from)
    return last.living or last.registered


def _expected(account: PersonalAccount, charge: Charge) -> Decimal:
    """The oracle, from the rows as a person would read them."""
    service = charge.service
    grants = []
    for g in AccountBenefit.objects.filter(account=account).select_related("category"):
        c = g.category
        covers = service.kind in c.service_kinds or c.services.filter(pk=service.pk).exists()
        first, last = max(g.valid_from, MONTH), min(g.valid_to or END, END)
        if not c.is_active or not covers or first > last:
            continue
        grants.append(BenefitGrant(c.percent, g.beneficiaries, (last - first).days + 1, c.social_norm_area))
    return benefit_amount(charge=charge.amount, grants=grants, persons=_persons(account),
                          charge_area=account.charge_area, per_area=service.tariff_kind == "per_area",
                          period_days=DAYS)


def _balances():
    return {(b.account_id, b.service_id): (b.benefits, b.closing, b.opening + b.charged + b.recalculated
                                           + b.penalties - b.paid)
            for b in Balance.objects.filter(period__month=MONTH)}


def test_sql_benefits_equal_the_python_formula_and_reduce_the_closing(principal_a):
    rng = random.Random(11)
    with tenant_context(principal_a):
        accounts = _world(rng)
        period = charge_run(month=MONTH)  # the run applies the benefits itself
        before = _balances()
        benefits_apply(period)  # applying them again changes nothing
        after = _balances()
        charges = Charge.objects.filter(period=period).select_related("service")
        expected = {}
        for charge in charges:
            account = next(a for a in accounts if a.pk == charge.account_id)
            expected[(charge.account_id, charge.service_id)] = _expected(account, charge)

    assert len(expected) == 3 * len(accounts)
    assert sum(1 for v in expected.values() if v > 0) > len(accounts)  # the data really exercises the rule
    assert after == before
    for key, amount in expected.items():
        benefits, closing, before_benefits = after[key]
        assert benefits == amount, key
        assert closing == before_benefits - amount, key


def test_rerun_gives_the_same_numbers_and_a_changed_grant_is_picked_up(principal_a):
    rng = random.Random(5)
    with tenant_context(principal_a):
        accounts = _world(rng, accounts=12)
        period = charge_run(month=MONTH)
        benefits_apply(period)
        first = _balances()
        benefits_apply(period)  # again, without the charge run
        assert _balances() == first
        period = charge_run(month=MONTH)  # the draft run resets the balances, the benefits come back the same
        benefits_apply(period)
        assert _balances() == first

        # ending a grant before the month removes its benefit on the next run
        grant = AccountBenefit.objects.filter(account__in=accounts, category__code="VET").order_by("pk").first()
        account_benefit_end(grant=grant, valid_to=max(grant.valid_from, MONTH - timedelta(days=1)))
        period = charge_run(month=MONTH)
        benefits_apply(period)
        changed = _balances()
        charge = Charge.objects.select_related("service").get(period=period, account=grant.account,
                                                               service__code="maint")
        assert changed[(grant.account_id, charge.service_id)][0] == _expected(grant.account, charge)


def test_a_posted_or_uncalculated_period_is_refused(principal_a):
    rng = random.Random(3)
    with tenant_context(principal_a):
        _world(rng, accounts=3)
        period = charge_run(month=MONTH)
        benefits_apply(period)
        posted = period_post(month=MONTH)
        snapshot = _balances()
        with pytest.raises(ValidationError) as refused:
            benefits_apply(posted)
        assert refused.value.error_dict["month"][0].code == "PERIOD_POSTED"
        assert _balances() == snapshot

        from tenants.billing.models import BillingPeriod

        draft = BillingPeriod.objects.create(month=date(2026, 3, 1))
        with pytest.raises(ValidationError) as not_yet:
            benefits_apply(draft)
        assert not_yet.value.error_dict["month"][0].code == "PERIOD_NOT_CALCULATED"


def test_overlapping_grants_of_one_category_are_refused_by_the_database(principal_a):
    house = House.objects.create(region="Ярославская обл.", city="Ярославль", street="ул. Льготная", house_number="2")
    premise = Premise.objects.create(house=house, number="1", area=Decimal("40"))
    with tenant_context(principal_a):
        account = PersonalAccount.objects.create(number="OV-1", premise=premise, payer_name="-",
                                                 charge_area=Decimal("40"), opened_on=date(2020, 1, 1))
        category = BenefitCategory.objects.create(code="VET", name="Ветеран", percent=Decimal("50"),
                                                  service_kinds=["maintenance"])
        other = BenefitCategory.objects.create(code="INV", name="Инвалид", percent=Decimal("50"),
                                               service_kinds=["maintenance"])
        account_benefit_assign(account=account, category=category, beneficiaries=1, valid_from=date(2026, 1, 1),
                               valid_to=date(2026, 6, 30))
        # a second category on the same days is fine, and so is the same category after the first ends
        account_benefit_assign(account=account, category=other, beneficiaries=1, valid_from=date(2026, 3, 1))
        account_benefit_assign(account=account, category=category, beneficiaries=2, valid_from=date(2026, 7, 1))

        with pytest.raises(ValidationError) as refused:
            account_benefit_assign(account=account, category=category, beneficiaries=1,
                                   valid_from=date(2026, 6, 30))
        assert refused.value.error_dict["valid_from"][0].code == "BENEFIT_OVERLAP"
        assert "с 01.01.2026 по 30.06.2026" in refused.value.error_dict["valid_from"][0].message % (
            refused.value.error_dict["valid_from"][0].params or {})

        # the database itself refuses, whatever path writes (a bulk insert skips every Python check)
        with pytest.raises(IntegrityError) as raw, transaction.atomic():
            AccountBenefit.objects.bulk_create([AccountBenefit(account=account, category=category, beneficiaries=1,
                                                               valid_from=date(2026, 2, 1), valid_to=None)])
        assert "account_benefit_no_overlap" in str(raw.value)
        assert AccountBenefit.objects.filter(account=account, category=category).count() == 2
