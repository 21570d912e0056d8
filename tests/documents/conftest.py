"""Storage fixtures: a real S3-compatible server on loopback (moto's server mode), and local disk.

boto3 talks to the server over HTTP exactly as it would to S3. moto (5.2) does not check presigned
URLs at all: it serves them after they expire and with a tampered query. S3 refuses both, and
those refusals are what a short-lived link is for, so the server here checks them the way S3 does
(SigV4 query authentication: ``X-Amz-Date`` + ``X-Amz-Expires``, then the signature over the
method, path, query and host) before handing the request to moto.
"""

import hmac
import io
import logging
import os
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from django.test import override_settings

ACCESS_KEY = "AKIATESTSTORAGE00001"
SECRET_KEY = "test-secret-for-the-loopback-s3-server"
REGION = "us-east-1"
BUCKET = "epd-test"
_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_DEFAULT_REGION": REGION,
    # never a developer's own profile or credentials
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_AWS_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


class PresignedUrlCheck:
    """WSGI middleware: refuse an expired or tampered presigned URL with S3's 403 AccessDenied."""

    def __init__(self, app, secret_key: str):
        self.app = app
        self.secret_key = secret_key

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if "X-Amz-Signature=" in query:
            refusal = self.refusal(environ, query)
            if refusal:
                body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                        f"<Message>{refusal}</Message></Error>").encode()
                start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                                 ("Content-Length", str(len(body)))])
                return [body]
        return self.app(environ, start_response)

    def refusal(self, environ, query: str) -> str | None:
        from botocore.auth import S3SigV4QueryAuth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        params = dict(parse_qsl(query, keep_blank_values=True))
        try:
            signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            lifetime = int(params["X-Amz-Expires"])
            access_key, _date, region, _service, _term = params["X-Amz-Credential"].split("/")
        except (KeyError, ValueError):
            return "Query-string authentication requires X-Amz-Date, X-Amz-Expires and X-Amz-Credential"
        if datetime.now(UTC) > signed_at + timedelta(seconds=lifetime):
            return "Request has expired"
        unsigned = "&".join(p for p in query.split("&") if not p.startswith("X-Amz-Signature="))
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]).split("?")[0]
        host = environ["HTTP_HOST"]
        request = AWSRequest(method=environ["REQUEST_METHOD"], url=f"http://{host}{raw_path}?{unsigned}",
                             headers={"host": host})
        request.context["timestamp"] = params["X-Amz-Date"]
        auth = S3SigV4QueryAuth(Credentials(access_key, self.secret_key), "s3", region)
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        if access_key != ACCESS_KEY or not hmac.compare_digest(expected, params.get("X-Amz-Signature", "")):
            return "The request signature we calculated does not match the signature you provided"
        return None


def _moto_server_class():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class CheckingMotoServer(ThreadedMotoServer):
        """ThreadedMotoServer with :class:`PresignedUrlCheck` in front of moto's WSGI app."""

        def _server_entry(self) -> None:
            app = PresignedUrlCheck(DomainDispatcherApplication(create_backend_app), SECRET_KEY)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return CheckingMotoServer


@pytest.fixture(scope="session")
def s3_server():
    """A loopback S3 server for the session, with boto3's environment pointed at its dummy account."""
    saved = {name: os.environ.get(name) for name in (*_AWS_ENV, *_AWS_UNSET)}
    os.environ.update(_AWS_ENV)
    for name in _AWS_UNSET:
        os.environ.pop(name, None)
    # one log line per request otherwise, in the same process as the tests
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    server = _moto_server_class()(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    import boto3

    boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()
        werkzeug_log.setLevel(werkzeug_level)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3(s3_server):
    """Settings for S3 mode against the loopback server; yields a raw boto3 client to check with."""
    import boto3

    with override_settings(S3_BUCKET=BUCKET, S3_ENDPOINT_URL=s3_server, S3_REGION=REGION, S3_ADDRESSING_STYLE="path"):
        yield boto3.session.Session().client("s3", endpoint_url=s3_server, region_name=REGION)


@pytest.fixture
def local_storage(tmp_path):
    """Settings for the embedded default: no bucket, files under a fresh MEDIA_ROOT."""
    media = tmp_path / "media"
    media.mkdir()
    with override_settings(S3_BUCKET="", S3_ENDPOINT_URL="", MEDIA_ROOT=media):
        yield media


def pdf_bytes(text: str = "EPD") -> bytes:
    """A small real PDF (reportlab) with a unique marker, so two of them never compare equal by chance."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, f"{text} {uuid.uuid4()}")
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.fixture
def make_pdf():
    return pdf_bytes
