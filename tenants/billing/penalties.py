"""A personal account's penalty statement (ЖК РФ ст.155 ч.14): the day-by-day table a court would see."""

from datetime import date

from django.db.models import Sum

from billing_core.penalties import PenaltyStatement, PeriodDebt, calculate_penalties
from regulations.selectors import payment_deadlines, payment_due_date, penalty_rules_load
from tenants.billing.models import Balance, PersonalAccount
from tenants.workspace.models import WorkspaceSettings


def penalty_statement(*, account: PersonalAccount, as_of: date) -> PenaltyStatement:
    """Each period's own amount (its charges and recalculations, or the debt imported from the previous
    system) is a debt due by the deadline in force for it; penalties never enter the base.

    Payments join when payment intake lands: until then every period counts as unpaid.
    """
    rows = (
        Balance.objects.filter(account=account, period__month__lte=as_of)
        .values("period__month", "period__opening_import")
        .annotate(opening=Sum("opening"), charged=Sum("charged"), recalculated=Sum("recalculated"))
        .order_by("period__month")
    )
    deadlines = payment_deadlines()
    debts = []
    for row in rows:
        amount = row["opening"] if row["period__opening_import"] else row["charged"] + row["recalculated"]
        if amount > 0:
            month = row["period__month"]
            due = payment_due_date(month=month, deadlines=deadlines)
            debts.append(PeriodDebt(period=month, amount=amount, due_date=due))
    settings = WorkspaceSettings.current()
    return calculate_penalties(
        debts=debts, payments=(), calculation_date=as_of,
        rules=penalty_rules_load(disputed_moratoria=settings.penalties_apply_disputed_moratoria),
    )
