"""Meter readings as staff (billing) and residents (cabinet) submit them: the same input, answer and refusals."""

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from graphql_api.core.enums import ReadingSourceEnum


class MeterReadingNode(graphene.ObjectType):
    class Meta:
        name = "MeterReading"

    id = graphene.ID(required=True)
    period = graphene.Date(required=True, description="First day of the month the reading belongs to.")
    zone = graphene.Int(required=True)
    value = graphene.Decimal(required=True)
    reading_date = graphene.Date(required=True)
    source = graphene.Field(ReadingSourceEnum, required=True)
    flagged = graphene.Boolean(required=True, description="Consumption far above usual.")


class ZoneValue(graphene.InputObjectType):
    zone = graphene.Int(required=True, description="1 for a single-zone meter; 1 day, 2 night, 3 peak otherwise.")
    value = graphene.Decimal(required=True)


def zone_values(values) -> dict:
    """The input list as {zone: value}; a zone given twice is refused rather than silently dropped."""
    result = {}
    for item in values:
        if item.zone in result:
            raise ValidationError({"values": ValidationError(
                _("Зона %(zone)s указана дважды.") % {"zone": item.zone}, code=ErrorCode.INVALID)})
        result[item.zone] = item.value
    if not result:
        raise ValidationError({"values": ValidationError(_("Укажите показания."), code=ErrorCode.REQUIRED)})
    return result


def meter_field_renamed(exc: ValidationError) -> ValidationError:
    """The services name the meter ``meter``; the API's argument is ``meterId``."""
    if not hasattr(exc, "error_dict") or "meter" not in exc.error_dict:
        return exc
    return ValidationError({("meter_id" if f == "meter" else f): errs for f, errs in exc.error_dict.items()})
