"""A model's own validation with the API's error codes: shared by the principal writes and the requisites changes."""

from django.core.exceptions import ValidationError

from billing_core.error_codes import ErrorCode

_DJANGO_UNIQUE_CODES = {"unique", "unique_together", "unique_for_date", "unique_for_month", "unique_for_year"}


def _api_code(code: str | None) -> str:
    # Django reports unique constraints as "unique_together" whatever violation_error_code says.
    if code in _DJANGO_UNIQUE_CODES:
        return ErrorCode.UNIQUE
    return code or ErrorCode.INVALID


def full_clean_coded(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=True)
    except ValidationError as exc:
        # Uniqueness errors get our code, whatever Django named them.
        raise ValidationError(
            {field: [ValidationError(e.message, code=_api_code(e.code), params=e.params) for e in errs]
             for field, errs in exc.error_dict.items()}
        ) from exc
