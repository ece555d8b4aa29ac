"""The real-HPO suite's tasks: scikit-learn tuning problems over discrete grids, tabulated.

Each tabulated task is a scikit-learn model on one of scikit-learn's bundled data sets, with a
search space of the kinds real tuning uses: integers (``suggest_int``, some on a log scale),
ordinal lists (``suggest_categorical`` over sorted numbers, e.g. a learning rate from a fixed
list), stepped floats, categoricals, and -- for four tasks -- branches (a model family or a
kernel with its own parameters, next to parameters every branch shares). Its value is the
cross-validated error (``1 - accuracy``, or ``1 - R^2`` for regression) with fixed folds, so it
is a deterministic function of the configuration, evaluated once on every configuration of the
grid and stored in ``benchmarks/data/hpo/<task>.json.xz``: a study of 100 trials costs table
look-ups only, and the optimum is known exactly. Small validation sets (iris, wine) make many
configurations tie -- the plateaus real accuracy surfaces have.

Two *live* tasks are evaluated for real on every trial: ``pipeline-digits`` (a scaler, a PCA
size and a model family with its own parameters) and ``mlp-digits`` (a PyTorch MLP whose number
of layers decides how many width parameters exist).

    python -m benchmarks.hpo_tasks --build [--tasks a,b] [--workers 2]   # (re)writes the tables
    python -m benchmarks.hpo_tasks --check 5    # re-evaluates 5 random rows per table, compares

A table holds the parameter names, one row per configuration (``null`` where a parameter is
inactive on the row's branch) and the value, plus the versions that computed it. Tables are
rebuilt deterministically (fixed folds and model seeds); another scikit-learn or BLAS may change
the last digits, which ``--check`` reports.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
import concurrent.futures
import dataclasses
import functools
import json
import lzma
import math
from pathlib import Path
import random
import sys
from typing import Any

from benchmarks import _env

_env.limit_threads(1)

TABLES = Path(__file__).resolve().parent / "data" / "hpo"


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter: ``kind`` is ``"int"`` (``values = (low, high)``, ``suggest_int``),
    ``"step"`` (``values = (low, high, step)``, ``suggest_float(step=...)``), ``"ordinal"``
    (sorted numbers, ``suggest_categorical``) or ``"categorical"`` (``suggest_categorical``);
    ``when = (name, value)``: asked only when that parameter took that value."""

    name: str
    kind: str
    values: tuple[Any, ...]
    log: bool = False
    when: tuple[str, Any] | None = None

    def grid(self) -> list[Any]:
        """Every value the parameter can take."""
        if self.kind == "int":
            low, high = self.values
            return list(range(low, high + 1))
        if self.kind == "step":
            low, high, step = self.values
            n = int(round((high - low) / step))
            return [_round(low + k * step) for k in range(n + 1)]
        return list(self.values)

    def suggest(self, trial: Any) -> Any:
        if self.kind == "int":
            return trial.suggest_int(self.name, *self.values, log=self.log)
        if self.kind == "step":
            low, high, step = self.values
            return trial.suggest_float(self.name, low, high, step=step)
        return trial.suggest_categorical(self.name, list(self.values))


def _round(v: float) -> float:
    return float(round(v, 10))


@dataclasses.dataclass(frozen=True)
class Task:
    """A tuning task: its parameters (in the order a trial asks them), its data set, the model
    a configuration builds, and whether the score is R^2 (regression) or accuracy."""

    name: str
    data: str
    params: tuple[Param, ...]
    model: Callable[[Mapping[str, Any]], Any]
    regression: bool = False
    about: str = ""
    coded: bool = False
    table: str = ""

    @property
    def table_name(self) -> str:
        """The task whose table this task reads (a coded variant reads its original's)."""
        return self.table or self.name

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    @property
    def branched(self) -> bool:
        return any(p.when is not None for p in self.params)

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Asks the trial for this task's parameters, define-by-run."""
        params: dict[str, Any] = {}
        for p in self.params:
            if p.when is not None and params.get(p.when[0], _MISSING) != p.when[1]:
                continue
            if self.coded and p.kind == "ordinal":
                params[p.name] = p.values[trial.suggest_int(p.name, 0, len(p.values) - 1)]
            elif self.coded and p.kind == "categorical":
                codes = list(range(len(p.values)))
                params[p.name] = p.values[trial.suggest_categorical(p.name, codes)]
            else:
                params[p.name] = p.suggest(trial)
        return params

    def configurations(self) -> Iterator[dict[str, Any]]:
        """Every configuration of the grid (each active parameter at each of its values)."""

        def extend(i: int, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
            if i == len(self.params):
                yield dict(params)
                return
            p = self.params[i]
            if p.when is not None and params.get(p.when[0], _MISSING) != p.when[1]:
                yield from extend(i + 1, params)
                return
            for v in p.grid():
                params[p.name] = v
                yield from extend(i + 1, params)
                del params[p.name]

        yield from extend(0, {})

    def key(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The table key of a configuration: each parameter's value, ``None`` where inactive."""
        return tuple(
            (_round(params[n]) if isinstance(params[n], float) else params[n])
            if n in params
            else None
            for n in self.names
        )

    def evaluate(self, params: Mapping[str, Any]) -> float:
        """The cross-validated error of the configuration (computed, not looked up)."""
        import warnings

        from sklearn.model_selection import KFold
        from sklearn.model_selection import StratifiedKFold
        from sklearn.model_selection import cross_val_score

        X, y = dataset(self.data)
        folds = (KFold if self.regression else StratifiedKFold)(
            n_splits=3, shuffle=True, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings of the poor configurations
            score = float(cross_val_score(self.model(params), X, y, cv=folds).mean())
        return 1.0 - score if math.isfinite(score) else 10.0


_MISSING = object()


@functools.cache
def dataset(name: str) -> tuple[Any, Any]:
    from sklearn import datasets

    loaders = {
        "cancer": datasets.load_breast_cancer,
        "digits": datasets.load_digits,
        "wine": datasets.load_wine,
        "iris": datasets.load_iris,
        "diabetes": datasets.load_diabetes,
    }
    X, y = loaders[name](return_X_y=True)
    return X, y


def _log_list(lo: int, hi: int, per_decade: int = 2) -> tuple[float, ...]:
    """Powers of ten from ``10**lo`` to ``10**hi``, ``per_decade`` values per decade, rounded
    to three significant digits (the lists people write: 1e-3, 3.16e-3, 1e-2, ...)."""
    n = (hi - lo) * per_decade
    return tuple(float(f"{10 ** (lo + k / per_decade):.3g}") for k in range(n + 1))


def scaler(name: str) -> Any:
    from sklearn.preprocessing import MinMaxScaler
    from sklearn.preprocessing import RobustScaler
    from sklearn.preprocessing import StandardScaler

    return {
        "standard": StandardScaler(),
        "minmax": MinMaxScaler(),
        "robust": RobustScaler(),
        "none": "passthrough",
    }[name]


def _pipe(scaler_name: str, model: Any) -> Any:
    from sklearn.pipeline import Pipeline

    return Pipeline([("scale", scaler(scaler_name)), ("model", model)])


# -- the models ---------------------------------------------------------------------------------


def _svc_cancer(p: Mapping[str, Any]) -> Any:
    from sklearn.svm import SVC

    cw = None if p["class_weight"] == "none" else "balanced"
    return _pipe("standard", SVC(C=p["C"], gamma=p["gamma"], class_weight=cw))


def _svc_digits(p: Mapping[str, Any]) -> Any:
    from sklearn.svm import SVC

    return _pipe("minmax", SVC(C=p["C"], gamma=p["gamma"], kernel=p["kernel"]))


def _knn_digits(p: Mapping[str, Any]) -> Any:
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(p["n_neighbors"], weights=p["weights"], metric=p["metric"])
    return _pipe(p["scaler"], knn)


def _tree_digits(p: Mapping[str, Any]) -> Any:
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(
        max_depth=p["max_depth"],
        min_samples_leaf=p["min_samples_leaf"],
        criterion=p["criterion"],
        max_features=p["max_features"],
        random_state=0,
    )


def _forest_cancer(p: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=p["n_estimators"],
        max_depth=p["max_depth"],
        max_features=p["max_features"],
        bootstrap=p["bootstrap"] == "yes",
        criterion=p["criterion"],
        random_state=0,
        n_jobs=1,
    )


def _hgb_diabetes(p: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        learning_rate=p["learning_rate"],
        max_iter=p["max_iter"],
        max_leaf_nodes=p["max_leaf_nodes"],
        min_samples_leaf=p["min_samples_leaf"],
        l2_regularization=p["l2_regularization"],
        early_stopping=False,
        random_state=0,
    )


def _sgd_digits(p: Mapping[str, Any]) -> Any:
    from sklearn.linear_model import SGDClassifier

    sgd = SGDClassifier(
        alpha=p["alpha"], loss=p["loss"], penalty=p["penalty"], max_iter=30, tol=None,
        random_state=0,
    )  # fmt: skip
    return _pipe("standard", sgd)


def _logistic_wine(p: Mapping[str, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=p["C"], fit_intercept=p["intercept"] == "yes", max_iter=300)
    return _pipe(p["scaler"], lr)


def _knn_iris(p: Mapping[str, Any]) -> Any:
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(p["n_neighbors"], weights=p["weights"], metric=p["metric"])


def _family_cancer(p: Mapping[str, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    family = p["family"]
    model: Any
    if family == "svc":
        model = SVC(C=p["svc_C"], gamma=p["svc_gamma"])
    elif family == "knn":
        model = KNeighborsClassifier(p["knn_k"], weights=p["knn_weights"])
    elif family == "tree":
        model = DecisionTreeClassifier(
            max_depth=p["tree_depth"], min_samples_leaf=p["tree_leaf"], random_state=0
        )
    else:
        model = LogisticRegression(C=p["logistic_C"], max_iter=500)
    return _pipe(p["scaler"], model)


def _family_digits(p: Mapping[str, Any]) -> Any:
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    family = p["family"]
    model: Any
    if family == "svc":
        model = SVC(C=p["svc_C"])
    elif family == "knn":
        model = KNeighborsClassifier(p["knn_k"])
    else:
        model = LogisticRegression(C=p["logistic_C"], max_iter=300)
    pca = PCA(n_components=p["n_components"], random_state=0)
    return Pipeline([("scale", StandardScaler()), ("pca", pca), ("model", model)])


def _kernel_wine(p: Mapping[str, Any]) -> Any:
    from sklearn.svm import SVC

    kernel = p["kernel"]
    if kernel == "rbf":
        svc = SVC(C=p["C"], kernel="rbf", gamma=p["rbf_gamma"])
    elif kernel == "poly":
        svc = SVC(C=p["C"], kernel="poly", degree=p["poly_degree"], coef0=p["poly_coef0"])
    else:
        svc = SVC(C=p["C"], kernel="linear")
    return _pipe(p["scaler"], svc)


def _regressor_diabetes(p: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge

    family = p["family"]
    if family == "hgb":
        return HistGradientBoostingRegressor(
            learning_rate=p["hgb_lr"],
            max_leaf_nodes=p["hgb_leaves"],
            max_iter=p["hgb_iter"],
            early_stopping=False,
            random_state=0,
        )
    if family == "forest":
        return RandomForestRegressor(
            n_estimators=p["forest_trees"],
            max_depth=p["forest_depth"],
            max_features=p["forest_features"],
            random_state=0,
            n_jobs=1,
        )
    return _pipe("standard", Ridge(alpha=p["ridge_alpha"]))


P = Param
_SCALERS = ("standard", "minmax", "none")

TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("svc-cancer", "cancer", (
            P("C", "ordinal", _log_list(-3, 3)),
            P("gamma", "ordinal", _log_list(-5, 1)),
            P("class_weight", "categorical", ("none", "balanced")),
        ), _svc_cancer, about="SVC; two log-spaced ordinal lists and a choice"),
        Task("svc-digits", "digits", (
            P("kernel", "categorical", ("rbf", "poly", "sigmoid")),
            P("C", "ordinal", _log_list(-2, 2)),
            P("gamma", "ordinal", _log_list(-4, 0)),
        ), _svc_digits, about="SVC; a kernel choice and two ordinal lists"),
        Task("knn-digits", "digits", (
            P("n_neighbors", "int", (1, 40)),
            P("weights", "categorical", ("uniform", "distance")),
            P("metric", "categorical", ("euclidean", "manhattan", "chebyshev")),
            P("scaler", "categorical", _SCALERS),
        ), _knn_digits, about="k-NN; an int and three choices"),
        Task("tree-digits", "digits", (
            P("max_depth", "int", (1, 16)),
            P("min_samples_leaf", "int", (1, 16), log=True),
            P("criterion", "categorical", ("gini", "entropy")),
            P("max_features", "step", (0.1, 1.0, 0.1)),
        ), _tree_digits, about="decision tree; two ints (one log), a choice, a stepped float"),
        Task("forest-cancer", "cancer", (
            P("n_estimators", "ordinal", (5, 10, 20, 40)),
            P("max_depth", "int", (1, 10)),
            P("max_features", "ordinal", (0.1, 0.2, 0.4, 0.6, 0.8, 1.0)),
            P("bootstrap", "categorical", ("yes", "no")),
            P("criterion", "categorical", ("gini", "entropy")),
        ), _forest_cancer, about="random forest; ordinal lists, an int and two choices"),
        Task("hgb-diabetes", "diabetes", (
            P("learning_rate", "ordinal", (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)),
            P("max_iter", "ordinal", (10, 25, 50, 100)),
            P("max_leaf_nodes", "ordinal", (3, 7, 15, 31)),
            P("min_samples_leaf", "ordinal", (5, 10, 20, 40, 80)),
            P("l2_regularization", "ordinal", (0.0, 0.1, 1.0, 10.0)),
        ), _hgb_diabetes, regression=True,
            about="gradient boosting (regression); five ordinal lists"),
        Task("sgd-digits", "digits", (
            P("alpha", "ordinal", _log_list(-6, -1)),
            P("loss", "categorical",
              ("hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron")),
            P("penalty", "categorical", ("l2", "l1", "elasticnet")),
        ), _sgd_digits, about="linear SGD; an ordinal list and two choices"),
        Task("logistic-wine", "wine", (
            P("C", "ordinal", _log_list(-4, 3)),
            P("intercept", "categorical", ("yes", "no")),
            P("scaler", "categorical", ("standard", "minmax", "robust", "none")),
        ), _logistic_wine, about="logistic regression on 178 samples; plateaus"),
        Task("knn-iris", "iris", (
            P("n_neighbors", "int", (1, 60)),
            P("weights", "categorical", ("uniform", "distance")),
            P("metric", "categorical", ("euclidean", "manhattan", "chebyshev")),
        ), _knn_iris, about="k-NN on 150 samples; plateaus"),
        Task("family-cancer", "cancer", (
            P("scaler", "categorical", _SCALERS),
            P("family", "categorical", ("svc", "knn", "tree", "logistic")),
            P("svc_C", "ordinal", _log_list(-2, 2), when=("family", "svc")),
            P("svc_gamma", "ordinal", _log_list(-4, 0), when=("family", "svc")),
            P("knn_k", "int", (1, 30), when=("family", "knn")),
            P("knn_weights", "categorical", ("uniform", "distance"), when=("family", "knn")),
            P("tree_depth", "int", (1, 12), when=("family", "tree")),
            P("tree_leaf", "ordinal", (1, 2, 4, 8, 16), when=("family", "tree")),
            P("logistic_C", "ordinal", _log_list(-3, 3), when=("family", "logistic")),
        ), _family_cancer, about="branched: a shared scaler, four model families"),
        Task("family-digits", "digits", (
            P("n_components", "int", (4, 64), log=True),
            P("family", "categorical", ("svc", "knn", "logistic")),
            P("svc_C", "ordinal", _log_list(-2, 2), when=("family", "svc")),
            P("knn_k", "int", (1, 15), when=("family", "knn")),
            P("logistic_C", "ordinal", _log_list(-3, 1), when=("family", "logistic")),
        ), _family_digits, about="branched: a shared log-int PCA size, three families"),
        Task("kernel-wine", "wine", (
            P("scaler", "categorical", _SCALERS),
            P("C", "ordinal", _log_list(-2, 3)),
            P("kernel", "categorical", ("rbf", "poly", "linear")),
            P("rbf_gamma", "ordinal", _log_list(-4, 1), when=("kernel", "rbf")),
            P("poly_degree", "int", (2, 5), when=("kernel", "poly")),
            P("poly_coef0", "ordinal", (0.0, 0.5, 1.0), when=("kernel", "poly")),
        ), _kernel_wine, about="branched: the kernel's own parameters; plateaus"),
        Task("regressor-diabetes", "diabetes", (
            P("family", "categorical", ("hgb", "forest", "ridge")),
            P("hgb_lr", "ordinal", (0.01, 0.03, 0.1, 0.3), when=("family", "hgb")),
            P("hgb_leaves", "ordinal", (3, 7, 15, 31), when=("family", "hgb")),
            P("hgb_iter", "ordinal", (25, 50, 100), when=("family", "hgb")),
            P("forest_trees", "ordinal", (10, 30), when=("family", "forest")),
            P("forest_depth", "int", (2, 12), when=("family", "forest")),
            P("forest_features", "ordinal", (0.3, 0.6, 1.0), when=("family", "forest")),
            P("ridge_alpha", "ordinal", _log_list(-3, 3), when=("family", "ridge")),
        ), _regressor_diabetes, regression=True, about="branched regression: three families"),
    )
}  # fmt: skip

# The form of optunahub's tabular benchmarks (HPOLib, HPOBench, NAS-Bench-201): an ordinal list
# asked as the index of its value (``suggest_int(name, 0, k - 1)``), a categorical as an integer
# code (``suggest_categorical(name, [0, 1, ..., k - 1])``). Same tables, other spaces.
for _name in ("forest-cancer", "hgb-diabetes", "family-cancer", "kernel-wine"):
    TASKS[_name + "-coded"] = dataclasses.replace(
        TASKS[_name], name=_name + "-coded", coded=True, table=_name
    )


# -- tables -------------------------------------------------------------------------------------


def table_path(name: str) -> Path:
    return TABLES / f"{TASKS[name].table_name}.json.xz"


@functools.cache
def load_table(name: str) -> dict[tuple[Any, ...], float]:
    """The task's table: configuration key (:meth:`Task.key`) -> value."""
    return {k: float(v) for k, v in read_rows(table_path(name), TASKS[name]).items()}


def read_rows(path: Path, task: Task) -> dict[tuple[Any, ...], Any]:
    """A table file's rows as configuration key -> the row's last entry (what the table stores
    for that configuration), after checking that the table is the task's."""
    with lzma.open(path, "rt") as f:
        data = json.load(f)
    if data["params"] != task.names:
        raise ValueError(
            f"table {path.name}: parameters {data['params']} != the task's {task.names}"
        )
    return {
        task.key({n: v for n, v in zip(task.names, row[:-1]) if v is not None}): row[-1]
        for row in data["rows"]
    }


def write_table(path: Path, data: Mapping[str, Any]) -> Path:
    """Writes a table (``data``: its description, ``params`` and ``rows``) compressed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with lzma.open(path, "wt", preset=9) as f:
        f.write(json.dumps(data, separators=(",", ":")))
    return path


def _evaluate_row(name: str, params: dict[str, Any]) -> list[Any]:
    task = TASKS[name]
    return [*task.key(params), round(task.evaluate(params), 6)]


def build(name: str, workers: int) -> Path:
    """Evaluates every configuration of the task and writes its table."""
    import numpy
    import sklearn

    task = TASKS[name]
    configs = list(task.configurations())
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(_evaluate_row, [name] * len(configs), configs, chunksize=16))
    data = {
        "task": name,
        "about": task.about,
        "value": "1 - R^2" if task.regression else "1 - accuracy",
        "cv": "3-fold, shuffled, random_state=0",
        "versions": {"sklearn": sklearn.__version__, "numpy": numpy.__version__},
        "params": task.names,
        "rows": rows,
    }
    return write_table(table_path(name), data)


def check(name: str, n: int, seed: int = 0) -> float:
    """The largest difference between ``n`` random stored rows and their re-evaluation."""
    task = TASKS[name]
    table = load_table(name)
    keys = random.Random(seed).sample(sorted(table, key=repr), min(n, len(table)))
    worst = 0.0
    for key in keys:
        params = {k: v for k, v in zip(task.names, key) if v is not None}
        worst = max(worst, abs(task.evaluate(params) - table[key]))
    return worst


def table_cli(
    argv: Sequence[str] | None,
    description: str,
    tasks: Mapping[str, Task],
    default: Sequence[str],
    build: Callable[[str, int], Path],
    check: Callable[[str, int], float],
) -> int:
    """The command line of a module of tabulated tasks: ``--build`` (re)writes the tables of
    ``--tasks`` (``all``: ``default``), ``--check N`` re-evaluates N rows of each; neither lists
    the tasks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--build", action="store_true", help="evaluate and write the tables")
    parser.add_argument("--check", type=int, default=0, help="re-evaluate N rows per table")
    parser.add_argument("--tasks", default="all", help="comma-separated task names, or all")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    names = list(default) if args.tasks == "all" else args.tasks.split(",")
    for name in names:
        if name not in tasks:
            parser.error(f"--tasks: unknown task {name!r}; valid: {', '.join(tasks)}")
    for name in names:
        size = sum(1 for _ in tasks[name].configurations())
        if args.build:
            print(f"{name}: {size} configurations ...", flush=True)
            print(f"  wrote {build(name, args.workers)}", flush=True)
        if args.check:
            print(f"{name}: largest difference {check(name, args.check):.2g}", flush=True)
        if not args.build and not args.check:
            print(f"{name}: {size} configurations, {tasks[name].about}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    default = [n for n in TASKS if not TASKS[n].table]  # a coded variant reads its original's
    return table_cli(argv, __doc__.split("\n\n")[0], TASKS, default, build, check)


if __name__ == "__main__":
    sys.exit(main())
