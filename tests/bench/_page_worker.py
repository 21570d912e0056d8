"""The server side of the accounts-page benchmark, importable before Django is set up.

A worker process started with ``spawn`` unpickles ``worker_main`` by importing this module in a fresh
interpreter, before ``django.setup()``: so nothing here may import models at module level.
"""

import os
import socket
import threading
import time

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application
from django.db import connections


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class CountingApp:
    """The Django WSGI app, recording per request: SQL statements, their time, the whole request's time."""

    def __init__(self, app, sink=None):
        self.app = app
        self.sink = sink  # a worker process hands each record to the benchmark's process
        self.lock = threading.Lock()
        self.records: list[dict] = []
        self.keep_sql = False

    def __call__(self, environ, start_response):
        sqls: list[str] = []
        db = [0.0]

        def wrapper(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                db[0] += time.perf_counter() - start
                sqls.append(sql)

        start = time.perf_counter()
        with connections["default"].execute_wrapper(wrapper):
            result = self.app(environ, start_response)
        # a request on a server thread's first use of its connection also sets the search path: counted apart
        # and the API key's last_used_at is written at most once a minute (identity.access._touch_api_key)
        sets = sum(sql.lstrip().upper().startswith("SET ") for sql in sqls)
        touches = sum(sql.lstrip().startswith('UPDATE "identity_apikey"') for sql in sqls)
        record = {"queries": len(sqls) - sets - touches, "sets": sets, "touches": touches,
                  "db": db[0], "app": time.perf_counter() - start,
                  "sql": sqls if self.keep_sql else None}
        if self.sink is not None:
            self.sink(record)
            return result
        with self.lock:
            self.records.append(record)
        return result

    def take(self) -> list[dict]:
        with self.lock:
            taken, self.records = self.records, []
        return taken



def worker_main(listener: socket.socket, db_name: str, records) -> None:
    """A worker process: Django on the test database, a threaded WSGI server on the shared socket."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency.site.settings")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = db_name  # before the first connection is made
    import django

    django.setup()
    settings.DEBUG = False  # as pytest-django runs the in-process server: no query log kept per request
    app = CountingApp(get_internal_wsgi_application(), sink=records.put)
    httpd = ThreadedWSGIServer(listener.getsockname(), QuietHandler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = listener
    httpd.server_address = listener.getsockname()
    httpd.server_name, httpd.server_port = "127.0.0.1", httpd.server_address[1]
    httpd.setup_environ()
    httpd.set_app(app)
    records.put({"ready": os.getpid()})
    httpd.serve_forever(poll_interval=0.05)
