"""Celery task of reports: build one job's file. Takes the job's id; the job row says whose schema to read."""

from celery import shared_task

from agency.reports.services import report_build


@shared_task(name="reports.build", acks_late=True)
def report_build_task(job_id: int) -> str:
    return str(report_build(job_id))
