#!/usr/bin/env bash
# Packaging and documentation checks, run by scripts/test.sh (and so by CI):
#   1. build the sdist and the wheel (python -m build) and check them (twine check);
#   2. install the wheel into a fresh virtual environment with nothing else, import it and run
#      a short study there (from outside the repository, so the checkout cannot be imported);
#   3. build the API reference (docs/api) with Sphinx, warnings as errors.
# Usage: bash scripts/check_package.sh   (needs .venv with the dev extras: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$py" -m build --sdist --wheel --outdir "$work/dist" . > "$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
"$py" -m twine check --strict "$work"/dist/*
wheel=$(ls "$work"/dist/*.whl)
"$py" - "$work"/dist/*.tar.gz "$wheel" <<'PY'
import sys, tarfile, zipfile

sdist, wheel = sys.argv[1:]
assert any(n.endswith("optuna_gamma/py.typed") for n in tarfile.open(sdist).getnames()), sdist
assert "optuna_gamma/py.typed" in zipfile.ZipFile(wheel).namelist(), wheel
PY

python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$wheel"
(cd "$work" && "$work/venv/bin/python" - <<'PY'
import importlib.metadata
import sys

import optuna

import optuna_gamma
from optuna_gamma import GammaBOSampler

assert optuna_gamma.__file__.startswith(sys.prefix), optuna_gamma.__file__  # the wheel's copy
assert importlib.metadata.version("optuna-gamma") == optuna_gamma.__version__
assert "torch" not in sys.modules
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(sampler=GammaBOSampler(seed=0))
study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.3) ** 2, n_trials=10)
assert study.best_value < 0.05, study.best_value
print(f"wheel optuna-gamma {optuna_gamma.__version__}: installs, imports, optimises")
PY
)

"$py" -m sphinx -W --keep-going -q -b html docs/api "$work/api"
echo "API reference builds without warnings"
