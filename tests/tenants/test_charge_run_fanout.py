"""Agent staff start every principal's charge run at once and watch them in one query."""

from datetime import date

from django_tenants.utils import tenant_context

from tenants.billing.charge_run import charge_run
from tenants.billing.fanout import charge_run_all, charge_run_progress
from tenants.billing.models import BillingPeriod
from tenants.billing.tasks import charge_run_task

JULY = date(2026, 7, 1)


def test_progress_reads_every_principals_period(principal_a, principal_b):
    with tenant_context(principal_a):
        charge_run(month=JULY)

    progress = {row["schema"]: row for row in charge_run_progress(month=JULY)}

    assert progress["principal_a"]["status"] == "calculated"
    assert progress["principal_b"]["status"] == "open"


def test_run_all_queues_after_commit_one_run_per_principal_in_its_schema(
    principal_a, principal_b, django_capture_on_commit_callbacks
):
    app = charge_run_task.app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # run in-process: this test checks routing, not the broker
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            schemas = charge_run_all(month=JULY)
            # nothing is sent before the transaction commits
            with tenant_context(principal_a):
                assert not BillingPeriod.objects.filter(month=JULY).exists()
        assert len(callbacks) == len(schemas)  # one send per principal
        for callback in callbacks:
            callback()
    finally:
        app.conf.task_always_eager = eager

    assert {"principal_a", "principal_b"} <= set(schemas)
    for principal in (principal_a, principal_b):
        with tenant_context(principal):
            assert BillingPeriod.objects.get(month=JULY).status == "calculated"
