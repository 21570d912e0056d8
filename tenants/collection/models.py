"""Debt collection in the principal's schema: who owes, what was done about it, and what it brought.

Each principal's debtors, warnings, restrictions, agreements, court cases and their documents are its own rows in
its own schema. The agent's campaigns (public schema, ``agency.collection``) act here through the services of this
app; a campaign run is named by its id (``campaign_run_id``), never by a foreign key across schemas.

The register (``DebtorLine``) is a snapshot refreshed set-based by ``tenants.collection.register``; everything
else is the record of work, written once per act and never recomputed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """How far work on an account has gone, in the order it usually goes."""

    NONE = "none", _("Без работы")
    REMINDED = "reminded", _("Напоминание")
    WARNED = "warned", _("Предупреждение")
    RESTRICTED = "restricted", _("Ограничение услуги")
    AGREEMENT = "agreement", _("Соглашение о погашении")
    CLAIM = "claim", _("Претензия")
    COURT = "court", _("Суд")
    ENFORCEMENT = "enforcement", _("Исполнительное производство")
    RECOVERED = "recovered", _("Погашено")


STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}


class AccountCollection(models.Model):
    """The stage of work on one account, and the principal's stop on it (no campaign picks a stopped account)."""

    account = models.OneToOneField("billing.PersonalAccount", on_delete=models.CASCADE, primary_key=True,
                                   related_name="collection")
    stage = models.CharField(_("стадия"), max_length=16, choices=Stage.choices, default=Stage.NONE)
    stage_since = models.DateField(_("стадия с"))
    stopped_at = models.DateTimeField(_("работа остановлена"), null=True, blank=True)
    stopped_reason = models.CharField(_("причина остановки"), max_length=300, blank=True)
    stopped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", db_constraint=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("работа по лицевому счёту")
        indexes = [models.Index(fields=["stage"], name="collection_stage_idx")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.stage}"


class DebtorLine(models.Model):
    """One account's debt for one service now, as the last register refresh computed it (a snapshot).

    ``debt``: the balance now (penalties included); ``principal_debt``: without the penalties (payments go to the
    charges first); ``age_*``: the principal debt by month of origin (the newest charges are the ones unpaid);
    ``norm_charge``: one month's charge by norm and tariff (ПП 354 п.118), ``months_of_norm`` the debt in such
    months; ``threshold``: over two of them.
    """

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.CASCADE, related_name="+",
                                db_constraint=False, db_index=False)
    service = models.ForeignKey("billing.Service", on_delete=models.CASCADE, related_name="+", db_constraint=False,
                                db_index=False)
    debt = models.DecimalField(max_digits=14, decimal_places=2)
    principal_debt = models.DecimalField(max_digits=14, decimal_places=2)
    penalties = models.DecimalField(max_digits=14, decimal_places=2)
    age_1 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    age_2 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    age_3 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    age_4_6 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    age_7_12 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    age_over_12 = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    oldest_month = models.DateField(null=True)
    norm_charge = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    months_of_norm = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    threshold = models.BooleanField(default=False)
    restrictable = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("строка реестра должников")
        constraints = [models.UniqueConstraint(fields=["account", "service"], name="debtor_line_unique")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.service_id}: {self.debt}"


class Debtor(models.Model):
    """One account in the register: its debt over all services and what the keyset pages sort and filter on."""

    account = models.OneToOneField("billing.PersonalAccount", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+", db_constraint=False)
    number = models.CharField(max_length=20)
    payer_name = models.CharField(max_length=200)
    house_id = models.BigIntegerField()
    address = models.CharField(max_length=300)
    debt = models.DecimalField(max_digits=14, decimal_places=2)
    principal_debt = models.DecimalField(max_digits=14, decimal_places=2)
    penalties = models.DecimalField(max_digits=14, decimal_places=2)
    months = models.PositiveSmallIntegerField(help_text=_("возраст самого старого неоплаченного начисления, мес."))
    max_months_of_norm = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    threshold = models.BooleanField(default=False)
    last_paid_on = models.DateField(null=True)
    last_paid_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.NONE)
    kept_agreement = models.BooleanField(default=False)
    stopped = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("должник")
        indexes = [
            models.Index(fields=["-debt", "account"], name="debtor_debt_keyset_idx"),
            models.Index(fields=["number"], name="debtor_number_idx"),
            models.Index(fields=["house_id", "-debt"], name="debtor_house_idx"),
            models.Index(fields=["stage", "-debt"], name="debtor_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.debt}"


class WarningChannel(models.TextChoices):
    EPD = "epd", _("В платёжном документе")
    REGISTERED_LETTER = "registered_letter", _("Заказным письмом")
    SIGNATURE = "signature", _("Под роспись")


class WarningStatus(models.TextChoices):
    ISSUED = "issued", _("Сформировано")
    DELIVERED = "delivered", _("Доставлено")
    RESTRICTED = "restricted", _("Услуга ограничена")
    SETTLED = "settled", _("Долг погашен")
    CANCELLED = "cancelled", _("Отменено")


class Warning(models.Model):
    """The warning of ПП 354 п.119 «а» for one service: restriction may follow 20 days after its delivery."""

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("billing.Service", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("месяц"))  # the campaign month: one warning per account, service and month
    debt = models.DecimalField(_("долг на дату предупреждения"), max_digits=14, decimal_places=2)
    norm_charge = models.DecimalField(_("начисление по нормативу за месяц"), max_digits=14, decimal_places=2)
    channel = models.CharField(_("способ доставки"), max_length=20, choices=WarningChannel.choices)
    issued_on = models.DateField(_("сформировано"))
    delivered_on = models.DateField(_("доставлено"), null=True, blank=True)
    term_end = models.DateField(_("срок погашения по"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=WarningStatus.choices, default=WarningStatus.ISSUED)
    campaign_run_id = models.BigIntegerField(null=True, blank=True)
    postal_id = models.CharField(_("почтовый идентификатор"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("предупреждение об ограничении")
        constraints = [
            models.UniqueConstraint(fields=["account", "service", "month"], name="warning_once_a_month"),
            models.CheckConstraint(condition=Q(delivered_on__isnull=True) | Q(term_end__isnull=False),
                                   name="warning_delivered_has_term"),
            models.CheckConstraint(condition=Q(debt__gt=0), name="warning_debt_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.service_id} {self.month:%m.%Y}"


class ReminderChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Электронная почта")
    CALL = "call", _("Обзвон")


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", _("В очереди")
    SENT = "sent", _("Отправлено")
    FAILED = "failed", _("Не доставлено")
    NO_CONTACT = "no_contact", _("Нет контакта")


class Reminder(models.Model):
    """A reminder about the debt by SMS, e-mail or a call list, once per account, channel and campaign run."""

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=ReminderChannel.choices)
    campaign_run_id = models.BigIntegerField()
    address = models.CharField(_("телефон или e-mail"), max_length=200, blank=True)
    debt = models.DecimalField(max_digits=14, decimal_places=2)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED)
    provider_id = models.CharField(max_length=120, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("напоминание о задолженности")
        constraints = [models.UniqueConstraint(fields=["account", "channel", "campaign_run_id"],
                                               name="reminder_once_per_run")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.channel} #{self.campaign_run_id}"


class RestrictionKind(models.TextChoices):
    RESTRICTION = "restriction", _("Ограничение")
    SUSPENSION = "suspension", _("Приостановление")


class RestrictionStatus(models.TextChoices):
    ORDERED = "ordered", _("Наряд выдан")
    DONE = "done", _("Ограничено")
    LIFTED = "lifted", _("Возобновлено")
    CANCELLED = "cancelled", _("Отменено")


class Restriction(models.Model):
    """Restriction or suspension of one service after a delivered warning's term (ПП 354 п.117–119), and its
    lifting within the legal term once the cause is gone (п.120)."""

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("billing.Service", on_delete=models.PROTECT, related_name="+")
    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="restrictions")
    kind = models.CharField(max_length=12, choices=RestrictionKind.choices)
    status = models.CharField(max_length=12, choices=RestrictionStatus.choices, default=RestrictionStatus.ORDERED)
    executor = models.CharField(_("исполнитель работ"), max_length=200)
    ordered_on = models.DateField(_("наряд выдан"))
    done_on = models.DateField(_("дата ограничения"), null=True, blank=True)
    act_number = models.CharField(_("номер акта"), max_length=40, blank=True)
    # п.119 «в»: suspension without a restriction first only when a restriction is technically impossible
    no_technical_possibility = models.BooleanField(_("нет технической возможности ограничения"), default=False)
    suspended_on = models.DateField(_("приостановлено после ограничения"), null=True, blank=True)
    paid_on = models.DateField(_("причина устранена"), null=True, blank=True)
    lift_due = models.DateField(_("возобновить не позднее"), null=True, blank=True)
    lifted_on = models.DateField(_("возобновлено"), null=True, blank=True)
    lift_act_number = models.CharField(_("номер акта возобновления"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ограничение услуги")
        constraints = [
            models.UniqueConstraint(fields=["account", "service"], condition=Q(status__in=["ordered", "done"]),
                                    name="restriction_one_open"),
            models.CheckConstraint(condition=Q(done_on__isnull=True) | Q(done_on__gte=models.F("ordered_on")),
                                   name="restriction_done_after_order"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.service_id} {self.status}"


class AgreementStatus(models.TextChoices):
    REQUESTED = "requested", _("Запрошено жителем")
    DRAFT = "draft", _("Проект")
    ACTIVE = "active", _("Исполняется")
    BREACHED = "breached", _("Нарушено")
    COMPLETED = "completed", _("Исполнено")
    DECLINED = "declined", _("Отклонено")


class Agreement(models.Model):
    """An agreement to repay the debt in parts (соглашение о погашении задолженности, ПП 354 п.72, 118)."""

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("номер"), max_length=30, unique=True)
    status = models.CharField(max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    total = models.DecimalField(_("сумма долга"), max_digits=14, decimal_places=2, null=True, blank=True)
    parts = models.PositiveSmallIntegerField(_("платежей"))
    first_due = models.DateField(_("первый платёж"), null=True, blank=True)
    signed_on = models.DateField(_("подписано"), null=True, blank=True)
    requested_by_resident = models.BooleanField(default=False)
    resident_note = models.CharField(_("комментарий жителя"), max_length=500, blank=True)
    paid = models.DecimalField(_("оплачено по соглашению"), max_digits=14, decimal_places=2, default=0)
    shortfall = models.DecimalField(_("просрочено"), max_digits=14, decimal_places=2, default=0)
    breached_on = models.DateField(_("нарушено"), null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("соглашение о погашении задолженности")
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=Q(status__in=["requested", "draft", "active"]),
                                    name="agreement_one_open"),
            models.CheckConstraint(condition=Q(parts__gte=1) & Q(parts__lte=36), name="agreement_parts_range"),
            models.CheckConstraint(condition=~Q(status__in=["active", "breached", "completed"])
                                   | (Q(signed_on__isnull=False) & Q(total__gt=0)), name="agreement_signed"),
        ]

    def __str__(self) -> str:
        return self.number


class Installment(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="installments")
    seq = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["agreement", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "seq"], name="installment_seq_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}#{self.seq}"


class CourtRoute(models.TextChoices):
    ORDER = "order", _("Судебный приказ")
    LAWSUIT = "lawsuit", _("Исковое заявление")


class CaseStatus(models.TextChoices):
    CLAIM = "claim", _("Направлена претензия")
    FILED = "filed", _("Заявление подано")
    ORDER_ISSUED = "order_issued", _("Вынесен судебный приказ")
    ORDER_CANCELLED = "order_cancelled", _("Приказ отменён")
    JUDGMENT = "judgment", _("Решение суда")
    WRIT_ISSUED = "writ_issued", _("Выдан исполнительный документ")
    ENFORCEMENT = "enforcement", _("На исполнении")
    CLOSED = "closed", _("Закрыто")


class CourtCase(models.Model):
    """Court work on one account's debt: from the pre-court claim to the money recovered by enforcement."""

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("номер дела в системе"), max_length=30, unique=True)
    route = models.CharField(_("порядок"), max_length=8, choices=CourtRoute.choices)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.CLAIM)
    period_from = models.DateField(_("долг за период с"))
    period_to = models.DateField(_("по"))
    principal_debt = models.DecimalField(_("основной долг"), max_digits=14, decimal_places=2)
    penalties = models.DecimalField(_("пени"), max_digits=14, decimal_places=2)
    state_fee = models.DecimalField(_("госпошлина"), max_digits=14, decimal_places=2)
    fee_source = models.CharField(max_length=200)
    # the fee paid for a cancelled court order, counted towards the lawsuit's (НК ст.333.20 п.1 пп.13)
    fee_offset = models.DecimalField(_("зачтено из госпошлины за приказ"), max_digits=14, decimal_places=2,
                                     default=0)
    calculated_on = models.DateField(_("расчёт на дату"))
    court_name = models.CharField(_("суд"), max_length=300, blank=True)
    court_case_number = models.CharField(_("номер дела в суде"), max_length=60, blank=True)
    enforcement_to = models.CharField(_("исполнительный документ направлен"), max_length=16, blank=True)
    recovered = models.DecimalField(_("взыскано"), max_digits=14, decimal_places=2, default=0)
    costs_recovered = models.DecimalField(_("возмещено судебных расходов"), max_digits=14, decimal_places=2,
                                          default=0)
    debtor_ids = models.JSONField(_("идентификаторы должника"), default=dict, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("судебное дело")
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=~Q(status="closed"), name="court_case_one_open"),
            models.CheckConstraint(condition=Q(principal_debt__gt=0), name="court_case_debt_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEventKind(models.TextChoices):
    CLAIM_SENT = "claim_sent", _("Направлена претензия")
    FILED = "filed", _("Подано заявление о выдаче судебного приказа")
    ORDER_ISSUED = "order_issued", _("Вынесен судебный приказ")
    ORDER_CANCELLED = "order_cancelled", _("Судебный приказ отменён")
    LAWSUIT_FILED = "lawsuit_filed", _("Подано исковое заявление")
    JUDGMENT = "judgment", _("Вынесено решение")
    WRIT_ISSUED = "writ_issued", _("Выдан исполнительный лист")
    SENT_TO_BAILIFFS = "sent_to_bailiffs", _("Направлено в ФССП")
    SENT_TO_EMPLOYER = "sent_to_employer", _("Направлено работодателю должника")
    SENT_TO_BANK = "sent_to_bank", _("Направлено в банк должника")
    RECOVERED = "recovered", _("Поступили взысканные средства")
    COSTS_RECOVERED = "costs_recovered", _("Возмещены судебные расходы")
    CLOSED = "closed", _("Дело закрыто")


class CaseEvent(models.Model):
    case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    happened_on = models.DateField(_("дата"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    document_number = models.CharField(_("номер документа"), max_length=60, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["happened_on", "id"]
        constraints = [
            # money events are once per document (the bailiffs' payment order, the bank's), so a repeat posts nothing
            models.UniqueConstraint(fields=["case", "kind", "document_number"],
                                    condition=Q(kind__in=["recovered", "costs_recovered"]),
                                    name="case_money_event_once"),
            models.CheckConstraint(condition=~Q(kind__in=["recovered", "costs_recovered"]) | Q(amount__gt=0),
                                   name="case_money_event_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.happened_on}"


class DocumentKind(models.TextChoices):
    WARNING_LETTER = "warning_letter", _("Предупреждение об ограничении")
    CLAIM = "claim", _("Досудебная претензия")
    COURT_APPLICATION = "court_application", _("Заявление о вынесении судебного приказа")
    LAWSUIT = "lawsuit", _("Исковое заявление")
    DEBT_CALCULATION = "debt_calculation", _("Расчёт задолженности")
    PENALTY_STATEMENT = "penalty_statement", _("Расчёт пеней")
    ACCOUNT_STATEMENT = "account_statement", _("Выписка по лицевому счёту")
    AGREEMENT = "agreement", _("Соглашение о погашении задолженности")
    WORK_ORDER = "work_order", _("Наряд на ограничение")
    RESTRICTION_ACT = "restriction_act", _("Акт об ограничении")
    LIFT_ACT = "lift_act", _("Акт о возобновлении")
    BREACH_NOTICE = "breach_notice", _("Уведомление о нарушении соглашения")


class CollectionDocument(models.Model):
    """A generated document of collection work, stored under the principal's prefix in the file store."""

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    title = models.CharField(max_length=300)
    file_key = models.CharField(max_length=300)
    size = models.PositiveIntegerField(default=0)
    case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="documents")
    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    restriction = models.ForeignKey(Restriction, on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="documents")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("документ по задолженности")
        indexes = [models.Index(fields=["account", "-created_at"], name="collection_doc_account_idx")]
        constraints = [models.UniqueConstraint(fields=["file_key"], name="collection_doc_key_unique")]

    def __str__(self) -> str:
        return self.title


class TouchAction(models.TextChoices):
    EPD_WARNING = "epd_warning", _("Предупреждение в ЕПД")
    LETTER_WARNING = "letter_warning", _("Предупреждение заказным письмом")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    CALL = "call", _("Обзвон")
    CLAIM = "claim", _("Претензия")
    AMNESTY = "amnesty", _("Амнистия пеней")


class CampaignTouch(models.Model):
    """One account a campaign run acted on, and how: the base of the campaign's effect (money within 30/60/90 days)."""

    campaign_run_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField()
    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.CASCADE, related_name="+",
                                db_constraint=False)
    action = models.CharField(max_length=16, choices=TouchAction.choices)
    touched_on = models.DateField()
    debt = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign_run_id", "account", "action"],
                                               name="touch_once_per_run")]
        indexes = [models.Index(fields=["campaign_id", "account"], name="touch_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_run_id}/{self.account_id} {self.action}"


class Amnesty(models.Model):
    """Penalties written off under an amnesty campaign when the principal debt was paid by its date."""

    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="+")
    campaign_id = models.BigIntegerField()
    pay_by = models.DateField()
    penalties_written_off = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    written_off_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign_id", "account"], name="amnesty_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.account_id}"
