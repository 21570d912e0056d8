"""Collection-rate tables (``tenants.collection.rates``): charged against paid by month, house and principal, the
debt by age and month over month, and a campaign's effect within 30/60/90 days — each principal's own rows only.

The data: two houses, three accounts of 50 m² at 30.00 (maintenance, 50 × 30.00 = 1 500.00 a month each), May
to July 2026 posted; payments made before each month's run, so that run counts them (``Balance.paid``).
"""

import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from agency.reports.builders import BUILDERS, report_xlsx
from agency.reports.models import ReportKind
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import Balance
from tenants.collection.models import CampaignTouch, DebtorLine
from tenants.collection.rates import (
    campaign_effect,
    debt_dynamics,
    rates_by_age,
    rates_by_house,
    rates_by_month,
    rates_by_principal,
)
from tenants.collection.register import register_refresh
from tests.tenants.billing.test_balances import _accounts, _receipt

pytestmark = pytest.mark.django_db
D = Decimal
M1, M2, M3 = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)
MONTHLY = D("50") * D("30.00")  # 1 500.00 per account and month


def pct(part: Decimal, whole: Decimal) -> Decimal:
    return (D(100) * part / whole).quantize(D("0.1"), rounding=ROUND_HALF_UP)


def _three_months(principal):
    """House 1: accounts h1a, h1b; house 2: account h2. May: h1a pays 1 200.00, h1b 1 500.00; Jun: each pays
    1 500.00; Jul: nobody pays."""
    h1a, h1b = _accounts(principal, 2, prefix="RTA")
    (h2,) = _accounts(principal, 1, prefix="RTHB")
    with tenant_context(principal):
        _receipt(h1a.number, "1200.00", date(2026, 5, 10), "A-1")
        _receipt(h1b.number, "1500.00", date(2026, 5, 11), "A-2")
        charge_run(month=M1)
        period_post(month=M1)
        for n, account in enumerate((h1a, h1b, h2)):
            _receipt(account.number, "1500.00", date(2026, 6, 12), f"S-{n}")
        for month in (M2, M3):
            charge_run(month=month)
            period_post(month=month)
    return h1a, h1b, h2


def test_the_rate_of_a_month_is_what_its_run_counted_over_its_net_charge(principal_a):
    _three_months(principal_a)
    with tenant_context(principal_a):
        rows = rates_by_month(month_from=M1, month_to=M3)
    charged = 3 * MONTHLY  # 4 500.00 each month
    paid = {M1: D("1200.00") + D("1500.00"), M2: 3 * D("1500.00"), M3: D("0.00")}
    assert [(r.month, r.charged, r.paid) for r in rows] == [(m, charged, paid[m]) for m in (M1, M2, M3)]
    # 2 700.00 / 4 500.00 = 60.0 %; 4 500.00 / 4 500.00 = 100.0 %; nothing paid in July: 0.0 %
    assert [r.rate for r in rows] == [pct(paid[M1], charged), D("100.0"), D("0.0")] == [D("60.0"), 100, 0]
    # the range bounds the months
    with tenant_context(principal_a):
        assert [r.month for r in rates_by_month(month_from=M2, month_to=M2)] == [M2]


def test_the_rate_by_house_sums_its_accounts_over_the_range(principal_a):
    _three_months(principal_a)
    with tenant_context(principal_a):
        rows = rates_by_house(month_from=M1, month_to=M3)
    assert len(rows) == 2
    by_street = {("RTA" if "ул. RTA" in r.address else "RTHB"): r for r in rows}
    one, two = by_street["RTA"], by_street["RTHB"]
    # house 1: two accounts × three months charged; paid 1 200 + 1 500 in May and 2 × 1 500 in June
    assert (one.charged, one.paid) == (6 * MONTHLY, D("5700.00"))
    assert one.rate == pct(D("5700.00"), D("9000.00")) == D("63.3")
    assert (two.charged, two.paid, two.rate) == (3 * MONTHLY, D("1500.00"), D("33.3"))
    assert "д. " in one.address and "Ярославль" in one.address


def test_a_month_without_charges_has_no_rate(principal_a):
    with tenant_context(principal_a):
        assert not Balance.objects.exists()
        charge_run(month=M1)  # no account: a posted month with nothing charged
        period_post(month=M1)
        (row,) = rates_by_month(month_from=M1, month_to=M1)
    assert (row.charged, row.rate) == (D("0.00"), None)


def test_debt_dynamics_nets_each_account_and_compares_with_the_month_before(principal_a):
    _three_months(principal_a)
    with tenant_context(principal_a):
        rows = debt_dynamics(month_from=M1, month_to=M3)
        # penalties accrue on the overdue debt: read what the run put in each closing
        pens = {m: Balance.objects.filter(period__month=m).aggregate(s=Sum("penalties"))["s"] for m in (M1, M2, M3)}
        sep_from_sept = debt_dynamics(month_from=M2, month_to=M2)
    # May: h1a owes 1 500 − 1 200 = 300.00, h2 owes 1 500.00, h1b paid in full; no penalties in the first month
    assert pens[M1] == 0
    aug = D("300.00") + MONTHLY
    # June: each paid that month's 1 500.00, so the May debt stays, plus the penalties on it
    sep = aug + pens[M2]
    # July: nobody paid, so three more charges; h1b now owes too
    octo = sep + 3 * MONTHLY + pens[M3]
    assert [(r.month, r.debt, r.change, r.debtors) for r in rows] == [
        (M1, aug, None, 2), (M2, sep, sep - aug, 2), (M3, octo, octo - sep, 3)]
    # a range starting later still compares its first month with the posted month before it
    assert sep_from_sept[0].change == sep - aug


def test_debt_by_age_shares_the_registers_principal_debt(principal_a):
    _three_months(principal_a)
    with tenant_context(principal_a):
        register_refresh(today=date(2026, 8, 5))
        rows = rates_by_age()
    by = {r.bucket: r for r in rows}
    assert [r.bucket for r in rows] == ["1", "2", "3", "4–6", "7–12", ">12"]
    # principal debt 6 300.00: h1a 300 + 1 500, h1b 1 500, h2 1 500 + 1 500. A payment closes the oldest charges
    # first (DOMAIN.md), so what is unpaid is the newest: July's three charges (age 1), then June's —
    # h1a's 300.00 and h2's 1 500.00 (age 2); nothing of May
    assert by["1"].amount == 3 * MONTHLY and by["2"].amount == D("1800.00") and by["3"].amount == 0
    total = 3 * MONTHLY + D("1800.00")
    assert by["1"].share == pct(3 * MONTHLY, total) == D("71.4") and by["2"].share == D("28.6")
    assert by[">12"].share == D("0.0")


def test_campaign_effect_counts_money_within_each_window_after_the_first_touch(principal_a):
    h1a, h1b, h2 = _three_months(principal_a)
    touched = date(2026, 8, 1)
    with tenant_context(principal_a):
        CampaignTouch.objects.create(campaign_run_id=70, campaign_id=7, account=h1a, action="sms",
                                     touched_on=touched, debt=D("1000.00"))
        # the same account touched again next month by the same campaign: its first touch is the one counted
        CampaignTouch.objects.create(campaign_run_id=71, campaign_id=7, account=h1a, action="sms",
                                     touched_on=touched + timedelta(days=30), debt=D("900.00"))
        CampaignTouch.objects.create(campaign_run_id=70, campaign_id=7, account=h2, action="email",
                                     touched_on=touched, debt=D("3000.00"))
        _receipt(h1a.number, "11.00", touched, "T-0")  # on the day of the touch: not after it
        _receipt(h1a.number, "100.00", touched + timedelta(days=30), "T-30")  # day 30: within 30
        _receipt(h1a.number, "50.00", touched + timedelta(days=31), "T-31")  # day 31: within 60 only
        _receipt(h1a.number, "25.00", touched + timedelta(days=90), "T-90")  # day 90: within 90
        _receipt(h1a.number, "7.00", touched + timedelta(days=91), "T-91")  # day 91: in none
        _receipt(h2.number, "3500.00", touched + timedelta(days=60), "T-h2")  # more than h2 owed
        _receipt(h1b.number, "999.00", touched + timedelta(days=5), "T-h1b")  # not touched
        (row,) = campaign_effect()
        assert campaign_effect(campaign_ids=[8]) == []
    assert (row.campaign_id, row.accounts, row.debt) == (7, 2, D("4000.00"))
    assert (row.paid_30, row.paid_60, row.paid_90) == (D("100.00"), D("3650.00"), D("3675.00"))
    # covered: each account's money up to its debt — h2's 3 500.00 covers its 3 000.00, no more
    assert row.covered_30 == pct(D("100.00"), D("4000.00")) == D("2.5")
    assert row.covered_60 == pct(D("150.00") + D("3000.00"), D("4000.00")) == D("78.8")
    assert row.covered_90 == pct(D("175.00") + D("3000.00"), D("4000.00")) == D("79.4")


def test_a_principals_rates_never_include_anothers_rows(principal_a, principal_b):
    _three_months(principal_a)
    (b1,) = _accounts(principal_b, 1, prefix="RTB")
    with tenant_context(principal_b):
        _receipt(b1.number, "300.00", date(2026, 6, 3), "B-1")
        charge_run(month=M2)
        period_post(month=M2)
        CampaignTouch.objects.create(campaign_run_id=1, campaign_id=7, account=b1, action="sms",
                                     touched_on=date(2026, 6, 1), debt=D("1.00"))
        months = rates_by_month(month_from=M1, month_to=M3)
        houses = rates_by_house(month_from=M1, month_to=M3)
        dynamics = debt_dynamics(month_from=M1, month_to=M3)
        (effect,) = campaign_effect()
    # B: one account, one month: 1 500.00 charged, 300.00 paid = 20.0 %
    assert [(r.month, r.charged, r.paid, r.rate) for r in months] == [(M2, MONTHLY, D("300.00"), D("20.0"))]
    assert [(h.charged, h.paid) for h in houses] == [(MONTHLY, D("300.00"))]
    assert [(d.month, d.debt, d.debtors) for d in dynamics] == [(M2, D("1200.00"), 1)]
    assert (effect.accounts, effect.debt, effect.paid_90) == (1, D("1.00"), D("300.00"))
    # across principals: each schema's own totals, one row each
    rows = rates_by_principal(schemas=[principal_a.schema_name, principal_b.schema_name], month_from=M1,
                              month_to=M3)
    assert [(r.schema, r.charged, r.paid, r.rate) for r in rows] == [
        (principal_a.schema_name, 9 * MONTHLY, D("7200.00"), pct(D("7200.00"), 9 * MONTHLY)),
        (principal_b.schema_name, MONTHLY, D("300.00"), D("20.0")),
    ]


def _xlsx_rows(kind: str, **params) -> list[tuple]:
    data, _count = report_xlsx(BUILDERS[ReportKind(kind)](**params))
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_the_rate_and_register_reports_read_back(principal_a):
    h1a, h1b, h2 = _three_months(principal_a)
    with tenant_context(principal_a):
        register_refresh(today=date(2026, 8, 5))
        months = _xlsx_rows("collection_rates")  # no month: the twelve months up to the last posted one
        houses = _xlsx_rows("collection_house", month=M3)
        ages = _xlsx_rows("debt_age")
        register = _xlsx_rows("debtor_register")
    header, *body, total = months
    assert header == ("Месяц", "Начислено, ₽", "Оплачено, ₽", "Собираемость, %")
    assert [(r[0].date(), r[1], r[2], r[3]) for r in body] == [
        (M1, 4500, 2700, 60), (M2, 4500, 4500, 100), (M3, 4500, 0, 0)]
    assert total[:3] == ("Итого", 13500, 7200)
    assert sorted(r[1:] for r in houses[1:-1]) == [(4500, 1500, 33.3), (9000, 5700, 63.3)]
    assert [r[:2] for r in ages[1:-1]] == [("1", 4500), ("2", 1800), ("3", 0), ("4–6", 0), ("7–12", 0), (">12", 0)]
    header, *lines, total = register
    assert header[:5] == ("Лицевой счёт", "Плательщик", "Адрес", "Услуга", "Долг, ₽")
    # one line per account and service, the largest debtor first: h2 and h1a owe 3 000.00 / 1 800.00 + penalties
    assert [line[0] for line in lines] == [h2.number, h1a.number, h1b.number]
    assert all(line[3] == "Содержание" for line in lines)
    by_number = {line[0]: line for line in lines}
    # ages: 1 month, 2 months, … as the register placed them (the newest charges are the unpaid ones)
    assert by_number[h1a.number][7:10] == (1500, 300, 0) and by_number[h1b.number][7:10] == (1500, 0, 0)
    assert by_number[h1b.number][15] == "Без работы"
    with tenant_context(principal_a):
        debt = sum(DebtorLine.objects.values_list("debt", flat=True))
    assert total[0] == "Итого" and Decimal(str(total[4])) == debt
