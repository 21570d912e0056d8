"""The ЕПД PDF: rasterised and read back the way a bank app and a person would.

Every QR code on the page image is decoded (zxing-cpp) and each of its fields compared with the
content; the page is OCR-ed (tesseract, Russian) for the key texts; pypdfium2's text extraction is
the exact second check of every amount. Expected values are computed here from the content dict,
not taken from the renderer.
"""

import copy
import re
from decimal import Decimal

import pypdfium2 as pdfium
import pytesseract
import pytest
import zxingcpp

from agency.documents.render import RenderError, render_batch, render_epd
from billing_core.epd_qr import parse_payload
from tests.documents.factories import sample_content

DPI = 300


def _pages(pdf: bytes) -> list:
    return list(pdfium.PdfDocument(pdf))


def _image(page):
    return page.render(scale=DPI / 72, grayscale=True).to_pil()


def _text(page) -> str:
    return page.get_textpage().get_text_range()


def _ru(amount: str) -> str:
    """"12345.60" → "12 345,60", written out independently of the renderer's formatter."""
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{cents}"


def _kopecks(amount: str) -> str:
    return str(int(Decimal(amount) * 100))


def _expected_codes(content: dict) -> list[dict]:
    """The codes the contract asks for, built from the content by hand."""
    names = dict(zip(("LastName", "FirstName", "MiddleName"), content["payer"].split(), strict=True))
    common = {"PaymPeriod": "102026", "PayerAddress": content["address"], **names}
    codes = []
    for payee in content["payees"]:
        if payee["qr_mode"] == "per_payee" and Decimal(payee["amount_due"]) > 0:
            codes.append({
                "Name": payee["name"], "PersonalAcc": payee["account"], "BankName": payee["bank_name"],
                "BIC": payee["bic"], "CorrespAcc": payee["corr_account"], "PayeeINN": payee["inn"],
                "KPP": payee["kpp"], "Sum": _kopecks(payee["amount_due"]), "PersAcc": payee["account_number"],
                "Purpose": f"Оплата ЖКУ за 10.2026, ЛС {payee['account_number']}", **common,
            })
    agent_due = sum(Decimal(p["amount_due"]) for p in content["payees"] if p["qr_mode"] == "agent_account")
    if agent_due > 0:
        agent = content["agent"]
        codes.append({
            "Name": agent["name"], "PersonalAcc": agent["account"], "BankName": agent["bank_name"],
            "BIC": agent["bic"], "CorrespAcc": agent["corr_account"], "PayeeINN": agent["inn"], "KPP": agent["kpp"],
            "Sum": _kopecks(str(agent_due)), "PersAcc": content["els"],
            "Purpose": f"Оплата ЖКУ за 10.2026, ЕЛС {content['els']}", **common,
        })
    return codes


def _decoded(image) -> list[dict]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    for barcode in found:
        assert barcode.valid and barcode.ec_level == "M"
        # byte mode with the UTF-8 bytes of the string: what ST00012 promises a bank app
        assert barcode.bytes.startswith(b"ST00012|")
    return [parse_payload(barcode.bytes.decode("utf-8")) for barcode in found]


def _key(fields: dict) -> tuple:
    return fields["PersonalAcc"], fields["PersAcc"]


@pytest.fixture(scope="module")
def sample():
    content = sample_content(11)
    pdf = render_epd(content)
    pages = _pages(pdf)
    return {"content": content, "pdf": pdf, "pages": pages, "image": _image(pages[0])}


def test_every_qr_code_decodes_to_its_payee_and_sum(sample):
    content, image = sample["content"], sample["image"]
    expected = _expected_codes(content)
    # the sample exercises the contract: one per-payee code, one agent code, the advance payee without one
    assert len(expected) == 2 and any(p["qr_mode"] == "agent_account" for p in content["payees"])
    assert sorted(_decoded(image), key=_key) == sorted(expected, key=_key)


def test_ocr_reads_the_key_texts(sample):
    content, image = sample["content"], sample["image"]
    text = pytesseract.image_to_string(image, lang="rus")
    flat = re.sub(r"\s+", " ", text).replace("ё", "е").replace("Ё", "Е")
    for words in ("ЕДИНЫЙ ПЛАТЕЖНЫЙ ДОКУМЕНТ", "Управляющая компания Северный квартал",
                  "Городские тепловые сети", "Ярославльводоканал", "Единый расчетный центр",
                  content["els"], _ru(content["totals"]["amount_due"])):
        assert words in flat, f"OCR did not read {words!r}"


def test_text_layer_carries_every_amount(sample):
    content, pages = sample["content"], sample["pages"]
    assert len(pages) == 1
    text = _text(pages[0])
    assert f"ЕЛС: {content['els']}" in text and content["ipd"] in text
    assert f"ИТОГО К ОПЛАТЕ: {_ru(content['totals']['amount_due'])} руб." in text
    assert "Раздел 6. Расчёт суммы к оплате с учётом рассрочки платежа: нет" in text
    for payee in content["payees"]:
        assert f"К оплате: {_ru(payee['amount_due'])} руб." in text
        assert f"Лицевой счёт: {payee['account_number']}" in text
        opening = Decimal(payee["opening"])
        if opening > 0:
            assert f"Долг на начало периода: {_ru(payee['opening'])} руб." in text
        elif opening < 0:
            assert f"Аванс на начало периода: {_ru(str(-opening))} руб." in text
        assert f"Проживает: {payee['persons']} чел." in text
        sub = {k: Decimal(0) for k in ("charged", "recalculated", "benefits", "penalties", "total")}
        for line in payee["lines"]:
            if line["base_amount"] is None:
                row = " ".join(_ru(line[k]) for k in ("charged", "recalculated", "benefits", "penalties", "total"))
                assert row in text, f"line {line['service']!r} not printed as {row!r}"
            for k in sub:
                sub[k] += Decimal(line[k])
        subtotal = " ".join(_ru(str(sub[k])) for k in sub)
        assert f"Итого по получателю {subtotal}" in text
        for recalc in payee["recalculations"]:
            assert recalc["reason"] in text and _ru(recalc["amount"]) in text
        for meter in payee["meters"]:
            assert meter["serial"] in text
    totals = content["totals"]
    assert " ".join(_ru(totals[k]) for k in ("opening", "paid", "charged", "recalculated", "benefits", "penalties",
                                             "closing", "amount_due")) in text


def test_pdf_embeds_its_fonts(sample):
    pdf = sample["pdf"]
    assert pdf.count(b"/FontFile2") == 2  # regular and bold, subset-embedded
    assert b"/Helvetica" not in pdf


def test_batch_is_one_pdf_with_each_document_on_its_own_page():
    contents = [sample_content(n) for n in (21, 22, 23)]
    pages = _pages(render_batch(contents))
    assert len(pages) == 3
    for page, content in zip(pages, contents, strict=True):
        text = _text(page)
        assert f"ЕЛС: {content['els']}" in text
        others = [c["els"] for c in contents if c is not content]
        assert not any(els in text for els in others)
        assert sorted(_decoded(_image(page)), key=_key) == sorted(_expected_codes(content), key=_key)


def test_oversize_document_continues_on_more_pages_inside_the_page_bounds():
    content = sample_content(31, lines_per_payee=25)
    pages = _pages(render_epd(content))
    assert len(pages) >= 2
    texts = [_text(page) for page in pages]
    joined = "\n".join(texts)
    for page_no, page in enumerate(pages, 1):
        width, height = page.get_size()
        textpage = page.get_textpage()
        for i in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(i)
            if right > left:  # skip zero-size boxes of generated spaces
                # inside the printable area (5 mm from every edge), not merely on the page
                assert left >= 14 and right <= width - 14 and bottom >= 14 and top <= height - 14, (page_no, i)
        assert f"стр. {page_no}" in texts[page_no - 1]
    assert "продолжение" in texts[1] and "Вид услуги" in texts[1]  # the table header is repeated
    for payee in content["payees"]:
        assert len(payee["lines"]) == 25
        for line in payee["lines"]:
            if line["base_amount"] is None:
                assert f"{_ru(line['penalties'])} {_ru(line['total'])}" in joined
            else:  # the charge by the norm and the increase: two rows whose totals add up to the line's
                assert f"{_ru(line['base_amount'])} {_ru(line['uplift_amount'])}" not in joined
                assert f"{_ru(line['uplift_amount'])} {_ru(line['uplift_amount'])}" in joined
    assert _ru(content["totals"]["amount_due"]) in joined
    assert sorted(_decoded(_image(pages[0])), key=_key) == sorted(_expected_codes(content), key=_key)


def test_characters_outside_the_seeded_set_still_print():
    content = sample_content(41)
    content["payer"] = "Müller Jürgen Ødegård"
    text = _text(_pages(render_epd(content))[0])
    assert "Плательщик: Müller Jürgen Ødegård" in text


@pytest.mark.parametrize(("path", "value", "field"), [
    (("payees", 0, "amount_due"), "12.3", "payees[0].amount_due"),
    (("payees", 1, "lines", 0, "total"), "1,00", "payees[1].lines[0].total"),
    (("due_date",), "15.11.2026", "due_date"),
])
def test_bad_content_names_the_field(path, value, field):
    content = copy.deepcopy(sample_content(51))
    target = content
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(RenderError) as caught:
        render_epd(content)
    assert caught.value.field == field


@pytest.mark.parametrize("secret", ["installation-one", "installation-two", "installation-three"])
def test_the_cabinet_link_code_is_printed_next_to_the_els(secret, settings):
    # the code a resident types to link the household in the cabinet: derived from the ЕЛС under the installation's
    # own secret (so it differs between installations: three secrets here), readable on paper whatever it is
    from tenants.residents.link_code import link_code, normalize

    settings.CABINET_LINK_SECRET = secret
    content = sample_content(11)
    pages = _pages(render_epd(content))
    code = link_code(content["els"])
    assert f"Код для подключения в личном кабинете: {code}" in _text(pages[0])

    # the page read back as an image: the code is Latin letters and digits on a Russian page, so the OCR reads both
    # scripts (a Russian-only model takes 3, 4 and 9 for З, А and Э); Latin letters read as their Cyrillic
    # look-alikes are what a person might type, and the code accepts them
    flat = normalize(re.sub(r"\s+", "", pytesseract.image_to_string(_image(pages[0]), lang="rus+eng")))
    assert normalize(code) in flat, f"OCR did not read the link code {code}"


def test_uplifted_norm_line_prints_the_norm_volume_and_the_increase_as_its_own_amount():
    # Worked example (ПП 354 п.69; Приказ № 43/пр): drainage by the norm, 7 m³ (3.5 m³ × 2 persons), no meter,
    # so the coefficient 1.5 applies; tariff 38.77 ₽/m³. The charge run stores the uplifted volume 10.5 m³ and
    # the charge 10.5 × 38.77 = 407.085 → 407.09. The document prints 7 m³ × 38.77 = 271.39 (271.39 exactly),
    # and the increase 407.09 − 271.39 = 135.70 (≈ 271.39 × 0.5 = 135.695) on its own row with the coefficient.
    content = sample_content(12)
    line = content["payees"][2]["lines"][1]
    assert (line["quantity"], line["charged"]) == ("10.5000", "407.09")
    assert (line["norm_quantity"], line["base_amount"], line["uplift_amount"]) == ("7.0000", "271.39", "135.70")
    text = _text(_pages(render_epd(content))[0])
    assert "Водоотведение м³ норм. 7 38,77 271,39 0,00 0,00 0,00 271,39" in text
    assert "повышающий коэффициент 1,5 135,70 135,70" in text
    assert "10,5" not in text  # the uplifted volume is not printed: volume × tariff gives the amount


def test_an_uplift_split_that_does_not_add_up_is_refused():
    content = copy.deepcopy(sample_content(12))
    content["payees"][2]["lines"][1]["uplift_amount"] = "135.69"
    with pytest.raises(RenderError) as caught:
        render_epd(content)
    assert caught.value.field == "payees[2].lines[1].uplift_amount"


def test_persons_per_payee_and_the_header_when_payees_differ():
    # every fifth sample household: the water utility charges for 2 persons, the others for 3
    content = sample_content(15)
    assert [p["persons"] for p in content["payees"]] == [3, 3, 2] and content["persons"] is None
    text = _text(_pages(render_epd(content))[0])
    assert "Проживает: по получателям — в разделе 2" in text
    assert text.count("Проживает: 3 чел.") == 2 and text.count("Проживает: 2 чел.") == 1
    same = sample_content(16)  # every payee charged for 3: the header says so
    assert same["persons"] == 3
    assert "м² Проживает: 3 чел." in re.sub(r" +", " ", _text(_pages(render_epd(same))[0]))


def test_executors_contacts_and_an_opening_advance_are_printed():
    content = copy.deepcopy(sample_content(17))
    water = content["payees"][2]
    water["opening"] = "-250.00"  # paid ahead last month: an advance at the start of the period
    flat = re.sub(r"\s+", " ", _text(_pages(render_epd(content))[0]))
    assert "Аванс на начало периода: 250,00 руб." in flat
    assert "Контакты исполнителей услуг:" in flat
    for payee in content["payees"]:
        contacts = payee["contacts"]
        for value in (contacts["address"], contacts["phone"], contacts["website"], contacts["working_hours"]):
            assert value in flat, value
        if contacts["email"]:
            assert f"e-mail {contacts['email']}" in flat
    assert "Долг (+) / аванс (−) на начало" in flat
