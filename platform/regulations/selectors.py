"""Rule tables read from the database into billing_core's types."""

from datetime import date, timedelta

from django.db.models import F

from billing_core.rules import Confidence, DatedTable, Moratorium, PenaltyRules
from regulations.models import KeyRate, PaymentDeadline, PenaltyMoratorium, PenaltyRateCap


def penalty_rules_load(*, disputed_moratoria: bool = True) -> PenaltyRules:
    """Three queries; ``disputed_moratoria=False`` leaves out the moratoria marked ``check``."""
    moratoria = PenaltyMoratorium.objects.all()
    if not disputed_moratoria:
        moratoria = moratoria.exclude(confidence=Confidence.CHECK)
    return PenaltyRules(
        key_rates=DatedTable.from_rows(
            "Ключевая ставка Банка России",
            KeyRate.objects.values("valid_from", "source", "confidence", value=F("rate")),
        ),
        rate_caps=DatedTable.from_rows(
            "Ограничение ставки для пеней",
            PenaltyRateCap.objects.values("valid_from", "source", "confidence", value=F("cap")),
            default=None,
        ),
        moratoria=DatedTable.from_rows(
            "Мораторий на начисление пеней",
            [
                {"valid_from": m.valid_from, "source": m.source, "confidence": m.confidence,
                 "value": Moratorium(m.label, debts_due_before=m.debts_due_before) if m.label else None}
                for m in moratoria
            ],
            default=None,
        ),
    )


def payment_due_date(*, month: date) -> date:
    """The last day to pay ``month``'s charges: the rule in force at the start of the next month."""
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    rule = PaymentDeadline.objects.filter(valid_from__lte=next_month).order_by("-valid_from").first()
    due_day = rule.due_day if rule else 10
    return next_month.replace(day=due_day)
