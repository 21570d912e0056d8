"""The acts of collection work with the documents each one produces, for the API and the demo.

``tenants.collection.services`` decides whether an act is lawful and records it; the documents are drawn here,
one layer up, where the renderer and the file store live: a warning sent by post gets its letter (and the post
office's register), a restriction order its work order, a restriction and a lifting their acts, an agreement the
text to sign, a court case its claim and — when filed — the court package. Each runs in the caller's transaction
and current principal schema; a document's key is derived from its content, so a repeated act draws nothing new.
"""

from datetime import date

from django.db import connection

from agency.collection import documents
from tenants.collection import services
from tenants.collection.models import CaseEventKind, CourtCase, WarningChannel

_PACKAGE_STEPS = {CaseEventKind.FILED, CaseEventKind.LAWSUIT_FILED}


def warning_issue(*, account, service, month: date, channel: str, on: date):
    warning, created = services.warning_issue(account=account, service=service, month=month, channel=channel, on=on)
    if created and warning.channel != WarningChannel.EPD:  # a warning in the ЕПД is printed with the ЕПД
        documents.warning_letters_batch(schema_name=connection.schema_name, warning_ids=[warning.pk],
                                        month=warning.month, on=on)
    return warning, created


def restriction_order(*, warning, executor: str, kind: str, on: date | None = None,
                      no_technical_possibility: bool = False):
    restriction = services.restriction_order(warning=warning, executor=executor, kind=kind, on=on,
                                             no_technical_possibility=no_technical_possibility)
    documents.work_order_render(restriction, on=restriction.ordered_on)
    return restriction


def restriction_suspend(*, restriction, on: date):
    restriction = services.restriction_suspend(restriction=restriction, on=on)
    documents.restriction_act_render(restriction)  # the act now states the suspension and its day
    return restriction


def restriction_done(*, restriction, done_on: date, act_number: str):
    restriction = services.restriction_done(restriction=restriction, done_on=done_on, act_number=act_number)
    documents.restriction_act_render(restriction)
    return restriction


def restriction_lift(*, restriction, lifted_on: date, act_number: str):
    restriction = services.restriction_lift(restriction=restriction, lifted_on=lifted_on, act_number=act_number)
    documents.lift_act_render(restriction)
    return restriction


def agreement_prepare(**kwargs):
    agreement = services.agreement_prepare(**kwargs)
    documents.agreement_render(agreement)
    return agreement


def court_case_open(*, account, on: date, debtor_ids: dict | None = None) -> CourtCase:
    case = services.court_case_open(account=account, on=on, debtor_ids=debtor_ids)
    documents.claim_render(case, on=on)
    return case


def case_event_record(*, case: CourtCase, kind: str, **kwargs):
    event, created = services.case_event_record(case=case, kind=kind, **kwargs)
    if created and kind in _PACKAGE_STEPS:  # the application (or the lawsuit) with its calculations
        documents.court_package_render(CourtCase.objects.get(pk=event.case_id))
    return event, created
