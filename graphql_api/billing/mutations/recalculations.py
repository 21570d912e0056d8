import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.error_codes import ErrorCode
from graphql_api.billing.types import RecalculationNode, RecalculationReasonEnum
from graphql_api.core.enums import enum_value
from graphql_api.core.ids import found_or_field_error
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_principal_perm
from tenants.billing import recalculations
from tenants.billing.models import PersonalAccount, RecalculationReason, Service


class RecalculationAbsenceInput(graphene.InputObjectType):
    departure_date = graphene.Date(required=True, description="The day of leaving.")
    return_date = graphene.Date(required=True, description="The day of coming back.")
    application_date = graphene.Date(required=True, description="When the resident applied.")
    absent_persons = graphene.Int(default_value=1)
    meter_installable = graphene.Boolean(
        default_value=False, description="A meter could be installed (then absence is not recalculated)."
    )


class TemperatureDeviationInput(graphene.InputObjectType):
    hours = graphene.Decimal(required=True, description="The interval's length in hours (full hours count).")
    temperature = graphene.Decimal(required=True, description="The air temperature in the premise, °C.")
    night = graphene.Boolean(default_value=False, description="Within 0:00–5:00 (3 °C below the norm allowed).")


class RecalculationPoorQualityInput(graphene.InputObjectType):
    interruptions_hours = graphene.List(
        graphene.NonNull(graphene.Decimal),
        description="Each interruption's length in hours (ПП 354 прил.1 п.4, п.14); or give temperatureDeviations.",
    )
    temperature_deviations = graphene.List(
        graphene.NonNull(TemperatureDeviationInput),
        description="Heating: intervals with the air temperature below the norm (ПП 354 прил.1 п.15), "
                    "interruption hours left out.",
    )
    corner_room = graphene.Boolean(default_value=False, description="Temperature: a corner room (+20 °C norm).")
    cold_region = graphene.Boolean(
        default_value=False, description="Temperature: the coldest five-day period is −31 °C or colder (+2 °C).")


class RecalculationManualInput(graphene.InputObjectType):
    amount = graphene.Decimal(required=True, description="Roubles; negative lowers the debt.")
    comment = graphene.String(required=True, description="The written basis.")


_INPUT_OF = {
    RecalculationReason.TEMPORARY_ABSENCE: "absence",
    RecalculationReason.POOR_QUALITY: "poor_quality",
    RecalculationReason.MANUAL: "manual",
}


def _one_input_for(reason: str, given: dict) -> dict:
    """Exactly the input of the chosen reason: another reason's input is a mistake, not something to ignore."""
    wanted = _INPUT_OF[reason]
    errors = {}
    if given[wanted] is None:
        errors[wanted] = ValidationError(_("Укажите данные для выбранного основания."), code=ErrorCode.REQUIRED)
    for name, value in given.items():
        if name != wanted and value is not None:
            errors[name] = ValidationError(_("Не относится к выбранному основанию."), code=ErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)
    return given[wanted]


class RecalculationCreate(BaseMutation):
    """Book a recalculation of one month's charge into the next open period (charges.run).

    Give the input that matches ``reason``: ``absence``, ``poorQuality`` or ``manual``.
    """

    recalculation = graphene.Field(RecalculationNode)

    class Arguments:
        account_id = graphene.ID(required=True)
        service_id = graphene.ID(required=True)
        corrected_month = graphene.Date(required=True, description="First day of the month to correct.")
        reason = RecalculationReasonEnum(required=True)
        absence = RecalculationAbsenceInput()
        poor_quality = RecalculationPoorQualityInput()
        manual = RecalculationManualInput()

    @classmethod
    def perform(cls, root, info, account_id, service_id, corrected_month, reason, absence=None, poor_quality=None,
                manual=None):
        actor, _principal = require_principal_perm(info, Perm.CHARGES_RUN)
        reason = enum_value(reason)
        data = _one_input_for(reason, {"absence": absence, "poor_quality": poor_quality, "manual": manual})
        common = {
            "account": found_or_field_error(PersonalAccount, account_id, "account_id", _("Лицевой счёт не найден.")),
            "service": found_or_field_error(Service, service_id, "service_id", _("Услуга не найдена.")),
            "corrected_month": corrected_month,
            "user": actor.user,
        }
        if reason == RecalculationReason.TEMPORARY_ABSENCE:
            recalculation = recalculations.recalculation_absence_create(
                **common, departure_date=data.departure_date, return_date=data.return_date,
                application_date=data.application_date, absent_persons=data.absent_persons,
                meter_installable=data.meter_installable,
            )
        elif reason == RecalculationReason.POOR_QUALITY:
            interruptions, temperature = data.interruptions_hours, data.temperature_deviations
            if (interruptions is None) == (temperature is None):
                raise ValidationError({"poor_quality": ValidationError(
                    _("Укажите либо перерывы, либо отклонения температуры."), code=ErrorCode.INVALID)})
            if temperature is not None:
                recalculation = recalculations.recalculation_temperature_create(
                    **common, deviations=[{"hours": d.hours, "temperature": d.temperature, "night": d.night}
                                          for d in temperature],
                    corner_room=data.corner_room, cold_region=data.cold_region)
            else:
                recalculation = recalculations.recalculation_quality_create(
                    **common, interruptions_hours=list(interruptions))
        else:
            recalculation = recalculations.recalculation_manual_create(
                **common, amount=data.amount, comment=data.comment)
        return cls(recalculation=recalculation)
