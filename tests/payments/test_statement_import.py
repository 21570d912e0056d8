"""1C client-bank statements: the incoming payments on the agent's account, matched from the purpose, once."""

from datetime import date
from decimal import Decimal

import pytest

from agency.documents.models import Epd, EpdRun
from agency.payments.intake.recording import payment_match
from agency.payments.intake.statements import purpose_refs, statement_import, statement_outgoing
from agency.payments.ledger_accounts import CASH
from agency.payments.models import ImportStatus, Payment, PaymentStatus
from billing_core.error_codes import ErrorCode
from tenants.ledger.services import account_balance, trial_balance
from tenants.models import Principal, PrincipalKind
from tenants.registry.models import UnifiedAccount

pytestmark = pytest.mark.django_db
D = Decimal
PAYER = "40817810099910004312"
OTHER = "40702810400000000777"


@pytest.fixture
def agent_account(db):
    return Principal.objects.get(kind=PrincipalKind.AGENT).settlement_account


@pytest.fixture
def documents(homes):
    run = EpdRun.objects.create(month=date(2026, 10, 1))
    docs = {}
    for number in ("7600000001", "7600000002"):
        household = UnifiedAccount.objects.get(number=number)
        docs[number] = Epd.objects.create(
            run=run, unified_account=household, month=date(2026, 10, 1), ipd=f"{number}-1026-01", payer_name="-",
            address="-", house=household.premise.house, due_date=date(2026, 11, 15), total_due=D("1.00"),
            content={}, content_sha256="0" * 64)
    return docs


INCOMING = [
    ("101", "150.00", "Оплата ЖКУ по ЕЛС 7600000001 за октябрь 2026 г."),
    ("102", "200.50", "Оплата по ИПД 7600000002-1026-01. НДС не облагается"),
    ("103", "99.99", "Квартплата, л/с L-NB-A"),
    ("104", "10.00", "Оплата коммунальных услуг"),
    ("105", "5.00", "ЕЛС 7600000001, 7600000002"),
]


def _document(number: str, amount: str, purpose: str, *, payer: str, payee: str, incoming: bool) -> list[str]:
    return [
        "СекцияДокумент=Платежное поручение", f"Номер={number}", "Дата=05.11.2026", f"Сумма={amount}",
        f"ПлательщикСчет={payer}", "Плательщик=Иванов Иван Иванович", f"ПлательщикРасчСчет={payer}",
        f"ПолучательСчет={payee}", "Получатель=АО ЕРЦ", f"ПолучательРасчСчет={payee}",
        ("ДатаПоступило=06.11.2026" if incoming else "ДатаСписано=05.11.2026"),
        f"НазначениеПлатежа={purpose}", "КонецДокумента",
    ]


def statement(account: str, incoming=INCOMING, outgoing=(("7", "300.00", "Перечисление принципалу"),)) -> bytes:
    total_in = sum(D(a) for _n, a, _p in incoming)
    total_out = sum(D(a) for _n, a, _p in outgoing)
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Сбербанк",
             "Получатель=", "ДатаСоздания=06.11.2026", "ДатаНачала=05.11.2026", "ДатаКонца=05.11.2026",
             f"РасчСчет={account}", "СекцияРасчСчет", "ДатаНачала=05.11.2026", "ДатаКонца=05.11.2026",
             f"РасчСчет={account}", "НачальныйОстаток=1000.00", f"ВсегоПоступило={total_in}",
             f"ВсегоСписано={total_out}", f"КонечныйОстаток={D('1000.00') + total_in - total_out}", "КонецРасчСчет"]
    for number, amount, purpose in incoming:
        lines += _document(number, amount, purpose, payer=PAYER, payee=account, incoming=True)
    for number, amount, purpose in outgoing:
        lines += _document(number, amount, purpose, payer=account, payee=OTHER, incoming=False)
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def test_incoming_payments_are_recorded_and_matched_from_the_purpose(documents, agent_account):
    imp = statement_import(data=statement(agent_account), filename="kl_to_1c.txt")

    assert imp.status == ImportStatus.POSTED and imp.kind == "statement"
    payments = {p.external_id.split(":")[0]: p for p in Payment.objects.filter(registry_import=imp)}
    assert sorted(payments) == ["101", "102", "103", "104", "105"]  # the outgoing order is not a payment
    for p in payments.values():
        assert (p.channel, p.source, p.paid_on) == ("bank_statement", f"1c:{agent_account}", date(2026, 11, 6))
    mine, neighbour = documents["7600000001"], documents["7600000002"]
    assert (payments["101"].status, payments["101"].unified_account_id, payments["101"].epd_id) == (
        PaymentStatus.MATCHED, mine.unified_account_id, mine.pk)
    assert (payments["102"].unified_account_id, payments["102"].epd_id) == (neighbour.unified_account_id,
                                                                            neighbour.pk)
    assert payments["103"].unified_account_id == neighbour.unified_account_id
    assert payments["103"].payer_ref == "L-NB-A"
    assert payments["104"].status == PaymentStatus.UNMATCHED
    assert payments["105"].status == PaymentStatus.AMBIGUOUS
    # a single reference in the purpose is matched as payment_match would match it
    for key in ("101", "102", "103"):
        oracle = payment_match(payer_ref=payments[key].payer_ref)
        assert (oracle.unified_account_id, oracle.epd_id) == (payments[key].unified_account_id, payments[key].epd_id)
    total = sum(D(a) for _n, a, _p in INCOMING)
    assert (imp.rows_posted, imp.amount_posted) == (5, total)
    assert account_balance(code=CASH) == total
    assert sum(trial_balance().values()) == 0


def test_the_same_statement_again_and_an_overlapping_one_post_nothing_twice(documents, agent_account):
    statement_import(data=statement(agent_account), filename="a.txt")
    assert statement_import(data=statement(agent_account), filename="a-again.txt").rows_posted == 5
    overlapping = statement(agent_account, incoming=[*INCOMING[3:], ("106", "1.00", "ЕЛС 7600000002")], outgoing=())
    second = statement_import(data=overlapping, filename="b.txt")

    assert (second.rows_total, second.rows_posted, second.amount_posted) == (3, 1, D("1.00"))
    assert Payment.objects.count() == 6
    assert account_balance(code=CASH) == sum(p.amount for p in Payment.objects.all())


def test_a_broken_statement_is_refused_whole_with_its_line_named(documents, agent_account):
    data = statement(agent_account).replace("Сумма=99.99".encode("cp1251"), "Сумма=99,99".encode("cp1251"))
    imp = statement_import(data=data, filename="broken.txt")

    assert imp.status == ImportStatus.REJECTED
    assert [(e["field"], e["code"]) for e in imp.errors] == [("Сумма", ErrorCode.ONEC_AMOUNT)]
    line = statement(agent_account).decode("cp1251").split("\r\n").index("Сумма=99.99") + 1
    assert imp.errors[0]["line"] == line
    assert not Payment.objects.exists()


def test_a_statement_of_another_account_is_refused(documents):
    imp = statement_import(data=statement(OTHER), filename="other.txt")
    assert imp.status == ImportStatus.REJECTED and imp.errors[0]["field"] == "РасчСчет"
    assert not Payment.objects.exists()


def test_outgoing_documents_are_returned_for_the_payouts(documents, agent_account):
    (order,) = statement_outgoing(data=statement(agent_account))
    assert (order.number, order.amount, order.payee_account) == ("7", D("300.00"), OTHER)
    assert not Payment.objects.exists()


def test_references_in_a_purpose():
    assert purpose_refs("Оплата по ЕЛС 7600000001 за 10.2026, л/с L-NB-A; ИПД 7600000002-1026-01.") == (
        "7600000001", "10", "2026", "L-NB-A", "7600000002-1026-01")
    assert purpose_refs("Оплата коммунальных услуг") == ()
