"""The thesis's classification metrics: accuracy, loss, κ, sensitivity, specificity, MCC.

Everything is computed from integer labels with scikit-learn and returned as plain, JSON-ready
Python values, so the dict can be stored as Optuna user attrs (optuna-dashboard shows them).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.metrics import matthews_corrcoef

from optuna_gamma._kappa import KappaVariant
from optuna_gamma._kappa import kappa_score

__all__ = ["METRIC_KEYS", "classification_metrics"]

#: Keys of the dict returned by :func:`classification_metrics` (and ``evaluate``).
METRIC_KEYS: tuple[str, ...] = (
    "accuracy",
    "loss",
    "kappa",
    "sensitivity",
    "specificity",
    "mcc",
    "confusion_matrix",
)


def classification_metrics(
    y_true: Any,
    y_pred: Any,
    loss: float,
    *,
    num_classes: int,
    lam: float = 0.5,
    kappa_variant: KappaVariant = "improved",
) -> dict[str, Any]:
    """The thesis's metrics for one evaluation.

    - ``accuracy``: trace / sum of the confusion matrix.
    - ``loss``: the given mean loss (``+inf`` for a diverged model).
    - ``kappa``: :func:`optuna_gamma.kappa_score` of ``(accuracy, loss)``.
    - ``sensitivity``: macro-averaged recall (scikit-learn's ``recall_score(average="macro")``)
      over the classes present in ``y_true``.
    - ``specificity``: macro average of TN / (TN + FP) over the same classes.
    - ``mcc``: scikit-learn's multi-class Matthews correlation coefficient (0 when undefined).
    - ``confusion_matrix``: ``num_classes × num_classes`` nested list of ints, rows are the true
      class, columns the predicted class (scikit-learn's convention).

    Args:
        y_true: True integer labels, shape ``(n,)``.
        y_pred: Predicted integer labels, shape ``(n,)``.
        loss: Mean validation loss.
        num_classes: Number of classes (labels are ``0 .. num_classes - 1``).
        lam: κ's λ. Defaults to ``0.5``.
        kappa_variant: κ's variant. Defaults to ``"improved"``.

    Returns:
        A dict with the keys of :data:`METRIC_KEYS`; values are Python floats and lists.
    """
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty and of equal length, got {y_true.shape} and "
            f"{y_pred.shape}."
        )
    labels = np.arange(num_classes)
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    total = int(cm.sum())
    accuracy = float(np.trace(cm)) / total
    tp = np.diag(cm).astype(np.float64)
    fn = cm.sum(axis=1) - tp
    fp = cm.sum(axis=0) - tp
    tn = total - tp - fn - fp
    present = cm.sum(axis=1) > 0  # classes with support in y_true
    sensitivity = float(np.mean(tp[present] / (tp[present] + fn[present])))
    neg = tn + fp
    spec_mask = present & (neg > 0)
    specificity = float(np.mean(tn[spec_mask] / neg[spec_mask])) if spec_mask.any() else math.nan
    mcc = float(matthews_corrcoef(y_true, y_pred))
    loss_f = float(loss)
    return {
        "accuracy": accuracy,
        "loss": loss_f,
        "kappa": kappa_score(accuracy, loss_f, lam, variant=kappa_variant),
        "sensitivity": sensitivity,
        "specificity": specificity,
        "mcc": mcc,
        "confusion_matrix": cm.astype(int).tolist(),
    }
