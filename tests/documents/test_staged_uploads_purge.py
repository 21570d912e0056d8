"""Uploaded files nobody imported are deleted once their key has expired (graphql_api.imports.tasks, run by beat):
the storage's ``upload/`` folder is listed and the expired objects deleted together, on local disk and on S3;
fresh uploads and every other file (ЕПД PDFs, exports) stay."""

import os
import time

import pytest
from django.conf import settings

from agency.documents import storage
from graphql_api.imports import staged
from graphql_api.imports.staged import KEY_SECONDS, staged_files_purge

UPLOADS = [f"upload/principal_a/u{n}/{'k' * 30}{n}.bin" for n in range(5)]
OTHERS = ["epd/2026/01/keep.pdf", "uploads-not/x.bin", "upload-x.bin"]


def _put(keys) -> None:
    for key in keys:
        storage.put(key, b"meta\ndata", "application/octet-stream")


def _present(keys) -> set[str]:
    found = set()
    for key in keys:
        try:
            storage.get(key)
        except storage.ObjectMissing:
            continue
        found.add(key)
    return found


def _next_second() -> float:
    """A whole second after now, waited for: objects written after it are dated at it or later (S3 dates objects
    to the second)."""
    boundary = float(int(time.time()) + 1)
    time.sleep(max(0.0, boundary - time.time()) + 0.01)
    return boundary


def test_local_expired_uploads_are_deleted_fresh_ones_and_other_files_stay(local_storage):
    old, fresh = UPLOADS[:3], UPLOADS[3:]
    _put([*old, *fresh, *OTHERS])
    expired = time.time() - KEY_SECONDS - 60
    for key in [*old, *OTHERS]:
        os.utime(local_storage / key, (expired, expired))
    crashed = local_storage / "upload/principal_a/u0/.half.bin.abc123.tmp"  # a write that never finished
    crashed.write_bytes(b"half")
    os.utime(crashed, (expired, expired))

    assert staged_files_purge() == 4

    assert _present([*UPLOADS, *OTHERS]) == {*fresh, *OTHERS}
    assert not crashed.exists()
    assert staged_files_purge() == 0  # again: nothing left to do


def test_local_purge_without_any_upload_folder(local_storage):
    assert staged_files_purge() == 0


def test_s3_expired_uploads_are_deleted_in_batches_fresh_ones_and_other_files_stay(s3, monkeypatch):
    monkeypatch.setattr(storage, "_DELETE_BATCH", 2)  # five expired objects: three DeleteObjects requests
    old_ones = [f"upload/principal_b/k{n}/{'q' * 30}.bin" for n in range(5)]
    _put([*old_ones, *OTHERS])
    boundary = _next_second()
    _put(UPLOADS)

    # as if the key lifetime has passed for everything written before the boundary
    assert staged_files_purge(now=boundary + KEY_SECONDS) == 5

    left = {o["Key"] for o in s3.list_objects_v2(Bucket=settings.S3_BUCKET)["Contents"]}
    assert left >= {*UPLOADS, *OTHERS} and not left & set(old_ones)
    assert staged_files_purge(now=time.time() + KEY_SECONDS + 5) == len(UPLOADS)
    left = {o["Key"] for o in s3.list_objects_v2(Bucket=settings.S3_BUCKET)["Contents"]}
    assert not {k for k in left if k.startswith("upload/")} and left >= set(OTHERS)


def test_an_upload_taken_after_the_listing_is_no_error(local_storage, monkeypatch):
    """An object listed and then taken by its import (or by another purge) before it is unlinked."""
    _put(UPLOADS[:1])
    expired = time.time() - KEY_SECONDS - 60
    os.utime(local_storage / UPLOADS[0], (expired, expired))
    real_walk = os.walk

    def walk_then_take(folder):
        for entry in real_walk(folder):
            (local_storage / UPLOADS[0]).unlink(missing_ok=True)
            yield entry

    monkeypatch.setattr(storage.os, "walk", walk_then_take)
    assert staged_files_purge() == 0


def test_purge_refuses_a_prefix_that_is_not_a_folder(local_storage):
    for prefix in ("upload", "../upload/", "/upload/"):
        with pytest.raises(storage.StorageKeyError):
            storage.purge(prefix, older_than=time.time())


def test_beat_sends_the_purge_by_a_registered_name(local_storage):
    from agency.site.celery import app

    app.loader.import_default_modules()  # CELERY_IMPORTS, as a worker and beat load them
    entry = settings.CELERY_BEAT_SCHEDULE["imports-staged-uploads-purge"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= KEY_SECONDS

    _put(UPLOADS[:1])
    expired = time.time() - KEY_SECONDS - 60
    os.utime(local_storage / UPLOADS[0], (expired, expired))
    assert app.tasks[entry["task"]].apply().get() == {"deleted": 1}
    assert staged.PREFIX == "upload/"
