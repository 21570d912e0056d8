"""The back office lists registry imports newest first: two files uploaded one after the other (each refused for
its totals line, so no money moves) show the later one on top of the history, as the database orders them."""

import time

from playwright.sync_api import expect

from tests.e2e.test_office import db_rows, open_menu, registry_day, sber_registry, sign_in


def broken_registry(live, payer: str) -> bytes:
    """A one-line registry whose totals line does not add up: the import is recorded and refused."""
    text = sber_registry([("5550009999", payer, "1,00")], registry_day(live)).decode("cp1251")
    body, _sep, totals = text.rstrip("\r\n").rpartition("\r\n")
    count, _sum, *rest = totals.split(";")
    return (body + "\r\n" + ";".join([count, "999,99", *rest]) + "\r\n").encode("cp1251")


def wait_for_import(live, filename: str) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = db_rows(live, "SELECT id, status FROM payments_registryimport WHERE filename = %s", [filename])
        if rows:
            assert rows[0][1] == "rejected", rows
            return rows[0][0]
        time.sleep(0.3)
    raise AssertionError(f"{filename} was not recorded")


def test_the_latest_registry_import_is_on_top_of_the_history(page, live):
    sign_in(page, live.public)
    open_menu(page, "Реестры платежей")
    names = ["e2e_order_first.txt", "e2e_order_second.txt"]
    ids = []
    for n, name in enumerate(names):
        page.get_by_label("Файл реестра").set_input_files(
            files=[{"name": name, "mimeType": "text/plain", "buffer": broken_registry(live, f"ПЛАТЕЛЬЩИК {n}")}])
        page.get_by_role("button", name="Загрузить: Реестр банка").click()
        # the page has the server's answer before the next file is chosen
        expect(page.get_by_role("alert").filter(has_text=f"«{name}»: отклонён").first).to_be_visible(timeout=30_000)
        ids.append(wait_for_import(live, name))
    assert ids[1] > ids[0]

    page.reload()
    history = page.get_by_role("region", name="История загрузок")
    rows = history.get_by_role("row")
    expect(rows.nth(1)).to_contain_text(names[1])
    expect(rows.nth(2)).to_contain_text(names[0])
    # the whole first page is the database's newest imports, newest first
    newest = [name for (name,) in db_rows(live, "SELECT filename FROM payments_registryimport ORDER BY id DESC "
                                                "LIMIT 20")]
    for position, name in enumerate(newest, start=1):
        expect(rows.nth(position)).to_contain_text(name)
    page.shot("office-imports-newest-first")
    assert page.watch.problems() == []
