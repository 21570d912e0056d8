"""What a principal's staff and API keys read of the debt collection work, on the principal's host only.

Every row lives in the principal's own schema (the host's search path), so another principal's debtors, warnings
and cases are not even reachable. The register is a snapshot (``tenants.collection.register``): pages read it by
its keyset index (debt descending, then account), one query a page whatever its size.
"""

import base64
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

import graphene
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from billing_core.collection import AGE_BUCKETS
from billing_core.error_codes import ErrorCode
from graphql_api.collection.types import (
    CollectionStageEnum,
    DebtorConnection,
    DebtorDetailNode,
    DebtorSummaryNode,
)
from graphql_api.core.enums import enum_value
from graphql_api.core.errors import ApiError
from graphql_api.core.ids import int_id
from graphql_api.core.pagination import MAX_PAGE, PageInfo
from graphql_api.core.permissions import require_principal_perm
from tenants.billing.models import PersonalAccount
from tenants.collection.models import (
    AccountCollection,
    Agreement,
    CollectionDocument,
    CourtCase,
    Debtor,
    DebtorLine,
    Installment,
    Restriction,
    Stage,
    Warning,
)

ZERO = Decimal("0.00")
_AGE_FIELDS = ("age_1", "age_2", "age_3", "age_4_6", "age_7_12", "age_over_12")


# --- the keyset on (debt descending, account) ------------------------------------------------------------------


def debtor_cursor(debt: Decimal, account_id: int) -> str:
    return base64.urlsafe_b64encode(f"dk:{debt}:{account_id}".encode()).decode()


def debtor_cursor_read(cursor: str) -> tuple[Decimal, int]:
    try:
        kind, debt, account_id = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if kind != "dk":
            raise ValueError
        return Decimal(debt), int(account_id)
    except (ValueError, UnicodeDecodeError, InvalidOperation) as exc:
        raise ApiError(ErrorCode.INVALID, _("Неверный курсор.")) from exc


def debtor_list(*, search=None, house_id=None, stage=None, min_debt=None, min_months=None, threshold_only=False,
                stopped=None):
    """The register filtered; unordered (the page orders it)."""
    qs = Debtor.objects.all()
    if search and search.strip():
        text = search.strip()
        qs = qs.filter(Q(number__startswith=text) | Q(payer_name__icontains=text) | Q(address__icontains=text))
    if house_id is not None:
        qs = qs.filter(house_id=int_id(house_id))
    if stage:
        qs = qs.filter(stage=enum_value(stage))
    if min_debt is not None:
        qs = qs.filter(debt__gte=min_debt)
    if min_months is not None:
        qs = qs.filter(months__gte=min_months)
    if threshold_only:
        qs = qs.filter(threshold=True)
    if stopped is not None:
        qs = qs.filter(stopped=stopped)
    return qs


def debtor_page(qs, *, first: int | None, after: str | None) -> DebtorConnection:
    size = MAX_PAGE if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise ApiError(ErrorCode.INVALID, _("Размер страницы — от 0 до %(max)s.") % {"max": MAX_PAGE})
    ordered = qs.order_by("-debt", "account_id")
    if after:
        debt, account_id = debtor_cursor_read(after)
        ordered = ordered.filter(Q(debt__lt=debt) | Q(debt=debt, account_id__gt=account_id))
    rows = list(ordered[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    end = debtor_cursor(rows[-1].debt, rows[-1].account_id) if rows else None
    return DebtorConnection(nodes=rows, page_info=PageInfo(has_next_page=has_next, end_cursor=end),
                            total_count=qs.count)


def debtor_summary() -> DebtorSummaryNode:
    """Totals of the register: three queries."""
    totals = Debtor.objects.aggregate(n=Count("pk"), debt=Sum("debt"), at=Max("refreshed_at"))
    stages = {row["stage"]: row for row in Debtor.objects.values("stage").annotate(n=Count("pk"), debt=Sum("debt"))}
    ages = DebtorLine.objects.aggregate(**{f: Sum(f) for f in _AGE_FIELDS})
    return DebtorSummaryNode(
        refreshed_at=totals["at"], debtors=totals["n"], debt_total=totals["debt"] or ZERO,
        by_stage=[SimpleNamespace(stage=s.value, label=str(s.label), count=stages[s.value]["n"],
                                  debt=stages[s.value]["debt"]) for s in Stage if s.value in stages],
        by_age=[SimpleNamespace(bucket=str(bucket), amount=ages[field] or ZERO)
                for bucket, field in zip(AGE_BUCKETS, _AGE_FIELDS, strict=True)],
    )


def account_by_number(number: str, field: str = "accountNumber") -> PersonalAccount:
    """The host principal's account with this number, else NOT_FOUND (a payload error on ``field``)."""
    from django.core.exceptions import ValidationError

    account = PersonalAccount.objects.filter(number=(number or "").strip()).first()
    if account is None:
        raise ValidationError({field: ValidationError(_("Лицевой счёт не найден."), code=ErrorCode.NOT_FOUND)})
    return account


def debtor_detail(account: PersonalAccount) -> SimpleNamespace:
    """The account's collection file: nine queries whatever the number of its warnings, cases and documents."""
    debtor = Debtor.objects.filter(account=account).first()
    collection = AccountCollection.objects.filter(account=account).first()
    if debtor is None:  # no debt in the last refresh: the history is still shown
        debtor = SimpleNamespace(
            number=account.number, payer_name=account.payer_name, address=str(account.premise), debt=ZERO,
            principal_debt=ZERO, penalties=ZERO, months=0, max_months_of_norm=None, threshold=False,
            last_paid_on=None, last_paid_amount=None, stage=collection.stage if collection else Stage.NONE,
            kept_agreement=False, stopped=bool(collection and collection.stopped_at))
    fields = {name: getattr(debtor, name) for name in (
        "number", "payer_name", "address", "debt", "principal_debt", "penalties", "months", "max_months_of_norm",
        "threshold", "last_paid_on", "last_paid_amount", "stage", "kept_agreement", "stopped")}
    if collection is not None:  # the work done since the last refresh: the stage and the stop as they are now
        fields.update(stage=collection.stage, stopped=collection.stopped_at is not None)
    return SimpleNamespace(
        **fields,
        lines=list(DebtorLine.objects.filter(account=account).select_related("service").order_by("-debt", "pk")),
        warnings=list(Warning.objects.filter(account=account).select_related("account", "service")
                      .order_by("-month", "-pk")),
        restrictions=list(Restriction.objects.filter(account=account).select_related("service").order_by("-pk")),
        agreements=list(Agreement.objects.filter(account=account).order_by("-pk")
                        .prefetch_related(Prefetch("installments", Installment.objects.order_by("seq")))),
        cases=list(CourtCase.objects.filter(account=account).order_by("-pk").prefetch_related("events")),
        documents=list(CollectionDocument.objects.filter(account=account).order_by("-created_at", "-pk")),
        stopped_reason=(collection.stopped_reason or None) if collection and collection.stopped_at else None,
    )


class Queries(graphene.ObjectType):
    debtors = graphene.Field(
        DebtorConnection, required=True, first=graphene.Int(), after=graphene.String(),
        search=graphene.String(description="The start of the account number, or part of the payer's name or "
                                           "address."),
        house_id=graphene.ID(), stage=CollectionStageEnum(), min_debt=graphene.Decimal(),
        min_months=graphene.Int(description="The oldest unpaid charge at least this many months old."),
        threshold_only=graphene.Boolean(default_value=False,
                                        description="Only debts over two monthly charges by norm (ПП 354 п.118)."),
        stopped=graphene.Boolean(description="true: only stopped accounts; false: only those in work."),
        description="This principal's debtor register, largest debt first, in keyset pages (collection.view).",
    )
    debtor_summary = graphene.Field(DebtorSummaryNode, required=True,
                                    description="The register's totals by stage and by debt age (collection.view).")
    debtor = graphene.Field(DebtorDetailNode, account_number=graphene.String(required=True),
                            description="One account's collection file (collection.view).")

    @staticmethod
    def resolve_debtors(root, info, first=None, after=None, search=None, house_id=None, stage=None, min_debt=None,
                        min_months=None, threshold_only=False, stopped=None):
        require_principal_perm(info, Perm.COLLECTION_VIEW)
        qs = debtor_list(search=search, house_id=house_id, stage=stage, min_debt=min_debt, min_months=min_months,
                         threshold_only=threshold_only, stopped=stopped)
        return debtor_page(qs, first=first, after=after)

    @staticmethod
    def resolve_debtor_summary(root, info):
        require_principal_perm(info, Perm.COLLECTION_VIEW)
        return debtor_summary()

    @staticmethod
    def resolve_debtor(root, info, account_number):
        require_principal_perm(info, Perm.COLLECTION_VIEW)
        account = PersonalAccount.objects.select_related("premise__house").filter(
            number=(account_number or "").strip()).first()
        if account is None:
            raise ApiError(ErrorCode.NOT_FOUND, _("Лицевой счёт не найден."))
        return debtor_detail(account)
