"""Preparing a dataset for training: discover, split, audit, choose the size, fit the
normalisation on the train split, decide the cache, build the training views and loaders.

Training, `seglab inspect` and the Python API's Dataset all start here, so a dataset is read
and checked the same way whichever door it comes in by.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler, Sampler

from seglab.config import DataConfig
from seglab.data.checking.audit import audit
from seglab.data.checking.checks import FATAL, describe, log_lines, severity
from seglab.data.checking.file_checks import one_class_cause
from seglab.data.loading.augment import PAD_LABEL, Augment, build_augment
from seglab.data.loading.cache import choose_cache, decoded_bytes
from seglab.data.files.memory import available_memory
from seglab.data.files.staging import default_cache_dir
from seglab.data.classes import ClassSpec
from seglab.data.loading.dataset import SegmentationDataset
from seglab.data.layouts.discover import discover_data
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.loading.mirror_classes import SideSwap
from seglab.data.loading.sampling import PatchSampler, SeededSampler
from seglab.data.splitting.splits import split_from_file, split_pairs
from seglab.data.checking.stats import DatasetStats, resolve_classes, scan
from seglab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

DEFAULT_SIZE = (256, 256)  # used when images differ in size and no --size was given
MAX_PROBLEMS_SHOWN = 10
# smaller native images cannot pass a U-Net's poolings (the smallest model needs 2 px, most 8-16);
# the model is built after the data, so this floor stands in for its own minimum
MIN_NATIVE_SIDE = 8


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
    augment: Augment | None = None  # training augmentation (data.augment)
    patches: PatchSampler | None = None  # training crops (data.patch_size)
    class_pixels: tuple[int, ...] = ()  # pixels per class in the train split, for class weights
    cache: str = "memory"  # where datasets keep decoded samples: memory | disk | none (data.cache resolved)
    cache_dir: Path | None = None  # the disk cache's folder

    def dataset(self, split: str, training: bool = False, raw: bool = False) -> SegmentationDataset:
        """The split's samples; with `training`, as random patches and augmented views; with
        `raw`, 8-bit images not normalised (see `SegmentationDataset`)."""
        return SegmentationDataset(
            self.splits[split],
            self.index.mapping,
            self.size,
            self.mean,
            self.std,
            num_classes=self.index.mapping.label_count(self.classes.num_classes),  # 2**K bit sets when multi-label
            ignore_index=self.train_ignore_index if self.multilabel else self.classes.ignore_index,
            patches=self.patches if training else None,
            augment=self.augment if training else None,
            cache=self.cache,
            cache_dir=self.cache_dir,
            raw=raw,
            keep_alpha=self.index.alpha_channel,
            no_data=self.index.no_data,
        )

    @property
    def multilabel(self) -> bool:
        """Whether masks are bit sets of overlapping classes (`seglab.data.layouts.multilabel`); the
        task follows from it (`seglab.tasks.task_for`)."""
        return self.index.mapping.multilabel

    @property
    def train_ignore_index(self) -> int | None:
        """The label the training loss skips: the dataset's ignore index, or PAD_LABEL when crops
        or augmentation may pad the masks of a dataset that has none."""
        if self.multilabel:
            return PAD_LABEL  # = seglab.labelsets.IGNORE, where multi-label masks mark every left-out pixel
        if self.classes.ignore_index is None and (self.augment is not None or self.patches is not None):
            return PAD_LABEL
        return self.classes.ignore_index

    def split_names(self) -> dict[str, list[str]]:
        return {name: [pair.name for pair in pairs] for name, pairs in self.splits.items()}


_UNSKIPPABLE = ("; --skip-bad cannot leave out a finding that belongs to no image/mask pair (a file that was to "
                "make pairs, such as a volume): fix or remove the file")


def check_problems(problems: list[Problem], what: str, skippable: bool = True) -> None:
    """Stop before training on fatal findings: log each one, raise one line naming the first,
    offering --skip-bad when it would leave them out (`skippable`: they belong to pairs).

    Raises:
        DataError: some of `problems` are fatal (see `seglab.data.checking.checks.CHECKS`).
    """
    fatal = [p for p in problems if severity(p) == FATAL]
    if not fatal:
        return
    if len(fatal) == 1:
        skip = "; or pass --skip-bad to train without that pair" if skippable else _UNSKIPPABLE
        raise DataError(f"{what} has a fatal problem: {describe(fatal[0])}{skip}")
    for line in log_lines(fatal, MAX_PROBLEMS_SHOWN):
        log.error(line)
    codes = ", ".join(f"{code} {n}" for code, n in Counter(p.code for p in fatal).items())
    skip = "; fix them, or pass --skip-bad to train on the clean pairs" if skippable else _UNSKIPPABLE
    raise DataError(f"{what} has {len(fatal)} fatal problems ({codes}), listed above; the first: "
                    f"{describe(fatal[0])}{skip}")


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


def check_native_size(stats: DatasetStats, min_side: int | None = None) -> None:
    """Refuse training at native size on images under the model's smallest side (at least
    `MIN_NATIVE_SIDE` px), which the network would otherwise reject mid-epoch with a traceback.

    Raises:
        DataError: naming the smallest such image and --size.
    """
    floor = max(MIN_NATIVE_SIDE, min_side or 0)
    small = sorted((min(f.size), str(path), f.size) for path, f in stats.images.items() if min(f.size) < floor)
    if small:
        _, path, (height, width) = small[0]
        more = f" (and {len(small) - 1} more images under {floor} px)" if len(small) > 1 else ""
        raise DataError(f"image '{path}' is {height}x{width} (HxW){more}: too small to train this U-Net on at native "
                        f"size, which needs at least {floor} px per side; pass --size {max(64, floor)} (or another "
                        "size) to resize every image, choose a model with fewer levels, or leave such images out")


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
    index = discover_data(cfg)
    what = f"dataset '{index.root}'"
    splits = split_dataset(cfg, index.pairs, seed)
    report = audit(index, splits, size=cfg.size, min_side=min_side)
    for line in log_lines(report.warnings):
        log.warning(line)
    stats = report.stats
    if report.fatal:
        splits, skipped, unplaced = report.drop_bad(splits)
        check_problems(unplaced, what, skippable=False)  # first: --skip-bad would not help
        if not cfg.skip_bad:
            check_problems(report.fatal, what)
        for pair, problem in skipped:
            log.warning("skipped pair '%s' (--skip-bad): %s", pair.name, describe(problem))
        stats = scan(index, [pair for pairs in splits.values() for pair in pairs])
        log.warning("skipped %d of %d pairs with fatal problems", len(skipped), len(index.pairs))
    if not splits["train"]:
        reason = "after skipping the pairs with fatal problems" if report.fatal else f"with split {cfg.split}"
        raise DataError(f"dataset '{index.root}' left no pairs for training {reason}")
    classes = resolve_classes(index, stats)
    if classes.num_classes < 2:
        raise DataError(f"dataset '{index.root}' has only one class in its masks; nothing to segment "
                        f"({one_class_cause(index, report.problems)})")
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
    if not splits["val"]:
        log.warning("no validation images (%d pairs in all): nothing scores the model while it trains, the best "
                    "checkpoint is the one with the lowest training loss and metrics.json has no scores; add "
                    "images, or give the split yourself (--split-file JSON)", sum(len(v) for v in splits.values()))
    augment, patches = build_training_views(cfg, classes, index.mapping.multilabel)
    size = choose_size(cfg, stats)
    if size is None:
        check_native_size(stats, min_side)
    cache, cache_dir = resolve_cache(cfg, splits["train"] + splits["val"], stats, size, in_channels)
    return PreparedData(
        index=index,
        stats=stats,
        classes=classes,
        splits=splits,
        size=size,
        in_channels=in_channels,
        mean=tuple(float(m) for m in mean),
        std=tuple(max(float(s), 1e-6) for s in std),
        augment=augment,
        patches=patches,
        class_pixels=tuple(
            0 if c == classes.ignore_index else train_stats.mask_values.get(c, 0) for c in range(classes.num_classes)
        ),
        cache=cache,
        cache_dir=cache_dir,
    )


def resolve_cache(
    cfg: DataConfig, pairs: list[Pair], stats: DatasetStats, size: tuple[int, int] | None, channels: int
) -> tuple[str, Path | None]:
    """`data.cache`, with auto decided by the decoded size of `pairs` (the ones read every
    epoch) against the available RAM, and the disk cache folder (None unless disk); logged.

    Raises:
        ConfigError: an unknown `data.cache`.
    """
    copies = max(cfg.num_workers, 1)  # every DataLoader worker fills its own memory cache
    needed = decoded_bytes(pairs, stats, size, channels) * copies
    available = available_memory()
    cache = choose_cache(cfg.cache, needed, available)
    folder = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else default_cache_dir()
    log.info("data cache: %s%s (data.cache %s; decoded train+val %.1f MiB x %d process(es), %.0f MiB RAM available)",
             cache, f" in {folder}" if cache == "disk" else "", cfg.cache, needed / copies / 2**20, copies,
             available / 2**20)
    return cache, folder if cache == "disk" else None


def split_dataset(cfg: DataConfig, pairs: list[Pair], seed: int) -> dict[str, list[Pair]]:
    """The split `cfg` asks for: from data.split_file, else drawn (or folded) by data.split_mode.

    Raises:
        ConfigError: a split file combined with folds, or any error of the split itself.
    """
    if cfg.split_file is None:
        return split_pairs(pairs, cfg.split, seed=seed, mode=cfg.split_mode, group_pattern=cfg.group_pattern,
                           folds=cfg.folds, fold=cfg.fold)
    if cfg.folds is not None or cfg.fold != 0:
        raise ConfigError("data.split_file fixes the split and data.folds/data.fold draw one: use one or the other")
    log.info("split read from '%s' (data.split, split_mode and group_pattern not used)", cfg.split_file)
    return split_from_file(pairs, cfg.split_file)


def build_training_views(cfg: DataConfig, classes: ClassSpec,
                         multilabel: bool = False) -> tuple[Augment | None, PatchSampler | None]:
    """The train split's augmentation and patch sampler from `cfg` (None when off).

    Masks are padded with the dataset's ignore index, or with PAD_LABEL when it has none
    (then `PreparedData.train_ignore_index` makes the loss skip it). Flips exchange the classes
    that name a side (`seglab.data.loading.mirror_classes`); `multilabel` masks are bit sets.

    Raises:
        ConfigError: unknown preset or transform, bad parameters, bad patch size or probability.
    """
    fill = classes.ignore_index if classes.ignore_index is not None else PAD_LABEL
    sides = SideSwap.from_classes(classes.names, classes.ignore_index, multilabel)
    augment = build_augment(cfg.augment, cfg.augment_options, fill, sides)
    if augment is not None and augment.mirrors and sides is not None:
        log.info("flips swap the side classes: %s", sides.describe())
    patches = None
    if cfg.patch_size is not None:
        try:
            patches = PatchSampler(cfg.patch_size, cfg.rare_class_crops, classes.ignore_index, fill)
        except ValueError as err:
            raise ConfigError(f"data.patch_size / data.rare_class_crops: {err}") from None
    elif cfg.rare_class_crops:
        raise ConfigError("data.rare_class_crops chooses crops, so it needs data.patch_size (--patch-size)")
    if augment is not None or patches is not None:
        log.info(
            "training views: %s; augmentation %s",
            f"{patches.size[0]}x{patches.size[1]} patches, "
            + (f"{cfg.rare_class_crops:.0%} centred on a random class" if cfg.rare_class_crops else "uniform")
            if patches else "whole images",
            f"{cfg.augment} ({', '.join(augment.names())})" if augment else "none",
        )
    return augment, patches


def make_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    shuffle: bool,
    num_workers: int = 0,
    seed: int = 0,
    pin_memory: bool = False,
    sampler: Sampler | None = None,
    samples_per_image: int = 1,
) -> DataLoader:
    """A DataLoader whose shuffling depends only on `seed`; workers persist across epochs.
    A `sampler` (distributed training) does the shuffling instead. `samples_per_image` > 1
    draws that many random views of every image per epoch (the dataset must be randomised)."""
    generator = torch.Generator().manual_seed(seed)
    randomised = getattr(dataset, "randomised", False)
    if samples_per_image < 1:
        raise ConfigError(f"data.samples_per_image must be >= 1, got {samples_per_image}")
    if samples_per_image != 1 and not (shuffle and randomised):
        raise ConfigError(
            f"data.samples_per_image={samples_per_image} repeats random training views, so it needs "
            "--patch-size or --augment (and applies to training only)"
        )
    if shuffle and randomised:
        # random views (crops, augmentation) take one seed per sample from the shuffling
        # generator, so workers and --resume (which restores it) repeat them exactly
        base = sampler if sampler is not None else RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
        sampler = SeededSampler(base, generator, samples_per_image)
    size = len(sampler) if sampler is not None else len(dataset)  # type: ignore[arg-type]
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle and sampler is None,
        sampler=sampler,
        drop_last=shuffle and size > batch_size,  # a batch of 1 breaks BatchNorm statistics
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=pin_memory,
        generator=generator,
    )
