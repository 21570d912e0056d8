from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode


class WorkspaceSettings(models.Model):
    """One row per principal schema: the principal's own operating settings.

    The readings window and due day are defaults that houses may override later
    (DOMAIN.md: residents submit by the 25th; payment due by the 15th from 2026-03-01).
    """

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    display_name = models.CharField(_("название в портале"), max_length=150, blank=True)
    readings_window_start_day = models.PositiveSmallIntegerField(_("приём показаний с"), default=20)
    readings_window_end_day = models.PositiveSmallIntegerField(_("приём показаний по"), default=25)
    payment_due_day = models.PositiveSmallIntegerField(_("срок оплаты, число"), default=15)
    support_email = models.EmailField(_("e-mail поддержки"), blank=True)
    # The 2022 bankruptcy moratorium's reach over utility penalties is disputed; each principal decides.
    penalties_apply_disputed_moratoria = models.BooleanField(
        _("учитывать спорные моратории при расчёте пеней"), default=True
    )
    # ЖК РФ ст.155 ч.14 «по день фактической оплаты»: whether the payment day accrues on the paid part. Inclusive by
    # default, as courts read it (ПП Пленума ВС РФ №7 от 24.03.2016 п.65); a principal may take the exclusive reading.
    penalty_payment_day_accrues = models.BooleanField(
        _("день оплаты включается в расчёт пеней"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("настройки принципала")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="workspace_settings_singleton"),
            models.CheckConstraint(
                condition=Q(readings_window_start_day__gte=1)
                & Q(readings_window_end_day__lte=31)
                & Q(readings_window_start_day__lte=models.F("readings_window_end_day")),
                name="workspace_readings_window_valid",
            ),
            models.CheckConstraint(
                condition=Q(payment_due_day__gte=1) & Q(payment_due_day__lte=28), name="workspace_due_day_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or "settings"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not 1 <= self.readings_window_start_day <= 31:
            errors["readings_window_start_day"] = _("День месяца — от 1 до 31.")
        if not 1 <= self.readings_window_end_day <= 31:
            errors["readings_window_end_day"] = _("День месяца — от 1 до 31.")
        elif self.readings_window_start_day > self.readings_window_end_day:
            errors["readings_window_end_day"] = _("Окончание приёма показаний раньше его начала.")
        if not 1 <= self.payment_due_day <= 28:
            errors["payment_due_day"] = _("Срок оплаты — число от 1 до 28.")
        if errors:
            raise ValidationError({k: ValidationError(v, code=ErrorCode.INVALID) for k, v in errors.items()})

    @classmethod
    def current(cls) -> "WorkspaceSettings":
        obj, _created = cls.objects.get_or_create(singleton=True)
        return obj


class HouseReadingWindow(models.Model):
    """The principal's own readings window for one house, instead of the settings' window.

    Used for the meters of accounts in the house and for the house's common meters.
    """

    house = models.OneToOneField("registry.House", on_delete=models.PROTECT, related_name="+")
    start_day = models.PositiveSmallIntegerField(_("приём показаний с"))
    end_day = models.PositiveSmallIntegerField(_("приём показаний по"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("окно приёма показаний дома")
        verbose_name_plural = _("окна приёма показаний домов")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_day__gte=1) & Q(end_day__lte=31) & Q(start_day__lte=models.F("end_day")),
                name="house_reading_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.house_id}: {self.start_day}–{self.end_day}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not 1 <= (self.start_day or 0) <= 31:
            errors["start_day"] = _("День месяца — от 1 до 31.")
        if not 1 <= (self.end_day or 0) <= 31:
            errors["end_day"] = _("День месяца — от 1 до 31.")
        elif not errors and self.start_day > self.end_day:
            errors["end_day"] = _("Окончание приёма показаний раньше его начала.")
        if errors:
            raise ValidationError({k: ValidationError(v, code=ErrorCode.INVALID) for k, v in errors.items()})
