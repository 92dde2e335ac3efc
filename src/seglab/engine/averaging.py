"""An exponential moving average (EMA) of the weights, kept beside the trained ones.

Small data sets give noisy validation curves (a CamVid run at 96x128 moves by up to 0.1 mIoU
from one epoch to the next), so the "best" epoch is partly luck and the last weights are one
draw from that noise. The average of the recent weights is steadier; with an average, it is
what validation scores and what checkpoints hold.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel

UpdateFn = Callable[[list[Tensor], list[Tensor], Tensor], None]


def effective_decay(decay: float, updates: int) -> float:
    """`decay`, capped at (1 + n) / (10 + n) after n updates (as timm and TensorFlow ramp it),
    so the random initial weights fade out of the average within a short run."""
    return min(decay, (1 + updates) / (10 + updates))


def ema_update(decay: float) -> UpdateFn:
    """An update for `AveragedModel(multi_avg_fn=...)`: average <- d * average + (1 - d) * current.

    Integer buffers (BatchNorm's batch counter) take the current value.
    """

    def update(averaged: list[Tensor], current: list[Tensor], updates: Tensor) -> None:
        if torch.is_floating_point(averaged[0]):
            torch._foreach_lerp_(averaged, current, 1.0 - effective_decay(decay, int(updates)))
        else:
            torch._foreach_copy_(averaged, current)

    return update


def weight_average(model: nn.Module, decay: float) -> AveragedModel:
    """A copy of `model` (layout and device included) to average into after each optimizer step;
    buffers too, so BatchNorm statistics match the averaged weights."""
    if not 0.0 < decay < 1.0:
        raise ValueError(f"the weight-average decay must lie between 0 and 1 (e.g. 0.999), got {decay}")
    return AveragedModel(model, multi_avg_fn=ema_update(decay), use_buffers=True)
