"""Request guards run before execution: depth, aliases, introspection."""

from functools import lru_cache

from django.conf import settings
from graphene.validation import DisableIntrospection, depth_limit_validator
from graphql import GraphQLError, specified_rules
from graphql.language import FieldNode
from graphql.validation import ValidationRule

from billing_core.error_codes import ErrorCode


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
    rules = [*specified_rules, depth_limit_validator(max_depth=max_depth), alias_limit_rule(max_aliases)]
    if not introspection:
        rules.append(DisableIntrospection)
    return tuple(rules)


def validation_rules() -> tuple[type[ValidationRule], ...]:
    """The rule classes for the current limits, built once per set of limits rather than per request."""
    return _rules(settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_ALIASES, settings.GRAPHQL_INTROSPECTION)
