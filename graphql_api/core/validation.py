"""Request guards run before execution: depth, aliases, introspection, characters no input may carry."""

from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _
from graphene.validation import DisableIntrospection, depth_limit_validator
from graphql import GraphQLError, specified_rules
from graphql.language import (
    ArgumentNode,
    FieldNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    Visitor,
    visit,
)
from graphql.validation import ValidationRule

from billing_core.text import characters_message, unstorable_at
from graphql_api.core.error_codes import ErrorCode


def alias_limit_rule(max_aliases: int):
    class AliasLimitRule(ValidationRule):
        """Aliases let one request multiply work (`a1: users … a500: users`); cap them."""

        count = 0

        def enter_field(self, node: FieldNode, *_args):
            if node.alias is not None:
                self.count += 1
                if self.count == max_aliases + 1:
                    self.report_error(
                        GraphQLError(
                            f"Too many aliases: at most {max_aliases} per request.",
                            node,
                            extensions={"code": ErrorCode.TOO_MANY_ALIASES.value},
                        )
                    )

    return AliasLimitRule


@lru_cache(maxsize=8)
def _rules(max_depth: int, max_aliases: int, introspection: bool) -> tuple[type[ValidationRule], ...]:
    rules = [*specified_rules, depth_limit_validator(max_depth=max_depth), alias_limit_rule(max_aliases),
             StringCharactersRule]
    if not introspection:
        rules.append(DisableIntrospection)
    return tuple(rules)


def validation_rules() -> tuple[type[ValidationRule], ...]:
    """The rule classes for the current limits, built once per set of limits rather than per request."""
    return _rules(settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_ALIASES, settings.GRAPHQL_INTROSPECTION)


# --- characters no input may carry (billing_core.text): refused here, once, for every argument -----------------


def _argument_name(ancestors) -> str | None:
    """The name of the innermost argument or input field among a node's ancestors (its parent last)."""
    for node in reversed(ancestors):
        if isinstance(node, ArgumentNode | ObjectFieldNode):
            return node.name.value
    return None


def _refused(field: str | None, node=None) -> GraphQLError:
    return GraphQLError(characters_message(), node,
                        extensions={"code": ErrorCode.INVALID_CHARACTERS.value, "field": field})


class StringCharactersRule(ValidationRule):
    """A string literal written in the query (``accounts(search: "\\u0000")``) with a NUL or a control character."""

    def enter_string_value(self, node: StringValueNode, _key, parent, _path, ancestors):
        if unstorable_at(node.value) is not None:
            self.report_error(_refused(_argument_name([*ancestors, parent]), node))


def _bad_in(value, field: str | None) -> tuple[bool, str | None]:
    """Whether a variable's value holds a bad string (or key) anywhere, and the innermost input field there."""
    if isinstance(value, str):
        return unstorable_at(value) is not None, field
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and unstorable_at(key) is not None:
                return True, field
            bad, where = _bad_in(item, key)
            if bad:
                return True, where
    elif isinstance(value, list):
        for item in value:
            bad, where = _bad_in(item, field)
            if bad:
                return True, where
    return False, None


def variables_refused(operation: OperationDefinitionNode, variables: dict | None) -> list[GraphQLError]:
    """Variables carrying characters PostgreSQL cannot store (NUL, a lone surrogate from JSON's ``\\ud800``) or
    control characters, each refused naming the argument (or input field) it was for, before anything runs."""
    if not variables:
        return []
    used_as: dict[str, str] = {}

    class Uses(Visitor):
        def enter_variable(self, node, _key, parent, _path, ancestors):
            name = _argument_name([*ancestors, parent])
            if name is not None:
                used_as.setdefault(node.name.value, name)

    visit(operation, Uses())
    errors = []
    for name, value in variables.items():
        bad, where = _bad_in(value, None)
        if bad or (isinstance(name, str) and unstorable_at(name) is not None):
            errors.append(_refused(where or used_as.get(name) or "variables"))
    return errors


# --- dates and amounts that parse but mean nothing ------------------------------------------------------------

DATE_RANGE = (date(1900, 1, 1), date(2199, 12, 31))
DECIMAL_LIMIT = Decimal("1e15")  # far above any amount or quantity, far below what breaks arithmetic


def _date_in_range(value):
    if isinstance(value, date) and not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
        raise ValueError(_("Дата вне допустимого диапазона (%(lo)s — %(hi)s).") % {
            "lo": DATE_RANGE[0].isoformat(), "hi": DATE_RANGE[1].isoformat()})
    return value


def _decimal_in_range(value):
    if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= DECIMAL_LIMIT
                                       or value.as_tuple().exponent < -12):
        raise ValueError(_("Число вне допустимого диапазона."))
    return value


def _checked(parse, check):
    def parse_checked(*args, **kwargs):
        return check(parse(*args, **kwargs))

    return parse_checked


def scalars_bounded(graphql_schema) -> None:
    """Make the Date and Decimal scalars refuse values that parse but no business input can be (year 1, NaN,
    10^999999): refused as invalid arguments before any resolver, instead of overflowing date or Decimal
    arithmetic inside one."""
    for name, check in (("Date", _date_in_range), ("Decimal", _decimal_in_range)):
        scalar = graphql_schema.type_map.get(name)
        if scalar is not None:
            scalar.parse_value = _checked(scalar.parse_value, check)
            scalar.parse_literal = _checked(scalar.parse_literal, check)
