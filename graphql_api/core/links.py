"""Short-lived download links: a stored file is reached through one, never through its storage key."""

from agency.documents import storage

LINK_SECONDS = 300


def download_link(key: str | None, filename: str, *, seconds: int = LINK_SECONDS) -> str | None:
    """A link that downloads the object ``key`` as ``filename`` for ``seconds``; null when nothing is stored."""
    if not key:
        return None
    return storage.download_url(key, filename, seconds=seconds)
