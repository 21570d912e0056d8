"""What a mutation was asked to do, for the audit log: each root field's effective arguments, secrets masked.

The arguments are read from the document and the request's variables against the schema's field definitions,
so an inline argument (``apiKeyCreate(name: "…")``) is recorded like one passed in a variable, and an argument
left out is recorded with its default. Secrets are found by the name the *schema* gives an argument or an input
field (``SECRET_NAMES``, ``SECRET_NAME_PARTS``), never by the client's variable names: ``login(email: $e,
password: $p)`` stores ``{"login": {"email": "…", "password": "***"}}``. Input objects and lists of them are
walked to any depth. A test keeps every argument and input field of the schema whose name hints at a secret
either marked here or listed as harmless (``NOT_SECRET``).

Rows a mutation keeps past its own rollback (an import's upload row: which file, what was refused) are collected
on the request (:func:`audit_kept`) and written by the gateway after the rollback (:func:`audit_kept_write`).
"""

import math
from typing import Any

from django.db import transaction
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    ast_from_value,
    value_from_ast_untyped,
)

from agency.identity.services import audit_record

MASK = "***"

# Arguments and input fields whose value is a secret, by their name in the schema (camelCase) …
SECRET_NAMES = frozenset({"code", "linkCode", "key", "apiKey", "pin", "otp", "cvc", "cardNumber", "passport"})
# … or by a part of it, case-insensitive: password, newPassword, token, cardToken, clientSecret …
SECRET_NAME_PARTS = ("password", "secret", "token", "passphrase", "credential")
# Names that look like a secret and are not one (the schema test asks for every such name to be in one list).
NOT_SECRET = frozenset({"serviceCode", "serviceCodes"})


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return name in SECRET_NAMES or any(part in lowered for part in SECRET_NAME_PARTS)


def mutation_arguments(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: dict | None
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The root fields an operation runs (through fragments, as @skip/@include decide) and, for each by its
    response name, ``{argument: value}`` with secrets masked.

    Values are JSON as the client would have written them (enums as names, numbers as sent); aliases keep two
    calls of one mutation apart."""
    variables = variables if isinstance(variables, dict) else {}
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    values = {**defaults, **variables}
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    nodes = _root_fields(operation.selection_set, fragments, values, set())
    recorded: dict[str, dict[str, Any]] = {}
    for node in nodes:
        field_def = root.fields.get(node.name.value) if root is not None else None
        if field_def is not None:
            recorded[node.alias.value if node.alias else node.name.value] = _arguments(field_def, node, values)
    return [node.name.value for node in nodes], recorded


def _arguments(field_def, node: FieldNode, values: dict) -> dict[str, Any]:
    given = {arg.name.value: arg.value for arg in node.arguments or ()}
    arguments: dict[str, Any] = {}
    for name, arg_def in field_def.args.items():
        if name in given:
            value_node = given[name]
            if isinstance(value_node, VariableNode) and value_node.name.value not in values:
                continue  # a variable not sent: the argument was not given
            value = value_from_ast_untyped(value_node, values)
        elif arg_def.default_value is not Undefined:
            default = ast_from_value(arg_def.default_value, arg_def.type)
            if default is None:
                continue
            value = value_from_ast_untyped(default)
        else:
            continue
        arguments[name] = MASK if is_secret(name) else _masked(value, arg_def.type)
    return arguments


def _root_fields(selection_set: SelectionSetNode, fragments: dict, values: dict, seen: set[str]) -> list[FieldNode]:
    fields: list[FieldNode] = []
    for selection in selection_set.selections:
        if not _included(selection, values):
            continue
        if isinstance(selection, FieldNode):
            fields.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            fields.extend(_root_fields(selection.selection_set, fragments, values, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                seen.add(name)
                fields.extend(_root_fields(fragment.selection_set, fragments, values, seen))
    return fields


def _included(selection, values: dict) -> bool:
    """@skip and @include, as far as the request decides them (an undecidable one counts as included)."""
    for directive in selection.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        condition = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        if condition is None:
            continue
        decided = value_from_ast_untyped(condition, values)
        if isinstance(decided, bool) and decided == (name == "skip"):
            return False
    return True


def _masked(value: Any, type_) -> Any:
    """The value with every secret input field replaced by the mask, walking the argument's type."""
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if value is None or value is Undefined:
        return None
    if isinstance(type_, GraphQLList):
        if isinstance(value, list):
            return [_masked(item, type_.of_type) for item in value]
        return _masked(value, type_.of_type)  # one value where a list is expected: coerced to a list of one
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return value
        masked = {}
        for name, item in value.items():
            field = type_.fields.get(name)
            # a field the type does not have was refused; its value is unknown ground, so it is not kept
            masked[name] = MASK if field is None or is_secret(name) else _masked(item, field.type)
        return masked
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN; the database would refuse the row
    return value


# --- rows that outlive the mutation's rollback ------------------------------------------------------------------


def audit_kept(request, *, written: bool, **row) -> None:
    """An audit row (``audit_record``'s arguments) that must be there whatever the mutation's transaction does.

    ``written``: the row was written in the transaction already (it stands if that commits); when the transaction
    is rolled back, the gateway writes it again after the rollback, in a transaction of its own, as failed with
    the mutation's codes (:func:`audit_kept_write`). A row not written yet (an import refused, which rolls the
    transaction back) is written there as it is. Outside the gateway (no list on the request) there is no
    rollback to outlive, and a row not written yet is written at once."""
    kept = getattr(request, "audits_kept", None)
    if kept is not None:
        kept.append((written, row))
    elif not written:
        audit_record(**row)


def audit_kept_write(request, codes: list[str]) -> None:
    """After a rolled-back mutation: the rows it kept, in one transaction of their own."""
    kept = getattr(request, "audits_kept", None) or []
    if not kept:
        return
    with transaction.atomic():
        for written, row in kept:
            if written:  # rolled back with the mutation: what it did is undone
                row = {**row, "succeeded": False, "error_codes": list(dict.fromkeys([*row["error_codes"], *codes]))}
            elif not row["error_codes"]:
                row = {**row, "error_codes": list(codes)}
            audit_record(**row)
    kept.clear()
