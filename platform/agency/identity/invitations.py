"""Staff of a principal are invited: the invitation goes by e-mail to the address, and the person becomes a member
only by accepting it (setting a password if new, signing in with their own if they already have an account).

The inviter learns nothing about accounts that exist elsewhere: the answer and the pending invitation look the
same whether or not the address has an account. What the inviter may see of their own principal (its members, its
open invitations) can still be refused by name.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agency.identity.mail import host_url, mail_after_commit, moment_text
from agency.identity.models import PrincipalMembership, StaffInvitation, User
from agency.identity.permissions import ALL_PERMS, PrincipalRole
from agency.identity.throttle import login_failure_record, login_failures_clear, login_is_throttled
from agency.identity.tokens import token_hash, token_new
from billing_core.error_codes import ErrorCode
from billing_core.text import name_check


def _error(field: str, message: str, code: ErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


LINK_INVALID_MESSAGE = gettext_lazy("Ссылка недействительна: она устарела, уже использована или отозвана.")


def link_invalid(field: str = "token") -> ValidationError:
    return _error(field, str(LINK_INVALID_MESSAGE), ErrorCode.LINK_INVALID)


def email_normalize(email: str) -> str:
    return User.objects.normalize_email((email or "").strip()).lower()


def _mail(request, invitation: StaffInvitation, token: str) -> None:
    mail_after_commit(to=invitation.email, template="invitation", context={
        "principal": invitation.principal.short_name,
        "role": PrincipalRole(invitation.role).label,
        "link": host_url(request, f"/invite/{token}"),
        "expires": moment_text(invitation.expires_at),
    })


def _expiry():
    return timezone.now() + timedelta(days=settings.STAFF_INVITATION_DAYS)


@transaction.atomic
def staff_invitation_send(
    *, request, principal, email: str, role: str, permissions: list[str], invited_by: User | None
) -> StaffInvitation:
    """Invite ``email`` to ``principal``'s staff; the link goes to the principal's host (``request``'s)."""
    email = email_normalize(email)
    try:
        validate_email(email)
    except ValidationError:
        raise _error("email", _("Введите правильный адрес электронной почты."), ErrorCode.INVALID) from None
    if role not in PrincipalRole.values:
        raise _error("role", _("Неизвестная роль."), ErrorCode.INVALID)
    unknown = sorted(set(permissions) - ALL_PERMS)
    if unknown:
        raise _error("permissions", _("Неизвестные права: %(perms)s.") % {"perms": ", ".join(unknown)},
                     ErrorCode.UNKNOWN_PERMISSION)
    if PrincipalMembership.objects.filter(principal=principal, user__email=email).exists():
        raise _error("email", _("Этот адрес уже есть среди сотрудников."), ErrorCode.UNIQUE)
    token, hashed = token_new()
    try:
        with transaction.atomic():
            invitation = StaffInvitation.objects.create(
                principal=principal, email=email, role=role, permissions=sorted(set(permissions)),
                token_hash=hashed, invited_by=invited_by, expires_at=_expiry(),
            )
    except IntegrityError:  # an open invitation to this address (invitation_open_unique)
        raise _error("email", _("На этот адрес уже отправлено приглашение: его можно отправить повторно."),
                     ErrorCode.DUPLICATE) from None
    _mail(request, invitation, token)
    return invitation


def _open(principal, invitation_id: int) -> StaffInvitation:
    invitation = (StaffInvitation.objects.select_for_update().select_related("principal")
                  .filter(pk=invitation_id, principal=principal, accepted_at__isnull=True, revoked_at__isnull=True)
                  .first())
    if invitation is None:
        raise _error("id", _("Приглашение не найдено."), ErrorCode.NOT_FOUND)
    return invitation


@transaction.atomic
def staff_invitation_resend(*, request, principal, invitation_id: int) -> StaffInvitation:
    """A new link (the old one stops working) with a new expiry, sent again."""
    invitation = _open(principal, invitation_id)
    token, invitation.token_hash = token_new()
    invitation.sent_at = timezone.now()
    invitation.expires_at = _expiry()
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _mail(request, invitation, token)
    return invitation


@transaction.atomic
def staff_invitation_revoke(*, principal, invitation_id: int) -> StaffInvitation:
    invitation = _open(principal, invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def staff_invitations_pending(*, principal) -> QuerySet[StaffInvitation]:
    """Sent and neither accepted nor revoked (expired ones too: they can be sent again), newest first."""
    return (StaffInvitation.objects.filter(principal=principal, accepted_at__isnull=True, revoked_at__isnull=True)
            .order_by("-sent_at", "-pk"))


def staff_invitation_by_token(*, principal, token: str) -> StaffInvitation | None:
    """The open, unexpired invitation of this principal the link names, or None."""
    return (StaffInvitation.objects.select_related("principal")
            .filter(token_hash=token_hash(token), principal=principal, accepted_at__isnull=True,
                    revoked_at__isnull=True, expires_at__gt=timezone.now())
            .first())


def invitation_has_account(invitation: StaffInvitation) -> bool:
    """Whether the invited address already has an account (told only to whoever holds the link)."""
    return User.objects.filter(email=invitation.email).exists()


@transaction.atomic
def staff_invitation_accept(
    *, request, principal, token: str, password: str, full_name: str | None = None
) -> User:
    """Accept an invitation: an existing account signs in with its own password (throttled like a login), a new
    one is made with the name and password given. The membership is created and the session logged in."""
    invitation = (StaffInvitation.objects.select_for_update()
                  .filter(token_hash=token_hash(token), principal=principal, accepted_at__isnull=True,
                          revoked_at__isnull=True, expires_at__gt=timezone.now())
                  .first())
    if invitation is None:
        raise link_invalid()
    user = User.objects.filter(email=invitation.email).first()
    if user is not None:
        client_ip = request.META.get("REMOTE_ADDR")
        if login_is_throttled(login=user.email, client_ip=client_ip):
            raise _error("password", _("Слишком много неудачных попыток входа. Повторите позже."),
                         ErrorCode.THROTTLED)
        if not user.is_active or not user.check_password(password or ""):
            login_failure_record(login=user.email, client_ip=client_ip)
            raise _error("password", _("Неверный пароль."), ErrorCode.INVALID_CREDENTIALS)
        login_failures_clear(login=user.email)
    else:
        name_check(full_name or "", field="full_name")
        full_name = " ".join((full_name or "").split())
        if not full_name:
            raise _error("full_name", _("Укажите ФИО."), ErrorCode.REQUIRED)
        candidate = User(email=invitation.email, full_name=full_name)
        try:
            validate_password(password or "", candidate)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from exc
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    PrincipalMembership.objects.get_or_create(
        user=user, principal=principal, defaults={"role": invitation.role, "permissions": invitation.permissions},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user
