# Staff invitations, sign-ups waiting for e-mail confirmation and password resets (issue 12, items 2 and 7).

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PERMS = [
    ("accounts.view", "Просмотр лицевых счетов"), ("accounts.manage", "Ведение лицевых счетов"),
    ("readings.manage", "Приём показаний приборов учёта"), ("charges.view", "Просмотр начислений"),
    ("charges.run", "Расчёт и проведение периода"), ("payments.view", "Просмотр платежей и перечислений"),
    ("payments.manage", "Загрузка собственных платежей"), ("reports.view", "Отчёты и выгрузки"),
    ("appeals.manage", "Работа с обращениями"), ("settings.view", "Просмотр настроек"),
    ("settings.manage", "Изменение настроек"), ("users.view", "Просмотр пользователей"),
    ("users.manage", "Управление пользователями"), ("api_keys.manage", "Управление API-ключами"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("identity", "0002_audit_secrets_redact"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingSignUp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254, verbose_name="e-mail")),
                ("full_name", models.CharField(max_length=200, verbose_name="ФИО")),
                ("password", models.CharField(max_length=128)),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"verbose_name": "неподтверждённая регистрация"},
        ),
        migrations.CreateModel(
            name="PasswordReset",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "сброс пароля"},
        ),
        migrations.CreateModel(
            name="StaffInvitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254, verbose_name="e-mail")),
                ("role", models.CharField(
                    choices=[("admin", "Администратор принципала"), ("staff", "Сотрудник принципала")],
                    default="staff", max_length=16, verbose_name="роль")),
                ("permissions", django.contrib.postgres.fields.ArrayField(
                    base_field=models.CharField(choices=PERMS, max_length=32), blank=True, default=list, size=None)),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("accepted_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                  related_name="+", to=settings.AUTH_USER_MODEL)),
                ("invited_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("principal", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                related_name="invitations", to="tenants.principal")),
            ],
            options={
                "verbose_name": "приглашение сотрудника",
                "constraints": [models.UniqueConstraint(
                    condition=models.Q(("accepted_at__isnull", True), ("revoked_at__isnull", True)),
                    fields=("principal", "email"), name="invitation_open_unique")],
            },
        ),
    ]
