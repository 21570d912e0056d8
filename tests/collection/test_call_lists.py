"""Call lists (``agency.collection.call_lists``): the columns a dialer and an operator need, in CSV and XLSX, stored
under the principal's own prefix."""

import csv
import io
from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from agency.collection import messaging, runner
from agency.collection.call_lists import COLUMNS, phone_digits
from agency.collection.campaigns import campaign_run_request
from agency.documents import storage
from tenants.collection.models import CampaignTouch, Debtor
from tests.collection.test_campaigns import RUN_MONTH, TODAY, campaign_make, world_a, world_b

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.S3_BUCKET = ""
    settings.COLLECTION_CABINET_URL = "https://lk.example.test/"
    return tmp_path


def test_phone_digits():
    assert phone_digits("+7 (916) 123-45-67") == "79161234567"
    assert phone_digits("8 916 123 45 67") == "79161234567"
    assert phone_digits("9161234567") == "79161234567"
    assert phone_digits("") == ""


def test_call_list_columns_in_csv_and_xlsx_under_the_principals_prefix(principal_a, principal_b, media):
    w = world_a(principal_a)
    world_b(principal_b)
    with tenant_context(principal_a):  # the payer's phone on the account, as the principal keeps it
        type(w["owes"]).objects.filter(pk=w["owes"].pk).update(phone="8 (916) 000-00-01")
    campaign = campaign_make([principal_a, principal_b], actions=["call_list"], min_debt=2000)
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    run = runner.campaign_run_execute(run.pk, today=TODAY)

    files = {(f["schema"], f["key"].rsplit(".", 1)[1]): f for f in run.files}
    assert set(files) == {(s, ext) for s in (principal_a.schema_name, principal_b.schema_name)
                          for ext in ("csv", "xlsx")}
    # each principal's files under its own prefix: no key of one names the other's
    for (schema, _ext), f in files.items():
        assert f["key"].startswith(f"{schema}/call-list/") and f["kind"] == "call_list"

    data = storage.get(files[(principal_a.schema_name, "csv")]["key"])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [name for name, _label in COLUMNS] == [
        "phone", "payer", "unified_account", "account", "address", "debt", "months", "debt_text", "due_date",
        "principal", "cabinet_url"]
    with tenant_context(principal_a):
        owes = Debtor.objects.get(account=w["owes"])
        maint = Debtor.objects.get(account=w["maint"])
    by_account = {r[3]: r for r in rows[1:]}
    # min debt 2 000.00: owes (5 250.00 and penalties) and maint (4 500.00 and penalties), not little
    assert set(by_account) == {owes.number, maint.number}
    due = (TODAY + timedelta(days=runner.PAY_WITHIN_DAYS)).strftime("%d.%m.%Y")
    assert by_account[owes.number] == [
        "79160000001", owes.payer_name, w["owes"].unified_account.number, owes.number, owes.address,
        f"{owes.debt:.2f}".replace(".", ","), str(owes.months), messaging.money_text(owes.debt), due,
        principal_a.short_name, "https://lk.example.test/"]
    assert by_account[maint.number][0] == ""  # no phone known: listed, counted as no contact
    stats = run.stats["principals"][principal_a.schema_name]
    assert stats["call_list"] == 2 and stats["no_contact"]["call"] == 1

    book = load_workbook(io.BytesIO(storage.get(files[(principal_a.schema_name, "xlsx")]["key"])))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1] == [label for _name, label in COLUMNS]
    xlsx_owes = next(r for r in values[2:] if r[3] == owes.number)
    assert xlsx_owes[0] == "79160000001" and xlsx_owes[5] == float(owes.debt) and xlsx_owes[6] == owes.months
    assert xlsx_owes[7] == messaging.money_text(owes.debt)

    # B's list holds B's debtor only
    b_rows = storage.get(files[(principal_b.schema_name, "csv")]["key"]).decode("utf-8-sig").splitlines()[1:]
    with tenant_context(principal_b):
        (b_debtor,) = Debtor.objects.all()
        assert CampaignTouch.objects.filter(action="call").count() == 1
    assert len(b_rows) == 1 and b_debtor.number in b_rows[0] and owes.number not in b_rows[0]
