"""ЕПД assembly across principals' schemas: one document per ЕЛС, versions, issues by account.

A household at ул. Свободы, 12, кв. 5 has personal accounts at three principals: A (management
company: maintenance, metered cold water), B (resource supplier: heating, hot water by the norm,
QR to the agent's account) and C (a third principal created here: waste, capital repair). Each
payee's figures are checked against that principal's own billing_balance rows, summed here.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from agency.documents import assembly
from agency.documents.models import Epd, EpdPayee, EpdRun, RunIssue
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import (
    AccountService,
    Balance,
    Meter,
    Norm,
    Occupancy,
    PersonalAccount,
    Reading,
    Service,
    Tariff,
)
from tenants.billing.recalculations import recalculation_manual_create
from tenants.models import AgencyContract, Principal
from tenants.registry.models import House, Premise, UnifiedAccount
from tenants.schemas import active_principals
from tests import factories

D = Decimal
SEPT, OCT = date(2026, 9, 1), date(2026, 10, 1)
HOME, NEIGHBOUR = "7600100001", "7600100002"


# --- building the data -------------------------------------------------------------------------


def _service(code, kind, name, unit, tariff_kind, rate, *, norm_basis="", norm=None) -> Service:
    service = Service.objects.create(code=code, kind=kind, name=name, unit=unit, tariff_kind=tariff_kind,
                                     norm_basis=norm_basis)
    Tariff.objects.create(service=service, valid_from=date(2026, 1, 1), rate=D(rate))
    if norm:
        Norm.objects.create(service=service, valid_from=date(2026, 1, 1), value=D(norm[0]),
                            uplift_coefficient=D(norm[1]))
    return service


def _account(number, premise, unified, services, *, persons=2, area="54.30") -> PersonalAccount:
    account = PersonalAccount.objects.create(number=number, premise=premise, unified_account=unified,
                                             payer_name="Иванов И. И.", charge_area=D(area),
                                             opened_on=date(2020, 1, 1))
    Occupancy.objects.create(account=account, valid_from=date(2020, 1, 1), registered=persons, living=persons)
    for service in services:
        AccountService.objects.create(account=account, service=service, valid_from=date(2020, 1, 1))
    return account


def _contract(principal, qr_mode: str) -> None:
    req = factories.requisites(principal.pk + 500)
    AgencyContract.objects.create(
        principal=principal, number=f"АД-{principal.pk}", signed_on=date(2026, 1, 1), valid_from=date(2026, 1, 1),
        fee_rate=D("1.5"), qr_mode=qr_mode, payout_bank_name=req["bank_name"], payout_bic=req["bic"],
        payout_account=req["settlement_account"], payout_correspondent_account=req["correspondent_account"],
    )


@pytest.fixture
def principal_c(tenants):
    from agency.principals.services import principal_create

    principal = principal_create(schema_name="principal_epd_c", subdomain="epd-c", kind="waste_operator",
                                 **factories.requisites(3101))
    connection.set_schema_to_public()
    return principal


@pytest.fixture
def household(principal_a, principal_b, principal_c):
    """The household's accounts at A, B and C, a neighbour at A only; September closed (posted), October charged."""
    house = House.objects.create(region="Ярославская обл.", city="г. Ярославль", street="ул. Свободы",
                                 house_number="12", postal_code="150000")
    home_premise = Premise.objects.create(house=house, number="5", area=D("54.30"))
    neighbour_premise = Premise.objects.create(house=house, number="6", area=D("41.00"))
    home = UnifiedAccount.objects.create(number=HOME, premise=home_premise, payer_name="Иванов Иван Иванович")
    neighbour = UnifiedAccount.objects.create(number=NEIGHBOUR, premise=neighbour_premise,
                                              payer_name="Петрова Анна Сергеевна")
    accounts = {}
    with tenant_context(principal_a):
        maint = _service("maint", "maintenance", "Содержание и текущий ремонт", "м²", "per_area", "32.50")
        cold = _service("cold", "cold_water", "Холодное водоснабжение", "м³", "per_unit", "45.00",
                        norm_basis="person", norm=("4.9", "1.5"))
        accounts["a"] = _account("A-5", home_premise, home, [maint, cold], persons=3)
        accounts["a_neighbour"] = _account("A-6", neighbour_premise, neighbour, [maint], area="41.00")
        meter = Meter.objects.create(account=accounts["a"], service=cold, serial="CW-0005",
                                     installed_on=date(2020, 1, 1), verified_until=date(2032, 1, 1))
        for period, value in ((date(2026, 8, 1), "100.0000"), (SEPT, "106.5000"), (OCT, "110.7000")):
            Reading.objects.create(meter=meter, period=period, value=D(value), reading_date=period.replace(day=24),
                                   source="cabinet")
    with tenant_context(principal_b):
        heat = _service("heat", "heating", "Отопление", "м²", "per_area", "52.80")
        hot = _service("hot", "hot_water", "Горячее водоснабжение", "м³", "per_unit", "200.00",
                       norm_basis="person", norm=("3.6", "1.5"))
        accounts["b"] = _account("B-5", home_premise, home, [heat, hot], persons=3)
    with tenant_context(principal_c):
        waste = _service("waste", "waste", "Обращение с ТКО", "чел.", "per_person", "120.37")
        capital = _service("capital", "capital_repair", "Взнос на капитальный ремонт", "м²", "per_area", "14.20")
        accounts["c"] = _account("C-5", home_premise, home, [waste, capital], persons=3)
    _contract(principal_a, "per_payee")
    _contract(principal_b, "agent_account")
    for principal in (principal_a, principal_b, principal_c):
        with tenant_context(principal):
            charge_run(month=SEPT)
            period_post(month=SEPT)
            charge_run(month=OCT)
    return {"house": house, "home": home, "neighbour": neighbour, "home_premise": home_premise,
            "accounts": accounts, "principals": {"a": principal_a, "b": principal_b, "c": principal_c},
            "services": {"cold": cold}}


def _post(*principals, month=OCT) -> None:
    for principal in principals:
        with tenant_context(principal):
            period_post(month=month)


def _assemble(month=OCT, *, include_unposted=False, run=None, chunk=assembly.CHUNK_DEFAULT) -> EpdRun:
    """A whole run in-process: gather every active principal, then assemble."""
    run = run or EpdRun.objects.create(month=month, include_unposted=include_unposted)
    for principal in active_principals():
        assembly.gather_principal(run=run, principal=principal)
    assembly.assemble(run=run, chunk=chunk)
    run.refresh_from_db()
    return run


def _balance_sums(principal, account) -> dict[str, Decimal]:
    """The payee's figures straight from its schema's billing_balance rows for October."""
    fields = ("opening", "paid", "charged", "recalculated", "benefits", "penalties", "closing")
    sums = dict.fromkeys(fields, D("0"))
    with tenant_context(principal):
        for row in Balance.objects.filter(account=account, period__month=OCT).values(*fields):
            for name in fields:
                sums[name] += row[name]
    sums["amount_due"] = max(sums["closing"], D("0"))
    sums["debt"] = max(sums["opening"] - sums["paid"], D("0"))
    sums["advance"] = max(-sums["closing"], D("0"))
    return sums


def _money(value: Decimal) -> str:
    return str(value.quantize(D("0.01")))


def _issues(run) -> set[tuple[str, str, str]]:
    return {(i.code, i.account_number, i.unified_account.number if i.unified_account_id else "")
            for i in RunIssue.objects.filter(run=run).select_related("unified_account")}


# --- the household's document ------------------------------------------------------------------


def test_one_document_with_three_payees_whose_figures_are_their_balances(household):
    principals, accounts = household["principals"], household["accounts"]
    _post(*principals.values())
    Principal.objects.filter(pk=principals["b"].pk).update(
        address="150003, г. Ярославль, ул. Победы, д. 37", phone="+7 (4852) 40-50-60", email="abonent@gts.example",
        website="gts.example", working_hours="пн–пт 8:00–17:00")

    run = _assemble()

    doc = Epd.objects.get(unified_account=household["home"], month=OCT)
    content = doc.content
    assert (doc.version, doc.is_current, doc.run_id) == (1, True, run.pk)
    assert content["els"] == HOME and content["month"] == "2026-10-01" and content["version"] == 1
    assert content["ipd"] == doc.ipd == f"{HOME}-1026-01"
    # ЖК РФ ст.155 ч.1 from 01.03.2026: paid by the 15th of the next month
    assert content["due_date"] == "2026-11-15" and doc.due_date == date(2026, 11, 15)
    assert content["payer"] == "Иванов Иван Иванович"
    assert content["address"] == "150000, Ярославская обл., г. Ярославль, ул. Свободы, д. 12, кв. 5"
    assert (content["area"], content["persons"], content["installments"]) == ("54.30", 3, [])
    agent = Principal.objects.get(kind="agent")
    assert content["agent"] == {"name": agent.short_name, "inn": agent.inn, "kpp": agent.kpp,
                                "bank_name": agent.bank_name, "bic": agent.bic,
                                "account": agent.settlement_account, "corr_account": agent.correspondent_account,
                                "contacts": {"address": agent.address, "phone": agent.phone, "email": agent.email,
                                             "website": agent.website, "working_hours": agent.working_hours}}

    payees = {p["principal_id"]: p for p in content["payees"]}
    assert list(payees) == sorted(p.pk for p in principals.values())
    expected_totals = dict.fromkeys(("opening", "paid", "charged", "recalculated", "benefits", "penalties",
                                     "closing", "amount_due"), D("0"))
    for key, principal in principals.items():
        block, account = payees[principal.pk], accounts[key]
        sums = _balance_sums(principal, account)
        assert sums["charged"] > 0 and sums["opening"] > 0  # September's charges are October's opening debt
        for name, value in sums.items():
            assert block[name] == _money(value), (key, name)
        assert (block["name"], block["inn"], block["bic"], block["account"]) == (
            principal.short_name, principal.inn, principal.bic, principal.settlement_account)
        assert block["account_number"] == account.number and block["last_payment_date"] is None
        # the lines add up to the payee's month figures
        assert sum(D(line["charged"]) for line in block["lines"]) == sums["charged"]
        assert sum(D(line["total"]) for line in block["lines"]) == (
            sums["charged"] + sums["recalculated"] - sums["benefits"] + sums["penalties"])
        row = EpdPayee.objects.get(epd=doc, principal=principal)
        assert (row.account_number, row.amount_due, row.closing) == (account.number, sums["amount_due"],
                                                                     sums["closing"])
        assert row.block == block
        for name in expected_totals:
            expected_totals[name] += sums[name]
    assert content["totals"] == {name: _money(value) for name, value in expected_totals.items()}
    assert doc.total_due == expected_totals["amount_due"]

    # QR mode from each payee's agency contract; C has none, so the default per payee
    assert {key: payees[p.pk]["qr_mode"] for key, p in principals.items()} == {
        "a": "per_payee", "b": "agent_account", "c": "per_payee"}

    # section 3 and 4 details: A's metered cold water, B's hot water by the norm with the uplift
    a_lines = {line["service"]: line for line in payees[principals["a"].pk]["lines"]}
    assert a_lines["Холодное водоснабжение"]["method"] == "meter"
    assert a_lines["Холодное водоснабжение"]["quantity"] == "4.2000"  # 110.7 − 106.5
    assert a_lines["Холодное водоснабжение"]["uplift"] is None
    assert payees[principals["a"].pk]["meters"] == [{"service": "Холодное водоснабжение", "serial": "CW-0005",
                                                     "zone": 1, "previous": "106.5000", "current": "110.7000"}]
    b_hot = {line["service"]: line for line in payees[principals["b"].pk]["lines"]}["Горячее водоснабжение"]
    assert (b_hot["method"], b_hot["uplift"], b_hot["quantity"]) == ("norm", "1.500", "16.2000")  # 3.6 × 3 × 1.5
    # the ЕПД's split (ПП 354 п.69): 10.8 m³ by the norm × 200.00 = 2160.00, and the coefficient's increase
    # 3240.00 − 2160.00 = 1080.00 (= 2160.00 × 0.5), printed as its own amount
    assert (b_hot["charged"], b_hot["norm_quantity"], b_hot["base_amount"], b_hot["uplift_amount"]) == (
        "3240.00", "10.8000", "2160.00", "1080.00")
    assert a_lines["Холодное водоснабжение"]["base_amount"] is None  # metered: no coefficient, no split
    # each block: the persons that payee charged for, and the executor's contacts (ПП 354 п.69 «а»)
    assert {key: payees[p.pk]["persons"] for key, p in principals.items()} == {"a": 3, "b": 3, "c": 3}
    assert payees[principals["b"].pk]["contacts"] == {
        "address": "150003, г. Ярославль, ул. Победы, д. 37", "phone": "+7 (4852) 40-50-60",
        "email": "abonent@gts.example", "website": "gts.example", "working_hours": "пн–пт 8:00–17:00"}
    assert {"service": "Горячее водоснабжение", "value": "3.6", "unit": "м³/чел."} in payees[principals["b"].pk][
        "norms"]

    # the neighbour's document is there too, with A's block only
    neighbour = Epd.objects.get(unified_account=household["neighbour"], month=OCT)
    assert [p["account_number"] for p in neighbour.content["payees"]] == ["A-6"]
    assert (run.documents_total, run.documents_written, run.issues_count) == (2, 2, 0)


def test_the_hash_leaves_out_the_version_keys_so_equal_data_hashes_equal(household):
    principals, accounts = household["principals"], household["accounts"]
    _assemble(include_unposted=True)
    cold = household["services"]["cold"]
    with tenant_context(principals["a"]):
        recalculation = recalculation_manual_create(account=accounts["a"], service=cold, corrected_month=SEPT,
                                                    amount=D("-50.00"), comment="Ошибочный акт")
        charge_run(month=OCT)
    _assemble(include_unposted=True)
    with tenant_context(principals["a"]):
        recalculation.delete()  # the act was withdrawn: back to the first state
        charge_run(month=OCT)
    _assemble(include_unposted=True)

    v1, v2, v3 = Epd.objects.filter(unified_account=household["home"], month=OCT).order_by("version")
    assert [v.is_current for v in (v1, v2, v3)] == [False, False, True]
    assert v3.content_sha256 == v1.content_sha256 != v2.content_sha256
    assert v3.ipd != v1.ipd and (v1.content["version"], v3.content["version"]) == (1, 3)
    strip = ("ipd", "version")
    assert {k: v for k, v in v3.content.items() if k not in strip} == {
        k: v for k, v in v1.content.items() if k not in strip}
    assert len(v1.content_sha256) == 64 and int(v1.content_sha256, 16) >= 0


def test_running_again_writes_nothing_new(household):
    _post(*household["principals"].values())
    first = _assemble()
    before = list(Epd.objects.order_by("pk").values_list("pk", "version", "content_sha256", "is_current"))

    second = _assemble()  # a new run of the same month
    first.slices.all().delete()  # and the first run assembled again from scratch
    _assemble(run=first)

    assert second.documents_written == 0 and second.documents_total == 2
    assert list(Epd.objects.order_by("pk").values_list("pk", "version", "content_sha256", "is_current")) == before
    assert EpdPayee.objects.count() == 4


def test_a_recalculation_after_issue_makes_version_2_and_keeps_version_1(household):
    principals, accounts = household["principals"], household["accounts"]
    first = _assemble(include_unposted=True)  # October not posted yet: issued before closing
    v1 = Epd.objects.get(unified_account=household["home"], month=OCT)

    with tenant_context(principals["a"]):
        recalculation_manual_create(account=accounts["a"], service=household["services"]["cold"],
                                    corrected_month=SEPT, amount=D("-100.00"), comment="Акт от 03.10.2026")
        charge_run(month=OCT)  # the recalculation is booked into October, the still-open period
    second = _assemble(include_unposted=True)

    docs = list(Epd.objects.filter(unified_account=household["home"], month=OCT).order_by("version"))
    assert [(d.version, d.is_current) for d in docs] == [(1, False), (2, True)]
    old, new = docs
    assert (old.pk, old.content_sha256, old.content) == (v1.pk, v1.content_sha256, v1.content)
    assert new.run_id == second.pk and old.run_id == first.pk
    assert new.ipd == f"{HOME}-1026-02" != old.ipd
    a_block = next(p for p in new.content["payees"] if p["principal_id"] == principals["a"].pk)
    sums = _balance_sums(principals["a"], accounts["a"])
    assert a_block["recalculated"] == _money(sums["recalculated"]) == "-100.00"
    assert a_block["closing"] == _money(sums["closing"])
    assert a_block["recalculations"] == [{"service": "Холодное водоснабжение", "reason": "Ручной перерасчёт",
                                          "comment": "Акт от 03.10.2026", "amount": "-100.00"}]
    assert new.total_due == old.total_due - D("100.00")
    assert EpdPayee.objects.filter(epd=old).count() == EpdPayee.objects.filter(epd=new).count() == 3
    # the neighbour did not change: still its version 1
    assert second.documents_written == 1
    assert Epd.objects.filter(unified_account=household["neighbour"], month=OCT).count() == 1


def test_only_posted_periods_are_issued_by_default(household):
    principals = household["principals"]
    _post(principals["a"], principals["c"])  # B's October is calculated, not posted

    run = _assemble()

    doc = Epd.objects.get(unified_account=household["home"], month=OCT)
    assert {p["principal_id"] for p in doc.content["payees"]} == {principals["a"].pk, principals["c"].pk}
    issue = RunIssue.objects.get(run=run)
    assert (issue.code, issue.principal_id) == ("EPD_PERIOD_NOT_POSTED", principals["b"].pk)


# --- bad input: named, and the rest goes on -----------------------------------------------------


def test_bad_input_is_reported_by_account_and_the_other_documents_are_written(household, principal_a):
    principals = household["principals"]
    # C lost its bank details; an account of A has no services, so no charges; a house has no number
    Principal.objects.filter(pk=principals["c"].pk).update(bic="", settlement_account="")
    numberless = House.objects.create(region="Ярославская обл.", city="г. Ярославль", street="ул. Безымянная",
                                      house_number="")
    no_number_premise = Premise.objects.create(house=numberless, number="1", area=D("30"))
    no_number = UnifiedAccount.objects.create(number="7600100004", premise=no_number_premise, payer_name="Сидоров")
    no_charges = UnifiedAccount.objects.create(number="7600100003", premise=household["home_premise"],
                                               payer_name="Новый жилец")
    with tenant_context(principal_a):
        maint = Service.objects.get(code="maint")
        _account("A-7", household["home_premise"], no_charges, [])
        _account("A-8", no_number_premise, no_number, [maint], area="30")
        charge_run(month=OCT)  # A's October again, with the new accounts
    _post(*principals.values())

    run = _assemble()

    assert _issues(run) == {
        ("EPD_NO_BANK_DETAILS", "C-5", HOME),
        ("EPD_NO_CHARGES", "A-7", "7600100003"),
        ("EPD_NO_HOUSE_NUMBER", "", "7600100004"),
    }
    messages = {i.code: i.message for i in RunIssue.objects.filter(run=run)}
    assert "C-5" in messages["EPD_NO_BANK_DETAILS"] and principals["c"].short_name in messages["EPD_NO_BANK_DETAILS"]
    assert "7600100004" in messages["EPD_NO_HOUSE_NUMBER"]
    # the household's document without C's block, the neighbour's as before; none for the two bad ЕЛС
    home = Epd.objects.get(unified_account=household["home"], month=OCT)
    assert {p["principal_id"] for p in home.content["payees"]} == {principals["a"].pk, principals["b"].pk}
    assert Epd.objects.filter(unified_account=household["neighbour"], month=OCT).exists()
    assert not Epd.objects.filter(unified_account__in=[no_number, no_charges]).exists()
    assert (run.documents_written, run.issues_count) == (2, 3)


def test_a_crash_mid_assembly_is_repaired_by_running_again(household, monkeypatch):
    _post(*household["principals"].values())
    run = EpdRun.objects.create(month=OCT)
    for principal in active_principals():
        assembly.gather_principal(run=run, principal=principal)
    first_els = min(household["home"].pk, household["neighbour"].pk)
    # failure injection: the second chunk's statement fails, after the first chunk committed
    monkeypatch.setattr(assembly, "_CHUNK_NO_HOUSE", f"SELECT 1 / (%(lo)s - {first_els})")

    with pytest.raises(Exception, match="division by zero"):
        assembly.assemble(run=run, chunk=1)
    assert run.slices.get().through == first_els
    assert Epd.objects.filter(month=OCT).count() == 1

    monkeypatch.undo()
    assembly.assemble(run=run, chunk=1)
    run.refresh_from_db()
    assert Epd.objects.filter(month=OCT, is_current=True).count() == 2 == run.documents_total
    assert run.documents_written == 2
    # the same documents as any clean run: a fresh run finds nothing to write
    assert _assemble().documents_written == 0


def test_two_accounts_of_one_principal_in_one_household_are_named_and_left_out(household, principal_a):
    principals = household["principals"]
    with tenant_context(principal_a):
        maint = Service.objects.get(code="maint")
        _account("A-5b", household["home_premise"], household["home"], [maint])
        charge_run(month=OCT)
    _post(*principals.values())

    run = _assemble()

    assert _issues(run) == {("EPD_ACCOUNT_AMBIGUOUS", "A-5", HOME), ("EPD_ACCOUNT_AMBIGUOUS", "A-5b", HOME)}
    home = Epd.objects.get(unified_account=household["home"], month=OCT)
    assert {p["principal_id"] for p in home.content["payees"]} == {principals["b"].pk, principals["c"].pk}
    assert Epd.objects.filter(unified_account=household["neighbour"], month=OCT).exists()


def test_the_header_counts_persons_only_when_every_payee_charged_for_the_same(household):
    # ПП 354 п.69: each payee charges for the persons it knows; C counts 2 where A and B count 3, so the header
    # names no single figure (it used to print the largest, 3) and each block carries its own.
    principals, accounts = household["principals"], household["accounts"]
    with tenant_context(principals["c"]):
        Occupancy.objects.filter(account=accounts["c"]).update(living=2, registered=2)
    _post(*principals.values())
    _assemble()
    content = Epd.objects.get(unified_account=household["home"], month=OCT).content
    assert content["persons"] is None
    assert {p["account_number"]: p["persons"] for p in content["payees"]} == {"A-5": 3, "B-5": 3, "C-5": 2}
