"""A double-entry ledger, installed twice: in public (the agent's money) and in every principal's schema
(the principal's receivable and what the agent owes it).

A transaction is a header and its legs; the legs of one transaction sum to zero, which the database
checks (migration 0002: a statement trigger over the inserted legs). Nothing is ever updated or deleted:
a correction is a reversing transaction, at most one per original. Amounts are signed: a debit is
positive, a credit negative.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    ASSET = "asset", _("актив")
    LIABILITY = "liability", _("обязательство")
    INCOME = "income", _("доход")
    EXPENSE = "expense", _("расход")
    EQUITY = "equity", _("капитал")


class LedgerAccount(models.Model):
    code = models.CharField(_("код счёта"), max_length=80, unique=True)
    name = models.CharField(_("наименование"), max_length=200)
    kind = models.CharField(_("вид"), max_length=16, choices=AccountKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("счёт регистра")
        verbose_name_plural = _("счета регистра")

    def __str__(self) -> str:
        return self.code


class LedgerTransaction(models.Model):
    kind = models.CharField(_("вид операции"), max_length=32)
    # Idempotency: the same business event (a payment's id, a webhook's event id, a payout's id) posts once.
    key = models.CharField(max_length=160, unique=True)
    memo = models.CharField(_("содержание"), max_length=500, blank=True)
    occurred_on = models.DateField(_("дата операции"))
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by",
        help_text=_("сторнируемая операция"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("операция регистра")
        verbose_name_plural = _("операции регистра")
        indexes = [models.Index(fields=["kind", "occurred_on"], name="ledgertx_kind_date_idx")]

    def __str__(self) -> str:
        return self.key


class LedgerLeg(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="legs")
    amount = models.DecimalField(_("сумма (дебет +, кредит −)"), max_digits=16, decimal_places=2)
    # A sub-ledger reference inside the account: e.g. "pa:123" (a personal account), "payment:456".
    ref = models.CharField(max_length=80, blank=True)

    class Meta:
        verbose_name = _("проводка")
        verbose_name_plural = _("проводки")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledgerleg_amount_not_zero")]
        indexes = [models.Index(fields=["account", "ref"], name="ledgerleg_account_ref_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"
