"""Builders: turn config sections into datasets, loaders, optimizers and schedules."""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from seglab.config import DataConfig, TrainConfig
from seglab.data import (
    ClassSpec,
    DatasetIndex,
    DatasetStats,
    Pair,
    Problem,
    SegmentationDataset,
    discover,
    resolve_classes,
    scan,
    split_pairs,
)
from seglab.data.audit import FATAL, audit, describe, log_lines, severity
from seglab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

DEFAULT_SIZE = (256, 256)  # used when images differ in size and no --size was given
MAX_PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class PreparedData:
    """A discovered, checked and split dataset plus the preprocessing fitted on its train split."""

    index: DatasetIndex
    stats: DatasetStats
    classes: ClassSpec
    splits: dict[str, list[Pair]]
    size: tuple[int, int] | None
    in_channels: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def dataset(self, split: str) -> SegmentationDataset:
        return SegmentationDataset(
            self.splits[split],
            self.index.mapping,
            self.size,
            self.mean,
            self.std,
            num_classes=self.classes.num_classes,
            ignore_index=self.classes.ignore_index,
        )

    def split_names(self) -> dict[str, list[str]]:
        return {name: [pair.name for pair in pairs] for name, pairs in self.splits.items()}


def check_problems(problems: list[Problem], what: str) -> None:
    """Stop before training on fatal findings: log each one, raise one line naming the first.

    Raises:
        DataError: some of `problems` are fatal (see `seglab.data.audit.CHECKS`).
    """
    fatal = [p for p in problems if severity(p) == FATAL]
    if not fatal:
        return
    if len(fatal) == 1:
        raise DataError(
            f"{what} has a fatal problem: {describe(fatal[0])}; or pass --skip-bad to train without that pair"
        )
    for line in log_lines(fatal, MAX_PROBLEMS_SHOWN):
        log.error(line)
    codes = ", ".join(f"{code} {n}" for code, n in Counter(p.code for p in fatal).items())
    raise DataError(
        f"{what} has {len(fatal)} fatal problems ({codes}), listed above; the first: {describe(fatal[0])}; "
        "fix them, or pass --skip-bad to train on the clean pairs"
    )


def choose_size(cfg: DataConfig, stats: DatasetStats) -> tuple[int, int] | None:
    """The configured size, else native when all images agree, else DEFAULT_SIZE (logged)."""
    if cfg.size is not None:
        if min(cfg.size) < 1:
            raise ConfigError(f"data.size must be positive, got {cfg.size}")
        return tuple(cfg.size)
    if len(stats.image_sizes) <= 1:
        return None
    log.warning(
        "images come in %d sizes; resizing all to %dx%d (set --size to choose)",
        len(stats.image_sizes),
        *DEFAULT_SIZE,
    )
    return DEFAULT_SIZE


def prepare_data(cfg: DataConfig, seed: int, min_side: int | None = None) -> PreparedData:
    """Discover the folder, split it, audit every pair, and fit normalisation on train.

    Warnings from the audit are logged. Fatal findings stop here, unless `cfg.skip_bad`: then
    their pairs are left out of every split and each one is logged.

    Args:
        cfg: the data section of the config.
        seed: split seed.
        min_side: the model's smallest usable image side, when known; smaller images are reported.

    Raises:
        DataError: no pairs, fatal findings (each file named), or no clean training pairs left.
    """
    if cfg.path is None:
        raise ConfigError("no dataset given: pass a DATA folder (or data.path in the config)")
    index = discover(cfg.path, cfg.format, classes_file=cfg.classes_file, ignore_index=cfg.ignore_index)
    what = f"dataset '{index.root}'"
    splits = split_pairs(index.pairs, cfg.split, seed=seed, mode=cfg.split_mode)
    report = audit(index, splits, size=cfg.size, min_side=min_side)
    for line in log_lines(report.warnings):
        log.warning(line)
    stats = report.stats
    if report.fatal:
        if not cfg.skip_bad:
            check_problems(report.fatal, what)
        splits, skipped, unplaced = report.drop_bad(splits)
        check_problems(unplaced, what)
        for pair, problem in skipped:
            log.warning("skipped pair '%s' (--skip-bad): %s", pair.name, describe(problem))
        stats = scan(index, [pair for pairs in splits.values() for pair in pairs])
        log.warning("skipped %d of %d pairs with fatal problems", len(skipped), len(index.pairs))
    if not splits["train"]:
        reason = "after skipping the pairs with fatal problems" if report.fatal else f"with split {cfg.split}"
        raise DataError(f"dataset '{index.root}' left no pairs for training {reason}")
    classes = resolve_classes(index, stats)
    if classes.num_classes < 2:
        raise DataError(f"dataset '{index.root}' has only one class in its masks; nothing to segment")
    train_stats = scan(index, splits["train"])
    in_channels = max(stats.channels) if stats.channels else 3
    mean, std = train_stats.mean, train_stats.std
    if len(mean) != in_channels:  # grayscale images in an RGB dataset: stats per channel differ
        mean, std = (sum(mean) / len(mean),) * in_channels, (sum(std) / len(std),) * in_channels
    log.info(
        "data: %s format, %d pairs (%s), %d classes (%s), %d channel(s)",
        index.format,
        sum(len(v) for v in splits.values()),
        ", ".join(f"{k} {len(v)}" for k, v in splits.items()),
        classes.num_classes,
        ", ".join(classes.names),
        in_channels,
    )
    return PreparedData(
        index=index,
        stats=stats,
        classes=classes,
        splits=splits,
        size=choose_size(cfg, stats),
        in_channels=in_channels,
        mean=tuple(float(m) for m in mean),
        std=tuple(max(float(s), 1e-6) for s in std),
    )


def make_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    shuffle: bool,
    num_workers: int = 0,
    seed: int = 0,
    pin_memory: bool = False,
) -> DataLoader:
    """A DataLoader whose shuffling depends only on `seed`; workers persist across epochs."""
    generator = torch.Generator().manual_seed(seed)
    size = len(dataset)  # type: ignore[arg-type]
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=shuffle and size > batch_size,  # a batch of 1 breaks BatchNorm statistics
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=pin_memory,
        generator=generator,
    )


OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
SCHEDULES = ("constant", "cosine", "onecycle")


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
    return OPTIMIZERS[cfg.optimizer](parameter_groups(model, cfg), lr=cfg.lr, weight_decay=cfg.weight_decay)


def build_scheduler(
    optimizer: torch.optim.Optimizer, cfg: TrainConfig, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-step schedules over the whole run: cosine decays to 1% of lr, one-cycle warms up 30%."""
    total = max(cfg.epochs * steps_per_epoch, 1)
    if cfg.schedule == "constant":
        return None
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(step, total) / total))
        )
    if cfg.schedule == "onecycle":
        peaks = [group["lr"] for group in optimizer.param_groups]
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peaks, total_steps=total + 1)
    raise ConfigError(f"unknown schedule '{cfg.schedule}'; choose from {', '.join(SCHEDULES)}")
