#!/usr/bin/env bash
# Set up and run every test: lint, the suite against a real PostgreSQL and a real Celery worker.
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/venv.sh
exec .venv/bin/python infra/devstack.py test "$@"
