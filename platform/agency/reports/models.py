"""Report jobs: one requested export, built in the background into an XLSX file in object storage."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Лицевые счета")
    TURNOVER = "turnover", _("Оборотно-сальдовая ведомость")
    PAYMENTS = "payments", _("Поступления")
    DEBTORS = "debtors", _("Должники")
    # debt collection (issue 15): the writer makes one sheet per file, so one kind per table
    COLLECTION_RATES = "collection_rates", _("Собираемость платежей")
    COLLECTION_BY_HOUSE = "collection_house", _("Собираемость платежей по домам")
    DEBT_BY_AGE = "debt_age", _("Задолженность по возрасту")
    DEBTOR_REGISTER = "debtor_register", _("Реестр должников")


class ReportDelivery(models.TextChoices):
    DOWNLOAD = "download", _("Скачать")
    EMAIL = "email", _("По e-mail")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("В очереди")
    RUNNING = "running", _("Формируется")
    DONE = "done", _("Готов")
    FAILED = "failed", _("Ошибка")


class ReportJob(models.Model):
    # whose data: the task reads this principal's schema, named here and nowhere else; null — the agent's own
    principal = models.ForeignKey("tenants.Principal", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    requested_by_key = models.ForeignKey("identity.ApiKey", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    params = models.JSONField(default=dict, blank=True)  # {"month": "2026-10-01", "search": "..."}
    delivery = models.CharField(max_length=16, choices=ReportDelivery.choices, default=ReportDelivery.DOWNLOAD)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    storage_key = models.CharField(max_length=200, blank=True)
    filename = models.CharField(max_length=150, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("задание на отчёт")
        verbose_name_plural = _("задания на отчёты")
        indexes = [
            models.Index(fields=["principal", "requested_by", "-created_at"], name="report_job_owner"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(requested_by__isnull=True) | Q(requested_by_key__isnull=True),
                                   name="report_job_one_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
