"""Principals and agency contracts through GraphQL, as the agent's admin on the public host."""

from datetime import date

import pytest
from django.db import connection

from tenants.models import AgencyContract, Domain, Principal
from tests import factories
from tests.conftest import error_codes

PRINCIPAL_FIELDS = "id kind schemaName domains isActive shortName legalName inn kpp ogrn bic settlementAccount"

CREATE = """
mutation($input: PrincipalCreateInput!) {
  principalCreate(input: $input) {
    principal { FIELDS }
    errors { field code message }
  }
}
""".replace("FIELDS", PRINCIPAL_FIELDS)

UPDATE = """
mutation($id: ID!, $input: PrincipalUpdateInput!) {
  principalUpdate(id: $id, input: $input) {
    principal { FIELDS }
    requisitesChange { id status proposed { bankName bic account correspondentAccount } }
    errors { field code message }
  }
}
""".replace("FIELDS", PRINCIPAL_FIELDS)

CONFIRM = """
mutation($id: ID!) {
  requisitesChangeConfirm(id: $id) { requisitesChange { id status } errors { field code message } }
}
"""

CONTRACT_FIELDS = """
id principalId number signedOn validFrom validTo feeRate feeMin feeMax services payoutSchedule qrMode
payoutBankName payoutBic payoutAccount payoutCorrespondentAccount
"""

CONTRACT_CREATE = """
mutation($principalId: ID!, $input: AgencyContractInput!) {
  agencyContractCreate(principalId: $principalId, input: $input) {
    agencyContract { FIELDS }
    requisitesChange { id status proposed { bankName bic account correspondentAccount } }
    errors { field code message }
  }
}
""".replace("FIELDS", CONTRACT_FIELDS)

CONTRACTS = "query($principalId: ID!) { agencyContracts(principalId: $principalId) { FIELDS } }".replace(
    "FIELDS", CONTRACT_FIELDS
)

PRINCIPALS = """
query($first: Int, $after: String, $search: String, $kind: PrincipalKind) {
  principals(first: $first, after: $after, search: $search, kind: $kind) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id schemaName shortName inn }
  }
}
"""


# --- helpers -------------------------------------------------------------------------------


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def create_input(n: int, *, schema_name: str | None = None, subdomain: str | None = None, **overrides) -> dict:
    data = {
        "kind": "MANAGEMENT_COMPANY",
        "schemaName": schema_name or f"p_test_{n}",
        "subdomain": subdomain or f"p-test-{n}",
        **{camel(k): v for k, v in factories.requisites(n).items()},
    }
    data.update(overrides)
    return data


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [name])
        return cursor.fetchone() is not None


def table_exists(schema: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s", [schema, table]
        )
        return cursor.fetchone() is not None


def tables_of(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def field_errors(payload: dict, mutation: str) -> list[tuple[str | None, str]]:
    assert "errors" not in payload, payload
    return [(e["field"], e["code"]) for e in payload["data"][mutation]["errors"]]


@pytest.fixture
def admin_gql(gql, tenants):
    return gql(tenants.public_host, user=factories.user(agent_role="admin"))


@pytest.fixture
def approver_gql(gql, tenants):
    """A second person, the controller: confirms what the admin proposes (four eyes)."""
    return gql(tenants.public_host, user=factories.user(agent_role="approver"))


@pytest.fixture
def created(admin_gql):
    """A principal created through the API (rolled back with the test's transaction)."""
    payload = admin_gql(CREATE, {"input": create_input(4101)})
    assert field_errors(payload, "principalCreate") == []
    return payload["data"]["principalCreate"]["principal"]


def contract_input(**overrides) -> dict:
    data = {
        "number": "АД-1/2026",
        "signedOn": "2025-12-20",
        "validFrom": "2026-01-01",
        "validTo": "2026-12-31",
        "feeRate": "1.2500",
        "feeMin": "10.00",
        "feeMax": "5000.00",
        "services": ["HEATING", "HOT_WATER", "HEATING"],
        "payoutSchedule": "DAILY",
        "qrMode": "PER_PAYEE",
    }
    data.update(overrides)
    return data


# --- principalCreate -----------------------------------------------------------------------


def test_principal_create_makes_schema_domain_and_settings(admin_gql, gql, created):
    requisites = factories.requisites(4101)
    assert created["schemaName"] == "p_test_4101"
    assert created["domains"] == ["p-test-4101.localhost"]
    assert created["kind"] == "MANAGEMENT_COMPANY"
    assert created["isActive"] is True
    assert created["inn"] == requisites["inn"]
    assert created["settlementAccount"] == requisites["settlement_account"]

    principal = Principal.objects.get(pk=created["id"])
    assert principal.schema_name == "p_test_4101"
    assert Domain.objects.filter(tenant=principal, domain="p-test-4101.localhost", is_primary=True).exists()

    # the schema was cloned from the template: same tables, and the settings row came with it
    assert schema_exists("p_test_4101")
    assert table_exists("p_test_4101", "workspace_workspacesettings")
    assert tables_of("p_test_4101") == tables_of("principal_template")
    with connection.cursor() as cursor:
        cursor.execute('SELECT payment_due_day FROM "p_test_4101".workspace_workspacesettings')
        assert cursor.fetchall() == [(15,)]

    # the new domain answers, for a member of the new principal
    from agency.identity.permissions import PrincipalRole

    member = factories.staff(principal, role=PrincipalRole.ADMIN)
    payload = gql("p-test-4101.localhost", user=member)(
        "{ currentPrincipal { id schemaName shortName } workspaceSettings { paymentDueDay } }"
    )
    assert payload["_status"] == 200, payload
    assert "errors" not in payload, payload
    assert payload["data"]["currentPrincipal"] == {
        "id": created["id"], "schemaName": "p_test_4101", "shortName": requisites["short_name"],
    }
    assert payload["data"]["workspaceSettings"] == {"paymentDueDay": 15}


def test_principal_create_needs_agent_staff(gql, tenants, principal_a):
    anonymous = gql(tenants.public_host)(CREATE, {"input": create_input(4102)})
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    resident = gql(tenants.public_host, user=factories.user(is_resident=True))(CREATE, {"input": create_input(4102)})
    assert error_codes(resident) == ["PERMISSION_DENIED"]
    assert not schema_exists("p_test_4102")
    assert not Principal.objects.filter(schema_name="p_test_4102").exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("inn", "7707083894", "INN_CHECKSUM"),
        ("inn", "77070838", "INN_FORMAT"),
        ("inn", "500100732259", "INN_FORMAT"),  # an individual's ИНН is not an organisation's
        ("kpp", "77-101001", "KPP_FORMAT"),
        ("ogrn", "1027700132196", "OGRN_CHECKSUM"),
        ("ogrn", "10277001321", "OGRN_FORMAT"),
        ("bic", "144525225", "BIC_FORMAT"),
        ("settlementAccount", "40702810900000000001", "ACCOUNT_CONTROL_KEY"),
        ("settlementAccount", "4070281090000000000", "ACCOUNT_FORMAT"),
        ("correspondentAccount", "30101810400000000226", "CORR_ACCOUNT_MISMATCH"),
        ("correspondentAccount", "30101810500000000225", "ACCOUNT_CONTROL_KEY"),
        ("schemaName", "Bad-Schema", "SCHEMA_NAME_FORMAT"),
        ("schemaName", "public", "SCHEMA_NAME_FORMAT"),
        ("schemaName", "principal_template", "SCHEMA_NAME_FORMAT"),
        ("subdomain", "bad_sub.domain", "DOMAIN_FORMAT"),
    ],
)
def test_malformed_requisites_name_the_rule_and_create_nothing(admin_gql, field, value, code):
    principals_before = Principal.objects.count()
    domains_before = Domain.objects.count()
    data = create_input(4110, **{field: value})

    payload = admin_gql(CREATE, {"input": data})

    errors = field_errors(payload, "principalCreate")
    assert (field, code) in errors, errors
    assert payload["data"]["principalCreate"]["principal"] is None
    assert Principal.objects.count() == principals_before
    assert Domain.objects.count() == domains_before
    if field != "schemaName":  # (a refused schema name may be a reserved one that exists)
        assert not schema_exists(data["schemaName"])
        assert not Principal.objects.filter(schema_name=data["schemaName"]).exists()


def test_error_message_is_for_people(admin_gql):
    payload = admin_gql(CREATE, {"input": create_input(4111, inn="7707083894")})
    (error,) = payload["data"]["principalCreate"]["errors"]
    assert error["field"] == "inn"
    assert error["code"] == "INN_CHECKSUM"
    assert "ИНН" in error["message"]


def test_several_bad_fields_are_reported_together(admin_gql):
    data = create_input(4112, inn="7707083894", ogrn="1027700132196", kpp="x")
    errors = field_errors(admin_gql(CREATE, {"input": data}), "principalCreate")
    assert {("inn", "INN_CHECKSUM"), ("ogrn", "OGRN_CHECKSUM"), ("kpp", "KPP_FORMAT")} <= set(errors)
    assert not schema_exists("p_test_4112")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"schemaName": "principal_a"}, "schemaName"),
        ({"subdomain": "a"}, "subdomain"),
    ],
)
def test_duplicate_schema_or_subdomain_is_unique(admin_gql, tenants, overrides, field):
    before = Principal.objects.count()
    data = create_input(4120, **overrides)
    errors = field_errors(admin_gql(CREATE, {"input": data}), "principalCreate")
    assert errors == [(field, "UNIQUE")]
    assert Principal.objects.count() == before
    if field == "subdomain":
        assert not schema_exists(data["schemaName"])


def test_duplicate_inn_and_kpp_is_unique(admin_gql, principal_a):
    data = create_input(4121, inn=principal_a.inn, kpp=principal_a.kpp)
    errors = field_errors(admin_gql(CREATE, {"input": data}), "principalCreate")
    assert [code for _field, code in errors] == ["UNIQUE"]
    assert not schema_exists("p_test_4121")
    assert not Principal.objects.filter(schema_name="p_test_4121").exists()


# --- principalUpdate -----------------------------------------------------------------------


def test_principal_update(admin_gql, approver_gql, created):
    new_account = factories.requisites(4199)["settlement_account"]
    payload = admin_gql(
        UPDATE,
        {
            "id": created["id"],
            "input": {"shortName": "УК «Новая»", "kpp": "7701AB001", "settlementAccount": new_account},
        },
    )
    assert field_errors(payload, "principalUpdate") == []
    principal = payload["data"]["principalUpdate"]["principal"]
    assert principal["shortName"] == "УК «Новая»"
    assert principal["kpp"] == "7701AB001"
    # the bank account is proposed, not applied: the old one stays in force until another approver confirms
    assert principal["settlementAccount"] == created["settlementAccount"]
    change = payload["data"]["principalUpdate"]["requisitesChange"]
    assert (change["status"], change["proposed"]["account"]) == ("PENDING", new_account)
    assert principal["inn"] == created["inn"]  # untouched
    row = Principal.objects.get(pk=created["id"])
    old_account = created["settlementAccount"]
    assert (row.short_name, row.kpp, row.settlement_account) == ("УК «Новая»", "7701AB001", old_account)

    confirmed = approver_gql(CONFIRM, {"id": change["id"]})["data"]["requisitesChangeConfirm"]
    assert confirmed["errors"] == [] and confirmed["requisitesChange"]["status"] == "CONFIRMED"
    row = Principal.objects.get(pk=created["id"])
    assert (row.short_name, row.kpp, row.settlement_account) == ("УК «Новая»", "7701AB001", new_account)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("kpp", "7701", "KPP_FORMAT"),
        ("bic", "04452522", "BIC_FORMAT"),
        ("settlementAccount", "40702810900000000001", "ACCOUNT_CONTROL_KEY"),
        ("correspondentAccount", "30101810400000000226", "CORR_ACCOUNT_MISMATCH"),
    ],
)
def test_principal_update_validates_and_changes_nothing(admin_gql, principal_a, field, value, code):
    before = Principal.objects.values().get(pk=principal_a.pk)
    payload = admin_gql(UPDATE, {"id": str(principal_a.pk), "input": {field: value, "shortName": "Не сохранится"}})
    assert (field, code) in field_errors(payload, "principalUpdate")
    assert Principal.objects.values().get(pk=principal_a.pk) == before


def test_principal_update_deactivates(admin_gql, gql, principal_a, tenants):
    payload = admin_gql(UPDATE, {"id": str(principal_a.pk), "input": {"isActive": False}})
    assert field_errors(payload, "principalUpdate") == []
    assert payload["data"]["principalUpdate"]["principal"]["isActive"] is False
    # a deactivated principal's host answers 404
    response = gql(tenants.a_host).post_raw({"query": "{ currentPrincipal { id } }"})
    assert response.status_code == 404
    assert Principal.objects.get(pk=principal_a.pk).is_active is False


def test_principal_update_unknown_id_is_not_found(admin_gql, tenants):
    payload = admin_gql(UPDATE, {"id": "999999999", "input": {"shortName": "x"}})
    assert field_errors(payload, "principalUpdate") == [("id", "NOT_FOUND")]
    # the agent's own row is not a principal one can edit here
    payload = admin_gql(UPDATE, {"id": str(tenants.agent_id), "input": {"shortName": "x"}})
    assert field_errors(payload, "principalUpdate") == [("id", "NOT_FOUND")]


# --- agency contracts ----------------------------------------------------------------------


def create_contract(admin_gql, principal_id, **overrides) -> dict:
    return admin_gql(CONTRACT_CREATE, {"principalId": str(principal_id), "input": contract_input(**overrides)})


def test_agency_contract_defaults_to_the_principals_requisites(admin_gql, principal_a):
    payload = create_contract(admin_gql, principal_a.pk)
    assert field_errors(payload, "agencyContractCreate") == []
    contract = payload["data"]["agencyContractCreate"]["agencyContract"]
    assert contract["principalId"] == str(principal_a.pk)
    assert contract["payoutBankName"] == principal_a.bank_name
    assert contract["payoutBic"] == principal_a.bic
    assert contract["payoutAccount"] == principal_a.settlement_account
    assert contract["payoutCorrespondentAccount"] == principal_a.correspondent_account
    assert contract["services"] == ["HEATING", "HOT_WATER"]  # duplicates dropped, sorted
    assert contract["validFrom"] == "2026-01-01"
    assert contract["validTo"] == "2026-12-31"
    assert contract["payoutSchedule"] == "DAILY"
    assert contract["qrMode"] == "PER_PAYEE"
    row = AgencyContract.objects.get(pk=contract["id"])
    assert row.principal_id == principal_a.pk
    assert row.valid_from == date(2026, 1, 1)
    assert str(row.fee_rate) == "1.2500"


def test_agency_contract_with_its_own_payout_account(admin_gql, approver_gql, principal_a):
    from billing_core.requisites import account_with_control_key

    bic, corr = "044525974", "30101810145250000974"
    account = account_with_control_key("40702810000000004242", bic)
    payload = create_contract(
        admin_gql, principal_a.pk, payoutBankName="АО «ТБанк»", payoutBic=bic, payoutAccount=account,
        payoutCorrespondentAccount=corr, validTo=None, qrMode="AGENT_ACCOUNT", payoutSchedule="WEEKLY",
    )
    assert field_errors(payload, "agencyContractCreate") == []
    contract = payload["data"]["agencyContractCreate"]["agencyContract"]
    # the contract opens on the principal's confirmed requisites; its own payout account waits for an approver
    assert (contract["payoutBic"], contract["payoutAccount"], contract["payoutCorrespondentAccount"]) == (
        principal_a.bic, principal_a.settlement_account, principal_a.correspondent_account,
    )
    change = payload["data"]["agencyContractCreate"]["requisitesChange"]
    assert change["status"] == "PENDING"
    assert change["proposed"] == {"bankName": "АО «ТБанк»", "bic": bic, "account": account,
                                  "correspondentAccount": corr}
    assert contract["validTo"] is None
    assert contract["qrMode"] == "AGENT_ACCOUNT"

    assert approver_gql(CONFIRM, {"id": change["id"]})["data"]["requisitesChangeConfirm"]["errors"] == []
    row = AgencyContract.objects.get(pk=contract["id"])
    assert (row.payout_bank_name, row.payout_bic, row.payout_account, row.payout_correspondent_account) == (
        "АО «ТБанк»", bic, account, corr,
    )


def test_agency_contract_payout_account_must_match_the_bic(admin_gql, principal_a):
    payload = create_contract(admin_gql, principal_a.pk, payoutBic="044525974")
    errors = field_errors(payload, "agencyContractCreate")
    # the principal's Sberbank accounts do not fit another bank's BIC
    assert ("payoutAccount", "ACCOUNT_CONTROL_KEY") in errors
    assert ("payoutCorrespondentAccount", "CORR_ACCOUNT_MISMATCH") in errors
    assert not AgencyContract.objects.filter(principal=principal_a).exists()


@pytest.mark.parametrize(
    ("second", "overlaps"),
    [
        ({"validFrom": "2026-06-01", "validTo": None}, True),
        ({"validFrom": "2025-01-01", "validTo": "2026-01-01"}, True),  # shares the first day
        ({"validFrom": "2025-01-01", "validTo": None}, True),
        ({"validFrom": "2027-01-01", "validTo": None}, False),
        ({"validFrom": "2025-01-01", "validTo": "2025-12-31"}, False),
    ],
)
def test_overlapping_contracts_are_refused(admin_gql, principal_a, principal_b, second, overlaps):
    assert field_errors(create_contract(admin_gql, principal_a.pk), "agencyContractCreate") == []

    payload = create_contract(admin_gql, principal_a.pk, number="АД-2/2026", **second)

    errors = field_errors(payload, "agencyContractCreate")
    if overlaps:
        assert [code for _field, code in errors] == ["CONTRACT_OVERLAP"]
        assert AgencyContract.objects.filter(principal=principal_a).count() == 1
    else:
        assert errors == []
        assert AgencyContract.objects.filter(principal=principal_a).count() == 2
    # another principal's contract over the same dates is fine
    assert field_errors(create_contract(admin_gql, principal_b.pk, **second), "agencyContractCreate") == []


def test_fee_min_above_fee_max_is_fee_range(admin_gql, principal_a):
    payload = create_contract(admin_gql, principal_a.pk, feeMin="100.00", feeMax="99.99")
    assert field_errors(payload, "agencyContractCreate") == [("feeMax", "FEE_RANGE")]
    assert not AgencyContract.objects.exists()


@pytest.mark.parametrize("rate", ["-0.0001", "100.0001"])
def test_fee_rate_out_of_range_is_fee_range(admin_gql, principal_a, rate):
    payload = create_contract(admin_gql, principal_a.pk, feeRate=rate)
    assert ("feeRate", "FEE_RANGE") in field_errors(payload, "agencyContractCreate")
    assert not AgencyContract.objects.exists()


def test_valid_to_before_valid_from_is_date_range(admin_gql, principal_a):
    payload = create_contract(admin_gql, principal_a.pk, validFrom="2026-05-01", validTo="2026-04-30")
    assert field_errors(payload, "agencyContractCreate") == [("validTo", "DATE_RANGE")]
    assert not AgencyContract.objects.exists()


def test_contract_for_unknown_principal_is_not_found(admin_gql):
    payload = create_contract(admin_gql, 999999999)
    assert field_errors(payload, "agencyContractCreate") == [("id", "NOT_FOUND")]


def test_agency_contracts_list(admin_gql, principal_a, principal_b, created):
    for number, start, end in (("АД-2", "2027-01-01", None), ("АД-1", "2026-01-01", "2026-12-31")):
        payload = create_contract(admin_gql, principal_a.pk, number=number, validFrom=start, validTo=end)
        assert field_errors(payload, "agencyContractCreate") == []
    assert field_errors(create_contract(admin_gql, principal_b.pk, number="Б-1"), "agencyContractCreate") == []

    payload = admin_gql(CONTRACTS, {"principalId": str(principal_a.pk)})

    assert "errors" not in payload, payload
    contracts = payload["data"]["agencyContracts"]
    assert [c["number"] for c in contracts] == ["АД-1", "АД-2"]  # by validFrom
    assert {c["principalId"] for c in contracts} == {str(principal_a.pk)}
    assert admin_gql(CONTRACTS, {"principalId": created["id"]})["data"]["agencyContracts"] == []


def test_agency_contracts_need_agent_staff(gql, tenants, principal_a):
    payload = gql(tenants.public_host, user=factories.user())(CONTRACTS, {"principalId": str(principal_a.pk)})
    assert error_codes(payload) == ["PERMISSION_DENIED"]


# --- principals connection -----------------------------------------------------------------


def make_principals(admin_gql, numbers) -> list[dict]:
    made = []
    for n in numbers:
        payload = admin_gql(CREATE, {"input": create_input(n)})
        assert field_errors(payload, "principalCreate") == []
        made.append(payload["data"]["principalCreate"]["principal"])
    return made


def test_principals_pagination(admin_gql, tenants):
    make_principals(admin_gql, (4201, 4202, 4203))
    expected = list(Principal.objects.exclude(kind="agent").order_by("pk").values_list("schema_name", flat=True))
    assert len(expected) >= 5
    assert "public" not in expected

    seen, after, pages = [], None, 0
    while True:
        payload = admin_gql(PRINCIPALS, {"first": 2, "after": after})
        assert "errors" not in payload, payload
        conn = payload["data"]["principals"]
        assert conn["totalCount"] == len(expected)
        assert len(conn["nodes"]) <= 2
        seen += [node["schemaName"] for node in conn["nodes"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == expected
    assert pages == (len(expected) + 1) // 2


def test_principals_search_and_kind(admin_gql, principal_a, principal_b):
    make_principals(admin_gql, (4211, 4212))
    requisites = factories.requisites(4212)

    def schemas(**variables):
        payload = admin_gql(PRINCIPALS, variables)
        assert "errors" not in payload, payload
        conn = payload["data"]["principals"]
        assert conn["totalCount"] == len(conn["nodes"])
        return [node["schemaName"] for node in conn["nodes"]]

    assert schemas(search=requisites["inn"]) == ["p_test_4212"]
    assert schemas(search="p_test_4211") == ["p_test_4211"]
    assert schemas(search="принципал 421") == ["p_test_4211", "p_test_4212"]  # name, case-insensitive
    assert schemas(search=principal_a.short_name) == ["principal_a"]
    assert schemas(search="нет такого") == []
    assert schemas(kind="RESOURCE_SUPPLIER") == ["principal_b"]
    assert schemas(kind="RESOURCE_SUPPLIER", search="principal_a") == []


def test_principals_page_of_zero_and_bad_cursor(admin_gql):
    payload = admin_gql(PRINCIPALS, {"first": 0})
    conn = payload["data"]["principals"]
    assert conn["nodes"] == [] and conn["totalCount"] >= 2
    assert conn["pageInfo"]["hasNextPage"] is True

    assert error_codes(admin_gql(PRINCIPALS, {"first": 101})) == ["INVALID"]
    assert error_codes(admin_gql(PRINCIPALS, {"after": "not-a-cursor"})) == ["INVALID"]


def test_principals_need_agent_staff(gql, tenants):
    assert error_codes(gql(tenants.public_host)(PRINCIPALS)) == ["UNAUTHENTICATED"]
    assert error_codes(gql(tenants.public_host, user=factories.user())(PRINCIPALS)) == ["PERMISSION_DENIED"]
