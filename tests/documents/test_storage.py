"""agency.documents.storage: S3 through boto3 against a loopback S3 server, and the local-disk default."""

import base64
import re
import time
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import pytest
from django.core import signing
from django.test import Client, override_settings

from agency.documents import storage

FILENAME = "ЕПД_7600000001_10.2026.pdf"


def fetch(url: str) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    # encoded the way botocore encodes (only -_.~ left bare), so an unchanged query still verifies
    encoded = urlencode(query, quote_via=lambda value, *_: quote(value, safe="-_.~"))
    return urlunsplit(parts._replace(query=encoded))


def filename_star(disposition: str) -> str:
    match = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    assert match, disposition
    return unquote(match.group(1))


# --- keys ------------------------------------------------------------------------------------


def test_keys_are_random_dated_and_carry_nothing_of_the_household():
    keys = [storage.new_key("epd") for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    randoms = []
    for key in keys:
        match = re.fullmatch(r"epd/(\d{4})/(\d{2})/([A-Za-z0-9_-]{32})\.pdf", key)
        assert match, key
        randoms.append(match.group(3))
        # 32 URL-safe characters are 24 random bytes: 192 bits
        assert len(base64.urlsafe_b64decode(match.group(3))) == 24
    # every position draws from the whole URL-safe alphabet, not from a narrow or fixed set
    for position in (0, 15, 31):
        assert len({r[position] for r in randoms}) >= 60
    # the only input is the kind: no account, ЕЛС or principal can reach a key
    assert list(storage.new_key.__code__.co_varnames[: storage.new_key.__code__.co_argcount]) == ["kind"]


@pytest.mark.parametrize("kind", ["", "../epd", "EPD", "epd/2026", "a" * 40])
def test_new_key_refuses_a_kind_that_is_not_a_slug(kind):
    with pytest.raises(storage.StorageKeyError):
        storage.new_key(kind)


# --- S3 through boto3 ------------------------------------------------------------------------


def test_s3_put_get_round_trip_private_with_content_type(s3, make_pdf):
    key, data = storage.new_key("epd"), make_pdf()
    storage.put(key, data, "application/pdf")

    assert storage.get(key) == data
    # what the server holds, read with a separate client
    stored = s3.get_object(Bucket="epd-test", Key=key)
    assert stored["Body"].read() == data
    assert stored["ContentType"] == "application/pdf"
    grants = s3.get_object_acl(Bucket="epd-test", Key=key)["Grants"]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants), grants  # no AllUsers / AuthenticatedUsers
    # and a plain unsigned GET is refused
    endpoint = s3.meta.endpoint_url
    status, _headers, _body = fetch(f"{endpoint}/epd-test/{key}")
    assert status == 403


def test_s3_get_of_a_missing_key_raises(s3):
    with pytest.raises(storage.ObjectMissing):
        storage.get(storage.new_key("epd"))


def test_presigned_link_downloads_the_bytes_as_a_named_pdf(s3, make_pdf):
    key, data = storage.new_key("epd"), make_pdf()
    storage.put(key, data, "application/pdf")

    url = storage.download_url(key, FILENAME, seconds=120)

    assert url.startswith(s3.meta.endpoint_url + "/")
    assert dict(parse_qsl(urlsplit(url).query))["X-Amz-Expires"] == "120"
    status, headers, body = fetch(url)
    assert status == 200
    assert body == data
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert filename_star(headers["Content-Disposition"]) == FILENAME
    assert 'filename="EPD_7600000001_10.2026.pdf"' in headers["Content-Disposition"]


def test_presigned_link_is_refused_after_it_expires(s3, make_pdf):
    key, data = storage.new_key("epd"), make_pdf()
    storage.put(key, data, "application/pdf")
    short = storage.download_url(key, FILENAME, seconds=1)
    long = storage.download_url(key, FILENAME, seconds=120)

    time.sleep(2.2)

    status, _headers, body = fetch(short)
    assert status == 403 and b"expired" in body
    assert fetch(long)[2] == data  # the same object through a live link still downloads


def test_tampered_presigned_link_is_refused(s3, make_pdf):
    key, other_key, data = storage.new_key("epd"), storage.new_key("epd"), make_pdf()
    storage.put(key, data, "application/pdf")
    storage.put(other_key, make_pdf(), "application/pdf")
    url = storage.download_url(key, FILENAME, seconds=60)
    assert fetch(url)[2] == data
    assert fetch(with_query(url))[2] == data  # re-encoding alone does not break it: the refusals below are real

    longer = with_query(url, **{"X-Amz-Expires": "604800"})
    renamed = with_query(url, **{"response-content-disposition": 'attachment; filename="x.html"'})
    parts = urlsplit(url)
    other_object = urlunsplit(parts._replace(path=parts.path.replace(key, other_key)))
    for forged in (longer, renamed, other_object):
        status, _headers, body = fetch(forged)
        assert status == 403, forged
        assert body != data


def test_download_url_refuses_bad_lifetimes_and_names(s3):
    key = storage.new_key("epd")
    for seconds in (0, -5, 8 * 24 * 3600):
        with pytest.raises(ValueError, match="lifetime"):
            storage.download_url(key, FILENAME, seconds=seconds)
    for name in ("", "a/b.pdf", 'a".pdf', "a\r\nX: y.pdf"):
        with pytest.raises(storage.StorageKeyError):
            storage.download_url(key, name)


def test_s3_mode_has_no_local_download_view(s3, tenants):
    response = Client(HTTP_HOST=tenants.public_host).get("/files/anything")
    assert response.status_code == 404


# --- local disk (the embedded default) -------------------------------------------------------


def download(url: str, host: str):
    response = Client(HTTP_HOST=host).get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_local_round_trip_and_signed_link(local_storage, tenants, make_pdf):
    key, data = storage.new_key("epd"), make_pdf()
    storage.put(key, data, "application/pdf")

    assert (local_storage / key).read_bytes() == data
    assert storage.get(key) == data
    url = storage.download_url(key, FILENAME, seconds=60)
    assert url.startswith("/files/")
    assert key not in url and key.rsplit("/", 1)[1].removesuffix(".pdf") not in url
    response, body = download(url, tenants.public_host)
    assert response.status_code == 200
    assert body == data
    assert response["Content-Type"] == "application/pdf"
    assert filename_star(response["Content-Disposition"]) == FILENAME
    assert response["Cache-Control"] == "private, no-store"


def test_local_get_of_a_missing_key_raises(local_storage):
    with pytest.raises(storage.ObjectMissing):
        storage.get(storage.new_key("epd"))


def test_local_link_is_refused_after_it_expires(local_storage, tenants, make_pdf):
    key = storage.new_key("epd")
    storage.put(key, make_pdf(), "application/pdf")
    short = storage.download_url(key, FILENAME, seconds=1)

    time.sleep(2.2)

    response, body = download(short, tenants.public_host)
    assert response.status_code == 403
    assert "истёк" in body.decode()


def test_local_link_is_opaque(local_storage, make_pdf):
    """The token shows nothing of the storage key or the file name, in any decoding, and two links to the same file
    differ (a fresh nonce each)."""
    key = storage.new_key("epd")
    storage.put(key, make_pdf(), "application/pdf")
    first = storage.download_url(key, FILENAME, seconds=60).removeprefix("/files/")
    second = storage.download_url(key, FILENAME, seconds=60).removeprefix("/files/")
    assert first != second
    raw = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    for needle in (key, key.rsplit("/", 1)[-1], "epd", FILENAME):
        assert needle not in first
        assert needle.encode() not in raw
        assert base64.b64encode(needle.encode()).decode()[:8] not in first
    assert storage.local_link_open(first)[0] == storage.local_link_open(second)[0]


def test_tampered_local_link_is_refused(local_storage, tenants, make_pdf):
    mine, theirs = storage.new_key("epd"), storage.new_key("epd")
    storage.put(mine, make_pdf(), "application/pdf")
    storage.put(theirs, make_pdf(), "application/pdf")
    token = storage.download_url(mine, FILENAME, seconds=60).removeprefix("/files/")
    other_token = storage.download_url(theirs, FILENAME, seconds=60).removeprefix("/files/")

    flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    # their nonce with my ciphertext, and the other way round
    spliced = other_token[:16] + token[16:]
    # a token for the same key sealed under another secret (another installation)
    with override_settings(SECRET_KEY="another-installation-" + "x" * 40):
        other_install = storage.download_url(mine, FILENAME, seconds=60).removeprefix("/files/")
    # the old readable format: a signed JSON payload naming the key
    old_format = signing.TimestampSigner(salt=storage.LINK_SALT).sign_object({"k": mine, "f": FILENAME, "s": 60})
    unsigned_key = mine.replace("/", "%2F")
    for forged in (flipped, spliced, other_install, old_format, "AAAA", "%00"):
        response, _body = download(f"/files/{forged}", tenants.public_host)
        assert response.status_code == 403, forged
    assert download(f"/files/{unsigned_key}", tenants.public_host)[0].status_code in (403, 404)


def test_local_mode_refuses_path_traversal(local_storage, tenants, tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"not for download")
    for key in ("../secret.pdf", "/etc/passwd", "epd/../../secret.pdf", "epd/./x.pdf", "epd//x.pdf", "epd\\x.pdf"):
        with pytest.raises(storage.StorageKeyError):
            storage.put(key, b"x", "application/pdf")
        with pytest.raises(storage.StorageKeyError):
            storage.get(key)
        with pytest.raises(storage.StorageKeyError):
            storage.download_url(key, FILENAME)
    assert secret.read_bytes() == b"not for download"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "secret.pdf"]

    # a symlink planted inside MEDIA_ROOT does not lead out of it
    (local_storage / "epd").mkdir()
    (local_storage / "epd" / "link.pdf").symlink_to(secret)
    with pytest.raises(storage.StorageKeyError):
        storage.get("epd/link.pdf")

    # even a correctly sealed token naming a path outside is not served (defence behind key_check)
    forged = storage._seal({"k": "../secret.pdf", "f": FILENAME, "e": int(time.time()) + 60})
    response, body = download(f"/files/{forged}", tenants.public_host)
    assert response.status_code == 403
    assert b"not for download" not in body
    linked = storage._seal({"k": "epd/link.pdf", "f": FILENAME, "e": int(time.time()) + 60})
    response, body = download(f"/files/{linked}", tenants.public_host)
    assert response.status_code == 403
    assert b"not for download" not in body
