"""Issue 12, item 9: every argument of every root field, sent malformed values of its type by every kind of
caller, gets an answer — a validation error or a result — and never INTERNAL_ERROR or an HTTP 500.

The schema is walked (``graphql_api.api.schema``), so a field added later is swept too. Each request fills
every argument of one root field at once, input objects field by field, with the i-th malformed value of each
argument's type (cycling through the values of its type); values the type coercion lets through (a huge
string, 2³¹-1, a Decimal of NaN or 10⁹⁹⁹⁹⁹⁹, an impossible date, an id that is no number) reach the resolvers.
Strings with a NUL or a lone surrogate are refused before anything runs, naming the argument.
"""

import json
import time

import pytest
from django.test import Client
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType
from graphql.type import is_composite_type

from graphql_api.api import schema
from graphql_api.core.error_codes import ErrorCode
from tests import factories

HUGE = "x" * 20_000  # every string argument of a field at once stays under the request size limit
SCALAR_VALUES = {
    "String": ["\x00", "a\ud800b", HUGE, "=HYPERLINK(\"http://x\")", "", " ", "%_\\", "-1"],
    "ID": ["abc", "-1", "0", "99999999999999999999", "UHJpbmNpcGFsOjE=", "1.5", "\x00", ""],
    "Int": [2**31, -(2**31), 2**31 - 1, -1, 0, "1", 1.5, None],
    "Decimal": ["NaN", "Infinity", "-1", "1e999999", "abc", "0.001", "99999999999999999999.99", ""],
    "Date": ["2026-02-30", "abc", "0001-01-01", "9999-12-31", "", "2026-13-01", "20260101", 1],
    "Boolean": ["yes", True, False, 1, None, "", True, False],
}
VARIANTS = 8


def _unwrap(t):
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def _value(t, i: int, depth: int = 0):
    """The i-th malformed value for type ``t`` (lists get one item; input objects every field)."""
    if isinstance(t, GraphQLNonNull):
        return _value(t.of_type, i, depth)
    if isinstance(t, GraphQLList):
        return [_value(t.of_type, i, depth)]
    if isinstance(t, GraphQLInputObjectType):
        if depth > 3:
            return {}
        return {name: _value(f.type, i, depth + 1) for name, f in t.fields.items()}
    if isinstance(t, GraphQLEnumType):
        names = list(t.values)
        return ["NOT_A_VALUE", names[0], names[-1], "", "\x00", names[0], names[-1], 0][i % VARIANTS]
    assert isinstance(t, GraphQLScalarType), t
    values = SCALAR_VALUES[t.name]
    return values[i % len(values)]


def _requests():
    """(operation kind, field name, query, variables) for every root field and every variant."""
    graphql_schema = schema.graphql_schema
    for kind, root in (("query", graphql_schema.query_type), ("mutation", graphql_schema.mutation_type)):
        for name, field in root.fields.items():
            selection = " { __typename }" if is_composite_type(_unwrap(field.type)) else ""
            declared = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
            passed = ", ".join(f"{a}: ${a}" for a in field.args)
            head = f"{kind} Sweep({declared})" if declared else f"{kind} Sweep"
            query = f"{head} {{ {name}{f'({passed})' if passed else ''}{selection} }}"
            for i in range(VARIANTS if field.args else 1):
                yield kind, name, query, {a: _value(arg.type, i) for a, arg in field.args.items()}


@pytest.fixture
def callers(principal_a, homes, tenants):
    from agency.identity.permissions import PrincipalRole

    return {
        "agent staff": (tenants.public_host, factories.user(agent_role="admin")),
        "principal staff": (tenants.a_host, factories.staff(principal_a, role=PrincipalRole.ADMIN)),
        "resident": (tenants.public_host, homes["resident"]),
    }


def _failures(client, role: str, batch: list) -> list:
    """Send a batch (the endpoint's batching, to keep the sweep short); a 500 is looked for item by item."""
    body = json.dumps([{"query": query, "variables": variables} for _kind, _name, query, variables in batch])
    response = client.post("/graphql", data=body, content_type="application/json")
    if response.status_code >= 500:
        if len(batch) == 1:
            return [(role, batch[0][1], _short(batch[0][3]), f"HTTP {response.status_code}")]
        return [f for item in batch for f in _failures(client, role, [item])]
    answers = response.json()
    if isinstance(answers, dict):  # refused whole (e.g. over the size limit): each item alone
        if len(batch) == 1:
            return []
        return [f for item in batch for f in _failures(client, role, [item])]
    return [(role, name, _short(variables), "INTERNAL_ERROR")
            for (_kind, name, _query, variables), answer in zip(batch, answers, strict=True)
            if ErrorCode.INTERNAL_ERROR.value in [(e.get("extensions") or {}).get("code")
                                                  for e in answer.get("errors") or []]]


def _short(variables: dict) -> dict:
    return {k: str(v)[:30] for k, v in variables.items()}


def test_every_argument_of_every_root_field_survives_malformed_values(callers, caplog, settings):
    requests = list(_requests())
    failures = []
    started = time.monotonic()
    batch_size = settings.GRAPHQL_MAX_BATCH
    for role, (host, user) in callers.items():
        client = Client(HTTP_HOST=host, raise_request_exception=False)
        client.force_login(user)
        for start in range(0, len(requests), batch_size):
            failures += _failures(client, role, requests[start:start + batch_size])
    print(f"{len(requests) * len(callers)} operations in {time.monotonic() - started:.1f} s")
    errors = [r.getMessage() + " " + repr(r.exc_info[1] if r.exc_info else "") for r in caplog.records
              if r.levelname == "ERROR"][:10]
    assert failures == [], "\n".join(map(str, failures[:40])) + "\n" + "\n".join(errors)


def _refusals(callers, role: str, query: str, variables: dict | None = None) -> list[tuple]:
    host, user = callers[role]
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    body = client.post("/graphql", data=json.dumps({"query": query, "variables": variables or {}}),
                       content_type="application/json").json()
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in body.get("errors") or []]


@pytest.mark.parametrize("value", ["\x00", "a\ud800b", "bell\x07"])
@pytest.mark.parametrize("field", ["accounts", "houses", "appeals", "users"])
def test_unstorable_search_text_is_refused_naming_the_argument(field, value, callers):
    query = f"query($s: String) {{ {field}(search: $s) {{ __typename }} }}"
    assert _refusals(callers, "principal staff", query, {"s": value}) == [("INVALID_CHARACTERS", "search")]


def test_unstorable_text_written_in_the_query_is_refused_naming_the_argument(callers):
    query = 'query { accounts(search: "a\\u0000b") { __typename } }'
    assert _refusals(callers, "principal staff", query) == [("INVALID_CHARACTERS", "search")]


def test_a_control_character_in_a_payer_name_is_refused_naming_the_field(callers):
    query = ("mutation($e: String!, $p: ID!, $n: String) { residentChangeRequestCreate(els: $e, principalId: $p, "
             "kind: PAYER_NAME, payerName: $n) { errors { field code } } }")
    variables = {"e": "7600000001", "p": "1", "n": "Иванов\x00"}
    assert _refusals(callers, "resident", query, variables) == [("INVALID_CHARACTERS", "payerName")]
