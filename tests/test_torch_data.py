"""Tests of optuna_gamma.torch's data loaders, split, models and device helpers (offline, CPU)."""

from __future__ import annotations

from pathlib import Path
import struct
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.utils.data import TensorDataset  # noqa: E402

from optuna_gamma.torch import Cifar10CNN  # noqa: E402
from optuna_gamma.torch import MnistMLP  # noqa: E402
from optuna_gamma.torch import as_tensors  # noqa: E402
from optuna_gamma.torch import classification_metrics  # noqa: E402
from optuna_gamma.torch import is_out_of_memory_error  # noqa: E402
from optuna_gamma.torch import load_cifar10  # noqa: E402
from optuna_gamma.torch import load_digits  # noqa: E402
from optuna_gamma.torch import load_mnist  # noqa: E402
from optuna_gamma.torch import make_optimizer  # noqa: E402
from optuna_gamma.torch import prepare_data  # noqa: E402
from optuna_gamma.torch import resolve_device  # noqa: E402
from optuna_gamma.torch import seeded  # noqa: E402
from optuna_gamma.torch import train_val_split  # noqa: E402
from optuna_gamma.torch import trial_seed  # noqa: E402


@pytest.mark.parametrize("size", [8, 28, 32])
def test_load_digits(size: int) -> None:
    X, y = load_digits(size=size)
    assert X.shape == (1797, 1, size, size)
    assert X.dtype == torch.float32 and y.dtype == torch.int64
    assert float(X.min()) >= 0.0 and float(X.max()) <= 1.0
    assert sorted(torch.unique(y).tolist()) == list(range(10))


@pytest.mark.parametrize("size", [7, 0, 2.5, True])
def test_load_digits_bad_size(size: Any) -> None:
    with pytest.raises(ValueError, match="size"):
        load_digits(size=size)


def test_train_val_split_80_20() -> None:
    X = torch.arange(500, dtype=torch.float32).unsqueeze(1)
    y = torch.arange(500) % 10
    (X_tr, y_tr), (X_val, y_val) = train_val_split((X, y), 0.2, seed=0)
    assert len(y_tr) == 400 and len(y_val) == 100
    ids = set(X_tr[:, 0].tolist()) | set(X_val[:, 0].tolist())
    assert len(ids) == 500  # disjoint and complete
    assert torch.equal(y_tr, (X_tr[:, 0].long() % 10))  # rows kept with their labels
    again = train_val_split((X, y), 0.2, seed=0)
    assert torch.equal(again[1][0], X_val)
    other = train_val_split((X, y), 0.2, seed=1)
    assert not torch.equal(other[1][0], X_val)
    ordered = train_val_split((X, y), 0.2, seed=None)
    assert ordered[1][0][:, 0].tolist() == list(range(400, 500))


def test_train_val_split_stratified() -> None:
    X = torch.randn(300, 3)
    y = torch.cat([torch.zeros(200), torch.ones(100)]).long()
    (_, y_tr), (_, y_val) = train_val_split((X, y), 0.2, seed=0, stratify=True)
    assert int((y_val == 0).sum()) == 40 and int((y_val == 1).sum()) == 20
    assert len(y_tr) == 240


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 2])
def test_train_val_split_bad_fraction(fraction: float) -> None:
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split((torch.zeros(10, 2), torch.zeros(10).long()), fraction)


def test_as_tensors_kinds_and_errors() -> None:
    X, y = np.random.rand(6, 2).astype(np.float64), np.arange(6)
    Xt, yt = as_tensors((X, y))
    assert Xt.dtype == torch.float64 and yt.dtype == torch.int64
    Xu, _ = as_tensors((torch.zeros(6, 2, dtype=torch.uint8), torch.arange(6)))
    assert Xu.dtype == torch.float32
    Xd, yd = as_tensors(TensorDataset(torch.ones(4, 3), torch.arange(4)))
    assert Xd.shape == (4, 3) and yd.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="same number"):
        as_tensors((torch.zeros(5, 2), torch.zeros(4).long()))
    with pytest.raises(ValueError, match="integer"):
        as_tensors((torch.zeros(4, 2), torch.zeros(4)))
    with pytest.raises(ValueError, match=">= 0"):
        as_tensors((torch.zeros(2, 2), torch.tensor([0, -1])))
    with pytest.raises(TypeError, match="data"):
        as_tensors("not data")  # type: ignore[arg-type]


def _write_idx(path: Path, array: np.ndarray) -> None:
    magic = {1: 0x801, 3: 0x803}[array.ndim]
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_load_mnist_from_local_files(tmp_path: Path) -> None:
    pytest.importorskip("torchvision")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 12), ("t10k", 5)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    X, y = load_mnist(tmp_path, subset=7, download=False)
    assert X.shape == (7, 1, 28, 28) and y.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    X_test, _ = load_mnist(tmp_path, download=False, train=False)
    assert X_test.shape[0] == 5


@pytest.mark.parametrize("loader", [load_mnist, load_cifar10])
def test_loaders_offline_error_is_clear(tmp_path: Path, loader: Any) -> None:
    pytest.importorskip("torchvision")
    with pytest.raises(RuntimeError, match="load_digits"):
        loader(tmp_path, download=False)


@pytest.mark.parametrize("loader", [load_mnist, load_cifar10])
def test_loaders_bad_subset(tmp_path: Path, loader: Any) -> None:
    with pytest.raises(ValueError, match="subset"):
        loader(tmp_path, subset=0, download=False)


def test_mnist_mlp_matches_table_2() -> None:
    model = MnistMLP()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 7  # 6 hidden layers + output
    assert linears[0].in_features == 784 and linears[-1].out_features == 10
    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    assert len(dropouts) == 6 and all(d.p == 0.5 for d in dropouts)
    assert sum(isinstance(m, nn.ReLU) for m in model.modules()) == 6
    # Kaiming-normal (fan_in, ReLU gain): std ≈ sqrt(2 / fan_in)
    assert float(linears[0].weight.detach().std()) == pytest.approx((2 / 784) ** 0.5, rel=0.05)
    assert float(linears[1].bias.detach().abs().sum()) == 0.0
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    with pytest.raises(ValueError, match="dropout"):
        MnistMLP(dropout=1.0)


def test_cifar10_cnn_matches_keras_example() -> None:
    model = Cifar10CNN()
    # The Keras cifar10_cnn example has 1,250,858 trainable parameters.
    assert sum(p.numel() for p in model.parameters()) == 1_250_858
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert [m.p for m in model.modules() if isinstance(m, nn.Dropout)] == [0.25, 0.25, 0.5]
    small = Cifar10CNN(in_channels=1, image_size=28)
    assert small(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="image_size"):
        Cifar10CNN(image_size=8)


def test_resolve_device() -> None:
    auto = resolve_device("auto")
    if not torch.cuda.is_available() and not torch.backends.mps.is_available():
        assert auto == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(ValueError, match="device"):
        resolve_device("gpu0")
    with pytest.raises(TypeError, match="device"):
        resolve_device(0)  # type: ignore[arg-type]
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_prepare_data_on_cpu() -> None:
    X, y = prepare_data((torch.zeros(4, 2), torch.arange(4)), torch.device("cpu"))
    assert X.device.type == "cpu" and y.dtype == torch.int64
    with pytest.raises(ValueError, match="data_on_device"):
        prepare_data((X, y), torch.device("cpu"), data_on_device="maybe")  # type: ignore[arg-type]


def test_is_out_of_memory_error() -> None:
    assert is_out_of_memory_error(torch.cuda.OutOfMemoryError("CUDA out of memory"))
    assert is_out_of_memory_error(RuntimeError("MPS backend out of memory"))
    assert not is_out_of_memory_error(RuntimeError("shape mismatch"))
    assert not is_out_of_memory_error(ValueError("out of memory"))


def test_seeding_is_reproducible_and_restores_global_state() -> None:
    assert trial_seed(0, 1) == trial_seed(0, 1)
    assert trial_seed(0, 1) != trial_seed(0, 2) != trial_seed(1, 1)
    before = torch.get_rng_state()
    with seeded(5, torch.device("cpu")):
        a = torch.rand(3)
    with seeded(5, torch.device("cpu")):
        b = torch.rand(3)
    assert torch.equal(a, b)
    assert torch.equal(torch.get_rng_state(), before)


def test_make_optimizer() -> None:
    params = [nn.Parameter(torch.zeros(2))]
    sgd = make_optimizer("sgd", params, lr=0.1, weight_decay=1e-3, momentum=0.9)
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.param_groups[0]["momentum"] == 0.9
    assert sgd.param_groups[0]["weight_decay"] == 1e-3
    with pytest.raises(ValueError, match="optimizer"):
        make_optimizer("lion", params, lr=0.1)
    with pytest.raises(TypeError, match="Optimizer"):
        make_optimizer(lambda p, **kw: None, params, lr=0.1)  # type: ignore[arg-type, return-value]


def test_classification_metrics_perfect_and_validation() -> None:
    y = np.array([0, 1, 2, 2, 1])
    m = classification_metrics(y, y, 0.01, num_classes=4)
    assert m["accuracy"] == 1.0 and m["sensitivity"] == 1.0 and m["specificity"] == 1.0
    assert m["mcc"] == pytest.approx(1.0)
    assert np.asarray(m["confusion_matrix"]).shape == (4, 4)  # absent class 3 kept as a row
    assert isinstance(m["confusion_matrix"][0][0], int)
    with pytest.raises(ValueError, match="equal length"):
        classification_metrics(y, y[:3], 0.1, num_classes=3)
