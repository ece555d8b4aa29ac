#!/usr/bin/env bash
# Sets up a virtual environment and runs every check: lint, format, types, packaging and docs,
# and the test suite.
# This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
bash scripts/check_package.sh   # sdist + wheel, twine check, clean-venv install, API reference
.venv/bin/python -m pytest -q "$@"
