"""Consolidated payment documents (ЕПД), kept in the public schema.

A run (``EpdRun``) assembles one document per unified account (ЕЛС) for a month from every
principal's schema. A document's ``content`` is the whole printable document (the 43/пр sections,
every payee's block with its lines); ``EpdPayee`` repeats each payee's block as its own row so a
principal can be shown its block, and only its block. Documents are versioned: assembling again
after a recalculation writes a new version and keeps the old one; assembling again with nothing
changed writes nothing (``content_sha256``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    PENDING = "pending", _("ожидает")
    GATHERING = "gathering", _("сбор данных принципалов")
    ASSEMBLING = "assembling", _("сборка")
    RENDERING = "rendering", _("формирование PDF")
    DELIVERING = "delivering", _("рассылка")
    DONE = "done", _("завершён")
    FAILED = "failed", _("ошибка")


class EpdRun(models.Model):
    month = models.DateField(_("период"))
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    principals_total = models.PositiveIntegerField(default=0)
    principals_done = models.PositiveIntegerField(default=0)
    documents_total = models.PositiveIntegerField(_("документов в периоде"), default=0)
    documents_written = models.PositiveIntegerField(_("новых версий"), default=0)
    documents_rendered = models.PositiveIntegerField(default=0)
    issues_count = models.PositiveIntegerField(_("замечаний"), default=0)
    error = models.TextField(blank=True)
    # Issue periods that are calculated but not yet posted (a proof run, or documents sent before closing).
    include_unposted = models.BooleanField(_("включать непроведённые периоды"), default=False)
    # A reissue of one household: the run gathers and assembles only this ЕЛС.
    unified_account = models.ForeignKey(
        "registry.UnifiedAccount", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("формирование ЕПД")
        indexes = [models.Index(fields=["month", "-created_at"], name="epdrun_month_idx")]

    def __str__(self) -> str:
        return f"ЕПД {self.month:%m.%Y} #{self.pk}"


class RunIssue(models.Model):
    """Something the run could not put on a document: named by account, the run goes on with the rest."""

    run = models.ForeignKey(EpdRun, on_delete=models.CASCADE, related_name="issues")
    principal = models.ForeignKey("tenants.Principal", on_delete=models.CASCADE, null=True, related_name="+")
    unified_account = models.ForeignKey(
        "registry.UnifiedAccount", on_delete=models.CASCADE, null=True, related_name="+"
    )
    account_number = models.CharField(max_length=20, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("замечание формирования ЕПД")
        indexes = [models.Index(fields=["run", "code"], name="epdissue_run_code_idx")]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Epd(models.Model):
    run = models.ForeignKey(EpdRun, on_delete=models.PROTECT, related_name="documents")
    unified_account = models.ForeignKey("registry.UnifiedAccount", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("период"))
    version = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    ipd = models.CharField(_("ИПД"), max_length=40, unique=True)
    payer_name = models.CharField(_("плательщик"), max_length=200)
    address = models.CharField(_("адрес"), max_length=400)
    house = models.ForeignKey("registry.House", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("оплатить до"))
    total_due = models.DecimalField(_("итого к оплате"), max_digits=14, decimal_places=2)
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    # Storage key of the PDF: random, never derived from the account or the principal.
    pdf_key = models.CharField(max_length=200, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("единый платёжный документ")
        verbose_name_plural = _("единые платёжные документы")
        constraints = [
            models.UniqueConstraint(fields=["unified_account", "month", "version"], name="epd_version_unique"),
            models.UniqueConstraint(
                fields=["unified_account", "month"], condition=Q(is_current=True), name="epd_one_current"
            ),
            models.CheckConstraint(condition=Q(total_due__gte=0), name="epd_total_due_not_negative"),
        ]
        indexes = [
            models.Index(fields=["month", "house"], name="epd_month_house_idx"),
            models.Index(fields=["run"], name="epd_run_idx"),
            # the render step's queue: documents still without their PDF
            models.Index(fields=["month"], condition=Q(pdf_key=""), name="epd_unrendered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ipd} v{self.version}"


class EpdPayee(models.Model):
    """One principal's block of one document version: what that principal may see of it."""

    epd = models.ForeignKey(Epd, on_delete=models.CASCADE, related_name="payees")
    principal = models.ForeignKey("tenants.Principal", on_delete=models.PROTECT, related_name="+")
    account_number = models.CharField(_("лицевой счёт"), max_length=20)
    amount_due = models.DecimalField(_("к оплате"), max_digits=14, decimal_places=2)
    closing = models.DecimalField(_("долг (+) / аванс (−)"), max_digits=14, decimal_places=2)
    block = models.JSONField()

    class Meta:
        verbose_name = _("получатель в ЕПД")
        constraints = [models.UniqueConstraint(fields=["epd", "principal"], name="epdpayee_unique")]
        indexes = [models.Index(fields=["principal", "account_number"], name="epdpayee_principal_acc_idx")]

    def __str__(self) -> str:
        return f"{self.epd_id}/{self.principal_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("ожидает")
    SENT = "sent", _("отправлено")
    FAILED = "failed", _("ошибка")


class EpdDelivery(models.Model):
    """An e-mail of one document version to one subscribed resident; failures are kept with their reason."""

    epd = models.ForeignKey(Epd, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("отправка ЕПД")
        constraints = [models.UniqueConstraint(fields=["epd", "user"], name="epddelivery_unique")]
        indexes = [models.Index(fields=["status"], name="epddelivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.epd_id} → {self.email}: {self.status}"



class EpdStaging(models.Model):
    """One payee block gathered from a principal's schema for a run: (run, ЕЛС, principal).

    Working rows only: the table is UNLOGGED (see the migration) and is emptied when the run's
    assembly is done. A crash of the server empties it together with ``EpdGathered``, so the run
    gathers again exactly the principals it lost. No foreign keys: written and read set-based.
    """

    run_id = models.BigIntegerField()
    principal_id = models.BigIntegerField()
    unified_account_id = models.BigIntegerField()
    account_number = models.CharField(max_length=20)
    persons = models.IntegerField(null=True)
    opening = models.DecimalField(max_digits=14, decimal_places=2)
    paid = models.DecimalField(max_digits=14, decimal_places=2)
    charged = models.DecimalField(max_digits=14, decimal_places=2)
    recalculated = models.DecimalField(max_digits=14, decimal_places=2)
    benefits = models.DecimalField(max_digits=14, decimal_places=2)
    penalties = models.DecimalField(max_digits=14, decimal_places=2)
    closing = models.DecimalField(max_digits=14, decimal_places=2)
    block = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run_id", "unified_account_id", "principal_id"],
                                    name="epdstaging_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.unified_account_id}/{self.principal_id}"


class EpdGathered(models.Model):
    """A principal whose blocks for a run are in ``EpdStaging`` (UNLOGGED like it, so both vanish together)."""

    run_id = models.BigIntegerField()
    principal_id = models.BigIntegerField()
    blocks = models.PositiveIntegerField(default=0)
    gathered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run_id", "principal_id"], name="epdgathered_unique")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.principal_id}: {self.blocks}"


class EpdAssemblySlice(models.Model):
    """One of a run's disjoint ЕЛС id ranges (lo, hi], assembled chunk by chunk by one worker.

    ``through`` is the resume point: ЕЛС ids up to it are written (each chunk commits with it).
    """

    run = models.ForeignKey(EpdRun, on_delete=models.CASCADE, related_name="slices")
    index = models.PositiveSmallIntegerField()
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    through = models.BigIntegerField()
    written = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="epdslice_unique")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.index}: ({self.lo}, {self.hi}] at {self.through}"

    @property
    def done(self) -> bool:
        return self.through >= self.hi
