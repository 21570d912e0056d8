#!/usr/bin/env bash
# Quick start: set up and run the product on embedded defaults (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/venv.sh
exec .venv/bin/python infra/devstack.py run "$@"
