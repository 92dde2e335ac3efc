"""SegmentationDataset: decode, check, resize and normalise image/mask pairs into sample dicts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from seglab.data.loading.augment import Augment
from seglab.data.loading.cache import CACHE_MODES, Arrays, DiskCache
from seglab.data.files.staging import cache_folder
from seglab.data.files.index import Pair
from seglab.data.files.io import read_image, read_mask
from seglab.data.classes.mapping import MaskMapping
from seglab.data.loading.sampling import PatchSampler, sample_rng
from seglab.data.files.label_resize import resize_mask
from seglab.data.loading.transforms import prepare_image, to_tensor
from seglab.errors import DataError

_MAX_VALUES_SHOWN = 10
CACHES = tuple(mode for mode in CACHE_MODES if mode != "auto")  # auto is resolved by prepare_data


class SegmentationDataset(Dataset):
    """Yields {"image": float32 (C, H, W) normalised, "mask": int64 (H, W), "name": str}; with
    `raw`, whole 8-bit images come as uint8 (C, H, W) and their masks in the smallest integer
    type holding every label (uint8 or int16), for normalising on the device
    (`seglab.engine.feeding.DeviceFeed`): a quarter of the bytes to copy, and a pinned copy.

    Each file is decoded once: decoded and resized arrays are cached in their stored dtype
    (uint8 images stay uint8, masks are stored in the smallest integer type that holds them);
    normalisation happens per access. `cache="memory"` keeps them in this process, and with
    DataLoader workers every worker fills its own copy; `cache="disk"` writes them as .npy
    files (`seglab.data.loading.cache.DiskCache`) that workers and later runs share, for datasets
    larger than memory; `cache="none"` decodes on every access.

    For training, `patches` cuts a random window from each cached array before it is
    normalised (so a large image costs only its patch) and `augment` transforms the result.
    Their random draws depend only on the index and the seed given with it: index the dataset
    with `(i, seed)` pairs from `seglab.data.loading.sampling.SeededSampler` (see `sample_rng`).

    The channel count is set by `mean`/`std`: with three values, grey images are replicated to
    RGB (datasets such as Oxford-IIIT Pet mix a few grey JPEGs into RGB ones); with one value,
    an RGB image is an error rather than a silent conversion.

    Args:
        pairs: labelled pairs.
        mapping: turns raw mask pixels into class indices.
        size: (H, W) to resize to; None keeps native sizes (then batching needs equal sizes).
        mean: per-channel mean of image / image_scale, e.g. from `scan`.
        std: per-channel standard deviation, same convention.
        num_classes: valid labels are 0..num_classes-1 (plus `ignore_index`).
        ignore_index: label excluded from loss and metrics.
        cache: where decoded arrays are kept: "memory", "disk" or "none".
        cache_dir: folder of the disk cache; default `seglab.data.files.staging.default_cache_dir()`.
        patches: random fixed-size training patches; None keeps whole images.
        augment: paired training augmentation; None leaves samples as they are.
        raw: 8-bit images and compact masks, not normalised (random training views stay
            normalised float: the augmentation works on normalised intensities).
        keep_alpha: images' alpha read as their last channel (`DatasetIndex.alpha_channel`).
        no_data: a pixel value that is no data in every image (`DatasetIndex.no_data`).

    Raises:
        ValueError: a pair without a mask, mean/std of different lengths, an unknown cache.
        DataError (when an item is read): unreadable file, image/mask size mismatch, mask values
            outside the classes, an image whose channels do not match mean/std, an unwritable
            disk cache.
    """

    def __init__(
        self,
        pairs: Sequence[Pair],
        mapping: MaskMapping,
        size: tuple[int, int] | None,
        mean: Sequence[float],
        std: Sequence[float],
        num_classes: int,
        ignore_index: int | None = None,
        cache: str = "memory",
        cache_dir: str | Path | None = None,
        patches: PatchSampler | None = None,
        augment: Augment | None = None,
        raw: bool = False,
        keep_alpha: bool = False,
        no_data: float | None = None,
    ) -> None:
        unlabelled = [p.name for p in pairs if p.mask is None]
        if unlabelled:
            raise ValueError(f"pairs without a mask cannot be used for training: {unlabelled[:5]}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        if len(self.mean) != len(self.std) or not self.mean:
            raise ValueError(f"mean and std need one value per channel, got {self.mean} and {self.std}")
        if cache not in CACHES:
            raise ValueError(f"cache must be one of {', '.join(CACHES)}, got {cache!r}")
        self.pairs = list(pairs)
        self.mapping = mapping
        self.size = size
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.cache = cache
        self.patches = patches
        self.augment = augment
        self.keep_alpha = keep_alpha
        self.no_data = no_data
        self.raw_mask_dtype = label_dtype(num_classes, ignore_index) if raw else None
        self._cached: dict[int, Arrays] = {}
        self._disk = DiskCache(cache_folder(cache_dir), self._recipe()) if cache == "disk" else None

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def randomised(self) -> bool:
        """Whether samples are random views (patches or augmentation) that want a seed."""
        return self.patches is not None or self.augment is not None

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, object]:
        i, seed = key if isinstance(key, tuple) else (key, None)
        i = range(len(self.pairs))[i]  # negative indices and IndexError as for a list
        image, mask = self._arrays(i)
        if self.randomised:
            return self._random_view(i, image, mask, seed)
        if self.raw_mask_dtype is not None and image.dtype == np.uint8:
            return {"image": torch.from_numpy(np.array(image.transpose(2, 0, 1), order="C")),  # a copy, never the cache
                    "mask": torch.from_numpy(mask.astype(self.raw_mask_dtype)), "name": self.pairs[i].name}
        return {
            "image": to_tensor(image, self.mean, self.std),
            "mask": torch.from_numpy(mask.astype(np.int64)),
            "name": self.pairs[i].name,
        }

    def _random_view(self, i: int, image: np.ndarray, mask: np.ndarray, seed: int | None) -> dict[str, object]:
        """A training view: a patch cut before normalising (cheap for large images), padded up
        to the patch size where the image is smaller, then augmented."""
        rng = sample_rng(i, seed)
        if self.patches is not None:
            rows, cols = self.patches.window(mask, rng)
            image, mask = image[rows, cols], mask[rows, cols]
        image_t = to_tensor(image, self.mean, self.std)
        mask_t = torch.from_numpy(mask.astype(np.int64))
        if self.patches is not None:
            image_t, mask_t = self.patches.pad(image_t, mask_t, rng)
        if self.augment is not None:
            image_t, mask_t = self.augment(image_t, mask_t, seed=int(rng.integers(2**62)))
        return {"image": image_t, "mask": mask_t, "name": self.pairs[i].name}

    def _arrays(self, i: int) -> Arrays:
        """Pair `i` decoded and resized, from the cache when it is there."""
        if i in self._cached:
            return self._cached[i]
        if self._disk is not None:
            return self._disk.fetch(self.pairs[i], self._load)
        arrays = self._load(self.pairs[i])
        if self.cache == "memory":
            self._cached[i] = arrays
        return arrays

    def _recipe(self) -> str:
        """Everything besides the files that `_load` depends on: it keys the disk cache."""
        return json.dumps({
            "size": self.size, "channels": len(self.mean), "mapping": self.mapping.to_dict(),
            "num_classes": self.num_classes, "ignore_index": self.ignore_index,
            **({"no_data": self.no_data} if self.no_data is not None else {}),  # keys of runs without one stay
        }, sort_keys=True)

    def _load(self, pair: Pair) -> Arrays:
        """Decode, check and resize one pair; arrays in their compact stored dtypes."""
        assert pair.mask is not None  # checked in __init__
        image = read_image(pair.images, self.keep_alpha, self.no_data)
        mask = read_mask(pair.masks, self.mapping)
        if image.shape[:2] != mask.shape:
            raise DataError(
                f"mask '{pair.mask}' is {mask.shape[0]}x{mask.shape[1]} (HxW) but image "
                f"'{pair.image}' is {image.shape[0]}x{image.shape[1]}; check that they belong together"
            )
        self._check_values(mask, pair.mask)
        image = prepare_image(image, len(self.mean), self.size, f"image '{pair.image}'")
        if self.size is not None:
            mask = resize_mask(mask, self.size)
        return image, _compact(mask)

    def _check_values(self, mask: np.ndarray, path: object) -> None:
        # min/max first: the full unique() only runs for a mask that is actually bad
        if mask.min() >= 0 and mask.max() < self.num_classes:
            return
        values = np.unique(mask)
        bad = [v for v in values.tolist() if (v < 0 or v >= self.num_classes) and v != self.ignore_index]
        if bad:
            shown = ", ".join(map(str, bad[:_MAX_VALUES_SHOWN]))
            ignore = f" or {self.ignore_index} (ignore)" if self.ignore_index is not None else ""
            raise DataError(
                f"mask '{path}' has values {shown} outside the classes "
                f"(expected 0..{self.num_classes - 1}{ignore})"
            )


def label_dtype(num_classes: int, ignore_index: int | None) -> np.dtype:
    """The smallest integer type of every mask of a dataset (one type, so its batches stack)."""
    labels = [0, num_classes - 1] + ([ignore_index] if ignore_index is not None else [])
    return _smallest_int(min(labels), max(labels))


def _compact(mask: np.ndarray) -> np.ndarray:
    """Smallest integer dtype holding the labels, so a cached mask costs 1 byte per pixel."""
    return mask.astype(_smallest_int(int(mask.min()), int(mask.max())))


def _smallest_int(low: int, high: int) -> np.dtype:
    for dtype in (np.uint8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return np.dtype(dtype)
    return np.dtype(np.int64)
