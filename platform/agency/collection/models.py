"""Collection campaigns (public schema): the agent's rules that pick debtors across principals, and their runs.

A campaign names its principals (none: every active principal) and the rules that pick debtors from each
principal's register (``tenants.collection`` Debtor/DebtorLine); its actions are done in each principal's schema by
``agency.collection.runner``. A run is once per campaign and month (a unique constraint): a rerun of the same month
resumes the run and repairs what is missing, never acts twice on an account.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CampaignAction(models.TextChoices):
    EPD_WARNING = "epd_warning", _("Предупреждение в ЕПД")
    LETTER_WARNING = "letter_warning", _("Предупреждение заказным письмом")
    SMS = "sms", _("SMS-напоминание")
    EMAIL = "email", _("Напоминание по e-mail")
    CALL_LIST = "call_list", _("Список для обзвона")
    CLAIM = "claim", _("Претензия и судебная работа")
    AMNESTY = "amnesty", _("Амнистия пеней")


class CampaignSchedule(models.TextChoices):
    ON_DEMAND = "on_demand", _("По запросу")
    MONTHLY = "monthly", _("Ежемесячно")


class Campaign(models.Model):
    """Rules that pick debtors in each principal's register, and what to do with them."""

    name = models.CharField(_("название"), max_length=200)
    description = models.TextField(_("описание"), blank=True)
    # none: every active principal at the time of the run
    principals = models.ManyToManyField("tenants.Principal", blank=True, related_name="+",
                                        verbose_name=_("принципалы"))
    min_debt = models.DecimalField(_("долг не меньше"), max_digits=14, decimal_places=2, default=0)
    min_months = models.PositiveSmallIntegerField(_("месяцев долга не меньше"), default=0)
    min_months_of_norm = models.DecimalField(_("долг в месячных начислениях по нормативу не меньше"),
                                             max_digits=10, decimal_places=2, null=True, blank=True)
    threshold_only = models.BooleanField(_("только превысившие порог п.118 ПП 354"), default=False)
    house_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("дома"))
    service_kinds = ArrayField(models.CharField(max_length=32), default=list, blank=True,
                               verbose_name=_("виды услуг"))
    stages = ArrayField(models.CharField(max_length=16), default=list, blank=True, verbose_name=_("стадии"))
    exclude_kept_agreement = models.BooleanField(_("кроме исполняющих соглашение"), default=True)
    actions = ArrayField(models.CharField(max_length=16, choices=CampaignAction.choices), default=list,
                         verbose_name=_("действия"))
    amnesty_pay_by = models.DateField(_("амнистия: оплатить основной долг до"), null=True, blank=True)
    schedule = models.CharField(_("запуск"), max_length=12, choices=CampaignSchedule.choices,
                                default=CampaignSchedule.ON_DEMAND)
    run_day = models.PositiveSmallIntegerField(_("день месяца запуска"), null=True, blank=True)
    active = models.BooleanField(_("действует"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("кампания по работе с задолженностью")
        verbose_name_plural = _("кампании по работе с задолженностью")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(run_day__isnull=True) | Q(run_day__gte=1, run_day__lte=28),
                                   name="campaign_run_day_range"),
            models.CheckConstraint(condition=~Q(schedule="monthly") | Q(run_day__isnull=False),
                                   name="campaign_monthly_has_day"),
            models.CheckConstraint(condition=Q(min_debt__gte=0), name="campaign_min_debt_nonnegative"),
        ]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("В очереди")
    RUNNING = "running", _("Выполняется")
    DONE = "done", _("Выполнена")
    FAILED = "failed", _("Ошибка")


class CampaignRun(models.Model):
    """One month's run of a campaign.

    ``stats``: ``{"principals": {schema_name: {"done": true, "selected": n, "warned": n, "reminded": {...},
    "call_list": n, "letters": n, "claims": n, "claims_refused": {code: n}, "amnesty": n, "notes": [...]}},
    "totals": {...}}`` — a principal marked done is skipped by a rerun; ``files``: the stored file keys
    (call lists, letter batches) as ``[{"schema": ..., "kind": ..., "key": ..., "name": ...}]``.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="runs")
    month = models.DateField(_("месяц"))  # the first day
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    files = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("запуск кампании")
        verbose_name_plural = _("запуски кампаний")
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month"], name="campaign_run_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="campaign_run_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.month:%m.%Y} ({self.status})"
