"""A personal account's penalty statement (ЖК РФ ст.155 ч.14): the day-by-day table a court would see."""

from datetime import date

from django.conf import settings as django_settings
from django.db.models import Sum

from billing_core.penalties import PenaltyStatement, PeriodDebt, calculate_penalties, payments_net
from tenants.billing.models import Balance, PersonalAccount, Recalculation, RecalculationReason
from tenants.receipts.models import Receipt
from tenants.regulations.selectors import payment_deadlines, payment_due_date, penalty_rules_load
from tenants.workspace.models import WorkspaceSettings


def penalty_statement(*, account: PersonalAccount, as_of: date) -> PenaltyStatement:
    """Each period's own amount (its charges and recalculations less benefits, or the debt imported from the
    previous system) is a debt due by the deadline in force for it; penalties never enter the base.

    Payments are the money received on the account (``tenants.receipts``: the agent's allocations and the
    principal's own receipts, with or without a service), each reducing the debt from its own ``paid_on``,
    oldest debt first; a reversal cancels the payments before it (``payments_net``). Whether the payment day
    accrues is the principal's setting; the statement carries it and the age of the rule tables.
    """
    rows = (
        Balance.objects.filter(account=account, period__month__lte=as_of)
        .values("period__month", "period__opening_import")
        .annotate(opening=Sum("opening"), charged=Sum("charged"), recalculated=Sum("recalculated"),
                  benefits=Sum("benefits"))
        .order_by("period__month")
    )
    # penalties written off under an amnesty are booked as recalculations; they are not a period's own amount
    written_off = dict(
        Recalculation.objects.filter(account=account, reason=RecalculationReason.PENALTY_AMNESTY,
                                     period__month__lte=as_of)
        .values_list("period__month").annotate(total=Sum("amount")).values_list("period__month", "total"))
    deadlines = payment_deadlines()
    debts = []
    for row in rows:
        month = row["period__month"]
        amount = (row["opening"] if row["period__opening_import"]
                  else row["charged"] + row["recalculated"] - written_off.get(month, 0) - row["benefits"])
        if amount > 0:
            due = payment_due_date(month=month, deadlines=deadlines)
            debts.append(PeriodDebt(period=month, amount=amount, due_date=due))
    receipts = (Receipt.objects.filter(account=account, paid_on__lte=as_of)
                .values("paid_on").annotate(total=Sum("amount")).values_list("paid_on", "total"))
    settings = WorkspaceSettings.current()
    return calculate_penalties(
        debts=debts, payments=payments_net(receipts), calculation_date=as_of,
        rules=penalty_rules_load(disputed_moratoria=settings.penalties_apply_disputed_moratoria),
        payment_day_accrues=settings.penalty_payment_day_accrues,
        stale_days=django_settings.RULES_STALE_DAYS,
    )
