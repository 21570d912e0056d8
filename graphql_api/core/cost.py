"""The cost of a request, estimated from its documents before anything runs.

Depth, aliases and batch size are each capped, but they multiply: ten operations of thirty aliases of
``accounts(first: 100)`` stayed inside every cap and returned 13 MB. The cost counts the values a request may
return, across every operation of a batch: each field counts once for every time it may be resolved, and a page
multiplies what is inside it — a field with a ``first``/``last`` argument by that number (its default, or
``MAX_PAGE``, when not given), on its own list or, for a connection, on the list it holds (``nodes``). Lists that
take no page size count as one item: they are short by design (a key's permissions, an account's services).
Aliases are separate fields, so thirty aliases cost thirty times one. The estimate is an upper bound for
pages, not a measurement; the gateway refuses a request above ``GRAPHQL_MAX_COST``.
"""

from collections.abc import Iterable

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)

from graphql_api.core.documents import documents
from graphql_api.core.pagination import MAX_PAGE

PAGE_ARGUMENTS = ("first", "last")


def request_cost(schema: GraphQLSchema, items: Iterable[dict]) -> int:
    """The cost of every operation a request (one or a batch) would run; one that will not run costs nothing
    (it is refused with its own error)."""
    total = 0
    for item in items:
        query = item.get("query")
        if not isinstance(query, str) or not query.strip():
            continue
        try:
            checked = documents.get(schema, query)  # the same cached parse and validation the run uses
        except GraphQLError:
            continue
        if checked.errors:
            continue
        operation_name = item.get("operationName")
        operation = get_operation_ast(checked.document, operation_name if isinstance(operation_name, str) else None)
        if operation is None:
            continue
        variables = item.get("variables")
        total += operation_cost(schema, checked.document, operation, variables if isinstance(variables, dict) else {})
    return total


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: dict
) -> int:
    """The cost of one valid operation (the document passed validation: fragments have no cycles)."""
    values = {
        d.variable.name.value: int(d.default_value.value)
        for d in operation.variable_definitions or ()
        if isinstance(d.default_value, IntValueNode)
    } | variables
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    return _cost(schema, fragments, values, root, operation.selection_set, 1, None)


def _cost(schema, fragments, values, parent_type, selection_set: SelectionSetNode, times: int, page: int | None) -> int:
    """``times``: how often this selection set may be resolved; ``page``: a connection's page size, waiting for
    the list it applies to."""
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(schema, fragments, values, parent_type, selection, times, page)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            fragment_type = schema.get_type(condition.name.value) if condition else parent_type
            total += _cost(schema, fragments, values, fragment_type, selection.selection_set, times, page)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            fragment_type = schema.get_type(fragment.type_condition.name.value)
            total += _cost(schema, fragments, values, fragment_type, fragment.selection_set, times, page)
    return total


def _field_cost(schema, fragments, values, parent_type, node: FieldNode, times: int, page: int | None) -> int:
    name = node.name.value
    if name.startswith("__"):
        return times  # __typename; introspection has its own guard (off in production), its size is the schema's
    field_def = parent_type.fields[name]
    field_type = field_def.type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    is_list = isinstance(field_type, GraphQLList)
    own_page = _page_size(field_def, node, values)
    child_page = None
    if own_page is not None and not is_list:
        child_page, own_page = own_page, None  # a connection: the page applies to the list inside it
    elif own_page is None and is_list:
        own_page = page
    inner = times * own_page if is_list and own_page is not None else times
    if node.selection_set is None:
        return inner
    named = get_named_type(field_def.type)
    return inner + _cost(schema, fragments, values, named, node.selection_set, inner, child_page)


def _page_size(field_def, node: FieldNode, values: dict) -> int | None:
    """The rows a paged field may return: its first/last argument, else its default, else ``MAX_PAGE``; None for a
    field that takes no page size."""
    names = [name for name in PAGE_ARGUMENTS if name in field_def.args]
    if not names:
        return None
    given = {arg.name.value: arg.value for arg in node.arguments or ()}
    sizes = []
    for name in names:
        value_node = given.get(name)
        if isinstance(value_node, IntValueNode):
            sizes.append(int(value_node.value))
        elif isinstance(value_node, VariableNode) and type(values.get(value_node.name.value)) is int:
            sizes.append(values[value_node.name.value])
        elif value_node is None and isinstance(field_def.args[name].default_value, int):
            sizes.append(field_def.args[name].default_value)
    return max(0, max(sizes)) if sizes else MAX_PAGE
