"""Collection-rate tables of one principal (and of many, for the back office): charged against paid, debt by age,
debt month over month, and what each campaign brought. Selectors: one statement each, over the current schema.

- ``charged`` of a period: charged + recalculated − benefits of its balances (the month's net charge, penalties
  apart); ``paid``: the receipts that period counted (``Balance.paid``: a payment counts in the period whose run
  took it in, ``tenants.billing.balances``), so the two sides of a rate are figures of the same posted period.
- ``rate``: paid / charged in per cent to one decimal (half up), null when nothing was charged.
- the debt at a month's close: the sum of the accounts' positive closings of that posted period, each account
  netted over its services (an advance for one service offsets another's debt, as on the ЕПД).
- a campaign's effect: per account its first touch by the campaign (a campaign that runs monthly touches an account
  again; counting each touch would count the same money twice), the debt then, and the net receipts with
  ``paid_on`` in (touched_on, touched_on + N] for N = 30, 60, 90 days; ``covered``: the part of the debt they paid
  (per account at most its debt, so money for new charges does not inflate it).

Only posted periods count: a draft's figures may still change.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from billing_core.collection import AGE_BUCKETS
from tenants.schemas import across_schemas

ZERO = Decimal("0.00")
TENTH = Decimal("0.1")
WINDOWS = (30, 60, 90)


def _rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in per cent, one decimal, half up; null when the whole is 0."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def _money(value) -> Decimal:
    return (value or ZERO).quantize(ZERO)


@dataclass(frozen=True)
class MonthRate:
    month: date
    charged: Decimal
    paid: Decimal
    rate: Decimal | None  # %, null when nothing was charged


@dataclass(frozen=True)
class HouseRate:
    house_id: int
    address: str
    charged: Decimal
    paid: Decimal
    rate: Decimal | None


@dataclass(frozen=True)
class AgeShare:
    bucket: str  # billing_core.collection.AGE_BUCKETS: "1", "2", "3", "4–6", "7–12", ">12" months
    amount: Decimal  # principal debt of that age
    share: Decimal | None  # % of the register's principal debt


@dataclass(frozen=True)
class DebtMonth:
    month: date
    debt: Decimal  # the accounts' positive closings of the month
    change: Decimal | None  # on the previous posted month; null for the first one
    debtors: int  # accounts with a positive closing


@dataclass(frozen=True)
class CampaignEffect:
    campaign_id: int
    accounts: int
    debt: Decimal  # the touched accounts' debt when first touched
    paid_30: Decimal
    paid_60: Decimal
    paid_90: Decimal
    covered_30: Decimal | None  # % of the debt paid within the window (per account at most its debt)
    covered_60: Decimal | None
    covered_90: Decimal | None


@dataclass(frozen=True)
class PrincipalRate:
    schema: str
    charged: Decimal
    paid: Decimal
    rate: Decimal | None


_BY_MONTH = """
SELECT p.month, COALESCE(sum(b.charged + b.recalculated - b.benefits), 0), COALESCE(sum(b.paid), 0)
FROM billing_billingperiod p LEFT JOIN billing_balance b ON b.period_id = p.id
WHERE p.status = 'posted' AND p.month BETWEEN %s AND %s
GROUP BY p.month ORDER BY p.month
"""


def rates_by_month(*, month_from: date, month_to: date) -> list[MonthRate]:
    """Per posted month in [month_from, month_to]: charged, paid and the collection rate."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_MONTH, [month_from.replace(day=1), month_to.replace(day=1)])
        return [MonthRate(m, _money(c), _money(p), _rate(p, c)) for m, c, p in cursor.fetchall()]


_BY_HOUSE = """
SELECT h.id,
       concat_ws(', ', h.city, h.street, 'д. ' || h.house_number || COALESCE(NULLIF(' корп. ' || h.building,
                 ' корп. '), '')),
       sum(b.charged + b.recalculated - b.benefits), sum(b.paid)
FROM billing_balance b
JOIN billing_billingperiod p ON p.id = b.period_id
JOIN billing_personalaccount a ON a.id = b.account_id
JOIN registry_premise pm ON pm.id = a.premise_id
JOIN registry_house h ON h.id = pm.house_id
WHERE p.status = 'posted' AND p.month BETWEEN %s AND %s
GROUP BY h.id ORDER BY 2, h.id
"""


def rates_by_house(*, month_from: date, month_to: date) -> list[HouseRate]:
    """Per house (through the accounts' premises), the posted months in [month_from, month_to] together."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_HOUSE, [month_from.replace(day=1), month_to.replace(day=1)])
        return [HouseRate(h, address, _money(c), _money(p), _rate(p, c))
                for h, address, c, p in cursor.fetchall()]


_BY_AGE = """
SELECT COALESCE(sum(age_1), 0), COALESCE(sum(age_2), 0), COALESCE(sum(age_3), 0), COALESCE(sum(age_4_6), 0),
       COALESCE(sum(age_7_12), 0), COALESCE(sum(age_over_12), 0)
FROM collection_debtorline
"""


def rates_by_age() -> list[AgeShare]:
    """The register's principal debt by age bucket (the last ``register_refresh``) and each bucket's share."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_AGE)
        amounts = [_money(v) for v in cursor.fetchone()]
    total = sum(amounts, ZERO)
    return [AgeShare(bucket, amount, _rate(amount, total)) for bucket, amount in zip(AGE_BUCKETS, amounts,
                                                                                     strict=True)]


_DYNAMICS = """
WITH per_account AS (
    SELECT b.period_id, b.account_id, sum(b.closing) AS closing FROM billing_balance b
    JOIN billing_billingperiod p ON p.id = b.period_id
    WHERE p.status = 'posted' AND p.month <= %(to)s
    GROUP BY b.period_id, b.account_id
),
monthly AS (
    SELECT p.month, COALESCE(sum(x.closing) FILTER (WHERE x.closing > 0), 0) AS debt,
           count(x.account_id) FILTER (WHERE x.closing > 0) AS debtors
    FROM billing_billingperiod p LEFT JOIN per_account x ON x.period_id = p.id
    WHERE p.status = 'posted' AND p.month <= %(to)s
    GROUP BY p.month
)
SELECT month, debt, debt - lag(debt) OVER (ORDER BY month), debtors FROM monthly
ORDER BY month
"""


def debt_dynamics(*, month_from: date, month_to: date) -> list[DebtMonth]:
    """Per posted month in [month_from, month_to]: the debt at its close, its change on the previous posted month
    (the first month of the range compares with the month before it, when that one is posted), the debtors."""
    month_from = month_from.replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute(_DYNAMICS, {"to": month_to.replace(day=1)})
        return [DebtMonth(m, _money(d), None if ch is None else _money(ch), n)
                for m, d, ch, n in cursor.fetchall() if m >= month_from]


_CAMPAIGNS = """
WITH touch AS (
    SELECT DISTINCT ON (campaign_id, account_id) campaign_id, account_id, touched_on, debt
    FROM collection_campaigntouch
    WHERE %(ids)s::bigint[] IS NULL OR campaign_id = ANY(%(ids)s::bigint[])
    ORDER BY campaign_id, account_id, touched_on, debt DESC
),
paid AS (
    SELECT t.campaign_id, t.account_id, t.debt,
           COALESCE(sum(r.amount) FILTER (WHERE r.paid_on <= t.touched_on + 30), 0) AS p30,
           COALESCE(sum(r.amount) FILTER (WHERE r.paid_on <= t.touched_on + 60), 0) AS p60,
           COALESCE(sum(r.amount), 0) AS p90
    FROM touch t
    LEFT JOIN receipts_receipt r ON r.account_id = t.account_id
                                AND r.paid_on > t.touched_on AND r.paid_on <= t.touched_on + 90
    GROUP BY t.campaign_id, t.account_id, t.debt
)
SELECT campaign_id, count(*), sum(debt), sum(p30), sum(p60), sum(p90),
       sum(LEAST(GREATEST(p30, 0), GREATEST(debt, 0))), sum(LEAST(GREATEST(p60, 0), GREATEST(debt, 0))),
       sum(LEAST(GREATEST(p90, 0), GREATEST(debt, 0)))
FROM paid GROUP BY campaign_id ORDER BY campaign_id
"""


def campaign_effect(*, campaign_ids: Sequence[int] | None = None) -> list[CampaignEffect]:
    """Per campaign (all, or these): accounts touched, their debt then, the money they paid within 30/60/90 days
    after the touch and the share of the debt it covered."""
    ids = None if campaign_ids is None else [int(i) for i in campaign_ids]
    with connection.cursor() as cursor:
        cursor.execute(_CAMPAIGNS, {"ids": ids})
        rows = cursor.fetchall()
    return [CampaignEffect(cid, n, _money(debt), _money(p30), _money(p60), _money(p90),
                           _rate(c30, debt), _rate(c60, debt), _rate(c90, debt))
            for cid, n, debt, p30, p60, p90, c30, c60, c90 in rows]


_BY_PRINCIPAL = (
    "COALESCE(sum(b.charged + b.recalculated - b.benefits), 0), COALESCE(sum(b.paid), 0) "
    "FROM {schema}.billing_balance b JOIN {schema}.billing_billingperiod p ON p.id = b.period_id "
    "WHERE p.status = 'posted' AND p.month BETWEEN %s AND %s"
)


def rates_by_principal(*, schemas: Sequence[str], month_from: date, month_to: date) -> list[PrincipalRate]:
    """Per principal's schema, the posted months in [month_from, month_to] together: one ``UNION ALL`` statement
    over the schemas (``across_schemas``), in the order given."""
    if not schemas:
        return []
    rows = across_schemas(list(schemas), _BY_PRINCIPAL, [month_from.replace(day=1), month_to.replace(day=1)])
    return [PrincipalRate(schema, _money(c), _money(p), _rate(p, c)) for schema, c, p in rows]
