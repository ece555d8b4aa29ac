"""End-to-end tests of optuna_gamma.torch.TorchObjective on small offline data (CPU, seconds)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import optuna
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from sklearn.metrics import matthews_corrcoef  # noqa: E402
from sklearn.metrics import recall_score  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import Dataset  # noqa: E402
from torch.utils.data import TensorDataset  # noqa: E402

from optuna_gamma._kappa import kappa_score  # noqa: E402
from optuna_gamma.torch import METRIC_KEYS  # noqa: E402
from optuna_gamma.torch import EpochwiseLRSearch  # noqa: E402
from optuna_gamma.torch import TorchObjective  # noqa: E402
from optuna_gamma.torch import evaluate  # noqa: E402
from optuna_gamma.torch import load_digits  # noqa: E402
from optuna_gamma.torch import train_one_epoch  # noqa: E402
from optuna_gamma.torch import train_val_split  # noqa: E402
from optuna_gamma.torch._config import TrainingConfig  # noqa: E402

TrialState = optuna.trial.TrialState
optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def digits() -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    X, y = load_digits(size=8)
    return train_val_split((X[:400], y[:400]), 0.2, seed=0)


def small_model() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


# Settings under which the small model learns the 8x8 digits in one or two epochs.
FAST: dict[str, Any] = {"batch_size": 8, "momentum": 0.9}


def make_study(direction: Any = "maximize", **kwargs: Any) -> optuna.Study:
    kwargs.setdefault("sampler", optuna.samplers.RandomSampler(seed=0))
    return optuna.create_study(direction=direction, **kwargs)


def test_metrics_present_and_consistent(digits: Any, tmp_path: Any) -> None:
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=2, lr=(0.05, 0.15), seed=0, **FAST)
    storage = f"sqlite:///{tmp_path / 'runs.db'}"
    study = make_study(storage=storage, study_name="m")
    study.optimize(objective, n_trials=2)
    reloaded = optuna.load_study(study_name="m", storage=storage)  # round trip through SQLite
    for trial in reloaded.trials:
        assert trial.state == TrialState.COMPLETE
        attrs = trial.user_attrs
        for key in (*METRIC_KEYS, "train_loss", "epochs_run", "seconds_per_epoch", "device"):
            assert key in attrs, key
        json.dumps(attrs)  # JSON-serialisable
        cm = np.asarray(attrs["confusion_matrix"])
        assert cm.shape == (10, 10)
        assert cm.sum() == len(val[1])
        assert attrs["accuracy"] == pytest.approx(np.trace(cm) / cm.sum())
        assert attrs["kappa"] == pytest.approx(kappa_score(attrs["accuracy"], attrs["loss"]))
        assert trial.value == pytest.approx(attrs["kappa"])
        assert 0.0 <= attrs["sensitivity"] <= 1.0 and 0.0 <= attrs["specificity"] <= 1.0
        assert -1.0 <= attrs["mcc"] <= 1.0
        assert attrs["epochs_run"] == 2
        assert attrs["device"] == "cpu"
        assert attrs["diverged"] is False
        assert attrs["seconds_per_epoch"] > 0
        assert sorted(trial.intermediate_values) == [1, 2]
        assert trial.intermediate_values[2] == pytest.approx(trial.value)
        assert 0.05 <= trial.params["lr"] <= 0.15
    # a reasonable learning rate learns the digits well above chance
    assert max(t.user_attrs["accuracy"] for t in reloaded.trials) > 0.5


def test_evaluate_matches_sklearn(digits: Any) -> None:
    train, val = digits
    torch.manual_seed(0)
    model = small_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    train_one_epoch(model, opt, *train, batch_size=25, generator=torch.Generator().manual_seed(0))
    metrics = evaluate(model, *val, num_classes=10, batch_size=7)
    with torch.no_grad():
        model.eval()
        logits = model(val[0])
        y_pred = logits.argmax(1).numpy()
        loss = nn.functional.cross_entropy(logits, val[1]).item()
    y_true = val[1].numpy()
    assert metrics["accuracy"] == pytest.approx(np.mean(y_pred == y_true))
    assert metrics["loss"] == pytest.approx(loss, rel=1e-5)  # chunking does not change it
    assert metrics["sensitivity"] == pytest.approx(
        recall_score(y_true, y_pred, average="macro", labels=np.unique(y_true), zero_division=0)
    )
    assert metrics["mcc"] == pytest.approx(matthews_corrcoef(y_true, y_pred))
    cm = np.asarray(metrics["confusion_matrix"])
    spec = [
        (cm.sum() - cm[k].sum() - cm[:, k].sum() + cm[k, k]) / (cm.sum() - cm[k].sum())
        for k in range(10)
    ]
    assert metrics["specificity"] == pytest.approx(np.mean(spec))


def test_train_one_epoch_lowers_loss_and_keeps_mode(digits: Any) -> None:
    train, val = digits
    torch.manual_seed(0)
    model = small_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    before = evaluate(model, *val)["loss"]
    gen = torch.Generator().manual_seed(0)
    losses = [train_one_epoch(model, opt, *train, batch_size=20, generator=gen) for _ in range(3)]
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
    model.eval()
    assert evaluate(model, *val)["loss"] < before
    assert model.training is False  # evaluate restores the mode it found
    with pytest.raises(ValueError, match="batch_size"):
        train_one_epoch(model, opt, *train, batch_size=0)


def test_pruner_stops_a_bad_trial(digits: Any) -> None:
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=3, seed=0, **FAST)
    study = make_study(pruner=optuna.pruners.ThresholdPruner(lower=0.1))
    study.enqueue_trial({"lr": 0.1})  # learns: accuracy ≈ 0.7 after one epoch, κ > 0.1
    study.enqueue_trial({"lr": 1e-4})  # barely moves: κ ≈ accuracy² ≈ 0.01
    study.optimize(objective, n_trials=2)
    good, bad = study.trials
    assert good.state == TrialState.COMPLETE
    assert bad.state == TrialState.PRUNED
    assert list(bad.intermediate_values) == [1]
    assert bad.user_attrs["epochs_run"] == 1
    assert "accuracy" in bad.user_attrs


@pytest.mark.parametrize("epochs", [1, 2])
def test_final_epoch_is_never_pruned(digits: Any, epochs: int) -> None:
    # A pruner that prunes everything: only epochs before the last may be cut.
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=epochs, seed=0, **FAST)
    study = make_study(pruner=optuna.pruners.ThresholdPruner(lower=1e9))
    study.enqueue_trial({"lr": 0.1})
    study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    if epochs == 1:
        assert trial.state == TrialState.COMPLETE
        assert trial.value == pytest.approx(trial.user_attrs["kappa"])
    else:
        assert trial.state == TrialState.PRUNED
        assert trial.user_attrs["epochs_run"] == 1


def test_huge_learning_rate_diverges_with_finite_kappa(digits: Any) -> None:
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=3, lr=(1e-3, 1e20), seed=0, **FAST)
    study = make_study()
    study.enqueue_trial({"lr": 1e20})  # weights overflow: training loss NaN
    study.enqueue_trial({"lr": 0.1})
    study.optimize(objective, n_trials=2)
    diverged, normal = study.trials
    assert diverged.state == TrialState.COMPLETE
    assert diverged.user_attrs["diverged"] is True
    assert diverged.user_attrs["epochs_run"] == 1  # stopped early
    assert diverged.user_attrs["loss"] == math.inf
    assert diverged.value is not None and normal.value is not None
    assert math.isfinite(diverged.value)
    assert diverged.value == pytest.approx(diverged.user_attrs["accuracy"] ** 2)  # else-branch
    assert normal.state == TrialState.COMPLETE
    assert normal.user_attrs["diverged"] is False
    assert normal.value > diverged.value


def test_diverged_with_loss_target_returns_inf(digits: Any) -> None:
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=2, lr=1e20, target="loss", seed=0)
    study = make_study("minimize")
    study.optimize(objective, n_trials=1)
    assert study.trials[0].value == math.inf
    assert study.trials[0].user_attrs["diverged"] is True


class _OOMOnFirstBuild(nn.Module):
    def __init__(self, fail: bool) -> None:
        super().__init__()
        self.fail = fail
        self.body = small_model()

    def forward(self, x: Any) -> Any:
        if self.fail:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.body(x)


def test_simulated_cuda_oom_fails_one_trial_and_study_continues(digits: Any) -> None:
    train, val = digits

    def model_fn(trial: optuna.Trial) -> nn.Module:
        return _OOMOnFirstBuild(fail=trial.number == 0)

    objective = TorchObjective(model_fn, train, val, epochs=1, seed=0)
    study = make_study()
    study.optimize(objective, n_trials=2)
    failed, ok = study.trials
    assert failed.state == TrialState.FAIL
    assert "batch_size" in failed.user_attrs["error"]
    assert "mixed_precision" in failed.user_attrs["error"]
    assert ok.state == TrialState.COMPLETE
    assert ok.value is not None and math.isfinite(ok.value)


def test_oom_reraised_when_not_caught(digits: Any) -> None:
    train, val = digits
    objective = TorchObjective(
        lambda: _OOMOnFirstBuild(fail=True), train, val, epochs=1, catch_oom=False
    )
    study = make_study()
    with pytest.raises(torch.cuda.OutOfMemoryError):
        study.optimize(objective, n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_other_errors_propagate(digits: Any) -> None:
    train, val = digits

    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(1, 1)

        def forward(self, x: Any) -> Any:
            raise RuntimeError("shape mismatch")

    objective = TorchObjective(Broken, train, val, epochs=1)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        make_study().optimize(objective, n_trials=1)


def test_keyboard_interrupt_propagates_and_storage_is_consistent(
    digits: Any, tmp_path: Any
) -> None:
    train, val = digits

    class Interrupt(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(1, 1)

        def forward(self, x: Any) -> Any:
            raise KeyboardInterrupt

    def model_fn(trial: optuna.Trial) -> nn.Module:
        return Interrupt() if trial.number == 1 else small_model()

    storage = f"sqlite:///{tmp_path / 'ctrl_c.db'}"
    study = make_study(storage=storage, study_name="c")
    with pytest.raises(KeyboardInterrupt):
        study.optimize(TorchObjective(model_fn, train, val, epochs=1), n_trials=3)
    states = [t.state for t in optuna.load_study(study_name="c", storage=storage).trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL]


def _run_seeded(digits: Any, seed: int) -> list[tuple[Any, ...]]:
    train, val = digits

    def model_fn() -> nn.Module:  # dropout makes the test sensitive to the RNG
        return nn.Sequential(
            nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10)
        )

    objective = TorchObjective(model_fn, train, val, epochs=2, batch_size=[16, 32], seed=seed)
    study = make_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=3)
    return [
        (t.value, t.params, t.user_attrs["loss"], t.user_attrs["confusion_matrix"])
        for t in study.trials
    ]


def test_same_seed_same_result_on_cpu(digits: Any) -> None:
    state_before = torch.get_rng_state()
    first = _run_seeded(digits, seed=3)
    assert torch.equal(torch.get_rng_state(), state_before)  # global RNG left untouched
    assert first == _run_seeded(digits, seed=3)
    other = _run_seeded(digits, seed=4)
    assert [r[2] for r in other] != [r[2] for r in first]


def test_direction_must_match_target(digits: Any) -> None:
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=1)
    with pytest.raises(ValueError, match="direction='maximize'"):
        make_study("minimize").optimize(objective, n_trials=1)
    loss_objective = TorchObjective(small_model, train, val, epochs=1, target="loss")
    with pytest.raises(ValueError, match="direction='minimize'"):
        make_study("maximize").optimize(loss_objective, n_trials=1)
    with pytest.raises(ValueError, match="objectives"):
        optuna.create_study(directions=["maximize", "maximize"]).optimize(objective, n_trials=1)


@pytest.mark.parametrize(("target", "direction"), [("accuracy", "maximize"), ("loss", "minimize")])
def test_other_targets(digits: Any, target: str, direction: str) -> None:
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=1, target=target, seed=0)  # type: ignore[arg-type]
    study = make_study(direction)
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.value == pytest.approx(trial.user_attrs[target])
    assert trial.intermediate_values[1] == pytest.approx(trial.value)


def test_searches_optional_hyperparameters_and_model_from_trial(digits: Any) -> None:
    train, val = digits

    def model_fn(trial: optuna.Trial) -> nn.Module:
        width = trial.suggest_int("width", 4, 16)
        return nn.Sequential(nn.Flatten(), nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))

    objective = TorchObjective(
        model_fn,
        train,
        val,
        epochs=1,
        lr=(1e-3, 0.3),
        batch_size=(16, 64),
        weight_decay=(1e-5, 1e-2),
        momentum=(0.0, 0.9),
        seed=0,
    )
    study = make_study()
    study.optimize(objective, n_trials=2)
    for trial in study.trials:
        assert set(trial.params) == {"lr", "batch_size", "weight_decay", "momentum", "width"}
        assert trial.params["batch_size"] in (16, 64)
        assert trial.state == TrialState.COMPLETE


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "rmsprop", "sgd"])
def test_optimizers(digits: Any, optimizer: str) -> None:
    train, val = digits
    objective = TorchObjective(
        small_model, train, val, epochs=1, lr=0.01, optimizer=optimizer, seed=0
    )
    study = make_study()
    study.optimize(objective, n_trials=1)
    assert study.trials[0].state == TrialState.COMPLETE
    assert study.trials[0].params == {}  # a fixed lr is not suggested


def test_optimizer_callable(digits: Any) -> None:
    train, val = digits
    seen: dict[str, Any] = {}

    def factory(params: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return torch.optim.SGD(params, **kwargs)

    objective = TorchObjective(small_model, train, val, epochs=1, optimizer=factory, momentum=0.5)
    make_study().optimize(objective, n_trials=1)
    assert seen["momentum"] == 0.5 and "lr" in seen and "weight_decay" in seen


def test_dataset_inputs(digits: Any) -> None:
    train, val = digits

    class Plain(Dataset):  # type: ignore[type-arg]
        def __len__(self) -> int:
            return len(val[1])

        def __getitem__(self, i: int) -> tuple[Any, int]:
            return val[0][i].numpy(), int(val[1][i])

    objective = TorchObjective(small_model, TensorDataset(*train), Plain(), epochs=1, seed=0)
    study = make_study()
    study.optimize(objective, n_trials=1)
    assert np.asarray(study.trials[0].user_attrs["confusion_matrix"]).sum() == len(val[1])


def test_fixed_trial(digits: Any) -> None:
    train, val = digits
    objective = TorchObjective(small_model, train, val, epochs=1, seed=0)
    value = objective(optuna.trial.FixedTrial({"lr": 0.1}))
    assert math.isfinite(value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1, "lr": (0.0, 0.5)}, "lr"),
        ({"epochs": 1, "lr": (0.5, 0.1)}, "lr"),
        ({"epochs": 1, "lr": -1.0}, "lr"),
        ({"epochs": 1, "batch_size": 0}, "batch_size"),
        ({"epochs": 1, "batch_size": []}, "batch_size"),
        ({"epochs": 1, "weight_decay": (0.0, 1e-2)}, "weight_decay"),
        ({"epochs": 1, "target": "f1"}, "target"),
        ({"epochs": 1, "optimizer": "lbfgs"}, "optimizer"),
        ({"epochs": 1, "optimizer": "adam", "momentum": 0.9}, "momentum"),
        ({"epochs": 1, "lam": 1.0}, "lam"),
        ({"epochs": 1, "kappa_variant": "eq13"}, "kappa_variant"),
        ({"epochs": 1, "device": "tpu"}, "device"),
        ({"epochs": 1, "num_classes": 3}, "num_classes"),
        ({"epochs": 1, "data_on_device": "yes"}, "data_on_device"),
        ({"epochs": 1, "eval_batch_size": 0}, "eval_batch_size"),
        ({"epochs": 1, "seed": -1}, "seed must be a non-negative int"),  # failed every trial
    ],
)
def test_invalid_arguments(digits: Any, kwargs: dict[str, Any], match: str) -> None:
    train, val = digits
    with pytest.raises(ValueError, match=match):
        TorchObjective(small_model, train, val, **kwargs)


def test_a_loss_that_is_not_callable_is_rejected_when_made(digits: Any) -> None:
    """``loss_fn=3`` used to be accepted and to fail every trial at its first batch."""
    train, val = digits
    with pytest.raises(TypeError, match="loss_fn must be a callable"):
        TorchObjective(small_model, train, val, epochs=1, loss_fn=3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"optimizer": "lbfgs"}, ValueError, "optimizer must be one of"),
        ({"kappa_variant": "eq13"}, ValueError, "kappa_variant must be one of"),
        ({"lam": 1.0}, ValueError, "lam must satisfy"),
        ({"lam": "x"}, TypeError, "lam must be a real number"),
        ({"device": "tpu"}, ValueError, "device must be"),
        ({"data_on_device": "yes"}, ValueError, "data_on_device must be"),
    ],
)
def test_shared_settings_are_checked_by_one_config(
    digits: Any, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    # The training settings both helpers take are checked in TrainingConfig: same error, same
    # message, from either constructor.
    train, val = digits
    with pytest.raises(error, match=match) as direct:
        TrainingConfig(**kwargs)
    with pytest.raises(error) as objective:
        TorchObjective(small_model, train, val, epochs=1, **kwargs)
    with pytest.raises(error) as search:
        EpochwiseLRSearch(small_model, train, val, epochs=1, candidates_per_epoch=1, **kwargs)
    assert str(objective.value) == str(search.value) == str(direct.value)


def test_training_config_is_frozen_and_holds_checked_values(digits: Any) -> None:
    config = TrainingConfig(lam=np.float32(0.25), device="cpu", mixed_precision=True)
    assert config.device == torch.device("cpu")
    assert type(config.lam) is float and config.lam == 0.25
    assert config.autocast_dtype is None  # mixed precision is used on CUDA only
    assert config == TrainingConfig(lam=0.25, device=torch.device("cpu"), mixed_precision=True)
    with pytest.raises(AttributeError):
        config.lam = 0.5  # type: ignore[misc]
    train, val = digits
    objective = TorchObjective(
        small_model, train, val, epochs=1, device="cpu", optimizer="adam", catch_oom=False
    )
    assert objective.device == torch.device("cpu")
    assert (objective.optimizer, objective.catch_oom) == ("adam", False)
    with pytest.raises(AttributeError):
        objective.device = torch.device("cpu")  # type: ignore[misc]


def test_invalid_model_and_data(digits: Any) -> None:
    train, val = digits
    with pytest.raises(TypeError, match="model_fn"):
        TorchObjective(42, train, val, epochs=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="train_data"):
        TorchObjective(small_model, 42, val, epochs=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shape"):
        TorchObjective(small_model, train, (val[0][:, :, :4], val[1]), epochs=1)
    objective = TorchObjective(lambda: "not a module", train, val, epochs=1)  # type: ignore
    with pytest.raises(TypeError, match="nn.Module"):
        make_study().optimize(objective, n_trials=1)


def test_mixed_precision_on_cpu_warns(digits: Any) -> None:
    train, val = digits
    with pytest.warns(UserWarning, match="mixed_precision"):
        TorchObjective(small_model, train, val, epochs=1, mixed_precision=True, device="cpu")


def test_autocast_path_runs_on_cpu_bfloat16(digits: Any) -> None:
    # The mixed-precision code path (CUDA in practice) exercised with CPU autocast.
    train, val = digits
    torch.manual_seed(0)
    model = small_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    gen = torch.Generator().manual_seed(0)
    losses = [
        train_one_epoch(
            model, opt, *train, batch_size=8, generator=gen, autocast_dtype=torch.bfloat16
        )
        for _ in range(2)
    ]
    assert all(math.isfinite(v) for v in losses)
    metrics = evaluate(model, *val, autocast_dtype=torch.bfloat16)
    assert metrics["accuracy"] > 0.3
