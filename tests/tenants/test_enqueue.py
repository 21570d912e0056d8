"""A job the broker refuses: every request that starts one answers 200 with a message in Russian, and the job's row
shows it failed, on a broker that cannot be reached (Redis, RabbitMQ) or cannot be written (the filesystem
transport without its folders), never a 500.

The sends happen when the request's transaction commits, so these tests commit for real (no test transaction:
``django_db_blocker.unblock()``, as the worker tests do) and remove what they made afterwards.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection
from django.test.utils import override_settings
from django_tenants.utils import tenant_context

from agency.identity.permissions import Perm
from tests import factories
from tests.conftest import GraphQLClient
from tests.graphql_api.uploading import upload_post

pytestmark = pytest.mark.django_db

MONTH = date(2031, 3, 1)  # a month no other test uses: its failed periods and runs are removed afterwards
REFUSED = "Не удалось поставить задание в очередь: служба фоновых задач недоступна. Попробуйте ещё раз позже."
UNREACHABLE = {
    "redis": "redis://127.0.0.1:1/0",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:1//",
    "filesystem": "filesystem://",
}

CHARGE_RUN_ALL = "mutation($m: Date!) { chargeRunAll(month: $m) { month queued errors { field message code } } }"
CHARGE_RUN = "mutation($m: Date!) { chargeRun(month: $m) { period { status } errors { field message code } } }"
EPD_RUN = ("mutation($m: Date!) { epdRunStart(month: $m) { run { id status } errors { field message code } } }")
REPORT = ("mutation($kind: ReportKind!, $m: Date, $d: ReportDelivery) { reportRequest(kind: $kind, month: $m, "
          "delivery: $d) { job { id status } errors { field message code } } }")
REPORT_JOB = "query($id: ID!) { reportJob(id: $id) { status error } }"
EPD_RUNS = "query($m: Date) { epdRuns(month: $m) { nodes { id status error } } }"
PROGRESS = "query($m: Date!) { chargeRunProgress(month: $m) { schemaName status } }"
REPLY = ("mutation($id: ID!, $text: String!) { appealReply(id: $id, text: $text) { appeal { status messages { text } } "
         "errors { field message code } } }")


def committed(body):
    """Run ``body(made)`` in a thread of its own, whose connection commits for real (the test's own transaction
    would hold back the sends until after the request), and remove what it made: ``made["users"]``, the jobs of
    those users and of MONTH."""
    made: dict = {"users": []}

    def run():
        try:
            return body(made)
        finally:
            try:
                _cleanup(made)
            finally:
                connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _cleanup(made: dict) -> None:
    from agency.appeals.models import Appeal
    from agency.documents.models import EpdRun
    from agency.payments.models import RegistryImport
    from agency.reports.models import ReportJob
    from tenants.billing.models import BillingPeriod
    from tenants.schemas import active_principals

    connection.set_schema_to_public()
    for principal in active_principals():
        with tenant_context(principal):
            BillingPeriod.objects.filter(month=MONTH).delete()
    users = made["users"]
    ReportJob.objects.filter(requested_by_id__in=users).delete()
    EpdRun.objects.filter(month=MONTH).delete()
    RegistryImport.objects.filter(created_by_id__in=users).delete()
    Appeal.objects.filter(messages__author_id__in=users).delete()
    with connection.cursor() as cursor:
        # in SQL: an ORM delete of a user would look for principals' tables in public
        cursor.execute("DELETE FROM identity_auditlog WHERE actor_user_id = ANY(%s)", [users])
        cursor.execute("DELETE FROM identity_principalmembership WHERE user_id = ANY(%s)", [users])
        cursor.execute("DELETE FROM identity_user WHERE id = ANY(%s)", [users])


def _user(made: dict, **extra):
    user = factories.user(f"enqueue-{uuid.uuid4().hex[:8]}@test.local", **extra)
    made["users"].append(user.pk)
    return user


def _staff(made: dict, principal, *permissions):
    user = factories.staff(principal, permissions=permissions, email=f"enqueue-{uuid.uuid4().hex[:8]}@test.local")
    made["users"].append(user.pk)
    return user


@pytest.fixture
def broker(tmp_path, monkeypatch):
    """``broker(kind)`` points the web side's Celery app at a broker that refuses, until the test ends."""
    from agency.site.celery import app

    saved = {"broker_url": app.conf.broker_url,
             "broker_transport_options": app.conf.broker_transport_options}

    def refuse(kind: str) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its configuration
        monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE[kind])
        app.conf.broker_url = UNREACHABLE[kind]
        if kind == "filesystem":  # the transport's folders missing: the web's FileNotFoundError of issue 11
            missing = str(tmp_path / "no-such-folder")
            app.conf.broker_transport_options = {"data_folder_in": missing, "data_folder_out": missing}
        _reset_pools(app)

    yield refuse
    monkeypatch.undo()
    app.conf.update(saved)
    _reset_pools(app)


def _reset_pools(app) -> None:
    """The app keeps its connection and producer pools: new ones follow the changed broker settings (kombu keeps
    the old ones, by connection, for the next test that asks for the same broker)."""
    app._pool = None
    app.amqp._producer_pool = None


def _refused(payload: dict, field: str) -> dict:
    assert payload["_status"] == 200, payload
    assert "errors" not in payload, payload
    result = payload["data"][field]
    assert result["errors"] == [{"field": None, "message": REFUSED, "code": "QUEUE_UNAVAILABLE"}]
    return result


def test_a_refused_charge_run_of_all_principals_fails_each_period_with_the_reason(broker):
    from tenants.billing.models import BillingPeriod
    from tenants.schemas import active_principals

    def body(made):
        operator = GraphQLClient("localhost", user=_user(made, agent_role="operator"))
        broker("redis")

        result = _refused(operator(CHARGE_RUN_ALL, {"m": MONTH.isoformat()}), "chargeRunAll")

        assert set(result["queued"]) == set(active_principals().values_list("schema_name", flat=True))
        for principal in active_principals():
            with tenant_context(principal):
                period = BillingPeriod.objects.get(month=MONTH)
                assert (period.status, period.error) == ("failed", REFUSED)
        progress = operator(PROGRESS, {"m": MONTH.isoformat()})["data"]["chargeRunProgress"]
        assert {p["status"] for p in progress} == {"FAILED"}

    committed(body)


def test_a_refused_charge_run_of_one_principal_fails_its_period(broker):
    from tenants.billing.models import BillingPeriod

    def body(made):
        principal = _principal_a()
        staff = GraphQLClient("a.localhost", user=_staff(made, principal, Perm.CHARGES_RUN, Perm.CHARGES_VIEW))
        broker("redis")

        _refused(staff(CHARGE_RUN, {"m": MONTH.isoformat()}), "chargeRun")

        with tenant_context(principal):
            period = BillingPeriod.objects.get(month=MONTH)
        assert (period.status, period.error) == ("failed", REFUSED)

    committed(body)


def test_a_refused_epd_run_is_failed_with_the_reason(broker):
    def body(made):
        operator = GraphQLClient("localhost", user=_user(made, agent_role="operator"))
        broker("redis")

        run = _refused(operator(EPD_RUN, {"m": MONTH.isoformat()}), "epdRunStart")["run"]

        runs = operator(EPD_RUNS, {"m": MONTH.isoformat()})["data"]["epdRuns"]["nodes"]
        assert [(r["id"], r["status"], r["error"]) for r in runs] == [(run["id"], "failed", REFUSED)]

    committed(body)


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_a_refused_report_is_failed_with_the_reason_on_every_broker(broker, kind):
    def body(made):
        staff = GraphQLClient("a.localhost", user=_staff(made, _principal_a(), Perm.REPORTS_VIEW))
        broker(kind)

        # by download, by e-mail, and the accounts page's «Выгрузить в Excel»
        for variables in ({"kind": "DEBTORS", "d": "DOWNLOAD"}, {"kind": "DEBTORS", "d": "EMAIL"},
                          {"kind": "ACCOUNTS", "d": "DOWNLOAD"}):
            job = _refused(staff(REPORT, variables), "reportRequest")["job"]
            assert staff(REPORT_JOB, {"id": job["id"]})["data"]["reportJob"] == {"status": "FAILED",
                                                                               "error": REFUSED}

    committed(body)


def test_a_refused_appeal_notification_keeps_the_answer_and_shows_no_error(broker):
    from agency.appeals.models import AppealMessage
    from agency.appeals.services import appeal_create_by_resident

    def body(made):
        resident = _user(made, is_resident=True)
        appeal = appeal_create_by_resident(user=resident, subject="Лифт", text="Не работает лифт")
        operator = GraphQLClient("localhost", user=_user(made, agent_role="operator"))
        broker("redis")

        payload = operator(REPLY, {"id": str(appeal.pk), "text": "Лифт починят сегодня."})

        assert payload["_status"] == 200 and "errors" not in payload
        answered = payload["data"]["appealReply"]
        assert answered["errors"] == [] and answered["appeal"]["status"] == "ANSWERED"
        message = AppealMessage.objects.get(appeal=appeal, text="Лифт починят сегодня.")
        assert message.notified_at is None  # logged; the answer is kept, its author not told to answer again

    committed(body)


def test_a_refused_background_registry_import_is_rejected_and_a_new_upload_queues_it(broker, tmp_path, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agency.payments.intake.tasks import registry_import_task
    from tests.payments.test_registry_requeue import _registry

    data, _total = _registry()
    sent = []

    def body(made):
        client = GraphQLClient("localhost", user=_user(made, agent_role="operator")).client

        def upload() -> dict:
            response = upload_post(client, "payment-registry", {
                "file": SimpleUploadedFile("reestr.txt", data), "layout": "sber_standard", "background": "1"},
                HTTP_HOST="localhost")
            assert response.status_code == 200, response.content
            return response.json()

        broker("redis")
        refused = upload()
        assert (refused["status"], refused["rowsPosted"]) == ("rejected", 0)
        assert [(e["message"], e["code"]) for e in refused["errors"]] == [(REFUSED, "QUEUE_UNAVAILABLE")]

        # the broker is back: the same file is queued again (recorded, not sent: no worker reads this broker)
        monkeypatch.setattr(registry_import_task, "apply_async", lambda args, **options: sent.append(args))
        again = upload()
        assert (again["id"], again["status"], again["phase"], again["errors"]) == (
            refused["id"], "staged", "queued", [])
        return refused["id"]

    with override_settings(MEDIA_ROOT=tmp_path, S3_BUCKET=""):
        import_id = committed(body)
    assert sent == [(import_id,)]


def _principal_a():
    from tenants.models import Principal

    return Principal.objects.get(pk=pytest.tenants.a_id)
