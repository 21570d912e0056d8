"""Separation of duties on money and bank details (issue 12, item 5): the operator approves and confirms nothing; a
payout's builder never approves it; a payee's new requisites reach no payout until a different approver confirms
them; every step's audit row names both people."""

import pytest
from django.db import IntegrityError, transaction

from agency.identity.models import AuditLog
from agency.payments.models import Payout, PayoutStatus
from agency.payments.payouts import payouts_approve, payouts_build, payouts_export
from tenants.models import AgencyContract, Principal, RequisitesChange
from tests import factories
from tests.conftest import error_codes
from tests.payments import test_payouts
from tests.payments.test_payouts import FRI, MON, TUE, contract, pay

pytestmark = pytest.mark.django_db
world = test_payouts.world  # two households paying A and B, an operator and an approver

BUILD = "mutation($d: Date!) { payoutsBuild(businessDay: $d) { build { payouts { id } } errors { field code } } }"
APPROVE = "mutation($ids: [ID!]!) { payoutApprove(ids: $ids) { payouts { id status } errors { field code message } } }"
PAYOUTS = ("query($d: Date!) { payouts(businessDay: $d) { nodes { id status builtBySchedule builtByName "
           "approvedByName approvalRefusal } } }")
PRINCIPAL_UPDATE = (
    "mutation($id: ID!, $input: PrincipalUpdateInput!) { principalUpdate(id: $id, input: $input) { "
    "principal { settlementAccount } requisitesChange { id status proposedByName before { account } "
    "proposed { account } } errors { field code } } }")
CONTRACT_UPDATE = (
    "mutation($id: ID!, $input: AgencyContractUpdateInput!) { agencyContractUpdate(id: $id, input: $input) { "
    "agencyContract { payoutAccount } requisitesChange { id status } errors { field code } } }")
CHANGES = ("{ requisitesChanges(status: PENDING) { id principalName contractNumber status proposedByName "
           "before { account } proposed { account } confirmRefusal } }")
CONFIRM = ("mutation($id: ID!) { requisitesChangeConfirm(id: $id) { requisitesChange { id status decidedByName } "
           "errors { field code message } } }")
REJECT = ("mutation($id: ID!, $note: String) { requisitesChangeReject(id: $id, note: $note) { "
          "requisitesChange { id status } errors { field code } } }")


def _approver(name: str):
    return factories.user(agent_role="approver", full_name=name)


def _audit(field: str) -> AuditLog:
    return AuditLog.objects.filter(fields=[field], succeeded=True).latest("pk")


def _people(row: AuditLog) -> list[tuple]:
    return [(p["role"], p["user_id"]) for p in row.parties]


def _new_account(n: int) -> str:
    return factories.requisites(n)["settlement_account"]


def _money_for_monday(world) -> None:
    contract(world["a"])
    contract(world["b"])
    pay(world["mine"], "1000.00", FRI)
    pay(world["other"], "500.00", FRI)


def test_the_operator_approves_no_payout_and_confirms_no_requisites(world, tenants, gql):
    # given payouts the operator built and a requisites change the operator proposed
    _money_for_monday(world)
    operator = gql(tenants.public_host, user=world["operator"])
    built = operator(BUILD, {"d": MON.isoformat()})["data"]["payoutsBuild"]
    ids = [p["id"] for p in built["build"]["payouts"]]
    a = world["a"]
    proposed = operator(PRINCIPAL_UPDATE, {"id": str(a.pk), "input": {"settlementAccount": _new_account(7301)}})
    change = proposed["data"]["principalUpdate"]["requisitesChange"]
    assert built["errors"] == [] and len(ids) == 2 and change["status"] == "PENDING"

    # when the operator approves and confirms
    approve = operator(APPROVE, {"ids": ids})
    confirm = operator(CONFIRM, {"id": change["id"]})
    listed = operator(PAYOUTS, {"d": MON.isoformat()})["data"]["payouts"]["nodes"]

    # then both are refused, nothing moved, and the page says why approval is not the operator's
    assert error_codes(approve) == ["PERMISSION_DENIED"] and approve["data"] == {"payoutApprove": None}
    assert error_codes(confirm) == ["PERMISSION_DENIED"] and confirm["data"] == {"requisitesChangeConfirm": None}
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.CREATED}
    assert Principal.objects.get(pk=a.pk).settlement_account == a.settlement_account
    assert RequisitesChange.objects.get(pk=change["id"]).status == "pending"
    assert {n["approvalRefusal"] for n in listed} == {
        "Утверждать перечисления может только контролёр или администратор агента."}


def test_the_builder_cannot_approve_their_own_payout(world, tenants, gql):
    # given two approvers, the first of whom built Monday's payouts
    _money_for_monday(world)
    first, second = _approver("Контролёр Первый"), _approver("Контролёр Второй")
    as_first, as_second = gql(tenants.public_host, user=first), gql(tenants.public_host, user=second)
    ids = [p["id"] for p in as_first(BUILD, {"d": MON.isoformat()})["data"]["payoutsBuild"]["build"]["payouts"]]

    # when the builder approves, then the other approver
    own = as_first(APPROVE, {"ids": ids})["data"]["payoutApprove"]
    seen_by_builder = as_first(PAYOUTS, {"d": MON.isoformat()})["data"]["payouts"]["nodes"]
    seen_by_other = as_second(PAYOUTS, {"d": MON.isoformat()})["data"]["payouts"]["nodes"]
    statuses_after_own = set(Payout.objects.values_list("status", flat=True))
    other = as_second(APPROVE, {"ids": ids})["data"]["payoutApprove"]

    # then the builder is refused (four eyes) and told why on the page; the other approver approves
    assert [e["code"] for e in own["errors"]] == ["FOUR_EYES"] and own["payouts"] is None
    assert statuses_after_own == {PayoutStatus.CREATED}
    assert all(n["approvalRefusal"].startswith("Вы сформировали это перечисление") for n in seen_by_builder)
    assert {(n["builtByName"], n["builtBySchedule"], n["approvalRefusal"]) for n in seen_by_other} == {
        ("Контролёр Первый", False, None)}
    assert other["errors"] == [] and {p["status"] for p in other["payouts"]} == {"APPROVED"}
    assert set(Payout.objects.values_list("built_by", "approved_by")) == {(first.pk, second.pk)}
    # the audit rows: the build names its builder; the approval names the builder and the approver
    assert _people(_audit("payoutsBuild")) == [("builder", first.pk)]
    approval = _audit("payoutApprove")
    assert approval.actor_user == second and _people(approval) == [("builder", first.pk), ("approver", second.pk)]
    assert approval.parties[0]["full_name"] == "Контролёр Первый"
    # and the database keeps the rule whatever the code does
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(pk=ids[0]).update(approved_by=first)


def test_payouts_the_schedule_built_may_be_approved_by_any_approver(world, tenants, gql):
    # given Monday's payouts built by the 07:00 schedule (no human builder)
    _money_for_monday(world)
    payouts_build(business_day=MON)
    approver = _approver("Контролёр")
    client = gql(tenants.public_host, user=approver)
    listed = client(PAYOUTS, {"d": MON.isoformat()})["data"]["payouts"]["nodes"]

    # when an approver approves them
    approved = client(APPROVE, {"ids": [n["id"] for n in listed]})["data"]["payoutApprove"]

    # then they are approved, and the audit row names the schedule as the builder
    assert {(n["builtBySchedule"], n["builtByName"], n["approvalRefusal"]) for n in listed} == {(True, None, None)}
    assert approved["errors"] == [] and {p["status"] for p in approved["payouts"]} == {"APPROVED"}
    row = _audit("payoutApprove")
    assert [(p["role"], p["user_id"], p.get("schedule")) for p in row.parties] == [
        ("builder", None, True), ("approver", approver.pk, None)]


def test_a_payout_account_change_reaches_no_payout_until_another_approver_confirms(world, tenants, gql):
    # given A's contract paying to its account X, and Monday's money
    _money_for_monday(world)
    a_contract = AgencyContract.objects.get(principal=world["a"])
    old_account, new_account = a_contract.payout_account, _new_account(7302)
    proposer, confirmer = _approver("Контролёр Предлагающий"), _approver("Контролёр Подтверждающий")
    as_proposer, as_confirmer = gql(tenants.public_host, user=proposer), gql(tenants.public_host, user=confirmer)

    # when one approver proposes the payout account Y and confirms it themself
    proposed = as_proposer(CONTRACT_UPDATE, {"id": str(a_contract.pk), "input": {"payoutAccount": new_account,
                                                                                 "feeRate": "1.7500"}})
    update = proposed["data"]["agencyContractUpdate"]
    pending = as_confirmer(CHANGES)["data"]["requisitesChanges"]
    own = as_proposer(CONFIRM, {"id": update["requisitesChange"]["id"]})["data"]["requisitesChangeConfirm"]

    # then the change waits, visible with both accounts, the terms changed at once, the account did not
    assert update["errors"] == [] and update["agencyContract"]["payoutAccount"] == old_account
    assert AgencyContract.objects.get(pk=a_contract.pk).fee_rate == pytest.approx(1.75)
    assert pending == [{"id": update["requisitesChange"]["id"], "principalName": world["a"].short_name,
                        "contractNumber": a_contract.number, "status": "PENDING",
                        "proposedByName": "Контролёр Предлагающий", "before": {"account": old_account},
                        "proposed": {"account": new_account}, "confirmRefusal": None}]
    assert [e["code"] for e in own["errors"]] == ["FOUR_EYES"]
    assert _people(_audit("agencyContractUpdate")) == [("proposer", proposer.pk)]

    # and Monday's payout, approved and exported meanwhile, goes to the old account
    payouts_build(business_day=MON)
    monday = list(Payout.objects.filter(business_day=MON).values_list("pk", flat=True))
    payouts_approve(payout_ids=monday, user=confirmer)
    sent = payouts_export(payout_ids=monday, user=world["operator"])
    assert Payout.objects.get(business_day=MON, principal=world["a"]).payee_account == old_account
    assert old_account.encode() in sent.orders_file and new_account.encode() not in sent.orders_file

    # when the other approver confirms
    confirmed = as_confirmer(CONFIRM, {"id": update["requisitesChange"]["id"]})["data"]["requisitesChangeConfirm"]

    # then the new account is in force for the next payout, and the audit row names both people
    assert confirmed["errors"] == [] and confirmed["requisitesChange"]["status"] == "CONFIRMED"
    assert confirmed["requisitesChange"]["decidedByName"] == "Контролёр Подтверждающий"
    assert AgencyContract.objects.get(pk=a_contract.pk).payout_account == new_account
    row = _audit("requisitesChangeConfirm")
    assert row.actor_user == confirmer and _people(row) == [("proposer", proposer.pk), ("approver", confirmer.pk)]
    pay(world["other"], "300.00", MON)
    payouts_build(business_day=TUE)
    tuesday = list(Payout.objects.filter(business_day=TUE).values_list("pk", flat=True))
    payouts_approve(payout_ids=tuesday, user=confirmer)
    payouts_export(payout_ids=tuesday, user=world["operator"])
    assert Payout.objects.get(business_day=TUE, principal=world["a"]).payee_account == new_account
    # the database keeps the rule too: a change confirmed by its proposer cannot be stored
    with pytest.raises(IntegrityError), transaction.atomic():
        RequisitesChange.objects.filter(pk=update["requisitesChange"]["id"]).update(decided_by=proposer)


def test_one_pending_change_per_payee_and_rejecting_keeps_the_old_requisites(world, tenants, gql):
    # given the operator's pending change of A's own account
    a = world["a"]
    operator = gql(tenants.public_host, user=world["operator"])
    first = operator(PRINCIPAL_UPDATE, {"id": str(a.pk), "input": {"settlementAccount": _new_account(7303)}})
    change = first["data"]["principalUpdate"]["requisitesChange"]

    # when someone proposes another one, another operator rejects it, then an approver does
    second = gql(tenants.public_host, user=_approver("Контролёр"))(
        PRINCIPAL_UPDATE, {"id": str(a.pk), "input": {"settlementAccount": _new_account(7304)}})
    stranger = gql(tenants.public_host, user=factories.user(agent_role="operator"))(REJECT, {"id": change["id"]})
    approver = _approver("Контролёр Отклоняющий")
    rejected = gql(tenants.public_host, user=approver)(REJECT, {"id": change["id"], "note": "Нет письма от УК"})

    # then the second proposal waits for the first; only an approver (or the proposer) rejects; the account stays
    assert change["status"] == "PENDING" and change["proposedByName"] == world["operator"].full_name
    assert [e["code"] for e in second["data"]["principalUpdate"]["errors"]] == ["REQUISITES_CHANGE_PENDING"]
    assert error_codes(stranger) == ["PERMISSION_DENIED"]
    assert rejected["data"]["requisitesChangeReject"]["requisitesChange"]["status"] == "REJECTED"
    assert Principal.objects.get(pk=a.pk).settlement_account == a.settlement_account
    assert RequisitesChange.objects.get(pk=change["id"]).note == "Нет письма от УК"
    row = _audit("requisitesChangeReject")
    assert _people(row) == [("proposer", world["operator"].pk), ("rejecter", approver.pk)]

    # and the proposer may withdraw their own next proposal
    again = operator(PRINCIPAL_UPDATE, {"id": str(a.pk), "input": {"settlementAccount": _new_account(7305)}})
    withdrawn = operator(REJECT, {"id": again["data"]["principalUpdate"]["requisitesChange"]["id"]})
    assert withdrawn["data"]["requisitesChangeReject"]["requisitesChange"]["status"] == "REJECTED"
    assert Principal.objects.get(pk=a.pk).settlement_account == a.settlement_account
