"""The demo's debt collection: at every demo principal, debtors in every stage of work, made by the services of
``tenants.collection`` on dates relative to the day the demo was loaded (``agency.demo.dates``).

The debtors are the demo's non-paying flats (``agency.demo.billing.DEBTOR_SERVICE``): each owes one service the law
lets the principal restrict (electricity, hot water, drainage) for 3–12 monthly charges by norm, over the п.118
threshold. With ``T`` the load day, one account each is:

- restricted: a warning sent by registered letter on T−40, delivered on T−34 (the 20 days of п.119 «а» end on
  T−14), the executor's work order on T−12 and the act of restriction on T−10;
- warned: a warning sent on T−8 and delivered on T−4, its term still running (two accounts);
- on an agreement: prepared and signed on T−27, six monthly parts from T−20, the first paid on T−21 (the principal's
  own receipt), so the agreement is kept;
- in court: the claim on T−75, the application for a court order on T−60, the order issued on T−30;
- in enforcement: the order (T−70) sent to the bailiffs on T−50, a third of the debt recovered on T−15;
- recovered: the order sent to the debtor's bank on T−55, the whole principal debt recovered on T−20, the case
  closed on T−12;
- stopped: work stopped by the principal's administrator, with the reason.

The demo resident ``RESIDENT`` has asked the first principal for an agreement from the cabinet (status «запрошено
жителем»). Then the agent's campaign ``CAMPAIGN`` (``agency.collection``) runs for the demo month on the load day,
synchronously through its runner: the principals' debtors over the threshold for hot water or electricity with no
work yet get the warning by registered letter (one PDF print batch with the post office's register) and SMS and
e-mail reminders (stage «предупреждение»). Last, the largest
one-month debtors with no work yet are reminded (stage «напоминание», by ``stages_advance_bulk``: no campaign of the
demo picks them, so they have no reminder rows).

Idempotent: a principal whose schema already has collection work (a warning, an agreement or a court case) is left
alone, and each principal's work is one transaction, so a crash leaves none of it; the campaign is made once (by
its name) and its run is once per month (a rerun of a run not done resumes it). The register is refreshed before
the work (warnings read its п.118 threshold) and after it (the stages, and the money the work brought).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django_tenants.utils import tenant_context

from agency.collection.campaigns import campaign_create
from agency.collection.models import Campaign, CampaignAction, CampaignRun, RunStatus
from agency.collection.runner import campaign_run_execute
from agency.demo.billing import DEBTOR_SERVICE, non_paying_accounts
from agency.demo.dates import DemoCalendar
from agency.identity.models import PrincipalMembership
from agency.identity.permissions import PrincipalRole
from tenants.billing.models import PersonalAccount, Service
from tenants.collection import services
from tenants.collection.models import (
    Agreement,
    CaseEventKind,
    CourtCase,
    Debtor,
    RestrictionKind,
    Stage,
    Warning,
    WarningChannel,
)
from tenants.collection.register import register_refresh
from tenants.receipts.services import own_receipt_record
from tenants.residents.models import ResidentLink

RESIDENT = "resident2@mail.demo"  # has paid nothing in the demo (resident1 pays by card)
REMINDED = 5
EXECUTOR = "ООО «Энергосервис»: бригада по ограничению и возобновлению подачи коммунальных ресурсов"
COURT = "Судебный участок № 3 Кировского судебного района г. Ярославля"
STOP_REASON = "Собственник оспаривает задолженность в суде; до решения работа по счёту не ведётся"
# the order of the non-paying accounts' stages (the rest, if any, is left to the demo operator)
CAMPAIGN = "Предупреждения должникам по ГВС и электроэнергии"
CAMPAIGN_KINDS = ("hot_water", "electricity")
PLAN = ("restricted", "warned", "warned", "agreement", "court", "enforcement", "recovered", "stopped")


def _day(calendar: DemoCalendar, days_before: int) -> date:
    return calendar.today - timedelta(days=days_before)


def _warn(account: PersonalAccount, service: Service, calendar: DemoCalendar, *, issued: int, delivered: int,
          n: int) -> Warning:
    on = _day(calendar, issued)
    warning, _created = services.warning_issue(account=account, service=service, month=on.replace(day=1),
                                               channel=WarningChannel.REGISTERED_LETTER, on=on)
    return services.warning_delivered(warning=warning, delivered_on=_day(calendar, delivered),
                                      postal_id=f"1500{calendar.today:%y%m%d}{n:04d}")


def _restricted(account, service, calendar: DemoCalendar, n: int) -> None:
    warning = _warn(account, service, calendar, issued=40, delivered=34, n=n)
    restriction = services.restriction_order(warning=warning, executor=EXECUTOR, kind=RestrictionKind.RESTRICTION,
                                             on=_day(calendar, 12))
    services.restriction_done(restriction=restriction, done_on=_day(calendar, 10),
                              act_number=f"АО-{calendar.today:%y%m}-{n:03d}")


def _agreement(account, service, calendar: DemoCalendar, n: int) -> None:
    agreement = services.agreement_prepare(account=account, parts=6, first_due=_day(calendar, 20))
    agreement = services.agreement_sign(agreement=agreement, signed_on=_day(calendar, 27))
    first = agreement.installments.order_by("seq").first()
    own_receipt_record(account_number=account.number, amount=first.amount, paid_on=_day(calendar, 21),
                       document_number=f"ПКО-{agreement.number}-1", service_code=service.code,
                       comment=f"Первый платёж по соглашению {agreement.number}")
    services.agreements_track(today=calendar.today)


def _case(account, calendar: DemoCalendar, steps: list[tuple[str, int]], n: int) -> CourtCase:
    """Open the case on the first step's day and record the others, each on its day before the load day."""
    (_claim, opened), *rest = steps
    case = services.court_case_open(account=account, on=_day(calendar, opened))
    for kind, days_before in rest:
        extra = {}
        if kind == CaseEventKind.FILED:
            extra = {"court_name": COURT}
        elif kind == CaseEventKind.ORDER_ISSUED:
            extra = {"court_case_number": f"2-{n:04d}/{_day(calendar, days_before):%Y}",
                     "document_number": f"2-{n:04d}/{_day(calendar, days_before):%Y}"}
        elif kind == CaseEventKind.RECOVERED:
            share = Decimal(1) if any(k == CaseEventKind.CLOSED for k, _d in rest) else Decimal(1) / 3
            extra = {"amount": (case.principal_debt * share).quantize(Decimal("0.01")),
                     "document_number": f"ПП-{n:06d}"}
        services.case_event_record(case=case, kind=kind, happened_on=_day(calendar, days_before), **extra)
        case.refresh_from_db()
    return case


COURT_STEPS = {
    "court": [("claim", 75), (CaseEventKind.FILED, 60), (CaseEventKind.ORDER_ISSUED, 30)],
    "enforcement": [("claim", 100), (CaseEventKind.FILED, 90), (CaseEventKind.ORDER_ISSUED, 70),
                    (CaseEventKind.SENT_TO_BAILIFFS, 50), (CaseEventKind.RECOVERED, 15)],
    "recovered": [("claim", 100), (CaseEventKind.FILED, 92), (CaseEventKind.ORDER_ISSUED, 72),
                  (CaseEventKind.SENT_TO_BANK, 55), (CaseEventKind.RECOVERED, 20), (CaseEventKind.CLOSED, 12)],
}


def _reminded(calendar: DemoCalendar, exclude: set[int]) -> list[int]:
    """The largest debtors with no work yet and under the threshold: reminded three days ago."""
    ids = list(Debtor.objects.filter(stage=Stage.NONE, threshold=False, stopped=False)
               .exclude(account_id__in=exclude).order_by("-debt", "account_id")
               .values_list("account_id", flat=True)[:REMINDED])
    services.stages_advance_bulk(ids, Stage.REMINDED, on=_day(calendar, 3))
    return ids


def _resident_request(principal, exclude: set[int]) -> int | None:
    """The demo resident asks for an agreement in six parts on their account with the principal."""
    link = ResidentLink.objects.filter(user__email=RESIDENT).order_by("pk").first()
    account = (PersonalAccount.objects.filter(unified_account_id=link.unified_account_id).first()
               if link is not None else None)
    if account is None or account.pk in exclude or not Debtor.objects.filter(account=account, debt__gt=0).exists():
        return None
    services.agreement_request(account=account, parts=6,
                               note="Прошу рассрочку на полгода: оплачу долг равными частями вместе с текущими счетами")
    return account.pk


def _principal_seed(principal, calendar: DemoCalendar, *, resident: bool) -> dict:
    register_refresh(today=calendar.today)
    service = Service.objects.filter(code=DEBTOR_SERVICE.get(principal.schema_name)).first()
    accounts = non_paying_accounts()
    over = set(Debtor.objects.filter(account__in=accounts, threshold=True).values_list("account_id", flat=True))
    debtors = [a for a in accounts if a.pk in over] if service is not None else []
    admin = (PrincipalMembership.objects.filter(principal=principal, role=PrincipalRole.ADMIN)
             .select_related("user").order_by("pk").first())
    done: dict[str, list[int]] = {}
    for n, (stage, account) in enumerate(zip(PLAN, debtors, strict=False), start=1):
        if stage == "restricted":
            _restricted(account, service, calendar, n)
        elif stage == "warned":
            _warn(account, service, calendar, issued=8, delivered=4, n=n)
        elif stage == "agreement":
            _agreement(account, service, calendar, n)
        elif stage == "stopped":
            services.work_stop(account=account, reason=STOP_REASON, user=admin.user if admin else None)
        else:
            _case(account, calendar, COURT_STEPS[stage], n)
        done.setdefault(stage, []).append(account.pk)
    touched = {pk for ids in done.values() for pk in ids}
    requested = _resident_request(principal, touched) if resident else None
    if requested:
        done["requested"] = [requested]
    return done


def _campaign(principals, calendar: DemoCalendar) -> CampaignRun | None:
    """The agent's demo campaign, run for the demo month on the load day, synchronously by its runner (the demo
    loads before the worker starts): the debtors over the п.118 threshold for hot water or electricity with no
    work yet get the warning by registered letter (the run prints the letters and the post office's register; the
    demo month's ЕПД is issued before the campaign, so a warning in it would not be printed) and reminders by SMS
    and e-mail. Once: the run is once per month."""
    campaign = Campaign.objects.filter(name=CAMPAIGN).order_by("pk").first()
    if campaign is None:
        chosen = [p.pk for p in principals if DEBTOR_SERVICE.get(p.schema_name) in CAMPAIGN_KINDS]
        if not chosen:
            return None
        campaign = campaign_create(
            name=CAMPAIGN, principal_ids=chosen, service_kinds=list(CAMPAIGN_KINDS), threshold_only=True,
            stages=[Stage.NONE, Stage.REMINDED], exclude_kept_agreement=True,
            actions=[CampaignAction.LETTER_WARNING, CampaignAction.SMS, CampaignAction.EMAIL],
            description="Должники с долгом по горячей воде или электроэнергии больше двух месячных начислений по "
                        "нормативу (ПП 354 п.118), по которым работа ещё не начата: предупреждение заказным письмом "
                        "(п.119 «а») и напоминания по SMS и электронной почте.")
    # the run's row, as campaign_run_request makes it, but run here rather than queued for the worker
    run, _created = CampaignRun.objects.get_or_create(campaign=campaign, month=calendar.month)
    if run.status != RunStatus.DONE:
        run = campaign_run_execute(run.pk, today=calendar.today)
    return run


def demo_collection_seed(principals, calendar: DemoCalendar) -> dict:
    """Debtors in every stage at each principal (see the module docstring); {schema: {stage: [account ids]}}, empty
    for a principal whose collection work was already there."""
    result = {}
    for index, principal in enumerate(principals):
        with tenant_context(principal):
            if Warning.objects.exists() or Agreement.objects.exists() or CourtCase.objects.exists():
                result[principal.schema_name] = {}
                continue
            with transaction.atomic():
                result[principal.schema_name] = _principal_seed(principal, calendar, resident=index == 0)
    fresh = [p for p in principals if result[p.schema_name]]
    if fresh:
        _campaign(fresh, calendar)
    for principal in fresh:
        with tenant_context(principal), transaction.atomic():
            touched = {pk for ids in result[principal.schema_name].values() for pk in ids}
            result[principal.schema_name]["reminded"] = _reminded(calendar, touched)
            register_refresh(today=calendar.today)
    return result
