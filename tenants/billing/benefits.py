"""Benefits (льготы): the catalogue, accounts' dated grants, and the period's benefit amounts in one statement.

``benefits_apply`` runs after the charge run, in its transaction: for every account and service
with a charge it computes ``billing_core.benefits.benefit_amount`` in SQL (the same exact
fraction per grant, summed, rounded once half up, never above the charge), writes it into
``billing_balance.benefits`` and lowers ``closing`` by it. Rerunning it gives the same numbers: the
closing is recomputed from its parts, never adjusted by a difference.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing_core.error_codes import ErrorCode
from billing_core.periods import month_bounds
from tenants.billing.models import (
    AccountBenefit,
    BenefitCategory,
    BillingPeriod,
    PeriodStatus,
    PersonalAccount,
    Service,
)
from tenants.models import ServiceKind

BENEFIT_OVERLAP_CONSTRAINT = "account_benefit_no_overlap"

BENEFITS_SQL = """
WITH
persons AS (
    -- the persons the charge run counts: living, else registered, on the period's last day
    SELECT DISTINCT ON (o.account_id) o.account_id, COALESCE(NULLIF(o.living, 0), o.registered) AS n
    FROM billing_occupancy o
    WHERE o.valid_from <= %(end)s AND (o.valid_to IS NULL OR o.valid_to >= %(end)s)
    ORDER BY o.account_id, o.valid_from DESC
),
grant_days AS (
    SELECT ab.account_id, ab.category_id, ab.beneficiaries, c.percent, c.social_norm_area,
           LEAST(COALESCE(ab.valid_to, %(end)s), %(end)s) - GREATEST(ab.valid_from, %(start)s) + 1 AS days
    FROM billing_accountbenefit ab
    JOIN billing_benefitcategory c ON c.id = ab.category_id
    WHERE c.is_active AND ab.valid_from <= %(end)s AND (ab.valid_to IS NULL OR ab.valid_to >= %(start)s)
),
covered AS (
    SELECT c.id AS category_id, s.id AS service_id
    FROM billing_benefitcategory c JOIN billing_service s ON s.kind = ANY(c.service_kinds)
    UNION
    SELECT cs.benefitcategory_id, cs.service_id FROM billing_benefitcategory_services cs
),
share AS (
    -- each grant's exact fraction of the charge: numerator / denominator, divided once below
    SELECT ch.account_id, ch.service_id, ch.amount AS charge,
           ch.amount * g.percent * g.days * CASE
               WHEN s.tariff_kind = 'per_area' AND g.social_norm_area IS NOT NULL THEN
                   CASE WHEN a.charge_area > 0
                        THEN LEAST(g.social_norm_area * g.beneficiaries, a.charge_area) ELSE 1 END
               WHEN COALESCE(p.n, 0) > 0 THEN LEAST(g.beneficiaries, p.n)
               ELSE 1
           END AS num,
           100 * %(days)s * CASE
               WHEN s.tariff_kind = 'per_area' AND g.social_norm_area IS NOT NULL THEN
                   CASE WHEN a.charge_area > 0 THEN a.charge_area ELSE 1 END
               WHEN COALESCE(p.n, 0) > 0 THEN p.n
               ELSE 1
           END AS den
    FROM billing_charge ch
    JOIN grant_days g ON g.account_id = ch.account_id
    JOIN covered cv ON cv.category_id = g.category_id AND cv.service_id = ch.service_id
    JOIN billing_service s ON s.id = ch.service_id
    JOIN billing_personalaccount a ON a.id = ch.account_id
    LEFT JOIN persons p ON p.account_id = ch.account_id
    WHERE ch.period_id = %(period_id)s AND ch.amount > 0
),
benefit AS (
    SELECT account_id, service_id,
           -- a 30-place divisor makes the quotient carry 30 places: far finer than any half-kopeck tie
           LEAST(ROUND(SUM(num / den::numeric(60, 30)), 2), MIN(charge)) AS amount
    FROM share GROUP BY account_id, service_id
),
target AS (
    SELECT b.id, COALESCE(x.amount, 0) AS amount
    FROM billing_balance b
    LEFT JOIN benefit x ON x.account_id = b.account_id AND x.service_id = b.service_id
    WHERE b.period_id = %(period_id)s
)
UPDATE billing_balance b
SET benefits = t.amount,
    closing = b.opening + b.charged + b.recalculated - t.amount + b.penalties - b.paid
FROM target t
WHERE b.id = t.id AND b.benefits <> t.amount
"""


def _period_refusal(period: BillingPeriod) -> ValidationError | None:
    if period.status == PeriodStatus.POSTED:
        return ValidationError(
            {"month": ValidationError(_("Период проведён; исправления — перерасчётом."), code=ErrorCode.PERIOD_POSTED)}
        )
    if period.status != PeriodStatus.CALCULATED:
        return ValidationError({"month": ValidationError(
            _("Период ещё не рассчитан: сначала расчёт начислений."), code=ErrorCode.PERIOD_NOT_CALCULATED)})
    return None


def locked_draft_period(period: BillingPeriod) -> BillingPeriod:
    """The period, locked, if it is a calculated draft; otherwise a refusal naming why."""
    period = BillingPeriod.objects.select_for_update().get(pk=period.pk)
    refusal = _period_refusal(period)
    if refusal is not None:
        raise refusal
    return period


@transaction.atomic
def benefits_apply(period: BillingPeriod) -> int:
    """Write the period's benefits into its balances; returns the number of balance rows changed."""
    period = locked_draft_period(period)
    start, end, days = month_bounds(period.month)
    with connection.cursor() as cursor:
        cursor.execute(BENEFITS_SQL, {"start": start, "end": end, "days": days, "period_id": period.pk})
        return cursor.rowcount


# --- the catalogue and the accounts' grants ------------------------------------------------------------------


def _required(value, field: str) -> dict:
    if value in (None, ""):
        return {field: ValidationError(_("Обязательное поле."), code=ErrorCode.REQUIRED)}
    return {}


def _percent_error(percent: Decimal | None) -> dict:
    if percent is None or not Decimal(0) < percent <= Decimal(100) or percent != percent.quantize(Decimal("0.01")):
        return {"percent": ValidationError(_("Скидка — больше 0 и не больше 100 %, с точностью до сотых."),
                                           code=ErrorCode.INVALID)}
    return {}


def _coverage_error(service_kinds: list[str], services: list[Service]) -> dict:
    """A category covers known service kinds, or services, or both; never nothing."""
    unknown = [k for k in service_kinds if k not in ServiceKind.values]
    if unknown:
        return {"service_kinds": ValidationError(_("Неизвестный вид услуги: %(kind)s.") % {"kind": unknown[0]},
                                                 code=ErrorCode.INVALID)}
    if not service_kinds and not services:
        return {"service_kinds": ValidationError(_("Укажите виды услуг или услуги, на которые даётся льгота."),
                                                 code=ErrorCode.REQUIRED)}
    return {}


def _social_norm_error(social_norm_area: Decimal | None) -> dict:
    if social_norm_area is not None and social_norm_area <= 0:
        return {"social_norm_area": ValidationError(_("Социальная норма площади — больше нуля."),
                                                    code=ErrorCode.INVALID)}
    return {}


@transaction.atomic
def benefit_category_create(
    *, code: str, name: str, percent: Decimal, service_kinds: list[str] = (), services: list[Service] = (),
    social_norm_area: Decimal | None = None, is_active: bool = True,
) -> BenefitCategory:
    """Add a category; it must cover at least one service kind or service."""
    errors = {
        **_required(code and code.strip(), "code"), **_required(name and name.strip(), "name"),
        **_percent_error(percent), **_coverage_error(service_kinds, services),
        **_social_norm_error(social_norm_area),
    }
    if not errors and BenefitCategory.objects.filter(code=code.strip()).exists():
        errors["code"] = ValidationError(_("Категория с кодом «%(code)s» уже есть.") % {"code": code.strip()},
                                         code=ErrorCode.UNIQUE)
    if errors:
        raise ValidationError(errors)
    category = BenefitCategory.objects.create(
        code=code.strip(), name=name.strip(), percent=percent, service_kinds=sorted(set(service_kinds)),
        social_norm_area=social_norm_area, is_active=is_active,
    )
    if services:
        category.services.set(services)
    return category


def _overlap_error(*, account: PersonalAccount, category: BenefitCategory, valid_from: date,
                   valid_to: date | None, exclude_pk: int | None = None) -> ValidationError:
    clash = AccountBenefit.objects.filter(account=account, category=category).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        clash = clash.filter(valid_from__lte=valid_to)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    clash = clash.order_by("valid_from").first()
    if clash is None:
        return ValidationError(_("Льгота этой категории на счёте уже действует в эти дни."),
                               code=ErrorCode.BENEFIT_OVERLAP)
    if clash.valid_to is None:
        message = _("Льгота этой категории на счёте уже действует с %(start)s бессрочно.")
    else:
        message = _("Льгота этой категории на счёте уже действует с %(start)s по %(end)s.")
    params = {"start": f"{clash.valid_from:%d.%m.%Y}",
              "end": f"{clash.valid_to:%d.%m.%Y}" if clash.valid_to else ""}
    return ValidationError(message, code=ErrorCode.BENEFIT_OVERLAP, params=params)


def _constraint_name(exc: IntegrityError) -> str | None:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


def _save_grant(grant: AccountBenefit) -> AccountBenefit:
    """Save, turning the database's overlap refusal (the last word against a concurrent write) into an error."""
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError as exc:
        if _constraint_name(exc) != BENEFIT_OVERLAP_CONSTRAINT:
            raise
        raise ValidationError({"valid_from": _overlap_error(
            account=grant.account, category=grant.category, valid_from=grant.valid_from, valid_to=grant.valid_to,
            exclude_pk=grant.pk)}) from exc
    return grant


@transaction.atomic
def account_benefit_assign(
    *, account: PersonalAccount, category: BenefitCategory, beneficiaries: int, valid_from: date,
    valid_to: date | None = None,
) -> AccountBenefit:
    """Give an account a category for ``beneficiaries`` persons from ``valid_from`` (to ``valid_to``)."""
    errors = {}
    if beneficiaries is None or beneficiaries < 1:
        errors["beneficiaries"] = ValidationError(_("Число льготников — не меньше одного."), code=ErrorCode.INVALID)
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = ValidationError(_("Окончание льготы раньше её начала."), code=ErrorCode.DATE_RANGE)
    if not category.is_active:
        errors["category_id"] = ValidationError(_("Категория льготы не действует."), code=ErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)
    grant = AccountBenefit(account=account, category=category, beneficiaries=beneficiaries, valid_from=valid_from,
                           valid_to=valid_to)
    return _save_grant(grant)


@transaction.atomic
def account_benefit_end(*, grant: AccountBenefit, valid_to: date) -> AccountBenefit:
    """End (or move the end of) an account's benefit: the last day it applies, inclusive."""
    grant = AccountBenefit.objects.select_for_update().select_related("account", "category").get(pk=grant.pk)
    if valid_to is None or valid_to < grant.valid_from:
        raise ValidationError({"valid_to": ValidationError(
            _("Окончание льготы раньше её начала (%(start)s).") % {"start": f"{grant.valid_from:%d.%m.%Y}"},
            code=ErrorCode.DATE_RANGE)})
    grant.valid_to = valid_to
    return _save_grant(grant)


def account_benefit_list(*, account: PersonalAccount):
    return AccountBenefit.objects.filter(account=account).select_related("category").order_by("-valid_from", "-pk")


def benefit_category_list(*, active_only: bool = False):
    qs = BenefitCategory.objects.prefetch_related("services").order_by("code")
    return qs.filter(is_active=True) if active_only else qs

