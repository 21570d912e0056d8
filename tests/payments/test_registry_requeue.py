"""The background registry import finds its import like the synchronous one: a file rejected in another layout is
staged again in the new one, and queued."""

from decimal import Decimal

import pytest
from django.test.utils import override_settings

from agency.payments.intake.registry_import import Phase, registry_import, registry_import_run
from agency.payments.models import ImportStatus, Payment, RegistryImport

pytestmark = pytest.mark.django_db
D = Decimal


def _registry() -> tuple[bytes, Decimal]:
    """A small sber_standard file of payments nobody is matched to (they are posted unmatched)."""
    lines, total = [], D("0.00")
    for n in range(3):
        amount = D(n + 1) + D("0.25")
        total += amount
        lines.append(f"05-11-2026;10-00-{n:02d};8640;0017;NOBODY-{n};ПЛАТЕЛЬЩИК {n};АДРЕС;1026;"
                     f"{str(amount).replace('.', ',')};0,00;REQUEUE{n:06d}")
    lines.append(f"=3;{str(total).replace('.', ',')};{str(total).replace('.', ',')};0,00;1;05-11-2026")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251"), total


def _enqueue_and_run(data: bytes, layout_name: str, capture) -> tuple[RegistryImport, tuple, int]:
    from agency.payments.intake.tasks import registry_import_enqueue

    with capture(execute=False) as callbacks:
        imp = registry_import_enqueue(data=data, filename="r.txt", layout_name=layout_name)
    queued = (imp.status, imp.phase, imp.layout)
    for callback in callbacks:
        callback()
    imp.refresh_from_db()
    return imp, queued, len(callbacks)


@pytest.fixture
def eager(tmp_path):
    from agency.payments.intake.tasks import registry_import_task

    app = registry_import_task.app
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True  # in-process: these tests check the hand-over, not the broker
    try:
        with override_settings(MEDIA_ROOT=tmp_path, S3_BUCKET=""):
            yield
    finally:
        app.conf.task_always_eager = before


@pytest.mark.parametrize("first_path", ["background", "sync"])
def test_the_background_path_requeues_a_file_rejected_in_another_layout(
        eager, first_path, django_capture_on_commit_callbacks):
    data, total = _registry()
    if first_path == "background":
        rejected, _queued, sent = _enqueue_and_run(data, "generic_csv_utf8", django_capture_on_commit_callbacks)
        assert sent == 1
    else:
        rejected = registry_import(data=data, filename="r.txt", layout_name="generic_csv_utf8")
    assert (rejected.status, rejected.layout) == (ImportStatus.REJECTED, "generic_csv_utf8") and rejected.errors

    imp, queued, sent = _enqueue_and_run(data, "sber_standard", django_capture_on_commit_callbacks)

    assert queued == (ImportStatus.STAGED, Phase.QUEUED, "sber_standard") and sent == 1
    assert imp.pk == rejected.pk and RegistryImport.objects.count() == 1
    assert (imp.status, imp.phase, imp.errors, imp.rows_posted, imp.amount_posted) == (
        ImportStatus.POSTED, Phase.DONE, [], 3, total)
    assert Payment.objects.filter(registry_import=imp).count() == 3
    from agency.documents import storage

    assert storage.get(imp.file_key) == data

    # the same file again: its posted import is returned and nothing is queued
    again, queued, sent = _enqueue_and_run(data, "sber_standard", django_capture_on_commit_callbacks)
    assert (again.pk, again.status, sent) == (imp.pk, ImportStatus.POSTED, 0)
    assert registry_import_run(import_id=imp.pk).status == ImportStatus.POSTED
