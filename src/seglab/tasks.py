"""What a network's K output channels mean: one class per pixel (softmax) or any set of classes
per pixel (one sigmoid per class). Training, evaluation and prediction ask the task how to turn
logits into probabilities and labels and how to count them, instead of branching on a flag.

A model card records its task in `extra["task"]` (absent: multiclass, as every card written
before multi-label mode) and a multi-label model's per-class thresholds in `extra["thresholds"]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from seglab.errors import ConfigError
from seglab.labelsets import IGNORE, pack, pack_numpy, threshold_logits
from seglab.losses import LOSSES, MULTILABEL_LOSSES
from seglab.metrics import ConfusionMatrix, MultiLabelConfusion

TASK_NAMES = ("multiclass", "multilabel")


@dataclass(frozen=True)
class MultiClass:
    """Softmax over classes; labels are class indices (argmax)."""

    name: ClassVar[str] = "multiclass"

    def confusion(self, num_classes: int, ignore_index: int | None) -> ConfusionMatrix:
        return ConfusionMatrix(num_classes, ignore_index)

    def labels(self, logits: Tensor) -> Tensor:
        """Shape: (B, K, H, W) -> (B, H, W) class indices."""
        return logits.argmax(1)

    def probabilities(self, logits: Tensor) -> Tensor:
        return logits.softmax(1)

    def labels_numpy(self, probs: np.ndarray) -> np.ndarray:
        """Shape: (K, H, W) probabilities -> (H, W) labels."""
        return probs.argmax(0)

    def label_count(self, num_classes: int) -> int:
        """Valid mask values are 0..label_count - 1 (besides the ignore label)."""
        return num_classes

    def extra(self) -> dict[str, Any]:
        """What the model card's `extra` records about the task (nothing: the default)."""
        return {}


@dataclass(frozen=True)
class MultiLabel:
    """One sigmoid per class; labels are bit sets of the classes over their thresholds.

    Args:
        thresholds: one probability per class; None is 0.5 for every class.
    """

    thresholds: tuple[float, ...] | None = None
    name: ClassVar[str] = "multilabel"

    def confusion(self, num_classes: int, ignore_index: int | None) -> MultiLabelConfusion:
        return MultiLabelConfusion(num_classes, ignore_index)

    def labels(self, logits: Tensor) -> Tensor:
        """Shape: (B, K, H, W) -> (B, H, W) bit sets (`seglab.labelsets`)."""
        return pack(logits > _cuts_on(self.thresholds, logits.shape[1], logits.device))

    def probabilities(self, logits: Tensor) -> Tensor:
        return logits.sigmoid()

    def labels_numpy(self, probs: np.ndarray) -> np.ndarray:
        cut = np.asarray(self.thresholds or (0.5,) * probs.shape[0], dtype=np.float32).reshape(-1, 1, 1)
        return pack_numpy(probs > cut)

    def label_count(self, num_classes: int) -> int:
        return 2**num_classes

    def extra(self) -> dict[str, Any]:
        values: dict[str, Any] = {"task": self.name}
        if self.thresholds is not None:
            values["thresholds"] = list(self.thresholds)
        return values


Task = MultiClass | MultiLabel


@lru_cache(maxsize=16)
def _cuts_on(thresholds: tuple[float, ...] | None, num_classes: int, device: torch.device) -> Tensor:
    """The thresholds as logits on `device`, shape (1, K, 1, 1), made once: copying them from the
    host at every training step would make the GPU and the host wait for each other."""
    return threshold_logits(thresholds, num_classes).to(device).view(1, -1, 1, 1)


def task_for(multilabel: bool) -> Task:
    """The task of a dataset: multi-label (one sigmoid per class, thresholds 0.5) for bit-set
    masks (`PreparedData.multilabel`), else softmax."""
    return MultiLabel() if multilabel else MultiClass()


def task_from_extra(extra: Mapping[str, Any], num_classes: int) -> Task:
    """The task a model card's `extra` records, for a model of `num_classes` outputs.

    Raises:
        ValueError: an unknown task name, or thresholds that are not one probability per class.
    """
    name = extra.get("task", "multiclass")
    if name == "multiclass":
        return MultiClass()
    if name != "multilabel":
        raise ValueError(f"unknown task '{name}' in the model card; expected one of {', '.join(TASK_NAMES)}")
    thresholds = extra.get("thresholds")
    if thresholds is not None:
        thresholds = tuple(float(t) for t in thresholds)
        threshold_logits(thresholds, num_classes)  # count and range check
    return MultiLabel(thresholds)


def training_ignore_index(task: Task, ignore_index: int | None) -> int | None:
    """The label loss and metrics skip: a multi-label mask marks every left-out pixel `IGNORE`."""
    return IGNORE if isinstance(task, MultiLabel) else ignore_index



def loss_for_task(task: Task, name: str) -> str:
    """The loss to build: the default `ce_dice` becomes `bce_dice` for multi-label masks.

    Raises:
        ConfigError: a softmax loss for multi-label masks, or a multi-label loss for class indices.
    """
    multilabel = isinstance(task, MultiLabel)
    if multilabel and name == "ce_dice":
        return "bce_dice"
    if multilabel != (name in MULTILABEL_LOSSES):
        softmax = ", ".join(n for n in LOSSES.names() if n not in MULTILABEL_LOSSES)
        wanted = "'bce_dice'" if multilabel else f"a softmax loss ({softmax})"
        raise ConfigError(f"loss '{name}' does not fit {task.name} masks; use {wanted}")
    return name
