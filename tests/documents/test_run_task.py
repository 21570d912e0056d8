"""The ЕПД run as Celery work: gather → assemble → render → deliver, resumable, and on a real worker.

The first tests run the tasks in-process (eager) inside the test transaction: they check the
coordinator's phases, not the broker. The last one runs a whole run on a real worker over a real
broker, with committed data that it removes again.
"""

import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from agency.documents import render, services, storage, tasks
from agency.documents.models import Epd, EpdDelivery, EpdRun
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import AccountService, Occupancy, PersonalAccount, Service, Tariff
from tenants.billing.recalculations import recalculation_manual_create
from tenants.registry.models import House, Premise, UnifiedAccount
from tenants.residents.models import ResidentLink
from tenants.schemas import active_principals
from tests import factories, test_celery_worker
from tests.documents import test_assembly as shared
from tests.documents.test_assembly import HOME, OCT, SEPT, _post

D = Decimal
# fixtures shared with the assembly tests, and the session's worker subprocess
household, principal_c = shared.household, shared.principal_c
celery_worker = test_celery_worker.celery_worker


@pytest.fixture
def eager(settings, tmp_path):
    app = tasks.epd_run_advance_task.app
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True  # in-process: these tests are about the phases, not the broker
    settings.MEDIA_ROOT = tmp_path  # PDFs on local disk, under the test's own directory
    settings.S3_BUCKET = ""
    yield
    app.conf.task_always_eager = previous


def _run_to_the_end(capture, start):
    with capture(execute=True):
        result = start()
    return result


def _subscriber(unified):
    resident = factories.user(email="resident-epd@test.local", is_resident=True)
    ResidentLink.objects.create(user=resident, unified_account=unified, e_receipts=True)
    return resident


def test_a_run_gathers_assembles_renders_and_delivers(household, eager, django_capture_on_commit_callbacks,
                                                      mailoutbox):
    _post(*household["principals"].values())
    resident = _subscriber(household["home"])

    run = _run_to_the_end(django_capture_on_commit_callbacks, lambda: services.epd_run_start(month=OCT))

    run.refresh_from_db()
    principals = active_principals().count()
    assert (run.status, run.error) == ("done", "")
    assert run.principals_total == run.principals_done == principals
    assert (run.documents_total, run.documents_written, run.issues_count) == (2, 2, 0)
    docs = list(Epd.objects.filter(month=OCT, is_current=True))
    assert len(docs) == 2 and run.documents_rendered == 2
    for doc in docs:
        pdf = storage.get(doc.pdf_key)
        assert pdf.startswith(b"%PDF") and doc.pdf_rendered_at is not None
    assert run.slices.count() == 2 and all(piece.done for piece in run.slices.all())
    # the subscribed resident got their household's document, and only that one
    delivery = EpdDelivery.objects.get()
    home = next(d for d in docs if d.unified_account_id == household["home"].pk)
    assert (delivery.epd_id, delivery.user_id, delivery.status) == (home.pk, resident.pk, "sent")
    assert [m.to for m in mailoutbox] == [[resident.email]]
    assert mailoutbox[0].attachments[0][1] == storage.get(home.pdf_key)


def test_a_crash_mid_run_and_a_resume_give_the_same_documents(household, eager, django_capture_on_commit_callbacks,
                                                              monkeypatch):
    _post(*household["principals"].values())
    real_render = render.render_epd
    calls = []

    def crash_on_second(content):
        calls.append(content["els"])
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real_render(content)

    monkeypatch.setattr(render, "render_epd", crash_on_second)  # failure injection: one render fails once
    run = _run_to_the_end(django_capture_on_commit_callbacks, lambda: services.epd_run_start(month=OCT))
    run.refresh_from_db()
    assert run.status == "failed" and "worker lost" in run.error
    before = {d.pk: (d.content_sha256, d.pdf_key) for d in Epd.objects.filter(month=OCT)}
    rendered_before = {pk for pk, (_sha, key) in before.items() if key}
    assert len(before) == 2 and len(rendered_before) == 1

    _run_to_the_end(django_capture_on_commit_callbacks, lambda: services.epd_run_resume(run_id=run.pk))

    run.refresh_from_db()
    assert run.status == "done" and run.error == ""
    after = {d.pk: (d.content_sha256, d.pdf_key) for d in Epd.objects.filter(month=OCT)}
    # the same two documents (no new versions); the one rendered before kept its PDF, the other got one
    assert after.keys() == before.keys()
    assert {pk: sha for pk, (sha, _key) in after.items()} == {pk: sha for pk, (sha, _key) in before.items()}
    assert all(key for _sha, key in after.values())
    assert all(after[pk][1] == before[pk][1] for pk in rendered_before)
    assert run.documents_written == 2


def test_reissue_makes_a_new_version_only_when_the_household_changed(household, eager,
                                                                    django_capture_on_commit_callbacks):
    principals, accounts = household["principals"], household["accounts"]
    run = _run_to_the_end(django_capture_on_commit_callbacks,
                          lambda: services.epd_run_start(month=OCT, include_unposted=True))
    v1 = Epd.objects.get(unified_account=household["home"], is_current=True)

    _reissue, same = _run_to_the_end(
        django_capture_on_commit_callbacks,
        lambda: services.epd_reissue(els=HOME, month=OCT, include_unposted=True))
    assert same.pk == v1.pk and Epd.objects.filter(unified_account=household["home"]).count() == 1

    with schema_context(principals["a"].schema_name):
        recalculation_manual_create(account=accounts["a"], service=household["services"]["cold"],
                                    corrected_month=SEPT, amount=D("-10.00"), comment="Жалоба жильца")
        charge_run(month=OCT)
    reissue, v2 = _run_to_the_end(
        django_capture_on_commit_callbacks,
        lambda: services.epd_reissue(epd_id=v1.pk, include_unposted=True))

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.is_current, v2.is_current, v2.version, v2.run_id) == (False, True, 2, reissue.pk)
    assert v2.total_due == v1.total_due - D("10.00")
    assert storage.get(v2.pdf_key).startswith(b"%PDF") and v2.pdf_key != v1.pdf_key
    # only the household was assembled: the neighbour's document is untouched
    assert Epd.objects.filter(unified_account=household["neighbour"]).count() == 1
    assert reissue.unified_account_id == household["home"].pk and run.pk != reissue.pk


def test_reissue_of_an_unknown_els_is_refused(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.epd_reissue(els="0000000000", month=OCT)
    assert refused.value.error_dict["els"][0].code == "EPD_NOT_FOUND"


# --- a real worker ---------------------------------------------------------------------------------

WORKER_TIMEOUT = 180.0
NOV = date(2026, 11, 1)


def _committed_household(django_db_blocker) -> dict:
    """Two committed principals with one account each in one household, November charged and posted."""
    from tests.bench._util import principal_make_light

    made = {"principals": []}
    with django_db_blocker.unblock():
        for n in (1, 2):
            made["principals"].append(principal_make_light(7700 + n, "epd_worker"))
        house = House.objects.create(region="Ярославская обл.", city="г. Ярославль", street="ул. Рабочая",
                                     house_number="3", postal_code="150001")
        premise = Premise.objects.create(house=house, number="9", area=D("48.00"))
        unified = UnifiedAccount.objects.create(number="7600199999", premise=premise, payer_name="Работников Р. Р.")
        made.update(house=house, premise=premise, unified=unified)
        for i, principal in enumerate(made["principals"]):
            with schema_context(principal.schema_name):
                service = Service.objects.create(code="maint", kind="maintenance", name="Содержание", unit="м²",
                                                 tariff_kind="per_area")
                Tariff.objects.create(service=service, valid_from=date(2026, 1, 1), rate=D("30.00") + i)
                account = PersonalAccount.objects.create(number=f"W-{i}", premise=premise, unified_account=unified,
                                                         payer_name="-", charge_area=D("48.00"),
                                                         opened_on=date(2020, 1, 1))
                Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=1, living=1)
                AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
                charge_run(month=NOV)
                period_post(month=NOV)
        connection.set_schema_to_public()
    return made


def _drop(made: dict, django_db_blocker) -> None:
    """Remove what the worker test committed, in SQL: an ORM delete of a premise would look for
    the principals' tables in the public schema."""
    from tests.bench._util import principals_drop

    with django_db_blocker.unblock():
        runs = list(EpdRun.objects.filter(month=NOV).values_list("pk", flat=True))
        for key in Epd.objects.filter(run_id__in=runs).exclude(pdf_key="").values_list("pdf_key", flat=True):
            storage.delete(key)
        with connection.cursor() as cursor:
            for sql in (
                "DELETE FROM documents_epdpayee WHERE epd_id IN (SELECT id FROM documents_epd WHERE run_id = ANY(%s))",
                "DELETE FROM documents_epddelivery WHERE epd_id IN "
                "(SELECT id FROM documents_epd WHERE run_id = ANY(%s))",
                "DELETE FROM documents_epd WHERE run_id = ANY(%s)",
                "DELETE FROM documents_runissue WHERE run_id = ANY(%s)",
                "DELETE FROM documents_epdassemblyslice WHERE run_id = ANY(%s)",
                "DELETE FROM documents_epdgathered WHERE run_id = ANY(%s)",
                "DELETE FROM documents_epdstaging WHERE run_id = ANY(%s)",
                "DELETE FROM documents_epdrun WHERE id = ANY(%s)",
            ):
                cursor.execute(sql, [runs])
        principals_drop(made["principals"])
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM registry_unifiedaccount WHERE id = %s", [made["unified"].pk])
            cursor.execute("DELETE FROM registry_premise WHERE id = %s", [made["premise"].pk])
            cursor.execute("DELETE FROM registry_house WHERE id = %s", [made["house"].pk])


@pytest.fixture(scope="module")
def worker_run(celery_worker, django_db_setup, django_db_blocker):
    """A run of committed data, started outside any transaction and left to the worker."""
    made = _committed_household(django_db_blocker)
    try:
        with django_db_blocker.unblock():
            run = services.epd_run_start(month=NOV)  # autocommit: queued at once
            deadline = time.monotonic() + WORKER_TIMEOUT
            while time.monotonic() < deadline:
                run.refresh_from_db()
                if run.status in ("done", "failed"):
                    break
                time.sleep(0.5)
        yield {**made, "run": run}
    finally:
        _drop(made, django_db_blocker)


@pytest.mark.celery
@pytest.mark.django_db
def test_a_whole_run_on_a_real_worker(worker_run):
    run = worker_run["run"]
    assert (run.status, run.error) == ("done", "")
    doc = Epd.objects.get(unified_account=worker_run["unified"], month=NOV)
    payees = sorted((p["principal_id"], p["charged"], p["closing"]) for p in doc.content["payees"])
    expected = []
    for principal in worker_run["principals"]:
        with schema_context(principal.schema_name), connection.cursor() as cursor:
            cursor.execute("SELECT sum(charged), sum(closing) FROM billing_balance")
            charged, closing = cursor.fetchone()
        expected.append((principal.pk, f"{charged:.2f}", f"{closing:.2f}"))
    assert payees == sorted(expected) and D(expected[0][1]) == D("1440.00")  # 48 m² × 30.00
    assert run.principals_done == run.principals_total == active_principals().count()
    assert run.documents_rendered == 1 and storage.get(doc.pdf_key).startswith(b"%PDF")
