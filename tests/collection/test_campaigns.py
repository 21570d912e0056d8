"""Collection campaigns (``agency.collection``): the rules that pick debtors, and runs that act once per month.

The debts are real: accounts billed for hot water by the norm (ПП 354 п.118 counts the threshold «исходя из
норматива потребления … и тарифа»), months charged and posted, payments recorded; the register is refreshed by
the run itself. The builders here are shared by ``test_messaging`` and ``test_call_lists``.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from agency.collection import runner
from agency.collection.campaigns import RUN_TASK, campaign_create, campaign_run_request, campaign_update
from agency.collection.models import Campaign, CampaignRun, RunStatus
from agency.collection.tasks import campaign_run_task
from billing_core.error_codes import ErrorCode
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import AccountService, Norm, Occupancy, PersonalAccount, Service, Tariff
from tenants.collection.models import (
    Agreement,
    AgreementStatus,
    CampaignTouch,
    Reminder,
    Stage,
    Warning,
)
from tenants.collection.register import register_refresh
from tenants.collection.services import stage_advance, work_stop
from tests.tenants.billing.test_balances import _accounts, _receipt

pytestmark = pytest.mark.django_db
D = Decimal

# hot water without a meter: norm 3.5 m³ a person a month, tariff 250.00 ₽/m³, 2 persons
HW_NORM, HW_RATE, HW_PERSONS = D("3.5"), D("250.00"), 2
NORM_CHARGE = HW_NORM * HW_PERSONS * HW_RATE  # one month by norm and tariff: 1 750.00 (п.118)
MONTHS = (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
TODAY = date(2026, 11, 5)
RUN_MONTH = date(2026, 11, 1)


def hot_water(principal, count: int, *, prefix: str) -> list[PersonalAccount]:
    """``count`` accounts of 2 persons each billed only for hot water by the norm: 3.5 × 2 × 250.00 a month."""
    accounts = _accounts(principal, count, prefix=prefix)
    with tenant_context(principal):
        service = Service.objects.get_or_create(code="hw", defaults={
            "kind": "hot_water", "name": "Горячее водоснабжение", "unit": "м³", "tariff_kind": "per_unit",
            "norm_basis": "person"})[0]
        Norm.objects.get_or_create(service=service, valid_from=date(2026, 1, 1), defaults={"value": HW_NORM})
        Tariff.objects.get_or_create(service=service, valid_from=date(2026, 1, 1), defaults={"rate": HW_RATE})
        for account in accounts:
            AccountService.objects.filter(account=account).update(valid_to=date(2020, 1, 31))
            AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
            Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=HW_PERSONS,
                                     living=HW_PERSONS)
    return accounts


def post_months(principal) -> None:
    with tenant_context(principal):
        for month in MONTHS:
            charge_run(month=month)
            period_post(month=month)


def world_a(principal) -> dict:
    """Principal A's debtors after three posted months (08–10.2026), as of 05.11.2026:

    - ``owes``: hot water unpaid 3 months: 3 × 1 750.00 = 5 250.00, over two norm charges (3 500.00): the threshold;
    - ``little``: paid 3 500.00, owes the last month only, 1 750.00 (one norm charge, 1 month old);
    - ``stopped``: owes like ``owes``, but the principal stopped work on it;
    - ``kept``: owes like ``owes``, and keeps a repayment agreement;
    - ``maint``: maintenance only (not restrictable), 3 × 50 m² × 30.00 = 4 500.00, in another house.
    Account-number prefixes are of distinct lengths: the test helper derives the ЕЛС from the prefix's length.
    """
    owes, little, stopped, kept = hot_water(principal, 4, prefix="CA")
    (maint,) = _accounts(principal, 1, prefix="CAMM")
    post_months(principal)
    with tenant_context(principal):
        _receipt(little.number, "3500.00", date(2026, 10, 20), "CA-P1", service="hw")
        work_stop(account=stopped, reason="Спор о начислениях")
        Agreement.objects.create(account=kept, number="СГ-1", status=AgreementStatus.ACTIVE, total=D("5250.00"),
                                 parts=3, first_due=date(2026, 11, 10), signed_on=date(2026, 10, 25))
    return {"owes": owes, "little": little, "stopped": stopped, "kept": kept, "maint": maint}


def world_b(principal) -> dict:
    """Principal B: one hot-water debtor of three unpaid months, like A's ``owes``."""
    (owes,) = hot_water(principal, 1, prefix="CBB")
    post_months(principal)
    return {"owes": owes}


def campaign_make(principals=(), **rules) -> Campaign:
    rules.setdefault("name", "Должники ГВС")
    rules.setdefault("actions", ["epd_warning"])
    return campaign_create(principal_ids=[p.pk for p in principals], **rules)


def _picked(principal, **rules) -> set[str]:
    campaign = Campaign(name="t", actions=["sms"], **rules)
    with tenant_context(principal):
        return {s.number for s in runner.debtors_select(campaign)}


def test_rules_pick_the_right_debtors(principal_a):
    w = world_a(principal_a)
    n = {k: a.number for k, a in w.items()}
    with tenant_context(principal_a):
        stage_advance(w["little"].pk, Stage.WARNED, on=TODAY)
        register_refresh(today=TODAY)
    # by default: every debtor but the stopped one and the one keeping an agreement
    assert _picked(principal_a) == {n["owes"], n["little"], n["maint"]}
    # a kept agreement may be included; a stopped account never is
    assert _picked(principal_a, exclude_kept_agreement=False) == {n["owes"], n["little"], n["kept"], n["maint"]}
    # 2 000.00 and more: 5 250.00 and 4 500.00 (with penalties), not 1 750.00 and its penalties
    assert _picked(principal_a, min_debt=D("2000.00")) == {n["owes"], n["maint"]}
    # the oldest unpaid month at least two months old: 08.2026 is three, 10.2026 (``little``) one
    assert _picked(principal_a, min_months=2) == {n["owes"], n["maint"]}
    # the hot-water house only
    assert _picked(principal_a, house_ids=[w["owes"].premise.house_id]) == {n["owes"], n["little"]}
    # maintenance only
    assert _picked(principal_a, service_kinds=["maintenance"]) == {n["maint"]}
    # the stage
    assert _picked(principal_a, stages=["warned"]) == {n["little"]}
    # п.118: over two monthly norm charges — 5 250.00 > 2 × 1 750.00; 1 750.00 is not; maintenance has no norm
    assert 3 * NORM_CHARGE > 2 * NORM_CHARGE >= 1 * NORM_CHARGE
    assert _picked(principal_a, threshold_only=True) == {n["owes"]}
    # the debt in norm charges: 5 250.00 / 1 750.00 = 3.00 ≥ 2.5; 1 750.00 / 1 750.00 = 1.00 is not
    assert _picked(principal_a, min_months_of_norm=D("2.5")) == {n["owes"]}


def test_campaign_rules_are_validated_with_field_names(principal_a):
    with pytest.raises(ValidationError) as caught:
        campaign_create(name=" ", actions=["amnesty", "fax"], service_kinds=["heating", "tea"], stages=["nowhere"],
                        schedule="monthly", run_day=31, min_debt=D("-1"))
    errors = {field: [e.code for e in errs] for field, errs in caught.value.error_dict.items()}
    assert errors["name"] == [ErrorCode.REQUIRED]
    assert errors["actions"] == [ErrorCode.INVALID]
    assert errors["serviceKinds"] == [ErrorCode.INVALID] and "tea" in str(caught.value.error_dict["serviceKinds"])
    assert errors["stages"] == [ErrorCode.INVALID]
    assert errors["runDay"] == [ErrorCode.INVALID]
    assert errors["minDebt"] == [ErrorCode.INVALID]
    assert errors["amnestyPayBy"] == [ErrorCode.REQUIRED]
    # a valid campaign, then a change that breaks it
    campaign = campaign_make([principal_a], schedule="monthly", run_day=5)
    with pytest.raises(ValidationError) as caught:
        campaign_update(campaign=campaign, schedule="monthly", run_day=None)
    assert "runDay" in caught.value.error_dict
    assert list(campaign.principals.all()) == [principal_a]


def test_a_run_is_once_a_month_and_queued_by_name(principal_a, django_capture_on_commit_callbacks):
    campaign = campaign_make([principal_a])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = campaign_run_request(campaign=campaign, month=date(2026, 11, 17))
        again = campaign_run_request(campaign=campaign, month=date(2026, 11, 1))
    assert first.pk == again.pk and first.month == RUN_MONTH and first.status == RunStatus.QUEUED
    # the queued run is not queued twice; the job is sent by its registered name
    assert len(callbacks) == 1
    assert RUN_TASK == "agentcollection.campaign_run"
    assert CampaignRun.objects.filter(campaign=campaign).count() == 1


def test_running_twice_in_a_month_warns_nobody_twice(principal_a):
    w = world_a(principal_a)
    campaign = campaign_make([principal_a], actions=["epd_warning"])
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    # the real job path: the task function, as a worker calls it
    result = campaign_run_task(run.pk)
    run.refresh_from_db()
    assert result["status"] == RunStatus.DONE == run.status
    stats = run.stats["principals"][principal_a.schema_name]
    # only ``owes`` is over the threshold of п.118 on a restrictable service (hot water); it is warned once
    assert stats["warned"] == 1 and stats["done"] is True and run.stats["totals"]["warned"] == 1
    with tenant_context(principal_a):
        assert list(Warning.objects.values_list("account_id", "channel", "campaign_run_id")) == [
            (w["owes"].pk, "epd", run.pk)]
        assert list(CampaignTouch.objects.values_list("account_id", "action")) == [(w["owes"].pk, "epd_warning")]
    # the same month again: the same run, resumed — nothing new
    again = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    assert again.pk == run.pk
    runner.campaign_run_execute(run.pk, today=TODAY)
    # another campaign in the same month: the account was warned this month already
    other = campaign_make([principal_a], name="Вторая", actions=["epd_warning"])
    other_run = campaign_run_request(campaign=other, month=RUN_MONTH)
    runner.campaign_run_execute(other_run.pk, today=TODAY)
    other_run.refresh_from_db()
    assert other_run.stats["principals"][principal_a.schema_name]["warned"] == 0
    with tenant_context(principal_a):
        assert Warning.objects.count() == 1
        assert CampaignTouch.objects.filter(action="epd_warning").count() == 1
        assert w["owes"].collection.stage == Stage.WARNED


def test_a_crash_after_the_first_principal_keeps_it_done_and_the_rerun_completes_the_second(
        principal_a, principal_b, monkeypatch):
    wa, wb = world_a(principal_a), world_b(principal_b)
    campaign = campaign_make([principal_a, principal_b], actions=["epd_warning"])
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    process = runner.principal_process

    def crash_in_b(ctx):
        process(ctx)  # B's rows are written, then the worker dies before the commit
        if ctx.principal.schema_name == principal_b.schema_name:
            raise RuntimeError("worker lost")

    monkeypatch.setattr(runner, "principal_process", crash_in_b)
    with pytest.raises(RuntimeError):
        runner.campaign_run_execute(run.pk, today=TODAY)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "worker lost" in run.error
    assert run.stats["principals"][principal_a.schema_name]["done"] is True
    assert principal_b.schema_name not in run.stats["principals"]
    with tenant_context(principal_a):
        assert list(Warning.objects.values_list("account_id", flat=True)) == [wa["owes"].pk]
    with tenant_context(principal_b):
        assert not Warning.objects.exists() and not CampaignTouch.objects.exists()  # rolled back whole
    # the rerun completes B and leaves A as it was
    monkeypatch.setattr(runner, "principal_process", process)
    campaign_run_request(campaign=campaign, month=RUN_MONTH)
    runner.campaign_run_execute(run.pk, today=TODAY)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.error == ""
    assert run.stats["totals"]["principals_done"] == 2 and run.stats["totals"]["warned"] == 2
    with tenant_context(principal_a):
        assert Warning.objects.count() == 1
    with tenant_context(principal_b):
        assert list(Warning.objects.values_list("account_id", flat=True)) == [wb["owes"].pk]


def test_a_campaign_for_one_principal_never_touches_another(principal_a, principal_b):
    world_a(principal_a)
    world_b(principal_b)
    campaign = campaign_make([principal_a], actions=["epd_warning", "email", "amnesty"],
                             amnesty_pay_by=date(2026, 12, 31))
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    runner.campaign_run_execute(run.pk, today=TODAY)
    run.refresh_from_db()
    assert list(run.stats["principals"]) == [principal_a.schema_name]
    with tenant_context(principal_a):
        assert Warning.objects.count() == 1 and Reminder.objects.count() == 3
    with tenant_context(principal_b):
        from tenants.collection.models import Amnesty, Debtor

        assert not Warning.objects.exists() and not Reminder.objects.exists()
        assert not CampaignTouch.objects.exists() and not Amnesty.objects.exists()
        assert not Debtor.objects.exists()  # B's register was not even refreshed


def test_claims_open_court_work_and_refusals_are_counted(principal_a):
    w = world_a(principal_a)
    campaign = campaign_make([principal_a], actions=["claim"], min_debt=D("2000.00"),
                             exclude_kept_agreement=False)
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    runner.campaign_run_execute(run.pk, today=TODAY)
    run.refresh_from_db()
    stats = run.stats["principals"][principal_a.schema_name]
    # owes and maint get a claim; kept is refused (an agreement being kept) with its code, the run goes on
    assert stats["claims"] == 2 and stats["claims_refused"] == {ErrorCode.AGREEMENT_KEPT: 1}
    with tenant_context(principal_a):
        from tenants.collection.models import CourtCase

        assert set(CourtCase.objects.values_list("account_id", flat=True)) == {w["owes"].pk, w["maint"].pk}


def test_letter_warnings_are_printed_as_one_batch_under_the_principals_prefix(principal_a, settings, tmp_path):
    settings.MEDIA_ROOT, settings.S3_BUCKET = tmp_path, ""
    w = world_a(principal_a)
    campaign = campaign_make([principal_a], actions=["letter_warning"])
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    run = runner.campaign_run_execute(run.pk, today=TODAY)
    stats = run.stats["principals"][principal_a.schema_name]
    assert stats["warned"] == 1 and stats["letters"] == 1
    with tenant_context(principal_a):
        assert list(Warning.objects.values_list("account_id", "channel")) == [(w["owes"].pk, "registered_letter")]
    # the print batch (PDF) and the post office's register (XLSX), both the principal's files
    assert [f["kind"] for f in run.files] == ["warning_letters", "warning_letters"]
    assert sorted(f["key"].rsplit(".", 1)[1] for f in run.files) == ["pdf", "xlsx"]
    assert all(f["schema"] == principal_a.schema_name for f in run.files)


def test_the_daily_round_refreshes_every_register_and_requests_the_monthly_campaigns_due(
        principal_a, django_capture_on_commit_callbacks):
    from agency.collection.tasks import collection_daily_task

    w = world_a(principal_a)
    due = campaign_make([principal_a], schedule="monthly", run_day=5)
    later = campaign_make([principal_a], name="Позже", schedule="monthly", run_day=20)
    campaign_make([principal_a], name="По запросу")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = collection_daily_task(TODAY.isoformat())
        again = collection_daily_task(TODAY.isoformat())
    assert report["failed"] == {} and report["principals"][principal_a.schema_name]["debtors"] == 5
    with tenant_context(principal_a):
        from tenants.collection.models import Debtor

        assert Debtor.objects.filter(account=w["owes"]).exists()
    # the campaign whose day is the 5th is requested once for November; the one of the 20th waits
    (run,) = CampaignRun.objects.filter(campaign__in=[due, later])
    assert (run.campaign_id, run.month, report["campaigns"], again["campaigns"]) == (due.pk, RUN_MONTH, [run.pk], [])
    assert len(callbacks) == 1
