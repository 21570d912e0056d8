"""The demo's ЕПД: the demo month (``agency.demo.dates``) posted at every principal, then one run assembling
every household's document from the three principals' schemas and rendering the PDFs. Idempotent: a month already
issued is left alone.

Runs in-process (the demo loads before the worker starts); production runs go through Celery
(``documents.services.epd_run_start``).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.documents import assembly
from agency.documents.models import Epd, EpdRun, RunStatus
from agency.documents.runs import run_principals
from agency.documents.tasks import render_documents
from tenants.billing.charge_run import period_post
from tenants.billing.models import BillingPeriod, PeriodStatus


def demo_epd_seed(principals, *, month: date) -> dict:
    for principal in principals:
        with tenant_context(principal):
            if BillingPeriod.objects.filter(month=month, status=PeriodStatus.CALCULATED).exists():
                period_post(month=month)
    if Epd.objects.filter(month=month).exists():
        run = EpdRun.objects.filter(month=month, unified_account__isnull=True).order_by("-pk").first()
    else:
        with transaction.atomic():
            run = EpdRun.objects.create(month=month, status=RunStatus.GATHERING, started_at=timezone.now())
            members = run_principals(run)
            for principal in members:
                assembly.gather_principal(run=run, principal=principal)
            run.principals_total = run.principals_done = len(members)
            run.status = RunStatus.ASSEMBLING
            run.save()
            assembly.assemble(run=run, slices=1)
            assembly.staging_drop(run=run)
    pending = list(Epd.objects.filter(month=month, pdf_key="").values_list("pk", flat=True))
    render_documents(pending)
    if run is not None and run.status != RunStatus.DONE:
        run.refresh_from_db()
        run.documents_rendered = Epd.objects.filter(run=run).exclude(pdf_key="").count()
        run.status, run.finished_at = RunStatus.DONE, timezone.now()
        run.save(update_fields=["documents_rendered", "status", "finished_at"])
    return {"documents": Epd.objects.filter(month=month, is_current=True).count(),
            "issues": run.issues_count if run else 0}
