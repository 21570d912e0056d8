"""Charge and balance lines keep their references without foreign keys (migration billing 0007).

The statement-level triggers must refuse what the foreign keys refused: a line naming a period,
account or service that does not exist, and deleting (or renumbering, or truncating) a parent that
lines still name. They must not refuse what is fine. And a delete racing an uncommitted run must
wait for it and then refuse, as a row lock on the parent would have made it.
"""

import threading
import time
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django_tenants.utils import schema_context, tenant_context

from agency.demo.scale import scale_data_drop, scale_data_generate
from tenants.billing.charge_run import charge_run
from tenants.billing.models import (
    AccountService,
    Balance,
    BillingPeriod,
    Charge,
    PersonalAccount,
    Service,
    Tariff,
)
from tenants.registry.models import House, Premise

JUNE = date(2026, 6, 1)
D = Decimal
LINE_TABLES = ("billing_charge", "billing_balance")
INSERT = {
    "billing_charge": "INSERT INTO billing_charge (period_id, account_id, service_id, quantity, method, rate, amount) "
                      "VALUES (%s, %s, %s, 1, 'fixed', 1, 1)",
    "billing_balance": "INSERT INTO billing_balance (period_id, account_id, service_id, opening, charged, "
                       "recalculated, benefits, penalties, paid, closing) VALUES (%s, %s, %s, 0, 1, 0, 0, 0, 0, 1)",
}


@pytest.fixture
def billed(principal_a):
    """Two accounts with one per-m² service each, charged for June: lines and balances exist for both."""
    house = House.objects.create(region="Ярославская область", city="Ярославль", street="улица Связей",
                                 house_number="7")
    with tenant_context(principal_a):
        service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                         tariff_kind="per_area")
        spare = Service.objects.create(code="spare", kind="custom", name="Не начисляется", unit="шт.",
                                       tariff_kind="per_premise")
        Tariff.objects.create(service=service, valid_from=date(2026, 1, 1), rate=D("30.00"))
        accounts = []
        for n in (1, 2):
            premise = Premise.objects.create(house=house, number=str(n), area=D("50"))
            account = PersonalAccount.objects.create(number=f"R-{n}", premise=premise, payer_name="Петров П. П.",
                                                     charge_area=D("50.00"), opened_on=date(2020, 1, 1))
            AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
            accounts.append(account)
        idle = PersonalAccount.objects.create(number="R-idle", premise=premise, payer_name="Сидоров С. С.",
                                              charge_area=D("10.00"), opened_on=date(2020, 1, 1))
        period = charge_run(month=JUNE)
        yield {"period": period, "service": service, "spare": spare, "accounts": accounts, "idle": idle}


def _missing_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(max(id), 0) + 1000 FROM {table}")
        return cursor.fetchone()[0]


def _refused(sql: str, params) -> str:
    """Run ``sql`` in a savepoint; return the database's refusal (the test fails if it is accepted)."""
    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert refused.value.__cause__.sqlstate == "23503"  # foreign_key_violation, as the foreign key raised
    return str(refused.value)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("table", LINE_TABLES)
@pytest.mark.parametrize("missing", ["account", "service", "period"])
def test_a_line_naming_a_missing_parent_is_refused(billed, principal_a, table, missing):
    with tenant_context(principal_a):
        before = _count(table)
        ids = {"period": billed["period"].pk, "account": billed["idle"].pk, "service": billed["service"].pk}
        with transaction.atomic(), connection.cursor() as cursor:  # the valid row goes in: the check is not blanket
            cursor.execute(INSERT[table], [ids["period"], ids["account"], ids["service"]])
            transaction.set_rollback(True)
        parent = {"period": "billing_billingperiod", "account": "billing_personalaccount",
                  "service": "billing_service"}[missing]
        ids[missing] = _missing_id(parent)
        message = _refused(INSERT[table], [ids["period"], ids["account"], ids["service"]])
        assert f"{missing} {ids[missing]} does not exist" in message
        assert _count(table) == before


def test_one_bad_row_refuses_the_whole_statement(billed, principal_a):
    with tenant_context(principal_a):
        period, service = billed["period"], billed["spare"]
        good, bad = billed["accounts"][0].pk, _missing_id("billing_personalaccount")
        _refused(
            "INSERT INTO billing_charge (period_id, account_id, service_id, quantity, method, rate, amount) "
            "SELECT %s, a, %s, 1, 'fixed', 1, 1 FROM unnest(%s::bigint[]) a",
            [period.pk, service.pk, [good, bad]],
        )
        assert not Charge.objects.filter(service=service).exists()


def test_the_orm_gets_the_same_refusal(billed, principal_a):
    with tenant_context(principal_a), pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(period=billed["period"], account_id=_missing_id("billing_personalaccount"),
                              service=billed["spare"], quantity=1, method="fixed", rate=1, amount=1)


@pytest.mark.parametrize("table", LINE_TABLES)
def test_an_update_pointing_a_line_at_a_missing_account_is_refused(billed, principal_a, table):
    with tenant_context(principal_a):
        account = billed["accounts"][0]
        missing = _missing_id("billing_personalaccount")
        _refused(f"UPDATE {table} SET account_id = %s WHERE account_id = %s", [missing, account.pk])
        # an update that keeps the references is fine
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET account_id = account_id WHERE account_id = %s",
                           [account.pk])
            assert cursor.rowcount == 1


def test_deleting_an_account_with_charges_is_refused(billed, principal_a):
    with tenant_context(principal_a):
        account = billed["accounts"][0]
        with pytest.raises(ProtectedError):  # Django's on_delete=PROTECT still answers first
            account.delete()
        # below the ORM, the database refuses too
        message = _refused("DELETE FROM billing_personalaccount WHERE id = %s", [account.pk])
        assert f"billing_personalaccount {account.pk}" in message and "billing_charge" in message
        assert PersonalAccount.objects.filter(pk=account.pk).exists()


def test_deleting_an_account_with_only_a_balance_is_refused(billed, principal_a):
    with tenant_context(principal_a):
        account = billed["accounts"][1]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_charge WHERE account_id = %s", [account.pk])
        assert Balance.objects.filter(account=account).exists()
        message = _refused("DELETE FROM billing_personalaccount WHERE id = %s", [account.pk])
        assert "billing_balance" in message


def test_an_account_without_lines_can_be_deleted(billed, principal_a):
    with tenant_context(principal_a):
        idle = billed["idle"]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_personalaccount WHERE id = %s", [idle.pk])
            assert cursor.rowcount == 1
        assert not PersonalAccount.objects.filter(pk=idle.pk).exists()


def test_renumbering_a_referenced_account_is_refused_other_updates_are_not(billed, principal_a):
    with tenant_context(principal_a):
        account = billed["accounts"][0]
        _refused("UPDATE billing_personalaccount SET id = %s WHERE id = %s",
                 [_missing_id("billing_personalaccount"), account.pk])
        PersonalAccount.objects.filter(pk=account.pk).update(payer_name="Новый плательщик")
        assert PersonalAccount.objects.get(pk=account.pk).payer_name == "Новый плательщик"


def test_deleting_a_charged_service_is_refused_an_unused_one_is_not(billed, principal_a):
    with tenant_context(principal_a):
        service, spare = billed["service"], billed["spare"]
        with connection.cursor() as cursor:  # the tariff is not a line: out of the way
            cursor.execute("DELETE FROM billing_accountservice WHERE service_id = %s", [service.pk])
            cursor.execute("DELETE FROM billing_tariff WHERE service_id = %s", [service.pk])
        _refused("DELETE FROM billing_service WHERE id = %s", [service.pk])
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_service WHERE id = %s", [spare.pk])
            assert cursor.rowcount == 1


def test_a_period_with_lines_goes_only_with_its_lines(billed, principal_a):
    with tenant_context(principal_a):
        period = billed["period"]
        _refused("DELETE FROM billing_billingperiod WHERE id = %s", [period.pk])
        assert Charge.objects.filter(period=period).count() == 2
        # the ORM's CASCADE deletes the draft's lines first, then the period: allowed
        period.delete()
        assert not BillingPeriod.objects.filter(pk=period.pk).exists()
        assert _count("billing_charge") == _count("billing_balance") == 0


def test_truncating_a_parent_under_its_lines_is_refused(billed, principal_a):
    with tenant_context(principal_a):
        with connection.cursor() as cursor:  # TRUNCATE refuses while the fixture's deferred checks are pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        message = _refused("TRUNCATE billing_personalaccount CASCADE", [])
        assert "cannot truncate billing_personalaccount" in message
        assert PersonalAccount.objects.count() == 3
        # together with the lines it is fine
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE billing_charge, billing_balance, billing_personalaccount CASCADE")
            transaction.set_rollback(True)


# --- a delete racing a run: needs committed rows and two connections -------------------------------------------

RACE_PREFIX = "integrity_race"


@pytest.fixture(scope="module")
def race(django_db_setup, django_db_blocker):
    """A committed principal (from the scale generator) plus an account that nothing references yet."""
    with django_db_blocker.unblock():
        scale_data_drop(prefix=RACE_PREFIX)
    try:
        with django_db_blocker.unblock():
            report = scale_data_generate(accounts=2, principals=1, seed=3, month=JUNE, prefix=RACE_PREFIX)
            schema = report.principals[0].schema_name
            with schema_context(schema), transaction.atomic():
                some = PersonalAccount.objects.first()
                lone = PersonalAccount.objects.create(number="RACE-1", premise_id=some.premise_id, payer_name="Гонка",
                                                      charge_area=D("1.00"), opened_on=date(2020, 1, 1))
                period = BillingPeriod.objects.create(month=JUNE)
                service = Service.objects.order_by("pk").first()
            connection.set_schema_to_public()
        db = connection.settings_dict
        params = {"dbname": db["NAME"], "host": db["HOST"] or None, "port": db["PORT"] or None,
                  "user": db["USER"] or None, "password": db["PASSWORD"] or None}
        yield {"schema": schema, "account": lone.pk, "period": period.pk, "service": service.pk, "params": params}
    finally:
        with django_db_blocker.unblock():
            scale_data_drop(prefix=RACE_PREFIX)
            connection.set_schema_to_public()


def _connect(race) -> psycopg.Connection:
    return psycopg.connect(**race["params"], options=f"-c search_path={race['schema']},public")


def _in_thread(race, sql: str, params) -> tuple[threading.Thread, dict]:
    """Run ``sql`` and commit on another connection; the outcome lands in the returned dict."""
    outcome: dict = {}

    def work():
        with _connect(race) as conn:
            outcome["pid"] = conn.info.backend_pid
            try:
                conn.execute(sql, params)
                conn.commit()
                outcome["ok"] = True
            except psycopg.Error as exc:
                outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    return thread, outcome


def _wait_until_blocked(conn: psycopg.Connection, outcome: dict) -> None:
    for _attempt in range(200):
        pid = outcome.get("pid")
        if pid is not None and conn.execute(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()[0]:
            return
        if "ok" in outcome or "error" in outcome:
            raise AssertionError(f"the other transaction did not wait: {outcome}")
        time.sleep(0.05)
    raise AssertionError("the other transaction never blocked")


@pytest.mark.django_db
def test_a_delete_racing_an_uncommitted_run_waits_and_is_refused(race):
    run = _connect(race)
    try:
        run.execute(INSERT["billing_charge"], [race["period"], race["account"], race["service"]])  # not committed
        thread, outcome = _in_thread(race, "DELETE FROM billing_personalaccount WHERE id = %s", [race["account"]])
        _wait_until_blocked(run, outcome)
        run.commit()
        thread.join(timeout=30)
        assert isinstance(outcome.get("error"), psycopg.errors.ForeignKeyViolation), outcome
        assert run.execute("SELECT count(*) FROM billing_personalaccount WHERE id = %s",
                           [race["account"]]).fetchone()[0] == 1
    finally:
        run.execute("DELETE FROM billing_charge WHERE account_id = %s", [race["account"]])
        run.commit()
        run.close()


@pytest.mark.django_db
def test_a_run_racing_an_uncommitted_delete_waits_and_is_refused(race):
    deleter = _connect(race)
    try:
        deleter.execute("DELETE FROM billing_personalaccount WHERE id = %s", [race["account"]])  # not committed
        thread, outcome = _in_thread(race, INSERT["billing_charge"], [race["period"], race["account"], race["service"]])
        _wait_until_blocked(deleter, outcome)
        deleter.rollback()  # the delete is abandoned, so the run goes in ...
        thread.join(timeout=30)
        assert outcome.get("ok"), outcome
        deleter.execute("DELETE FROM billing_charge WHERE account_id = %s", [race["account"]])
        deleter.commit()

        deleter.execute("DELETE FROM billing_personalaccount WHERE id = %s", [race["account"]])
        thread, outcome = _in_thread(race, INSERT["billing_charge"], [race["period"], race["account"], race["service"]])
        _wait_until_blocked(deleter, outcome)
        deleter.commit()  # ... but once the delete commits, the waiting run finds the account gone
        thread.join(timeout=30)
        assert isinstance(outcome.get("error"), psycopg.errors.ForeignKeyViolation), outcome
        assert deleter.execute("SELECT count(*) FROM billing_charge WHERE account_id = %s",
                               [race["account"]]).fetchone()[0] == 0
    finally:
        deleter.rollback()
        deleter.close()
