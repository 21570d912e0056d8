"""The demo's debt collection (``agency.demo.collection``): after the demo seed every principal has debtors in every
stage of work, made lawfully on dates relative to the load day, and a second seed adds nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import tenant_context

from agency.collection.models import Campaign, CampaignRun, RunStatus
from agency.demo.billing import DEBTOR_SERVICE
from agency.demo.collection import CAMPAIGN, RESIDENT
from agency.demo.seed import PRINCIPALS, demo_seed
from agency.documents import storage
from tenants.billing.models import Norm, Occupancy, Tariff
from tenants.collection.models import (
    AccountCollection,
    Agreement,
    AgreementStatus,
    CampaignTouch,
    CaseEvent,
    CaseStatus,
    CourtCase,
    Debtor,
    DebtorLine,
    Installment,
    Reminder,
    Restriction,
    RestrictionStatus,
    Stage,
    Warning,
    WarningStatus,
)
from tenants.models import Principal
from tenants.receipts.models import Receipt, ReceiptSource
from tenants.residents.models import ResidentLink

pytestmark = pytest.mark.django_db

MODELS = (AccountCollection, Warning, Reminder, CampaignTouch, Restriction, Agreement, Installment, CourtCase,
          CaseEvent, Receipt, Debtor, DebtorLine)


def _rows() -> dict:
    """Every collection row (and every receipt) of every demo principal, with the sums that would move."""
    rows = {}
    for principal in Principal.objects.filter(schema_name__in=[p.schema for p in PRINCIPALS]):
        with tenant_context(principal):
            for model in MODELS:
                rows[(principal.schema_name, model.__name__)] = model.objects.count()
            rows[(principal.schema_name, "receipts")] = Receipt.objects.aggregate(s=Sum("amount"))["s"]
            rows[(principal.schema_name, "debt")] = Debtor.objects.aggregate(s=Sum("debt"))["s"]
    rows["campaigns"] = Campaign.objects.count(), CampaignRun.objects.count()
    return rows


def test_the_demo_has_debtors_in_every_stage_lawfully_and_once(settings, tmp_path):
    settings.S3_BUCKET = ""
    settings.MEDIA_ROOT = tmp_path
    result = demo_seed()
    today = result["calendar"].today

    for principal in result["principals"]:
        with tenant_context(principal):
            stages = set(AccountCollection.objects.values_list("stage", flat=True))
            assert {Stage.REMINDED, Stage.WARNED, Stage.RESTRICTED, Stage.AGREEMENT, Stage.COURT, Stage.ENFORCEMENT,
                    Stage.RECOVERED} <= stages, principal.schema_name
            # the register shows them (a recovered account may owe nothing any more and leave it)
            listed = set(Debtor.objects.values_list("stage", flat=True))
            assert {Stage.REMINDED, Stage.WARNED, Stage.RESTRICTED, Stage.AGREEMENT, Stage.COURT,
                    Stage.ENFORCEMENT} <= listed, principal.schema_name

            # п.118: each warned service's principal debt is over two monthly charges by norm × tariff × persons
            service = DEBTOR_SERVICE[principal.schema_name]
            for warning in Warning.objects.select_related("service"):
                assert warning.service.code == service
                norm = Norm.objects.get(service=warning.service).value
                tariff = Tariff.objects.get(service=warning.service, valid_to__isnull=True)
                # a two-component hot water tariff: its cold water component + the heat norm × the heat rate
                rate = tariff.rate if tariff.cold_component_rate is None else (
                    tariff.cold_component_rate + tariff.heat_norm * tariff.heat_rate)
                persons = Occupancy.objects.get(account_id=warning.account_id).living
                assert warning.norm_charge == (norm * rate * persons).quantize(Decimal("0.01"))
                assert warning.debt > 2 * warning.norm_charge

            # warned: delivered, the 20 days of п.119 «а» counted from the delivery still running on the load day
            running = Warning.objects.filter(status=WarningStatus.DELIVERED)
            assert running.exists()
            for warning in running:
                assert warning.term_end == warning.delivered_on + timedelta(days=20) >= today
                assert warning.issued_on <= warning.delivered_on <= today

            # restricted: no earlier than the day after the 20 days from delivery (п.119 «а», «б»), by an act
            restrictions = list(Restriction.objects.select_related("warning"))
            assert restrictions
            for restriction in restrictions:
                assert restriction.status == RestrictionStatus.DONE and restriction.act_number
                assert restriction.done_on >= restriction.warning.delivered_on + timedelta(days=21)
                assert restriction.warning.status == WarningStatus.RESTRICTED
                assert restriction.ordered_on <= restriction.done_on <= today

            # on an agreement: signed, partly paid and kept (the debtor's threshold no longer counts, п.118)
            agreement = Agreement.objects.get(status=AgreementStatus.ACTIVE)
            assert agreement.installments.count() == agreement.parts == 6
            first = agreement.installments.order_by("seq").first()
            assert agreement.paid == first.amount and agreement.shortfall == 0 and agreement.paid < agreement.total
            assert first.due_on <= today
            kept = Debtor.objects.get(account_id=agreement.account_id)
            assert kept.kept_agreement and not kept.threshold

            # in court: the order issued; in enforcement: part recovered as receipts «взыскание»; recovered: closed
            cases = {case.status: case for case in CourtCase.objects.all()}
            assert set(cases) == {CaseStatus.ORDER_ISSUED, CaseStatus.ENFORCEMENT, CaseStatus.CLOSED}
            for case in cases.values():
                kinds = list(case.events.order_by("happened_on", "pk").values_list("kind", flat=True))
                assert kinds[:3] == ["claim_sent", "filed", "order_issued"]
                assert case.court_name and case.calculated_on <= today
                enforced = Receipt.objects.filter(account_id=case.account_id, source=ReceiptSource.ENFORCEMENT)
                assert (enforced.aggregate(s=Sum("amount"))["s"] or 0) == case.recovered
            assert 0 < cases[CaseStatus.ENFORCEMENT].recovered < cases[CaseStatus.ENFORCEMENT].principal_debt
            assert cases[CaseStatus.CLOSED].recovered == cases[CaseStatus.CLOSED].principal_debt
            assert AccountCollection.objects.get(account_id=cases[CaseStatus.CLOSED].account_id).stage == \
                Stage.RECOVERED

            # stopped by the principal, with its reason, and shown so in the register
            stopped = AccountCollection.objects.get(stopped_at__isnull=False)
            assert stopped.stopped_reason and stopped.stopped_by_id is not None
            assert Debtor.objects.get(account_id=stopped.account_id).stopped

    # the agent's campaign ran for the demo month on the load day: warning letters for hot water and electricity
    run = CampaignRun.objects.get(campaign__name=CAMPAIGN)
    assert (run.month, run.status) == (result["calendar"].month, RunStatus.DONE)
    assert run.stats["totals"]["warned"] == run.stats["totals"]["letters"] > 0
    # the letters as one PDF print batch and the post office's register, stored
    keys = [f["key"] for f in run.files]
    assert any(k.endswith(".pdf") for k in keys) and any(k.endswith(".xlsx") for k in keys)
    assert all(storage.get(k)[:2] in (b"%P", b"PK") for k in keys)
    for principal in result["principals"]:
        with tenant_context(principal):
            by_run = Warning.objects.filter(campaign_run_id=run.pk)
            if DEBTOR_SERVICE[principal.schema_name] in ("hot_water", "electricity"):
                assert by_run.exists() and not by_run.exclude(channel="registered_letter", issued_on=today).exists()
                assert CampaignTouch.objects.filter(campaign_run_id=run.pk, action="letter_warning").count() == \
                    by_run.count()
            else:
                assert not by_run.exists()

    # the demo resident asked the first principal for an agreement from the cabinet, on their own account
    uk = result["principals"][0]
    household = ResidentLink.objects.get(user__email=RESIDENT).unified_account_id
    with tenant_context(uk):
        requested = Agreement.objects.get(status=AgreementStatus.REQUESTED)
        assert requested.requested_by_resident and requested.account.unified_account_id == household

    before = _rows()
    again = demo_seed()
    assert _rows() == before
    assert all(done == {} for done in again["collection"].values())
