"""Documents of debt collection (``agency.collection.documents``): read back from the PDFs and the XLSX they write."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from agency.collection import documents
from agency.documents import storage
from agency.documents.models import Epd
from agency.documents.render import render_epd
from billing_core import collection as rules
from billing_core.error_codes import ErrorCode
from billing_core.penalties import format_money
from tenants.billing.charge_run import charge_run, period_post
from tenants.billing.models import Service
from tenants.collection.models import (
    Agreement,
    AgreementStatus,
    CollectionDocument,
    CourtCase,
    CourtRoute,
    DocumentKind,
    Restriction,
    RestrictionKind,
    Warning,
    WarningChannel,
)
from tenants.collection.register import register_refresh
from tenants.collection.services import agreement_prepare, court_case_open
from tenants.registry.models import House
from tests.documents.test_assembly import OCT, _assemble, _post, household, principal_c  # noqa: F401 (fixtures)
from tests.tenants.billing.test_balances import _accounts

pytestmark = pytest.mark.django_db
D = Decimal
MONTHS = (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
NOVEMBER = date(2026, 11, 1)
NORM = D("1500.00")  # 50 m² × 30.00 a month: the monthly charge the debt is measured against in these tests


@pytest.fixture(autouse=True)
def _local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.S3_BUCKET = ""


def _pages(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    return [pdf[n].get_textpage().get_text_range() for n in range(len(pdf))]


def _flat(text: str) -> str:
    """The page's text as one line: a paragraph wraps where the renderer chose."""
    return " ".join(text.split())


def _debtors(principal, count: int, prefix: str):
    """``count`` accounts charged 1 500.00 for three posted months and never paid: 4 500.00 owed each."""
    accounts = _accounts(principal, count, prefix=prefix)
    House.objects.filter(street=f"ул. {prefix}").update(postal_code="150003")
    with tenant_context(principal):
        for month in MONTHS:
            charge_run(month=month)
            period_post(month=month)
        register_refresh(today=date(2026, 11, 5))
    return accounts


def _warnings(principal, accounts, channel=WarningChannel.REGISTERED_LETTER) -> list[Warning]:
    with tenant_context(principal):
        service = Service.objects.get(code="maint")
        return [Warning.objects.create(account=account, service=service, month=NOVEMBER, debt=D("4500.00"),
                                       norm_charge=NORM, channel=channel, issued_on=date(2026, 11, 6))
                for account in accounts]


def test_a_batch_has_one_page_per_letter_with_the_debt_the_20_days_and_the_address(principal_a):
    accounts = _debtors(principal_a, 3, "WLA")
    warnings = _warnings(principal_a, accounts)
    pdf_key, _xlsx = documents.warning_letters_batch(schema_name=principal_a.schema_name,
                                                        warning_ids=[w.pk for w in warnings], month=NOVEMBER)
    pages = [_flat(text) for text in _pages(storage.get(pdf_key))]
    assert len(pages) == 3
    for account, page in zip(accounts, pages, strict=True):
        assert account.number in page
        # п.119 «а»: restriction follows unless paid within 20 days of delivery
        assert "в течение 20 дней со дня доставки" in page
        assert "4 500,00" in page
        # п.118: the debt is measured against two monthly charges by the norm, 2 × 1 500,00
        assert format_money(2 * NORM) == "3 000,00" and "3 000,00" in page
        assert "150003" in page and "кв. " in page and "ул. WLA" in page
        assert principal_a.inn in page
    with tenant_context(principal_a):
        rows = list(CollectionDocument.objects.filter(kind=DocumentKind.WARNING_LETTER).order_by("file_key"))
        assert sorted(r.file_key for r in rows) == sorted(f"{pdf_key}#p{n}" for n in (1, 2, 3))
        assert {r.warning_id for r in rows} == {w.pk for w in warnings}
        assert all("стр." in r.title for r in rows)
        # a download link goes to the batch's file, without the page suffix
        link = documents.collection_document_download(rows[0])
        path, _name = storage.local_link_open(link.rstrip("/").rsplit("/", 1)[-1])
        assert path.read_bytes() == storage.get(pdf_key)


def test_the_post_office_register_lists_each_registered_letter(principal_a):
    accounts = _debtors(principal_a, 3, "WLR")
    letters = _warnings(principal_a, accounts[:2])
    by_hand = _warnings(principal_a, accounts[2:], channel=WarningChannel.SIGNATURE)
    _pdf, xlsx_key = documents.warning_letters_batch(schema_name=principal_a.schema_name,
                                                     warning_ids=[w.pk for w in letters + by_hand], month=NOVEMBER)
    sheet = openpyxl.load_workbook(io.BytesIO(storage.get(xlsx_key)), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("Список внутренних почтовых отправлений")
    header = rows[2]
    assert header[:6] == ["№ п/п", "Адресат", "Адрес (с почтовым индексом)", "Индекс", "Лицевой счёт", "ЕЛС"]
    postal = header.index("Почтовый идентификатор")
    body = rows[3:]
    # the letter handed over against signature is not posted
    assert [row[4] for row in body] == [a.number for a in accounts[:2]]
    assert [row[0] for row in body] == [1, 2]
    for row in body:
        assert row[2].startswith("150003, ") and row[3] == "150003"
        assert row[postal] in (None, "")  # for the operator to fill


def test_the_same_warnings_batched_again_reuse_the_key_and_the_rows(principal_a):
    accounts = _debtors(principal_a, 2, "WLI")
    warnings = _warnings(principal_a, accounts)
    ids = [w.pk for w in warnings]
    first = documents.warning_letters_batch(schema_name=principal_a.schema_name, warning_ids=ids, month=NOVEMBER)
    again = documents.warning_letters_batch(schema_name=principal_a.schema_name, warning_ids=ids[::-1],
                                            month=date(2026, 11, 20))
    assert again == first
    with tenant_context(principal_a):
        assert CollectionDocument.objects.filter(kind=DocumentKind.WARNING_LETTER).count() == 2
    # another set of warnings is another batch
    other = documents.warning_letters_batch(schema_name=principal_a.schema_name, warning_ids=ids[:1], month=NOVEMBER)
    assert other[0] != first[0]


def test_warnings_in_the_epd_are_not_letters(principal_a):
    accounts = _debtors(principal_a, 1, "WLE")
    (warning,) = _warnings(principal_a, accounts, channel=WarningChannel.EPD)
    with pytest.raises(ValidationError) as refused:
        documents.warning_letters_batch(schema_name=principal_a.schema_name, warning_ids=[warning.pk],
                                        month=NOVEMBER)
    assert refused.value.error_dict["warningIds"][0].code == ErrorCode.INVALID


def test_files_of_one_principal_are_never_stored_under_anothers_prefix(principal_a, principal_b, settings):
    ids = {}
    for principal, prefix in ((principal_a, "WPA"), (principal_b, "WPB")):
        accounts = _debtors(principal, 1, prefix)
        ids[principal.schema_name] = [w.pk for w in _warnings(principal, accounts)]
    keys_a = documents.warning_letters_batch(schema_name="principal_a", warning_ids=ids["principal_a"],
                                             month=NOVEMBER)
    keys_b = documents.warning_letters_batch(schema_name="principal_b", warning_ids=ids["principal_b"],
                                             month=NOVEMBER)
    assert all(k.startswith("collection/principal_a/") for k in keys_a)
    assert all(k.startswith("collection/principal_b/") for k in keys_b)
    on_disk_b = {str(p.relative_to(settings.MEDIA_ROOT)) for p in Path(settings.MEDIA_ROOT, "collection",
                                                                       "principal_b").rglob("*") if p.is_file()}
    assert on_disk_b == set(keys_b)
    with tenant_context(principal_a):
        a_rows = set(CollectionDocument.objects.values_list("file_key", flat=True))
    with tenant_context(principal_b):
        b_rows = set(CollectionDocument.objects.values_list("file_key", flat=True))
    assert a_rows and b_rows
    assert all(k.startswith("collection/principal_a/") for k in a_rows)
    assert all(k.startswith("collection/principal_b/") for k in b_rows)


def test_the_court_package_has_its_four_parts_and_the_figures_of_the_case(principal_a):
    (account,) = _debtors(principal_a, 1, "CRT")
    with tenant_context(principal_a):
        case = court_case_open(account=account, on=date(2026, 12, 15),
                               debtor_ids={"birth_date": "01.02.1980", "snils": "112-233-445 95"})
        # three months of 1 500.00, nothing paid
        assert case.principal_debt == D("4500.00") and case.route == CourtRoute.ORDER
        # НК 333.19 п.1 пп.1 (259-ФЗ, from 09.09.2024): a claim up to 100 000 ₽ costs 4 000 ₽ as a lawsuit;
        # пп.2: a court order half of it, at least 2 000 ₽ — 2 000 ₽
        assert case.principal_debt + case.penalties < 100_000
        assert rules.court_order_fee(case.principal_debt + case.penalties, on=case.calculated_on) == D("2000")
        document = documents.court_package_render(case)
        assert document.kind == DocumentKind.COURT_APPLICATION and document.case_id == case.pk
        pages = [_flat(text) for text in _pages(storage.get(document.file_key))]
    assert len(pages) >= 4
    text = " ".join(pages)
    for part in ("ЗАЯВЛЕНИЕ о вынесении судебного приказа", "РАСЧЁТ ЗАДОЛЖЕННОСТИ ПО МЕСЯЦАМ", "РАСЧЁТ ПЕНЕЙ",
                 "ВЫПИСКА ПО ЛИЦЕВОМУ СЧЁТУ"):
        assert part in text
    assert "ЗАЯВЛЕНИЕ" in pages[0] and "РАСЧЁТ ПЕНЕЙ" not in pages[0]
    assert "4 500,00" in pages[0] and format_money(case.penalties) in pages[0] and "2 000,00" in pages[0]
    assert "СНИЛС: 112-233-445 95" in pages[0] and "дата рождения: 01.02.1980" in pages[0]
    assert "паспорт" in pages[0]  # named among the identifiers not known
    assert principal_a.inn in pages[0] and principal_a.bic in pages[0]
    # the calculation by month: 1 500,00 charged each month, the debt at the end of October 4 500,00 and more
    assert text.count("1 500,00") >= 3 and "октябрь 2026" in text
    # the same case rendered again is the same document
    with tenant_context(principal_a):
        assert documents.court_package_render(case).pk == document.pk


def test_a_lawsuit_is_titled_as_one(principal_a):
    (account,) = _debtors(principal_a, 1, "LAW")
    with tenant_context(principal_a):
        case = court_case_open(account=account, on=date(2026, 12, 15))
        CourtCase.objects.filter(pk=case.pk).update(route=CourtRoute.LAWSUIT)
        case.refresh_from_db()
        document = documents.court_package_render(case)
        text = _flat(_pages(storage.get(document.file_key))[0])
    assert document.kind == DocumentKind.LAWSUIT
    assert "ИСКОВОЕ ЗАЯВЛЕНИЕ" in text and "судебного приказа" not in text.split("ИСКОВОЕ ЗАЯВЛЕНИЕ")[1][:80]


def test_a_court_package_without_a_posted_calculation_is_refused(principal_a):
    (account,) = _accounts(principal_a, 1, prefix="NOCALC")
    with tenant_context(principal_a):
        charge_run(month=MONTHS[0])  # calculated, never posted
        case = CourtCase.objects.create(
            account=account, number="Д-TEST-1", route=CourtRoute.ORDER, period_from=MONTHS[0],
            period_to=MONTHS[0], principal_debt=D("1500.00"), penalties=D("0.00"), state_fee=D("2000.00"),
            fee_source="НК РФ ст.333.19", calculated_on=date(2026, 12, 1))
        with pytest.raises(ValidationError) as refused:
            documents.court_package_render(case)
        assert refused.value.error_dict["case"][0].code == ErrorCode.CALCULATION_MISSING
        assert not CollectionDocument.objects.filter(case=case).exists()


def test_the_claim_states_the_debt_the_term_and_the_consequences(principal_a):
    (account,) = _debtors(principal_a, 1, "CLM")
    with tenant_context(principal_a):
        case = court_case_open(account=account, on=date(2026, 12, 15))
        document = documents.claim_render(case)
        text = _flat(" ".join(_pages(storage.get(document.file_key))))
    assert document.kind == DocumentKind.CLAIM
    assert "ДОСУДЕБНАЯ ПРЕТЕНЗИЯ" in text and "4 500,00" in text
    # the term to pay: 10 days from 15.12.2026
    assert f"в течение {documents.CLAIM_TERM_DAYS} дней" in text and "25.12.2026" in text
    assert "судебного приказа" in text


def test_the_epd_prints_the_warning_in_the_block_of_the_principal_that_issued_it(household):  # noqa: F811
    """ПП 354 п.119 «а» (as amended in 2017): the warning may be printed in the payment document; the 20 days run
    from its delivery. B warns about hot water for October; A's block and the neighbour's document carry none."""
    principals, accounts = household["principals"], household["accounts"]
    with tenant_context(principals["b"]):
        hot = Service.objects.get(code="hot")
        Warning.objects.create(account=accounts["b"], service=hot, month=OCT, debt=D("3456.78"),
                               norm_charge=D("1234.50"), channel=WarningChannel.EPD, issued_on=date(2026, 10, 31))
    _post(*principals.values())
    _assemble()
    content = Epd.objects.get(unified_account=household["home"], month=OCT, is_current=True).content
    payees = {p["principal_id"]: p for p in content["payees"]}
    assert payees[principals["b"].pk]["warnings"] == [
        {"service": "Горячее водоснабжение", "debt": "3456.78", "norm_charge": "1234.50"}]
    assert "warnings" not in payees[principals["a"].pk] and "warnings" not in payees[principals["c"].pk]
    neighbour = Epd.objects.get(unified_account=household["neighbour"], month=OCT, is_current=True).content
    assert all("warnings" not in p for p in neighbour["payees"])
    text = _flat(" ".join(_pages(render_epd(content))))
    assert "Предупреждение (ПП РФ №354 п.119)" in text
    assert "«Горячее водоснабжение» — 3 456,78 руб." in text and "1 234,50" in text
    assert "в течение 20 дней со дня доставки" in text
    assert "Предупреждение (ПП РФ" not in _flat(" ".join(_pages(render_epd(neighbour))))


def test_the_agreement_prints_its_schedule_and_a_breach_has_its_notice(principal_a):
    (account,) = _debtors(principal_a, 1, "AGR")
    with tenant_context(principal_a):
        agreement = agreement_prepare(account=account, parts=3, first_due=date(2026, 12, 10), total=D("4500.00"))
        document = documents.agreement_render(agreement, on=date(2026, 12, 1))
        text = _flat(" ".join(_pages(storage.get(document.file_key))))
        assert document.kind == DocumentKind.AGREEMENT and document.agreement_id == agreement.pk
        # 4 500,00 in three equal parts on the 10th of each month (billing_core.collection.installment_schedule)
        for due in ("10.12.2026", "10.01.2027", "10.02.2027"):
            assert due in text
        assert text.count("1 500,00") == 3 and "4 500,00" in text and agreement.number in text
        with pytest.raises(ValidationError) as refused:
            documents.breach_notice(agreement)
        assert refused.value.error_dict["agreement"][0].code == ErrorCode.COLLECTION_STATE
        Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.BREACHED, signed_on=date(2026, 12, 1),
                                                         breached_on=date(2026, 12, 11), shortfall=D("1500.00"))
        agreement.refresh_from_db()
        notice = documents.breach_notice(agreement)
        text = _flat(" ".join(_pages(storage.get(notice.file_key))))
    assert notice.kind == DocumentKind.BREACH_NOTICE
    assert "просрочено 1 500,00 руб." in text and "11.12.2026" in text


def test_the_work_order_and_the_acts_of_restriction_and_lifting(principal_a):
    (account,) = _debtors(principal_a, 1, "RST")
    (warning,) = _warnings(principal_a, [account])
    delivered = date(2026, 11, 10)
    with tenant_context(principal_a):
        # п.119 «а»: 20 days from delivery; «б»: restricted from the day after
        Warning.objects.filter(pk=warning.pk).update(delivered_on=delivered, term_end=rules.warning_term_end(delivered),
                                                     status="delivered")
        assert rules.restriction_earliest(delivered) == date(2026, 12, 1)
        warning.refresh_from_db()
        restriction = Restriction.objects.create(account=account, service=warning.service, warning=warning,
                                                 kind=RestrictionKind.RESTRICTION, executor="ООО «Аварийка»",
                                                 ordered_on=date(2026, 12, 1))
        order = documents.work_order_render(restriction)
        text = _flat(" ".join(_pages(storage.get(order.file_key))))
        assert order.kind == DocumentKind.WORK_ORDER and order.restriction_id == restriction.pk
        assert "НАРЯД" in text and "не ранее 01.12.2026" in text and "30.11.2026" in text and "ООО «Аварийка»" in text
        for render in (documents.restriction_act_render, documents.lift_act_render):
            with pytest.raises(ValidationError):
                render(restriction)
        Restriction.objects.filter(pk=restriction.pk).update(status="done", done_on=date(2026, 12, 2),
                                                             act_number="А-17")
        restriction.refresh_from_db()
        act = documents.restriction_act_render(restriction)
        text = _flat(" ".join(_pages(storage.get(act.file_key))))
        assert "АКТ № А-17" in text and "02.12.2026" in text
        # п.120: lifted within 2 days of the payment
        Restriction.objects.filter(pk=restriction.pk).update(status="lifted", paid_on=date(2026, 12, 20),
                                                             lift_due=rules.lift_deadline(date(2026, 12, 20)),
                                                             lifted_on=date(2026, 12, 21), lift_act_number="В-3")
        restriction.refresh_from_db()
        lift = documents.lift_act_render(restriction)
        text = _flat(" ".join(_pages(storage.get(lift.file_key))))
    assert lift.kind == DocumentKind.LIFT_ACT
    assert "АКТ № В-3" in text and "возобновлено 21.12.2026" in text
    assert f"не позднее {rules.lift_deadline(date(2026, 12, 20)):%d.%m.%Y}" in text
