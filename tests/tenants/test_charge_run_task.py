"""The per-principal task: a refusal changes nothing, a crash is recorded and a rerun repairs it."""

from datetime import date

import pytest
from django_tenants.utils import tenant_context

from tenants.billing import tasks
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import BillingPeriod

MONTH = date(2026, 8, 1)


def test_posted_period_is_refused_and_left_alone(principal_a):
    with tenant_context(principal_a):
        charge_run(month=MONTH)
        period_post(month=MONTH)
        result = tasks.charge_run_task.run(MONTH.isoformat())
        assert BillingPeriod.objects.get(month=MONTH).status == "posted"
    assert result["refused"]


def test_a_crash_is_recorded_and_the_next_run_repairs_it(principal_a, monkeypatch):
    def crash(*, month):
        raise RuntimeError("worker lost its database")

    with tenant_context(principal_a):
        monkeypatch.setattr(tasks, "charge_run", crash)  # failure injection: nothing else can fail on demand
        with pytest.raises(RuntimeError):
            tasks.charge_run_task.run(MONTH.isoformat())
        failed = BillingPeriod.objects.get(month=MONTH)
        monkeypatch.undo()
        result = tasks.charge_run_task.run(MONTH.isoformat())
        repaired = BillingPeriod.objects.get(month=MONTH)

    assert (failed.status, failed.error) == ("failed", "worker lost its database")
    assert (repaired.status, repaired.error, result["status"]) == ("calculated", "", "calculated")
