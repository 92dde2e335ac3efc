"""Builders for the training engine: the model's smallest input, class weights, optimizers and
learning-rate schedules from the config (the data side is `seglab.data.loading.prepare`)."""

from __future__ import annotations

import logging
import math

import torch
from torch import nn

from seglab.config import DEFAULT_EPOCHS, ModelConfig, TrainConfig
from seglab.data.loading.prepare import PreparedData
from seglab.engine.optimizers import OPTIMIZERS, SCHEDULES
from seglab.engine.schedule_plan import PlannedLambdaLR, PlannedOneCycleLR
from seglab.errors import ConfigError
from seglab.losses import class_weights_from_counts
from seglab.models import create_model

log = logging.getLogger(__name__)


def model_min_side(cfg: ModelConfig) -> int | None:
    """The smallest height and width the configured network takes, from a shape-only build on
    the meta device (no memory, no pretrained weights); None when it cannot be built (the real
    build reports why)."""
    options = {k: v for k, v in cfg.options.items() if k != "encoder_weights"}
    try:
        with torch.device("meta"):
            model = create_model(cfg.name, 3, 2, **options)
    except (ConfigError, TypeError, ValueError):
        return None
    return getattr(model, "min_size", None)


def resolve_class_weights(value: tuple[float, ...] | str | None, data: PreparedData) -> tuple[float, ...] | None:
    """`loss.class_weights` as numbers; "auto" is median-frequency balancing of the train
    split's pixel counts (`seglab.losses.class_weights_from_counts`), logged per class.

    Raises:
        ConfigError: a string other than "auto".
    """
    if not isinstance(value, str):
        return value
    if value != "auto":
        raise ConfigError(f"loss.class_weights must be a list of numbers or 'auto', got '{value}'")
    weights = class_weights_from_counts(data.class_pixels)
    shown = ", ".join(f"{name} {weight:.3g}" for name, weight in zip(data.classes.names, weights))
    log.info("class weights (median frequency of the train split's pixels): %s", shown)
    return weights


def parameter_groups(model: nn.Module, cfg: TrainConfig) -> list[dict]:
    """One group per learning rate: a pretrained `model.encoder` may learn slower than the rest."""
    encoder = getattr(model, "encoder", None)
    if cfg.encoder_lr_scale == 1.0 or not isinstance(encoder, nn.Module):
        return [{"params": list(model.parameters()), "lr": cfg.lr}]
    encoder_ids = {id(p) for p in encoder.parameters()}
    rest = [p for p in model.parameters() if id(p) not in encoder_ids]
    return [
        {"params": rest, "lr": cfg.lr},
        {"params": list(encoder.parameters()), "lr": cfg.lr * cfg.encoder_lr_scale},
    ]


def build_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer '{cfg.optimizer}'; choose from {', '.join(OPTIMIZERS)}")
    if cfg.lr <= 0 or cfg.encoder_lr_scale <= 0:
        raise ConfigError(f"train.lr and train.encoder_lr_scale must be positive, got {cfg.lr}, {cfg.encoder_lr_scale}")
    groups = parameter_groups(model, cfg)
    return OPTIMIZERS[cfg.optimizer](groups, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=fusable(groups))


FUSED_DEVICES = ("cpu", "cuda")


def fusable(groups: list[dict]) -> bool:
    """Whether torch's fused Adam kernel can update these parameters: one kernel for all of them
    instead of a loop over tensors: half the optimizer time of unet_resnet18 on a 2-core CPU
    (10 ms against 20 ms per step; docs/speed.md), the same update up to rounding."""
    return all(p.device.type in FUSED_DEVICES and p.is_floating_point() for g in groups for p in g["params"])


def lr_factor(step: int, total: int, warmup: int = 0, schedule: str = "cosine") -> float:
    """Learning-rate multiplier at optimizer step `step` of `total` (schedules "cosine", "constant").

    1. warmup: rises linearly, 1/warmup, 2/warmup, ... 1 over the first `warmup` steps, so
       early large updates do not wreck freshly initialised (or pretrained) weights
    2. cosine: then falls from 1 to 0.01 over the remaining steps; constant: stays at 1
    """
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    span = max(total - warmup, 1)
    return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(step - warmup, span) / span))


def build_scheduler(
    optimizer: torch.optim.Optimizer, cfg: TrainConfig, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-step schedules over the whole run: cosine decays to 1% of lr, one-cycle warms up 30%.
    A time budget can move the run's end later (`schedule_plan.replan_schedule`).

    `cfg.warmup_epochs` adds a linear warmup before cosine or constant, and sets the length
    of one-cycle's own rising phase instead of its 30%.

    Raises:
        ConfigError: unknown schedule, or warmup not shorter than the run.
    """
    total = max((cfg.epochs or DEFAULT_EPOCHS) * steps_per_epoch, 1)
    warmup = cfg.warmup_epochs * steps_per_epoch
    if cfg.warmup_epochs < 0 or (warmup and warmup >= total):
        raise ConfigError(f"train.warmup_epochs must be >= 0 and below train.epochs ({cfg.epochs}), "
                          f"got {cfg.warmup_epochs}")
    if cfg.schedule == "constant" and not warmup:
        return None
    if cfg.schedule in ("constant", "cosine"):
        schedule = cfg.schedule
        return PlannedLambdaLR(optimizer, lambda step: lr_factor(step, total, warmup, schedule), total)
    if cfg.schedule == "onecycle":
        peaks = [group["lr"] for group in optimizer.param_groups]
        rising = warmup / (total + 1) if warmup else 0.3
        return PlannedOneCycleLR(optimizer, total, max_lr=peaks, pct_start=rising)
    raise ConfigError(f"unknown schedule '{cfg.schedule}'; choose from {', '.join(SCHEDULES)}")
