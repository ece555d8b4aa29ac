"""The thesis's reference networks: MNIST MLP (its Table 2), Keras CIFAR-10 CNN (Table 7)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from optuna_gamma.torch._config import check_positive_int

__all__ = ["Cifar10CNN", "MnistMLP"]


def _check_dropout(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1), got {value!r}.")
    return float(value)


class MnistMLP(nn.Module):
    """The thesis's MNIST network (its Table 2): 784 inputs, 6 hidden ReLU layers, 10 outputs.

    Table 2 fixes 784 inputs, 6 hidden layers, ReLU, Kaiming He initialisation, dropout 0.5 and
    10 outputs, but not the widths: ``hidden_sizes=(100,) * 6`` is this library's choice (the
    widths of the 6-hidden-layer network of the 500-image hyperparameter experiment in Saito's
    "Deep Learning from Scratch", ch. 6, which the thesis's setting matches). Dropout follows
    every hidden ReLU. Inputs of any shape ``(n, ...)`` with ``in_features`` values per sample are
    flattened, so ``(n, 1, 28, 28)`` images work directly.

    Args:
        in_features: Values per input sample. Defaults to ``784``.
        num_classes: Outputs (logits). Defaults to ``10``.
        hidden_sizes: Widths of the hidden layers. Defaults to six layers of 100.
        dropout: Dropout probability after each hidden layer. Defaults to ``0.5``.
    """

    def __init__(
        self,
        in_features: int = 784,
        num_classes: int = 10,
        hidden_sizes: Sequence[int] = (100,) * 6,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        check_positive_int("in_features", in_features)
        check_positive_int("num_classes", num_classes)
        p = _check_dropout("dropout", dropout)
        sizes = [check_positive_int("hidden_sizes[i]", h) for h in hidden_sizes]
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in sizes:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(p)]
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)
        for module in self.net:
            if isinstance(module, nn.Linear):  # Kaiming He initialisation (thesis Table 2)
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # type: ignore[no-any-return]


class Cifar10CNN(nn.Module):
    """The Keras CIFAR-10 example CNN used in the thesis's Table 7.

    ``conv32(same)-ReLU, conv32(valid)-ReLU, maxpool 2, dropout 0.25, conv64(same)-ReLU,
    conv64(valid)-ReLU, maxpool 2, dropout 0.25, dense 512-ReLU, dropout 0.5, dense 10``, all
    kernels 3×3, with Keras's default Glorot-uniform weights and zero biases. ``image_size`` and
    ``in_channels`` let it run on other images (e.g. 28×28 grey digits).

    Args:
        in_channels: Input channels. Defaults to ``3``.
        num_classes: Outputs (logits). Defaults to ``10``.
        image_size: Height and width of the (square) input, ``>= 10``. Defaults to ``32``.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, image_size: int = 32) -> None:
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("num_classes", num_classes)
        if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 10:
            raise ValueError(f"image_size must be an integer >= 10, got {image_size!r}.")
        side = ((image_size - 2) // 2 - 2) // 2  # same, valid, pool, same, valid, pool
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(0.25),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(0.25),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * side * side, 512),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(512, num_classes),
        )
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):  # Keras defaults
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))  # type: ignore[no-any-return]
