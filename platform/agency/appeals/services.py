"""Writing appeals: created by a resident or by staff, answered, closed.

Who may see an appeal is decided by the caller's side (``selectors``); these functions take the
appeal the caller was allowed to load, or the ids a resident typed, and check those against the
resident's own linked households.
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, tenant_context

from agency.appeals.models import NUMBER_SEQUENCE, Appeal, AppealMessage, AppealStatus
from billing_core.error_codes import ErrorCode
from tenants.billing.models import PersonalAccount
from tenants.enqueue import send_on_commit
from tenants.registry.models import UnifiedAccount
from tenants.residents.models import ResidentLink
from tenants.schemas import active_principals

SUBJECT_MAX = 200
TEXT_MAX = 5000


def _not_found(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=ErrorCode.NOT_FOUND)})


def _clean(subject: str | None, text: str) -> tuple[str, str]:
    errors = {}
    text = (text or "").strip()
    if subject is not None:
        subject = subject.strip()
        if not subject:
            errors["subject"] = ValidationError(_("Укажите тему обращения."), code=ErrorCode.REQUIRED)
        elif len(subject) > SUBJECT_MAX:
            errors["subject"] = ValidationError(_("Тема — не длиннее %(max)s символов.") % {"max": SUBJECT_MAX},
                                                code=ErrorCode.INVALID)
    if not text:
        errors["text"] = ValidationError(_("Напишите текст сообщения."), code=ErrorCode.REQUIRED)
    elif len(text) > TEXT_MAX:
        errors["text"] = ValidationError(_("Сообщение — не длиннее %(max)s символов.") % {"max": TEXT_MAX},
                                         code=ErrorCode.INVALID)
    if errors:
        raise ValidationError(errors)
    return subject, text


def _serves(principal, unified_ids: list[int]) -> bool:
    """Whether the principal keeps a personal account of one of these households (in its own schema)."""
    if not unified_ids:
        return False
    with tenant_context(principal):
        return PersonalAccount.objects.filter(unified_account_id__in=unified_ids).exists()


def _next_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [f"{get_public_schema_name()}.{NUMBER_SEQUENCE}"])
        (n,) = cursor.fetchone()
    return f"О-{timezone.localdate():%Y}-{n:06d}"


def _create(*, subject, text, principal, unified, resident, created_by, author_name, from_staff) -> Appeal:
    appeal = Appeal.objects.create(
        number=_next_number(), subject=subject, principal=principal, unified_account=unified, resident=resident,
        created_by=created_by, author_name=author_name,
    )
    AppealMessage.objects.create(appeal=appeal, author=created_by, author_name=author_name, from_staff=from_staff,
                                 text=text)
    return appeal


@transaction.atomic
def appeal_create_by_resident(*, user, subject: str, text: str, principal_id: int | None = None,
                              els: str | None = None) -> Appeal:
    """A resident's appeal to the agent (no principal) or to a principal serving one of their households.

    ``els`` must be one of the resident's linked households; a principal that serves none of them (or
    not the one named) is not found, exactly like one that does not exist.
    """
    subject, text = _clean(subject, text)
    linked = list(UnifiedAccount.objects.filter(
        pk__in=ResidentLink.objects.filter(user=user).values("unified_account_id")))
    unified = None
    if els:
        unified = next((u for u in linked if u.number == els.strip()), None)
        if unified is None:
            raise _not_found("els", _("ЕЛС не найден среди ваших привязанных."))
    principal = None
    if principal_id is not None:
        principal = active_principals().filter(pk=principal_id).first()
        households = [unified.pk] if unified else [u.pk for u in linked]
        if principal is None or not _serves(principal, households):
            raise _not_found("principal_id", _("Организация не найдена среди обслуживающих ваш дом."))
    return _create(subject=subject, text=text, principal=principal, unified=unified, resident=user,
                   created_by=user, author_name=user.full_name or user.email, from_staff=False)


@transaction.atomic
def appeal_create_by_staff(*, principal, user, author_name: str, subject: str, text: str,
                           principal_id: int | None = None, els: str | None = None) -> Appeal:
    """Staff register an appeal (a caller on the phone): to their own principal (``principal``), or to the
    agent when ``principal`` is None. ``principal_id``, if given, must be that same principal."""
    subject, text = _clean(subject, text)
    if principal_id is not None and (principal is None or principal_id != principal.pk):
        raise _not_found("principal_id", _("Организация не найдена."))
    unified = None
    if els:
        unified = UnifiedAccount.objects.filter(number=els.strip()).first()
        if unified is None or (principal is not None and not _serves(principal, [unified.pk])):
            raise _not_found("els", _("ЕЛС не найден."))
    return _create(subject=subject, text=text, principal=principal, unified=unified, resident=None,
                   created_by=user, author_name=author_name, from_staff=True)


@transaction.atomic
def appeal_reply(*, appeal: Appeal, user, author_name: str, text: str, from_staff: bool,
                 close: bool = False) -> Appeal:
    """Add a message. A staff answer makes the appeal ANSWERED (CLOSED with ``close``) and tells the resident
    by e-mail once committed; a resident's reply reopens it. A closed appeal takes no more messages."""
    _subject, text = _clean(None, text)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status == AppealStatus.CLOSED:
        raise ValidationError({"id": ValidationError(_("Обращение закрыто."), code=ErrorCode.APPEAL_CLOSED)})
    message = AppealMessage.objects.create(appeal=appeal, author=user, author_name=author_name,
                                           from_staff=from_staff, text=text)
    if close:
        appeal.status = AppealStatus.CLOSED
    else:
        appeal.status = AppealStatus.ANSWERED if from_staff else AppealStatus.OPEN
    appeal.save(update_fields=["status", "updated_at"])
    if from_staff and appeal.resident_id is not None:
        _notify_on_commit(message.pk)
    return appeal


@transaction.atomic
def appeal_close(*, appeal: Appeal) -> Appeal:
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.CLOSED:
        appeal.status = AppealStatus.CLOSED
        appeal.save(update_fields=["status", "updated_at"])
    return appeal


def _notify_on_commit(message_id: int) -> None:
    # From the public schema: appeals live there, whatever host the answer came from. A refused send is
    # logged, not reported: the answer is saved, and an error would only make its author answer again.
    send_on_commit("appeals.answer_notify", message_id, schema=get_public_schema_name(), tell_user=False)


# --- notification ---------------------------------------------------------------------------------


def appeal_answer_notify(message_id: int) -> bool:
    """E-mail the resident a staff answer, once: the message row is locked and stamped when sent.

    Returns whether a message went out (False: already notified, or nobody to tell).
    """
    from django.core.mail import EmailMessage

    with transaction.atomic():
        message = (AppealMessage.objects.select_for_update(of=("self",))
                   .select_related("appeal__resident", "appeal__principal").filter(pk=message_id).first())
        if message is None or message.notified_at is not None or not message.from_staff:
            return False
        appeal = message.appeal
        resident = appeal.resident
        if resident is None or not resident.email:
            return False
        sender = appeal.principal.short_name if appeal.principal_id else _("Расчётный центр")
        subject = _("Ответ на обращение %(number)s") % {"number": appeal.number}
        body = "\n\n".join([
            _("Здравствуйте!"),
            _("На ваше обращение %(number)s «%(subject)s» получен ответ от %(sender)s:")
            % {"number": appeal.number, "subject": appeal.subject, "sender": sender},
            message.text,
            _("Посмотреть обращение и ответить можно в личном кабинете."),
        ])
        EmailMessage(subject=subject, body=body, to=[resident.email],
                     headers={"Auto-Submitted": "auto-replied"}).send()
        message.notified_at = timezone.now()
        message.save(update_fields=["notified_at"])
    return True
