"""Sphinx configuration of the API reference (built by scripts/check_package.sh with -W)."""

from __future__ import annotations

import optuna_gamma

project = "optuna-gamma"
author = "The optuna-gamma developers"
copyright = "2026, The optuna-gamma developers"  # noqa: A001 - Sphinx's name
release = optuna_gamma.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.intersphinx"]
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
# Names in signatures from libraries whose inventories are not fetched (no network in CI).
nitpicky = False
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
html_theme = "alabaster"
exclude_patterns = ["_build"]
