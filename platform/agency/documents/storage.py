"""Object storage for generated files (ЕПД PDFs): S3-compatible through boto3, or local disk.

S3 mode (``S3_BUCKET`` set): one boto3 client per process, shared by threads (clients are
thread-safe, sessions are not), with a connection pool sized for parallel uploads. Objects are
written without an ACL, so they stay as private as the bucket; a download is a presigned GET that
expires.

Local mode (the embedded default): files under ``MEDIA_ROOT/<key>``; a download is a link to
``/files/<token>``, where the token is opaque: the key, the file name and the moment the link expires,
encrypted and authenticated with AES-256-GCM (``cryptography``) under a key derived from the
installation's ``SECRET_KEY`` (HKDF-SHA256, its own purpose label). Nobody without the secret can read the
storage key out of a link, change its lifetime or make one for another file; :func:`local_link_open` refuses
a token that was altered, sealed for another purpose or has expired.

Keys are random (:func:`new_key`): never derived from the account, the ЕЛС or the principal, so a
key cannot be guessed from what a resident knows, and a link is the only way to a file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import threading
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

MAX_KEY_LENGTH = 200  # Epd.pdf_key
MAX_LINK_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live
LINK_SALT = "documents.storage.download"
_NONCE_BYTES = 12

_KIND_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_EXT_RE = re.compile(r"[a-z0-9]{1,8}")
# Segments of letters, digits, '_', '-', '.', never starting with '.': no '..', no absolute path.
_KEY_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "csv": "text/csv", "txt": "text/plain", "zip": "application/zip"}


class StorageKeyError(ValueError):
    """A key or file name that could escape the storage root or the link: refused, never normalised."""


class ObjectMissing(FileNotFoundError):
    """No object under the key."""


class LinkInvalid(ValueError):
    """A local download token that was altered, sealed under another key or purpose, or is not a token."""


class LinkExpired(LinkInvalid):
    """A genuine local download token whose lifetime has passed."""


# --- keys ------------------------------------------------------------------------------------


def new_key(kind: str, *, ext: str = "pdf") -> str:
    """``<kind>/<yyyy>/<mm>/<192 random bits>.<ext>``: dated for lifecycle rules, otherwise unguessable."""
    if not _KIND_RE.fullmatch(kind):
        raise StorageKeyError(f"kind must be a short lowercase slug, not {kind!r}")
    if not _EXT_RE.fullmatch(ext):
        raise StorageKeyError(f"extension must be short lowercase letters and digits, not {ext!r}")
    today = timezone.localdate()
    return f"{kind}/{today:%Y}/{today:%m}/{secrets.token_urlsafe(24)}.{ext}"


def key_check(key: str) -> str:
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY_RE.fullmatch(key):
        raise StorageKeyError(f"invalid storage key {key!r}")
    return key


def s3_mode() -> bool:
    return bool(settings.S3_BUCKET)


# --- the S3 client ---------------------------------------------------------------------------

_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def s3_client():
    """The process's client for the configured endpoint (a forked worker builds its own pool)."""
    import boto3
    from botocore.config import Config

    signature = (
        os.getpid(), settings.S3_ENDPOINT_URL or None, settings.S3_REGION or None,
        settings.S3_ADDRESSING_STYLE, settings.S3_MAX_POOL_CONNECTIONS,
    )
    client = _clients.get(signature)
    if client is None:
        with _clients_lock:
            client = _clients.get(signature)
            if client is None:
                config = Config(
                    signature_version="s3v4",
                    s3={"addressing_style": settings.S3_ADDRESSING_STYLE},
                    max_pool_connections=settings.S3_MAX_POOL_CONNECTIONS,
                    retries={"mode": "standard", "max_attempts": 4},
                    connect_timeout=5,
                    read_timeout=60,
                    # Checksum trailers of new boto3 releases are not understood by every S3-compatible
                    # server; integrity is kept by Content-MD5 on upload instead.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                )
                client = boto3.session.Session().client(
                    "s3", endpoint_url=settings.S3_ENDPOINT_URL or None, region_name=settings.S3_REGION or None,
                    config=config,
                )
                _clients[signature] = client
    return client


# --- put / get -------------------------------------------------------------------------------


def put(key: str, data: bytes, content_type: str) -> None:
    """Store ``data`` under ``key`` (overwrites: a key comes from :func:`new_key` and is written once)."""
    key_check(key)
    if s3_mode():
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        s3_client().put_object(
            Bucket=settings.S3_BUCKET, Key=key, Body=data, ContentType=content_type, ContentMD5=md5,
        )
        return
    path = _local_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a reader never sees half a file, a crash leaves only a temp file.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def get(key: str) -> bytes:
    key_check(key)
    if s3_mode():
        client = s3_client()
        try:
            response = client.get_object(Bucket=settings.S3_BUCKET, Key=key)
        except client.exceptions.NoSuchKey as exc:
            raise ObjectMissing(key) from exc
        return response["Body"].read()
    path = _local_path(key)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ObjectMissing(key) from exc


def delete(key: str) -> None:
    key_check(key)
    if s3_mode():
        s3_client().delete_object(Bucket=settings.S3_BUCKET, Key=key)
    else:
        _local_path(key).unlink(missing_ok=True)


_DELETE_BATCH = 1000  # S3 DeleteObjects takes at most 1000 keys a request


def purge(prefix: str, *, older_than: float) -> int:
    """Delete every object under the folder ``prefix`` (``upload/``) last written before ``older_than`` (epoch
    seconds); answers how many went. S3: the prefix listed page by page, the old keys deleted a thousand a
    request; local: the folder walked, old files (and temporary files a crashed write left) unlinked."""
    if not prefix.endswith("/"):
        raise StorageKeyError(f"a purge prefix is a folder ending in '/', not {prefix!r}")
    key_check(prefix.rstrip("/"))
    if s3_mode():
        client = s3_client()
        deleted = 0
        batch: list[dict] = []

        def flush() -> int:
            answer = client.delete_objects(Bucket=settings.S3_BUCKET, Delete={"Objects": batch, "Quiet": True})
            failed = answer.get("Errors") or []
            if failed:
                raise OSError(f"S3 refused to delete {len(failed)} objects under {prefix!r}: {failed[0]}")
            return len(batch)

        for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.S3_BUCKET, Prefix=prefix):
            for item in page.get("Contents", ()):
                if item["LastModified"].timestamp() < older_than:
                    batch.append({"Key": item["Key"]})
                    if len(batch) == _DELETE_BATCH:
                        deleted += flush()
                        batch = []
        if batch:
            deleted += flush()
        return deleted
    folder = _local_path(prefix.rstrip("/"))
    deleted = 0
    for directory, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(directory) / name
            try:
                if path.lstat().st_mtime < older_than:
                    path.unlink()
                    deleted += 1
            except FileNotFoundError:  # taken (or purged) meanwhile
                continue
    return deleted


def _local_path(key: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / key_check(key)).resolve()
    # The pattern already refuses '..'; this also refuses a symlink inside MEDIA_ROOT pointing out of it.
    if not path.is_relative_to(root) or path == root:
        raise StorageKeyError(f"storage key {key!r} leaves the storage root")
    return path


# --- links -----------------------------------------------------------------------------------


def download_url(key: str, filename: str, seconds: int | None = None) -> str:
    """A short-lived link that downloads the object as an attachment named ``filename``.

    S3: a presigned GET (absolute URL). Local: ``/files/<signed token>`` on the site's own host.
    """
    key_check(key)
    seconds = settings.S3_LINK_SECONDS if seconds is None else seconds
    if not isinstance(seconds, int) or not 1 <= seconds <= MAX_LINK_SECONDS:
        raise ValueError(f"link lifetime must be 1..{MAX_LINK_SECONDS} seconds, not {seconds!r}")
    _filename_check(filename)
    if s3_mode():
        return s3_client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": settings.S3_BUCKET,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
                "ResponseContentType": content_type_for(filename),
            },
            ExpiresIn=seconds,
            HttpMethod="GET",
        )
    return reverse("file_download", args=[_seal({"k": key, "f": filename, "e": int(time.time()) + seconds})])


@lru_cache(maxsize=4)
def _link_cipher(secret: str) -> AESGCM:
    """AES-256-GCM under a key of its own, derived from the installation's secret for this purpose only."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LINK_SALT.encode()).derive(secret.encode())
    return AESGCM(derived)


def _seal(payload: dict) -> str:
    """An opaque URL-safe token: a random nonce and the encrypted, authenticated payload."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = _link_cipher(settings.SECRET_KEY).encrypt(nonce, json.dumps(payload, separators=(",", ":")).encode(),
                                                       LINK_SALT.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def _unseal(token: str) -> dict:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if len(raw) <= _NONCE_BYTES:
            raise LinkInvalid("too short")
        plain = _link_cipher(settings.SECRET_KEY).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], LINK_SALT.encode())
        payload = json.loads(plain)
    except (binascii.Error, ValueError, InvalidTag) as exc:
        raise LinkInvalid("not a valid download token") from exc
    if not (isinstance(payload, dict) and isinstance(payload.get("k"), str) and isinstance(payload.get("f"), str)
            and isinstance(payload.get("e"), int)):
        raise LinkInvalid("not a valid download token")
    return payload


def local_link_open(token: str) -> tuple[Path, str]:
    """The file and download name behind a local link; ``LinkInvalid`` when the token was altered or sealed
    under another key or purpose, ``LinkExpired`` when its lifetime has passed."""
    payload = _unseal(token)  # authenticated first: only then is the lifetime in it trusted
    if time.time() > payload["e"]:
        raise LinkExpired("the link has expired")
    return _local_path(payload["k"]), _filename_check(payload["f"])


def _filename_check(filename: str) -> str:
    if (
        not isinstance(filename, str) or not filename or len(filename) > 150
        or any(c in filename for c in '/\\"') or any(ord(c) < 32 or ord(c) == 127 for c in filename)
    ):
        raise StorageKeyError(f"invalid download file name {filename!r}")
    return filename


def content_type_for(filename: str) -> str:
    return _CONTENT_TYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")


_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def _ascii_fallback(filename: str) -> str:
    out = []
    for char in filename:
        lower = char.lower()
        if lower in _TRANSLIT:
            latin = _TRANSLIT[lower]
            out.append(latin.upper() if char != lower else latin)
        elif char.isascii() and (char.isalnum() or char in "._- "):
            out.append(char)
        else:
            out.append("_")
    return "".join(out)


def content_disposition(filename: str) -> str:
    """``attachment`` with the name as RFC 5987 UTF-8 (``filename*``) and a transliterated ASCII fallback."""
    return f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
