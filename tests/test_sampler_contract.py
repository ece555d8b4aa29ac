"""Optuna's sampler contract suite (optuna.testing.pytest_samplers) run on GammaBOSampler."""

from __future__ import annotations

from collections.abc import Callable

from optuna.samplers import BaseSampler
from optuna.testing.pytest_samplers import BasicSamplerTestCase
from optuna.testing.pytest_samplers import MultiObjectiveSamplerTestCase
from optuna.testing.pytest_samplers import RelativeSamplerTestCase
import pytest

from optuna_gamma import GammaBOSampler


class TestGammaBOSampler(
    BasicSamplerTestCase, RelativeSamplerTestCase, MultiObjectiveSamplerTestCase
):
    @pytest.fixture
    def sampler(self) -> Callable[[], BaseSampler]:
        return lambda: GammaBOSampler(n_startup_trials=1, seed=42)


class TestGammaBOSamplerGaussian(RelativeSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], BaseSampler]:
        return lambda: GammaBOSampler(n_startup_trials=1, seed=42, predictive="gaussian")
