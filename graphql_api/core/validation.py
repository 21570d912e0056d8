"""Request guards run before execution: depth, aliases, introspection."""

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


def _depth_rule():
    return depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH)


def validation_rules() -> list[type[ValidationRule]]:
    rules = [*specified_rules, _depth_rule(), alias_limit_rule(settings.GRAPHQL_MAX_ALIASES)]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(DisableIntrospection)
    return rules
