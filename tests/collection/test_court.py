"""Court work on a debt (``tenants.collection.services``): the calculation a package needs, the route and the state
fee (НК РФ ст.333.19 п.1 пп.1–2 as amended by 259-ФЗ, ГПК РФ ст.121), the steps of a case, and the money recovered
by enforcement as receipts of the account."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from billing_core.error_codes import ErrorCode
from tenants.billing.balances import account_balance_now
from tenants.billing.models import AccountService, Service
from tenants.collection.models import AccountCollection, CaseEventKind, CaseStatus, Stage
from tenants.collection.register import register_refresh
from tenants.collection.services import (
    case_event_record,
    case_events_allowed,
    court_case_calculation,
    court_case_open,
)
from tenants.ledger.models import LedgerTransaction
from tenants.receipts.models import Receipt, ReceiptSource
from tests.collection.test_register import hot_water, post
from tests.collection.test_services import code_of
from tests.tenants.billing.test_balances import _accounts

pytestmark = pytest.mark.django_db
D = Decimal
NOV = date(2026, 11, 1)
ON = date(2026, 12, 5)  # the package's day: November's charge is due in December, no penalties yet


def test_no_package_without_a_posted_calculation(principal_a):
    (account,) = _accounts(principal_a, 1, prefix="NOC")
    with tenant_context(principal_a):
        with pytest.raises(ValidationError) as refused:
            court_case_calculation(account=account, on=ON)
        assert code_of(refused) == ErrorCode.CALCULATION_MISSING
        with pytest.raises(ValidationError) as refused:
            court_case_open(account=account, on=ON)
        assert code_of(refused) == ErrorCode.CALCULATION_MISSING
        # posted, but the register was never refreshed: no debt to state
        post(NOV)
        with pytest.raises(ValidationError) as refused:
            court_case_calculation(account=account, on=ON)
        assert code_of(refused) == ErrorCode.CALCULATION_MISSING


# НК РФ ст.333.19 п.1 пп.1 (в ред. 259-ФЗ, applications sent from 09.09.2024): up to 100 000 ₽ — 4 000 ₽;
# 100 001–300 000 — 4 000 + 3 % of the part over 100 000; 300 001–500 000 — 10 000 + 2.5 % over 300 000;
# 500 001–1 000 000 — 15 000 + 2 % over 500 000. пп.2: a court order — 50 % of that. ГПК ст.121: an order up to
# 500 000 ₽, a lawsuit above. The claims are 50 m² × the rate for one month.
@pytest.mark.parametrize(("rate", "claim", "route", "fee"), [
    # 30 000: order; 50 % × 4 000 = 2 000
    ("600.00", D("30000.00"), "order", D("4000") / 2),
    # 150 000: order; lawsuit 4 000 + 3 % × (150 000 − 100 000) = 5 500, half of it 2 750
    ("3000.00", D("150000.00"), "order", (D("4000") + D("0.03") * (D("150000") - D("100000"))) / 2),
    # 500 000 exactly: still an order (ГПК ст.121 «не превышает»); 10 000 + 2.5 % × 200 000 = 15 000, half 7 500
    ("10000.00", D("500000.00"), "order", (D("10000") + D("0.025") * D("200000")) / 2),
    # 600 000: over 500 000 — a lawsuit; 15 000 + 2 % × 100 000 = 17 000
    ("12000.00", D("600000.00"), "lawsuit", D("15000") + D("0.02") * D("100000")),
])
def test_route_and_state_fee_by_the_size_of_the_claim(principal_a, rate, claim, route, fee):
    (account,) = _accounts(principal_a, 1, rate=rate, prefix="FEE")
    with tenant_context(principal_a):
        post(NOV)
        register_refresh(today=ON)
        calc = court_case_calculation(account=account, on=ON)
        assert (calc["principal"], calc["penalties"], calc["claim"]) == (claim, 0, claim)
        assert (calc["route"], calc["fee"]) == (route, fee.quantize(D("0.01")))
        assert "259-ФЗ" in calc["fee_source"]
        case = court_case_open(account=account, on=ON, debtor_ids={"snils": "112-233-445 95"})
        assert (case.route, case.state_fee, case.status) == (route, calc["fee"], CaseStatus.CLAIM)
        assert AccountCollection.objects.get(pk=account.pk).stage == Stage.CLAIM
        # the application that the route does not allow is refused
        wrong = CaseEventKind.LAWSUIT_FILED if route == "order" else CaseEventKind.FILED
        with pytest.raises(ValidationError) as refused:
            case_event_record(case=case, kind=wrong, happened_on=ON)
        assert code_of(refused) == ErrorCode.COLLECTION_STATE
        with pytest.raises(ValidationError) as refused:  # one open case per account
            court_case_open(account=account, on=ON)
        assert code_of(refused) == ErrorCode.DUPLICATE


def test_a_case_from_the_order_to_the_bailiffs_and_the_money_they_recover(principal_a):
    """Hot water 1 750.00 and maintenance 1 500.00 charged for 11.2026: 3 250.00 owed. The order is cancelled, the
    lawsuit won, the writ sent to the bailiffs. They recover 1 000.00, split in proportion to the debts:
    1 000 × 1 750 / 3 250 = 538.4615… and 1 000 × 1 500 / 3 250 = 461.5384…; in whole kopecks 538.46 + 461.53 =
    999.99, and the one kopeck left goes to the larger remainder (.84 against .15): 538.46 and 461.54."""
    hw, (account,) = hot_water(principal_a, 1, prefix="CASE")
    with tenant_context(principal_a):
        maintenance = Service.objects.get(code="maint")
        AccountService.objects.create(account=account, service=maintenance, valid_from=date(2020, 2, 1))
        post(NOV)
        register_refresh(today=ON)
        balance_before = account_balance_now(account_id=account.pk)
        assert balance_before == D("1750.00") + D("1500.00")
        case = court_case_open(account=account, on=ON)
        assert (case.route, case.state_fee) == ("order", D("2000.00"))

        def step(kind, **kwargs):
            return case_event_record(case=case, kind=kind, happened_on=date(2026, 12, 7), **kwargs)

        assert case_events_allowed(case) == [CaseEventKind.FILED, CaseEventKind.CLOSED]
        for refused_kind in (CaseEventKind.ORDER_ISSUED, CaseEventKind.JUDGMENT, CaseEventKind.RECOVERED):
            with pytest.raises(ValidationError) as refused:
                step(refused_kind, amount=D("1.00"), document_number="X")
            assert code_of(refused) == ErrorCode.COLLECTION_STATE, refused_kind
        with pytest.raises(ValidationError) as refused:
            step("no_such_step")
        assert code_of(refused) == ErrorCode.INVALID
        step(CaseEventKind.FILED, court_name="Мировой судья судебного участка №1")
        case.refresh_from_db()
        assert case.status == CaseStatus.FILED
        assert AccountCollection.objects.get(pk=account.pk).stage == Stage.COURT
        with pytest.raises(ValidationError) as refused:  # no judgment on an application for an order
            step(CaseEventKind.JUDGMENT)
        assert code_of(refused) == ErrorCode.COLLECTION_STATE
        step(CaseEventKind.ORDER_ISSUED, court_case_number="2-100/2026")
        step(CaseEventKind.ORDER_CANCELLED)
        case.refresh_from_db()
        assert case_events_allowed(case) == [CaseEventKind.LAWSUIT_FILED, CaseEventKind.CLOSED]
        step(CaseEventKind.LAWSUIT_FILED)
        case.refresh_from_db()
        # the lawsuit's fee: 3 250.00 is under 100 000, so 4 000
        assert (case.route, case.status, case.state_fee) == ("lawsuit", CaseStatus.FILED, D("4000.00"))
        # the 2 000 paid for the cancelled order counts towards it (НК ст.333.20 п.1 пп.13): 2 000 more to pay
        assert case.fee_offset == D("2000.00") and case.state_fee - case.fee_offset == D("2000.00")
        with pytest.raises(ValidationError) as refused:  # no order on a lawsuit
            step(CaseEventKind.ORDER_ISSUED)
        assert code_of(refused) == ErrorCode.COLLECTION_STATE
        step(CaseEventKind.JUDGMENT)
        step(CaseEventKind.WRIT_ISSUED)
        step(CaseEventKind.SENT_TO_BAILIFFS)
        case.refresh_from_db()
        assert (case.status, case.enforcement_to) == (CaseStatus.ENFORCEMENT, "bailiffs")
        assert AccountCollection.objects.get(pk=account.pk).stage == Stage.ENFORCEMENT

        event, created = step(CaseEventKind.RECOVERED, amount=D("1000.00"), document_number="ПП-77")
        again, created_again = step(CaseEventKind.RECOVERED, amount=D("1000.00"), document_number="ПП-77")
        assert (created, created_again, again.pk) == (True, False, event.pk)
        receipts = dict(Receipt.objects.filter(source=ReceiptSource.ENFORCEMENT).values_list("service_id", "amount"))
        assert receipts == {hw.pk: D("538.46"), maintenance.pk: D("461.54")}
        assert sum(receipts.values()) == D("1000.00")
        assert account_balance_now(account_id=account.pk) == balance_before - D("1000.00")
        assert LedgerTransaction.objects.filter(kind="enforcement_receipt").count() == 1
        case.refresh_from_db()
        assert case.recovered == D("1000.00")
        with pytest.raises(ValidationError) as refused:  # a money event needs its payment document
            step(CaseEventKind.RECOVERED, amount=D("5.00"))
        assert code_of(refused) == ErrorCode.REQUIRED

        step(CaseEventKind.CLOSED)
        case.refresh_from_db()
        assert (case.status, case.closed_on) == (CaseStatus.CLOSED, date(2026, 12, 7))
        assert AccountCollection.objects.get(pk=account.pk).stage == Stage.RECOVERED
        assert case_events_allowed(case) == []
        with pytest.raises(ValidationError) as refused:
            step(CaseEventKind.RECOVERED, amount=D("1.00"), document_number="ПП-78")
        assert code_of(refused) == ErrorCode.COLLECTION_STATE
