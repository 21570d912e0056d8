"""ЕПД over GraphQL: a principal sees its own block only; a resident sees their own households' documents and
downloads the PDF through a short-lived link; the agent's staff watch runs."""

from datetime import date

import pytest
from django.test import Client

from agency.documents import storage
from agency.documents.models import Epd, RunIssue
from agency.identity.permissions import AgentRole, Perm
from tenants.residents.models import ResidentLink
from tests import factories
from tests.graphql_api.test_isolation import (
    EPD_RUN_ISSUES,
    PRINCIPAL_EPD_BLOCKS,
    RESIDENT_DOCUMENT,
    RESIDENT_DOCUMENTS,
    RESIDENT_E_RECEIPTS,
    epd_document,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% test document\n%%EOF\n"


@pytest.fixture
def household(principal_a, principal_b, settings, tmp_path):
    settings.S3_BUCKET = ""  # local disk storage, links signed by the site
    settings.MEDIA_ROOT = tmp_path
    mine = Epd.objects.get(pk=epd_document("7600088001", {principal_a: "A-0001", principal_b: "B-0001"}))
    other = Epd.objects.get(pk=epd_document("7600088002", {principal_a: "A-0002", principal_b: "B-0002"}))
    key = storage.new_key("epd")
    storage.put(key, PDF, "application/pdf")
    Epd.objects.filter(pk=mine.pk).update(pdf_key=key)
    resident = factories.user(is_resident=True)
    ResidentLink.objects.create(user=resident, unified_account=mine.unified_account)
    return {"mine": mine, "other": other, "resident": resident}


def test_a_principal_sees_only_its_own_block_of_each_document(household, principal_a, gql):
    staff = factories.staff(principal_a, permissions=[Perm.CHARGES_VIEW])
    payload = gql("a.localhost", user=staff)(PRINCIPAL_EPD_BLOCKS, {"month": "2026-10-01"})
    nodes = payload["data"]["principalEpdBlocks"]["nodes"]
    assert sorted(n["accountNumber"] for n in nodes) == ["A-0001", "A-0002"]
    assert {n["block"]["principalId"] for n in nodes} == {str(principal_a.pk)}
    assert "B-000" not in str(payload)


def test_a_resident_sees_their_document_and_downloads_it(household, gql):
    client = gql("localhost", user=household["resident"])
    docs = client(RESIDENT_DOCUMENTS)["data"]["residentDocuments"]
    assert [d["els"] for d in docs] == ["7600088001"]
    assert {p["accountNumber"] for p in docs[0]["payees"]} == {"A-0001", "B-0001"}
    url = client(RESIDENT_DOCUMENT, {"id": str(household["mine"].pk)})["data"]["residentDocument"]["downloadUrl"]
    response = Client(HTTP_HOST="localhost").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_a_resident_cannot_reach_a_neighbours_document(household, gql):
    client = gql("localhost", user=household["resident"])
    payload = client(RESIDENT_DOCUMENT, {"id": str(household["other"].pk)})
    assert payload["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "7600088002" not in str(payload)


def test_e_receipts_switch_only_for_the_residents_own_household(household, gql):
    client = gql("localhost", user=household["resident"])
    on = client(RESIDENT_E_RECEIPTS, {"els": "7600088001", "enabled": True})["data"]["residentEReceipts"]
    assert on == {"els": "7600088001", "enabled": True, "errors": []}
    assert ResidentLink.objects.get(user=household["resident"]).e_receipts is True
    refused = client(RESIDENT_E_RECEIPTS, {"els": "7600088002", "enabled": True})
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_agent_staff_read_a_runs_issues(household, gql):
    run = household["mine"].run
    RunIssue.objects.create(run=run, account_number="A-0001", code="EPD_NO_CHARGES", message="Нет начислений")
    operator = factories.user(agent_role=AgentRole.OPERATOR)
    issues = gql("localhost", user=operator)(EPD_RUN_ISSUES, {"runId": str(run.pk)})["data"]["epdRunIssues"]
    assert issues["totalCount"] == 1 and issues["nodes"][0]["code"] == "EPD_NO_CHARGES"
    assert date(2026, 10, 1) == run.month
