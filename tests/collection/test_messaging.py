"""Reminders by SMS and e-mail (``agency.collection.messaging``): the providers, the texts, and sending once."""

import json

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from agency.collection import messaging, runner
from agency.collection.campaigns import campaign_run_request
from agency.collection.models import RunStatus
from tenants.collection.models import CampaignTouch, Debtor, Reminder
from tenants.residents.models import ResidentLink
from tests import factories
from tests.collection.test_campaigns import RUN_MONTH, TODAY, campaign_make, world_a

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.COLLECTION_CABINET_URL = "https://lk.example.test/"
    return tmp_path / "outbox" / "sms.jsonl"


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_the_fake_sms_provider_appends_a_json_line_per_message(outbox):
    provider = messaging.sms_provider()
    assert isinstance(provider, messaging.OutboxSmsProvider)
    assert provider.send(to="79160000001", text="Долг 1 750,00 ₽", key="reminder:a:1") == "reminder:a:1"
    provider.send(to="79160000002", text="Второе", key="reminder:a:2")
    lines = _lines(outbox)
    assert [(m["to"], m["text"], m["key"]) for m in lines] == [
        ("79160000001", "Долг 1 750,00 ₽", "reminder:a:1"), ("79160000002", "Второе", "reminder:a:2")]


def test_reminders_go_once_by_sms_and_e_mail_and_name_the_debt_the_principal_and_the_way_to_pay(
        principal_a, outbox):
    w = world_a(principal_a)
    resident = factories.user(email="payer@example.test", is_resident=True)
    ResidentLink.objects.create(user=resident, unified_account=w["owes"].unified_account)
    # the payer's phone is the account's own contact; the e-mail comes from the resident linked in the cabinet
    with tenant_context(principal_a):
        type(w["owes"]).objects.filter(pk=w["owes"].pk).update(phone="+7 (916) 000-00-01")
    campaign = campaign_make([principal_a], actions=["sms", "email"])
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    runner.campaign_run_execute(run.pk, today=TODAY)

    with tenant_context(principal_a):
        debt = Debtor.objects.get(account=w["owes"]).debt
    debt_text = messaging.money_text(debt)
    # one SMS, to the one payer with a phone
    (sms,) = _lines(outbox)
    assert sms["to"] == "79160000001" and sms["key"].startswith(f"reminder:{principal_a.schema_name}:")
    assert debt_text in sms["text"] and principal_a.short_name in sms["text"]
    assert "https://lk.example.test/" in sms["text"] and w["owes"].number in sms["text"]
    # one e-mail, to the linked resident
    (letter,) = mail.outbox
    assert letter.to == ["payer@example.test"] and w["owes"].number in letter.subject
    assert debt_text in letter.body and principal_a.short_name in letter.body
    assert "https://lk.example.test/" in letter.body
    run.refresh_from_db()
    stats = run.stats["principals"][principal_a.schema_name]
    # selected: owes, little, maint (stopped and kept are not); only owes has contacts
    assert stats["reminded"] == {"sms": 1, "email": 1} and stats["no_contact"] == {"sms": 2, "email": 2}
    assert stats["sent"] == {"email_no_contact": 2, "email_sent": 1, "sms_no_contact": 2, "sms_sent": 1}
    with tenant_context(principal_a):
        assert set(CampaignTouch.objects.values_list("account_id", "action")) == {
            (w["owes"].pk, "sms"), (w["owes"].pk, "email")}

    # the month again: nothing is sent a second time
    campaign_run_request(campaign=campaign, month=RUN_MONTH)
    runner.campaign_run_execute(run.pk, today=TODAY)
    assert len(_lines(outbox)) == 1 and len(mail.outbox) == 1
    with tenant_context(principal_a):
        assert Reminder.objects.filter(status="sent").count() == 2 and Reminder.objects.count() == 6


def test_a_message_queued_before_a_crash_is_sent_by_the_rerun_and_a_refusal_is_recorded(principal_a, outbox,
                                                                                        monkeypatch):
    w = world_a(principal_a)
    resident = factories.user(email="late@example.test", is_resident=True)
    ResidentLink.objects.create(user=resident, unified_account=w["owes"].unified_account)
    campaign = campaign_make([principal_a], actions=["email"])
    run = campaign_run_request(campaign=campaign, month=RUN_MONTH)
    send = runner.reminders_send

    def die_before_sending(run_id, principal):
        raise RuntimeError("worker lost after the commit")

    monkeypatch.setattr(runner, "reminders_send", die_before_sending)
    with pytest.raises(RuntimeError):
        runner.campaign_run_execute(run.pk, today=TODAY)
    assert mail.outbox == []
    with tenant_context(principal_a):
        assert Reminder.objects.get(address="late@example.test").status == "queued"
    # the rerun: the principal is done, its queued letter leaves now — the gateway refuses it
    monkeypatch.setattr(runner, "reminders_send", send)

    class Refusing:
        def send(self, **kwargs):
            raise messaging.SendError("550 mailbox unavailable")

    monkeypatch.setattr(messaging, "email_provider", lambda: Refusing())
    campaign_run_request(campaign=campaign, month=RUN_MONTH)
    run = runner.campaign_run_execute(run.pk, today=TODAY)
    assert run.status == RunStatus.DONE
    with tenant_context(principal_a):
        reminder = Reminder.objects.get(address="late@example.test")
        assert (reminder.status, reminder.error) == ("failed", "550 mailbox unavailable")
