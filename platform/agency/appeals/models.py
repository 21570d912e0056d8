"""Appeals (обращения): a resident or a caller writes to the agent or to one principal; staff answer.

Appeals live in the public schema: a resident's appeals to several principals are one list in the
cabinet, and each principal's staff read theirs filtered by the principal's id, never another's.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The number's counter: a PostgreSQL sequence (migration 0001), so two appeals never share a number and
# no row is locked to find the next one.
NUMBER_SEQUENCE = "appeals_appeal_number_seq"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Открыто")
    ANSWERED = "answered", _("Дан ответ")
    CLOSED = "closed", _("Закрыто")


class Appeal(models.Model):
    number = models.CharField(_("номер"), max_length=20, unique=True)
    subject = models.CharField(_("тема"), max_length=200)
    status = models.CharField(_("состояние"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    # null: addressed to the agent itself
    principal = models.ForeignKey("tenants.Principal", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("адресат"))
    # the resident whose appeal it is (notified of answers); null when staff registered a caller's appeal
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="appeals")
    unified_account = models.ForeignKey("registry.UnifiedAccount", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("ЕЛС"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    author_name = models.CharField(_("автор"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        indexes = [
            models.Index(fields=["principal", "status"], name="appeal_principal_status"),
            models.Index(fields=["resident"], name="appeal_resident", condition=Q(resident__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.subject}"


class AppealMessage(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    author_name = models.CharField(_("автор"), max_length=200)
    from_staff = models.BooleanField(_("ответ сотрудника"), default=False)
    text = models.TextField(_("текст"))
    created_at = models.DateTimeField(auto_now_add=True)
    # set once the resident was told of this staff answer: a second run of the task sends nothing
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("сообщение обращения")
        indexes = [models.Index(fields=["appeal", "created_at"], name="appeal_message_time")]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.author_name}"
