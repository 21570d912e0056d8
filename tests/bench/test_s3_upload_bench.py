"""Upload throughput to S3-compatible storage: documents.storage.put, sequential vs 4/8/16 threads.

N objects (BENCH_S3_OBJECTS, default 2,000) of ~60 KB (a one-page ЕПД PDF's size) go to moto's S3
server, run as its own process on loopback so it does not share the client's interpreter lock.
moto is a Python server (werkzeug, one thread per request, objects kept in memory): on a 2-core
machine it is the bottleneck, so the figures bound what the client can do against it, not against
a real S3 or MinIO. Every level checks that all N objects landed, then deletes them.
"""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings

from agency.documents import storage
from tests.bench._util import bench

pytestmark = pytest.mark.bench

OBJECTS = int(os.environ.get("BENCH_S3_OBJECTS", "2000"))
SIZE = 60 * 1024
LEVELS = (1, 4, 8, 16)
BUCKET = "epd-bench"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIABENCH0000000001", "AWS_SECRET_ACCESS_KEY": "bench-secret",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    saved = {name: os.environ.get(name) for name in AWS_ENV}
    os.environ.update(AWS_ENV)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the moto S3 server did not start")
                time.sleep(0.2)
        with override_settings(S3_BUCKET=BUCKET, S3_ENDPOINT_URL=endpoint, S3_REGION="us-east-1",
                               S3_ADDRESSING_STYLE="path", S3_MAX_POOL_CONNECTIONS=32):
            storage.s3_client().create_bucket(Bucket=BUCKET)
            yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def objects_under(prefix: str) -> list[str]:
    keys = []
    for page in storage.s3_client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def delete_all(keys: list[str]) -> None:
    client = storage.s3_client()
    for start in range(0, len(keys), 1000):
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]]})


def test_s3_upload_throughput(s3_endpoint):
    body = b"%PDF-1.4\n" + os.urandom(SIZE - 9)
    for _ in range(20):  # warm the pool and the server
        storage.put(storage.new_key("warmup"), body, "application/pdf")
    delete_all(objects_under("warmup/"))

    bench(f"s3 upload: {OBJECTS} objects x {SIZE // 1024} KB to moto (Python, separate process) on loopback, "
          f"pool {storage.s3_client().meta.config.max_pool_connections}")
    rates = {}
    for threads in LEVELS:
        kind = f"bench{threads}"
        keys = [storage.new_key(kind) for _ in range(OBJECTS)]

        def upload(key):
            storage.put(key, body, "application/pdf")

        start = time.perf_counter()
        if threads == 1:
            for key in keys:
                upload(key)
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(upload, keys))
        elapsed = time.perf_counter() - start

        stored = objects_under(f"{kind}/")
        assert sorted(stored) == sorted(keys)
        assert storage.get(keys[-1]) == body
        delete_all(stored)

        rates[threads] = OBJECTS / elapsed
        bench(
            f"s3 upload threads={threads:>2}: {elapsed:6.2f} s, {rates[threads]:7.1f} objects/s, "
            f"{rates[threads] * SIZE / 1e6:6.2f} MB/s, x{rates[threads] / rates[1]:.2f} vs sequential"
        )
