"""graphql-core's executor with a short path for plain leaf fields.

A page of 100 accounts with 8 services each is some 7,000 fields, and nearly all of them are
scalars read straight off a dict or an object by graphene's default resolver. For each of them
graphql-core builds a ``GraphQLResolveInfo``, a ``Path``, coerces (absent) arguments, asks three
times whether the value is awaitable and walks ``complete_value``'s type dispatch: that, not SQL,
was most of a page's time.

``GatewayExecutionContext`` plans each selection set once per request: a field whose resolver is
graphene's default one, that takes no arguments and whose type is a scalar or enum (nullable or
not) is read and serialized in place. Everything else — resolvers of our own, objects, lists,
abstract types, introspection — goes through graphql-core unchanged. The short path never decides
an error: when the value is null for a non-null field, is an exception, fails to serialize, or
reading it raises, the field is run again through graphql-core, which reports it exactly as it
always has (reading an attribute twice is harmless; it is what the default resolver does).

Resolvers here are synchronous, so only a coroutine counts as awaitable (graphql-core's generic
check costs an attribute probe on every value).
"""

from asyncio import gather
from functools import partial
from types import CoroutineType
from typing import Any

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphql import GraphQLObjectType, Undefined
from graphql.execution import ExecutionContext
from graphql.execution.execute import get_field_def
from graphql.pyutils import Path
from graphql.type import GraphQLNonNull, is_leaf_type

_DICT_OR_ATTR, _ATTR, _DICT = 0, 1, 2
_DEFAULT_RESOLVERS = {dict_or_attr_resolver: _DICT_OR_ATTR, attr_resolver: _ATTR, dict_resolver: _DICT}


def _is_coroutine(value: Any) -> bool:
    return type(value) is CoroutineType


def _leaf_plan(field_def) -> tuple | None:
    """(how to read, attribute name, default, serialize, non-null) for a plain leaf field, else None."""
    resolve = field_def.resolve
    if not isinstance(resolve, partial) or resolve.keywords or len(resolve.args) != 2 or field_def.args:
        return None
    kind = _DEFAULT_RESOLVERS.get(resolve.func)
    if kind is None:
        return None
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    named = return_type.of_type if non_null else return_type
    if not is_leaf_type(named):
        return None
    attname, default = resolve.args
    return kind, attname, default, named.serialize, non_null


_SLOW_PATH = object()  # the field goes through graphql-core, which decides (and reports) what the value is


def _leaf_value(leaf: tuple, source_value):
    """A plain leaf field's value read and serialized in place, or ``_SLOW_PATH``."""
    kind, attname, default, serialize, non_null = leaf
    try:
        if kind == _ATTR or (kind == _DICT_OR_ATTR and not isinstance(source_value, dict)):
            value = getattr(source_value, attname, default)
        else:
            value = source_value.get(attname, default)
        if value is None or value is Undefined:
            return _SLOW_PATH if non_null else None
        if isinstance(value, Exception):
            return _SLOW_PATH
        serialized = serialize(value)
    except Exception:  # graphql-core runs the field again and reports it
        return _SLOW_PATH
    return _SLOW_PATH if serialized is None or serialized is Undefined else serialized


class GatewayExecutionContext(ExecutionContext):
    is_awaitable = staticmethod(_is_coroutine)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (parent type, id of the fields map) -> (the map, its plan); the maps live in the executor's
        # sub-field cache for the whole request, and the map itself is checked, so an id is never reused
        self._plans: dict[tuple, tuple] = {}

    def _plan(self, parent_type: GraphQLObjectType, fields: dict) -> list[tuple]:
        key = (parent_type, id(fields))
        entry = self._plans.get(key)
        if entry is not None and entry[0] is fields:
            return entry[1]
        plan = []
        shortcut = self.middleware_manager is None
        for response_name, field_nodes in fields.items():
            leaf = None
            if shortcut:
                field_def = get_field_def(self.schema, parent_type, field_nodes[0])
                if field_def is not None:
                    leaf = _leaf_plan(field_def)
            plan.append((response_name, field_nodes, leaf))
        self._plans[key] = (fields, plan)
        return plan

    def execute_fields(self, parent_type, source_value, path, fields):
        results = {}
        awaitable_fields = []
        is_awaitable = self.is_awaitable
        for response_name, field_nodes, leaf in self._plan(parent_type, fields):
            if leaf is not None:
                value = _leaf_value(leaf, source_value)
                if value is not _SLOW_PATH:
                    results[response_name] = value
                    continue
            result = self.execute_field(
                parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name)
            )
            if result is not Undefined:
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results
        # never with today's resolvers; kept so an async resolver behaves as graphql-core would have it
        return self._gather(results, awaitable_fields)

    @staticmethod
    async def _gather(results: dict, awaitable_fields: list[str]) -> dict:
        results.update(zip(awaitable_fields, await gather(*(results[name] for name in awaitable_fields)), strict=True))
        return results
