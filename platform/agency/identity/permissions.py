"""What principal staff, API keys and agent staff may do. Codes are stored; labels are shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Perm(models.TextChoices):
    ACCOUNTS_VIEW = "accounts.view", _("Просмотр лицевых счетов")
    ACCOUNTS_MANAGE = "accounts.manage", _("Ведение лицевых счетов")
    READINGS_MANAGE = "readings.manage", _("Приём показаний приборов учёта")
    CHARGES_VIEW = "charges.view", _("Просмотр начислений")
    CHARGES_RUN = "charges.run", _("Расчёт и проведение периода")
    PAYMENTS_VIEW = "payments.view", _("Просмотр платежей и перечислений")
    PAYMENTS_MANAGE = "payments.manage", _("Загрузка собственных платежей")
    REPORTS_VIEW = "reports.view", _("Отчёты и выгрузки")
    APPEALS_MANAGE = "appeals.manage", _("Работа с обращениями")
    SETTINGS_VIEW = "settings.view", _("Просмотр настроек")
    SETTINGS_MANAGE = "settings.manage", _("Изменение настроек")
    USERS_VIEW = "users.view", _("Просмотр пользователей")
    USERS_MANAGE = "users.manage", _("Управление пользователями")
    API_KEYS_MANAGE = "api_keys.manage", _("Управление API-ключами")
    # Debt collection (issue 15). The agent's staff drive the work inside a principal (AGENT_OPERATOR_PERMS holds all
    # three); a principal's staff hold only what their admin grants, and nothing grants MANAGE by default.
    COLLECTION_VIEW = "collection.view", _("Просмотр работы с задолженностью")
    COLLECTION_STOP = "collection.stop", _("Остановка работы по лицевому счёту")
    COLLECTION_MANAGE = "collection.manage", _("Ведение работы с задолженностью")


ALL_PERMS: frozenset[str] = frozenset(Perm.values)
# Agent operators and approvers work inside every principal, but do not manage the principal's own people and keys.
AGENT_OPERATOR_PERMS: frozenset[str] = ALL_PERMS - {Perm.USERS_MANAGE, Perm.API_KEYS_MANAGE}


class AgentRole(models.TextChoices):
    NONE = "", _("—")
    ADMIN = "admin", _("Администратор агента")
    # The approver (controller) does the operator's work and, besides, decides what moves money or bank details:
    # approving payouts and confirming requisites changes, never their own (the four-eyes rule, see below).
    APPROVER = "approver", _("Контролёр агента")
    OPERATOR = "operator", _("Оператор агента")


class AgentPerm(models.TextChoices):
    """What agent staff may do in the agent's own books (on the agent's host)."""

    BACK_OFFICE = "agent.back_office", _("Работа в бэк-офисе агента")
    REQUISITES_PROPOSE = "agent.requisites.propose", _("Предложение смены банковских реквизитов получателя")
    REQUISITES_CONFIRM = "agent.requisites.confirm", _("Подтверждение смены банковских реквизитов (второй сотрудник)")
    PAYOUTS_BUILD = "agent.payouts.build", _("Формирование перечислений")
    PAYOUTS_APPROVE = "agent.payouts.approve", _("Утверждение перечислений (второй сотрудник)")
    PAYOUTS_EXPORT = "agent.payouts.export", _("Выгрузка перечислений в банк")
    COLLECTION_CAMPAIGNS = "agent.collection.campaigns", _("Кампании по работе с задолженностью")


# The permission map of agent roles. Separation of duties: the operator proposes and builds, an approver (or the
# admin) confirms and approves; the four-eyes rule itself (never one's own proposal or build) is checked on the
# objects, in agency.principals.requisites_changes and payments.payouts, and by database constraints.
_DECIDE = frozenset({AgentPerm.REQUISITES_CONFIRM, AgentPerm.PAYOUTS_APPROVE})
AGENT_ROLE_PERMS: dict[str, frozenset[str]] = {
    AgentRole.ADMIN: frozenset(AgentPerm.values),
    AgentRole.APPROVER: frozenset(AgentPerm.values),
    AgentRole.OPERATOR: frozenset(AgentPerm.values) - _DECIDE,
}
AGENT_STAFF_ROLES: frozenset[str] = frozenset(AGENT_ROLE_PERMS)


def agent_perms(agent_role: str | None) -> frozenset[str]:
    return AGENT_ROLE_PERMS.get(agent_role or "", frozenset())


def agent_can(user, perm: str) -> bool:
    """Whether ``user`` (or None) is agent staff whose role carries ``perm``."""
    return user is not None and perm in agent_perms(getattr(user, "agent_role", None))


class PrincipalRole(models.TextChoices):
    ADMIN = "admin", _("Администратор принципала")
    STAFF = "staff", _("Сотрудник принципала")
