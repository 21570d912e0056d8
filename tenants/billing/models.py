from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from billing_core import readings, tariffs
from tenants.choices import text_choices
from tenants.models import ServiceKind

TariffKind = text_choices(tariffs.TariffKind, {
    tariffs.TariffKind.PER_UNIT: _("За единицу объёма"),
    tariffs.TariffKind.PER_AREA: _("За м² площади"),
    tariffs.TariffKind.PER_PERSON: _("С человека"),
    tariffs.TariffKind.PER_PREMISE: _("С помещения"),
    tariffs.TariffKind.TWO_COMPONENT_HOT_WATER: _("Двухкомпонентный (ГВС)"),
}, module=__name__)

ReadingSource = text_choices(readings.ReadingSource, {
    readings.ReadingSource.CABINET: _("Личный кабинет"),
    readings.ReadingSource.PORTAL: _("Портал"),
    readings.ReadingSource.FILE: _("Файл"),
    readings.ReadingSource.API: _("API"),
    readings.ReadingSource.BANK_REGISTRY: _("Реестр банка"),
}, module=__name__)


def _no_overlap(name: str, owner: str) -> ExclusionConstraint:
    """No two rows of one owner cover the same day (a one-point int8range keeps plain GiST enough)."""
    return ExclusionConstraint(
        name=name,
        expressions=[
            (Func(F(owner), F(owner), Value("[]"), function="int8range", output_field=BigIntegerRangeField()),
             RangeOperators.OVERLAPS),
            (Func(F("valid_from"), F("valid_to"), Value("[]"), function="daterange", output_field=DateRangeField()),
             RangeOperators.OVERLAPS),
        ],
        violation_error_code="TARIFF_OVERLAP",
    )


class NormBasis(models.TextChoices):
    PERSON = "person", _("на человека")
    AREA = "area", _("на м²")


class Service(models.Model):
    code = models.CharField(_("код"), max_length=32, unique=True)
    kind = models.CharField(_("вид"), max_length=32, choices=ServiceKind.choices)
    name = models.CharField(_("наименование"), max_length=150)
    unit = models.CharField(_("единица"), max_length=16)
    tariff_kind = models.CharField(_("вид тарифа"), max_length=32, choices=TariffKind.choices)
    norm_basis = models.CharField(_("норматив"), max_length=8, choices=NormBasis.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # The common-property charge (СОИ) of a resource: the charge run bills it by the house's collective meter or
    # by the СОИ norm (this service's Norm, per m² of common area), distributed by area (HouseCommonProperty).
    common_property_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("коммунальный ресурс на содержание общего имущества"),
    )

    class Meta:
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class Tariff(models.Model):
    """A dated price. Two-component hot water: per m³ = cold component + heat norm × heat rate."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tariffs")
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)
    rate = models.DecimalField(_("тариф"), max_digits=14, decimal_places=6, default=0)
    cold_component_rate = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    heat_rate = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    heat_norm = models.DecimalField(_("Гкал на м³"), max_digits=10, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("тариф")
        verbose_name_plural = _("тарифы")
        constraints = [
            _no_overlap("tariff_no_overlap", "service"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="tariff_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.rate} с {self.valid_from}"


class Norm(models.Model):
    """Consumption norm used where there is no meter, with the uplift coefficient (повышающий коэффициент)."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="norms")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    value = models.DecimalField(_("норматив"), max_digits=12, decimal_places=6)
    uplift_coefficient = models.DecimalField(_("повышающий коэффициент"), max_digits=6, decimal_places=3,
                                             default=1)

    class Meta:
        verbose_name = _("норматив")
        constraints = [_no_overlap("norm_no_overlap", "service")]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.value} с {self.valid_from}"


class PersonalAccount(models.Model):
    number = models.CharField(_("номер лицевого счёта"), max_length=20, unique=True)
    premise = models.ForeignKey("registry.Premise", on_delete=models.PROTECT, related_name="+", db_constraint=True)
    unified_account = models.ForeignKey("registry.UnifiedAccount", on_delete=models.PROTECT, related_name="+",
                                        null=True, blank=True)
    payer_name = models.CharField(_("плательщик"), max_length=200)
    # the payer's contacts for notices about the account (debt reminders by SMS and e-mail, call lists); a resident
    # linked in the cabinet is reached by the cabinet's e-mail as well
    phone = models.CharField(_("телефон плательщика"), max_length=20, blank=True, default="", db_default="")
    email = models.EmailField(_("e-mail плательщика"), blank=True, default="", db_default="")
    ownership_share = models.DecimalField(_("доля собственности"), max_digits=7, decimal_places=6, default=1)
    charge_area = models.DecimalField(_("площадь для начислений, м²"), max_digits=10, decimal_places=2)
    opened_on = models.DateField(_("открыт"))
    closed_on = models.DateField(_("закрыт"), null=True, blank=True)

    class Meta:
        verbose_name = _("лицевой счёт")
        verbose_name_plural = _("лицевые счета")

    def __str__(self) -> str:
        return self.number


class Occupancy(models.Model):
    """Registered and living occupants over time; the norm uses the living count, else the registered."""

    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="occupancy")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    registered = models.PositiveSmallIntegerField(default=0)
    living = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [_no_overlap("occupancy_no_overlap", "account")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.living}/{self.registered}"


class AccountService(models.Model):
    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="services")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "service", "valid_from"],
                                               name="account_service_unique")]
        indexes = [models.Index(fields=["service", "account"], name="account_service_by_service")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.service_id}"


class Meter(models.Model):
    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="meters", null=True,
                                blank=True, help_text=_("пусто — общедомовой прибор"))
    house = models.ForeignKey("registry.House", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(_("заводской номер"), max_length=40)
    zones = models.PositiveSmallIntegerField(_("тарифных зон"), default=1)
    digit_capacity = models.PositiveSmallIntegerField(_("разрядность"), default=5)
    installed_on = models.DateField()
    verified_until = models.DateField(_("поверка до"))
    archived_at = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("прибор учёта")
        constraints = [
            models.CheckConstraint(condition=Q(zones__gte=1) & Q(zones__lte=3), name="meter_zones_1_3"),
            models.CheckConstraint(condition=Q(account__isnull=False) | Q(house__isnull=False),
                                   name="meter_has_owner"),
        ]

    def __str__(self) -> str:
        return self.serial


class Reading(models.Model):
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings")
    period = models.DateField(_("период"))  # first day of the month the reading belongs to
    zone = models.PositiveSmallIntegerField(default=1)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    reading_date = models.DateField()
    source = models.CharField(max_length=16, choices=ReadingSource.choices)
    flagged = models.BooleanField(default=False, help_text=_("потребление намного выше обычного"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("показание")
        constraints = [models.UniqueConstraint(fields=["meter", "period", "zone"], name="reading_one_per_period")]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.period:%Y-%m} z{self.zone}: {self.value}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Открыт")
    RUNNING = "running", _("Идёт расчёт")
    CALCULATED = "calculated", _("Рассчитан (черновик)")
    POSTED = "posted", _("Проведён")
    FAILED = "failed", _("Ошибка расчёта")


class BillingPeriod(models.Model):
    month = models.DateField(_("месяц"), unique=True)  # first day of the month
    status = models.CharField(max_length=16, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    charge_lines = models.PositiveIntegerField(default=0)
    opening_import = models.BooleanField(default=False, help_text=_("сальдо, перенесённые из прежней системы"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("расчётный период")
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="period_is_first_of_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.status})"


class VolumeMethod(models.TextChoices):
    METER = "meter", _("по прибору учёта")
    AVERAGE = "average", _("по среднему")
    NORM = "norm", _("по нормативу")
    FIXED = "fixed", _("площадь, люди или помещение")
    # drainage without its own meter: the premise's cold and hot water volumes, at least one by a meter
    # (ПП 354 п.42, формула 4 прил.2); see tenants.billing.charge_run
    SUM = "sum", _("сумма объёмов ХВС и ГВС")


class Charge(models.Model):
    """One account-service line of a period. Written set-based by the charge run, never per row."""

    # The unique (period, account, service) index serves lookups by period: no index of its own; no query
    # looks charges up by service alone, so no service index either. The references are checked by
    # statement-level triggers (migration 0007), one anti-join per statement, not a deferred check per row.
    period = models.ForeignKey(BillingPeriod, on_delete=models.CASCADE, related_name="charges", db_index=False,
                               db_constraint=False)
    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="charges",
                                db_constraint=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", db_index=False,
                                db_constraint=False)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    method = models.CharField(max_length=8, choices=VolumeMethod.choices)
    rate = models.DecimalField(max_digits=14, decimal_places=6, help_text=_("тариф на конец периода"))
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("начисление")
        constraints = [models.UniqueConstraint(fields=["period", "account", "service"], name="charge_unique")]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.account_id}/{self.service_id}: {self.amount}"


class RecalculationReason(models.TextChoices):
    TEMPORARY_ABSENCE = "temporary_absence", _("Временное отсутствие")
    POOR_QUALITY = "poor_quality", _("Услуга ненадлежащего качества")
    MANUAL = "manual", _("Ручной перерасчёт")
    PENALTY_AMNESTY = "penalty_amnesty", _("Амнистия пеней")


class Recalculation(models.Model):
    """A correction of earlier charges, shown in the period it is booked into with its reason."""

    period = models.ForeignKey(BillingPeriod, on_delete=models.PROTECT, related_name="recalculations")
    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="recalculations")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    corrected_month = models.DateField(_("за период"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text=_("минус — уменьшение"))
    reason = models.CharField(max_length=24, choices=RecalculationReason.choices)
    comment = models.CharField(_("основание"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("перерасчёт")
        indexes = [models.Index(fields=["period", "account"], name="recalc_period_account")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.service_id} {self.amount} ({self.reason})"


class Balance(models.Model):
    """Per account, service and period: the numbers the ЕПД prints. Built set-based with the charges.

    closing = opening + charged + recalculated − benefits + penalties − paid; the database checks it.
    """

    # indexes and reference checks as on Charge
    period = models.ForeignKey(BillingPeriod, on_delete=models.CASCADE, related_name="balances", db_index=False,
                               db_constraint=False)
    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="balances",
                                db_constraint=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", db_index=False,
                                db_constraint=False)
    opening = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    charged = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    recalculated = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    benefits = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    penalties = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    closing = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("сальдо")
        constraints = [
            models.UniqueConstraint(fields=["period", "account", "service"], name="balance_unique"),
            models.CheckConstraint(
                condition=Q(closing=F("opening") + F("charged") + F("recalculated") - F("benefits")
                            + F("penalties") - F("paid")),
                name="balance_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.account_id}/{self.service_id}: {self.closing}"


class ImportKind(models.TextChoices):
    OPENING_BALANCES = "opening_balances", _("Входящие сальдо")
    READINGS = "readings", _("Показания приборов учёта")
    OWN_RECEIPTS = "own_receipts", _("Собственные поступления принципала")


class ImportMode(models.TextChoices):
    VALIDATE = "validate", _("Только проверить")
    ALL_OR_NOTHING = "all_or_nothing", _("Загрузить всё или ничего")
    GOOD_ROWS = "good_rows", _("Загрузить верные строки")


class ImportStatus(models.TextChoices):
    VALIDATED = "validated", _("Проверен")
    REJECTED = "rejected", _("Отклонён")
    LOADED = "loaded", _("Загружен")


class ImportBatch(models.Model):
    """One uploaded file: its checksum makes a second upload of the same file a no-op."""

    kind = models.CharField(max_length=24, choices=ImportKind.choices)
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    mode = models.CharField(max_length=16, choices=ImportMode.choices)
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    encoding = models.CharField(max_length=16, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("загрузка файла")
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256"], condition=Q(status="loaded"),
                                    name="import_loaded_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.status})"


# --- benefits (льготы) ------------------------------------------------------------------------------------------
# Appended as one block (another change edits the classes above): billing_core.benefits holds the rule.

from django.contrib.postgres.fields import ArrayField  # noqa: E402


class BenefitCategory(models.Model):
    """A kind of benefit in the principal's catalogue: a discount on the services it covers."""

    code = models.CharField(_("код"), max_length=32, unique=True)
    name = models.CharField(_("наименование"), max_length=200)
    percent = models.DecimalField(_("скидка, %"), max_digits=5, decimal_places=2)
    service_kinds = ArrayField(models.CharField(max_length=32, choices=ServiceKind.choices), default=list,
                               blank=True, verbose_name=_("виды услуг"))
    services = models.ManyToManyField(Service, blank=True, related_name="+", verbose_name=_("услуги"))
    social_norm_area = models.DecimalField(
        _("социальная норма площади на человека, м²"), max_digits=8, decimal_places=2, null=True, blank=True,
        help_text=_("только для услуг за м²; региональная норма — проверить и задать для своего региона"),
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("категория льготы")
        verbose_name_plural = _("категории льгот")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gt=0) & Q(percent__lte=100), name="benefit_percent_range"),
            models.CheckConstraint(condition=Q(social_norm_area__isnull=True) | Q(social_norm_area__gt=0),
                                   name="benefit_norm_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class AccountBenefit(models.Model):
    """A category held by an account for a number of beneficiaries over dated spans."""

    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="benefits")
    category = models.ForeignKey(BenefitCategory, on_delete=models.PROTECT, related_name="grants")
    beneficiaries = models.PositiveSmallIntegerField(_("число льготников"))
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)

    class Meta:
        verbose_name = _("льгота лицевого счёта")
        verbose_name_plural = _("льготы лицевых счетов")
        constraints = [
            ExclusionConstraint(
                name="account_benefit_no_overlap",
                expressions=[
                    (Func(F("account"), F("account"), Value("[]"), function="int8range",
                          output_field=BigIntegerRangeField()), RangeOperators.OVERLAPS),
                    (Func(F("category"), F("category"), Value("[]"), function="int8range",
                          output_field=BigIntegerRangeField()), RangeOperators.OVERLAPS),
                    (Func(F("valid_from"), F("valid_to"), Value("[]"), function="daterange",
                          output_field=DateRangeField()), RangeOperators.OVERLAPS),
                ],
                violation_error_code="BENEFIT_OVERLAP",
            ),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="account_benefit_dates_ordered"),
            models.CheckConstraint(condition=Q(beneficiaries__gte=1), name="account_benefit_beneficiaries"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.category_id} × {self.beneficiaries} с {self.valid_from}"


# --- common property (СОИ) ---------------------------------------------------------------------------------------
# Appended as one block; the rule is in tenants.billing.charge_run (ПП 354 п.44, формулы 11 и 15 прил.2).


class HouseCommonProperty(models.Model):
    """What this principal knows of a house for the common-property charge (СОИ)."""

    house = models.OneToOneField("registry.House", on_delete=models.PROTECT, related_name="+")
    common_area = models.DecimalField(_("площадь помещений общего имущества, м²"), max_digits=12, decimal_places=2)
    premises_area = models.DecimalField(
        _("площадь всех жилых и нежилых помещений, м²"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("пусто — сумма площадей помещений дома в реестре"),
    )
    above_norm_decided = models.BooleanField(
        _("решение общего собрания о распределении сверхнормативного объёма"), default=False,
        help_text=_("без решения объём по общедомовому прибору ограничен нормативом (ПП 354 п.44)"),
    )

    class Meta:
        verbose_name = _("общее имущество дома")
        constraints = [
            models.CheckConstraint(condition=Q(common_area__gte=0), name="house_common_area_nonnegative"),
            models.CheckConstraint(condition=Q(premises_area__isnull=True) | Q(premises_area__gt=0),
                                   name="house_premises_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.house_id}: {self.common_area} м²"


class HouseCommonVolume(models.Model):
    """Per period, house and СОИ service: the figures behind every premise's СОИ line (written by the charge run).

    ``collective_volume`` is the collective meter's consumption (empty without a working, read meter),
    ``premises_volume`` the premises' volumes of the resource, ``norm_volume`` the СОИ norm × the common area,
    ``common_volume`` the house's volume distributed by area over ``total_area``.
    """

    period = models.ForeignKey(BillingPeriod, on_delete=models.CASCADE, related_name="+")
    house = models.ForeignKey("registry.House", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    collective_volume = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    premises_volume = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    norm_volume = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    common_volume = models.DecimalField(max_digits=16, decimal_places=4)
    total_area = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=8, choices=VolumeMethod.choices)

    class Meta:
        verbose_name = _("объём на содержание общего имущества")
        constraints = [models.UniqueConstraint(fields=["period", "house", "service"],
                                               name="house_common_volume_unique")]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.house_id}/{self.service_id}: {self.common_volume}"
