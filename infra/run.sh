#!/usr/bin/env bash
# Quick start: set up and run the product on embedded defaults (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
source infra/venv.sh
# devstack's run builds the web front end (portal_frontend/, npm) when it is stale before starting the server.
exec .venv/bin/python infra/devstack.py run "$@"
