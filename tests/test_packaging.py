"""The package as users install it: one version, type information, the OptunaHub package.

The wheel and sdist themselves are built, checked and installed into a clean environment by
``scripts/check_package.sh`` (part of the test command).
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
import runpy

import optuna
import pytest

import optuna_gamma
from optuna_gamma import GammaBOSampler

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"


def test_one_version_everywhere() -> None:
    assert importlib.metadata.version("optuna-gamma") == optuna_gamma.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text()
    released = optuna_gamma.__version__.split(".dev")[0]
    assert f"## {released}" in changelog


def test_package_declares_type_information() -> None:
    assert (Path(optuna_gamma.__file__).parent / "py.typed").is_file()


def test_hub_package_has_the_registry_layout() -> None:
    package = HUB / "samplers" / "gamma_bo"
    for name in ("__init__.py", "README.md", "LICENSE", "requirements.txt", "example.py"):
        assert (package / name).is_file(), name
    readme = (package / "README.md").read_text()
    header = readme.split("---")[1]
    for field in ("author:", "title:", "description:", "tags:", "optuna_versions:", "license:"):
        assert field in header, field
    assert "sampler" in header.split("tags:")[1].splitlines()[0]  # required for samplers/


def test_hub_package_loads_with_optunahub_and_optimises() -> None:
    optunahub = pytest.importorskip("optunahub")
    module = optunahub.load_local_module("samplers/gamma_bo", registry_root=str(HUB))
    assert module.GammaBOSampler is GammaBOSampler
    assert module.best_predicted_trial is optuna_gamma.best_predicted_trial
    study = optuna.create_study(sampler=module.GammaBOSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=12)
    assert study.best_value < 0.01


def test_hub_example_runs() -> None:
    pytest.importorskip("optunahub")
    example = runpy.run_path(str(HUB / "samplers" / "gamma_bo" / "example.py"))
    study = example["main"](n_trials=12)
    assert len(study.trials) == 12 and study.best_value < 1.0
