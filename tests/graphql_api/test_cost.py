"""A request's cost is limited across its whole batch; suggestions go with introspection."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from graphql import DocumentNode, OperationDefinitionNode, build_schema, parse, validate

from agency.identity.permissions import Perm
from graphql_api.api import schema
from graphql_api.core.cost import operation_cost
from tests import factories
from tests.conftest import error_codes

FRONTEND = Path(__file__).resolve().parents[2] / "portal_frontend" / "src"

NESTED = build_schema("""
    type Query { shops(first: Int, after: String): ShopConnection!  tags: [String!]!  shop(id: ID!): Shop }
    type ShopConnection { totalCount: Int!  nodes: [Shop!]! }
    type Shop { id: ID!  name: String!  items(first: Int = 20): [Item!]!  owner: Person  staff: [Person!]! }
    type Item { id: ID!  price: Int! }
    type Person { name: String! }
""")


def _cost(query: str, variables: dict | None = None, graphql_schema=NESTED) -> int:
    document = parse(query)
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return operation_cost(graphql_schema, document, operation, variables or {})


def test_pages_multiply_what_is_inside_them_through_nesting():
    # 1 connection + 1 totalCount + 10 nodes + 10 × 2 fields
    assert _cost("{ shops(first: 10) { totalCount nodes { id name } } }") == 32
    # a page inside a page: 10 shops × 20 items (the argument's default) × 2 fields
    assert _cost("{ shops(first: 10) { nodes { items { id price } } } }") == 1 + 10 + 10 * 20 + 10 * 20 * 2
    # without a page size the connection's default page (100); a variable's value or default is used
    assert _cost("{ shops { nodes { id } } }") == 1 + 100 + 100
    assert _cost("query($n: Int) { shops(first: $n) { nodes { id } } }", {"n": 3}) == 1 + 3 + 3
    assert _cost("query($n: Int = 4) { shops(first: $n) { nodes { id } } }") == 1 + 4 + 4
    # lists without a page size and single objects count once; __typename counts too
    assert _cost('{ tags shop(id: "1") { owner { name } staff { name } __typename } }') == 1 + 1 + 2 + 2 + 1


def test_aliases_and_fragments_count_every_time_they_are_used():
    one = _cost("{ shops(first: 10) { nodes { id } } }")
    assert _cost("{ a: shops(first: 10) { nodes { id } } b: shops(first: 10) { nodes { id } } }") == 2 * one
    with_fragments = """
        { a: shops(first: 10) { ...page } b: shops(first: 10) { ... on ShopConnection { nodes { id } } } }
        fragment page on ShopConnection { nodes { id } }
    """
    assert _cost(with_fragments) == 2 * one


def _frontend_operations() -> list[tuple[str, DocumentNode, OperationDefinitionNode]]:
    texts = []
    for path in FRONTEND.rglob("*.ts*"):
        if "gql" not in path.relative_to(FRONTEND).parts:
            texts += re.findall(r"graphql\(`(.*?)`\)", path.read_text(encoding="utf-8"), flags=re.S)
    fragments = [d for text in texts for d in parse(text).definitions if not isinstance(d, OperationDefinitionNode)]
    found = []
    for text in texts:
        for definition in parse(text).definitions:
            if isinstance(definition, OperationDefinitionNode):
                document = DocumentNode(definitions=(definition, *fragments))
                found.append((definition.name.value, document, definition))
    return found


def test_every_front_end_operation_costs_far_below_the_limit():
    # an operation the schema refuses is the schema drift test's and the front-end build's to report
    operations = [(name, doc, op) for name, doc, op in _frontend_operations()
                  if not validate(schema.graphql_schema, DocumentNode(definitions=(op,)))]
    assert len(operations) > 50
    costs = {name: operation_cost(schema.graphql_schema, doc, op, {}) for name, doc, op in operations}
    # variables left out: every page at its largest; a page of the portal is a small part of one request's budget
    assert max(costs.values()) * 4 <= django_settings.GRAPHQL_MAX_COST, sorted(costs.items(), key=lambda c: -c[1])[:3]


PAGE_OF_ACCOUNTS = "accounts(first: 100) { nodes { id number payerName } }"
ACCOUNTS_30 = "{ " + " ".join(f"a{i}: {PAGE_OF_ACCOUNTS}" for i in range(30)) + " }"


def test_a_batch_of_aliased_pages_is_refused_whole_before_anything_runs(tenants, principal_a, gql):
    client = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.ACCOUNTS_VIEW, Perm.SETTINGS_MANAGE]))
    write = {"query": "mutation { workspaceSettingsUpdate(input: {paymentDueDay: 11}) { errors { code } } }"}

    response = client.post_raw([write] + [{"query": ACCOUNTS_30}] * 9)

    assert response.status_code == 400
    payload = response.json()
    assert error_codes(payload) == ["QUERY_TOO_COSTLY"]
    message = payload["errors"][0]["message"]
    assert "GRAPHQL_MAX_COST" in message and str(django_settings.GRAPHQL_MAX_COST) in message
    assert "слишком дорогой" in message
    after = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.SETTINGS_VIEW]))(
        "{ workspaceSettings { paymentDueDay } }")
    assert after["data"]["workspaceSettings"]["paymentDueDay"] == 15  # the write in the batch did not run


def test_the_limit_is_on_the_batch_as_a_whole(tenants, principal_a, gql, settings):
    client = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.ACCOUNTS_VIEW]))
    page = {"query": "query($n: Int) { accounts(first: $n) { nodes { id number } } }", "variables": {"n": 100}}
    one = 1 + 100 + 2 * 100
    settings.GRAPHQL_MAX_COST = 3 * one

    alone = client.post_raw(page)
    three = client.post_raw([page] * 3)
    four = client.post_raw([page] * 4)
    four_small = client.post_raw([{**page, "variables": {"n": 10}}] * 4)

    assert alone.status_code == 200 and "errors" not in alone.json()
    assert three.status_code == 200 and all("errors" not in r for r in three.json())
    assert (four.status_code, error_codes(four.json())) == (400, ["QUERY_TOO_COSTLY"])
    assert four_small.status_code == 200


def _messages(payload: dict) -> list[str]:
    return [e["message"] for e in payload.get("errors", [])]


@pytest.mark.parametrize("introspection", [True, False])
def test_suggestions_go_with_introspection(tenants, principal_a, gql, settings, introspection):
    settings.GRAPHQL_INTROSPECTION = introspection
    client = gql(tenants.a_host, api_key=factories.api_key(principal_a, [Perm.ACCOUNTS_VIEW, Perm.API_KEYS_MANAGE]))

    unknown_field = client("{ acounts { totalCount } }")
    unknown_argument = client("{ accounts(frist: 1) { totalCount } }")
    unknown_enum = client('mutation { apiKeyCreate(name: "k", permissions: [SETTINGS_VEW]) { key } }')
    enum_in_variable = client("mutation($p: [Permission!]!) { apiKeyCreate(name: \"k\", permissions: $p) { key } }",
                              {"p": ["SETTINGS_VEW"]})
    unknown_input_field = client(
        "mutation { workspaceSettingsUpdate(input: {paymentDueDai: 10}) { errors { code } } }")

    payloads = [unknown_field, unknown_argument, unknown_enum, enum_in_variable, unknown_input_field]
    messages = [m for p in payloads for m in _messages(p)]
    assert all(_messages(p) for p in payloads)
    if introspection:
        assert all("Did you mean" in m for m in messages), messages
    else:
        assert not any("Did you mean" in m for m in messages), messages
        assert any("acounts" in m for m in messages) and not any("'accounts'" in m for m in messages)
        assert not any("SETTINGS_VIEW" in m or "paymentDueDay" in m for m in messages), messages
