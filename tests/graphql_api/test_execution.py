"""The gateway's executor answers exactly as graphql-core's, data and errors (graphql_api.core.execution)."""

from datetime import date
from decimal import Decimal

import graphene
import pytest
from graphql import ExecutionContext, execute, parse, validate

from graphql_api.core.execution import GatewayExecutionContext


class Colour(graphene.Enum):
    RED = "red"
    GREEN = "green"


class Leaf(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String()
    must = graphene.String(required=True)
    count = graphene.Int()
    amount = graphene.Decimal()
    day = graphene.Date()
    colour = graphene.Field(Colour)
    shout = graphene.String(loud=graphene.Boolean(default_value=False))
    broken = graphene.String()

    @staticmethod
    def resolve_shout(leaf, info, loud):
        name = leaf["name"] if isinstance(leaf, dict) else leaf.name
        return name.upper() if loud else name

    @staticmethod
    def resolve_broken(leaf, info):
        raise ValueError("resolver failed")


class Holder(graphene.ObjectType):
    leaves = graphene.List(graphene.NonNull(Leaf), required=True)
    maybe = graphene.List(Leaf)


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


GOOD = {"id": 1, "name": "a", "must": "m", "count": 3, "amount": Decimal("1.50"), "day": date(2026, 6, 1),
        "colour": "red"}


class Query(graphene.ObjectType):
    holder = graphene.Field(Holder, kind=graphene.String(required=True))

    @staticmethod
    def resolve_holder(root, info, kind):
        leaves = {
            "dicts": [GOOD, {**GOOD, "id": 2, "name": None, "count": None}],
            "objects": [Obj(**GOOD), Obj(**{**GOOD, "id": 7, "colour": "green"})],
            "null_in_non_null": [GOOD, {**GOOD, "id": 3, "must": None}],
            "missing_key": [{k: v for k, v in GOOD.items() if k != "must"}],
            "bad_int": [{**GOOD, "count": "many"}],
            "bad_enum": [{**GOOD, "colour": "blue"}],
            "bad_date": [{**GOOD, "day": "yesterday"}],
            "exception_value": [{**GOOD, "name": ValueError("stored error")}],
        }[kind]
        return Holder(leaves=leaves, maybe=leaves)


SCHEMA = graphene.Schema(query=Query).graphql_schema
QUERY = """
query($kind: String!) {
  holder(kind: $kind) {
    leaves { id name must count amount day colour shout loud: shout(loud: true) broken __typename ...More }
    maybe { id alias: name must }
  }
}
fragment More on Leaf { again: name day }
"""
KINDS = ["dicts", "objects", "null_in_non_null", "missing_key", "bad_int", "bad_enum", "bad_date", "exception_value"]


def _run(context_class, kind):
    document = parse(QUERY)
    assert validate(SCHEMA, document) == []
    result = execute(SCHEMA, document, variable_values={"kind": kind}, execution_context_class=context_class)
    return result.data, [e.formatted for e in result.errors or []]


@pytest.mark.parametrize("kind", KINDS)
def test_same_data_and_errors_as_graphql_core(kind):
    expected = _run(ExecutionContext, kind)
    assert _run(GatewayExecutionContext, kind) == expected


def test_the_cases_cover_what_they_claim():
    """The comparison above is only worth something if the cases produce data, nulls and errors."""
    data, errors = _run(ExecutionContext, "dicts")
    assert data["holder"]["leaves"][0]["amount"] == "1.50" and data["holder"]["leaves"][1]["name"] is None
    # broken on both leaves; shout(loud: true) on the leaf whose name is null
    assert sorted(e["message"] for e in errors) == [
        "'NoneType' object has no attribute 'upper'", "resolver failed", "resolver failed"
    ]
    data, errors = _run(ExecutionContext, "null_in_non_null")
    assert data["holder"] is None  # the non-null leaf's error nulls the required list, then the holder
    assert any(e["message"] == "Cannot return null for non-nullable field Leaf.must." for e in errors)
    for kind in ("bad_int", "bad_enum", "bad_date", "exception_value", "missing_key"):
        assert any(e["message"] != "resolver failed" for e in _run(ExecutionContext, kind)[1]), kind


class CountingContext(GatewayExecutionContext):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields_run = []

    def execute_field(self, parent_type, source, field_nodes, path):
        self.fields_run.append(f"{parent_type.name}.{field_nodes[0].name.value}")
        return super().execute_field(parent_type, source, field_nodes, path)


def test_plain_leaves_skip_the_generic_path_and_the_rest_take_it():
    document = parse(QUERY)
    context = CountingContext.build(SCHEMA, document, raw_variable_values={"kind": "dicts"})
    context.execute_operation(context.operation, None)
    generic = sorted(set(context.fields_run))
    # resolvers of our own, lists, objects and __typename run through graphql-core; plain leaves do not
    assert generic == ["Holder.leaves", "Holder.maybe", "Leaf.__typename", "Leaf.broken", "Leaf.shout",
                       "Query.holder"]


def test_a_failing_leaf_is_run_again_through_graphql_core():
    document = parse(QUERY)
    context = CountingContext.build(SCHEMA, document, raw_variable_values={"kind": "bad_int"})
    context.execute_operation(context.operation, None)
    assert "Leaf.count" in context.fields_run
