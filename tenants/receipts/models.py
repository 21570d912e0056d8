"""Money received on the principal's accounts (its own schema): the agent's allocations and the
principal's own receipts (cash or bank payments it collected directly).

The charge run reads these into the balances' ``paid`` column and marks each receipt with the period that
counts it (``counted_in``): a period counts every receipt dated up to its end that no earlier period counted,
so a payment that arrives after its month was posted counts in the next period, never twice and never lost.
A posted period never changes. ``tenants.billing.balances`` adds the receipts not counted yet to the closing
of the last posted period: the balance as it stands now.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReceiptSource(models.TextChoices):
    AGENT = "agent", _("Через агента")
    OWN = "own", _("Собственные поступления принципала")
    # money recovered by enforcement of a court decision (the bailiffs, the debtor's employer or bank)
    ENFORCEMENT = "enforcement", _("Взыскано в порядке исполнения")


class Receipt(models.Model):
    # Checked per statement by triggers, not by foreign keys (migration 0002): an allocation run writes
    # hundreds of thousands of receipts.
    account = models.ForeignKey("billing.PersonalAccount", on_delete=models.PROTECT, related_name="receipts",
                                db_constraint=False)
    service = models.ForeignKey(
        "billing.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("пусто — аванс по лицевому счёту без услуги"), db_constraint=False,
    )
    amount = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("дата оплаты"))
    source = models.CharField(max_length=12, choices=ReceiptSource.choices)
    # The agent's allocation (public payments_allocation.id): posted once however often it is sent.
    allocation_id = models.BigIntegerField(null=True, blank=True, unique=True)
    # The principal's own receipts: its own document number (with the date), once.
    external_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    comment = models.CharField(max_length=300, blank=True)
    # The period whose balances count this receipt in ``paid`` (set by the charge run, cleared when a draft is
    # recomputed); null: not counted yet, so it still lowers the current balance (``tenants.billing.balances``).
    # No database constraint: a deleted draft period leaves an id no period has, which reads as "not counted".
    counted_in = models.ForeignKey("billing.BillingPeriod", on_delete=models.DO_NOTHING, null=True, blank=True,
                                   related_name="+", db_constraint=False, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("поступление")
        verbose_name_plural = _("поступления")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="receipt_amount_not_zero"),
            models.CheckConstraint(
                condition=(Q(source="agent") & Q(allocation_id__isnull=False) & Q(external_key__isnull=True))
                | (Q(source__in=["own", "enforcement"]) & Q(allocation_id__isnull=True)
                   & Q(external_key__isnull=False)),
                name="receipt_identity_by_source",
            ),
        ]
        indexes = [
            models.Index(fields=["paid_on", "account"], name="receipt_day_account_idx"),
            # the current balance reads the receipts not counted yet (null, or a draft's), per account
            models.Index(fields=["counted_in", "account"], name="receipt_counted_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount} {self.paid_on}"
