"""A resident sees and submits readings for their own household's meters only."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from agency.cabinet.services import resident_meters, resident_reading_submit
from tenants.billing.models import Reading
from tests import factories


def test_resident_sees_own_meters_across_principals_only(homes, principal_a, principal_b):
    meters = resident_meters(user=homes["resident"])
    assert sorted((m.principal_id, m.serial) for m in meters) == sorted(
        [(principal_a.pk, "MY-A"), (principal_b.pk, "MY-B")]
    )


def test_resident_submits_for_own_meter(homes, principal_a):
    rows = resident_reading_submit(user=homes["resident"], principal_id=principal_a.pk,
                                   meter_id=homes["mine_a"].pk, values={1: Decimal("12.5")}, reading_date=_today())
    assert [r.value for r in rows] == [Decimal("12.5")]


def test_neighbours_meter_is_not_found_and_nothing_is_written(homes, principal_a):
    with pytest.raises(ValidationError) as refused:
        resident_reading_submit(user=homes["resident"], principal_id=principal_a.pk,
                                meter_id=homes["neighbour_a"].pk, values={1: Decimal("1")}, reading_date=_today())
    assert refused.value.error_dict["meter"][0].code == "NOT_FOUND"
    with tenant_context(principal_a):
        assert not Reading.objects.exists()


def test_unlinked_user_sees_nothing_and_submits_nothing(homes, principal_a):
    stranger = factories.user(is_resident=True)
    assert resident_meters(user=stranger) == []
    with pytest.raises(ValidationError):
        resident_reading_submit(user=stranger, principal_id=principal_a.pk, meter_id=homes["mine_a"].pk,
                                values={1: Decimal("1")}, reading_date=_today())


def _today() -> date:
    return timezone.localdate()
