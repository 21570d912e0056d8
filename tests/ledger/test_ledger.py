"""The ledger: balanced and append-only by the database itself, idempotent postings, one per schema."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenants.ledger.models import LedgerLeg, LedgerTransaction
from tenants.ledger.services import (
    Leg,
    account_balance,
    ledger_account_ensure,
    transaction_post,
    transaction_reverse,
    trial_balance,
)

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 2)


def _accounts():
    ledger_account_ensure(code="cash", name="Специальный счёт агента", kind="asset")
    ledger_account_ensure(code="payable:a", name="Расчёты с принципалом А", kind="liability")
    ledger_account_ensure(code="fee", name="Вознаграждение агента", kind="income")


def _leg_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_ledgerleg")
        return cursor.fetchone()[0]


def test_a_balanced_transaction_posts_and_moves_balances(tenants):
    _accounts()
    tx = transaction_post(kind="payment", key="payment:1", occurred_on=DAY, memo="Платёж",
                          legs=[Leg("cash", Decimal("1000.00"), "payment:1"),
                                Leg("payable:a", Decimal("-985.00")), Leg("fee", Decimal("-15.00"))])
    assert tx.legs.count() == 3
    assert account_balance(code="cash") == Decimal("1000.00")
    assert account_balance(code="payable:a") == Decimal("-985.00")
    assert account_balance(code="cash", ref="payment:1") == Decimal("1000.00")
    assert sum(trial_balance().values()) == 0


def test_the_same_key_posts_once(tenants):
    _accounts()
    first = transaction_post(kind="payment", key="payment:2", occurred_on=DAY,
                             legs=[Leg("cash", Decimal("10")), Leg("payable:a", Decimal("-10"))])
    again = transaction_post(kind="payment", key="payment:2", occurred_on=DAY,
                             legs=[Leg("cash", Decimal("99")), Leg("payable:a", Decimal("-99"))])
    assert again.pk == first.pk
    assert account_balance(code="cash") == Decimal("10.00")


def test_an_unbalanced_transaction_is_refused_by_the_service(tenants):
    _accounts()
    with pytest.raises(ValidationError) as exc:
        transaction_post(kind="payment", key="payment:3", occurred_on=DAY,
                         legs=[Leg("cash", Decimal("10")), Leg("payable:a", Decimal("-9.99"))])
    assert exc.value.error_dict["legs"][0].code == "LEDGER_UNBALANCED"
    assert not LedgerTransaction.objects.filter(key="payment:3").exists()


def test_the_database_refuses_an_unbalanced_insert_whatever_writes_it(tenants):
    _accounts()
    tx = transaction_post(kind="payment", key="payment:4", occurred_on=DAY,
                          legs=[Leg("cash", Decimal("5")), Leg("payable:a", Decimal("-5"))])
    before = _leg_count()
    cash = tx.legs.get(amount__gt=0).account_id
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        # one more leg on a balanced transaction, bypassing the service
        LedgerLeg.objects.create(transaction=tx, account_id=cash, amount=Decimal("1.00"))
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        header = LedgerTransaction.objects.create(kind="x", key="raw:1", occurred_on=DAY)
        LedgerLeg.objects.bulk_create([LedgerLeg(transaction=header, account_id=cash, amount=Decimal("3")),
                                       LedgerLeg(transaction=header, account_id=cash, amount=Decimal("-2"))])
    assert _leg_count() == before


def test_legs_and_transactions_cannot_be_changed_or_deleted(tenants):
    _accounts()
    tx = transaction_post(kind="payment", key="payment:5", occurred_on=DAY,
                          legs=[Leg("cash", Decimal("7")), Leg("payable:a", Decimal("-7"))])
    for attempt in (
        lambda: LedgerLeg.objects.filter(transaction=tx).update(amount=Decimal("8")),
        lambda: LedgerLeg.objects.filter(transaction=tx).delete(),
        lambda: LedgerTransaction.objects.filter(pk=tx.pk).update(memo="подмена"),
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            attempt()
    assert account_balance(code="cash") == Decimal("7.00")


def test_a_reversal_mirrors_the_original_once(tenants):
    _accounts()
    tx = transaction_post(kind="payment", key="payment:6", occurred_on=DAY,
                          legs=[Leg("cash", Decimal("50")), Leg("payable:a", Decimal("-50"), "pa:1")])
    rev = transaction_reverse(original=tx, occurred_on=DAY)
    again = transaction_reverse(original=tx, occurred_on=DAY)
    assert again.pk == rev.pk and rev.reverses_id == tx.pk
    assert account_balance(code="cash") == 0
    assert account_balance(code="payable:a", ref="pa:1") == 0


def test_each_schema_keeps_its_own_ledger(tenants):
    with schema_context("principal_a"):
        ledger_account_ensure(code="receivable", name="Дебиторская задолженность", kind="asset")
        ledger_account_ensure(code="revenue", name="Выручка", kind="income")
        transaction_post(kind="charge", key="charge:2026-10", occurred_on=DAY,
                         legs=[Leg("receivable", Decimal("120.50")), Leg("revenue", Decimal("-120.50"))])
        assert account_balance(code="receivable") == Decimal("120.50")
    with schema_context("principal_b"):
        assert not LedgerTransaction.objects.filter(key="charge:2026-10").exists()
    assert not LedgerTransaction.objects.filter(key="charge:2026-10").exists()  # public
    with schema_context("principal_b"), pytest.raises(IntegrityError, match="does not balance"), \
            transaction.atomic():
        receivable = ledger_account_ensure(code="receivable", name="Дебиторская задолженность", kind="asset")
        header = LedgerTransaction.objects.create(kind="x", key="raw:b", occurred_on=DAY)
        LedgerLeg.objects.create(transaction=header, account=receivable, amount=Decimal("1"))


amounts = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2).filter(lambda d: d != 0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(amounts, min_size=1, max_size=6), n=st.integers(min_value=0, max_value=10**9))
def test_any_balanced_set_of_legs_posts_and_the_trial_balance_stays_zero(tenants, parts, n):
    _accounts()
    total = sum(parts, Decimal(0))
    legs = [Leg("cash", p) for p in parts]
    if total == 0:
        legs.append(Leg("fee", Decimal("1.00")))
        legs.append(Leg("payable:a", Decimal("-1.00")))
    else:
        legs.append(Leg("payable:a", -total))
    transaction_post(kind="prop", key=f"prop:{n}:{len(parts)}:{total}", occurred_on=DAY, legs=legs)
    assert sum(trial_balance().values()) == 0
