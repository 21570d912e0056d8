"""Principals (tenants), their domains and agency contracts. All live in the public schema."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, BigIntegerRangeField, DateRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from billing_core import requisites, service_kinds
from billing_core.error_codes import ErrorCode
from tenants.choices import text_choices

# The engine's service kinds as the model fields' choices (agency contracts here, services and benefits in billing).
ServiceKind = text_choices(
    service_kinds.ServiceKind, {kind: kind.label for kind in service_kinds.ServiceKind}, module=__name__
)


class PrincipalKind(models.TextChoices):
    AGENT = "agent", _("Агент (расчётный центр)")
    MANAGEMENT_COMPANY = "management_company", _("Управляющая компания")
    HOA = "hoa", _("ТСЖ")
    RESOURCE_SUPPLIER = "resource_supplier", _("Ресурсоснабжающая организация")
    WASTE_OPERATOR = "waste_operator", _("Региональный оператор ТКО")
    CAPITAL_REPAIR_FUND = "capital_repair_fund", _("Фонд капитального ремонта")


class Requisites(models.Model):
    """Legal and bank requisites, validated by their check digits."""

    legal_name = models.CharField(_("полное наименование"), max_length=300)
    short_name = models.CharField(_("краткое наименование"), max_length=150)
    inn = models.CharField(_("ИНН"), max_length=12, validators=[requisites.validate_legal_inn])
    kpp = models.CharField(_("КПП"), max_length=9, validators=[requisites.validate_kpp])
    ogrn = models.CharField(_("ОГРН"), max_length=15, validators=[requisites.validate_ogrn])
    bank_name = models.CharField(_("банк"), max_length=200)
    bic = models.CharField(_("БИК"), max_length=9, validators=[requisites.validate_bic])
    settlement_account = models.CharField(_("расчётный счёт"), max_length=20)
    correspondent_account = models.CharField(_("корреспондентский счёт"), max_length=20)

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[ValidationError]] = {}
        if self.bic and requisites_bic_ok(self.bic):
            for field, validator in (
                ("settlement_account", requisites.validate_settlement_account),
                ("correspondent_account", requisites.validate_correspondent_account),
            ):
                try:
                    validator(getattr(self, field), self.bic)
                except ValidationError as exc:
                    errors[field] = exc.error_list
        if errors:
            raise ValidationError(errors)


def requisites_bic_ok(bic: str) -> bool:
    try:
        requisites.validate_bic(bic)
    except ValidationError:
        return False
    return True


# What every ЕПД prints of each executor besides its requisites (ПП 354 п.69 «а»).
CONTACT_FIELDS = ("address", "phone", "email", "website", "working_hours")


class Principal(TenantMixin, Requisites):
    """A principal (принципал): a tenant with its own schema. The agent itself is the public row."""

    kind = models.CharField(_("вид"), max_length=32, choices=PrincipalKind.choices)
    is_active = models.BooleanField(_("активен"), default=True)
    # the executor's contacts for the ЕПД (ПП 354 п.69 «а»); blank until the back office fills them in
    address = models.CharField(_("адрес (место нахождения)"), max_length=300, blank=True)
    phone = models.CharField(_("телефон"), max_length=100, blank=True)
    email = models.EmailField(_("электронная почта"), max_length=150, blank=True)
    website = models.CharField(_("сайт"), max_length=150, blank=True)
    working_hours = models.CharField(_("режим работы"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("принципал")
        verbose_name_plural = _("принципалы")
        constraints = [
            models.UniqueConstraint(
                fields=["inn", "kpp"], name="principal_inn_kpp_unique", violation_error_code=ErrorCode.UNIQUE
            ),
            models.CheckConstraint(
                condition=Q(schema_name__regex=r"^[a-z][a-z0-9_]{1,62}$"), name="principal_schema_name_format"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("домен")
        verbose_name_plural = _("домены")


class PayoutSchedule(models.TextChoices):
    DAILY = "daily", _("Ежедневно, на следующий рабочий день")
    WEEKLY = "weekly", _("Еженедельно")


class QrMode(models.TextChoices):
    PER_PAYEE = "per_payee", _("QR-код на каждого получателя")
    AGENT_ACCOUNT = "agent_account", _("Один QR-код на счёт агента с ЕЛС")


class AgencyContract(models.Model):
    """Агентский договор: the agent's fee, what it covers and where the money goes."""

    principal = models.ForeignKey(Principal, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("номер договора"), max_length=50)
    signed_on = models.DateField(_("дата заключения"))
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)
    fee_rate = models.DecimalField(_("вознаграждение агента, %"), max_digits=6, decimal_places=4)
    fee_min = models.DecimalField(
        _("минимальное вознаграждение"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fee_max = models.DecimalField(
        _("максимальное вознаграждение"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    services = ArrayField(
        models.CharField(max_length=32, choices=ServiceKind.choices), verbose_name=_("услуги"), default=list
    )
    payout_schedule = models.CharField(
        _("график перечислений"), max_length=16, choices=PayoutSchedule.choices, default=PayoutSchedule.DAILY
    )
    qr_mode = models.CharField(_("QR-коды в ЕПД"), max_length=16, choices=QrMode.choices, default=QrMode.PER_PAYEE)
    payout_bank_name = models.CharField(_("банк для перечислений"), max_length=200)
    payout_bic = models.CharField(_("БИК"), max_length=9, validators=[requisites.validate_bic])
    payout_account = models.CharField(_("счёт для перечислений"), max_length=20)
    payout_correspondent_account = models.CharField(_("корреспондентский счёт"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("агентский договор")
        verbose_name_plural = _("агентские договоры")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_rate__gte=Decimal("0")) & Q(fee_rate__lte=Decimal("100")),
                name="contract_fee_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(fee_min__isnull=True) | Q(fee_max__isnull=True) | Q(fee_min__lte=F("fee_max")),
                name="contract_fee_min_le_max",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="contract_dates_ordered",
            ),
            # One contract in force per principal on any day. The principal is compared as a
            # one-point range so plain GiST suffices (no btree_gist, which embedded builds lack).
            ExclusionConstraint(
                name="contract_no_overlap",
                expressions=[
                    (Func(F("principal"), F("principal"), models.Value("[]"), function="int8range",
                          output_field=BigIntegerRangeField()), RangeOperators.OVERLAPS),
                    (Func(F("valid_from"), F("valid_to"), models.Value("[]"), function="daterange",
                          output_field=DateRangeField()), RangeOperators.OVERLAPS),
                ],
                violation_error_code=ErrorCode.CONTRACT_OVERLAP,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.principal})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = ValidationError(
                _("Дата окончания раньше даты начала."), code=ErrorCode.DATE_RANGE
            )
        if self.fee_rate is not None and not (Decimal("0") <= self.fee_rate <= Decimal("100")):
            errors["fee_rate"] = ValidationError(
                _("Ставка вознаграждения должна быть от 0 до 100 %."), code=ErrorCode.FEE_RANGE
            )
        if self.fee_min is not None and self.fee_max is not None and self.fee_min > self.fee_max:
            errors["fee_max"] = ValidationError(
                _("Максимальное вознаграждение меньше минимального."), code=ErrorCode.FEE_RANGE
            )
        for field, validator in (
            ("payout_account", requisites.validate_settlement_account),
            ("payout_correspondent_account", requisites.validate_correspondent_account),
        ):
            if requisites_bic_ok(self.payout_bic or ""):
                try:
                    validator(getattr(self, field), self.payout_bic)
                except ValidationError as exc:
                    errors[field] = exc
        if errors:
            raise ValidationError(errors)


class RequisitesChangeStatus(models.TextChoices):
    PENDING = "pending", _("Ожидает подтверждения")
    CONFIRMED = "confirmed", _("Подтверждена")
    REJECTED = "rejected", _("Отклонена")


class RequisitesChange(models.Model):
    """A proposed change of a payee's bank requisites: the principal's own (``contract`` empty) or an agency
    contract's payout account. It takes effect only when a different person with the approver role confirms it
    (agency.principals.requisites_changes); until then the old requisites stay in force. ``before`` keeps what was
    replaced, so the change can be read later as it was decided."""

    principal = models.ForeignKey(Principal, on_delete=models.PROTECT, related_name="requisites_changes")
    contract = models.ForeignKey(AgencyContract, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="requisites_changes")
    bank_name = models.CharField(_("банк"), max_length=200)
    bic = models.CharField(_("БИК"), max_length=9)
    account = models.CharField(_("расчётный счёт"), max_length=20)
    correspondent_account = models.CharField(_("корреспондентский счёт"), max_length=20)
    before = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=RequisitesChangeStatus.choices,
                              default=RequisitesChangeStatus.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("комментарий"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("смена банковских реквизитов")
        verbose_name_plural = _("смены банковских реквизитов")
        constraints = [
            # one pending change per payee: the principal's own requisites, and each contract's payout account
            models.UniqueConstraint(fields=["principal"], condition=Q(status="pending", contract__isnull=True),
                                    name="requisites_change_one_pending_principal"),
            models.UniqueConstraint(fields=["contract"], condition=Q(status="pending", contract__isnull=False),
                                    name="requisites_change_one_pending_contract"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="requisites_change_decided"),
            # four eyes, kept by the database too: whoever proposed a change never confirms it
            models.CheckConstraint(condition=~Q(status="confirmed") | ~Q(decided_by=F("proposed_by")),
                                   name="requisites_change_four_eyes"),
        ]

    def __str__(self) -> str:
        return f"{self.principal_id}/{self.contract_id or '-'} {self.status}"
