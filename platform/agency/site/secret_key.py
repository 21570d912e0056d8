"""The installation's own secret key, for every environment but production (which must set DJANGO_SECRET_KEY).

On first start a random key is written to ``<APP_STATE_DIR>/secret_key`` (mode 0600) and every later start, and
every other process of the installation (web workers, Celery worker and beat), reads the same file. There is no
fixed fallback: a key in the repository would let anyone compute the link codes printed on the ЕПД and sign
download links for any installation started with the defaults.

The file is created atomically: the key is written to a temporary file in the same directory, which is then
hard-linked to its name. The link fails if the name exists, so of processes starting together the first one wins
and the others read its key; no process ever reads a half-written file.
"""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

FILENAME = "secret_key"
# Django's own generated keys are 50 characters; a shorter file was not made here
MIN_LENGTH = 50


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_LENGTH:
        raise ImproperlyConfigured(f"{path} holds no usable secret key (fewer than {MIN_LENGTH} characters); "
                                   "restore it from a backup, or set DJANGO_SECRET_KEY")
    return key


def installation_secret_key(state_dir: Path) -> str:
    """The key kept in state_dir, made (randomly, once) if it is not there yet."""
    path = Path(state_dir) / FILENAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{FILENAME}.", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise ImproperlyConfigured(f"cannot create the secret key in {path.parent} ({exc}): make the state "
                                   "directory (APP_STATE_DIR) writable, or set DJANGO_SECRET_KEY") from exc
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(48) + "\n")  # 64 characters, 384 random bits
            out.flush()
            os.fsync(out.fileno())
        # another process of this installation may have made it first: its key is then the key
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read(path)
