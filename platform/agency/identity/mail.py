"""E-mails about accounts (invitations, sign-up, password reset): Russian text from templates through gettext,
sent once the transaction commits (a rolled-back write sends nothing), with links to the right host."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

logger = logging.getLogger(__name__)


def host_url(request, path: str) -> str:
    """``path`` on the host the request came to (a principal's host for its staff)."""
    return f"{request.scheme}://{request.get_host()}{path}"


def public_url(request, path: str) -> str:
    """``path`` on the agent's public host (residents, agent staff), with the request's scheme and port."""
    host = request.get_host()
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
    return f"{request.scheme}://{settings.PUBLIC_HOST}{':' + port if port else ''}{path}"


def moment_text(moment) -> str:
    """A link's expiry as the e-mail says it: local date and time."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _send(to: str, template: str, context: dict) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"identity/email/{template}_subject.txt", context).split())
        body = render_to_string(f"identity/email/{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=[to], headers={"Auto-Submitted": "auto-generated"}).send()


def mail_after_commit(*, to: str, template: str, context: dict) -> None:
    """Send ``identity/email/<template>.txt`` (and ``…_subject.txt``) to ``to`` after the commit.

    A failure to send is logged, not raised: the answer must not differ by whether a message went out."""

    def send() -> None:
        try:
            _send(to, template, context)
        except Exception:  # an SMTP outage must not turn into a different answer
            logger.exception("account e-mail %s not sent", template)

    transaction.on_commit(send)
