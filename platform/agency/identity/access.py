"""Who is acting, and what they may do on the host they called.

The gateway builds one ``Actor`` per request from the host's principal and the
session or API key, before any resolver runs. A request whose credentials do not
belong to the host's principal is refused whole (``AccessRefused``).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.identity.models import ApiKey, PrincipalMembership, User
from agency.identity.permissions import AGENT_OPERATOR_PERMS, ALL_PERMS, AgentRole, PrincipalRole, agent_can
from billing_core.error_codes import ErrorCode

API_KEY_SCHEME = "zk"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class AccessRefused(Exception):
    def __init__(self, code: ErrorCode, message: str, status: int = 403):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Actor:
    principal: object | None  # tenants.Principal of the host, None on the public host
    user: User | None = None
    api_key: ApiKey | None = None
    membership: PrincipalMembership | None = None
    perms: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.api_key is not None

    @property
    def is_agent_staff(self) -> bool:
        return self.user is not None and self.user.is_agent_staff

    @property
    def is_agent_admin(self) -> bool:
        return self.user is not None and self.user.agent_role == AgentRole.ADMIN

    def has_agent_perm(self, perm: str) -> bool:
        return agent_can(self.user, perm)

    @property
    def is_resident(self) -> bool:
        return self.user is not None and self.user.is_resident

    def has_perm(self, perm: str) -> bool:
        return perm in self.perms


def api_key_generate() -> tuple[str, str, str]:
    """Return (plain key, prefix, hash). The plain key is ``zk_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    plain = f"{API_KEY_SCHEME}_{prefix}_{secret}"
    return plain, prefix, api_key_hash(plain)


def api_key_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _api_key_from_plain(plain: str) -> ApiKey:
    parts = plain.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_SCHEME or not parts[1] or not parts[2]:
        raise AccessRefused(ErrorCode.INVALID_API_KEY, _("Неверный формат API-ключа."), status=401)
    key = ApiKey.objects.select_related("principal").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.key_hash, api_key_hash(plain)):
        raise AccessRefused(ErrorCode.INVALID_API_KEY, _("API-ключ не найден."), status=401)
    if key.revoked_at is not None:
        raise AccessRefused(ErrorCode.API_KEY_REVOKED, _("API-ключ отозван."), status=401)
    return key


def _touch_api_key(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def actor_for_request(*, principal, user: User | None, api_key_plain: str | None) -> Actor:
    """Resolve the actor for a request on ``principal``'s host (``None``: the public host)."""
    if api_key_plain is not None:
        key = _api_key_from_plain(api_key_plain)
        if principal is None or key.principal_id != principal.pk:
            raise AccessRefused(
                ErrorCode.FOREIGN_PRINCIPAL, _("API-ключ выдан другому принципалу; используйте его адрес.")
            )
        _touch_api_key(key)
        return Actor(principal=principal, api_key=key, perms=frozenset(key.permissions))

    if user is None or not user.is_authenticated or not user.is_active:
        return Actor(principal=principal)

    if principal is None:
        return Actor(principal=None, user=user, perms=ALL_PERMS if user.is_agent_staff else frozenset())
    if user.agent_role == AgentRole.ADMIN:
        return Actor(principal=principal, user=user, perms=ALL_PERMS)
    if user.agent_role in (AgentRole.OPERATOR, AgentRole.APPROVER):
        return Actor(principal=principal, user=user, perms=AGENT_OPERATOR_PERMS)
    membership = PrincipalMembership.objects.filter(user=user, principal=principal, is_active=True).first()
    if membership is None:
        raise AccessRefused(
            ErrorCode.FOREIGN_PRINCIPAL, _("У пользователя нет доступа к этому принципалу.")
        )
    return Actor(principal=principal, user=user, membership=membership, perms=membership_perms(membership))


def membership_perms(membership: PrincipalMembership) -> frozenset[str]:
    if membership.role == PrincipalRole.ADMIN:
        return ALL_PERMS
    return frozenset(membership.permissions) & ALL_PERMS
