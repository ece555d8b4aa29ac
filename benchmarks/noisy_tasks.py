"""The noisy suite's tabulated tasks: every configuration evaluated under 20 recorded seeds.

A noisy evaluation returns one of the configuration's recorded values, drawn at random; its
*truth* is the mean of all 20, so the suite can score the configuration a sampler recommends
exactly, without re-training anything:

- four scikit-learn tasks of the real-HPO suite (:mod:`benchmarks.hpo_tasks`: same models, same
  grids), each value the error on a fresh random split (70 % train, 30 % validation; split
  ``s`` for seed ``s``) -- the noise of a validation split;
- ``mlp-digits``: a PyTorch MLP on scikit-learn's 8x8 digits (fixed split, 1,437 training and
  360 validation images), trained for 8 epochs with Adam, each value the validation error from
  initialisation and batch order of seed ``s`` -- the noise of a training run.

    python -m benchmarks.noisy_tasks --build [--tasks a,b] [--workers 2]  # (re)writes the tables
    python -m benchmarks.noisy_tasks --check 3    # re-evaluates 3 random rows per table

Tables: ``benchmarks/data/noisy/<task>.json.xz``, the parameter names and one row per
configuration (its key as in :meth:`benchmarks.hpo_tasks.Task.key`, then the 20 values), with
the versions that computed them. Rebuilding is deterministic on one machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import concurrent.futures
import functools
import math
from pathlib import Path
import random
import sys
from typing import Any

from benchmarks import _env
from benchmarks import hpo_tasks

_env.limit_threads(1)

TABLES = Path(__file__).resolve().parent / "data" / "noisy"
N_SEEDS = 20
VALIDATION_FRACTION = 0.3
MLP_EPOCHS = 8
MLP_BATCH = 64
P = hpo_tasks.Param

# The tasks of the real-HPO suite re-evaluated on random splits (one a branched one).
SKLEARN = ("svc-cancer", "logistic-wine", "knn-iris", "family-cancer")
MLP = hpo_tasks.Task(
    "mlp-digits",
    "digits",
    (
        P("lr", "ordinal", (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)),
        P("width", "ordinal", (8, 16, 32, 64)),
        P("weight_decay", "ordinal", (0.0, 1e-4, 1e-3, 1e-2)),
        P("activation", "categorical", ("relu", "tanh")),
    ),
    model=lambda p: None,  # trained by _mlp_error, not a scikit-learn estimator
    about="PyTorch MLP on digits; noise: initialisation and batch order",
)
TASKS: dict[str, hpo_tasks.Task] = {n: hpo_tasks.TASKS[n] for n in SKLEARN}
TASKS["mlp-digits"] = MLP


def _split_error(task: hpo_tasks.Task, params: Mapping[str, Any], seed: int) -> float:
    """The model's validation error (``1 - accuracy``) on random split ``seed``."""
    import warnings

    from sklearn.model_selection import train_test_split

    X, y = hpo_tasks.dataset(task.data)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=VALIDATION_FRACTION, random_state=seed, stratify=y
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the poor configurations
        model = task.model(params).fit(X_train, y_train)
        score = float(model.score(X_val, y_val))
    return 1.0 - score if math.isfinite(score) else 1.0


@functools.cache
def _digits_tensors() -> tuple[Any, Any, Any, Any]:
    from sklearn.model_selection import train_test_split
    import torch

    X, y = hpo_tasks.dataset("digits")
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.2, random_state=0, stratify=y
    )
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-6
    to = functools.partial(torch.as_tensor, dtype=torch.float32)
    return (
        to((X_train - mean) / std),
        torch.as_tensor(y_train),
        to((X_val - mean) / std),
        torch.as_tensor(y_val),
    )


def _mlp_error(params: Mapping[str, Any], seed: int) -> float:
    """Validation error of the MLP trained from seed ``seed`` (initialisation, batch order)."""
    import torch
    from torch import nn

    from optuna_gamma.torch import evaluate
    from optuna_gamma.torch import train_one_epoch

    torch.set_num_threads(1)
    X_train, y_train, X_val, y_val = _digits_tensors()
    torch.manual_seed(seed)
    act = nn.ReLU() if params["activation"] == "relu" else nn.Tanh()
    width = int(params["width"])
    model = nn.Sequential(nn.Linear(64, width), act, nn.Linear(width, 10))
    optimizer = torch.optim.Adam(
        model.parameters(), lr=params["lr"], weight_decay=params["weight_decay"]
    )
    generator = torch.Generator().manual_seed(seed)
    for _ in range(MLP_EPOCHS):
        train_one_epoch(
            model, optimizer, X_train, y_train, batch_size=MLP_BATCH, generator=generator
        )
    return 1.0 - float(evaluate(model, X_val, y_val)["accuracy"])


def evaluate_seed(name: str, params: Mapping[str, Any], seed: int) -> float:
    """The value of one configuration under one seed (computed, not looked up)."""
    if name == MLP.name:
        return _mlp_error(params, seed)
    return _split_error(TASKS[name], params, seed)


def _evaluate_row(name: str, params: dict[str, Any]) -> list[Any]:
    task = TASKS[name]
    values = [round(evaluate_seed(name, params, s), 6) for s in range(N_SEEDS)]
    return [*task.key(params), values]


def table_path(name: str) -> Path:
    return TABLES / f"{name}.json.xz"


@functools.cache
def load_table(name: str) -> dict[tuple[Any, ...], tuple[float, ...]]:
    """The task's table: configuration key -> its recorded values, one per seed."""
    rows = hpo_tasks.read_rows(table_path(name), TASKS[name])
    return {k: tuple(float(v) for v in values) for k, values in rows.items()}


def build(name: str, workers: int) -> Path:
    """Evaluates every configuration of the task under every seed and writes its table."""
    import numpy
    import sklearn

    task = TASKS[name]
    configs = list(task.configurations())
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(_evaluate_row, [name] * len(configs), configs, chunksize=4))
    versions = {"sklearn": sklearn.__version__, "numpy": numpy.__version__}
    if name == MLP.name:
        import torch

        versions["torch"] = torch.__version__
    data = {
        "task": name,
        "about": task.about,
        "value": "1 - validation accuracy",
        "seeds": N_SEEDS,
        "noise": "initialisation and batch order"
        if name == MLP.name
        else f"a random stratified split, {VALIDATION_FRACTION:.0%} validation",
        "versions": versions,
        "params": task.names,
        "rows": rows,
    }
    return hpo_tasks.write_table(table_path(name), data)


def check(name: str, n: int, seed: int = 0) -> float:
    """The largest difference between ``n`` random stored rows and their re-evaluation."""
    task = TASKS[name]
    table = load_table(name)
    keys = random.Random(seed).sample(sorted(table, key=repr), min(n, len(table)))
    worst = 0.0
    for key in keys:
        params = {k: v for k, v in zip(task.names, key) if v is not None}
        s = random.Random(repr(key)).randrange(N_SEEDS)
        worst = max(worst, abs(evaluate_seed(name, params, s) - table[key][s]))
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    description = __doc__.split("\n\n")[0]
    return hpo_tasks.table_cli(argv, description, TASKS, list(TASKS), build, check)


if __name__ == "__main__":
    sys.exit(main())
