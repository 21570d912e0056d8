"""Allocations and receipts keep their references without foreign keys (payments 0006, receipts 0002).

The statement-level triggers must refuse what the foreign keys refused: an allocation naming a payment or
principal that does not exist, a receipt naming an account or service missing from its own schema, and
deleting, re-keying or truncating a parent still named. They must not refuse what is fine: the allocation run
itself, updates that keep the references, deleting what nothing names.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError
from django_tenants.utils import schema_context

from agency.documents.models import Epd, EpdPayee, EpdRun
from agency.payments.allocation.bulk import payments_allocate
from agency.payments.intake.recording import payment_record
from agency.payments.models import Allocation, Payment, PaymentStatus
from tenants.billing.models import PersonalAccount, Service
from tenants.models import Principal
from tenants.receipts.models import Receipt
from tenants.registry.models import UnifiedAccount

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 5)

ALLOCATION_INSERT = (
    "INSERT INTO payments_allocation (payment_id, principal_id, account_number, service_code, amount, allocated_on, "
    "created_at) SELECT p, q, 'L-MY-A', 'x' || n, 1, %s, now() "
    "FROM unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS u(p, q, n)"
)


def _receipt_insert(schema: str) -> str:
    """Receipts written by the schema's qualified name with the search path at public, as the allocation run does."""
    return (f"INSERT INTO {connection.ops.quote_name(schema)}.receipts_receipt (account_id, service_id, amount, "
            "paid_on, source, allocation_id, comment, created_at) "
            "SELECT a, s, 1, %s, 'agent', n, '', now() "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS u(a, s, n)")


@pytest.fixture
def allocated(homes, principal_a, principal_b):
    """A household's ЕПД with a payee at A and at B, one payment allocated by the bulk run."""
    household = UnifiedAccount.objects.get(number="7600000001")
    epd = Epd.objects.create(
        run=EpdRun.objects.create(month=date(2026, 10, 1)), unified_account=household, month=date(2026, 10, 1),
        ipd="7600000001-1026-1", payer_name="Я", address="-", house=household.premise.house, due_date=DAY,
        total_due=D("900.00"), content={}, content_sha256="x" * 64,
    )
    for principal, number, due in ((principal_a, "L-MY-A", "600.00"), (principal_b, "L-MY-B", "300.00")):
        line = {"service": "cold", "service_code": "cold", "charged": due, "total": due}
        EpdPayee.objects.create(epd=epd, principal=principal, account_number=number, amount_due=D(due),
                                closing=D(due), block={"lines": [line], "charged": due})
    payment, _ = payment_record(channel="cash_desk", source="desk", external_id="fk-1", amount="900.00",
                                paid_on=DAY, unified_account_id=household.pk, epd_id=epd.pk)
    result = payments_allocate(payment_ids=[payment.pk], on=DAY)
    assert result.allocations == 2 and result.receipts == 2
    connection.set_schema_to_public()
    spare, _ = payment_record(channel="cash_desk", source="desk", external_id="fk-2", amount="1.00", paid_on=DAY)
    return {"payment": payment, "spare": spare}


def _missing_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(max(id), 0) + 1000 FROM {table}")
        return cursor.fetchone()[0]


def _refused(sql: str, params=()) -> str:
    """Run ``sql`` in a savepoint; the database must refuse it as a foreign key would. Returns the message."""
    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert refused.value.__cause__.sqlstate == "23503"  # foreign_key_violation
    return str(refused.value)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_the_references_are_checked_by_triggers_not_foreign_keys(allocated, principal_a):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.contype = 'f' AND c.conrelid IN ('public.payments_allocation'::regclass, %s::regclass)",
            [f"{principal_a.schema_name}.receipts_receipt"])
        kept = {column for _table, column in cursor.fetchall()}
    # the payout and the reversal keep their (cheap, NULL at insert) foreign keys; the bulk references do not
    assert kept == {"payout_id", "reverses_id"}


def test_the_allocation_run_writes_its_rows(allocated, principal_a, principal_b):
    payment = allocated["payment"]
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.ALLOCATED
    rows = {(a.principal_id, a.service_code): a.amount for a in Allocation.objects.filter(payment=payment)}
    assert rows == {(principal_a.pk, "cold"): D("600.00"), (principal_b.pk, "cold"): D("300.00")}
    for principal, number in ((principal_a, "L-MY-A"), (principal_b, "L-MY-B")):
        with schema_context(principal.schema_name):
            receipt = Receipt.objects.select_related("account", "service").get()
            assert (receipt.account.number, receipt.service.code) == (number, "cold")


@pytest.mark.parametrize("missing", ["payment", "principal"])
def test_an_allocation_naming_a_missing_parent_is_refused(allocated, principal_a, missing):
    before = _count("payments_allocation")
    ids = {"payment": allocated["spare"].pk, "principal": principal_a.pk}
    with transaction.atomic(), connection.cursor() as cursor:  # the valid row goes in: the check is not blanket
        cursor.execute(ALLOCATION_INSERT, [DAY, [ids["payment"]], [ids["principal"]]])
        assert cursor.rowcount == 1
        transaction.set_rollback(True)
    ids[missing] = _missing_id({"payment": "payments_payment", "principal": "tenants_principal"}[missing])
    message = _refused(ALLOCATION_INSERT, [DAY, [ids["payment"]], [ids["principal"]]])
    assert f"{missing}_id = {ids[missing]} does not exist" in message
    assert _count("payments_allocation") == before


def test_one_bad_allocation_refuses_the_whole_bulk_statement(allocated, principal_a, principal_b):
    good, bad = allocated["spare"].pk, _missing_id("payments_payment")
    payments = [good] * 500 + [bad] + [good] * 499
    principals = [principal_a.pk, principal_b.pk] * 500
    message = _refused(ALLOCATION_INSERT, [DAY, payments, principals])
    assert f"payment_id = {bad} does not exist" in message
    assert not Allocation.objects.filter(payment_id=good).exists()


def test_the_orm_gets_the_same_refusal(allocated, principal_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(payment_id=_missing_id("payments_payment"), principal=principal_a,
                                  account_number="L-MY-A", service_code="cold", amount=1, allocated_on=DAY)


def test_an_update_pointing_an_allocation_at_a_missing_parent_is_refused(allocated, principal_a):
    payment = allocated["payment"]
    _refused("UPDATE payments_allocation SET payment_id = %s WHERE payment_id = %s",
             [_missing_id("payments_payment"), payment.pk])
    _refused("UPDATE payments_allocation SET principal_id = %s WHERE payment_id = %s AND principal_id = %s",
             [_missing_id("tenants_principal"), payment.pk, principal_a.pk])
    # an update keeping the references is fine, and so is pointing a row at another existing payment
    assert Allocation.objects.filter(payment=payment).update(payment_id=F("payment_id"), principal_id=F("principal_id"),
                                                             ledger_key="k") == 2
    with transaction.atomic():
        assert Allocation.objects.filter(payment=payment, principal=principal_a).update(
            payment=allocated["spare"]) == 1
        transaction.set_rollback(True)


def test_deleting_an_allocated_payment_is_refused_an_unallocated_one_is_not(allocated):
    payment, spare = allocated["payment"], allocated["spare"]
    with pytest.raises(ProtectedError):  # Django's on_delete=PROTECT still answers first
        payment.delete()
    message = _refused("DELETE FROM payments_payment WHERE id = %s", [payment.pk])
    assert f"payments_payment {payment.pk}" in message and "payments_allocation" in message
    # many at once, the referenced one among them
    _refused("DELETE FROM payments_payment WHERE id = ANY(%s)", [[spare.pk, payment.pk]])
    assert Payment.objects.filter(pk__in=[payment.pk, spare.pk]).count() == 2
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_payment WHERE id = %s", [spare.pk])
        assert cursor.rowcount == 1


def test_rekeying_an_allocated_payment_is_refused_other_updates_are_not(allocated):
    payment, spare = allocated["payment"], allocated["spare"]
    _refused("UPDATE payments_payment SET id = %s WHERE id = %s", [_missing_id("payments_payment"), payment.pk])
    assert Payment.objects.filter(pk=payment.pk).update(match_note="проверено") == 1
    with connection.cursor() as cursor:  # an id nothing names may change
        cursor.execute("UPDATE payments_payment SET id = %s WHERE id = %s", [_missing_id("payments_payment"), spare.pk])
        assert cursor.rowcount == 1


def test_deleting_or_rekeying_a_principal_with_allocations_is_refused(allocated, principal_a):
    message = _refused("DELETE FROM tenants_principal WHERE id = %s", [principal_a.pk])
    assert f"tenants_principal {principal_a.pk}" in message
    _refused("UPDATE tenants_principal SET id = %s WHERE id = %s", [_missing_id("tenants_principal"), principal_a.pk])
    assert Principal.objects.filter(pk=principal_a.pk).exists()


def test_truncating_a_parent_under_allocations_is_refused(allocated):
    with connection.cursor() as cursor:  # TRUNCATE refuses while deferred checks are pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    message = _refused("TRUNCATE payments_payment CASCADE")
    assert "cannot truncate public.payments_payment" in message
    assert Payment.objects.filter(pk=allocated["payment"].pk).exists()


# --- receipts, in each principal's schema ------------------------------------------------------------------


def _ids(schema: str) -> dict:
    with schema_context(schema):
        return {"account": PersonalAccount.objects.get(number="L-MY-A" if schema == "principal_a" else "L-MY-B").pk,
                "service": Service.objects.get(code="cold").pk}


@pytest.mark.parametrize("missing", ["account", "service"])
def test_a_receipt_naming_a_missing_parent_is_refused(allocated, principal_a, missing):
    schema = principal_a.schema_name
    ids = _ids(schema)
    with transaction.atomic(), connection.cursor() as cursor:  # the valid row goes in
        cursor.execute(_receipt_insert(schema), [DAY, [ids["account"]], [ids["service"]], [10_000_001]])
        assert cursor.rowcount == 1
        transaction.set_rollback(True)
    table = {"account": "billing_personalaccount", "service": "billing_service"}[missing]
    with schema_context(schema):
        ids[missing] = _missing_id(table)
    connection.set_schema_to_public()
    message = _refused(_receipt_insert(schema), [DAY, [ids["account"]], [ids["service"]], [10_000_001]])
    assert f"{missing}_id = {ids[missing]} does not exist in {table}" in message
    with schema_context(schema):
        assert Receipt.objects.count() == 1


def test_a_receipt_is_checked_against_its_own_schema(allocated, principal_a, principal_b):
    """An account of B's (an id A does not have) is missing for A's receipts, whatever the search path."""
    with schema_context(principal_b.schema_name):
        idle = PersonalAccount.objects.create(number="B-ONLY", premise_id=PersonalAccount.objects.first().premise_id,
                                              payer_name="-", charge_area=1, opened_on=date(2020, 1, 1))
    with schema_context(principal_a.schema_name):
        assert not PersonalAccount.objects.filter(pk=idle.pk).exists()
    service = _ids(principal_a.schema_name)["service"]
    for path in (principal_b.schema_name, "public"):
        with schema_context(path):
            _refused(_receipt_insert(principal_a.schema_name), [DAY, [idle.pk], [service], [10_000_002]])


def test_one_bad_receipt_refuses_the_whole_bulk_statement(allocated, principal_b):
    schema = principal_b.schema_name
    ids = _ids(schema)
    with schema_context(schema):
        bad = _missing_id("billing_personalaccount")
    connection.set_schema_to_public()
    accounts = [ids["account"]] * 300 + [bad]
    services = [ids["service"], None] * 150 + [ids["service"]]
    message = _refused(_receipt_insert(schema), [DAY, accounts, services, list(range(20_000_000, 20_000_301))])
    assert f"account_id = {bad} does not exist" in message
    with schema_context(schema):
        assert Receipt.objects.count() == 1
        # the same rows without the bad one go in (a NULL service is an advance, not a missing service)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_receipt_insert(schema), [DAY, accounts[:-1], services[:-1],
                                                     list(range(20_000_000, 20_000_300))])
            assert cursor.rowcount == 300
            transaction.set_rollback(True)


def test_an_update_pointing_a_receipt_at_a_missing_account_is_refused(allocated, principal_a):
    with schema_context(principal_a.schema_name):
        missing = _missing_id("billing_personalaccount")
        _refused("UPDATE receipts_receipt SET account_id = %s", [missing])
        _refused("UPDATE receipts_receipt SET service_id = %s", [_missing_id("billing_service")])
        assert Receipt.objects.update(comment="проверено") == 1
        other = PersonalAccount.objects.get(number="L-NB-A")
        assert Receipt.objects.update(account=other, service=None) == 1


def test_deleting_or_rekeying_a_receipted_account_is_refused(allocated, principal_a):
    with schema_context(principal_a.schema_name):
        account = PersonalAccount.objects.get(number="L-MY-A")
        with connection.cursor() as cursor:  # the meter is not a receipt: out of the way
            cursor.execute("DELETE FROM billing_meter WHERE account_id = %s", [account.pk])
        with pytest.raises(ProtectedError):
            account.delete()
        message = _refused("DELETE FROM billing_personalaccount WHERE id = %s", [account.pk])
        assert f"billing_personalaccount {account.pk}" in message and "receipts_receipt" in message
        _refused("UPDATE billing_personalaccount SET id = %s WHERE id = %s",
                 [_missing_id("billing_personalaccount"), account.pk])
        assert PersonalAccount.objects.filter(pk=account.pk).exists()
        # an account without receipts may go
        idle = PersonalAccount.objects.create(number="L-IDLE", premise_id=account.premise_id, payer_name="-",
                                              charge_area=1, opened_on=date(2020, 1, 1))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_personalaccount WHERE id = %s", [idle.pk])
            assert cursor.rowcount == 1


def test_deleting_a_receipted_service_is_refused_an_unused_one_is_not(allocated, principal_b):
    with schema_context(principal_b.schema_name):
        cold = Service.objects.get(code="cold")
        spare = Service.objects.create(code="spare", kind="custom", name="Не используется", unit="шт.",
                                       tariff_kind="per_premise")
        with connection.cursor() as cursor:  # the meters are not receipts: out of the way
            cursor.execute("DELETE FROM billing_meter WHERE service_id = %s", [cold.pk])
        message = _refused("DELETE FROM billing_service WHERE id = %s", [cold.pk])
        assert "receipts_receipt" in message
        _refused("UPDATE billing_service SET id = %s WHERE id = %s", [_missing_id("billing_service"), cold.pk])
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_service WHERE id = %s", [spare.pk])
            assert cursor.rowcount == 1


def test_truncating_accounts_under_receipts_is_refused(allocated, principal_a):
    with schema_context(principal_a.schema_name):
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        message = _refused("TRUNCATE billing_personalaccount CASCADE")
        assert "cannot truncate" in message and "billing_personalaccount" in message
        assert PersonalAccount.objects.filter(number="L-MY-A").exists()


# --- a principal created later: its schema is cloned from the template -------------------------------------

CLONE_PREFIX = "fk_clone"


@pytest.fixture(scope="module")
def cloned(django_db_setup, django_db_blocker):
    """A committed principal created by ``principal_create`` (the scale generator), so its schema is a clone."""
    from agency.demo.scale import scale_data_drop, scale_data_generate

    with django_db_blocker.unblock():
        scale_data_drop(prefix=CLONE_PREFIX)
    try:
        with django_db_blocker.unblock():
            report = scale_data_generate(accounts=2, principals=1, seed=5, prefix=CLONE_PREFIX)
            connection.set_schema_to_public()
        yield report.principals[0].schema_name
    finally:
        with django_db_blocker.unblock():
            scale_data_drop(prefix=CLONE_PREFIX)
            connection.set_schema_to_public()


def test_a_cloned_principal_schema_checks_its_receipts_too(cloned):
    with schema_context(cloned):
        account, service = PersonalAccount.objects.order_by("pk").first().pk, Service.objects.order_by("pk").first().pk
        missing = _missing_id("billing_personalaccount")
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_receipt_insert(cloned), [DAY, [account], [service], [30_000_001]])
        assert cursor.rowcount == 1
        transaction.set_rollback(True)
    message = _refused(_receipt_insert(cloned), [DAY, [missing], [service], [30_000_001]])
    assert f"{cloned}.receipts_receipt: account_id = {missing} does not exist" in message
