"""What principal staff and API keys may do. Codes are stored; labels are shown."""

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


ALL_PERMS: frozenset[str] = frozenset(Perm.values)
# Agent operators work inside every principal, but do not manage the principal's own people and keys.
AGENT_OPERATOR_PERMS: frozenset[str] = ALL_PERMS - {Perm.USERS_MANAGE, Perm.API_KEYS_MANAGE}


class AgentRole(models.TextChoices):
    NONE = "", _("—")
    ADMIN = "admin", _("Администратор агента")
    OPERATOR = "operator", _("Оператор агента")


class PrincipalRole(models.TextChoices):
    ADMIN = "admin", _("Администратор принципала")
    STAFF = "staff", _("Сотрудник принципала")
