"""A report built by the real Celery worker over the real broker, from committed data that is removed again.

The job is requested from the public schema while the worker knows nothing else: the build must find the
principal's schema in the job row.
"""

import io
import time
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import load_workbook

from agency.documents import storage
from agency.identity.permissions import Perm
from agency.reports.models import ReportJob
from tests import factories, test_celery_worker
from tests.reports.conftest import balances_make

celery_worker = test_celery_worker.celery_worker
WORKER_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def worker_report(celery_worker, django_db_setup, django_db_blocker):
    from agency.reports.services import report_request
    from tests.bench._util import principal_make_light, principals_drop

    with django_db_blocker.unblock():
        principal = principal_make_light(7801, "report_worker")
        made = balances_make(principal.schema_name, street="ул. Рабочих отчётов")
        user = factories.staff(principal, permissions=[Perm.REPORTS_VIEW], email="report-worker@test.local")
        connection.set_schema_to_public()
        job = report_request(principal=principal, user=user, kind="debtors")  # committed: queued at once
        deadline = time.monotonic() + WORKER_TIMEOUT
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in ("done", "failed"):
                break
            time.sleep(0.3)
        data = storage.get(job.storage_key) if job.storage_key else b""
    try:
        yield {"job": job, "data": data}
    finally:
        with django_db_blocker.unblock():
            if job.storage_key:
                storage.delete(job.storage_key)
            ReportJob.objects.filter(pk=job.pk).delete()
            principals_drop([principal])
            with connection.cursor() as cursor:
                # in SQL: an ORM delete of the user would look for principals' tables in public
                cursor.execute("DELETE FROM identity_principalmembership WHERE user_id = %s", [user.pk])
                cursor.execute("DELETE FROM identity_user WHERE id = %s", [user.pk])
                cursor.execute("DELETE FROM registry_premise WHERE id = ANY(%s)", [[p.pk for p in made["premises"]]])
                cursor.execute("DELETE FROM registry_house WHERE id = %s", [made["house"].pk])


@pytest.mark.celery
@pytest.mark.django_db
def test_the_worker_builds_the_report_from_the_jobs_principal(worker_report):
    job = worker_report["job"]
    assert (job.status, job.error) == ("done", "")
    assert job.rows == 2 and job.finished_at is not None
    rows = list(load_workbook(io.BytesIO(worker_report["data"])).active.iter_rows(values_only=True))
    assert rows[0] == ("Лицевой счёт", "Плательщик", "Адрес", "Задолженность, ₽")
    assert [(r[0], Decimal(str(r[3]))) for r in rows[1:-1]] == [("R-001", Decimal("1432.34")),
                                                                 ("R-003", Decimal("665.00"))]
    assert rows[-1][0] == "Итого" and Decimal(str(rows[-1][3])) == Decimal("2097.34")
