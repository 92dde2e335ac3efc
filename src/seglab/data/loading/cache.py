"""Where decoded samples are kept between epochs: in memory, on disk, or nowhere.

Decoding a PNG or JPEG and resizing it costs far more than normalising the result, so a
`SegmentationDataset` does it once per pair and keeps the arrays in their compact stored dtypes.
`choose_cache` resolves `data.cache: auto` from an estimate of the decoded size (`decoded_bytes`)
and the RAM available; `DiskCache` holds the samples that do not fit as .npy files, which
DataLoader workers and later runs share.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from seglab.data.files.file_version import file_version
from seglab.data.files.index import Pair
from seglab.data.files.npy_files import memory_mapped
from seglab.data.checking.stats import DatasetStats
from seglab.errors import ConfigError, DataError

CACHE_MODES = ("auto", "memory", "disk", "none")
MEMORY_SHARE = 0.5  # auto caches in memory only below this share of the available RAM
# part of every disk key: bump when decoding or resizing changes, so old files read as misses
FORMAT = 2  # 2: 16-bit colour PNGs read at full depth

Arrays = tuple[np.ndarray, np.ndarray]  # (image (H, W, C), mask (H, W)) in their stored dtypes


def decoded_bytes(pairs: Iterable[Pair], stats: DatasetStats, size: tuple[int, int] | None, channels: int) -> int:
    """Memory the decoded arrays of `pairs` take: images at `size` (native size when None) with
    `channels` channels in the dtype `scan` read, masks at one byte per pixel (an estimate: the
    rare mask with labels above 255 takes two)."""
    total = 0
    for pair in pairs:
        facts = stats.images.get(pair.image)
        if facts is None:  # not scanned (unreadable): it never reaches a cache
            continue
        height, width = size or facts.size
        total += height * width * (channels * np.dtype(facts.dtype).itemsize + 1)
    return total


def choose_cache(mode: str, needed: int, available: int) -> str:
    """`mode` itself, or for "auto": "memory" when `needed` bytes fit in MEMORY_SHARE of
    `available` bytes, else "disk".

    Raises:
        ConfigError: `mode` is not one of CACHE_MODES.
    """
    if mode not in CACHE_MODES:
        raise ConfigError(f"data.cache must be one of {', '.join(CACHE_MODES)}, got '{mode}'")
    if mode != "auto":
        return mode
    return "memory" if needed <= MEMORY_SHARE * available else "disk"


class DiskCache:
    """Decoded pairs as two .npy files each (image, mask) under `root`, shared by processes.

    A pair's key hashes everything its arrays depend on: its files' paths, modification times
    and sizes, plus `recipe` (what the dataset does to them: target size, channels, mapping,
    classes) and FORMAT. An edited file or a changed setting is therefore a miss, never stale
    data. Files are written under a temporary name and renamed, so readers never see half a
    file; one that still fails to load (truncated or damaged on disk) is a miss and is rewritten.

    Args:
        root: cache folder (created when first written).
        recipe: text naming the dataset's processing, hashed into every key.
    """

    def __init__(self, root: str | Path, recipe: str) -> None:
        self.root = Path(root)
        self.recipe = recipe

    def fetch(self, pair: Pair, load: Callable[[Pair], Arrays]) -> Arrays:
        """The pair's arrays from disk, or from `load` (then written for next time)."""
        try:
            paths = self._paths(pair)
        except OSError:  # a missing file: `load` reports it properly
            return load(pair)
        arrays = _read(paths)
        if arrays is None:
            arrays = load(pair)
            for path, array in zip(paths, arrays):
                self._write(path, array)
        return arrays

    def _paths(self, pair: Pair) -> tuple[Path, Path]:
        assert pair.mask is not None  # datasets accept labelled pairs only
        digest = hashlib.blake2b(f"{FORMAT}|{self.recipe}".encode(), digest_size=16)
        for path in pair.files:
            resolved, size, modified = file_version(path)
            digest.update(f"|{resolved}|{modified}|{size}".encode())
        key = digest.hexdigest()
        folder = self.root / key[:2]  # 256 subfolders keep directories small for large datasets
        return folder / f"{key}.image.npy", folder / f"{key}.mask.npy"

    def _write(self, path: Path, array: np.ndarray) -> None:
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, array, allow_pickle=False)
            os.replace(tmp, path)
        except OSError as err:
            raise DataError(f"cannot write the data cache '{self.root}': {err.strerror or err}; free disk "
                            "space, choose another --cache-dir, or use --cache memory") from None
        finally:
            if tmp is not None:  # left behind only when writing failed
                Path(tmp).unlink(missing_ok=True)


def _read(paths: tuple[Path, Path]) -> Arrays | None:
    """Both arrays memory-mapped (a training patch reads only its window), or None when a file
    is missing, truncated or not a matching image/mask pair."""
    try:
        image, mask = (memory_mapped(path) for path in paths)
    except (OSError, ValueError, EOFError):
        return None
    if image.ndim != 3 or image.shape[:2] != mask.shape:
        return None
    return image, mask
