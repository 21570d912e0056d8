"""The ЕПД's common-property section (issue 13, item 9): the house's collective-meter volume, its common-property
volume and the premise's share and charge, as the assembly gathers them (ПП 354 п.44; прил.2 формулы 11, 15)."""

import pypdfium2 as pdfium

from agency.documents.render import render_epd
from tests.documents.factories import sample_content


def _text(pdf: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf))


def test_the_section_prints_the_three_figures():
    content = sample_content()
    # the house's meter 400 kWh, 35 kWh for the common property, the premise's 60 of 150 m²: 14 kWh × 6.43 = 90.02
    content["payees"][0]["common_property"] = [
        {"service": "Электроэнергия на СОИ", "unit": "кВт·ч", "method": "meter", "house_volume": "400.0000",
         "common_volume": "35.0000", "premise_volume": "14.0000", "charged": "90.02"},
        {"service": "ХВС на СОИ", "unit": "м³", "method": "norm", "house_volume": None,
         "common_volume": "24.0000", "premise_volume": "4.8000", "charged": "233.28"},
    ]
    text = _text(render_epd(content))
    assert "Коммунальные ресурсы на содержание общего имущества" in text
    assert "Объём по ОДПУ (дом)" in text
    for figure in ("Электроэнергия на СОИ", "400", "35", "14", "90,02", "ХВС на СОИ", "24", "4,8", "233,28"):
        assert figure in text


def test_without_common_property_the_section_says_so():
    text = _text(render_epd(sample_content()))
    assert "Коммунальные ресурсы на содержание общего имущества: не начислялись" in text
