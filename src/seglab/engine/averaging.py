"""An exponential moving average (EMA) of the weights, kept beside the trained ones.

Small data sets give noisy validation curves (a CamVid run at 96x128 moves by up to 0.1 mIoU
from one epoch to the next), so the "best" epoch is partly luck and the last weights are one
draw from that noise. The average of the recent weights is steadier; with an average, it is
what validation scores and what checkpoints hold.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def effective_decay(decay: float, updates: int) -> float:
    """`decay`, capped at (1 + n) / (10 + n) after n updates (as timm and TensorFlow ramp it),
    so the random initial weights fade out of the average within a short run."""
    return min(decay, (1 + updates) / (10 + updates))


class WeightAverage(nn.Module):
    """A copy of a model (layout and device included) that `update_parameters` moves towards
    the model after each optimizer step: average <- d * average + (1 - d) * current, on
    parameters and floating-point buffers (so BatchNorm statistics match the averaged weights);
    integer buffers (BatchNorm's batch counter) take the current value.

    The update count lives on the host (`updates`), so an update never reads from the device:
    torch's AveragedModel keeps it in a device tensor and reads it three times per step.

    Args:
        model: the model to average; copied once here.
        decay: weight of the old average per update, between 0 and 1 (e.g. 0.999).
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        super().__init__()
        if not 0.0 < decay < 1.0:
            raise ValueError(f"the weight-average decay must lie between 0 and 1 (e.g. 0.999), got {decay}")
        self.module = copy.deepcopy(model)
        self.decay = decay
        self.updates = 0

    def forward(self, *args: object, **kwargs: object) -> object:
        return self.module(*args, **kwargs)

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        averaged = [*self.module.parameters(), *self.module.buffers()]
        current = [*model.parameters(), *model.buffers()]
        floats = [(a, c) for a, c in zip(averaged, current) if torch.is_floating_point(a)]
        others = [(a, c) for a, c in zip(averaged, current) if not torch.is_floating_point(a)]
        if floats:
            if self.updates == 0:  # the first update copies, as AveragedModel does
                torch._foreach_copy_([a for a, _ in floats], [c for _, c in floats])
            else:
                weight = 1.0 - effective_decay(self.decay, self.updates)
                torch._foreach_lerp_([a for a, _ in floats], [c for _, c in floats], weight)
        if others:
            torch._foreach_copy_([a for a, _ in others], [c for _, c in others])
        self.updates += 1


def weight_average(model: nn.Module, decay: float) -> WeightAverage:
    """A `WeightAverage` of `model` to update after each optimizer step."""
    return WeightAverage(model, decay)
