"""Read-side queries of a principal's billing data, shaped so a page costs a fixed number of queries.

Every selector runs in the current connection's schema (the host's principal): isolation
between principals is the schema's, never a filter here. Premises and houses live in the
public schema and are joined through the search path.
"""

import re
from datetime import date

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from tenants.billing.balances import AccountBalanceNow
from tenants.billing.models import (
    AccountService,
    BillingPeriod,
    Charge,
    Meter,
    Norm,
    Occupancy,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)

READINGS_PER_METER = 12
CHARGE_PERIODS = 12

# Words people type around an address ("ул. Ленина, д. 5, кв. 12") that name no part of it.
_ADDRESS_WORDS = frozenset({"ул", "улица", "д", "дом", "кв", "квартира", "пом", "корп", "стр"})
_TOKEN_SPLIT = re.compile(r"[\s,]+")


def _valid_on(day: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def _search_terms(search: str) -> list[str]:
    terms = []
    for raw in _TOKEN_SPLIT.split(search.strip()):
        term = raw.strip(".")
        if term and term.lower() not in _ADDRESS_WORDS:
            terms.append(term)
    return terms


def _term_filter(term: str) -> Q:
    return (
        Q(number__istartswith=term)
        | Q(payer_name__icontains=term)
        | Q(premise__house__street__icontains=term)
        | Q(premise__house__house_number__iexact=term)
        | Q(premise__number__iexact=term)
    )


def persons_subquery(day: date) -> Subquery:
    """Living persons on ``day``, else the registered — the rule the charge run uses."""
    return Subquery(
        Occupancy.objects.filter(_valid_on(day), account=OuterRef("pk"))
        .order_by("-valid_from")
        .annotate(n=Coalesce(NullIf(F("living"), 0), F("registered")))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def debt_subquery() -> AccountBalanceNow:
    """The account's balance now over all services (``tenants.billing.balances``): the last posted closing less
    the payments received since; null — nothing posted and nothing received."""
    return AccountBalanceNow(F("pk"))


def account_services_prefetch(day: date) -> Prefetch:
    return Prefetch(
        "services",
        # no select_related: a page of 100 accounts would build 800 copies of the same 8 services;
        # the API reads services once per request instead (graphql_api.billing.types.service_of)
        queryset=AccountService.objects.filter(_valid_on(day))
        .only("id", "account_id", "service_id", "valid_from", "valid_to")
        .order_by("service__sort_order", "service_id"),
        to_attr="current_services",
    )


def account_list(
    *, search: str | None = None, house_id: int | None = None, has_debt: bool | None = None,
    today: date | None = None,
) -> QuerySet[PersonalAccount]:
    """Accounts with address, persons, debt and current services: 2 queries per page whatever its size.

    ``search``: every word must match the account number (prefix), the payer's name (part),
    the street (part), the house number or the premise number (whole); address words such as
    «ул.», «д.», «кв.» are ignored.
    ``has_debt``: the balance now (the latest posted closing less the payments since) is above zero.
    """
    today = today or timezone.localdate()
    qs = (
        PersonalAccount.objects.select_related("premise__house")
        .annotate(persons=persons_subquery(today), debt=debt_subquery())
        .prefetch_related(account_services_prefetch(today))
    )
    if search:
        for term in _search_terms(search):
            qs = qs.filter(_term_filter(term))
    if house_id is not None:
        qs = qs.filter(premise__house_id=house_id)
    if has_debt is True:
        qs = qs.filter(debt__gt=0)
    elif has_debt is False:
        qs = qs.filter(Q(debt__isnull=True) | Q(debt__lte=0))
    return qs


def account_card(*, account_id: int, today: date | None = None) -> PersonalAccount | None:
    """One account with its current services and its meters, each with its last 12 readings (4 queries)."""
    today = today or timezone.localdate()
    # a sliced prefetch: one query with a window function, at most 12 rows per meter
    readings = Reading.objects.order_by("-period", "zone", "-pk")[:READINGS_PER_METER]
    meters = (
        Meter.objects.select_related("service")
        .prefetch_related(Prefetch("readings", queryset=readings, to_attr="recent_readings"))
        .order_by(F("archived_at").desc(nulls_first=True), "service__sort_order", "serial", "pk")
    )
    return (
        PersonalAccount.objects.select_related("premise__house")
        .annotate(persons=persons_subquery(today), debt=debt_subquery())
        .prefetch_related(
            account_services_prefetch(today),
            Prefetch("meters", queryset=meters, to_attr="meter_list"),
        )
        .filter(pk=account_id)
        .first()
    )


def account_charges_by_period(*, account: PersonalAccount, periods: int = CHARGE_PERIODS) -> list[dict]:
    """The account's charges in its latest ``periods`` periods, newest first (2 queries)."""
    months = list(
        BillingPeriod.objects.filter(Exists(Charge.objects.filter(period=OuterRef("pk"), account=account)))
        .order_by("-month")
        .values_list("pk", flat=True)[:periods]
    )
    charges = (
        Charge.objects.filter(account=account, period_id__in=months)
        .select_related("period", "service")
        .order_by("-period__month", "service__sort_order", "service_id")
    )
    grouped: dict[int, dict] = {}
    for charge in charges:
        group = grouped.setdefault(charge.period_id, {"period": charge.period, "charges": []})
        group["charges"].append(charge)
    return list(grouped.values())


def service_list(*, active_only: bool = False) -> QuerySet[Service]:
    """Services with their tariffs and norms, newest first (3 queries)."""
    qs = Service.objects.prefetch_related(
        Prefetch("tariffs", queryset=Tariff.objects.order_by("-valid_from", "-pk"), to_attr="tariff_list"),
        Prefetch("norms", queryset=Norm.objects.order_by("-valid_from", "-pk"), to_attr="norm_list"),
    ).order_by("sort_order", "pk")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def period_list(*, year: int | None = None) -> QuerySet[BillingPeriod]:
    qs = BillingPeriod.objects.order_by("-month")
    if year is not None:
        qs = qs.filter(month__year=year)
    return qs


def period_get(*, month: date) -> BillingPeriod | None:
    return BillingPeriod.objects.filter(month=month).first()


def house_list(*, search: str | None = None, limit: int = 50) -> list[dict]:
    """The houses where this principal has accounts, with how many, ordered by address (one query).

    ``search``: every word must match the city or the street (part), the house number (its start) or the
    building (whole); address words such as «ул.», «д.» are ignored. House numbers sort as numbers («9» before
    «10»), then as text («10» before «10а»).
    """
    prefix = "premise__house__"
    qs = PersonalAccount.objects.all()
    for term in _search_terms(search or ""):
        qs = qs.filter(
            Q(**{f"{prefix}city__icontains": term}) | Q(**{f"{prefix}street__icontains": term})
            | Q(**{f"{prefix}house_number__istartswith": term}) | Q(**{f"{prefix}building__iexact": term})
        )
    number = Cast(Func(F(f"{prefix}house_number"), Value(r"^\d+"), function="substring"), IntegerField())
    rows = (
        qs.values(f"{prefix}id", f"{prefix}city", f"{prefix}street", f"{prefix}house_number", f"{prefix}building")
        .annotate(accounts_count=Count("pk"))
        .order_by(f"{prefix}city", f"{prefix}street", number, f"{prefix}house_number", f"{prefix}building",
                  f"{prefix}id")[:limit]
    )
    return [
        {"id": row[f"{prefix}id"], "city": row[f"{prefix}city"], "street": row[f"{prefix}street"],
         "house_number": row[f"{prefix}house_number"], "building": row[f"{prefix}building"],
         "accounts_count": row["accounts_count"]}
        for row in rows
    ]
