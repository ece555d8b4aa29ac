#!/usr/bin/env bash
# Sets up a virtual environment and runs the main job: a GammaBOSampler study stored in SQLite.
# This is the README's first command.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dashboard,bench]'
.venv/bin/python examples/quickstart.py "$@"
