"""Uploaded files waiting for their import: stored under the caller's scope, named by a random key, taken once.

A key is random (192 bits) and stored under the caller's scope (the host's schema and the user or API key), so
it names nothing for anyone else: another principal's staff, another user of the same principal or another API
key find no file under it. It is taken once (the first import that reads it deletes it) and expires after
``UPLOAD_KEY_SECONDS`` (one hour by default). An object never taken is only ever readable by its own caller;
:func:`staged_files_purge` (a periodic task, graphql_api.imports.tasks) deletes it once it has expired.
"""

import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from agency.documents import storage
from billing_core.error_codes import ErrorCode

KEY_SECONDS = getattr(settings, "UPLOAD_KEY_SECONDS", 3600)
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
PREFIX = "upload/"  # every caller's scope is below it


@dataclass(frozen=True)
class StagedFile:
    name: str
    data: bytes


def _scope(actor) -> str:
    """Where the caller's files live: the host's schema and who called (a user, or an API key)."""
    who = f"k{actor.api_key.pk}" if actor.api_key is not None else f"u{actor.user.pk}"
    return f"{PREFIX}{connection.schema_name}/{who}"


def _key_valid(key) -> bool:
    return isinstance(key, str) and 20 <= len(key) <= 64 and set(key) <= _KEY_CHARS


def staged_file_store(*, actor, kind: str, filename: str, data: bytes) -> str:
    """Keep the file for the caller's next import of ``kind``; answers the key that names it."""
    key = secrets.token_urlsafe(24)
    meta = json.dumps({"kind": kind, "name": filename, "at": time.time()}, ensure_ascii=False).encode()
    storage.put(f"{_scope(actor)}/{key}.bin", meta + b"\n" + data, "application/octet-stream")
    return key


def staged_file_take(*, actor, kind: str, key: str) -> StagedFile:
    """The caller's file under ``key``, removed as it is read; a ValidationError on ``key`` when the caller has no
    such file of ``kind`` (another's key, one used already, one expired)."""
    gone = ValidationError({"key": ValidationError(
        _("Файл не найден: он уже загружен, устарел или отправлен другим пользователем. Отправьте файл ещё раз."),
        code=ErrorCode.NOT_FOUND)})
    if not _key_valid(key) or not actor.is_authenticated:
        raise gone
    path = f"{_scope(actor)}/{key}.bin"
    # the first taker wins: two imports racing for one key do not both read it
    if not cache.add(f"upload-taken:{path}", 1, KEY_SECONDS):
        raise gone
    try:
        stored = storage.get(path)
    except storage.ObjectMissing:
        raise gone from None
    storage.delete(path)
    head, _sep, data = stored.partition(b"\n")
    meta = json.loads(head)
    if meta.get("kind") != kind or time.time() - meta.get("at", 0) > KEY_SECONDS:
        raise gone
    return StagedFile(name=meta.get("name") or "file", data=data)


def staged_file_name(*, actor, kind: str, key: str) -> str:
    """The name of the caller's file of ``kind`` under ``key``, left in place (for the audit row of an import
    refused before it took the file); "" when the caller has no such file."""
    if not _key_valid(key) or not actor.is_authenticated:
        return ""
    try:
        head = storage.get(f"{_scope(actor)}/{key}.bin").partition(b"\n")[0]
        meta = json.loads(head)
    except (storage.ObjectMissing, ValueError):
        return ""
    if not isinstance(meta, dict) or meta.get("kind") != kind or time.time() - meta.get("at", 0) > KEY_SECONDS:
        return ""
    return meta.get("name") or "file"


def staged_files_purge(*, now: float | None = None) -> int:
    """Delete every caller's files stored longer ago than a key lives (never imported, so never taken), in one
    pass over the storage's ``upload/`` folder; answers how many went."""
    return storage.purge(PREFIX, older_than=(time.time() if now is None else now) - KEY_SECONDS)
