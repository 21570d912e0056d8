"""The periodic cleanup of uploaded files nobody imported, run by beat (``CELERY_BEAT_SCHEDULE``, by its name;
the module is loaded by ``CELERY_IMPORTS``, so the layers below the API never import it).

A file stored by ``POST /uploads/<kind>`` is deleted by the import that takes its key; one never taken expires
after ``UPLOAD_KEY_SECONDS`` and is deleted here, set-based (the storage's ``upload/`` folder listed, the
expired objects deleted together), on local disk and on S3 alike. Deleting an expired file again is harmless,
so an overlapping or repeated run does nothing wrong.
"""

import logging

from celery import shared_task

from graphql_api.imports.staged import staged_files_purge

log = logging.getLogger(__name__)


@shared_task(name="imports.staged_uploads_purge")
def staged_uploads_purge_task() -> dict:
    deleted = staged_files_purge()
    if deleted:
        log.info("uploads: %s expired staged files deleted", deleted)
    return {"deleted": deleted}
