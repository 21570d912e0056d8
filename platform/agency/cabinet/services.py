"""What a resident sees and submits, across the principals that serve their household."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from agency.documents.models import Epd
from agency.identity.invitations import link_invalid
from agency.identity.mail import mail_after_commit, moment_text, public_url
from agency.identity.models import PendingSignUp, User
from agency.identity.recovery import password_reset_link, throttled
from agency.identity.throttle import (
    account_mail_allowed,
    failures_counts,
    failures_record,
    login_failure_record,
    login_is_throttled,
)
from agency.identity.tokens import token_hash, token_new
from agency.payments.models import Payment
from billing_core.error_codes import ErrorCode
from billing_core.readings import SubmissionWindow
from billing_core.tariffs import TariffKind
from billing_core.text import name_check, text_check
from tenants.billing.balances import account_balance_now_sql, household_amount_due
from tenants.billing.models import Meter, Occupancy, PersonalAccount
from tenants.billing.readings import reading_submit, windows_for
from tenants.collection import services as collection_services
from tenants.models import Principal
from tenants.registry.models import UnifiedAccount
from tenants.residents.link_code import link_code_matches
from tenants.residents.models import AccountChangeRequest, ChangeRequestKind, ChangeRequestStatus, ResidentLink
from tenants.schemas import across_schemas, active_principals


@dataclass(frozen=True)
class ZoneReading:
    zone: int
    value: Decimal


@dataclass(frozen=True)
class ResidentMeter:
    principal_id: int
    principal_name: str
    meter_id: int
    serial: str
    service_name: str
    zones: int
    account_number: str
    window_start_day: int | None = None
    window_end_day: int | None = None
    window_open: bool = False
    last_readings: tuple[ZoneReading, ...] = ()
    last_reading_date: date | None = None
    last_period: date | None = None


def _linked_ids(user) -> list[int]:
    return list(ResidentLink.objects.filter(user=user).values_list("unified_account_id", flat=True))


def resident_meters(*, user, today: date | None = None) -> list[ResidentMeter]:
    """Every working meter of the resident's linked households with its last reading and readings window.

    One statement across the principals' schemas gives the meters and their latest month's readings (every
    zone); the windows come from the rule ``reading_submit`` applies (``windows_for``), a fixed number of
    queries per principal that has meters here, whatever their count.
    """
    linked = _linked_ids(user)
    if not linked:
        return []
    principals = {p.schema_name: p for p in active_principals()}
    rows = across_schemas(
        list(principals),
        "m.id, m.serial, sv.name, m.zones, a.number, lr.period, lr.reading_date, lr.zones, lr.vals "
        "FROM {schema}.billing_meter m "
        "JOIN {schema}.billing_personalaccount a ON a.id = m.account_id "
        "JOIN {schema}.billing_service sv ON sv.id = m.service_id "
        "LEFT JOIN LATERAL ("
        " SELECT r.period, MAX(r.reading_date) AS reading_date, "
        "  array_agg(r.zone ORDER BY r.zone) AS zones, array_agg(r.value ORDER BY r.zone) AS vals "
        " FROM {schema}.billing_reading r WHERE r.meter_id = m.id AND r.period = ("
        "  SELECT MAX(lp.period) FROM {schema}.billing_reading lp WHERE lp.meter_id = m.id) "
        " GROUP BY r.period) lr ON TRUE "
        "WHERE a.unified_account_id = ANY(%s) AND m.archived_at IS NULL",
        [linked],
    )
    today = today or timezone.localdate()
    windows = _meter_windows(principals, rows)
    meters = [_resident_meter(principals[row[0]], row, windows.get((row[0], row[1])), today) for row in rows]
    return sorted(meters, key=lambda m: (m.principal_id, m.meter_id))


def _meter_windows(principals: dict[str, Principal], rows) -> dict[tuple[str, int], SubmissionWindow]:
    """The readings window of each meter in ``rows``, by (schema, meter id): one lookup per principal."""
    windows: dict[tuple[str, int], SubmissionWindow] = {}
    for schema in sorted({row[0] for row in rows}):
        with tenant_context(principals[schema]):
            found = windows_for([Meter(pk=row[1]) for row in rows if row[0] == schema])
        windows.update({(schema, meter_id): window for meter_id, window in found.items()})
    return windows


def _resident_meter(principal: Principal, row, window: SubmissionWindow | None, today: date) -> ResidentMeter:
    _schema, mid, serial, service, zones, number, period, reading_date, zone_list, values = row
    return ResidentMeter(
        principal.pk, principal.short_name, mid, serial, service, zones, number,
        window_start_day=window.start_day if window else None,
        window_end_day=window.end_day if window else None,
        window_open=window.contains(today) if window else True,
        last_readings=tuple(ZoneReading(z, v) for z, v in zip(zone_list or (), values or (), strict=True)),
        last_reading_date=reading_date, last_period=period,
    )


def resident_reading_submit(*, user, principal_id: int, meter_id: int, values: dict[int, Decimal],
                            reading_date: date):
    """Submit a reading for one of the resident's own meters; any other meter is simply not found."""
    principal = active_principals().filter(pk=principal_id).first()
    linked = _linked_ids(user)
    not_found = ValidationError({"meter": ValidationError(_("Прибор учёта не найден."), code=ErrorCode.NOT_FOUND)})
    if principal is None or not linked:
        raise not_found
    with tenant_context(principal):
        meter = Meter.objects.filter(pk=meter_id, account__unified_account_id__in=linked).first()
        if meter is None:
            raise not_found
        return reading_submit(meter=meter, values=values, reading_date=reading_date, source="cabinet")


# --- signing up and linking households --------------------------------------------------------------------


def _field_error(field: str, message: str, code: ErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


@transaction.atomic
def resident_sign_up(*, request, email: str, password: str, full_name: str) -> None:
    """Start a resident's sign-up: the address gets a link, and the account exists once the link is confirmed.

    The answer is the same whether or not the address is taken: a free address gets the confirmation link, a
    taken one a note to its owner with a password-reset link. Only what the form itself says can be refused (the
    name, the address's form, a weak password), and too many sign-ups from one client address or to one e-mail
    address (``identity.throttle.account_mail_allowed``).
    """
    email = User.objects.normalize_email((email or "").strip()).lower()
    name_check(full_name, field="full_name")  # before the spaces are folded: a tab or a line break is refused too
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise _field_error("full_name", _("Укажите ФИО."), ErrorCode.REQUIRED)
    candidate = User(email=email, full_name=full_name, is_resident=True)
    candidate.full_clean(exclude=["password"], validate_unique=False)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    if not account_mail_allowed(kind="sign-up", email=email, client_ip=request.META.get("REMOTE_ADDR")):
        raise throttled()
    user = User.objects.filter(email=email).first()
    if user is not None:
        link, reset = password_reset_link(request=request, user=user)
        mail_after_commit(to=email, template="signup_taken",
                          context={"link": link, "expires": moment_text(reset.expires_at)})
        return
    token, hashed = token_new()
    pending = PendingSignUp.objects.create(
        email=email, full_name=full_name, password=make_password(password), token_hash=hashed,
        expires_at=timezone.now() + timedelta(hours=settings.SIGNUP_CONFIRM_HOURS),
    )
    mail_after_commit(to=email, template="signup_confirm", context={
        "link": public_url(request, f"/signup/confirm/{token}"), "expires": moment_text(pending.expires_at)})


@transaction.atomic
def resident_sign_up_confirm(*, request, token: str, password: str) -> User:
    """Confirm a sign-up by its e-mailed link and the password chosen at sign-up; the account is made and the
    session logged in.

    Asking for the password means a link alone does not make an account: someone who signs up with another
    person's address cannot have that person confirm an account whose password they chose.
    """
    pending = (PendingSignUp.objects.select_for_update()
               .filter(token_hash=token_hash(token), confirmed_at__isnull=True, expires_at__gt=timezone.now())
               .first())
    if pending is None:
        raise link_invalid()
    client_ip = request.META.get("REMOTE_ADDR")
    if login_is_throttled(login=pending.email, client_ip=client_ip):
        raise _field_error("password", _("Слишком много неудачных попыток. Повторите позже."), ErrorCode.THROTTLED)
    if not check_password(password or "", pending.password):
        login_failure_record(login=pending.email, client_ip=client_ip)
        raise _field_error("password", _("Пароль не совпадает с заданным при регистрации."),
                           ErrorCode.INVALID_CREDENTIALS)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=pending.email, full_name=pending.full_name, is_resident=True)
    except IntegrityError:  # the address got an account meanwhile (another confirmation)
        raise link_invalid() from None
    user.password = pending.password
    user.save(update_fields=["password"])
    PendingSignUp.objects.filter(email=pending.email, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def _link_failure_keys(user, client_ip: str | None) -> list[str]:
    return [f"cabinet-link-fail:user:{user.pk}", f"cabinet-link-fail:ip:{client_ip or '-'}"]


def link_is_throttled(*, user, client_ip: str | None = None) -> bool:
    """Past the limit for this resident, or four times it for their address (a new account per few guesses
    from one address does not reset the count)."""
    user_key, ip_key = _link_failure_keys(user, client_ip)
    limit = settings.CABINET_LINK_MAX_FAILURES
    counts = failures_counts([user_key, ip_key])
    return counts.get(user_key, 0) >= limit or counts.get(ip_key, 0) >= limit * 4


def _accounts_of(unified_ids: list[int], *, day: date) -> list[tuple]:
    """Every principal's personal accounts of these households, one statement across the principals' schemas.

    Rows: (schema, unified_account_id, number, payer_name, persons on ``day``, the account's balance now — the
    latest posted closing less the payments received since, ``tenants.billing.balances``).
    """
    if not unified_ids:
        return []
    schemas = list(active_principals().values_list("schema_name", flat=True))
    persons = (
        "(SELECT COALESCE(NULLIF(o.living, 0), o.registered) FROM {schema}.billing_occupancy o "
        " WHERE o.account_id = a.id AND o.valid_from <= %s AND (o.valid_to IS NULL OR o.valid_to >= %s) "
        " ORDER BY o.valid_from DESC LIMIT 1)"
    )
    balance = account_balance_now_sql("a.id", schema="{schema}")
    return across_schemas(
        schemas,
        f"a.unified_account_id, a.number, a.payer_name, {persons}, {balance} "
        "FROM {schema}.billing_personalaccount a WHERE a.unified_account_id = ANY(%s)",
        [day, day, list(unified_ids)],
    )


def _not_linked(field: str = "els") -> ValidationError:
    return _field_error(field, _("Лицевой счёт не привязан к вашему кабинету."), ErrorCode.NOT_FOUND)


def _linked_household(user, els: str) -> UnifiedAccount:
    household = UnifiedAccount.objects.filter(
        number=(els or "").strip(), pk__in=ResidentLink.objects.filter(user=user).values("unified_account_id"),
    ).first()
    if household is None:
        raise _not_linked()
    return household


def household_link(*, user, els: str, code: str, client_ip: str | None = None) -> ResidentLink:
    """Link the household whose ЕПД the resident holds: the ЕЛС and the code printed next to it.

    Wrong codes (and unknown ЕЛС) are counted per user and per address in the cache; past the limit every attempt is
    refused until the window ends, so the code cannot be guessed. Linking an already linked household
    returns the existing link.
    """
    els = (els or "").strip()
    if link_is_throttled(user=user, client_ip=client_ip):
        raise _field_error("code", _("Слишком много неверных кодов. Повторите через %(minutes)s мин.")
                           % {"minutes": settings.CABINET_LINK_WINDOW_SECONDS // 60}, ErrorCode.TOO_MANY_ATTEMPTS)
    if not els or not link_code_matches(els, code):
        failures_record(_link_failure_keys(user, client_ip), window=settings.CABINET_LINK_WINDOW_SECONDS)
        raise _field_error("code", _("Неверный код подключения. Проверьте ЕЛС и код в платёжном документе."),
                           ErrorCode.INVALID)
    household = UnifiedAccount.objects.filter(number=els).first()
    if household is None or not _accounts_of([household.pk], day=timezone.localdate()):
        raise _field_error("els", _("Лицевой счёт не найден."), ErrorCode.NOT_FOUND)
    link, _created = ResidentLink.objects.get_or_create(user=user, unified_account=household)
    return link


def household_unlink(*, user, els: str) -> None:
    deleted, _detail = ResidentLink.objects.filter(user=user, unified_account__number=(els or "").strip()).delete()
    if not deleted:
        raise _not_linked()


# --- what a resident sees of their households ------------------------------------------------------------


@dataclass(frozen=True)
class ResidentAccount:
    principal_id: int
    principal_name: str
    account_number: str
    payer_name: str
    persons: int | None
    balance: Decimal | None


@dataclass(frozen=True)
class ResidentHousehold:
    els: str
    address: str
    linked_at: datetime
    e_receipts: bool
    amount_due: Decimal
    current_document_id: int | None
    current_month: date | None
    accounts: list[ResidentAccount]


def resident_households(*, user) -> list[ResidentHousehold]:
    """The resident's linked households with each principal's account: four queries whatever their number."""
    links = list(ResidentLink.objects.filter(user=user).select_related("unified_account__premise__house")
                 .order_by("created_at", "pk"))
    if not links:
        return []
    unified_ids = [link.unified_account_id for link in links]
    principals = {p.schema_name: p for p in active_principals()}
    accounts: dict[int, list[ResidentAccount]] = {}
    for schema, ua_id, number, payer, persons, balance in _accounts_of(unified_ids, day=timezone.localdate()):
        p = principals.get(schema)
        if p is not None:
            accounts.setdefault(ua_id, []).append(ResidentAccount(p.pk, p.short_name, number, payer, persons, balance))
    current = {
        epd.unified_account_id: epd
        for epd in Epd.objects.filter(unified_account_id__in=unified_ids, is_current=True)
        .order_by("unified_account_id", "-month").distinct("unified_account_id")
        .only("id", "unified_account_id", "month", "total_due")
    }
    households = []
    for link in links:
        ua = link.unified_account
        own = sorted(accounts.get(ua.pk, []), key=lambda a: (a.principal_name, a.account_number))
        epd = current.get(ua.pk)
        households.append(ResidentHousehold(
            els=ua.number, address=str(ua.premise), linked_at=link.created_at, e_receipts=link.e_receipts,
            amount_due=household_amount_due((a.balance for a in own), document_total=epd.total_due if epd else None),
            current_document_id=epd.pk if epd else None, current_month=epd.month if epd else None,
            accounts=own,
        ))
    return households


@dataclass(frozen=True)
class ResidentChargeLine:
    month: date
    principal_id: int
    principal_name: str
    service_code: str
    service_name: str
    unit: str
    quantity: Decimal | None
    amount: Decimal
    consumption: bool  # the quantity is a volume of the resource used (metered or by norm), not an area or a head


@dataclass(frozen=True)
class ResidentPaymentLine:
    id: int
    paid_on: date
    amount: Decimal
    channel: str
    status: str


@dataclass(frozen=True)
class ResidentHistory:
    els: str
    charges: list[ResidentChargeLine]
    payments: list[ResidentPaymentLine]


MAX_HISTORY_MONTHS = 120


def _month_shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# tariffs whose quantity is the resource consumed: the consumption chart shows these, not areas or head counts
CONSUMPTION_TARIFFS = (TariffKind.PER_UNIT, TariffKind.TWO_COMPONENT_HOT_WATER)


def resident_history(*, user, els: str, months: int = 12) -> ResidentHistory:
    """Charges per month, principal and service of one linked household, and the payments matched to it.

    Months count back from each principal's latest posted period. Queries: the link, the principals, the
    accounts across schemas, one statement for the charges of the principals that have an account here,
    the payments — the same whatever the number of months.
    """
    household = _linked_household(user, els)
    months = max(1, min(int(months or 12), MAX_HISTORY_MONTHS))
    principals = {p.schema_name: p for p in active_principals()}
    involved = sorted({row[0] for row in _accounts_of([household.pk], day=timezone.localdate())} & set(principals))
    lines: list[ResidentChargeLine] = []
    if involved:
        rows = across_schemas(
            involved,
            "bp.month, sv.code, sv.name, sv.unit, sv.sort_order, SUM(c.quantity), SUM(c.amount), "
            "sv.tariff_kind = ANY(%s) "
            "FROM {schema}.billing_charge c "
            "JOIN {schema}.billing_billingperiod bp ON bp.id = c.period_id AND bp.status = 'posted' "
            "JOIN {schema}.billing_personalaccount a ON a.id = c.account_id "
            "JOIN {schema}.billing_service sv ON sv.id = c.service_id "
            "WHERE a.unified_account_id = %s AND bp.month > ("
            " SELECT MAX(lp.month) FROM {schema}.billing_billingperiod lp WHERE lp.status = 'posted'"
            ") - make_interval(months => %s) "
            "GROUP BY bp.month, sv.code, sv.name, sv.unit, sv.sort_order, sv.tariff_kind",
            [list(CONSUMPTION_TARIFFS), household.pk, months],
        )
        ordered = sorted(rows, key=lambda r: (r[1], principals[r[0]].short_name, r[5], r[2]))
        lines = [ResidentChargeLine(month, principals[s].pk, principals[s].short_name, code, name, unit, qty, amount,
                                    consumption)
                 for s, month, code, name, unit, _sort, qty, amount, consumption in ordered]
    today_month = timezone.localdate().replace(day=1)
    latest = max([line.month for line in lines] + [today_month])
    since = _month_shift(latest, -(months - 1))
    payments = [
        ResidentPaymentLine(p.pk, p.paid_on, p.amount, p.channel, p.status)
        for p in Payment.objects.filter(unified_account=household, paid_on__gte=since)
        .only("id", "paid_on", "amount", "channel", "status").order_by("-paid_on", "-pk")
    ]
    return ResidentHistory(els=household.number, charges=lines, payments=payments)


# --- change requests --------------------------------------------------------------------------------------


def resident_change_requests(*, user, els: str | None = None):
    """The resident's own requests for households they have linked (all of them, or one), newest first."""
    linked = ResidentLink.objects.filter(user=user).values("unified_account_id")
    qs = AccountChangeRequest.objects.filter(user=user, unified_account_id__in=linked)
    if els:
        qs = qs.filter(unified_account=_linked_household(user, els))
    return qs.select_related("unified_account", "principal").order_by("-created_at", "-pk")


def change_requests_of_principal(*, principal, status: str | None = None):
    qs = AccountChangeRequest.objects.filter(principal_id=principal.pk)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("unified_account", "principal").order_by("-created_at", "-pk")


@transaction.atomic
def _served_account(household: UnifiedAccount, principal_id: int) -> tuple[Principal, PersonalAccount]:
    """The active principal ``principal_id`` and its account of the household; refused when it serves none."""
    principal = active_principals().filter(pk=principal_id).first()
    not_served = _field_error("principal_id", _("Этот поставщик не обслуживает ваш лицевой счёт."),
                              ErrorCode.NOT_FOUND)
    if principal is None:
        raise not_served
    with tenant_context(principal):
        account = PersonalAccount.objects.filter(unified_account_id=household.pk).order_by("number").first()
    if account is None:
        raise not_served
    return principal, account


def resident_change_request_create(*, user, els: str, principal_id: int, kind: str, persons: int | None = None,
                                   payer_name: str | None = None, comment: str | None = None
                                   ) -> AccountChangeRequest:
    """A resident asks a principal to change their household's account there."""
    household = _linked_household(user, els)
    principal, account = _served_account(household, principal_id)
    name_check(payer_name, field="payer_name")  # the name goes into the principal's accounts and exports
    text_check(comment, field="comment")
    comment = (comment or "").strip()
    payer_name = " ".join((payer_name or "").split())
    if kind == ChangeRequestKind.PERSONS:
        if persons is None:
            raise _field_error("persons", _("Укажите число проживающих."), ErrorCode.REQUIRED)
        if not 0 <= persons <= 99:
            raise _field_error("persons", _("Число проживающих — от 0 до 99."), ErrorCode.INVALID)
        payer_name = ""
    elif kind == ChangeRequestKind.PAYER_NAME:
        if not payer_name:
            raise _field_error("payer_name", _("Укажите ФИО плательщика."), ErrorCode.REQUIRED)
        if len(payer_name) > 200:
            raise _field_error("payer_name", _("ФИО плательщика — не длиннее 200 знаков."), ErrorCode.INVALID)
        persons = None
    elif kind == ChangeRequestKind.OTHER:
        if not comment:
            raise _field_error("comment", _("Опишите, что нужно изменить."), ErrorCode.REQUIRED)
        persons, payer_name = None, ""
    else:
        raise _field_error("kind", _("Неизвестный вид заявки."), ErrorCode.INVALID)
    if len(comment) > 2000:
        raise _field_error("comment", _("Комментарий — не длиннее 2000 знаков."), ErrorCode.INVALID)
    return AccountChangeRequest.objects.create(
        user=user, unified_account=household, principal=principal, account_number=account.number, kind=kind,
        persons=persons, payer_name=payer_name, comment=comment,
    )


def _persons_set(account: PersonalAccount, persons: int, day: date) -> None:
    """From ``day`` on, ``persons`` live in the account's premise; earlier occupancy stays as it was."""
    current = (Occupancy.objects.select_for_update().filter(account=account, valid_from__lte=day)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("-valid_from").first())
    if current is not None and current.valid_from == day:
        current.living = persons
        current.save(update_fields=["living"])
        return
    if current is not None:
        end = current.valid_to
        current.valid_to = day - timedelta(days=1)
        current.save(update_fields=["valid_to"])
        Occupancy.objects.create(account=account, valid_from=day, valid_to=end, registered=current.registered,
                                 living=persons)
        return
    following = Occupancy.objects.filter(account=account, valid_from__gt=day).order_by("valid_from").first()
    Occupancy.objects.create(account=account, valid_from=day,
                             valid_to=following.valid_from - timedelta(days=1) if following else None,
                             registered=0, living=persons)


@transaction.atomic
def change_request_resolve(*, principal, request_id: int, accept: bool, answer: str | None = None,
                           resolved_by=None) -> AccountChangeRequest:
    """Accept or reject a request to ``principal``; accepting persons or a payer's name changes the account
    in the principal's schema, in this same transaction."""
    request = (AccountChangeRequest.objects.select_for_update().select_related("unified_account", "principal")
               .filter(pk=request_id, principal_id=principal.pk).first())
    if request is None:
        raise _field_error("id", _("Заявка не найдена."), ErrorCode.NOT_FOUND)
    if request.status != ChangeRequestStatus.NEW:
        raise _field_error("id", _("Заявка уже рассмотрена."), ErrorCode.INVALID)
    answer = (answer or "").strip()
    if not accept and not answer:
        raise _field_error("answer", _("Укажите причину отказа."), ErrorCode.REQUIRED)
    if len(answer) > 2000:
        raise _field_error("answer", _("Ответ — не длиннее 2000 знаков."), ErrorCode.INVALID)
    if accept and request.kind in (ChangeRequestKind.PERSONS, ChangeRequestKind.PAYER_NAME):
        target = Principal.objects.get(pk=principal.pk)
        with tenant_context(target):
            account = (PersonalAccount.objects.select_for_update()
                       .filter(number=request.account_number, unified_account_id=request.unified_account_id).first())
            if account is None:
                raise _field_error("id", _("Лицевой счёт заявки больше не найден."), ErrorCode.NOT_FOUND)
            if request.kind == ChangeRequestKind.PERSONS:
                _persons_set(account, request.persons, timezone.localdate())
            else:
                account.payer_name = request.payer_name
                account.save(update_fields=["payer_name"])
    request.status = ChangeRequestStatus.ACCEPTED if accept else ChangeRequestStatus.REJECTED
    request.answer = answer
    request.resolved_by = resolved_by
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "answer", "resolved_by", "resolved_at"])
    return request



# --- debt collection: the resident's warnings and agreements, and a request for an agreement --------------------

COLLECTION_WARNINGS_SQL = (
    "a.unified_account_id, a.number, w.month, s.name, w.debt, w.term_end, w.status "
    "FROM {schema}.collection_warning w JOIN {schema}.billing_personalaccount a ON a.id = w.account_id "
    "JOIN {schema}.billing_service s ON s.id = w.service_id "
    "WHERE a.unified_account_id = ANY(%s) AND w.status <> 'cancelled'"
)
# the schedule as JSON with amounts as text: money never passes through a float
COLLECTION_AGREEMENTS_SQL = (
    "a.unified_account_id, a.number, g.id, g.number, g.status, g.total, g.parts, g.signed_on, g.paid, g.shortfall, "
    "(SELECT COALESCE(json_agg(json_build_object('seq', i.seq, 'due_on', i.due_on, 'amount', i.amount::text) "
    "ORDER BY i.seq), '[]'::json) FROM {schema}.collection_installment i WHERE i.agreement_id = g.id) "
    "FROM {schema}.collection_agreement g JOIN {schema}.billing_personalaccount a ON a.id = g.account_id "
    "WHERE a.unified_account_id = ANY(%s)"
)


def resident_collection_rows(*, unified_ids: list[int]) -> tuple[list[tuple], list[tuple]]:
    """The warnings and the agreements of these households in every active principal's schema: one statement each
    (``across_schemas``); each row starts with its principal's id."""
    schemas = dict(active_principals().values_list("schema_name", "pk"))
    if not unified_ids or not schemas:
        return [], []
    rows = []
    for sql in (COLLECTION_WARNINGS_SQL, COLLECTION_AGREEMENTS_SQL):
        rows.append([(schemas[schema], *rest) for schema, *rest in across_schemas(list(schemas), sql, [unified_ids])])
    return rows[0], rows[1]


def resident_agreement_request(*, user, els: str, principal_id: int, parts: int, note: str = ""):
    """A resident asks a principal serving one of their households to repay its debt in parts; its staff prepare
    the agreement and its schedule (``tenants.collection.services.agreement_request``)."""
    household = _linked_household(user, els)
    principal, account = _served_account(household, principal_id)
    with tenant_context(principal):
        try:
            return collection_services.agreement_request(account=account, parts=parts, note=note or "")
        except ValidationError as exc:
            # the service names the account; the resident named the household
            if hasattr(exc, "error_dict") and "account" in exc.error_dict:
                raise ValidationError({"els": exc.error_dict["account"]}) from exc
            raise
