from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agency.identity.permissions import AGENT_STAFF_ROLES, AgentRole, Perm, PrincipalRole


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("agent_role", AgentRole.ADMIN)
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_staff", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One user table for everyone, in the public schema. Roles say where a user may act."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("ФИО"), max_length=200, blank=True)
    agent_role = models.CharField(_("роль у агента"), max_length=16, choices=AgentRole.choices, blank=True)
    is_resident = models.BooleanField(_("житель"), default=False)
    is_active = models.BooleanField(_("активен"), default=True)
    is_staff = models.BooleanField(default=False)  # Django admin only
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def __str__(self) -> str:
        return self.email

    @property
    def is_agent_staff(self) -> bool:
        return self.agent_role in AGENT_STAFF_ROLES


class PrincipalMembership(models.Model):
    """A user's role and permissions within one principal."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    principal = models.ForeignKey("tenants.Principal", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("роль"), max_length=16, choices=PrincipalRole.choices, default=PrincipalRole.STAFF)
    permissions = ArrayField(
        models.CharField(max_length=32, choices=Perm.choices), default=list, blank=True,
        verbose_name=_("права"),
    )
    is_active = models.BooleanField(_("активен"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("сотрудник принципала")
        constraints = [
            models.UniqueConstraint(fields=["user", "principal"], name="membership_user_principal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.principal_id}:{self.role}"


class ApiKey(models.Model):
    """An integrator's key: scoped to one principal and a set of permissions.

    Only a SHA-256 of the secret is stored (the secret has 256 bits of entropy, so a
    slow hash adds nothing); the plain key is shown once, at creation.
    """

    principal = models.ForeignKey("tenants.Principal", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("название"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    permissions = ArrayField(models.CharField(max_length=32, choices=Perm.choices), default=list)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("API-ключ")
        verbose_name_plural = _("API-ключи")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditLog(models.Model):
    """Every write through the API: who, when, what, in which principal, and whether it succeeded."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, related_name="+")
    principal = models.ForeignKey("tenants.Principal", on_delete=models.SET_NULL, null=True, related_name="+")
    schema_name = models.CharField(max_length=63)
    operation = models.CharField(max_length=200)
    fields = ArrayField(models.CharField(max_length=100), default=list)
    # the write's arguments, secrets masked: per root field for a mutation (graphql_api.core.audit)
    variables = models.JSONField(default=dict)
    succeeded = models.BooleanField()
    # A four-eyes step names both people: [{"role": "proposer"|"builder"|"approver"|…, "user_id", "email",
    # "full_name", "object": "…"}], written by the mutation (graphql_api.core.permissions.audit_parties_add).
    parties = models.JSONField(default=list)
    error_codes = ArrayField(models.CharField(max_length=64), default=list)
    client_ip = models.GenericIPAddressField(null=True)

    class Meta:
        verbose_name = _("запись журнала аудита")
        indexes = [models.Index(fields=["principal", "-created_at"], name="audit_principal_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_user__isnull=True) | Q(actor_api_key__isnull=True), name="audit_one_actor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.schema_name} {self.operation or ','.join(self.fields)}"


class StaffInvitation(models.Model):
    """An invitation to a principal's staff, sent by e-mail; the person becomes a member only by accepting it.

    Only a SHA-256 of the link's token is stored (256 random bits: a slow hash adds nothing). A resend makes a new
    token, so the older link stops working.
    """

    principal = models.ForeignKey("tenants.Principal", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("роль"), max_length=16, choices=PrincipalRole.choices, default=PrincipalRole.STAFF)
    permissions = ArrayField(models.CharField(max_length=32, choices=Perm.choices), default=list, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("приглашение сотрудника")
        constraints = [
            # one open invitation per address and principal
            models.UniqueConstraint(fields=["principal", "email"], name="invitation_open_unique",
                                    condition=Q(accepted_at__isnull=True, revoked_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.email}@{self.principal_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class PendingSignUp(models.Model):
    """A resident's sign-up waiting for its e-mail to be confirmed: no account exists until then.

    The password is kept as Django hashes it; the link's token only as a SHA-256.
    """

    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("ФИО"), max_length=200)
    password = models.CharField(max_length=128)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("неподтверждённая регистрация")

    def __str__(self) -> str:
        return self.email


class PasswordReset(models.Model):
    """A single-use link to set a new password; only a SHA-256 of its token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("сброс пароля")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.created_at:%Y-%m-%d %H:%M}"
