"""The agent's debt collection back office over GraphQL (graphql_api.collection.office): campaigns made, run and
read back with their runs' totals and files, field-named refusals, the overview of every principal's register in
one statement, the ЕПД delivery that starts the п.119 «а» term, and the collection rates.

Principals' staff and API keys never reach the agent's fields: tests/graphql_api/test_permissions.py and
test_isolation.py hold a case for each field."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from agency.collection import runner
from agency.collection.models import Campaign, CampaignRun
from agency.identity.models import AuditLog
from agency.identity.permissions import Perm
from billing_core.collection import WARNING_DAYS
from tenants.billing.charge_run import charge_run, period_post
from tenants.collection.models import Debtor, Warning
from tenants.collection.register import register_refresh
from tests import factories
from tests.collection.test_campaigns import HW_NORM, HW_PERSONS, HW_RATE, hot_water, world_a, world_b
from tests.conftest import error_codes
from tests.tenants.billing.test_balances import _receipt

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 11, 5)  # the run's day (tests.collection.test_campaigns's world: 08–10.2026 posted)

E = "errors { field code message }"
RUN_FIELDS = ("id month status startedAt finishedAt error totals { selected selectedDebt warned reminded "
              "callListRows letters claims amnesty touched principalsDone } principals { schema principalId name done "
              "doneAt selected warned callListRows letters } files { title kind schema principalName filename url }")
CAMPAIGN_FIELDS = ("id name description principals { id name } minDebt minMonths minMonthsOfNorm thresholdOnly "
                   "houseIds serviceKinds stages excludeKeptAgreement actions amnestyPayBy schedule runDay active "
                   "createdAt runs { " + RUN_FIELDS + " }")
CREATE = "mutation($i: CampaignInput!) { campaignCreate(input: $i) { campaign { " + CAMPAIGN_FIELDS + " } " + E + " } }"
UPDATE = ("mutation($id: ID!, $i: CampaignInput!) { campaignUpdate(id: $id, input: $i) { campaign { id name active "
          "principals { id } runDay schedule } " + E + " } }")
RUN = "mutation($id: ID!, $m: Date) { campaignRun(id: $id, month: $m) { run { " + RUN_FIELDS + " } " + E + " } }"
CAMPAIGN = "query($id: ID!) { campaign(id: $id) { " + CAMPAIGN_FIELDS + " } }"
CAMPAIGNS = "query { campaigns { id name } }"
OVERVIEW = ("query { collectionOverview { principalId name debtors debtTotal principalDebtTotal threshold "
            "byStage { stage label count debt } refreshedAt } }")
DELIVERED = ("mutation($m: Date!, $d: Date!, $p: [ID!]) { epdWarningsDelivered(month: $m, deliveredOn: $d, "
             "principalIds: $p) { delivered principals { principalId name delivered } " + E + " } }")
RATES = ("query($f: Date!, $t: Date!) { collectionRates(monthFrom: $f, monthTo: $t) { "
         "byMonth { month charged paid rate } byHouse { houseId address charged paid rate } "
         "byAge { bucket amount share } dynamics { month debt change debtors } "
         "campaigns { campaignId campaignName accounts debt paid30 covered30 } } }")
RATES_BY_PRINCIPAL = ("query($f: Date!, $t: Date!) { collectionRatesByPrincipal(monthFrom: $f, monthTo: $t) { "
                      "principalId name schema charged paid rate } }")


@pytest.fixture
def office(tenants, gql):
    """The agent's operator on the agent's host (agent.collection.campaigns comes with the role)."""
    return gql(tenants.public_host, user=factories.user(agent_role="operator"))


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT, settings.S3_BUCKET = tmp_path, ""


def _errors(payload: dict, field: str) -> dict:
    return {e["field"]: e["code"] for e in payload["data"][field]["errors"]}


def test_a_campaign_made_run_and_read_back_with_its_run_totals_and_files(
        principal_a, tenants, gql, office, _media, django_capture_on_commit_callbacks):
    w = world_a(principal_a)
    # when the operator makes a campaign for A: warning letters and a call list for every debtor in work
    made = office(CREATE, {"i": {"name": "  Письма и обзвон  ", "description": "ГВС", "principalIds": [
        str(principal_a.pk)], "actions": ["LETTER_WARNING", "CALL_LIST"], "serviceKinds": ["HOT_WATER",
        "MAINTENANCE"], "schedule": "MONTHLY", "runDay": 5, "minDebt": "100.00"}})["data"]["campaignCreate"]
    assert made["errors"] == []
    campaign = made["campaign"]
    assert campaign["name"] == "Письма и обзвон" and campaign["principals"] == [
        {"id": str(principal_a.pk), "name": principal_a.short_name}]
    assert campaign["actions"] == ["LETTER_WARNING", "CALL_LIST"] and campaign["schedule"] == "MONTHLY"
    assert campaign["minDebt"] == "100.00" and campaign["runDay"] == 5 and campaign["runs"] == []
    assert campaign["excludeKeptAgreement"] is True and campaign["active"] is True

    # and asks for November's run (any day of the month): queued by name for the worker, not run here
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = office(RUN, {"id": campaign["id"], "m": "2026-11-17"})["data"]["campaignRun"]
    assert queued["errors"] == [] and queued["run"]["month"] == "2026-11-01" and queued["run"]["status"] == "QUEUED"
    assert queued["run"]["totals"]["selected"] == 0 and queued["run"]["principals"] == []
    assert len(callbacks) == 1
    run_id = int(queued["run"]["id"])
    # asking again in the month answers the same run
    again = office(RUN, {"id": campaign["id"], "m": "2026-11-01"})["data"]["campaignRun"]
    assert again["run"]["id"] == queued["run"]["id"]

    # the worker's job: the runner, as the task calls it
    runner.campaign_run_execute(run_id, today=TODAY)

    read = office(CAMPAIGN, {"id": campaign["id"]})["data"]["campaign"]
    (run,) = read["runs"]
    stored = CampaignRun.objects.get(pk=run_id)
    assert run["status"] == "DONE" and run["error"] == "" and run["startedAt"] and run["finishedAt"]
    # picked: every debtor but the stopped one and the one keeping an agreement (owes, little, maint)
    picked = {w["owes"].number, w["little"].number, w["maint"].number}
    with tenant_context(principal_a):
        debt = sum((d.debt for d in Debtor.objects.filter(number__in=picked)), D("0.00"))
    # warned: only ``owes`` is over two monthly charges by norm on a restrictable service (ПП 354 п.118):
    # 3 × (3.5 × 2 × 250.00) = 5 250.00 > 2 × 1 750.00; ``little`` owes one month, maintenance is never restricted
    norm_charge = HW_NORM * HW_PERSONS * HW_RATE
    assert 3 * norm_charge > 2 * norm_charge >= norm_charge
    totals = run["totals"]
    assert totals == {"selected": 3, "selectedDebt": str(debt), "warned": 1, "reminded": 0, "callListRows": 3,
                      "letters": 1, "claims": 0, "amnesty": 0, "touched": 1 + 3, "principalsDone": 1}
    assert totals["selected"] == stored.stats["totals"]["selected"]
    done_at = run["principals"][0].pop("doneAt")
    assert done_at and run["startedAt"] <= done_at <= run["finishedAt"]  # a DateTime, within the run
    assert run["principals"] == [{"schema": principal_a.schema_name, "principalId": str(principal_a.pk),
                                  "name": principal_a.short_name, "done": True, "selected": 3, "warned": 1,
                                  "callListRows": 3, "letters": 1}]
    # the files: the letters' print batch and the post register, the call list in CSV and XLSX — links only
    assert sorted((f["kind"], f["filename"].rsplit(".", 1)[1]) for f in run["files"]) == [
        ("call_list", "csv"), ("call_list", "xlsx"), ("warning_letters", "pdf"), ("warning_letters", "xlsx")]
    assert {f["schema"] for f in run["files"]} == {principal_a.schema_name}
    assert all(f["url"] and f["title"] for f in run["files"])
    stored_keys = {f["key"] for f in stored.files}
    assert not any(key in str(read) for key in stored_keys)  # a storage key is never shown
    pdf = next(f for f in run["files"] if f["filename"].endswith(".pdf"))
    download = Client(HTTP_HOST="localhost").get(pdf["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content if download.streaming
                                                    else [download.content]).startswith(b"%PDF")

    # A's own collection rates show what the campaign touched: three accounts, their debt when first touched, no
    # money since
    viewer = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.COLLECTION_VIEW]))
    effect = viewer(RATES, {"f": "2026-08-01", "t": "2026-10-01"})["data"]["collectionRates"]["campaigns"]
    assert effect == [{"campaignId": campaign["id"], "campaignName": "Письма и обзвон", "accounts": 3,
                       "debt": str(debt), "paid30": "0.00", "covered30": "0.0"}]

    # the list: newest first
    office(CREATE, {"i": {"name": "Вторая", "actions": ["SMS"]}})
    assert [c["name"] for c in office(CAMPAIGNS)["data"]["campaigns"]] == ["Вторая", "Письма и обзвон"]
    # every call in the audit log, with its outcome
    assert list(AuditLog.objects.filter(fields__overlap=["campaignCreate", "campaignRun"]).order_by("pk")
                .values_list("fields", "succeeded")) == [
        (["campaignCreate"], True), (["campaignRun"], True), (["campaignRun"], True), (["campaignCreate"], True)]


def test_campaign_rules_are_refused_field_by_field(principal_a, office):
    # when the rules are wrong in several ways at once
    payload = office(CREATE, {"i": {"name": " ", "actions": ["AMNESTY"], "schedule": "MONTHLY", "runDay": 31,
                                    "minDebt": "-1", "minMonths": 700}})
    # then each fault is on its field, and nothing is made
    assert _errors(payload, "campaignCreate") == {"name": "REQUIRED", "amnestyPayBy": "REQUIRED", "runDay": "INVALID",
                                                  "minDebt": "INVALID", "minMonths": "INVALID"}
    assert payload["data"]["campaignCreate"]["campaign"] is None
    assert not Campaign.objects.exists()
    # a principal that does not exist
    missing = office(CREATE, {"i": {"name": "Т", "actions": ["SMS"], "principalIds": ["987654321"]}})
    assert _errors(missing, "campaignCreate") == {"principalIds": "NOT_FOUND"}
    # an update that breaks a valid campaign: monthly without a day; an unknown campaign
    made = office(CREATE, {"i": {"name": "Т", "actions": ["SMS"]}})["data"]["campaignCreate"]["campaign"]
    broken = office(UPDATE, {"id": made["id"], "i": {"schedule": "MONTHLY"}})
    assert _errors(broken, "campaignUpdate") == {"runDay": "REQUIRED"}
    assert _errors(office(UPDATE, {"id": "987654321", "i": {"name": "Х"}}), "campaignUpdate") == {"id": "NOT_FOUND"}
    # a valid change: only the fields given change; principalIds replaces the principals
    changed = office(UPDATE, {"id": made["id"], "i": {"active": False, "principalIds": [str(principal_a.pk)]}})
    assert changed["data"]["campaignUpdate"] == {"campaign": {
        "id": made["id"], "name": "Т", "active": False, "principals": [{"id": str(principal_a.pk)}], "runDay": None,
        "schedule": "ON_DEMAND"}, "errors": []}
    # an inactive campaign is not run: the refusal names the campaign's argument
    refused = office(RUN, {"id": made["id"], "m": "2026-11-01"})
    assert _errors(refused, "campaignRun") == {"id": "COLLECTION_STATE"}
    assert not CampaignRun.objects.exists()
    assert AuditLog.objects.filter(fields=["campaignRun"], succeeded=False,
                                   error_codes=["COLLECTION_STATE"]).count() == 1


def test_the_overview_reads_every_principals_register_in_one_statement(principal_a, principal_b, office):
    wa, wb = world_a(principal_a), world_b(principal_b)
    for principal in (principal_a, principal_b):
        with tenant_context(principal):
            register_refresh(today=TODAY)
    expected = {}
    for principal in (principal_a, principal_b):
        with tenant_context(principal):
            rows = list(Debtor.objects.values("stage", "debt", "principal_debt", "threshold"))
        expected[str(principal.pk)] = rows
    connection.set_schema_to_public()

    with CaptureQueriesContext(connection) as queries:
        overview = office(OVERVIEW)["data"]["collectionOverview"]
    assert len([q for q in queries.captured_queries if "collection_debtor" in q["sql"]]) == 1

    by_id = {p["principalId"]: p for p in overview}
    a, b = by_id[str(principal_a.pk)], by_id[str(principal_b.pk)]
    # A: five debtors (owes, little, stopped, kept, maint); B: one
    assert a["debtors"] == len(wa) == 5 and b["debtors"] == len(wb) == 1
    for node, rows in ((a, expected[str(principal_a.pk)]), (b, expected[str(principal_b.pk)])):
        assert D(node["debtTotal"]) == sum(r["debt"] for r in rows)
        assert D(node["principalDebtTotal"]) == sum(r["principal_debt"] for r in rows)
        assert node["refreshedAt"] is not None
    # п.118: over two monthly charges by norm — owes and stopped at A (3 × 1 750.00 each), owes at B; little
    # (1 × 1 750.00) is not, maintenance has no norm, and kept is repaying under an agreement (not counted)
    assert a["threshold"] == 2 and b["threshold"] == 1
    assert sum(r["threshold"] for r in expected[str(principal_a.pk)]) == 2
    # no work done yet: every debtor at the first stage, its count and debt
    for node, rows in ((a, expected[str(principal_a.pk)]), (b, expected[str(principal_b.pk)])):
        assert node["byStage"] == [{"stage": "NONE", "label": "Без работы", "count": len(rows),
                                    "debt": str(sum(r["debt"] for r in rows))}]


def test_epd_delivery_starts_the_20_day_term_in_the_principals_named(principal_a, principal_b, office):
    wa, wb = world_a(principal_a), world_b(principal_b)
    campaign = Campaign.objects.create(name="ЕПД", actions=["epd_warning"])  # every active principal
    run = CampaignRun.objects.create(campaign=campaign, month=date(2026, 11, 1))
    runner.campaign_run_execute(run.pk, today=TODAY)
    # the run printed a warning in November's ЕПД of each principal's debtor over the п.118 threshold
    for principal, world in ((principal_a, wa), (principal_b, wb)):
        with tenant_context(principal):
            assert list(Warning.objects.values_list("account_id", "channel", "delivered_on")) == [
                (world["owes"].pk, "epd", None)]
    connection.set_schema_to_public()

    # when the ЕПД are delivered at A on 10.11.2026
    delivered_on = date(2026, 11, 10)
    at_a = office(DELIVERED, {"m": "2026-11-01", "d": delivered_on.isoformat(), "p": [str(principal_a.pk)]})
    assert at_a["data"]["epdWarningsDelivered"] == {"delivered": 1, "principals": [
        {"principalId": str(principal_a.pk), "name": principal_a.short_name, "delivered": 1}], "errors": []}
    # then the 20 days of п.119 «а» run from the delivery: day 1 is the day after, the term ends 30.11.2026
    term_end = delivered_on + timedelta(days=20)
    assert WARNING_DAYS == 20 and term_end == date(2026, 11, 30)
    with tenant_context(principal_a):
        assert list(Warning.objects.values_list("delivered_on", "term_end", "status")) == [
            (delivered_on, term_end, "delivered")]
    with tenant_context(principal_b):  # B was not named: untouched
        assert list(Warning.objects.values_list("delivered_on", "status")) == [(None, "issued")]
    connection.set_schema_to_public()

    # none named: every active principal; A's warning is delivered already and keeps its date
    everyone = office(DELIVERED, {"m": "2026-11-20", "d": "2026-11-12"})["data"]["epdWarningsDelivered"]
    assert {p["principalId"]: p["delivered"] for p in everyone["principals"]} == {
        str(principal_a.pk): 0, str(principal_b.pk): 1}
    with tenant_context(principal_b):
        assert list(Warning.objects.values_list("term_end", flat=True)) == [date(2026, 11, 12) + timedelta(days=20)]
    with tenant_context(principal_a):
        assert list(Warning.objects.values_list("term_end", flat=True)) == [term_end]
    connection.set_schema_to_public()

    # a delivery before the month began, or a principal that does not exist, is refused on its argument
    early = office(DELIVERED, {"m": "2026-11-01", "d": "2026-10-31"})
    assert _errors(early, "epdWarningsDelivered") == {"deliveredOn": "INVALID"}
    missing = office(DELIVERED, {"m": "2026-11-01", "d": "2026-11-10", "p": ["987654321"]})
    assert _errors(missing, "epdWarningsDelivered") == {"principalIds": "NOT_FOUND"}


def _rate(paid: Decimal, charged: Decimal) -> Decimal:
    return (D(100) * paid / charged).quantize(D("0.1"), rounding=ROUND_HALF_UP)


def test_collection_rates_of_a_principal_and_per_principal(principal_a, principal_b, tenants, gql, office):
    # two hot-water accounts at A billed 3.5 × 2 × 250.00 = 1 750.00 a month (ПП 354 п.42: norm × persons × tariff);
    # one pays 1 000.00 in September before September's run takes it in; one account at B, unpaid
    first, _second = hot_water(principal_a, 2, prefix="RT")
    (b_owes,) = hot_water(principal_b, 1, prefix="RTB")
    month_charge = HW_NORM * HW_PERSONS * HW_RATE
    with tenant_context(principal_a):
        charge_run(month=date(2026, 8, 1))
        period_post(month=date(2026, 8, 1))
        _receipt(first.number, "1000.00", date(2026, 9, 10), "RT-P1", service="hw")
        for month in (date(2026, 9, 1), date(2026, 10, 1)):
            charge_run(month=month)
            period_post(month=month)
    with tenant_context(principal_b):
        for month in (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)):
            charge_run(month=month)
            period_post(month=month)
    connection.set_schema_to_public()

    viewer = gql(tenants.a_host, user=factories.staff(principal_a, permissions=[Perm.COLLECTION_VIEW]))
    rates = viewer(RATES, {"f": "2026-08-01", "t": "2026-10-31"})["data"]["collectionRates"]
    charged = (2 * month_charge).quantize(D("0.01"))  # 3 500.00 a month
    assert rates["byMonth"] == [
        {"month": "2026-08-01", "charged": str(charged), "paid": "0.00", "rate": "0.0"},
        # paid / charged: 1 000.00 / 3 500.00 = 28.57… % → 28.6 (one decimal, half up)
        {"month": "2026-09-01", "charged": str(charged), "paid": "1000.00", "rate": str(_rate(D("1000"), charged))},
        {"month": "2026-10-01", "charged": str(charged), "paid": "0.00", "rate": "0.0"},
    ]
    assert _rate(D("1000"), charged) == D("28.6")
    (house,) = rates["byHouse"]
    assert house["houseId"] == str(first.premise.house_id) and house["charged"] == str(3 * charged)
    assert house["rate"] == str(_rate(D("1000"), 3 * charged))  # 1 000.00 / 10 500.00 = 9.52… → 9.5
    # the debt at each close: charged − paid + the penalties accrued (ЖК РФ ст.155 ч.14, from the month after the
    # due date): 3 500.00; 7 000.00 − 1 000.00; 10 500.00 − 1 000.00 + October's penalties; two debtors each month
    with tenant_context(principal_a):
        from tenants.billing.models import Balance

        penalties = {m: sum((b.penalties for b in Balance.objects.filter(period__month=m)), D("0.00"))
                     for m in (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))}
    connection.set_schema_to_public()
    assert penalties[date(2026, 8, 1)] == penalties[date(2026, 9, 1)] == 0 < penalties[date(2026, 10, 1)]
    debts = [charged, 2 * charged - 1000, 3 * charged - 1000 + penalties[date(2026, 10, 1)]]
    assert [(m["month"], m["debt"], m["debtors"]) for m in rates["dynamics"]] == [
        ("2026-08-01", str(debts[0]), 2), ("2026-09-01", str(debts[1]), 2), ("2026-10-01", str(debts[2]), 2)]
    assert [m["change"] for m in rates["dynamics"]] == [None, str(debts[1] - debts[0]), str(debts[2] - debts[1])]
    assert rates["campaigns"] == []
    # a range turned the wrong way is refused
    assert error_codes(viewer(RATES, {"f": "2026-10-01", "t": "2026-08-01"})) == ["INVALID"]

    per_principal = office(RATES_BY_PRINCIPAL, {"f": "2026-08-01", "t": "2026-10-01"})["data"]
    by_id = {r["principalId"]: r for r in per_principal["collectionRatesByPrincipal"]}
    assert by_id[str(principal_a.pk)] == {"principalId": str(principal_a.pk), "name": principal_a.short_name,
                                          "schema": "principal_a", "charged": str(3 * charged), "paid": "1000.00",
                                          "rate": "9.5"}
    # B: 3 × 1 750.00 charged to its one account, nothing paid
    assert by_id[str(principal_b.pk)]["charged"] == str((3 * month_charge).quantize(D("0.01")))
    assert by_id[str(principal_b.pk)]["rate"] == "0.0" and b_owes.number.startswith("RTB")
