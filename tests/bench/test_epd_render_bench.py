"""ЕПД PDF rendering: BENCH_EPD_DOCS realistic documents (default 2,000) in one process.

Prints pages per second per core against the target (≥ 300) and the per-page breakdown in ms:
layout (drawing without QR), QR (encode + path), compression/serialization (canvas save) and
storage (writing the bytes to a file in a local temp dir, as the embedded default stores a PDF;
S3 upload is benchmarked elsewhere). Render stages are CPU time of the rendering thread
(``time.thread_time``), so other load on a shared machine inflates them less than wall time;
wall figures are printed too. Also compares page compression on/off (size vs time), a fixed QR
mask (the default) against the mask chosen by penalty, and the print-house batch (one PDF per house).
Asserts correctness of a sample (every QR decodes to its payee and sum), not speed.

    python -m pytest -m bench -s tests/bench/test_epd_render_bench.py
"""

import importlib.util
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from agency.documents.render import QR_DATA_MASK_DEFAULT, _qr_path, render_batch, render_epd
from billing_core.epd_qr import document_qr_payloads, parse_payload
from tests.bench._util import bench
from tests.documents.factories import sample_content

pytestmark = [pytest.mark.bench]

DOCS = int(os.environ.get("BENCH_EPD_DOCS", "2000"))
SIDE_DOCS = min(DOCS, 300)  # for the variants (compression off, fixed mask)
HOUSE = 100  # documents per print-house PDF
TARGET_PAGES_PER_S = 300


def _run(contents, **options) -> dict:
    timings: dict = {}
    sizes = 0
    storage = 0.0
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="epd-bench-") as folder:
        for n, content in enumerate(contents):
            pdf = render_epd(content, timings=timings, **options)
            started = time.perf_counter()
            Path(folder, f"{n}.pdf").write_bytes(pdf)
            storage += time.perf_counter() - started
            sizes += len(pdf)
    timings.update(wall=time.perf_counter() - wall_start, cpu=time.process_time() - cpu_start, storage=storage,
                   bytes=sizes)
    return timings


def _line(label: str, t: dict) -> None:
    pages = t["pages"]
    render_cpu = t["draw"] + t["save"]

    def per(seconds: float) -> float:
        return seconds / pages * 1000

    bench(f"epd render {label}: {t['docs_n']} docs, {pages} pages, "
          f"{pages / render_cpu:,.0f} pages/s per core (render CPU; target ≥ {TARGET_PAGES_PER_S}: "
          f"{'PASS' if pages / render_cpu >= TARGET_PAGES_PER_S else 'MISS'}), "
          f"{pages / t['wall']:,.0f} pages/s wall incl. storage; per page ms: layout {per(t['draw'] - t['qr']):.2f}, "
          f"QR {per(t['qr']):.2f} ({t['qr_codes'] / pages:.1f} codes), compression+serialization "
          f"{per(t['save']):.2f}, storage {per(t['storage']):.2f}; {t['bytes'] / pages / 1024:.1f} KiB per page")


def test_epd_render_throughput():
    contents = [sample_content(n) for n in range(DOCS)]
    render_epd(contents[0])  # fonts registered, subset objects cached: a process renders many documents
    render_epd(contents[0], compress_pages=False)

    main = _run(contents)
    main["docs_n"] = DOCS
    _line(f"one PDF per document, compressed, QR mask {QR_DATA_MASK_DEFAULT} (default)", main)

    side = contents[:SIDE_DOCS]
    plain = _run(side, compress_pages=False)
    plain["docs_n"] = SIDE_DOCS
    _line("one PDF per document, uncompressed", plain)
    compressed = _run(side)
    compressed["docs_n"] = SIDE_DOCS
    _line("one PDF per document, compressed (same docs as above)", compressed)
    chosen = _run(side, qr_data_mask=None)
    chosen["docs_n"] = SIDE_DOCS
    _line("one PDF per document, compressed, QR mask chosen by penalty (baseline)", chosen)

    timings: dict = {}
    houses = [contents[i:i + HOUSE] for i in range(0, len(contents), HOUSE)]
    started = time.perf_counter()
    batch_bytes = sum(len(render_batch(house, timings=timings)) for house in houses)
    timings.update(wall=time.perf_counter() - started, storage=0.0, bytes=batch_bytes, docs_n=DOCS)
    _line(f"print-house batches of {HOUSE} documents per PDF (storage not timed)", timings)

    # the QR encoder on its own
    payloads = [payload for content in contents[:200] for _label, payload in document_qr_payloads(content)]
    for mask in (None, 2):
        options = {"ec_level": "M"} if mask is None else {"ec_level": "M", "data_mask": mask}
        started = time.thread_time()
        for payload in payloads:
            zxingcpp.create_barcode(payload.encode(), zxingcpp.BarcodeFormat.QRCode, **options)
        encode = (time.thread_time() - started) / len(payloads) * 1000
        started = time.thread_time()
        for payload in payloads:
            _qr_path(payload, mask)
        total = (time.thread_time() - started) / len(payloads) * 1000
        bench(f"epd qr zxing-cpp (C++), mask {'by penalty (standard)' if mask is None else mask}: "
              f"{encode:.3f} ms encode, {total - encode:.3f} ms to the image mask, per code "
              f"(~{sum(map(len, payloads)) / len(payloads):.0f}-char payloads)")
    pure = [name for name in ("qrcode", "segno") if importlib.util.find_spec(name)]
    bench("epd qr pure-Python encoders installed: " + (", ".join(pure) if pure else
                                                      "none (qrcode/segno absent): no baseline measured here"))

    # correctness of a sample, read back from the rendered pages
    for content in contents[:: max(1, DOCS // 5)][:5]:
        page = pdfium.PdfDocument(render_epd(content))[0]
        image = page.render(scale=250 / 72, grayscale=True).to_pil()
        found = {parse_payload(b.bytes.decode())["PersAcc"]: parse_payload(b.bytes.decode())["Sum"]
                 for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
        expected = {p["account_number"]: str(int(Decimal(p["amount_due"]) * 100)) for p in content["payees"]
                    if p["qr_mode"] == "per_payee" and Decimal(p["amount_due"]) > 0}
        agent_due = sum(Decimal(p["amount_due"]) for p in content["payees"] if p["qr_mode"] == "agent_account")
        if agent_due > 0:
            expected[content["els"]] = str(int(agent_due * 100))
        assert found == expected
