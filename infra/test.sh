#!/usr/bin/env bash
# Set up and run every test: lint, the suite against a real PostgreSQL and a real Celery worker.
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/venv.sh
# OCR for the test that reads a rendered ЕПД page back as an image (Debian's tesseract, Russian data).
if ! tesseract --list-langs 2>/dev/null | grep -qx rus; then
  apt-get install -y -q tesseract-ocr tesseract-ocr-rus >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q tesseract-ocr tesseract-ocr-rus >/dev/null; }
fi
# The browser tests (tests/e2e) drive Debian's Chromium through Playwright; nothing downloads a browser.
if [ ! -x /usr/bin/chromium ]; then
  apt-get install -y -q chromium >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
# libfaketime: a browser test runs the 07:00 payout build of a working day that is still ahead, in a
# process whose clock it moves to that morning.
if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then
  apt-get install -y -q faketime >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q faketime >/dev/null; }
fi
# devstack's test builds the web front end (npm ci when needed, npm run build) when it is stale, then lint and pytest.
exec .venv/bin/python infra/devstack.py test "$@"
