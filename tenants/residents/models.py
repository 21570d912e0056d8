from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResidentLink(models.Model):
    """A resident's proven tie to a household's ЕЛС. Only linked households are ever shown to them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident_links")
    unified_account = models.ForeignKey("registry.UnifiedAccount", on_delete=models.CASCADE, related_name="+")
    # The resident asked for the monthly ЕПД by e-mail (to the user's address).
    e_receipts = models.BooleanField(_("ЕПД по e-mail"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("привязка ЕЛС к жителю")
        constraints = [models.UniqueConstraint(fields=["user", "unified_account"], name="resident_link_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.unified_account_id}"


class ChangeRequestKind(models.TextChoices):
    PERSONS = "persons", _("Число проживающих")
    PAYER_NAME = "payer_name", _("ФИО плательщика")
    OTHER = "other", _("Другое")


class ChangeRequestStatus(models.TextChoices):
    NEW = "new", _("Новая")
    ACCEPTED = "accepted", _("Принята")
    REJECTED = "rejected", _("Отклонена")


class AccountChangeRequest(models.Model):
    """A resident's request to change a principal's personal account of their household (public schema).

    The principal's staff accept or reject it; accepting a persons or payer-name request writes the change
    into the principal's schema in the same transaction.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unified_account = models.ForeignKey("registry.UnifiedAccount", on_delete=models.CASCADE, related_name="+")
    principal = models.ForeignKey("tenants.Principal", on_delete=models.CASCADE, related_name="+")
    account_number = models.CharField(_("лицевой счёт"), max_length=20)
    kind = models.CharField(_("что изменить"), max_length=16, choices=ChangeRequestKind.choices)
    persons = models.PositiveSmallIntegerField(_("проживает, чел."), null=True, blank=True)
    payer_name = models.CharField(_("плательщик"), max_length=200, blank=True)
    comment = models.TextField(_("комментарий"), max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.NEW)
    answer = models.TextField(_("ответ"), max_length=2000, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("заявка на изменение лицевого счёта")
        indexes = [
            models.Index(fields=["principal", "status", "-created_at"], name="changereq_principal_idx"),
            models.Index(fields=["user", "-created_at"], name="changereq_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(kind="persons") | models.Q(persons__isnull=False),
                                   name="changereq_persons_given"),
            models.CheckConstraint(condition=~models.Q(kind="payer_name") | ~models.Q(payer_name=""),
                                   name="changereq_payer_name_given"),
            models.CheckConstraint(condition=models.Q(status="new") | models.Q(resolved_at__isnull=False),
                                   name="changereq_resolved_at"),
        ]

    def __str__(self) -> str:
        return f"{self.principal_id}/{self.account_number}: {self.kind} ({self.status})"
