"""Link tokens sent by e-mail (invitations, sign-up confirmation, password reset): 256 random bits, stored only
as a SHA-256 (a slow hash adds nothing at this entropy), looked up by that hash."""

import hashlib
import secrets


def token_new() -> tuple[str, str]:
    """(the plain token for the link, its hash for the database)."""
    plain = secrets.token_urlsafe(32)
    return plain, token_hash(plain)


def token_hash(plain: str) -> str:
    return hashlib.sha256((plain or "").strip().encode("utf-8", "surrogatepass")).hexdigest()
