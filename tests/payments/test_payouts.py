"""Daily payouts: the working-day window, fees, idempotent builds, and the approve → export → confirm flow with
the 1C file and the registers read back."""

import csv
import io
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from openpyxl import load_workbook

from agency.documents import storage
from agency.documents.models import Epd, EpdPayee, EpdRun
from agency.payments.intake.recording import payment_record
from agency.payments.ledger_accounts import CASH, FEE, payable_account
from agency.payments.models import Allocation, Channel, Payout, PayoutRun, PayoutStatus
from agency.payments.payouts import (
    payout_approve,
    payout_list,
    payout_register,
    payouts_approve,
    payouts_build,
    payouts_confirm,
    payouts_export,
)
from agency.payments.payouts.tasks import payouts_build_task
from agency.principals.services import agency_contract_create
from billing_core.error_codes import ErrorCode
from billing_core.onec_exchange import statement_read
from billing_core.requisites import account_with_control_key
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import account_balance, trial_balance
from tenants.models import Principal
from tenants.registry.models import UnifiedAccount
from tenants.regulations.models import CalendarDay
from tenants.regulations.selectors import calendar_year_loaded, next_working_day
from tests import factories
from tests.payments.allocation_oracle import payment_allocate

pytestmark = pytest.mark.django_db
D = Decimal
MONTH = date(2026, 10, 1)
_numbers = iter(range(1, 10**6))


# --- the world: two households, a document each, contracts, an operator ---------------------------------------------


def _line(code: str, total: str) -> dict:
    return {"service": code, "service_code": code, "unit": "м³", "method": "meter", "charged": total,
            "recalculated": "0.00", "benefits": "0.00", "penalties": "0.00", "total": total}


def _epd(household: UnifiedAccount, payees: list[tuple]) -> Epd:
    run = EpdRun.objects.create(month=MONTH)
    total = sum((D(due) for _p, _acc, due, _lines in payees), D(0))
    epd = Epd.objects.create(
        run=run, unified_account=household, month=MONTH, ipd=f"{household.number}-1026-1", payer_name="Плательщик",
        address="Ярославль, ул. Жилая, д. 1", house=household.premise.house, due_date=date(2026, 11, 15),
        total_due=total, content={"els": household.number}, content_sha256="x" * 64)
    for principal, account, due, lines in payees:
        EpdPayee.objects.create(epd=epd, principal=principal, account_number=account, amount_due=D(due),
                                closing=D(due), block={"lines": lines, "charged": due})
    return epd


@pytest.fixture
def world(homes, principal_a, principal_b, settings, tmp_path):
    """Household 1 pays A (cold 600) and B (cold 200 + drainage 100 of a 400 due); household 2 pays A only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from django_tenants.utils import schema_context

    with schema_context("principal_b"):
        from tenants.billing.models import Service

        Service.objects.get_or_create(code="drain", defaults={"kind": "drainage", "name": "Водоотведение",
                                                               "unit": "м³", "tariff_kind": "per_unit"})
    mine = UnifiedAccount.objects.get(number="7600000001")
    other = UnifiedAccount.objects.get(number="7600000002")
    _epd(mine, [(principal_a, "L-MY-A", "600.00", [_line("cold", "600.00")]),
                (principal_b, "L-MY-B", "400.00", [_line("cold", "200.00"), _line("drain", "100.00")])])
    _epd(other, [(principal_a, "L-NB-A", "1000.00", [_line("cold", "1000.00")])])
    return {"mine": mine, "other": other, "a": principal_a, "b": principal_b,
            "operator": factories.user(agent_role="operator"), "approver": factories.user(agent_role="approver"),
            "agent": Principal.objects.get(schema_name="public")}


def contract(principal, *, rate="1.5", fee_min=None, fee_max=None, valid_from=date(2025, 1, 1), schedule="daily",
             n=1):
    return agency_contract_create(
        principal=principal, number=f"АГ-{principal.pk}/{n}", signed_on=date(2024, 12, 20), valid_from=valid_from,
        valid_to=None, fee_rate=D(rate), fee_min=D(fee_min) if fee_min else None,
        fee_max=D(fee_max) if fee_max else None, services=["cold_water"], payout_schedule=schedule,
        qr_mode="per_payee", payout_account=account_with_control_key(f"40702810{principal.pk:04d}00000077",
                                                                     factories.BIC))


def pay(household, amount: str, day: date, *, channel="bank_registry"):
    """A payment of ``day`` allocated the same day, through the real intake and allocation."""
    payment, _ = payment_record(channel=channel, source="sber", external_id=f"p{next(_numbers)}", amount=amount,
                                paid_on=day, payer_ref=household.number, payer_name="Иванов И. И.")
    payment_allocate(payment_id=payment.pk, on=day)
    return payment


def unpaid(principal, lo: date, hi: date) -> Decimal:
    """The oracle: the principal's allocations dated in [lo, hi], read with the ORM."""
    return Allocation.objects.filter(principal=principal, allocated_on__range=(lo, hi)).aggregate(
        s=Sum("amount"))["s"] or D("0.00")


def fee_oracle(gross: Decimal, rate: str, fee_min=None, fee_max=None) -> Decimal:
    fee = gross * D(rate) / 100
    if fee_min is not None:
        fee = max(fee, D(fee_min))
    if fee_max is not None:
        fee = min(fee, D(fee_max))
    return min(fee.quantize(D("0.01"), rounding=ROUND_HALF_UP), gross)


def code_of(exc: ValidationError) -> str:
    return next(iter(exc.value.error_dict.values()))[0].code


# --- the window ------------------------------------------------------------------------------------------------------

FRI, SAT, SUN, MON, TUE = (date(2026, 10, d) for d in (16, 17, 18, 19, 20))
THU = date(2026, 10, 15)


def test_monday_covers_friday_to_sunday_and_leaves_monday_for_tuesday(world):
    a, b = world["a"], world["b"]
    contract(a)
    contract(b)
    for day, amount in ((THU, "100.00"), (FRI, "250.00"), (SAT, "333.33"), (SUN, "70.00"), (MON, "999.99")):
        pay(world["mine"], amount, day)
        pay(world["other"], amount, day)

    friday = payouts_build(business_day=FRI)
    monday = payouts_build(business_day=MON)

    assert (monday.covers_from, monday.covers_to) == (FRI, SUN)
    for principal in (a, b):
        fri = Payout.objects.get(principal=principal, business_day=FRI)
        mon = Payout.objects.get(principal=principal, business_day=MON)
        assert fri.gross == unpaid(principal, THU, THU) and (fri.covers_from, fri.covers_to) == (THU, THU)
        assert mon.gross == unpaid(principal, FRI, SUN) and (mon.covers_from, mon.covers_to) == (FRI, SUN)
        assert mon.fee == fee_oracle(mon.gross, "1.5") and mon.net == mon.gross - mon.fee
        assert set(Allocation.objects.filter(principal=principal, allocated_on__range=(FRI, SUN))
                   .values_list("payout_id", flat=True)) == {mon.pk}
        # Monday's own money waits for Tuesday
        assert not Allocation.objects.filter(principal=principal, allocated_on=MON, payout__isnull=False).exists()
    assert monday.gross == unpaid(a, FRI, SUN) + unpaid(b, FRI, SUN)
    assert sorted(friday.payout_ids + monday.payout_ids) == sorted(Payout.objects.values_list("pk", flat=True))

    tuesday = payouts_build(business_day=TUE)
    assert sum(Payout.objects.filter(pk__in=tuesday.payout_ids).values_list("gross", flat=True)) == \
        unpaid(a, MON, MON) + unpaid(b, MON, MON)


def test_days_off_and_transferred_days_follow_the_calendar(world):
    a = world["a"]
    contract(a)
    # 2025: Saturday 1 November was a working day, Monday 3 November a day off (decree №1335), 4 November a holiday
    for day in (date(2025, 10, 31), date(2025, 11, 1), date(2025, 11, 2), date(2025, 11, 3), date(2025, 11, 4)):
        pay(world["other"], "100.00", day)

    saturday = payouts_build(business_day=date(2025, 11, 1))
    with pytest.raises(ValidationError) as refused:
        payouts_build(business_day=date(2025, 11, 3))
    wednesday = payouts_build(business_day=date(2025, 11, 5))

    assert (saturday.covers_from, saturday.covers_to) == (date(2025, 10, 31), date(2025, 10, 31))
    assert saturday.gross == D("100.00")
    assert code_of(refused) == ErrorCode.PAYOUT_NOT_WORKING_DAY
    assert (wednesday.covers_from, wednesday.covers_to) == (date(2025, 11, 1), date(2025, 11, 4))
    assert wednesday.gross == unpaid(a, date(2025, 11, 1), date(2025, 11, 4)) == D("400.00")


def test_the_new_year_break_is_paid_on_the_first_working_day_and_needs_both_years(world):
    contract(world["a"])
    for day in (date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 5), date(2026, 1, 9)):
        pay(world["other"], "10.00", day)
    payouts_build(business_day=date(2025, 12, 30))
    with transaction.atomic():  # without 2025's rows, 12 January's window cannot be known
        CalendarDay.objects.filter(date__year=2025).delete()
        with pytest.raises(ValidationError) as no_year:
            payouts_build(business_day=date(2026, 1, 12))
        transaction.set_rollback(True)

    january = payouts_build(business_day=date(2026, 1, 12))

    # 31.12.2025 was a day off moved from 5 January, 9.01.2026 one moved from 3 January: 30.12 was the last working day
    assert code_of(no_year) == ErrorCode.PAYOUT_CALENDAR_MISSING
    assert (january.covers_from, january.covers_to) == (date(2025, 12, 30), date(2026, 1, 11))
    assert january.gross == unpaid(world["a"], date(2025, 12, 30), date(2026, 1, 11)) == D("40.00")


def test_the_calendar_is_data_an_added_holiday_moves_the_payout(world):
    contract(world["a"])
    pay(world["other"], "100.00", MON)
    CalendarDay.objects.create(date=TUE, kind="holiday", note="test")

    with pytest.raises(ValidationError) as refused:
        payouts_build(business_day=TUE)
    wednesday = payouts_build(business_day=date(2026, 10, 21))

    assert code_of(refused) == ErrorCode.PAYOUT_NOT_WORKING_DAY
    assert (wednesday.covers_from, wednesday.covers_to) == (MON, TUE)
    assert wednesday.gross == D("100.00")


def test_a_year_the_calendar_lacks_and_a_future_day_are_refused(world):
    with pytest.raises(ValidationError) as no_year:
        payouts_build(business_day=date(2028, 1, 12))  # 2028: no calendar rows at all
    future = next_working_day(timezone.localdate())
    with pytest.raises(ValidationError) as ahead:
        payouts_build(business_day=future)
    assert code_of(no_year) == ErrorCode.PAYOUT_CALENDAR_MISSING
    expected = ErrorCode.PAYOUT_DAY_ORDER if calendar_year_loaded(future.year) else ErrorCode.PAYOUT_CALENDAR_MISSING
    assert code_of(ahead) == expected
    assert not PayoutRun.objects.exists()


@pytest.mark.parametrize(("amount", "fee_min", "fee_max"), [
    ("1000.00", "100.00", "500.00"),  # 2 % is 20: the minimum
    ("12345.67", "100.00", "500.00"),  # 246.9134: the rate, rounded half up
    ("40000.00", "100.00", "500.00"),  # 800: the maximum
    ("60.00", "100.00", None),  # the minimum is more than the money: all of it, net zero
    ("0.25", None, None),  # 0.005 rounds half up to a kopeck
])
def test_the_fee_follows_the_contract(world, amount, fee_min, fee_max):
    contract(world["a"], rate="2", fee_min=fee_min, fee_max=fee_max)
    pay(world["other"], amount, MON)

    payouts_build(business_day=TUE)

    payout = Payout.objects.get(principal=world["a"], business_day=TUE)
    assert payout.gross == D(amount)
    assert payout.fee == fee_oracle(D(amount), "2", fee_min, fee_max)
    assert payout.net == D(amount) - payout.fee >= 0


def test_building_the_day_again_changes_nothing_and_late_money_goes_to_the_next_day(world):
    a = world["a"]
    contract(a)
    pay(world["other"], "500.00", MON)
    first = payouts_build(business_day=TUE)
    rows = list(Payout.objects.values_list("pk", "gross", "fee", "net"))

    late = payment_record(channel="cash_desk", source="desk", external_id="late", amount="77.00", paid_on=MON,
                          payer_ref=world["other"].number)[0]
    payment_allocate(payment_id=late.pk, on=MON)  # dated inside Tuesday's window, after Tuesday was built
    again = payouts_build(business_day=TUE)

    assert first.built_now and not again.built_now
    assert again.payout_ids == first.payout_ids and (again.gross, again.net) == (first.gross, first.net)
    assert list(Payout.objects.values_list("pk", "gross", "fee", "net")) == rows
    assert PayoutRun.objects.count() == 1

    wednesday = payouts_build(business_day=date(2026, 10, 21))
    payout = Payout.objects.get(pk__in=wednesday.payout_ids)
    assert payout.gross == D("77.00") and payout.covers_from == MON
    with pytest.raises(ValidationError) as earlier:
        payouts_build(business_day=MON)
    assert code_of(earlier) == ErrorCode.PAYOUT_DAY_ORDER


def test_a_principal_without_a_contract_is_reported_and_paid_once_it_has_one(world):
    a, b = world["a"], world["b"]
    contract(a)
    pay(world["mine"], "1000.00", MON)
    owed_b = unpaid(b, MON, MON)

    tuesday = payouts_build(business_day=TUE)

    assert [s["principal_id"] for s in tuesday.skipped] == [b.pk]
    assert tuesday.skipped[0]["reason"] == "no_contract" and D(tuesday.skipped[0]["gross"]) == owed_b
    assert not Payout.objects.filter(principal=b).exists()
    assert PayoutRun.objects.get(business_day=TUE).skipped == tuesday.skipped

    contract(b, valid_from=date(2026, 10, 21))
    wednesday = payouts_build(business_day=date(2026, 10, 21))
    assert Payout.objects.get(principal=b, pk__in=wednesday.payout_ids).gross == owed_b


def test_a_weekly_principal_is_paid_on_the_first_working_day_of_the_week(world):
    contract(world["a"], schedule="weekly")
    pay(world["other"], "100.00", date(2026, 10, 14))
    pay(world["other"], "200.00", THU)

    thursday = payouts_build(business_day=THU)
    monday = payouts_build(business_day=MON)

    assert thursday.payout_ids == [] and thursday.skipped[0]["reason"] == "weekly_schedule"
    assert Payout.objects.get(pk__in=monday.payout_ids).gross == D("300.00")


def test_the_beat_task_does_nothing_on_a_day_off_and_builds_on_a_working_day(world):
    contract(world["a"])
    pay(world["other"], "100.00", MON)

    assert payouts_build_task.run(SAT.isoformat())["status"] == "day_off"
    built = payouts_build_task.run(TUE.isoformat())
    again = payouts_build_task.run(TUE.isoformat())

    assert PayoutRun.objects.filter(business_day=SAT).count() == 0
    assert (built["status"], built["payouts"], D(built["gross"])) == ("built", 1, D("100.00"))
    assert again["status"] == "already_built" and Payout.objects.count() == 1


# --- approve, export, confirm -----------------------------------------------------------------------------------------


def bank_statement(agent_account: str, docs: list[dict], day: date, opening: Decimal = D("1000000.00")) -> bytes:
    """What the bank sends back: a 1C 1.03 statement of the agent's account with the orders it executed."""
    out = sum((d["amount"] for d in docs), D(0))
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Банк",
             "Получатель=Бухгалтерия", f"ДатаСоздания={day:%d.%m.%Y}", "ВремяСоздания=18:00:00",
             f"ДатаНачала={day:%d.%m.%Y}", f"ДатаКонца={day:%d.%m.%Y}", f"РасчСчет={agent_account}",
             "СекцияРасчСчет", f"ДатаНачала={day:%d.%m.%Y}", f"ДатаКонца={day:%d.%m.%Y}", f"РасчСчет={agent_account}",
             f"НачальныйОстаток={opening}", "ВсегоПоступило=0.00", f"ВсегоСписано={out}",
             f"КонечныйОстаток={opening - out}", "КонецРасчСчет"]
    for d in docs:
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={d['number']}", f"Дата={d['date']:%d.%m.%Y}",
                  f"Сумма={d['amount']}", f"ПлательщикСчет={agent_account}", f"ПолучательСчет={d['payee']}",
                  f"ДатаСписано={day:%d.%m.%Y}", "НазначениеПлатежа=Перечисление", "КонецДокумента"]
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def _built(world):
    a, b = world["a"], world["b"]
    ca, cb = contract(a, rate="1.5", fee_min="10.00"), contract(b, rate="3")
    for day, amount in ((FRI, "1234.56"), (SAT, "800.00"), (SUN, "15.01")):
        pay(world["mine"], amount, day)
        pay(world["other"], amount, day, channel="card_online")
    payouts_build(business_day=MON)
    return {a.pk: ca, b.pk: cb}


def test_approve_export_and_confirm_with_the_files_read_back(world):
    contracts = _built(world)
    agent, operator = world["agent"], world["operator"]
    payouts = list(Payout.objects.filter(business_day=MON).order_by("pk"))
    assert {p.status for p in payouts} == {PayoutStatus.CREATED}

    with pytest.raises(ValidationError) as not_staff:
        payout_approve(payout_id=payouts[0].pk, user=factories.user())
    with pytest.raises(ValidationError) as not_approved:
        payouts_export(business_day=MON, user=operator)
    assert code_of(not_staff) == ErrorCode.PERMISSION_DENIED and code_of(not_approved) == ErrorCode.PAYOUT_STATUS

    for p in payouts:
        payout_approve(payout_id=p.pk, user=world["approver"])
    cash_before = account_balance(code=CASH)
    result = payouts_export(business_day=MON, user=operator)
    exported = list(Payout.objects.filter(business_day=MON).order_by("pk"))

    # statuses, numbers, ledger
    assert {p.status for p in exported} == {PayoutStatus.EXPORTED}
    numbers = sorted(p.order_number for p in exported)
    assert numbers == list(range(numbers[0], numbers[0] + len(exported)))
    assert {p.order_date for p in exported} == {timezone.localdate()}
    assert account_balance(code=CASH) == cash_before - sum(p.net for p in exported)
    assert account_balance(code=FEE) == -sum(p.fee for p in exported)
    for p in exported:
        # everything allocated Fri–Sun was paid out: nothing more is owed to the principal
        assert account_balance(code=payable_account(p.principal_id)) == 0
        assert LedgerTransaction.objects.filter(key=f"payout:{p.pk}").count() == 1
    assert sum(trial_balance().values()) == 0

    # the 1C file, as the bank would read it
    data = storage.get(result.orders_file_key)
    assert data == result.orders_file and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    data.decode("cp1251")
    statement = statement_read(data)
    assert statement.ok and statement.version == "1.03" and statement.encoding == "cp1251"
    assert len(statement.outgoing) == len(exported)
    by_number = {int(d.number): d for d in statement.outgoing}
    for p in exported:
        doc = by_number[p.order_number]
        c = contracts[p.principal_id]
        assert doc.amount == p.net and doc.date == p.order_date
        assert doc.payer_account == agent.settlement_account
        assert doc.payee_account == c.payout_account == p.payee_account
        assert doc.fields["ПолучательИНН"] == Principal.objects.get(pk=p.principal_id).inn
        assert doc.fields["ПолучательБИК"] == c.payout_bic
        purpose = doc.fields["НазначениеПлатежа"]
        assert f"№ {c.number}" in purpose and f"{p.fee:.2f} руб." in purpose and "НДС не облагается" in purpose
        assert "16.10.2026–18.10.2026" in purpose

    # the registers: every covered allocation, summing to the payout's gross
    for p in exported:
        allocations = Allocation.objects.filter(payout=p)
        book = load_workbook(io.BytesIO(storage.get(p.register_xlsx_key)))
        rows = list(book.active.iter_rows(values_only=True))
        body = [r for r in rows[2:] if r[0] != "Итого"]
        assert len(body) == allocations.count()
        assert sum(D(str(r[7])).quantize(D("0.01")) for r in body) == p.gross
        assert D(str(rows[-1][7])).quantize(D("0.01")) == p.gross and rows[-1][0] == "Итого"
        raw = storage.get(p.register_csv_key)
        assert raw.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert table[0][0] == "Дата платежа" and table[-1][0] == "Итого"
        assert sum(D(r[7].replace(",", ".")) for r in table[1:-1]) == p.gross == D(table[-1][7].replace(",", "."))
        assert {datetime.strptime(r[0], "%d.%m.%Y").date() for r in table[1:-1]} <= {FRI, SAT, SUN}
        labels = dict(Channel.choices)
        assert {r[1] for r in table[1:-1]} == {str(labels[c]) for c in allocations.values_list("payment__channel",
                                                                                          flat=True)}

    # the principal sees its own payouts and registers, not another's
    a, b = world["a"], world["b"]
    assert [p.pk for p in payout_list(principal_id=a.pk)] == [p.pk for p in exported if p.principal_id == a.pk]
    mine = next(p for p in exported if p.principal_id == a.pk)
    name, csv_bytes = payout_register(payout_id=mine.pk, principal_id=a.pk, fmt="csv")
    assert csv_bytes == storage.get(mine.register_csv_key) and name.endswith(".csv")
    with pytest.raises(ValidationError):
        payout_register(payout_id=mine.pk, principal_id=b.pk, fmt="csv")

    # the bank's statement: one order with a wrong amount, one right, one that is not ours
    first, second = exported
    day = timezone.localdate()
    wrong = bank_statement(agent.settlement_account, [
        {"number": first.order_number, "date": first.order_date, "amount": first.net + D("0.01"),
         "payee": first.payee_account},
        {"number": second.order_number, "date": second.order_date, "amount": second.net,
         "payee": second.payee_account},
        {"number": 99999, "date": day, "amount": D("5.00"), "payee": first.payee_account},
    ], day)
    report = payouts_confirm(statement=wrong)
    assert report.confirmed == [second.pk]
    assert [(m["payout_id"], [f["field"] for f in m["fields"]]) for m in report.mismatches] == [(first.pk, ["amount"])]
    assert [u["number"] for u in report.unknown] == ["99999"]
    assert Payout.objects.get(pk=first.pk).status == PayoutStatus.EXPORTED

    right = bank_statement(agent.settlement_account, [
        {"number": p.order_number, "date": p.order_date, "amount": p.net, "payee": p.payee_account}
        for p in exported], day)
    report = payouts_confirm(statement=right)
    assert (report.confirmed, report.already, report.mismatches) == ([first.pk], [second.pk], [])
    assert {p.status for p in Payout.objects.filter(business_day=MON)} == {PayoutStatus.CONFIRMED}

    # exporting again: nothing is approved any more
    with pytest.raises(ValidationError) as again:
        payouts_export(payout_ids=[first.pk], user=operator)
    assert code_of(again) == ErrorCode.PAYOUT_STATUS
    assert LedgerTransaction.objects.filter(kind="payout").count() == len(exported)


def test_a_statement_missing_an_order_reports_it_and_a_broken_file_is_refused(world):
    _built(world)
    operator, agent = world["operator"], world["agent"]
    ids = list(Payout.objects.filter(business_day=MON).order_by("pk").values_list("pk", flat=True))
    payouts_approve(payout_ids=ids, user=world["approver"])
    payouts_export(payout_ids=ids, user=operator)
    first, second = Payout.objects.filter(pk__in=ids).order_by("pk")
    day = timezone.localdate()

    report = payouts_confirm(statement=bank_statement(agent.settlement_account, [
        {"number": first.order_number, "date": first.order_date, "amount": first.net, "payee": first.payee_account}],
        day))
    with pytest.raises(ValidationError) as broken:
        payouts_confirm(statement="1CClientBankExchange\r\nВерсияФормата=1.03\r\n".encode("cp1251"))

    assert report.confirmed == [first.pk] and report.not_in_statement == [second.pk]
    assert code_of(broken) == ErrorCode.PAYOUT_STATEMENT
    assert Payout.objects.get(pk=second.pk).status == PayoutStatus.EXPORTED


def test_a_payout_the_fee_takes_whole_gets_no_order_and_is_settled_at_export(world):
    contract(world["a"], rate="1", fee_min="500.00")
    pay(world["other"], "300.00", MON)
    payouts_build(business_day=TUE)
    payout = Payout.objects.get(business_day=TUE)
    payout_approve(payout_id=payout.pk, user=world["approver"])

    result = payouts_export(business_day=TUE, user=world["operator"])
    payout.refresh_from_db()

    assert (payout.gross, payout.fee, payout.net) == (D("300.00"), D("300.00"), D("0.00"))
    assert result.orders_count == 0 and result.orders_file_key == "" and payout.order_number is None
    assert payout.status == PayoutStatus.CONFIRMED
    assert account_balance(code=FEE) == D("-300.00") and account_balance(code=payable_account(world["a"].pk)) == 0
    assert storage.get(payout.register_csv_key).decode("utf-8-sig").count("\r\n") == 3  # header, one row, total


def test_export_by_ids_is_all_or_nothing(world):
    _built(world)
    first, second = Payout.objects.filter(business_day=MON).order_by("pk")
    payout_approve(payout_id=first.pk, user=world["approver"])

    with pytest.raises(ValidationError) as refused:
        payouts_export(payout_ids=[first.pk, second.pk], user=world["operator"])

    assert code_of(refused) == ErrorCode.PAYOUT_STATUS
    first.refresh_from_db()
    assert first.status == PayoutStatus.APPROVED and first.order_number is None
    assert not LedgerTransaction.objects.filter(kind="payout").exists()
