"""Segmentation scores from one confusion matrix accumulated over batches.

Averaging convention: scores are computed per class from the summed confusion matrix of
the whole evaluation set (not averaged per image). Means are macro means over classes,
every class counted, background included, and a class whose score is undefined (NaN) is
left out of the mean. Pixels whose truth equals `ignore_index` are excluded everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from seglab.labelsets import unpack


@dataclass(frozen=True)
class Scores:
    """Per-class and mean scores of one confusion matrix.

    A ratio is NaN where its denominator is zero: IoU and Dice when the class is absent
    from both truth and prediction, precision when the class is never predicted, recall
    when the class is absent from the truth. The per-class "pixel accuracy" of some papers
    is `recall`; `mean_accuracy` is its mean over the classes present in the truth.

    Attributes:
        iou: intersection over union per class, TP / (TP + FP + FN).
        dice: Dice (F1) per class, 2TP / (2TP + FP + FN).
        precision: TP / (TP + FP) per class.
        recall: TP / (TP + FN) per class.
        support: truth pixels per class.
        accuracy: correct pixels / counted pixels (NaN when no pixel was counted).
        mean_iou: mean of `iou` over classes where it is defined.
        mean_dice: mean of `dice` over classes where it is defined.
        mean_accuracy: mean of `recall` over classes where it is defined.
    """

    iou: tuple[float, ...]
    dice: tuple[float, ...]
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    support: tuple[int, ...]
    accuracy: float
    mean_iou: float
    mean_dice: float
    mean_accuracy: float

    def to_dict(self, class_names: Sequence[str] | None = None) -> dict[str, Any]:
        """A JSON-friendly dict: the overall scores and one entry per class; NaN becomes None.

        Args:
            class_names: one name per class; None names classes "0", "1", ...

        Raises:
            ValueError: `class_names` has the wrong length.
        """
        num_classes = len(self.support)
        names = [str(k) for k in range(num_classes)] if class_names is None else list(class_names)
        if len(names) != num_classes:
            raise ValueError(f"got {len(names)} class names for {num_classes} classes")
        per_class = {
            name: {
                "iou": _json_float(self.iou[k]),
                "dice": _json_float(self.dice[k]),
                "precision": _json_float(self.precision[k]),
                "recall": _json_float(self.recall[k]),
                "support": self.support[k],
            }
            for k, name in enumerate(names)
        }
        return {
            "accuracy": _json_float(self.accuracy),
            "mean_iou": _json_float(self.mean_iou),
            "mean_dice": _json_float(self.mean_dice),
            "mean_accuracy": _json_float(self.mean_accuracy),
            "classes": per_class,
        }


class ConfusionMatrix:
    """Counts (truth, prediction) pixel pairs over batches; `compute` derives the scores.

    Args:
        num_classes: number of classes K; labels are 0..K-1.
        ignore_index: truth label whose pixels are skipped; None counts every pixel.

    Attributes:
        matrix: (K, K) int64 counts, rows = truth, columns = prediction; lives on the
            device of the last update.

    Example:
        >>> cm = ConfusionMatrix(2)
        >>> cm.update(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]))
        >>> cm.compute().mean_iou
        0.5
    """

    def __init__(self, num_classes: int, ignore_index: int | None = None) -> None:
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)

    def update(self, pred: Tensor, target: Tensor, check: bool = True) -> None:
        """Add one batch of predicted and true label maps.

        Counting never reads a value back to the host (no boolean masks, no bincount), so on a
        GPU it queues work without waiting for it. `check=False` also skips the label-range
        checks, which must read the labels (a host-device sync per batch on a GPU): for callers
        whose labels are known to be in range, e.g. the training loop (predictions from argmax,
        masks checked by asynchronous device asserts).

        Shape: pred and target of the same shape, any number of dims (e.g. (B, H, W)).

        Raises:
            ValueError: shapes differ, a tensor is not integer, or (with `check`) a prediction is
                outside [0, K), or a target is outside [0, K) and is not `ignore_index`.
        """
        if pred.shape != target.shape:
            raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
        if pred.is_floating_point() or target.is_floating_point():
            raise ValueError("pred and target must be integer label maps; take logits.argmax(1) first")
        pred = pred.reshape(-1).long()
        target = target.reshape(-1).long()
        k = self.num_classes
        keep = None if self.ignore_index is None else target != self.ignore_index
        if check:
            _check_labels("target", target if keep is None else target[keep], k, self.ignore_index)
            _check_labels("pred", pred, k, None)
        cell = target * k + pred
        if keep is not None:
            cell = torch.where(keep, cell, k * k)  # ignored pixels land in one extra cell, dropped below
        counts = torch.zeros(k * k + 1, dtype=torch.int64, device=cell.device)
        counts.scatter_add_(0, cell, torch.ones_like(cell))
        self.matrix = self.matrix.to(counts.device) + counts[: k * k].reshape(k, k)

    def compute(self) -> Scores:
        """Scores of everything added since the last reset (see the module docstring)."""
        m = self.matrix.detach().cpu().double()
        tp = m.diagonal()
        truth = m.sum(dim=1)
        predicted = m.sum(dim=0)
        fp = predicted - tp
        fn = truth - tp
        iou = _ratio(tp, tp + fp + fn)
        dice = _ratio(2 * tp, 2 * tp + fp + fn)
        recall = _ratio(tp, truth)
        return Scores(
            iou=iou,
            dice=dice,
            precision=_ratio(tp, predicted),
            recall=recall,
            support=tuple(int(n) for n in truth.tolist()),
            accuracy=_ratio(tp.sum(), m.sum())[0],
            mean_iou=_nan_mean(iou),
            mean_dice=_nan_mean(dice),
            mean_accuracy=_nan_mean(recall),
        )

    def reset(self) -> None:
        """Forget all counts, keeping the matrix's device."""
        self.matrix = torch.zeros_like(self.matrix)


class MultiLabelConfusion:
    """Per-class binary confusion counts for multi-label masks: each class its own 2x2 over
    every counted pixel of the split, scored as `ConfusionMatrix` scores one class against the
    rest, so `Scores` means the same in both modes (IoU, Dice, precision, recall per class;
    support = pixels where the class is present). `accuracy` is the share of correct per-class
    decisions (pixels x classes).

    Args:
        num_classes: number of classes K (bits 0..K-1 of the labels).
        ignore_index: truth value whose pixels are skipped; None counts every pixel.

    Attributes:
        matrix: (K, 2, 2) int64 counts, [k, truth, prediction] with 1 = class k present.

    Example:
        >>> cm = MultiLabelConfusion(2)
        >>> cm.update(torch.tensor([3, 1, 0]), torch.tensor([3, 2, 0]))  # bit sets
        >>> cm.compute().iou
        (1.0, 0.0)
    """

    def __init__(self, num_classes: int, ignore_index: int | None = None) -> None:
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.matrix = torch.zeros(num_classes, 2, 2, dtype=torch.int64)

    def update(self, pred: Tensor, target: Tensor, check: bool = True) -> None:
        """Add one batch of predicted and true bit-set maps (no host sync unless `check`).

        Shape: pred and target (B, H, W) integer bit sets.

        Raises:
            ValueError: shapes differ, float tensors, or (with `check`) a value outside 0..2**K - 1
                that is not `ignore_index`.
        """
        if pred.shape != target.shape:
            raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
        if pred.is_floating_point() or target.is_floating_point():
            raise ValueError("pred and target must be integer bit-set maps (seglab.labelsets.pack)")
        k = self.num_classes
        pred, target = pred.reshape(1, 1, -1).long(), target.reshape(1, 1, -1).long()
        keep = None if self.ignore_index is None else target != self.ignore_index
        if check:
            _check_labels("target", target if keep is None else target[keep], 2**k, self.ignore_index)
            _check_labels("pred", pred, 2**k, None)
        cell = unpack(target, k)[0, :, 0].long() * 2 + unpack(pred, k)[0, :, 0].long()  # (K, N) in 0..3
        cell = cell + 4 * torch.arange(k, device=cell.device).view(-1, 1)
        if keep is not None:
            cell = torch.where(keep.view(1, -1), cell, 4 * k)  # ignored pixels: one extra cell, dropped
        counts = torch.zeros(4 * k + 1, dtype=torch.int64, device=cell.device)
        counts.scatter_add_(0, cell.reshape(-1), torch.ones_like(cell.reshape(-1)))
        self.matrix = self.matrix.to(counts.device) + counts[: 4 * k].reshape(k, 2, 2)

    def compute(self) -> Scores:
        """Per-class scores from each class's own 2x2 counts (see the class docstring)."""
        m = self.matrix.detach().cpu().double()
        tp, fp, fn, tn = m[:, 1, 1], m[:, 0, 1], m[:, 1, 0], m[:, 0, 0]
        iou = _ratio(tp, tp + fp + fn)
        dice = _ratio(2 * tp, 2 * tp + fp + fn)
        recall = _ratio(tp, tp + fn)
        return Scores(
            iou=iou,
            dice=dice,
            precision=_ratio(tp, tp + fp),
            recall=recall,
            support=tuple(int(n) for n in (tp + fn).tolist()),
            accuracy=_ratio((tp + tn).sum(), m.sum())[0],
            mean_iou=_nan_mean(iou),
            mean_dice=_nan_mean(dice),
            mean_accuracy=_nan_mean(recall),
        )

    def reset(self) -> None:
        """Forget all counts, keeping the matrix's device."""
        self.matrix = torch.zeros_like(self.matrix)


def _check_labels(role: str, labels: Tensor, num_classes: int, ignore_index: int | None) -> None:
    """Raise a ValueError naming the first label outside [0, num_classes)."""
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        value = int(labels[bad][0])
        allowed = f"0..{num_classes - 1}" + ("" if ignore_index is None else f" or {ignore_index}")
        raise ValueError(f"{role} holds label {value}, but labels must be {allowed}")


def _ratio(numerator: Tensor, denominator: Tensor) -> tuple[float, ...]:
    """Element-wise numerator / denominator as floats, NaN where the denominator is 0."""
    numerator, denominator = numerator.reshape(-1), denominator.reshape(-1)
    values = torch.where(denominator > 0, numerator / denominator.clamp_min(1), torch.nan)
    return tuple(values.tolist())


def _nan_mean(values: Sequence[float]) -> float:
    """Mean of the non-NaN values; NaN when there are none."""
    defined = [v for v in values if not math.isnan(v)]
    return sum(defined) / len(defined) if defined else math.nan


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else value
