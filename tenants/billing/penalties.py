"""A personal account's penalty statement (ЖК РФ ст.155 ч.14): the day-by-day table a court would see."""

from datetime import date

from django.db.models import Sum

from billing_core.penalties import Payment, PenaltyStatement, PeriodDebt, calculate_penalties
from regulations.selectors import payment_deadlines, payment_due_date, penalty_rules_load
from tenants.billing.models import Balance, PersonalAccount
from tenants.workspace.models import WorkspaceSettings


def penalty_statement(*, account: PersonalAccount, as_of: date) -> PenaltyStatement:
    """Each period's own amount (its charges and recalculations less benefits, or the debt imported from the
    previous system) is a debt due by the deadline in force for it; penalties never enter the base.

    Until payment intake lands with real dates, a period's ``paid`` counts as paid on the period's first day
    (the payer's side of the doubt [check]), oldest debt first.
    """
    rows = (
        Balance.objects.filter(account=account, period__month__lte=as_of)
        .values("period__month", "period__opening_import")
        .annotate(opening=Sum("opening"), charged=Sum("charged"), recalculated=Sum("recalculated"),
                  benefits=Sum("benefits"), paid=Sum("paid"))
        .order_by("period__month")
    )
    deadlines = payment_deadlines()
    debts, payments = [], []
    for row in rows:
        month = row["period__month"]
        amount = (row["opening"] if row["period__opening_import"]
                  else row["charged"] + row["recalculated"] - row["benefits"])
        if amount > 0:
            due = payment_due_date(month=month, deadlines=deadlines)
            debts.append(PeriodDebt(period=month, amount=amount, due_date=due))
        if row["paid"] > 0:
            payments.append(Payment(paid_on=month, amount=row["paid"]))
    settings = WorkspaceSettings.current()
    return calculate_penalties(
        debts=debts, payments=payments, calculation_date=as_of,
        rules=penalty_rules_load(disputed_moratoria=settings.penalties_apply_disputed_moratoria),
    )
