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
exec .venv/bin/python infra/devstack.py test "$@"
