"""Money the agent receives (public schema): payments from every channel, their allocation among
principals, and the daily payouts.

A payment is recorded once per (source, external_id) whatever retries or duplicate files bring it
again; it is matched to a household (ЕЛС, and the document it pays when known), then allocated
among the payees. Every step posts to the agent's ledger (ledger app, public schema).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    BANK_REGISTRY = "bank_registry", _("Реестр банка")
    BANK_STATEMENT = "bank_statement", _("Выписка банка (1С)")
    CARD_ONLINE = "card_online", _("Банковская карта онлайн")
    CASH_DESK = "cash_desk", _("Касса агента")


class PaymentStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("не сопоставлен")
    AMBIGUOUS = "ambiguous", _("неоднозначен")
    MATCHED = "matched", _("сопоставлен")
    ALLOCATED = "allocated", _("распределён")
    REFUNDED = "refunded", _("возвращён")


class Payment(models.Model):
    channel = models.CharField(_("канал"), max_length=16, choices=Channel.choices)
    # Where it came from (a bank registry layout and bank, "stripe", a cash desk): with external_id, the
    # payment's identity; the same pair never posts twice.
    source = models.CharField(_("источник"), max_length=60)
    external_id = models.CharField(_("идентификатор в источнике"), max_length=120)
    amount = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("дата платежа"))
    received_at = models.DateTimeField(_("поступил"), auto_now_add=True)
    payer_ref = models.CharField(_("лицевой счёт / ЕЛС / ИПД в платеже"), max_length=60, blank=True)
    payer_name = models.CharField(_("плательщик"), max_length=200, blank=True)
    purpose = models.CharField(_("назначение"), max_length=500, blank=True)
    unified_account = models.ForeignKey(
        "registry.UnifiedAccount", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    epd = models.ForeignKey("documents.Epd", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    registry_import = models.ForeignKey(
        "RegistryImport", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    cash_shift = models.ForeignKey(
        "CashShift", on_delete=models.PROTECT, null=True, blank=True, related_name="receipts"
    )
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNMATCHED)
    match_note = models.CharField(max_length=300, blank=True)
    # The operator who matched (or returned) a payment by hand from the queue, and when.
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("платёж")
        verbose_name_plural = _("платежи")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="payment_source_external_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                # a payment returned from the operator's queue may never have been matched
                condition=Q(status__in=["unmatched", "ambiguous", "refunded"]) | Q(unified_account__isnull=False),
                name="payment_matched_has_household",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="payment_status_idx"),
            models.Index(fields=["paid_on", "channel"], name="payment_day_channel_idx"),
            models.Index(fields=["unified_account", "paid_on"], name="payment_household_idx"),
            # the operator's queue, paged by id
            models.Index(fields=["id"], condition=Q(status__in=["unmatched", "ambiguous"]), name="payment_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.amount}"


class ImportStatus(models.TextChoices):
    STAGED = "staged", _("загружен, проверяется")
    POSTED = "posted", _("проведён")
    REJECTED = "rejected", _("отклонён")
    VALIDATED = "validated", _("проверен, не проведён")


class ImportMode(models.TextChoices):
    """What an upload does with its file (the same three modes as a principal's imports)."""

    VALIDATE = "validate", _("Только проверить")
    ALL_OR_NOTHING = "all_or_nothing", _("Провести всё или ничего")
    GOOD_ROWS = "good_rows", _("Провести верные строки")


class RegistryImport(models.Model):
    """One bank registry or 1C statement file; the same file (by content) is imported once."""

    kind = models.CharField(max_length=16, choices=[("registry", _("реестр")), ("statement", _("выписка 1С"))])
    layout = models.CharField(_("формат"), max_length=60)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.STAGED)
    mode = models.CharField(_("режим"), max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_posted = models.PositiveIntegerField(default=0)
    amount_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # What was posted: rows already recorded by another file or channel are not posted again.
    amount_posted = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    errors = models.JSONField(default=list)
    # The file in object storage (documents.storage), for a background import and its retries.
    file_key = models.CharField(max_length=200, blank=True)
    # Progress of a background import: queued, parsing, posting, done; and the matching counts.
    phase = models.CharField(max_length=16, blank=True)
    summary = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("импорт платежей")

    def __str__(self) -> str:
        return self.filename


class Allocation(models.Model):
    """A payment's share for one payee and service (ПП 354 п.118), posted into that payee's schema."""

    # Checked per statement by triggers, not by foreign keys (migration 0006): a run writes hundreds of thousands.
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations", db_constraint=False)
    # No index of its own: allocation_principal_day_idx (principal_id, allocated_on) serves lookups by principal.
    principal = models.ForeignKey("tenants.Principal", on_delete=models.PROTECT, related_name="+",
                                  db_constraint=False, db_index=False)
    account_number = models.CharField(_("лицевой счёт"), max_length=20)
    service_code = models.CharField(_("услуга"), max_length=32, blank=True, help_text=_("пусто — аванс по счёту"))
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    allocated_on = models.DateField(_("дата распределения"))
    # Indexed only where set (allocation_payout_idx): a run writes its rows with no payout.
    payout = models.ForeignKey("Payout", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations",
                               db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # A reversal (a refund of an allocated payment): a negative row per original allocation, linked to it.
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals",
                                 db_index=False)
    # The key of the agent's ledger transaction that posted this row when it is not ``allocation:<payment id>``
    # (a bulk allocation run's ``allocations:<first>-<last>:p<principal>``, a reversal's own key): the
    # reconciliation compares each transaction with the rows it covers.
    ledger_key = models.CharField(max_length=160, null=True, blank=True)

    class Meta:
        verbose_name = _("распределение платежа")
        constraints = [
            models.UniqueConstraint(fields=["payment", "principal", "service_code"],
                                    condition=Q(reverses__isnull=True), name="allocation_unique"),
            models.CheckConstraint(condition=~Q(amount=0), name="allocation_amount_not_zero"),
            # one reversal row per original and reversal; a reversal gives money back, never adds it
            models.UniqueConstraint(fields=["reverses", "ledger_key"], condition=Q(reverses__isnull=False),
                                    name="allocation_reversal_unique"),
            models.CheckConstraint(condition=Q(reverses__isnull=True) | (Q(amount__lt=0) & Q(ledger_key__isnull=False)),
                                   name="allocation_reversal_negative"),
        ]
        indexes = [
            models.Index(fields=["principal", "allocated_on"], name="allocation_principal_day_idx"),
            # what the next payout build picks up: the allocations not yet in a payout
            models.Index(fields=["allocated_on"], condition=Q(payout__isnull=True), name="allocation_unpaid_idx"),
            # a payout's allocations (register, reconciliation, the payout's PROTECT check); the NULLs stay out
            models.Index(fields=["payout"], condition=Q(payout__isnull=False), name="allocation_payout_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.principal_id} {self.amount}"


class PayoutStatus(models.TextChoices):
    CREATED = "created", _("сформировано")
    APPROVED = "approved", _("утверждено")
    EXPORTED = "exported", _("выгружено в банк")
    CONFIRMED = "confirmed", _("подтверждено выпиской")


class Payout(models.Model):
    """One principal's transfer for one working day: the allocations minus the agent's fee."""

    principal = models.ForeignKey("tenants.Principal", on_delete=models.PROTECT, related_name="+")
    business_day = models.DateField(_("рабочий день"))
    covers_from = models.DateField(_("поступления с"))
    covers_to = models.DateField(_("поступления по"))
    gross = models.DecimalField(_("собрано"), max_digits=16, decimal_places=2)
    fee = models.DecimalField(_("вознаграждение агента"), max_digits=16, decimal_places=2)
    net = models.DecimalField(_("к перечислению"), max_digits=16, decimal_places=2)
    status = models.CharField(max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.CREATED)
    order_number = models.PositiveIntegerField(_("номер платёжного поручения"), null=True, blank=True)
    # Who built it: empty when the 07:00 schedule did (no human). Four eyes: whoever built a payout never approves it.
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set at export (payments.payouts): the payment order's date, the payee account it was sent to, the 1C
    # file it went out in (shared by the payouts of one export) and the register of the payments it covers.
    order_date = models.DateField(_("дата платёжного поручения"), null=True, blank=True)
    payee_account = models.CharField(_("счёт получателя"), max_length=20, blank=True)
    orders_file_key = models.CharField(max_length=200, blank=True)
    register_xlsx_key = models.CharField(max_length=200, blank=True)
    register_csv_key = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("перечисление принципалу")
        constraints = [
            models.UniqueConstraint(fields=["principal", "business_day"], name="payout_principal_day_unique"),
            models.CheckConstraint(condition=Q(net=models.F("gross") - models.F("fee")), name="payout_net"),
            models.CheckConstraint(condition=Q(fee__gte=0) & Q(net__gte=0), name="payout_not_negative"),
            # payment order numbers run per year: never two orders with one number in a year
            models.UniqueConstraint(ExtractYear("order_date"), "order_number", name="payout_order_number_year_unique"),
            models.CheckConstraint(condition=Q(order_number__isnull=True) | Q(order_date__isnull=False),
                                   name="payout_order_number_dated"),
            models.CheckConstraint(condition=Q(built_by__isnull=True) | Q(approved_by__isnull=True)
                                   | ~Q(approved_by=models.F("built_by")), name="payout_four_eyes"),
        ]

    def __str__(self) -> str:
        return f"{self.principal_id} {self.business_day} {self.net}"


class PayoutRun(models.Model):
    """One working day's payout build: recorded once, so building the day again changes nothing."""

    business_day = models.DateField(_("рабочий день"), unique=True)
    covers_from = models.DateField(_("поступления с"))
    covers_to = models.DateField(_("поступления по"))
    payouts_count = models.PositiveIntegerField(default=0)
    gross = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    fee = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    net = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # principals left out and why (no contract in force, weekly schedule, nothing or a negative sum collected)
    skipped = models.JSONField(default=list)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("формирование перечислений за день")

    def __str__(self) -> str:
        return f"{self.business_day}: {self.payouts_count}"


class EventStatus(models.TextChoices):
    RECEIVED = "received", _("получено")
    PROCESSED = "processed", _("обработано")
    IGNORED = "ignored", _("не требует обработки")
    FAILED = "failed", _("ошибка")


class GatewayEvent(models.Model):
    """A payment gateway's webhook event, stored under its id: handled once however often it arrives."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=EventStatus.choices, default=EventStatus.RECEIVED)
    error = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("событие платёжного шлюза")
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="gatewayevent_unique")]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"


class IntentStatus(models.TextChoices):
    CREATED = "created", _("создан")
    SUCCEEDED = "succeeded", _("оплачен")
    FAILED = "failed", _("не оплачен")
    REFUNDED = "refunded", _("возвращён")
    PARTIALLY_REFUNDED = "partially_refunded", _("возвращён частично")


class OnlinePayment(models.Model):
    """A resident's card payment through a gateway (Stripe today), from intent to payment and refunds."""

    gateway = models.CharField(max_length=20)
    intent_id = models.CharField(max_length=120)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unified_account = models.ForeignKey("registry.UnifiedAccount", on_delete=models.PROTECT, related_name="+")
    epd = models.ForeignKey("documents.Epd", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    status = models.CharField(max_length=20, choices=IntentStatus.choices, default=IntentStatus.CREATED)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="online")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("онлайн-оплата")
        constraints = [
            models.UniqueConstraint(fields=["gateway", "intent_id"], name="onlinepayment_intent_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="onlinepayment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded__gte=0) & Q(refunded__lte=models.F("amount")),
                                   name="onlinepayment_refund_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.intent_id}"


class CashShift(models.Model):
    """An operator's shift at the agent's cash desk; closing it fixes the shift's count and total."""

    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    desk = models.CharField(_("касса"), max_length=40)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    receipts_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("кассовая смена")
        constraints = [
            models.UniqueConstraint(fields=["operator", "desk"], condition=Q(closed_at__isnull=True),
                                    name="cashshift_one_open_per_operator_desk"),
        ]

    def __str__(self) -> str:
        return f"{self.desk} {self.opened_at:%d.%m.%Y}"
