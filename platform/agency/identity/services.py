"""Writes for identity: login, staff of a principal, API keys, audit records.

Invitations to a principal's staff: ``identity.invitations``; password reset: ``identity.recovery``."""

from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.identity.models import ApiKey, AuditLog, PrincipalMembership, User
from agency.identity.permissions import ALL_PERMS, PrincipalRole
from agency.identity.throttle import login_failure_record, login_failures_clear, login_is_throttled
from billing_core.error_codes import ErrorCode


def _validate_perms(perms: list[str], field: str = "permissions") -> list[str]:
    unknown = sorted(set(perms) - ALL_PERMS)
    if unknown:
        raise ValidationError(
            {field: ValidationError(_("Неизвестные права: %(perms)s."), code=ErrorCode.UNKNOWN_PERMISSION,
                                    params={"perms": ", ".join(unknown)})}
        )
    return sorted(set(perms))


def session_login(*, request, email: str, password: str, principal) -> User:
    """Log in by e-mail and password on a host; staff of other principals are refused here.

    Failures are counted per account (however its e-mail is typed) and per address across every host
    (``identity.throttle``). The lock is checked before the password: while it holds, a wrong password, the right
    one and the right one on another principal's host all get the same answer, so a locked account is no oracle.
    """
    client_ip = request.META.get("REMOTE_ADDR")
    if login_is_throttled(login=email, client_ip=client_ip):
        raise ValidationError(
            {"email": ValidationError(_("Слишком много неудачных попыток входа. Повторите позже."),
                                      code=ErrorCode.THROTTLED)}
        )
    user = authenticate(request, username=email.strip().lower(), password=password)
    if user is None:
        login_failure_record(login=email, client_ip=client_ip)
        raise ValidationError(
            {"email": ValidationError(_("Неверный e-mail или пароль."), code=ErrorCode.INVALID_CREDENTIALS)}
        )
    if (
        principal is not None
        and not user.is_agent_staff
        and not PrincipalMembership.objects.filter(user=user, principal=principal, is_active=True).exists()
    ):
        login_failure_record(login=email, client_ip=client_ip)
        raise ValidationError(
            {"email": ValidationError(_("У пользователя нет доступа к этому принципалу."),
                                      code=ErrorCode.FOREIGN_PRINCIPAL)}
        )
    login_failures_clear(login=email)
    login(request, user)
    return user


def session_logout(*, request) -> None:
    logout(request)


def _admins_left_without(membership: PrincipalMembership) -> bool:
    return not (
        PrincipalMembership.objects.filter(principal_id=membership.principal_id, role=PrincipalRole.ADMIN,
                                           is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_update(
    *, membership: PrincipalMembership, role: str | None = None, permissions: list[str] | None = None,
    is_active: bool | None = None,
) -> PrincipalMembership:
    # Lock the principal's admins first: two concurrent demotions must not leave it with none.
    list(PrincipalMembership.objects.select_for_update()
         .filter(principal_id=membership.principal_id, role=PrincipalRole.ADMIN))
    membership = PrincipalMembership.objects.select_for_update().get(pk=membership.pk)
    if role is not None and role not in PrincipalRole.values:
        raise ValidationError({"role": ValidationError(_("Неизвестная роль."), code=ErrorCode.INVALID)})
    demoted = membership.role == PrincipalRole.ADMIN and (
        (role is not None and role != PrincipalRole.ADMIN) or is_active is False
    )
    if demoted and _admins_left_without(membership):
        raise ValidationError(
            {"role": ValidationError(_("Нельзя лишить прав последнего администратора принципала."),
                                     code=ErrorCode.LAST_ADMIN)}
        )
    if role is not None:
        membership.role = role
    if permissions is not None:
        membership.permissions = _validate_perms(permissions)
    if is_active is not None:
        membership.is_active = is_active
    membership.save(update_fields=["role", "permissions", "is_active"])
    return membership


def api_key_create(*, principal, name: str, permissions: list[str], created_by: User | None) -> tuple[ApiKey, str]:
    """Create a key; the plain key is returned here once and never stored."""
    from agency.identity.access import api_key_generate

    name = name.strip()
    if not name:
        raise ValidationError({"name": ValidationError(_("Укажите название ключа."), code=ErrorCode.REQUIRED)})
    perms = _validate_perms(permissions)
    plain, prefix, key_hash = api_key_generate()
    key = ApiKey.objects.create(
        principal=principal, name=name, prefix=prefix, key_hash=key_hash, permissions=perms, created_by=created_by
    )
    return key, plain


def api_key_revoke(*, api_key: ApiKey, revoked_by: User | None) -> ApiKey:
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=revoked_by
    )
    api_key.refresh_from_db()
    if not updated and api_key.revoked_at is None:  # pragma: no cover - concurrent delete
        raise ValidationError({"id": ValidationError(_("Ключ не найден."), code=ErrorCode.NOT_FOUND)})
    return api_key


def audit_record(
    *, actor, schema_name: str, operation: str, fields: list[str], variables: dict | None, succeeded: bool,
    error_codes: list[str], client_ip: str | None, parties: list[dict] | None = None,
) -> AuditLog:
    """``variables``: what the write was asked to do, secrets already masked by the caller (for a mutation, its
    effective arguments per root field, ``graphql_api.core.audit``; for an upload, the file's name and layout).
    ``parties``: the people of a four-eyes step, each with their part (``audit_party``)."""
    return AuditLog.objects.create(
        actor_user=actor.user,
        actor_api_key=actor.api_key,
        principal=actor.principal,
        schema_name=schema_name,
        operation=operation[:200],
        fields=fields,
        variables=variables or {},
        succeeded=succeeded,
        error_codes=error_codes,
        client_ip=client_ip,
        parties=parties or [],
    )


def audit_party(role: str, user, **extra) -> dict:
    """One person of a four-eyes step for ``AuditLog.parties``: ``user`` None is the schedule (no human)."""
    if user is None:
        return {"role": role, "user_id": None, "email": "", "full_name": "", "schedule": True, **extra}
    return {"role": role, "user_id": user.pk, "email": user.email, "full_name": user.full_name, **extra}
