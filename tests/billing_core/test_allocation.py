"""Allocation of a payment over a document's lines: proportional, designated, advances; parts always add up."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_core.allocation import allocate

D = Decimal


def by_key(shares):
    return {s.key: (s.amount, s.advance) for s in shares}


def test_a_partial_payment_is_split_in_proportion_to_the_amounts_due():
    # due 600 + 300 + 100 = 1000; paying 500 pays half of each line
    shares = allocate(D("500.00"), [("uk", D("600")), ("heat", D("300")), ("water", D("100"))])
    assert by_key(shares) == {"uk": (D("300.00"), D("0")), "heat": (D("150.00"), D("0")),
                              "water": (D("50.00"), D("0"))}


def test_kopecks_go_by_the_largest_remainder():
    # 100.00 over three equal lines: 33.34 + 33.33 + 33.33, the earlier line wins the tie
    shares = allocate(D("100.00"), [("a", D("1")), ("b", D("1")), ("c", D("1"))])
    assert [s.amount for s in shares] == [D("33.34"), D("33.33"), D("33.33")]


def test_an_overpayment_becomes_an_advance_in_the_same_proportions():
    shares = allocate(D("1300.00"), [("uk", D("600")), ("heat", D("300")), ("water", D("100"))])
    assert by_key(shares) == {"uk": (D("780.00"), D("180.00")), "heat": (D("390.00"), D("90.00")),
                              "water": (D("130.00"), D("30.00"))}


def test_the_payers_designation_comes_first():
    shares = allocate(D("400.00"), [("uk", D("600")), ("heat", D("300"))], designated={"heat": D("300")})
    assert by_key(shares) == {"uk": (D("100.00"), D("0")), "heat": (D("300.00"), D("0"))}


def test_with_nothing_due_the_advance_follows_the_charges():
    shares = allocate(D("90.00"), [("uk", D("0")), ("heat", D("-50"))], fallback={"uk": D("200"), "heat": D("100")})
    assert by_key(shares) == {"uk": (D("60.00"), D("60.00")), "heat": (D("30.00"), D("30.00"))}


def test_a_designation_for_a_line_not_on_the_document_is_refused():
    with pytest.raises(ValueError, match="not on the document"):
        allocate(D("10"), [("uk", D("10"))], designated={"gas": D("5")})


money = st.decimals(min_value=D("0"), max_value=D("500000"), places=2)
dues = st.lists(st.decimals(min_value=D("-1000"), max_value=D("100000"), places=2), min_size=1, max_size=12)


@given(amount=money, due_list=dues, data=st.data())
def test_parts_always_sum_to_the_payment_and_none_is_negative(amount, due_list, data):
    lines = [(i, d) for i, d in enumerate(due_list)]
    designated = data.draw(st.dictionaries(st.sampled_from([k for k, _ in lines]), money, max_size=3))
    shares = allocate(amount, lines, designated=designated)
    assert sum(s.amount for s in shares) == amount
    assert all(s.amount >= 0 and s.advance >= 0 for s in shares)
    assert all(s.advance <= s.amount for s in shares)


@given(amount=money, due_list=st.lists(st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
                                        min_size=1, max_size=12))
def test_no_line_gets_more_than_its_due_until_everything_due_is_paid(amount, due_list):
    shares = allocate(amount, list(enumerate(due_list)))
    total_due = sum(due_list)
    if amount <= total_due:
        assert all(s.amount <= due for s, due in zip(shares, due_list, strict=True))
        assert all(s.advance == 0 for s in shares)
    else:
        assert all(s.amount >= due for s, due in zip(shares, due_list, strict=True))
