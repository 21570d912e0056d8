"""Ids as the API takes them: a client's id is text; a row is looked up by its integer key."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from graphql_api.core.errors import ApiError


def int_id(value) -> int:
    """The integer key an ``ID`` argument names; anything else is refused as a whole-query error."""
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(ErrorCode.INVALID, _("Неверный идентификатор.")) from exc


def found_or_field_error(model, pk, field: str, message: str):
    """The row ``pk`` names, else a NOT_FOUND payload error on ``field`` (a mutation's input)."""
    row = model.objects.filter(pk=int_id(pk)).first()
    if row is None:
        raise ValidationError({field: ValidationError(message, code=ErrorCode.NOT_FOUND)})
    return row
