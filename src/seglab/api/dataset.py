"""`load_dataset`: a dataset folder, checked and split once, to look at and to train on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from seglab import config as config_io
from seglab.api.figures import plot_samples
from seglab.config import DataConfig
from seglab.data import ClassSpec, InspectReport, Pair, audit, format_report, read_image, read_mask
from seglab.data.loading.prepare import PreparedData, prepare_data
from seglab.inference.files import display_image


class Dataset:
    """A dataset folder, discovered, audited and split exactly as `seglab.train` will use it.

    Make one with `load_dataset`. `config` is the data section a run records; `seed` draws
    the split (and, in `seglab.train`, the initial weights).
    """

    def __init__(self, config: DataConfig, seed: int, prepared: PreparedData) -> None:
        self.config = config
        self.seed = seed
        self.prepared = prepared

    @property
    def path(self) -> Path:
        return self.prepared.index.root

    @property
    def format(self) -> str:
        return self.prepared.index.format

    @property
    def classes(self) -> ClassSpec:
        return self.prepared.classes

    @property
    def splits(self) -> dict[str, list[str]]:
        """Pair names per split: {"train": [...], "val": [...], "test": [...]}."""
        return self.prepared.split_names()

    def __len__(self) -> int:
        return sum(len(pairs) for pairs in self.prepared.splits.values())

    def __repr__(self) -> str:
        counts = ", ".join(f"{name} {len(pairs)}" for name, pairs in self.prepared.splits.items())
        return (f"Dataset('{self.path}', format={self.format!r}, {len(self)} pairs ({counts}), "
                f"classes={list(self.classes.names)})")

    def summary(self) -> str:
        """What `seglab inspect` prints, plus the split and size training will use.

        Every pair is read again to list the audit's findings, warnings included, for this
        split and training size.
        """
        prepared = self.prepared
        found = audit(prepared.index, prepared.splits, size=prepared.size)
        report = InspectReport(prepared.index, found.stats, prepared.classes, found.problems)
        counts = ", ".join(f"{name} {len(pairs)}" for name, pairs in prepared.splits.items())
        size = prepared.size
        data = self.config
        how = (f"from {data.split_file}" if data.split_file else
               f"fold {data.fold} of {data.folds}, {data.split_mode}, seed {self.seed}" if data.folds else
               f"{data.split_mode}, seed {self.seed}")
        return "\n".join([
            format_report(report),
            f"Split:        {counts} ({how})",
            f"Train size:   {f'{size[0]}x{size[1]} (HxW)' if size else 'native'}",
        ])

    def sample(self, index: int, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """The `index`-th pair of a split as read from disk, before resizing and normalisation.

        Returns:
            image (H, W, C) in its stored dtype, and mask (H, W) int64 class indices.

        Raises:
            KeyError: unknown split. IndexError: no such pair.
        """
        pair = self._pairs(split)[index]
        assert pair.mask is not None  # training splits hold labelled pairs only
        index = self.prepared.index
        return read_image(pair.images, index.alpha_channel, index.no_data), read_mask(pair.masks, index.mapping)

    def show_batch(self, n: int = 4, split: str = "train") -> Figure:
        """The first `n` pairs of a split: each image above its coloured mask (2 panels per pair).

        Raises:
            ValueError: `n` < 1 or the split is empty. KeyError: unknown split.
        """
        count = min(n, len(self._pairs(split)))
        if n < 1 or count == 0:
            raise ValueError(f"nothing to show: n={n}, and the {split} split has {len(self._pairs(split))} pairs")
        images, masks = zip(*(self.sample(i, split) for i in range(count)))
        classes = self.classes
        return plot_samples([display_image(i) for i in images], masks, classes.colours, classes.names,
                            classes.ignore_index)

    def _pairs(self, split: str) -> list[Pair]:
        if split not in self.prepared.splits:
            raise KeyError(f"unknown split '{split}'; this dataset has {', '.join(self.prepared.splits)}")
        return self.prepared.splits[split]


def load_dataset(path: str | Path, *, seed: int = 0, **options: Any) -> Dataset:
    """Discover a dataset folder (layout auto-detected), audit every pair and split it.

    Args:
        path: dataset folder: Oxford-IIIT Pet, brain-MRI .npy pairs, image/mask folders or
            a synthetic set (see the README's table of formats).
        seed: draws the train/val/test split; `seglab.train` also seeds the weights with it.
        **options: fields of `seglab.config.DataConfig`: format, size (an int or (H, W)),
            split, split_mode, group_pattern, split_file, folds, fold, classes_file, ignore_index,
            label_map (e.g. {255: 1, 3: "ignore"}, docs/encodings.md), skip_bad, num_workers.

    Raises:
        ConfigError: an unknown option or a value of the wrong type (the message names it).
        DataError: the folder is unusable, or a pair has a fatal problem (see `skip_bad`).

    Example:
        >>> import tempfile, seglab
        >>> from seglab.data import generate_synthetic
        >>> root = generate_synthetic(tempfile.mkdtemp(), num_samples=10, size=(32, 32))
        >>> ds = seglab.load_dataset(root)
        >>> ds.format, len(ds), ds.classes.num_classes
        ('synthetic', 10, 4)
    """
    if isinstance(options.get("size"), int):
        options["size"] = (options["size"], options["size"])
    options["path"] = str(Path(path).expanduser().resolve())  # the run records it; cwd may change
    data = config_io.from_dict(DataConfig, options, "data")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {seed!r}")
    return Dataset(data, seed, prepare_data(data, seed))
