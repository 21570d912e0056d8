"""The run command and the browser tests' live stack start the same web server: gunicorn with the image's options,
workers per core (infra/devstack.py web_command)."""

import inspect

from tests.e2e import stack as e2e


def test_web_command_is_gunicorn_with_the_images_options(monkeypatch):
    ds = e2e.devstack()
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    command = ds.web_command(8123)
    assert command[:4] == [ds.PY, "-m", "gunicorn", "agency.site.wsgi:application"]
    options = dict(zip(command[4::2], command[5::2], strict=False))
    assert options["--bind"] == "0.0.0.0:8123"
    assert options["--workers"] == "5"
    assert options["--timeout"] == "60" and options["--graceful-timeout"] == "30"
    assert "runserver" not in command
    assert ds.web_command(8123, host="127.0.0.1")[command.index("--bind") + 1] == "127.0.0.1:8123"


def test_workers_default_to_one_per_core_and_at_least_two(monkeypatch):
    ds = e2e.devstack()
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(ds.os, "sched_getaffinity", lambda pid: set(range(6)))
    assert ds.web_workers() == 6
    monkeypatch.setattr(ds.os, "sched_getaffinity", lambda pid: {0})
    assert ds.web_workers() == 2


def test_the_run_command_and_the_live_stack_start_web_and_beat_alike():
    ds = e2e.devstack()
    run, live = inspect.getsource(ds.run), inspect.getsource(e2e.stack_start)
    for source in (run, live):
        assert "web_command(port" in source
        assert 'celery_command("beat"' in source
        assert "runserver" not in source
