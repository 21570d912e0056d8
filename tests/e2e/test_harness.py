"""The browser-test harness itself: the live stack's neighbours (database, broker), the front-end staleness rule,
and what a page reports when a test fails."""

import os
import time

import pytest

from tests.e2e import stack as e2e


@pytest.mark.parametrize(("url", "expected"), [
    ("redis://127.0.0.1:6379/4", "redis://127.0.0.1:6379/5"),
    ("redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/0"),
    ("redis://:secret@redis:6379", "redis://:secret@redis:6379/1"),
    ("amqp://guest:guest@rabbit:5672//", "amqp://guest:guest@rabbit:5672/e2e"),
    ("amqp://guest:guest@rabbit:5672/zhkh", "amqp://guest:guest@rabbit:5672/zhkh_e2e"),
    ("filesystem://", "filesystem://"),
])
def test_the_stack_worker_gets_a_broker_next_to_the_test_workers(url, expected):
    assert e2e.neighbour_broker_url(url) == expected


def test_the_stack_database_is_named_after_the_runs_database():
    url = "postgres://postgres@%2Ftmp%2Fpg/zhkh?sslmode=disable"

    e2e_url = e2e.with_database(url, e2e.database_name(url) + "_e2e")

    assert e2e_url == "postgres://postgres@%2Ftmp%2Fpg/zhkh_e2e?sslmode=disable"
    assert e2e.database_name(e2e_url) == "zhkh_e2e"


def _age(path, seconds_ago: float) -> None:
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def test_the_front_end_is_stale_until_built_and_again_after_a_source_or_the_schema_changes(tmp_path, monkeypatch):
    ds = e2e.devstack()
    frontend = tmp_path / "portal_frontend"
    (frontend / "src" / "gql").mkdir(parents=True)
    (frontend / "package.json").write_text("{}")
    (frontend / "src" / "main.tsx").write_text("")
    schema = tmp_path / "graphql_api" / "schema.graphql"
    schema.parent.mkdir()
    schema.write_text("type Query { a: Int }")
    monkeypatch.setattr(ds, "ROOT", tmp_path)
    for path in (frontend / "package.json", frontend / "src" / "main.tsx", schema):
        _age(path, 60)
    assert ds.frontend_stale(frontend)  # never built

    (frontend / "dist").mkdir()
    (frontend / "dist" / "index.html").write_text("<html></html>")
    (frontend / "src" / "gql" / "graphql.ts").write_text("")  # written by the build itself
    assert not ds.frontend_stale(frontend)

    (frontend / "src" / "main.tsx").write_text("export {}")
    assert ds.frontend_stale(frontend)
    _age(frontend / "src" / "main.tsx", 60)
    assert not ds.frontend_stale(frontend)

    schema.write_text("type Query { a: Int b: Int }")
    assert ds.frontend_stale(frontend)


def test_npm_ci_runs_only_when_node_modules_predates_the_lock(tmp_path):
    ds = e2e.devstack()
    modules, lock = tmp_path / "node_modules", tmp_path / "package-lock.json"
    modules.mkdir()
    lock.write_text("{}")
    (modules / ".package-lock.json").write_text("{}")
    _age(modules, 1)
    _age(modules / ".package-lock.json", 1)
    assert not ds._modules_older_than_lock(modules, lock)  # one install: the lock is written last

    _age(modules, 600)
    _age(modules / ".package-lock.json", 600)
    assert ds._modules_older_than_lock(modules, lock)  # the lock changed after the install


def test_a_page_records_console_errors_and_failed_requests(page, live):
    page.goto(live.public + "/")

    page.evaluate("console.error('проверка журнала')")
    status = page.evaluate("fetch('/files/not-a-token').then(r => r.status)")

    assert status == 403
    problems = page.watch.problems()
    assert any("проверка журнала" in line for line in problems)
    assert any(line.startswith("403 GET ") and line.endswith("/files/not-a-token") for line in problems)
    assert "проверка журнала" in page.watch.report()
