"""Password reset by e-mail, for every kind of user (residents, principal staff, agent staff).

A request answers the same whether or not the address has an account, and sends one message either way (a link
to set a new password, or a note that there is no account here), so neither the answer nor its timing tells. It is
throttled per e-mail address and per client address. The link is single-use and expires; setting the password
(checked by the settings' validators) ends every session of the user: Django's sessions carry a hash of the
password, and a session whose hash no longer matches is logged out on its next request.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agency.identity.invitations import email_normalize, link_invalid
from agency.identity.mail import host_url, mail_after_commit, moment_text, public_url
from agency.identity.models import PasswordReset, PrincipalMembership, User
from agency.identity.throttle import account_mail_allowed, login_failures_clear
from agency.identity.tokens import token_hash, token_new
from billing_core.error_codes import ErrorCode


def throttled(field: str = "email") -> ValidationError:
    return ValidationError({field: ValidationError(
        _("Слишком много запросов с этого адреса. Повторите позже."), code=ErrorCode.THROTTLED)})


def password_reset_link(*, request, user: User, principal=None) -> tuple[str, PasswordReset]:
    """A new reset link for ``user``: on the principal's host when the user works there, else the public host."""
    token, hashed = token_new()
    reset = PasswordReset.objects.create(
        user=user, token_hash=hashed, expires_at=timezone.now() + timedelta(minutes=settings.PASSWORD_RESET_MINUTES),
    )
    path = f"/reset-password/{token}"
    on_host = principal is not None and PrincipalMembership.objects.filter(
        user=user, principal=principal, is_active=True).exists()
    return (host_url(request, path) if on_host else public_url(request, path)), reset


@transaction.atomic
def password_reset_request(*, request, email: str, principal=None) -> None:
    """Mail a reset link to the account with this address, or a note that there is none; the same answer."""
    email = email_normalize(email)
    if not email or "@" not in email:
        raise ValidationError({"email": ValidationError(_("Введите правильный адрес электронной почты."),
                                                        code=ErrorCode.INVALID)})
    if not account_mail_allowed(kind="password-reset", email=email, client_ip=request.META.get("REMOTE_ADDR")):
        raise throttled()
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        mail_after_commit(to=email, template="password_reset_unknown",
                          context={"signup_link": public_url(request, "/signup")})
        return
    link, reset = password_reset_link(request=request, user=user, principal=principal)
    mail_after_commit(to=user.email, template="password_reset",
                      context={"link": link, "expires": moment_text(reset.expires_at)})


@transaction.atomic
def password_reset_complete(*, token: str, password: str) -> User:
    """Set a new password by a reset link; the link and every other open one of the user stop working."""
    reset = (PasswordReset.objects.select_for_update().select_related("user")
             .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now(),
                     user__is_active=True)
             .first())
    if reset is None:
        raise link_invalid()
    user = reset.user
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordReset.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    login_failures_clear(login=user.email)
    return user
