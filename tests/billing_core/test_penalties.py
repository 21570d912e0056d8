"""Penalties under ЖК РФ ст.155 ч.14: hand-worked statements and properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from billing_core.penalties import (
    BAND_130,
    BAND_300,
    BAND_NONE,
    PENALTY_AMOUNT,
    PENALTY_DUPLICATE_PERIOD,
    PENALTY_PERIOD_FORMAT,
    PENALTY_UNKNOWN_PERIOD,
    CapBasis,
    Payment,
    PeriodDebt,
    calculate_penalties,
    format_money,
    format_rate,
    payments_net,
)
from billing_core.rules import DatedEntry, DatedTable, PenaltyRules, moratorium_table

D = Decimal


def flat_rules(rate: str = "10") -> PenaltyRules:
    """One key rate forever, no caps, no moratoria: keeps the arithmetic in tests simple."""
    return PenaltyRules(
        key_rates=DatedTable(name="k", entries=(DatedEntry(date(2000, 1, 1), D(rate)),)),
        rate_caps=DatedTable(name="c", entries=(DatedEntry(date(2000, 1, 1), None),), default=None),
        moratoria=DatedTable(name="m", entries=(DatedEntry(date(2000, 1, 1), None),), default=None),
    )


def summary(statement):
    return [(r.date_from, r.date_to, r.days, r.band, r.rate, r.debt, r.amount) for r in statement.rows]


# --- hand-worked -----------------------------------------------------------------------------


def test_hand_worked_both_bands():
    # January 2019, 12 345,67 due 10.02.2019, unpaid; calculated on 10.06.2019.
    # Key rate on 10.06.2019 (the calculation date) is 7,75 % (from 17.12.2018 to 16.06.2019); no cap in 2019.
    # day 1 = 11.02; days 1–30 = 11.02–12.03 (18 + 12 days)                        -> 0
    # days 31–90 = 13.03–11.05 (19 + 30 + 11 = 60 days):
    #   12 345,67 × 60 × 1/300 × 7,75 % = 12 345,67 × 0,0155 = 191,357885           -> 191,36
    # days 91–120 = 12.05–10.06 (20 + 10 = 30 days):
    #   12 345,67 × 30 × 1/130 × 7,75 % = 28 703,682750 / 130 = 220,7975596...      -> 220,80
    # total = 191,36 + 220,80 = 412,16
    s = calculate_penalties(
        debts=[PeriodDebt(date(2019, 1, 1), D("12345.67"), date(2019, 2, 10))],
        calculation_date=date(2019, 6, 10),
    )
    assert summary(s) == [
        (date(2019, 2, 11), date(2019, 3, 12), 30, BAND_NONE, None, D("12345.67"), D("0.00")),
        (date(2019, 3, 13), date(2019, 5, 11), 60, BAND_300, D("7.75"), D("12345.67"), D("191.36")),
        (date(2019, 5, 12), date(2019, 6, 10), 30, BAND_130, D("7.75"), D("12345.67"), D("220.80")),
    ]
    assert [r.formula for r in s.rows] == [
        "12 345,67 × 30 × 0",
        "12 345,67 × 60 × 1/300 × 7,75%",
        "12 345,67 × 30 × 1/130 × 7,75%",
    ]
    assert s.periods[0].total == D("412.16")
    assert s.total == D("412.16")


def test_grace_period_gives_zero():
    debt = PeriodDebt(date(2019, 1, 1), D("5000.00"), date(2019, 2, 10))
    on_due = calculate_penalties(debts=[debt], calculation_date=date(2019, 2, 10))
    assert on_due.rows == () and on_due.total == 0
    day30 = calculate_penalties(debts=[debt], calculation_date=date(2019, 3, 12))
    assert summary(day30) == [(date(2019, 2, 11), date(2019, 3, 12), 30, BAND_NONE, None, D("5000.00"), D("0.00"))]
    assert day30.total == 0
    day31 = calculate_penalties(debts=[debt], calculation_date=date(2019, 3, 13), rules=flat_rules("10"))
    assert day31.total == D("1.67")  # 5 000 × 1 × 1/300 × 10 % = 1,666...


def test_paid_before_due_date_no_rows():
    s = calculate_penalties(
        debts=[PeriodDebt(date(2019, 1, 1), D("5000.00"), date(2019, 2, 10))],
        payments=[Payment(date(2019, 2, 10), D("5000.00"))],
        calculation_date=date(2020, 1, 1),
    )
    assert s.rows == () and s.total == 0


def test_partial_payment_reduces_debt_from_its_date():
    # 10 000,00 due 10.02.2019, 4 000,00 paid on 01.04.2019 (day 50), key rate 10 % throughout.
    # By default the payment day accrues («по день фактической оплаты» включительно, ЖК РФ ст.155 ч.14):
    # 13.03–01.04 (19 + 1 = 20 days): 10 000,00 × 20 × 1/300 × 10 % = 66,666... -> 66,67
    # 02.04–30.04 (29 days):           6 000,00 × 29 × 1/300 × 10 % = 58,00
    s = calculate_penalties(
        debts=[PeriodDebt(date(2019, 1, 1), D("10000.00"), date(2019, 2, 10))],
        payments=[Payment(date(2019, 4, 1), D("4000.00"))],
        calculation_date=date(2019, 4, 30),
        rules=flat_rules("10"),
    )
    assert summary(s)[1:] == [
        (date(2019, 3, 13), date(2019, 4, 1), 20, BAND_300, D("10"), D("10000.00"), D("66.67")),
        (date(2019, 4, 2), date(2019, 4, 30), 29, BAND_300, D("10"), D("6000.00"), D("58.00")),
    ]
    assert s.total == D("124.67")
    assert s.payment_day_accrues is True


def test_payment_day_accrues_option():
    # 3 000,00 due 10.02.2019, paid in full on 01.04.2019; accrual from day 31 = 13.03.2019, 10 % a year.
    # Inclusive (default): 13.03–01.04 = 19 + 1 = 20 days: 3 000 × 20 × 1/300 × 10 % = 20,00
    # Exclusive (the principal's choice): 13.03–31.03 = 19 days: 3 000 × 19 × 1/300 × 10 % = 19,00
    debt = PeriodDebt(date(2019, 1, 1), D("3000.00"), date(2019, 2, 10))
    pay = Payment(date(2019, 4, 1), D("3000.00"))
    kwargs = {"debts": [debt], "payments": [pay], "calculation_date": date(2019, 5, 1), "rules": flat_rules("10")}
    inclusive = calculate_penalties(**kwargs)
    exclusive = calculate_penalties(**kwargs, payment_day_accrues=False)
    assert (inclusive.rows[-1].days, inclusive.total, inclusive.payment_day_accrues) == (20, D("20.00"), True)
    assert (exclusive.rows[-1].days, exclusive.total, exclusive.payment_day_accrues) == (19, D("19.00"), False)


def test_payments_net_reversal_cancels_the_latest_payment():
    # 500 on 05.03 and 700 on 20.03; −700 on 25.03 reverses the latest: only 500 on 05.03 remains paid.
    # Two receipts on one day are one payment: 100 + 150 on 02.04 -> 250.
    receipts = [(date(2019, 3, 5), D("500.00")), (date(2019, 3, 20), D("700.00")), (date(2019, 3, 25), D("-700.00")),
                (date(2019, 4, 2), D("100.00")), (date(2019, 4, 2), D("150.00"))]
    assert payments_net(receipts) == [Payment(date(2019, 3, 5), D("500.00")), Payment(date(2019, 4, 2), D("250.00"))]
    # a reversal larger than what was paid cancels everything and no more
    assert payments_net([(date(2019, 3, 5), D("100.00")), (date(2019, 3, 6), D("-300.00"))]) == []


def test_paid_part_takes_the_rate_of_the_payment_day():
    # 10 000,00 due 10.02.2019, 6 000,00 paid on 01.07.2019 (key rate 7,50 % from 17.06.2019);
    # the unpaid 4 000,00 takes the rate of the calculation date 10.01.2020 (6,25 % from 16.12.2019).
    # Paid part, days 31–90 (13.03–11.05, 60 days): 6 000 × 60 × 1/300 × 7,5 % = 90,00
    #            days 91–  (12.05–01.07, the payment day included: 20 + 30 + 1 = 51 days):
    #                                               6 000 × 51 × 1/130 × 7,5 % = 176,5384... -> 176,54
    # Unpaid part, 13.03–11.05: 4 000 × 60 × 1/300 × 6,25 % = 50,00
    #            12.05–10.01.2020 (244 days):     4 000 × 244 × 1/130 × 6,25 % = 469,2307... -> 469,23
    s = calculate_penalties(
        debts=[PeriodDebt(date(2019, 1, 1), D("10000.00"), date(2019, 2, 10))],
        payments=[Payment(date(2019, 7, 1), D("6000.00"))],
        calculation_date=date(2020, 1, 10),
    )
    assert summary(s)[1:] == [
        (date(2019, 3, 13), date(2019, 5, 11), 60, BAND_300, D("6.25"), D("4000.00"), D("50.00")),
        (date(2019, 3, 13), date(2019, 5, 11), 60, BAND_300, D("7.50"), D("6000.00"), D("90.00")),
        (date(2019, 5, 12), date(2020, 1, 10), 244, BAND_130, D("6.25"), D("4000.00"), D("469.23")),
        (date(2019, 5, 12), date(2019, 7, 1), 51, BAND_130, D("7.50"), D("6000.00"), D("176.54")),
    ]
    assert s.total == D("785.77")  # 50,00 + 90,00 + 469,23 + 176,54


def test_moratorium_days_are_skipped_and_the_day_count_goes_on():
    # December 2019, 10 000,00 due 10.01.2020; ПП №424 moratorium 06.04.2020–31.12.2020.
    # Calculated on 10.01.2021, key rate 4,25 % (from 27.07.2020).
    # days 31–  : 10.02–05.04.2020 (20 + 31 + 5 = 56 days) × 1/300: 10 000 × 56 × 4,25 % / 300 = 79,333 -> 79,33
    # 06.04–31.12.2020: moratorium, 0
    # 01.01–10.01.2021 (days 357–366, band 1/130): 10 000 × 10 × 4,25 % / 130 = 32,6923 -> 32,69
    s = calculate_penalties(
        debts=[PeriodDebt(date(2019, 12, 1), D("10000.00"), date(2020, 1, 10))],
        calculation_date=date(2021, 1, 10),
    )
    rows = s.rows
    assert [(r.date_from, r.date_to, r.days, r.band, r.amount) for r in rows] == [
        (date(2020, 1, 11), date(2020, 2, 9), 30, BAND_NONE, D("0.00")),
        (date(2020, 2, 10), date(2020, 4, 5), 56, BAND_300, D("79.33")),
        (date(2020, 4, 6), date(2020, 12, 31), 270, BAND_NONE, D("0.00")),
        (date(2021, 1, 1), date(2021, 1, 10), 10, BAND_130, D("32.69")),
    ]
    assert "424" in rows[2].note
    assert s.total == D("112.02")


def test_disputed_2022_moratorium_is_configurable():
    debt = PeriodDebt(date(2022, 1, 1), D("10000.00"), date(2022, 2, 10))
    with_it = calculate_penalties(debts=[debt], calculation_date=date(2022, 12, 31))
    without = calculate_penalties(
        debts=[debt], calculation_date=date(2022, 12, 31), rules=PenaltyRules.default(disputed_moratoria=False)
    )
    assert with_it.total < without.total
    assert any("497" in r.note for r in with_it.rows)
    # a debt due after 01.04.2022 is a current payment: the bankruptcy moratorium does not cover it
    current = PeriodDebt(date(2022, 3, 1), D("10000.00"), date(2022, 4, 10))
    assert not any(
        "497" in r.note for r in calculate_penalties(debts=[current], calculation_date=date(2022, 9, 1)).rows
    )


def test_cap_applied():
    # key rate on 10.01.2024 is 16 %, ПП №474 (as extended) caps R at 9,5 %
    s = calculate_penalties(
        debts=[PeriodDebt(date(2022, 12, 1), D("1000.00"), date(2023, 1, 10))],
        calculation_date=date(2024, 1, 10),
    )
    assert {r.rate for r in s.rows if r.band != BAND_NONE} == {D("9.5")}
    # below the cap the key rate itself applies (7,5 % from 19.09.2022)
    s = calculate_penalties(
        debts=[PeriodDebt(date(2022, 6, 1), D("1000.00"), date(2022, 7, 10))],
        calculation_date=date(2022, 10, 10),
    )
    assert {r.rate for r in s.rows if r.band != BAND_NONE} == {D("7.5")}


def test_cap_basis_accrual_day():
    # 1 000,00 due 10.10.2021, unpaid, calculated on 10.04.2022 (key rate 20 %, cap 9,5 % from 28.02.2022)
    kwargs = {
        "debts": [PeriodDebt(date(2021, 9, 1), D("1000.00"), date(2021, 10, 10))],
        "calculation_date": date(2022, 4, 10),
        "rules": PenaltyRules.default(disputed_moratoria=False),
    }
    by_rate_day = calculate_penalties(**kwargs)
    assert {r.rate for r in by_rate_day.rows if r.band != BAND_NONE} == {D("9.5")}
    by_accrual_day = calculate_penalties(**kwargs, cap_basis=CapBasis.ACCRUAL_DAY)
    assert [(r.date_from, r.date_to, r.band, r.rate) for r in by_accrual_day.rows[1:]] == [
        (date(2021, 11, 10), date(2022, 1, 8), BAND_300, D("20")),
        (date(2022, 1, 9), date(2022, 2, 27), BAND_130, D("20")),
        (date(2022, 2, 28), date(2022, 4, 10), BAND_130, D("9.5")),
    ]
    assert by_accrual_day.total > by_rate_day.total


def test_falling_key_rate_can_lower_the_penalty_on_unpaid_debt():
    # R of an unpaid debt is the rate of the calculation date: 7,75 % on 16.06.2019, 7,50 % on 17.06.2019
    debt = PeriodDebt(date(2019, 1, 1), D("10000.00"), date(2019, 2, 10))
    before = calculate_penalties(debts=[debt], calculation_date=date(2019, 6, 16))
    after = calculate_penalties(debts=[debt], calculation_date=date(2019, 6, 17))
    assert after.total < before.total


def test_no_penalty_on_penalty():
    debt = PeriodDebt(date(2019, 1, 1), D("10000.00"), date(2019, 2, 10))
    rules = flat_rules("10")
    # the base of every row is the debt itself, however long the penalty has been accruing
    long_run = calculate_penalties(debts=[debt], calculation_date=date(2021, 12, 31), rules=rules)
    assert {r.debt for r in long_run.rows} == {D("10000.00")}
    days_130 = sum(r.days for r in long_run.rows if r.band == BAND_130)
    # 10 000 × 60 × 1/300 × 10 % = 200,00, then 10 000 × days × 1/130 × 10 % on the same base
    assert long_run.total == D("200.00") + (D(10000) * days_130 * D("0.1") / 130).quantize(D("0.01"))
    # a payment equal to the debt pays the debt only, none of it goes to penalties: accrual stops
    paid = calculate_penalties(
        debts=[debt],
        payments=[Payment(date(2019, 6, 1), D("10000.00"))],
        calculation_date=date(2021, 12, 31),
        rules=rules,
    )
    # (the payment day 01.06 accrues: the same as the debt unpaid through 01.06)
    unpaid_to_june_1 = calculate_penalties(debts=[debt], calculation_date=date(2019, 6, 1), rules=rules)
    assert paid.total == unpaid_to_june_1.total
    assert paid.unallocated == 0


def test_several_periods_oldest_first():
    # Jan 1 000,00 due 10.02; Feb 2 000,00 due 10.03; 1 500,00 paid 20.03.2019 pays Jan in full, 500 of Feb.
    # Jan: 13.03–20.03 (the payment day included), 8 days: 1 000 × 8 × 1/300 × 10 % = 2,666 -> 2,67
    # Feb: days 31– from 10.04 to 30.04, 21 days: 1 500 × 21 × 1/300 × 10 % = 10,50
    s = calculate_penalties(
        debts=[
            PeriodDebt(date(2019, 2, 1), D("2000.00"), date(2019, 3, 10)),
            PeriodDebt(date(2019, 1, 1), D("1000.00"), date(2019, 2, 10)),
        ],
        payments=[Payment(date(2019, 3, 20), D("1500.00"))],
        calculation_date=date(2019, 4, 30),
        rules=flat_rules("10"),
    )
    assert [(p.period, p.total) for p in s.periods] == [
        (date(2019, 1, 1), D("2.67")),
        (date(2019, 2, 1), D("10.50")),
    ]
    assert s.total == D("13.17")
    feb_rows = [r for r in s.rows if r.period == date(2019, 2, 1)]
    assert [(r.date_from, r.date_to, r.debt, r.band) for r in feb_rows] == [
        (date(2019, 3, 11), date(2019, 3, 20), D("2000.00"), BAND_NONE),
        (date(2019, 3, 21), date(2019, 4, 9), D("1500.00"), BAND_NONE),
        (date(2019, 4, 10), date(2019, 4, 30), D("1500.00"), BAND_300),
    ]


def test_designated_period_is_paid_first():
    # 1 500,00 named for February: Feb 500,00 left, January untouched.
    # Jan: 13.03–30.04, 49 days: 1 000 × 49 × 1/300 × 10 % = 16,333 -> 16,33
    # Feb: 10.04–30.04, 21 days: 500 × 21 × 1/300 × 10 % = 3,50
    debts = [
        PeriodDebt(date(2019, 1, 1), D("1000.00"), date(2019, 2, 10)),
        PeriodDebt(date(2019, 2, 1), D("2000.00"), date(2019, 3, 10)),
    ]
    s = calculate_penalties(
        debts=debts,
        payments=[Payment(date(2019, 3, 5), D("1500.00"), period=date(2019, 2, 1))],
        calculation_date=date(2019, 4, 30),
        rules=flat_rules("10"),
    )
    assert [p.total for p in s.periods] == [D("16.33"), D("3.50")]
    # the excess over the named period goes to the oldest, then is an advance
    s = calculate_penalties(
        debts=debts,
        payments=[Payment(date(2019, 3, 5), D("3500.00"), period=date(2019, 2, 1))],
        calculation_date=date(2019, 4, 30),
        rules=flat_rules("10"),
    )
    assert s.total == 0
    assert s.unallocated == D("500.00")


def test_periods_are_independent():
    debts = [
        PeriodDebt(date(2023, 1, 1), D("1234.56"), date(2023, 2, 10)),
        PeriodDebt(date(2023, 2, 1), D("2345.67"), date(2023, 3, 10)),
    ]
    together = calculate_penalties(debts=debts, calculation_date=date(2024, 5, 1))
    apart = [calculate_penalties(debts=[d], calculation_date=date(2024, 5, 1)).total for d in debts]
    assert together.total == sum(apart)
    assert together.total == sum(p.total for p in together.periods) == sum(r.amount for r in together.rows)


def test_payments_after_calculation_date_ignored():
    debt = PeriodDebt(date(2019, 1, 1), D("1000.00"), date(2019, 2, 10))
    a = calculate_penalties(debts=[debt], calculation_date=date(2019, 6, 1), rules=flat_rules())
    b = calculate_penalties(
        debts=[debt],
        payments=[Payment(date(2019, 6, 2), D("1000.00"))],
        calculation_date=date(2019, 6, 1),
        rules=flat_rules(),
    )
    assert a == b


# --- validation and formatting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("debts", "payments", "code"),
    [
        ([PeriodDebt(date(2019, 1, 2), D("1.00"), date(2019, 2, 10))], [], PENALTY_PERIOD_FORMAT),
        ([PeriodDebt(date(2019, 1, 1), D("-1.00"), date(2019, 2, 10))], [], PENALTY_AMOUNT),
        ([PeriodDebt(date(2019, 1, 1), D("1.001"), date(2019, 2, 10))], [], PENALTY_AMOUNT),
        (
            [PeriodDebt(date(2019, 1, 1), D("1.00"), date(2019, 2, 10))] * 2,
            [],
            PENALTY_DUPLICATE_PERIOD,
        ),
        (
            [PeriodDebt(date(2019, 1, 1), D("1.00"), date(2019, 2, 10))],
            [Payment(date(2019, 3, 1), D("0.00"))],
            PENALTY_AMOUNT,
        ),
        (
            [PeriodDebt(date(2019, 1, 1), D("1.00"), date(2019, 2, 10))],
            [Payment(date(2019, 3, 1), D("1.00"), period=date(2019, 5, 1))],
            PENALTY_UNKNOWN_PERIOD,
        ),
    ],
)
def test_invalid_input(debts, payments, code):
    with pytest.raises(ValidationError) as exc:
        calculate_penalties(debts=debts, payments=payments, calculation_date=date(2020, 1, 1))
    assert exc.value.code == code


def test_float_money_rejected():
    with pytest.raises(TypeError):
        calculate_penalties(
            debts=[PeriodDebt(date(2019, 1, 1), 100.0, date(2019, 2, 10))], calculation_date=date(2020, 1, 1)
        )


def test_formatting():
    assert format_money(D("1234567.5")) == "1 234 567,50"
    assert format_money(D("0")) == "0,00"
    assert format_rate(D("9.50")) == "9,5%"
    assert format_rate(D("20.00")) == "20%"
    assert format_rate(D("7.75")) == "7,75%"


# --- properties ------------------------------------------------------------------------------

FIRST_MONTH = date(2016, 1, 1)
month_index = st.integers(min_value=0, max_value=12 * 10 + 9)  # Jan 2016 – Oct 2026


def month(i: int) -> date:
    return date(FIRST_MONTH.year + i // 12, i % 12 + 1, 1)


def due_date_of(period: date) -> date:
    nxt = month((period.year - FIRST_MONTH.year) * 12 + period.month)
    return nxt.replace(day=10)


kopecks = st.integers(min_value=1, max_value=10_000_000).map(lambda k: D(k) / 100)
days = st.dates(min_value=date(2016, 2, 1), max_value=date(2026, 12, 31))


@st.composite
def cases(draw):
    periods = sorted(draw(st.sets(month_index, min_size=1, max_size=4)))
    debts = [PeriodDebt(month(i), draw(kopecks), due_date_of(month(i))) for i in periods]
    payments = draw(
        st.lists(
            st.builds(
                Payment,
                paid_on=days,
                amount=kopecks,
                period=st.none() | st.sampled_from([d.period for d in debts]),
            ),
            max_size=5,
        )
    )
    return debts, payments


@st.composite
def rising_rules(draw):
    """Key-rate tables that never fall, with the real moratoria: the penalty can then only grow."""
    steps = draw(st.lists(st.tuples(st.integers(1, 2000), st.integers(0, 500)), max_size=8))
    day, rate = date(2000, 1, 1), D(draw(st.integers(1, 2500))) / 100
    entries = [DatedEntry(day, rate)]
    for gap, rise in steps:
        day, rate = day + timedelta(days=gap), rate + D(rise) / 100
        entries.append(DatedEntry(day, rate))
    return PenaltyRules(
        key_rates=DatedTable(name="k", entries=tuple(entries)),
        rate_caps=DatedTable(name="c", entries=(DatedEntry(date(2000, 1, 1), None),), default=None),
        moratoria=moratorium_table(),
    )


@given(cases(), days, st.sampled_from(list(CapBasis)))
def test_penalty_never_negative(case, calculation_date, cap_basis):
    debts, payments = case
    s = calculate_penalties(debts=debts, payments=payments, calculation_date=calculation_date, cap_basis=cap_basis)
    assert s.total >= 0
    assert all(r.amount >= 0 and r.days > 0 and r.date_from <= r.date_to for r in s.rows)
    assert s.total == sum(r.amount for r in s.rows)
    for p in s.periods:
        assert all(r.debt <= p.debt for r in p.rows)


@given(cases(), days, days, rising_rules())
def test_penalty_monotone_in_calculation_date(case, d1, d2, rules):
    # holds when the rate never falls; with the real history a falling key rate lowers R for the unpaid
    # part (see test_falling_key_rate_can_lower_the_penalty_on_unpaid_debt)
    debts, payments = case
    early, late = min(d1, d2), max(d1, d2)
    a = calculate_penalties(debts=debts, payments=payments, calculation_date=early, rules=rules)
    b = calculate_penalties(debts=debts, payments=payments, calculation_date=late, rules=rules)
    assert b.total >= a.total
