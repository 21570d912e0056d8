"""Issue 13 items 5–6 through the API: the payment-day setting, what the statement says about its rules, and the
back office's list of rule tables that ran out."""

from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from agency.identity.permissions import Perm
from tenants.receipts.services import own_receipt_record
from tenants.regulations.models import KeyRate
from tests import factories
from tests.conftest import error_codes
from tests.tenants.penalty_factories import january_debt

STATEMENT = """
query($id: ID!, $asOf: Date) {
  penaltyStatement(accountId: $id, asOf: $asOf) {
    total paymentDayAccrues paymentDayRule stale
    ruleTables { name lastChange source confidence daysPast staleDays stale }
  }
}
"""
SETTINGS_UPDATE = """
mutation($on: Boolean!) {
  workspaceSettingsUpdate(input: {penaltyPaymentDayAccrues: $on}) {
    workspaceSettings { penaltyPaymentDayAccrues } errors { code }
  }
}
"""
RULE_TABLES = "query($d: Date) { ruleTables(asOf: $d) { name lastChange daysPast staleDays stale } }"


def test_the_principal_sets_the_payment_day_and_the_statement_says_which_reading_it_used(gql, tenants, principal_a):
    """10 000.00 for January 2026 (due 10.02), 6 000.00 paid on 20.04.2026, calculated on 31.05.2026 at 9.5 %:
    inclusive 123.50 + 26.60 + 58.46 = 208.56, exclusive 120.33 + 27.87 + 58.46 = 206.66 (tests/tenants/penalties/
    test_statement.py derives each row)."""
    with tenant_context(principal_a):
        account = january_debt(number="GQ-1", street="ул. Настроек")
        own_receipt_record(account_number="GQ-1", amount="6000.00", paid_on=date(2026, 4, 20),
                           document_number="ПКО-GQ1", service_code="maint")
    admin = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.SETTINGS_MANAGE, Perm.CHARGES_VIEW]))

    inclusive = admin(STATEMENT, {"id": account.pk, "asOf": "2026-05-31"})["data"]["penaltyStatement"]
    assert (Decimal(inclusive["total"]), inclusive["paymentDayAccrues"]) == (Decimal("208.56"), True)
    assert "включительно" in inclusive["paymentDayRule"] and "ст.155 ч.14" in inclusive["paymentDayRule"]
    assert [t["lastChange"] for t in inclusive["ruleTables"]][1] == "2027-01-01"

    changed = admin(SETTINGS_UPDATE, {"on": False})["data"]["workspaceSettingsUpdate"]
    assert changed == {"workspaceSettings": {"penaltyPaymentDayAccrues": False}, "errors": []}
    exclusive = admin(STATEMENT, {"id": account.pk, "asOf": "2026-05-31"})["data"]["penaltyStatement"]
    assert (Decimal(exclusive["total"]), exclusive["paymentDayAccrues"]) == (Decimal("206.66"), False)
    assert "не включается" in exclusive["paymentDayRule"]


def test_only_settings_managers_change_the_payment_day(gql, tenants, principal_a):
    viewer = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.CHARGES_VIEW]))
    assert error_codes(viewer(SETTINGS_UPDATE, {"on": False})) == ["PERMISSION_DENIED"]
    with tenant_context(principal_a):
        from tenants.workspace.models import WorkspaceSettings

        assert WorkspaceSettings.current().penalty_payment_day_accrues is True


def test_the_back_office_lists_the_rule_tables_that_ran_out(gql, tenants, settings):
    """RULES_STALE_DAYS = 60. A key-rate row from 01.10.2030 (test data): on 30.11.2030 it is 30 + 31 − 1 = 60 days
    old, current; on 01.12.2030, 61 days, stale. The cap table ended on 01.01.2027: stale on both days."""
    settings.RULES_STALE_DAYS = 60
    KeyRate.objects.create(valid_from=date(2030, 10, 1), rate=Decimal("8.000"), source="тест", confidence="check")
    agent = gql(tenants.public_host, user=factories.user(agent_role="admin"))

    current = {t["name"]: t for t in agent(RULE_TABLES, {"d": "2030-11-30"})["data"]["ruleTables"]}
    stale = {t["name"]: t for t in agent(RULE_TABLES, {"d": "2030-12-01"})["data"]["ruleTables"]}

    key = "Ключевая ставка Банка России"
    assert (current[key]["daysPast"], current[key]["stale"]) == (60, False)
    assert (stale[key]["daysPast"], stale[key]["stale"], stale[key]["staleDays"]) == (61, True, 60)
    assert stale["Ограничение ставки для пеней"]["stale"] is True
    assert error_codes(gql(tenants.public_host, user=factories.user())(RULE_TABLES)) == ["PERMISSION_DENIED"]
