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


def payment_deadlines() -> DatedTable[int]:
    """ЖК РФ ст.155 ч.1: the due day of the next month, as a dated table (one query)."""
    return DatedTable.from_rows(
        "Срок оплаты ЖКУ", PaymentDeadline.objects.values("valid_from", "source", "confidence", value=F("due_day"))
    )


def payment_due_date(*, month: date, deadlines: DatedTable[int] | None = None) -> date:
    """The last day to pay ``month``'s charges: the rule in force at the start of the next month.

    Pass ``deadlines`` when computing many months, so the table is read once.
    """
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    table = deadlines if deadlines is not None else payment_deadlines()
    return next_month.replace(day=table.value_on(next_month))
