# Sourced by run.sh and test.sh: a virtualenv in .venv with the locked dependencies.
# Reinstalls only when requirements.lock or pyproject.toml changed.
set -euo pipefail
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.deps-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  rm -f .venv/.deps-*
  touch "$stamp"
fi
