"""Typed errors: mutation payload errors and top-level GraphQL errors share one code enum."""

import graphene
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from graphql import GraphQLError

from graphql_api.core.error_codes import ErrorCode

ErrorCodeEnum = graphene.Enum.from_enum(ErrorCode, description="Machine-readable error code.")


class Error(graphene.ObjectType):
    field = graphene.String(description="The input field at fault (camelCase), or null for the whole input.")
    message = graphene.String(required=True, description="A message for people, in Russian.")
    code = graphene.Field(ErrorCodeEnum, required=True)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def errors_from_validation(exc: ValidationError) -> list[dict]:
    """Flatten a Django ValidationError into Error payloads, one per message."""
    result = []
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            for err in errs:
                result.append(_one(None if field == NON_FIELD_ERRORS else _camel(field), err))
    else:
        for err in exc.error_list:
            result.append(_one(None, err))
    return result


def _one(field: str | None, err: ValidationError) -> dict:
    message = err.message % err.params if err.params else err.message
    try:
        code = ErrorCode(err.code)
    except ValueError:
        code = ErrorCode.UNIQUE if err.code == "unique" else ErrorCode.INVALID
    return {"field": field, "message": str(message), "code": code}


def query_error(exc: ValidationError) -> "ApiError":
    """A query has no payload errors: the service's first refusal becomes the top-level error."""
    (error, *_rest) = errors_from_validation(exc)
    return ApiError(error["code"], error["message"])


class ApiError(GraphQLError):
    """A top-level error with a code in ``extensions``."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(str(message), extensions={"code": code.value})
        self.code = code
