"""Warning letters (ПП 354 п.119 «а»): BENCH_LETTERS letters (default 600) drawn into one print-batch PDF.

Prints pages per second per core (CPU time of the rendering thread, ``time.thread_time``, so other load on a
shared machine inflates it less than wall time) against the target of the issue (≥ 300, as the ЕПД), and, as the
baseline in the same run, the ЕПД print batch of the same number of documents (``render_batch`` of
``tests.documents.factories.sample_content``) with the ratio letters : ЕПД. Also the post office register (XLSX).
The letters are unsaved rows (no database), so only drawing and saving is measured; asserts each letter is one page.

    python -m pytest -m bench -s tests/bench/test_warning_letters_bench.py
"""

import os
import time
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from agency.collection.documents import letters_render, post_register_rows
from agency.documents.render import render_batch
from billing_core.tabular import xlsx_write
from tenants.billing.models import PersonalAccount, Service
from tenants.collection.models import Warning, WarningChannel
from tenants.models import Principal
from tenants.registry.models import House, Premise, UnifiedAccount
from tests import factories
from tests.bench._util import bench
from tests.documents.factories import sample_content

pytestmark = [pytest.mark.bench]

LETTERS = int(os.environ.get("BENCH_LETTERS", "600"))
TARGET_PAGES_PER_S = 300
STREETS = ("ул. Свободы", "пр-т Ленина", "ул. Победы", "Московский пр-т", "ул. Чкалова")


def _warnings(n: int) -> list[Warning]:
    """``n`` warnings of different households, houses and amounts, as the batch loads them (related rows set)."""
    hot = Service(id=1, code="hot", kind="hot_water", name="Горячее водоснабжение", unit="м³")
    electricity = Service(id=2, code="el", kind="electricity", name="Электроснабжение", unit="кВт·ч")
    out = []
    for i in range(n):
        house = House(id=i // 80 + 1, region="Ярославская обл.", city="г. Ярославль", street=STREETS[i // 80 % 5],
                      house_number=str(i // 80 + 1), postal_code=f"1500{i // 80 % 100:02d}")
        premise = Premise(id=i + 1, house=house, number=str(i % 80 + 1), area=Decimal("54.30"))
        unified = UnifiedAccount(id=i + 1, number=f"{7600000000 + i:010d}", premise=premise, payer_name="—")
        account = PersonalAccount(id=i + 1, number=f"ЛС-{100000 + i}", premise=premise, unified_account=unified,
                                  payer_name=f"Иванов{'а' * (i % 2)} Иван{'a' * (i % 3)} Петрович {i}",
                                  charge_area=Decimal("54.30"), opened_on=date(2020, 1, 1))
        norm = Decimal("1234.56") + i % 97
        out.append(Warning(id=i + 1, account=account, service=electricity if i % 3 == 0 else hot,
                           month=date(2026, 11, 1), debt=(norm * Decimal("2.5") + i).quantize(Decimal("0.01")),
                           norm_charge=norm, channel=WarningChannel.REGISTERED_LETTER, issued_on=date(2026, 11, 6)))
    return out


def _principal() -> Principal:
    return Principal(schema_name="bench_letters", kind="management_company", address="150000, г. Ярославль, ул. "
                     "Советская, д. 1", phone="+7 (4852) 00-00-00", email="uk@example.ru", **factories.requisites(7))


def test_warning_letters_throughput():
    principal, warnings = _principal(), _warnings(LETTERS)
    letters_render(warnings[:2], principal)  # fonts registered and subset objects cached, as in a worker
    contents = [sample_content(n) for n in range(LETTERS)]
    render_batch(contents[:2])

    timings: dict = {}
    wall, cpu = time.perf_counter(), time.thread_time()
    pdf, firsts = letters_render(warnings, principal, timings=timings)
    letters_cpu, letters_wall = time.thread_time() - cpu, time.perf_counter() - wall
    letter_pages = timings["pages"]

    epd_timings: dict = {}
    cpu = time.thread_time()
    epd = render_batch(contents, timings=epd_timings)
    epd_cpu = time.thread_time() - cpu
    epd_pages = epd_timings["pages"]

    cpu = time.thread_time()
    register = xlsx_write(post_register_rows(warnings, principal, date(2026, 11, 6)), sheet_name="Список")
    register_cpu = time.thread_time() - cpu

    letters_rate, epd_rate = letter_pages / letters_cpu, epd_pages / epd_cpu
    bench(f"warning letters: {LETTERS} letters, {letter_pages} pages in one PDF, {letters_rate:,.0f} pages/s per "
          f"core (render CPU; target ≥ {TARGET_PAGES_PER_S}: {'PASS' if letters_rate >= TARGET_PAGES_PER_S else 'MISS'}"
          f"), {letter_pages / letters_wall:,.0f} pages/s wall, {len(pdf) / letter_pages / 1024:.1f} KiB per page")
    bench(f"epd print batch (baseline, same run): {LETTERS} documents, {epd_pages} pages, {epd_rate:,.0f} pages/s "
          f"per core, {len(epd) / epd_pages / 1024:.1f} KiB per page; letters : epd = {letters_rate / epd_rate:.2f}")
    bench(f"post office register (XLSX): {LETTERS} rows in {register_cpu * 1000:.0f} ms CPU, "
          f"{len(register) / 1024:.0f} KiB")

    # one page per letter, and the pages are the letters' in order
    assert firsts == list(range(1, LETTERS + 1)) and letter_pages == LETTERS
    document = pdfium.PdfDocument(pdf)
    assert len(document) == LETTERS
    last = " ".join(document[LETTERS - 1].get_textpage().get_text_range().split())
    assert warnings[-1].account.number in last and "20 дней" in last
