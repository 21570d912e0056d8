"""A bank registry is posted whole or not at all: matched set-based, once per file and once per payment."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from agency.documents.models import Epd, EpdRun
from agency.payments.intake.recording import payment_match, payment_record
from agency.payments.intake.registry_import import registry_import
from agency.payments.ledger_accounts import CASH, UNALLOCATED
from agency.payments.models import ImportStatus, Payment, PaymentStatus, RegistryImport
from billing_core.error_codes import ErrorCode
from tenants.ledger.models import LedgerTransaction
from tenants.ledger.services import account_balance, trial_balance
from tenants.registry.models import UnifiedAccount

pytestmark = pytest.mark.django_db
D = Decimal
MONTH = date(2026, 10, 1)


def sber_line(n: int, account: str, amount: str, *, day: str = "05-11-2026", name: str = "ИВАНОВ ИВАН") -> str:
    return (f"{day};10-00-{n % 60:02d};8640;0017;{account};{name};Г ЯРОСЛАВЛЬ, УЛ ЖИЛАЯ, Д 1;1026;{amount};0,00;"
            f"OP{n:06d}")


def sber_file(lines: list[str], *, encoding: str = "cp1251", count: int | None = None) -> bytes:
    total = sum(D(line.split(";")[8].replace(",", ".")) for line in lines if line.count(";") >= 10
                and line.split(";")[8].replace(",", "").isdigit())
    text = "\r\n".join([*lines, f"={len(lines) if count is None else count};{str(total).replace('.', ',')};"
                                 f"{str(total).replace('.', ',')};0,00;4711;05-11-2026"]) + "\r\n"
    return text.encode(encoding)


@pytest.fixture
def world(homes, principal_a, principal_b):
    """Households "mine" (7600000001) and "neighbour" (7600000002), each with a current ЕПД; one account
    number, L-DUP, held at A by mine and at B by the neighbour."""
    from tenants.billing.models import PersonalAccount

    mine = UnifiedAccount.objects.get(number="7600000001")
    neighbour = UnifiedAccount.objects.get(number="7600000002")
    run = EpdRun.objects.create(month=MONTH)
    docs = {}
    for household in (mine, neighbour):
        docs[household.number] = Epd.objects.create(
            run=run, unified_account=household, month=MONTH, ipd=f"{household.number}-1026-01", payer_name="-",
            address="-", house=household.premise.house, due_date=date(2026, 11, 15), total_due=D("100.00"),
            content={}, content_sha256="0" * 64)
    for principal, household in ((principal_a, mine), (principal_b, neighbour)):
        with schema_context(principal.schema_name):
            PersonalAccount.objects.create(number="L-DUP", premise=household.premise, unified_account=household,
                                           payer_name="-", charge_area=40, opened_on=date(2020, 1, 1))
    return {"mine": mine, "neighbour": neighbour, "docs": docs}


GOOD = [
    (1, "7600000001", "1500,00"),          # ЕЛС
    (2, "7600000002-1026-01", "200,50"),   # ИПД
    (3, "L-NB-A", "99,99"),                # a personal account number at A
    (4, "L-DUP", "10,00"),                 # the same number at A and B, two households
    (5, "9999999999", "1,01"),             # nobody's
]


def _good_file() -> bytes:
    return sber_file([sber_line(n, ref, amount) for n, ref, amount in GOOD])


def test_a_good_registry_is_matched_like_payment_match_and_posted_once(world):
    imp = registry_import(data=_good_file(), filename="reestr.txt", layout_name="sber_standard")

    assert imp.status == ImportStatus.POSTED and imp.errors == []
    payments = {p.payer_ref: p for p in Payment.objects.filter(registry_import=imp)}
    assert sorted(payments) == sorted(ref for _n, ref, _a in GOOD)
    # the set-based matcher agrees with the one-payment matcher, reference by reference
    for ref, payment in payments.items():
        oracle = payment_match(payer_ref=ref)
        assert (payment.status, payment.unified_account_id, payment.epd_id) == (
            oracle.status, oracle.unified_account_id, oracle.epd_id), ref
    mine, neighbour, docs = world["mine"], world["neighbour"], world["docs"]
    assert (payments["7600000001"].unified_account_id, payments["7600000001"].epd_id) == (
        mine.pk, docs[mine.number].pk)
    assert payments["7600000002-1026-01"].epd_id == docs[neighbour.number].pk
    assert payments["L-NB-A"].unified_account_id == neighbour.pk
    assert payments["L-DUP"].status == PaymentStatus.AMBIGUOUS and "L-DUP" in payments["L-DUP"].match_note
    assert payments["9999999999"].status == PaymentStatus.UNMATCHED
    assert payments["7600000001"].amount == D("1500.00")

    total = sum(D(a.replace(",", ".")) for _n, _r, a in GOOD)
    assert (imp.rows_total, imp.rows_posted, imp.amount_total, imp.amount_posted) == (5, 5, total, total)
    assert imp.summary == {"matched": 3, "ambiguous": 1, "unmatched": 1, "duplicates": 0}
    assert account_balance(code=CASH) == total
    assert account_balance(code=UNALLOCATED) == -total
    assert sum(trial_balance().values()) == 0


def test_the_same_file_again_posts_nothing(world):
    first = registry_import(data=_good_file(), filename="reestr.txt", layout_name="sber_standard")
    payments, ledger = Payment.objects.count(), LedgerTransaction.objects.count()
    again = registry_import(data=_good_file(), filename="copy-of-reestr.txt", layout_name="sber_standard")

    assert again.pk == first.pk and again.status == ImportStatus.POSTED
    assert (Payment.objects.count(), LedgerTransaction.objects.count()) == (payments, ledger)
    assert RegistryImport.objects.count() == 1


def test_payments_already_recorded_by_another_file_are_not_posted_twice(world):
    registry_import(data=_good_file(), filename="a.txt", layout_name="sber_standard")
    # a corrected re-send: rows 1 and 2 again (same bank operation ids), plus one new payment
    lines = [sber_line(n, ref, amount) for n, ref, amount in GOOD[:2]] + [sber_line(6, "7600000001", "7,00")]
    second = registry_import(data=sber_file(lines), filename="b.txt", layout_name="sber_standard")

    assert (second.rows_total, second.rows_posted, second.amount_posted) == (3, 1, D("7.00"))
    assert second.summary["duplicates"] == 2
    assert Payment.objects.filter(registry_import=second).count() == 1
    total = sum(D(a.replace(",", ".")) for _n, _r, a in GOOD) + D("7.00")
    assert account_balance(code=CASH) == total == sum(p.amount for p in Payment.objects.all())


def test_a_payment_recorded_by_another_channel_is_skipped(world):
    line = sber_line(7, "7600000001", "50,00")
    from billing_core.registry_formats import SBER_STANDARD, parse_registry

    key = parse_registry(sber_file([line]), SBER_STANDARD).rows[0].key
    payment_record(channel="bank_registry", source="sber_standard", external_id=key, amount="50.00",
                   paid_on=date(2026, 11, 5), payer_ref="7600000001")
    imp = registry_import(data=sber_file([line, sber_line(8, "7600000001", "5,00")]), filename="c.txt",
                          layout_name="sber_standard")
    assert (imp.rows_posted, imp.amount_posted) == (1, D("5.00"))
    assert account_balance(code=CASH) == D("55.00")


def test_one_broken_line_is_named_and_nothing_is_posted(world):
    lines = [sber_line(n, ref, amount) for n, ref, amount in GOOD]
    lines[2] = lines[2].replace(";99,99;", ";99,9x;")
    imp = registry_import(data=sber_file(lines, count=5), filename="broken.txt", layout_name="sber_standard")

    assert imp.status == ImportStatus.REJECTED
    assert [(e["line"], e["field"], e["code"]) for e in imp.errors] == [(3, "amount", ErrorCode.REGISTRY_AMOUNT)]
    assert "Строка 3" in imp.errors[0]["message"]
    assert not Payment.objects.exists()
    assert not LedgerTransaction.objects.exists()
    # the same broken file again is the same refusal, still nothing posted
    assert registry_import(data=sber_file(lines, count=5), filename="broken.txt",
                           layout_name="sber_standard").pk == imp.pk
    assert not Payment.objects.exists()


def test_a_wrong_encoding_is_named(world):
    data = _good_file().decode("cp1251").encode("utf-8")
    imp = registry_import(data=data, filename="utf8.txt", layout_name="sber_standard")

    assert imp.status == ImportStatus.REJECTED
    assert [(e["line"], e["code"]) for e in imp.errors] == [(1, ErrorCode.REGISTRY_ENCODING)]
    assert "cp1251" in imp.errors[0]["message"] and "строка 1" in imp.errors[0]["message"]
    assert not Payment.objects.exists()


def test_an_unknown_layout_is_refused_before_anything_is_stored(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        registry_import(data=_good_file(), filename="x.txt", layout_name="no_such_layout")
    assert caught.value.error_dict["layout"][0].code == ErrorCode.NOT_FOUND
    assert not RegistryImport.objects.exists()


def test_generic_csv_with_an_ipd_column(world):
    neighbour = world["neighbour"]
    data = ("id,date,time,account,ipd,payer,address,period,amount,fee\n"
            f"g-1,2026-11-05,10:00:00,,{neighbour.number}-1026-01,Петров,addr,2026-10,12.34,0.00\n"
            "g-2,2026-11-05,10:00:01,L-MY-B,,Я,addr,2026-10,1.00,0.00\n").encode()
    imp = registry_import(data=data, filename="g.csv", layout_name="generic_csv_utf8")

    assert imp.status == ImportStatus.POSTED
    by_id = {p.external_id.split(":")[2]: p for p in Payment.objects.filter(registry_import=imp)}
    assert (by_id["g-1"].unified_account_id, by_id["g-1"].epd_id) == (neighbour.pk,
                                                                      world["docs"][neighbour.number].pk)
    assert by_id["g-2"].unified_account_id == world["mine"].pk


# --- modes (issue 13, item 12): validate, all or nothing, good rows ----------------------------------------------


def _file_with_a_utf8_line() -> bytes:
    """GOOD's five lines in cp1251 with line 3 sent in UTF-8 (its payer «СИДОРОВ С С» arrives as mojibake)."""
    lines = [sber_line(n, ref, amount, name="СИДОРОВ С С" if n == 3 else "ИВАНОВ ИВАН") for n, ref, amount in GOOD]
    good = sber_file(lines)
    cp_line = lines[2].encode("cp1251")
    return good.replace(cp_line, lines[2].encode("utf-8"))


def _nothing_posted(before):
    assert (Payment.objects.count(), LedgerTransaction.objects.count(), account_balance(code=CASH)) == before


def _state():
    return Payment.objects.count(), LedgerTransaction.objects.count(), account_balance(code=CASH)


def test_all_or_nothing_posts_nothing_when_one_line_is_utf8(world):
    before = _state()
    imp = registry_import(data=_file_with_a_utf8_line(), filename="mixed.txt", layout_name="sber_standard",
                          mode="all_or_nothing")
    assert imp.status == ImportStatus.REJECTED and imp.mode == "all_or_nothing"
    assert [(e["line"], e["field"], e["code"]) for e in imp.errors] == [
        (3, "payer_name", ErrorCode.REGISTRY_ENCODING), (3, "address", ErrorCode.REGISTRY_ENCODING)]
    assert imp.errors[0]["message"].startswith("Строка 3, поле «ФИО плательщика»: текст в кодировке UTF-8")
    assert "(это «СИДОРОВ С С»)" in imp.errors[0]["message"]
    _nothing_posted(before)


def test_validate_posts_nothing_and_reports_then_good_rows_posts_the_good_lines(world):
    data = _file_with_a_utf8_line()
    before = _state()
    checked = registry_import(data=data, filename="mixed.txt", layout_name="sber_standard", mode="validate")
    assert checked.status == ImportStatus.VALIDATED
    assert [(e["line"], e["field"]) for e in checked.errors] == [(3, "payer_name"), (3, "address")]
    assert (checked.rows_total, checked.summary) == (5, {"good": 4, "rejected": 1})
    _nothing_posted(before)

    # the same file in good-rows mode: read again; lines 1, 2, 4 and 5 posted, line 3 listed, not posted
    imp = registry_import(data=data, filename="mixed.txt", layout_name="sber_standard", mode="good_rows")
    assert imp.pk == checked.pk and imp.status == ImportStatus.POSTED and imp.mode == "good_rows"
    good = [(ref, paid(amount)) for n, ref, amount in GOOD if n != 3]
    total = sum(amount for _ref, amount in good)  # 1500,00 + 200,50 + 10,00 + 1,01 = 1711,51
    assert total == D("1711.51")
    assert sorted(Payment.objects.filter(registry_import=imp).values_list("payer_ref", "amount")) == sorted(good)
    assert (imp.rows_total, imp.rows_posted, imp.amount_posted) == (5, 4, total)
    assert (imp.summary["rejected"], imp.summary["duplicates"]) == (1, 0)
    assert [(e["line"], e["field"]) for e in imp.errors] == [(3, "payer_name"), (3, "address")]
    assert not any("Р" in p.payer_name and "Ў" in p.payer_name for p in Payment.objects.all())  # no mojibake stored
    assert account_balance(code=CASH) == before[2] + total
    assert account_balance(code=UNALLOCATED) == -total

    # and again: nothing more
    again = registry_import(data=data, filename="mixed.txt", layout_name="sber_standard", mode="good_rows")
    assert again.pk == imp.pk and Payment.objects.count() == 4


def test_good_rows_still_refuses_a_file_whose_totals_contradict_it(world):
    lines = [sber_line(n, ref, amount) for n, ref, amount in GOOD]
    lines[1] = lines[1].replace("200,50", "200,5x")
    before = _state()
    imp = registry_import(data=sber_file(lines, count=4), filename="bad-count.txt", layout_name="sber_standard",
                          mode="good_rows")
    assert imp.status == ImportStatus.REJECTED
    assert {(e["line"], e["field"]) for e in imp.errors} == {(2, "amount"), (6, "totals.count")}
    _nothing_posted(before)


def test_an_unknown_mode_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        registry_import(data=_good_file(), filename="r.txt", layout_name="sber_standard", mode="some")
    assert "mode" in exc.value.message_dict
    assert not RegistryImport.objects.exists()


def paid(text: str) -> D:
    return D(text.replace(",", "."))
