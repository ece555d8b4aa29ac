"""Benchmark problems: synthetic test functions and small scikit-learn tuning tasks.

Every problem is a :class:`Problem`: a name, a ``suggest(trial) -> params`` that defines the
Optuna search space with ``trial.suggest_*``, an ``evaluate(params) -> float``, a direction and
the known optimum used for regret. ``problem.objective`` joins the two halves into an ordinary
Optuna objective. Splitting them lets the runner time the sampler (``suggest``) apart from the
objective (``evaluate``).

Kinds:

- ``"synthetic"`` -- closed-form functions of docs/math.md §6, vectorised NumPy, exact optima.
- ``"sklearn"`` -- cross-validated scores on data bundled with scikit-learn (no download), fixed
  CV splits. Their true optimum is unknown: ``optimum is None`` and the report uses the best value
  seen across all runs of the same tag instead.
- ``"torch"`` -- reserved for the thesis's learning-rate task (``optuna_gamma.torch``); see
  :func:`_torch_problems`.

The core set (``problem.core``): Branin, Hartmann6, Ackley-5, Rosenbrock-4,
Styblinski-Tang-4, blog-1d and mixed.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
import functools
import math
from typing import Any
from typing import Literal
import warnings

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution

Kind = Literal["synthetic", "sklearn", "torch"]
Direction = Literal["minimize", "maximize"]
Params = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """One benchmark problem.

    Attributes:
        name: Registry key, e.g. ``"branin"``.
        kind: ``"synthetic"``, ``"sklearn"`` or ``"torch"``.
        suggest: Defines the search space on an Optuna trial and returns the chosen params.
        evaluate: The objective value of a params dict.
        direction: ``"minimize"`` or ``"maximize"``.
        optimum: Known optimal value, or ``None`` (best seen across runs is used).
        distributions: The static search space, or ``None`` for conditional spaces. Used by the
            grid and bayes_opt samplers.
        argopts: Known optimisers (params dicts) for the unit tests.
        core: Member of the core set.
        description: One line for reports.
    """

    name: str
    kind: Kind
    suggest: Callable[[optuna.Trial], Params]
    evaluate: Callable[[Params], float]
    direction: Direction = "minimize"
    optimum: float | None = None
    distributions: Mapping[str, BaseDistribution] | None = None
    argopts: tuple[Params, ...] = ()
    core: bool = False
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def objective(self, trial: optuna.Trial) -> float:
        """An Optuna objective: suggest the params on ``trial``, then evaluate them."""
        return self.evaluate(self.suggest(trial))

    @property
    def continuous(self) -> bool:
        """True when the space is static and every parameter is a float without a step."""
        if self.distributions is None:
            return False
        return all(
            isinstance(d, FloatDistribution) and d.step is None
            for d in self.distributions.values()
        )

    @property
    def dim(self) -> int | None:
        """Number of parameters of a static space, else ``None``."""
        return None if self.distributions is None else len(self.distributions)


def suggest_from(trial: optuna.Trial, distributions: Mapping[str, BaseDistribution]) -> Params:
    """Suggest every parameter of a static space with the public ``trial.suggest_*`` API."""
    params: Params = {}
    for name, dist in distributions.items():
        if isinstance(dist, FloatDistribution):
            params[name] = trial.suggest_float(
                name, dist.low, dist.high, log=dist.log, step=dist.step
            )
        elif isinstance(dist, IntDistribution):
            params[name] = trial.suggest_int(
                name, dist.low, dist.high, log=dist.log, step=dist.step
            )
        elif isinstance(dist, CategoricalDistribution):
            params[name] = trial.suggest_categorical(name, dist.choices)
        else:  # pragma: no cover - Optuna has no other distribution types
            raise TypeError(f"unsupported distribution for {name!r}: {dist!r}")
    return params


# --------------------------------------------------------------------------------------------
# Synthetic functions (docs/math.md §6). Each takes x of shape (..., d) and returns shape (...).
# --------------------------------------------------------------------------------------------


def branin(x: np.ndarray) -> np.ndarray:
    """Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; min 0.397887 at three points."""
    x1, x2 = x[..., 0], x[..., 1]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * np.cos(x1) + 10


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _hartmann(x: np.ndarray, a: np.ndarray, p: np.ndarray) -> np.ndarray:
    inner = np.sum(a * (x[..., None, :] - p) ** 2, axis=-1)  # (..., 4)
    return -np.sum(_H_ALPHA * np.exp(-inner), axis=-1)


def hartmann3(x: np.ndarray) -> np.ndarray:
    """Hartmann 3-D on [0, 1]^3; min -3.86278."""
    return _hartmann(x, _H3_A, _H3_P)


def hartmann6(x: np.ndarray) -> np.ndarray:
    """Hartmann 6-D on [0, 1]^6; min -3.32237."""
    return _hartmann(x, _H6_A, _H6_P)


def ackley(x: np.ndarray) -> np.ndarray:
    """Ackley (a=20, b=0.2, c=2 pi) on [-32.768, 32.768]^d; min 0 at 0."""
    d = x.shape[-1]
    s1 = np.sqrt(np.sum(x**2, axis=-1) / d)
    s2 = np.sum(np.cos(2 * math.pi * x), axis=-1) / d
    return -20 * np.exp(-0.2 * s1) - np.exp(s2) + 20 + math.e


def rosenbrock(x: np.ndarray) -> np.ndarray:
    """Rosenbrock on [-5, 10]^d; min 0 at (1, ..., 1)."""
    return np.sum(100 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1 - x[..., :-1]) ** 2, axis=-1)


def levy(x: np.ndarray) -> np.ndarray:
    """Levy on [-10, 10]^d; min 0 at (1, ..., 1)."""
    w = 1 + (x - 1) / 4
    head = np.sin(math.pi * w[..., 0]) ** 2
    mid = np.sum((w[..., :-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[..., :-1] + 1) ** 2), -1)
    tail = (w[..., -1] - 1) ** 2 * (1 + np.sin(2 * math.pi * w[..., -1]) ** 2)
    return head + mid + tail


def styblinski_tang(x: np.ndarray) -> np.ndarray:
    """Styblinski-Tang on [-5, 5]^d; min -39.166166 d at x_i = -2.903534."""
    return 0.5 * np.sum(x**4 - 16 * x**2 + 5 * x, axis=-1)


def six_hump_camel(x: np.ndarray) -> np.ndarray:
    """Six-hump camel on [-3, 3] x [-2, 2]; min -1.031628 at (+-0.0898, -+0.7126)."""
    x1, x2 = x[..., 0], x[..., 1]
    return (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2


def goldstein_price(x: np.ndarray) -> np.ndarray:
    """Goldstein-Price on [-2, 2]^2; min 3 at (0, -1)."""
    x1, x2 = x[..., 0], x[..., 1]
    a = 1 + (x1 + x2 + 1) ** 2 * (19 - 14 * x1 + 3 * x1**2 - 14 * x2 + 6 * x1 * x2 + 3 * x2**2)
    b = 30 + (2 * x1 - 3 * x2) ** 2 * (
        18 - 32 * x1 + 12 * x1**2 + 48 * x2 - 36 * x1 * x2 + 27 * x2**2
    )
    return a * b


def blog_1d(x: np.ndarray) -> np.ndarray:
    """The blog's 1-D function on [-2, 6], to MAXIMISE; max 1.7074958733 at x = 0.6313742."""
    x = x[..., 0]
    return np.exp(-((x - 3) ** 2)) + np.exp(-((3 * x - 2) ** 2)) + 1 / (x**2 + 1)


BLOG_1D_MAX = 1.7074958733
BLOG_1D_ARGMAX = 0.6313742


def _synthetic(
    name: str,
    fn: Callable[[np.ndarray], np.ndarray],
    bounds: list[tuple[float, float]],
    optimum: float,
    argopts: list[list[float]],
    *,
    direction: Direction = "minimize",
    core: bool = False,
    description: str = "",
) -> Problem:
    names = [f"x{i}" for i in range(len(bounds))]
    dists: dict[str, BaseDistribution] = {
        n: FloatDistribution(lo, hi) for n, (lo, hi) in zip(names, bounds)
    }

    def suggest(trial: optuna.Trial) -> Params:
        return suggest_from(trial, dists)

    def evaluate(params: Params) -> float:
        return float(fn(np.array([params[n] for n in names], dtype=float)))

    return Problem(
        name=name,
        kind="synthetic",
        suggest=suggest,
        evaluate=evaluate,
        direction=direction,
        optimum=optimum,
        distributions=dists,
        argopts=tuple({n: v for n, v in zip(names, a)} for a in argopts),
        core=core,
        description=description or (fn.__doc__ or "").strip().splitlines()[0],
    )


# --------------------------------------------------------------------------------------------
# Mixed space with an exactly known optimum.
# --------------------------------------------------------------------------------------------

MIXED_OFFSETS = {"sgd": 0.5, "adam": 0.0, "rmsprop": 0.25}
_MIXED_DISTS: dict[str, BaseDistribution] = {
    "lr": FloatDistribution(1e-5, 1.0, log=True),
    "units": IntDistribution(8, 512, log=True),
    "layers": IntDistribution(1, 8),
    "optimizer": CategoricalDistribution(list(MIXED_OFFSETS)),
    "dropout": FloatDistribution(0.0, 0.9),
}
MIXED_ARGMIN: Params = {
    "lr": 3e-3,
    "units": 64,
    "layers": 3,
    "optimizer": "adam",
    "dropout": 0.2,
}


def mixed_value(params: Params) -> float:
    """A shifted quadratic over a log float, a log int, an int, a categorical and a float.

    With u = log10(lr / 3e-3), v = log2(units / 64), w = dropout - 0.2::

        f = u^2 + 0.5 u w + w^2 + 0.25 v^2 + 0.1 (layers - 3)^2 + offset[optimizer]

    The (u, w) block is positive definite (eigenvalues 0.75, 1.25) and every offset except
    adam's is positive, so the unique minimum is 0 at MIXED_ARGMIN.
    """
    u = math.log10(params["lr"] / 3e-3)
    v = math.log2(params["units"] / 64)
    w = params["dropout"] - 0.2
    return (
        u * u
        + 0.5 * u * w
        + w * w
        + 0.25 * v * v
        + 0.1 * (params["layers"] - 3) ** 2
        + MIXED_OFFSETS[params["optimizer"]]
    )


def _mixed_problem() -> Problem:
    return Problem(
        name="mixed",
        kind="synthetic",
        suggest=lambda trial: suggest_from(trial, _MIXED_DISTS),
        evaluate=mixed_value,
        optimum=0.0,
        distributions=_MIXED_DISTS,
        argopts=(MIXED_ARGMIN,),
        core=True,
        description="shifted quadratic: log float, log int, int, categorical, float; min 0",
    )


# --------------------------------------------------------------------------------------------
# scikit-learn tuning tasks (bundled data, fixed CV splits, n_jobs=1).
# --------------------------------------------------------------------------------------------


@functools.cache
def _dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    loaders = {
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "digits": datasets.load_digits,
        "diabetes": datasets.load_diabetes,
    }
    x, y = loaders[name](return_X_y=True)
    if name == "digits":
        x = x / 16.0
    return np.asarray(x, dtype=float), np.asarray(y)


def _cv_score(estimator: Any, data: str, *, folds: int = 5, scoring: str | None = None) -> float:
    from sklearn.model_selection import KFold
    from sklearn.model_selection import StratifiedKFold
    from sklearn.model_selection import cross_val_score

    x, y = _dataset(data)
    regression = data == "diabetes"
    cv = (KFold if regression else StratifiedKFold)(folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of short MLP / SVC fits
        scores = cross_val_score(estimator, x, y, cv=cv, scoring=scoring, n_jobs=1)
    return float(np.mean(scores))


def _scaled(estimator: Any) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), estimator)


_SVC_DISTS: dict[str, BaseDistribution] = {
    "C": FloatDistribution(1e-3, 1e3, log=True),
    "gamma": FloatDistribution(1e-5, 1e1, log=True),
}


def _svc_cancer(params: Params) -> float:
    from sklearn.svm import SVC

    return _cv_score(_scaled(SVC(C=params["C"], gamma=params["gamma"])), "breast_cancer")


_KNN_DISTS: dict[str, BaseDistribution] = {
    "n_neighbors": IntDistribution(1, 50),
    "weights": CategoricalDistribution(["uniform", "distance"]),
    "p": IntDistribution(1, 2),
}


def _knn_wine(params: Params) -> float:
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(
        n_neighbors=params["n_neighbors"], weights=params["weights"], p=params["p"]
    )
    return _cv_score(_scaled(model), "wine")


_HGB_DISTS: dict[str, BaseDistribution] = {
    "learning_rate": FloatDistribution(1e-3, 1.0, log=True),
    "max_depth": IntDistribution(2, 10),
    "max_leaf_nodes": IntDistribution(4, 64, log=True),
    "l2_regularization": FloatDistribution(1e-6, 10.0, log=True),
}


def _hgb_diabetes(params: Params) -> float:
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor(
        learning_rate=params["learning_rate"],
        max_depth=params["max_depth"],
        max_leaf_nodes=params["max_leaf_nodes"],
        l2_regularization=params["l2_regularization"],
        max_iter=100,
        early_stopping=False,
        random_state=0,
    )
    return -_cv_score(model, "diabetes", scoring="neg_mean_squared_error")


_MLP_DISTS: dict[str, BaseDistribution] = {
    "alpha": FloatDistribution(1e-6, 1e-1, log=True),
    "learning_rate_init": FloatDistribution(1e-4, 1e-1, log=True),
    "hidden_units": IntDistribution(8, 128, log=True),
    "activation": CategoricalDistribution(["relu", "tanh", "logistic"]),
}


def _mlp_digits(params: Params) -> float:
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(params["hidden_units"],),
        activation=params["activation"],
        alpha=params["alpha"],
        learning_rate_init=params["learning_rate_init"],
        max_iter=50,
        random_state=0,
    )
    return _cv_score(model, "digits", folds=3)


def _cond_suggest(trial: optuna.Trial) -> Params:
    """Conditional space: the classifier decides which sub-parameters exist."""
    clf = trial.suggest_categorical("classifier", ["svc", "knn", "logreg"])
    params: Params = {"classifier": clf}
    if clf == "svc":
        params["svc_C"] = trial.suggest_float("svc_C", 1e-3, 1e3, log=True)
        params["svc_gamma"] = trial.suggest_float("svc_gamma", 1e-5, 1e1, log=True)
    elif clf == "knn":
        params["knn_k"] = trial.suggest_int("knn_k", 1, 50)
        params["knn_weights"] = trial.suggest_categorical("knn_weights", ["uniform", "distance"])
    else:
        params["logreg_C"] = trial.suggest_float("logreg_C", 1e-4, 1e4, log=True)
    return params


def _cond_cancer(params: Params) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    clf = params["classifier"]
    if clf == "svc":
        model: Any = SVC(C=params["svc_C"], gamma=params["svc_gamma"])
    elif clf == "knn":
        model = KNeighborsClassifier(n_neighbors=params["knn_k"], weights=params["knn_weights"])
    else:
        model = LogisticRegression(C=params["logreg_C"], max_iter=200)
    return _cv_score(_scaled(model), "breast_cancer")


def _static(dists: Mapping[str, BaseDistribution]) -> Callable[[optuna.Trial], Params]:
    return lambda trial: suggest_from(trial, dists)


def _sklearn_problems() -> list[Problem]:
    return [
        Problem(
            "svc-cancer", "sklearn", _static(_SVC_DISTS), _svc_cancer, "maximize",
            distributions=_SVC_DISTS,
            description="SVC (RBF) on breast cancer, 5-fold CV accuracy; log C, log gamma",
        ),
        Problem(
            "knn-wine", "sklearn", _static(_KNN_DISTS), _knn_wine, "maximize",
            distributions=_KNN_DISTS,
            description="k-NN on wine, 5-fold CV accuracy; int k, categorical weights, int p",
        ),
        Problem(
            "hgb-diabetes", "sklearn", _static(_HGB_DISTS), _hgb_diabetes, "minimize",
            distributions=_HGB_DISTS,
            description="HistGradientBoosting on diabetes, 5-fold CV MSE; log lr, depth, leaves",
        ),
        Problem(
            "mlp-digits", "sklearn", _static(_MLP_DISTS), _mlp_digits, "maximize",
            distributions=_MLP_DISTS,
            description="MLP on digits, 3-fold CV accuracy; log alpha, log lr, units, activation",
        ),
        Problem(
            "cond-cancer", "sklearn", _cond_suggest, _cond_cancer, "maximize",
            distributions=None,
            description="conditional: SVC | k-NN | logistic regression on breast cancer",
        ),
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# PyTorch: the thesis's learning-rate task on offline digits (optuna_gamma.torch).
# --------------------------------------------------------------------------------------------

DIGITS_IMAGES = 500  # the thesis trains on 500 images (docs/math.md §4)
DIGITS_VAL_FRACTION = 0.2  # ... of which 20% are the validation set
DIGITS_BATCH = 50
DIGITS_WEIGHT_DECAY = 1e-3
LR_DIGITS_EPOCHS = 3
LR_DIGITS_DROPOUT = 0.0  # MnistMLP's 0.5 stays near chance on digits (docs/thesis.md)
_LR_DIGITS_DISTS: dict[str, BaseDistribution] = {
    "lr": FloatDistribution(1e-4, 0.5, log=True),
}

TensorPair = tuple[Any, Any]  # (X, y) torch tensors; torch is imported lazily


@functools.cache
def _digits_28() -> TensorPair:
    from optuna_gamma.torch import load_digits

    return load_digits(size=28)


def digits_splits(
    seed: int,
    n_images: int = DIGITS_IMAGES,
    val_fraction: float = DIGITS_VAL_FRACTION,
) -> tuple[TensorPair, TensorPair, TensorPair]:
    """``(train, val, test)`` of the offline digits (28x28) for one seed.

    The 1797 digits are shuffled with ``seed``; the first ``n_images`` are split into training
    and validation parts (``train_val_split(..., val_fraction, seed=seed)``); the remaining
    images are a held-out test set.
    """
    import torch

    from optuna_gamma.torch import train_val_split

    X, y = _digits_28()
    if not 2 <= n_images < int(y.shape[0]):
        raise ValueError(f"n_images must be in [2, {int(y.shape[0]) - 1}], got {n_images!r}")
    order = torch.randperm(int(y.shape[0]), generator=torch.Generator().manual_seed(seed))
    pool, rest = order[:n_images], order[n_images:]
    train, val = train_val_split((X[pool], y[pool]), val_fraction, seed=seed)
    return train, val, (X[rest], y[rest])


def train_lr(
    lr: float,
    train: TensorPair,
    val: TensorPair,
    *,
    epochs: int,
    seed: int,
    dropout: float = 0.5,
    target: str = "accuracy",
    keep_model: list[Any] | None = None,
) -> tuple[float, dict[str, Any]]:
    """Train the thesis's MLP with SGD at learning rate ``lr``; ``(target value, metrics)``.

    One call of :class:`optuna_gamma.torch.TorchObjective` (SGD, batch 50, weight decay 1e-3,
    :class:`~optuna_gamma.torch.MnistMLP` with ``dropout``) on an ``optuna.trial.FixedTrial``,
    on the CPU. The FixedTrial is always trial number 0, so the torch seed
    (``trial_seed(seed, 0)``: weights, dropout, batch order) is the same for every ``lr``: the
    value is a deterministic function of ``(lr, seed)``. ``metrics`` are the trial's user attrs
    (``accuracy``, ``loss``, ``kappa``, ``diverged``, ...). The trained model is appended to
    ``keep_model`` when given.
    """
    from optuna_gamma.torch import MnistMLP
    from optuna_gamma.torch import TorchObjective

    def model_fn() -> Any:
        model = MnistMLP(dropout=dropout)
        if keep_model is not None:
            keep_model.append(model)
        return model

    objective = TorchObjective(
        model_fn,
        train,
        val,
        epochs=epochs,
        lr=float(lr),
        batch_size=DIGITS_BATCH,
        weight_decay=DIGITS_WEIGHT_DECAY,
        target=target,  # type: ignore[arg-type]
        device="cpu",
        seed=seed,
    )
    trial = optuna.trial.FixedTrial({})
    value = objective(trial)
    return float(value), dict(trial.user_attrs)


@functools.cache
def _lr_digits_data() -> tuple[TensorPair, TensorPair]:
    train, val, _ = digits_splits(0)
    return train, val


def _lr_digits(params: Params) -> float:
    train, val = _lr_digits_data()
    value, _ = train_lr(
        params["lr"],
        train,
        val,
        epochs=LR_DIGITS_EPOCHS,
        seed=0,
        dropout=LR_DIGITS_DROPOUT,
        target="kappa",
    )
    return value


def _torch_problems() -> list[Problem]:
    """Problems of kind ``"torch"``: the thesis's learning-rate task on offline digits.

    ``lr-digits``: :class:`~optuna_gamma.torch.MnistMLP` (6 x 100 ReLU, no dropout) trained by
    ``TorchObjective`` with SGD (batch 50, weight decay 1e-3) for 3 epochs on 400 digits
    (28x28, seed-0 split of 500 images, 20% validation); returns validation kappa (maximised),
    lr in [1e-4, 0.5] on a log scale. Deterministic in lr (fixed split and torch seed), about
    0.05-0.1 s per evaluation on one CPU core. torch is imported inside ``evaluate`` so the
    registry stays importable without it.
    """
    return [
        Problem(
            "lr-digits", "torch", _static(_LR_DIGITS_DISTS), _lr_digits, "maximize",
            distributions=_LR_DIGITS_DISTS,
            description="thesis lr task: MnistMLP (no dropout), SGD 3 epochs on 400 digits, "
            "validation kappa; log lr",
        ),
    ]  # fmt: skip


def _build_registry() -> dict[str, Problem]:
    pi = math.pi
    st = -39.16616570377142
    problems = [
        _synthetic(
            "branin", branin, [(-5, 10), (0, 15)], 0.397887357729738,
            [[-pi, 12.275], [pi, 2.275], [9.42478, 2.475]], core=True,
        ),
        _synthetic(
            "hartmann3", hartmann3, [(0, 1)] * 3, -3.862779787332659,
            [[0.11458889, 0.55564889, 0.85254698]],
        ),
        _synthetic(
            "hartmann6", hartmann6, [(0, 1)] * 6, -3.322368011415514,
            [[0.20168951, 0.15001069, 0.47687397, 0.27533243, 0.31165161, 0.65730053]], core=True,
        ),
        _synthetic("ackley5", ackley, [(-32.768, 32.768)] * 5, 0.0, [[0.0] * 5], core=True),
        _synthetic("rosenbrock4", rosenbrock, [(-5, 10)] * 4, 0.0, [[1.0] * 4], core=True),
        _synthetic("levy4", levy, [(-10, 10)] * 4, 0.0, [[1.0] * 4]),
        _synthetic(
            "styblinski_tang4", styblinski_tang, [(-5, 5)] * 4, 4 * st,
            [[-2.903534018185960] * 4], core=True,
        ),
        _synthetic(
            "six_hump_camel", six_hump_camel, [(-3, 3), (-2, 2)], -1.031628453489877,
            [[0.0898420131, -0.7126564030], [-0.0898420131, 0.7126564030]],
        ),
        _synthetic("goldstein_price", goldstein_price, [(-2, 2)] * 2, 3.0, [[0.0, -1.0]]),
        _synthetic(
            "blog1d", blog_1d, [(-2, 6)], BLOG_1D_MAX, [[BLOG_1D_ARGMAX]],
            direction="maximize", core=True,
        ),
        _mixed_problem(),
        *_sklearn_problems(),
        *_torch_problems(),
    ]  # fmt: skip
    return {p.name: p for p in problems}


PROBLEMS: dict[str, Problem] = _build_registry()
CORE_SET: tuple[str, ...] = tuple(name for name, p in PROBLEMS.items() if p.core)


def get_problem(name: str) -> Problem:
    """Return a registered problem; a ``ValueError`` lists the valid names otherwise."""
    try:
        return PROBLEMS[name]
    except KeyError:
        raise ValueError(
            f"unknown problem {name!r}; valid problems: {', '.join(PROBLEMS)}"
        ) from None


def resolve_problems(spec: str) -> list[str]:
    """Expand a comma list of problem names and groups.

    Groups: ``core`` (the core set), ``synthetic``, ``sklearn``, ``torch``, ``all``.
    """
    groups: dict[str, list[str]] = {
        "core": list(CORE_SET),
        "all": list(PROBLEMS),
        "synthetic": [n for n, p in PROBLEMS.items() if p.kind == "synthetic"],
        "sklearn": [n for n, p in PROBLEMS.items() if p.kind == "sklearn"],
        "torch": [n for n, p in PROBLEMS.items() if p.kind == "torch"],
    }
    out: list[str] = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        if item in groups:
            names = groups[item]
        elif item in PROBLEMS:
            names = [item]
        else:
            raise ValueError(
                f"--problems: unknown problem or group {item!r}; valid groups: "
                f"{', '.join(groups)}; valid problems: {', '.join(PROBLEMS)}"
            )
        out.extend(n for n in names if n not in out)
    if not out:
        raise ValueError(f"--problems: empty selection {spec!r}")
    return out
