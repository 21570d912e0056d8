"""The audit log records each mutation's effective arguments, secrets masked by the schema's argument names."""

import importlib
import json

import pytest
from graphql import GraphQLInputObjectType, build_schema, get_named_type, parse

from agency.identity.models import AuditLog
from agency.identity.permissions import Perm, PrincipalRole
from agency.identity.throttle import counters
from graphql_api.api import schema
from graphql_api.core.audit import MASK, NOT_SECRET, is_secret, mutation_arguments
from tests import factories

SECRET = "s3cret-Пароль-that-must-not-be-logged"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    counters().clear()
    yield
    counters().clear()


def _last(field: str) -> AuditLog:
    return AuditLog.objects.filter(fields__contains=[field]).latest("pk")


def _nowhere(secret: str) -> None:
    assert not AuditLog.objects.filter(variables__icontains=secret).exists()
    assert all(secret not in json.dumps(v, ensure_ascii=False) for v in AuditLog.objects.values_list("variables",
                                                                                                    flat=True))


def test_login_password_is_masked_whatever_the_variables_are_called(tenants, principal_a, gql):
    factories.staff(principal_a, role=PrincipalRole.ADMIN, email="audit-boss@a.test")
    client = gql(tenants.a_host)

    client("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { errors { code } } }",
           {"e": "audit-boss@a.test", "p": SECRET})

    assert _last("login").variables == {"login": {"email": "audit-boss@a.test", "password": MASK}}
    _nowhere(SECRET)


def test_inline_arguments_are_recorded_and_inline_secrets_masked(tenants, principal_a, gql):
    client = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.API_KEYS_MANAGE, Perm.SETTINGS_VIEW]))

    client('mutation { apiKeyCreate(name: "ci robot", permissions: [SETTINGS_VIEW]) { key errors { code } } }')
    gql(tenants.a_host)(f'mutation {{ login(email: "nobody@a.test", password: "{SECRET}") {{ errors {{ code }} }} }}')

    assert _last("apiKeyCreate").variables == {"apiKeyCreate": {"name": "ci robot", "permissions": ["SETTINGS_VIEW"]}}
    assert _last("login").variables == {"login": {"email": "nobody@a.test", "password": MASK}}
    _nowhere(SECRET)


def test_secrets_in_nested_inputs_are_masked_inline_or_in_a_variable():
    nested = build_schema("""
        input Credentials { email: String! password: String }
        input Invite { email: String! people: [Credentials!] }
        type Query { ok: Boolean }
        type Mutation { invite(input: Invite!): Boolean }
    """)
    document = parse('mutation($pw: String, $in: Invite!) { a: invite(input: {email: "x@a.test", people: '
                     '[{email: "y@a.test", password: $pw}]}) b: invite(input: $in) }')
    variables = {"pw": SECRET, "in": {"email": "z@a.test", "people": [{"email": "w@a.test", "password": SECRET}]}}

    fields, recorded = mutation_arguments(nested, document, document.definitions[0], variables)

    assert fields == ["invite", "invite"]
    assert recorded == {
        "a": {"input": {"email": "x@a.test", "people": [{"email": "y@a.test", "password": MASK}]}},
        "b": {"input": {"email": "z@a.test", "people": [{"email": "w@a.test", "password": MASK}]}},
    }


def test_invitation_and_reset_secrets_are_masked(tenants, principal_a, gql):
    client = gql(tenants.a_host)

    inline = f'password: "{SECRET}", fullName: "Новый"'
    client(f"mutation($t: String!) {{ staffInvitationAccept(token: $t, {inline}) {{ errors {{ code }} }} }}",
           {"t": SECRET + "-token"})
    gql(tenants.public_host)("mutation($x: String!) { passwordResetComplete(token: $x, newPassword: $x) "
                             "{ errors { code } } }", {"x": SECRET})
    gql(tenants.public_host)("mutation($x: String!) { residentSignUpConfirm(token: $x, password: $x) "
                             "{ errors { code } } }", {"x": SECRET})

    assert _last("staffInvitationAccept").variables == {
        "staffInvitationAccept": {"token": MASK, "password": MASK, "fullName": "Новый"}}
    assert _last("passwordResetComplete").variables == {
        "passwordResetComplete": {"token": MASK, "newPassword": MASK}}
    assert _last("residentSignUpConfirm").variables == {"residentSignUpConfirm": {"token": MASK, "password": MASK}}
    _nowhere(SECRET)


def test_aliases_fragments_and_defaults_are_recorded_per_call(tenants, principal_a, gql):
    client = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.API_KEYS_MANAGE, Perm.SETTINGS_VIEW]))

    client('mutation($n: String!) { one: apiKeyCreate(name: $n, permissions: []) { key } '
           '...more } fragment more on Mutation { two: apiKeyCreate(name: "second", permissions: [SETTINGS_VIEW]) '
           '{ key } }', {"n": "first"})

    row = _last("apiKeyCreate")
    assert row.fields == ["apiKeyCreate", "apiKeyCreate"]  # the calls, through the fragment
    assert row.variables == {
        "one": {"name": "first", "permissions": []},
        "two": {"name": "second", "permissions": ["SETTINGS_VIEW"]},
    }


def test_each_write_of_a_batch_is_recorded_with_its_own_arguments(tenants, principal_a, gql):
    factories.staff(principal_a, role=PrincipalRole.ADMIN, email="batch-boss@a.test")
    client = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.SETTINGS_MANAGE]))

    response = client.post_raw([
        {"query": "mutation($x: String!, $y: String!) { login(email: $x, password: $y) { errors { code } } }",
         "variables": {"x": "batch-boss@a.test", "y": SECRET}},
        {"query": "mutation { workspaceSettingsUpdate(input: {paymentDueDay: 12}) { errors { code } } }"},
    ])

    assert response.status_code == 200
    assert _last("login").variables == {"login": {"email": "batch-boss@a.test", "password": MASK}}
    assert _last("workspaceSettingsUpdate").variables == {"workspaceSettingsUpdate": {"input": {"paymentDueDay": 12}}}
    _nowhere(SECRET)


def test_resident_link_code_and_sign_up_password_are_masked(tenants, gql):
    resident = factories.user(is_resident=True)
    gql(tenants.public_host, user=resident)(
        "mutation($a: String!, $b: String!) { residentLinkAccount(els: $a, code: $b) { errors { code } } }",
        {"a": "7600000009", "b": "ABCD-EFGH"})
    gql(tenants.public_host)(
        "mutation($m: String!, $w: String!) { residentSignUp(email: $m, password: $w, fullName: \"Жилец\") "
        "{ errors { code } } }", {"m": "audit-resident@mail.test", "w": SECRET})

    assert _last("residentLinkAccount").variables == {"residentLinkAccount": {"els": "7600000009", "code": MASK}}
    assert _last("residentSignUp").variables == {
        "residentSignUp": {"email": "audit-resident@mail.test", "password": MASK, "fullName": "Жилец"}}
    _nowhere(SECRET)
    _nowhere("ABCD-EFGH")


def _mutation_inputs():
    """(owner, name) of every argument of a mutation and every input field reachable from one."""
    seen, found = set(), []

    def walk(type_):
        named = get_named_type(type_)
        if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            seen.add(named.name)
            for name, field in named.fields.items():
                found.append((named.name, name))
                walk(field.type)

    for field_name, field in schema.graphql_schema.mutation_type.fields.items():
        for name, arg in field.args.items():
            found.append((field_name, name))
            walk(arg.type)
    return found


def test_every_argument_that_looks_like_a_secret_is_masked_or_declared_harmless():
    hints = ("pass", "secret", "token", "key", "code", "pin", "otp", "cvc", "card", "credential")
    doubtful = [(owner, name) for owner, name in _mutation_inputs()
                if any(h in name.lower() for h in hints) and not is_secret(name) and name not in NOT_SECRET]
    assert doubtful == [], "mark these in graphql_api.core.audit (SECRET_NAMES) or list them in NOT_SECRET"
    secrets = {(owner, name) for owner, name in _mutation_inputs() if is_secret(name)}
    assert {("login", "password"), ("residentSignUp", "password"), ("residentLinkAccount", "code"),
            ("residentPaymentConfirm", "cardToken"), ("staffInvitationAccept", "password"),
            ("staffInvitationAccept", "token"), ("passwordResetComplete", "token"),
            ("passwordResetComplete", "newPassword"), ("residentSignUpConfirm", "token"),
            ("residentSignUpConfirm", "password")} <= secrets


def test_migration_masks_the_secrets_stored_before(db):
    migration = importlib.import_module("agency.identity.migrations.0002_audit_secrets_redact")
    from django.apps import apps

    def row(fields, variables):
        return AuditLog.objects.create(schema_name="public", operation="", fields=fields, variables=variables,
                                       succeeded=True, error_codes=[])

    login = row(["login"], {"e": "boss@a.test", "p": SECRET})
    staff = row(["staffUserCreate"], {"in": {"email": "x@a.test", "password": SECRET, "permissions": ["USERS_VIEW"]}})
    other = row(["workspaceSettingsUpdate"], {"d": 10})
    upload = row(["readings"], {"filename": "r.csv", "layout": ""})

    migration.mask_stored_secrets(apps, None)

    login.refresh_from_db()
    staff.refresh_from_db()
    other.refresh_from_db()
    upload.refresh_from_db()
    assert login.variables == {"e": MASK, "p": MASK}
    assert staff.variables == {"in": {"email": MASK, "password": MASK, "permissions": [MASK]}}
    assert other.variables == {"d": 10} and upload.variables == {"filename": "r.csv", "layout": ""}
    _nowhere(SECRET)
