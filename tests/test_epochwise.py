"""Tests of optuna_gamma.torch.EpochwiseLRSearch (the thesis's per-epoch lr search) on CPU."""

from __future__ import annotations

import math
import os
from pathlib import Path
import subprocess
import sys
from typing import Any

import optuna
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from torch import nn  # noqa: E402

from optuna_gamma.torch import EpochwiseLRSearch  # noqa: E402
from optuna_gamma.torch import evaluate  # noqa: E402
from optuna_gamma.torch import load_digits  # noqa: E402
from optuna_gamma.torch import train_val_split  # noqa: E402

TrialState = optuna.trial.TrialState
optuna.logging.set_verbosity(optuna.logging.WARNING)
REPO_ROOT = Path(__file__).resolve().parents[1]

# Most resume tests share an InMemoryStorage object between runs (fast); the study test, the
# resume-inside-an-epoch test and the example test go through SQLite.

# Fields of a history record that do not depend on wall time or on trial numbering.
STABLE_KEYS = ("epoch", "lr", "kappa", "accuracy", "loss", "train_loss", "kept_candidate")


@pytest.fixture(scope="module")
def digits() -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    X, y = load_digits(size=8)
    return train_val_split((X[:250], y[:250]), 0.2, seed=0)


def small_model() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def make_search(digits: Any, **kwargs: Any) -> EpochwiseLRSearch:
    train, val = digits
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("candidates_per_epoch", 2)
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("batch_size", 16)
    kwargs.setdefault("lr", (1e-3, 0.3))
    kwargs.setdefault("device", "cpu")
    return EpochwiseLRSearch(small_model, train, val, **kwargs)


def stable(history: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        tuple(r[k] for k in STABLE_KEYS) + tuple(c["lr"] for c in r["candidates"]) for r in history
    ]


def test_kept_model_metrics_equal_recorded_candidate(digits: Any) -> None:
    search = make_search(digits, epochs=3, candidates_per_epoch=3)
    model, history = search.run()
    assert len(history) == 3
    _, val = digits
    metrics = evaluate(model, *val)
    last = history[-1]
    kept = last["candidates"][last["kept_candidate"]]
    assert metrics["kappa"] == pytest.approx(last["kappa"], rel=1e-12)
    assert metrics["accuracy"] == last["accuracy"] == kept["accuracy"]
    assert metrics["loss"] == pytest.approx(kept["loss"], rel=1e-12)
    # The kept candidate is the best finished one of its epoch.
    for record in history:
        best = max(c["kappa"] for c in record["candidates"] if not c["diverged"])
        assert record["kappa"] == best
        assert record["n_candidates"] == 3
    assert [r["epochs_trained"] for r in history] == [3, 6, 9]
    assert search.epochs_trained == 9


def test_trials_recorded_in_study(digits: Any, tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'ew.db'}"
    search = make_search(digits, storage=storage, study_name="ew")
    _, history = search.run()
    study = optuna.load_study(study_name="ew", storage=storage)
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(trials) == 4
    for record in history:
        mine = [t for t in trials if t.user_attrs["epoch"] == record["epoch"]]
        assert len(mine) == 2
        assert sum(t.user_attrs["kept"] for t in mine) == 1
        kept = next(t for t in mine if t.user_attrs["kept"])
        assert kept.params["lr"] == record["lr"]
        assert kept.value == record["kappa"] == kept.user_attrs["kappa"]
        assert "confusion_matrix" in kept.user_attrs


def test_weights_carry_over(digits: Any) -> None:
    # Record the weights every candidate starts from (the optimizer is built on them).
    starts: list[list[torch.Tensor]] = []

    def optimizer(params: Any, lr: float, weight_decay: float) -> torch.optim.Optimizer:
        params = list(params)
        starts.append([p.detach().clone() for p in params])
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)

    kept: list[list[torch.Tensor]] = []

    def remember(search: EpochwiseLRSearch, record: dict[str, Any]) -> None:
        kept.append([p.detach().clone() for p in model_box[0].parameters()])

    model_box: list[nn.Module] = []

    def model_fn() -> nn.Module:
        model_box.append(small_model())
        return model_box[-1]

    search = EpochwiseLRSearch(
        model_fn,
        *digits,
        epochs=2,
        candidates_per_epoch=2,
        seed=0,
        batch_size=16,
        lr=(1e-3, 0.3),
        device="cpu",
        optimizer=optimizer,
        callbacks=[remember],
    )
    model, history = search.run()
    assert len(starts) == 4 and len(kept) == 2
    initial = starts[0]
    assert all(torch.equal(a, b) for a, b in zip(starts[1], initial))  # same epoch, same start
    for start in starts[2:]:  # epoch 2 starts from epoch 1's kept weights, not a fresh init
        assert all(torch.equal(a, b) for a, b in zip(start, kept[0]))
        assert not all(torch.equal(a, b) for a, b in zip(start, initial))
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), kept[1]))
    assert history[1]["epochs_trained"] == 4


class Exploding(nn.Module):
    """Diverges (NaN loss) whenever the learning rate of the current step is large."""

    def __init__(self) -> None:
        super().__init__()
        self.net = small_model()
        self.lr_box: list[float] = [0.0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        if self.training and self.lr_box[0] > 0.1:
            return out * math.nan
        return out


def test_diverging_candidate_is_discarded(digits: Any) -> None:
    model_box: list[Exploding] = []

    def model_fn() -> nn.Module:
        model_box.append(Exploding())
        return model_box[-1]

    def optimizer(params: Any, lr: float, weight_decay: float) -> torch.optim.Optimizer:
        model_box[-1].lr_box[0] = lr
        return torch.optim.SGD(params, lr=min(lr, 0.05), weight_decay=weight_decay)

    train, val = digits
    search = EpochwiseLRSearch(
        model_fn,
        train,
        val,
        epochs=2,
        candidates_per_epoch=3,
        seed=0,
        batch_size=16,
        lr=(1e-3, 0.3),
        device="cpu",
        optimizer=optimizer,
    )
    _, history = search.run()
    n_diverged = sum(r["n_diverged"] for r in history)
    assert n_diverged >= 1  # the sampler tried lr > 0.1 at least once
    for record in history:
        for c in record["candidates"]:
            assert c["diverged"] == (c["lr"] > 0.1)
            if c["diverged"]:
                assert c["loss"] == math.inf
                assert math.isfinite(c["kappa"])
        if not record["all_diverged"]:
            assert record["lr"] <= 0.1
            assert math.isfinite(record["loss"])


def test_all_candidates_diverged_keeps_previous_weights(digits: Any) -> None:
    class AlwaysNaN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = small_model()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.net(x)
            return out * math.nan if self.training else out

    train, val = digits
    search = EpochwiseLRSearch(
        AlwaysNaN, train, val, epochs=1, candidates_per_epoch=2, seed=0, device="cpu"
    )
    model, history = search.run()
    assert history[0]["all_diverged"] is True
    assert history[0]["lr"] is None
    assert history[0]["kept_candidate"] is None
    assert history[0]["n_diverged"] == 2
    assert history[0]["epochs_trained"] == 2  # the diverged candidates still count as compute
    # The model kept its initial (finite) weights, whose metrics are recorded.
    assert all(torch.isfinite(p).all() for p in model.parameters())
    _, val = digits
    assert evaluate(model, *val)["kappa"] == pytest.approx(history[0]["kappa"], rel=1e-12)


def test_same_seed_same_history(digits: Any) -> None:
    _, first = make_search(digits, epochs=2, candidates_per_epoch=3).run()
    _, second = make_search(digits, epochs=2, candidates_per_epoch=3).run()
    assert stable(first) == stable(second)
    _, other = make_search(digits, epochs=2, candidates_per_epoch=3, seed=1).run()
    assert stable(first) != stable(other)


class Stop(Exception):
    pass


@pytest.mark.parametrize("warm_start", ["previous_best", "all_epochs"])
def test_resume_after_interruption_between_epochs(
    digits: Any, tmp_path: Path, warm_start: str
) -> None:
    _, full = make_search(digits, epochs=3, candidates_per_epoch=2, warm_start=warm_start).run()

    def stop_after_first(search: EpochwiseLRSearch, record: dict[str, Any]) -> None:
        if record["epoch"] == 1:
            raise Stop

    common = {
        "epochs": 3,
        "candidates_per_epoch": 2,
        "warm_start": warm_start,
        "storage": optuna.storages.InMemoryStorage(),
        "study_name": "r",
        "checkpoint_dir": tmp_path / "ckpt",
    }
    with pytest.raises(Stop):
        make_search(digits, callbacks=[stop_after_first], **common).run()
    resumed = make_search(digits, **common)
    _, history = resumed.run()
    assert stable(history) == stable(full)
    study = optuna.load_study(study_name="r", storage=common["storage"])
    epochs = [t.user_attrs["epoch"] for t in study.get_trials(states=(TrialState.COMPLETE,))]
    assert sorted(epochs) == [1, 1, 2, 2, 3, 3]  # epoch 1 was not trained again


def test_resume_after_interruption_inside_an_epoch(digits: Any, tmp_path: Path) -> None:
    _, full = make_search(digits, epochs=2, candidates_per_epoch=2).run()
    calls = {"n": 0}

    def loss_fn(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if logits.requires_grad:
            calls["n"] += 1
            if calls["n"] == 50:  # inside epoch 2 (each candidate-epoch is 13 batches)
                raise KeyboardInterrupt
        return nn.functional.cross_entropy(logits, y)

    common = {
        "storage": f"sqlite:///{tmp_path / 'r.db'}",
        "study_name": "r",
        "checkpoint_dir": tmp_path / "ckpt",
    }
    with pytest.raises(KeyboardInterrupt):
        make_search(digits, loss_fn=loss_fn, **common).run()
    study = optuna.load_study(study_name="r", storage=common["storage"])
    failed = study.get_trials(states=(TrialState.FAIL,))
    assert failed and all(t.user_attrs["epoch"] == 2 for t in failed)
    assert all(t.user_attrs["interrupted"] for t in failed)
    _, history = make_search(digits, **common).run()
    assert stable(history) == stable(full)


def test_waiting_trial_left_by_an_interrupted_run_is_retired(digits: Any, tmp_path: Path) -> None:
    # An interruption between enqueue_trial and ask leaves a WAITING trial behind; the resumed
    # run must not train it in place of its own proposal.
    _, clean = make_search(digits).run()
    storage = optuna.storages.InMemoryStorage()
    search = make_search(digits, storage=storage, study_name="w")
    search.create_study().enqueue_trial({"lr": 0.2}, user_attrs={"epoch": 1, "candidate": 0})
    _, history = search.run()
    assert stable(history) == stable(clean)
    study = optuna.load_study(study_name="w", storage=storage)
    (stale,) = study.get_trials(states=(TrialState.FAIL,))
    assert stale.user_attrs["stale"] is True


def test_existing_study_without_checkpoint_is_rejected(digits: Any, tmp_path: Path) -> None:
    storage = optuna.storages.InMemoryStorage()
    make_search(digits, epochs=1, storage=storage, study_name="x").run()
    with pytest.raises(ValueError, match="checkpoint_dir"):
        make_search(digits, epochs=1, storage=storage, study_name="x").run()


def test_resume_without_seed_keeps_the_run_seed_and_rejects_another(
    digits: Any, tmp_path: Path
) -> None:
    common = {
        "storage": optuna.storages.InMemoryStorage(),
        "study_name": "s",
        "checkpoint_dir": tmp_path / "ckpt",
    }
    make_search(digits, epochs=1, seed=None, **common).run()  # "interrupted" after epoch 1
    _, resumed = make_search(digits, epochs=2, seed=None, **common).run()
    study = optuna.load_study(study_name="s", storage=common["storage"])
    assert study.user_attrs["epochwise:attempts"] == 2
    run_seed = study.user_attrs["epochwise:run_seed"]
    _, uninterrupted = make_search(digits, epochs=2, seed=run_seed).run()
    assert stable(resumed) == stable(uninterrupted)
    with pytest.raises(ValueError, match="seed"):
        make_search(digits, epochs=2, seed=run_seed + 1, **common).run()


def test_warm_start_previous_best_enqueues_previous_lr(digits: Any) -> None:
    _, history = make_search(digits, epochs=3, candidates_per_epoch=2).run()
    for before, after in zip(history, history[1:]):
        assert after["candidates"][0]["lr"] == before["lr"]


@pytest.mark.parametrize("lr_window", [None, 3.0])
def test_lr_window_bounds_later_proposals(digits: Any, lr_window: float | None) -> None:
    search = make_search(digits, epochs=3, candidates_per_epoch=3, lr_window=lr_window)
    _, history = search.run()
    lows = []
    for before, after in zip(history, history[1:]):
        for c in after["candidates"]:
            assert 1e-3 <= c["lr"] <= 0.3
            if lr_window is not None:
                assert before["lr"] / lr_window <= c["lr"] <= before["lr"] * lr_window
            lows.append(c["lr"] / before["lr"])
    if lr_window is None:  # the full range is searched: some proposal leaves the window
        assert max(lows) > 3.0 or min(lows) < 1 / 3.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"candidates_per_epoch": 0}, "candidates_per_epoch"),
        ({"lr": (0.1, 0.01)}, "lr"),
        ({"lr": (0.0, 0.1)}, "lr"),
        ({"warm_start": "sometimes"}, "warm_start"),
        ({"n_startup_candidates": -1}, "n_startup_candidates"),
        ({"lr_window": 1.0}, "lr_window"),
        ({"seed": -3}, "seed"),
        ({"lam": 1.5}, "lam"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"batch_size": 0}, "batch_size"),
        # Accepted before and failing only in run(), or never:
        ({"optimizer": "adam", "momentum": 0.9}, "momentum"),
        ({"optimizer": "adamw", "momentum": 0.0}, "momentum"),
        ({"weight_decay": float("inf")}, "weight_decay"),
        ({"weight_decay": True}, "weight_decay"),
        ({"momentum": float("nan")}, "momentum"),
    ],
)
def test_invalid_arguments(digits: Any, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_search(digits, **kwargs)


def test_example_runs(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    storage = f"sqlite:///{tmp_path / 'ex.db'}"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "examples" / "epochwise_lr.py"),
            "--epochs",
            "2",
            "--candidates",
            "2",
            "--n-images",
            "200",
            "--storage",
            storage,
            "--checkpoint-dir",
            str(tmp_path / "ckpt"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "epochs trained" in result.stdout
    studies = optuna.get_all_study_summaries(storage)
    assert len(studies) == 1 and studies[0].n_trials == 4
