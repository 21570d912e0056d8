"""Registry imports in the background: the file goes to object storage, a worker posts it.

``registry_import_enqueue`` stores the file (``documents.storage``) and records the import with its
storage key, then queues ``registry_import_task`` after the transaction commits. The task re-reads
the import and the file; a finished import is left as it is, a staged one (new, or left by a crash
at any point) is parsed and posted in one transaction, so running the task again, or twice at once,
posts the file once. Progress is the import row's ``phase``: queued → parsing → posting → done.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django_tenants.utils import get_public_schema_name

from agency.payments.intake.registry_import import (
    Phase,
    file_sha256,
    layout_get,
    mode_check,
    queue_refused,
    registry_import_ensure,
    registry_import_run,
)
from agency.payments.models import ImportMode, ImportStatus, RegistryImport
from tenants.enqueue import enqueue_on_commit


@shared_task(name="payments.registry_import")
def registry_import_task(import_id: int) -> dict:
    imp = registry_import_run(import_id=import_id)
    return {"id": imp.pk, "status": imp.status, "rows_posted": imp.rows_posted, "errors": len(imp.errors)}


def registry_import_enqueue(*, data: bytes, filename: str, layout_name: str, user=None,
                            mode: str = ImportMode.ALL_OR_NOTHING) -> RegistryImport:
    """Store the file and queue its import; the same file again returns its import (queued again if unfinished,
    or if it was rejected in another layout or because the broker refused it: ``registry_import_ensure``).
    A refused send rejects the import with the reason (``queue_refused``), which the caller reads back."""
    from agency.documents import storage

    layout = layout_get(layout_name)
    mode_check(mode)
    with transaction.atomic():
        # one enqueue of a file at a time: its object is stored once
        sha256 = file_sha256(data)
        found = RegistryImport.objects.select_for_update().filter(sha256=sha256).first()
        key = found.file_key if found is not None else ""
        if not key:
            key = storage.new_key("registry", ext="txt")
            storage.put(key, data, "text/plain")
        imp = registry_import_ensure(data=data, filename=filename, layout=layout, user=user, file_key=key,
                                     phase=Phase.QUEUED, sha256=sha256, mode=mode)
        if imp.status == ImportStatus.STAGED:
            import_id = imp.pk
            enqueue_on_commit(registry_import_task, import_id, schema=get_public_schema_name(),
                              on_failure=lambda message: queue_refused(import_id, message))
    imp.refresh_from_db()
    return imp
