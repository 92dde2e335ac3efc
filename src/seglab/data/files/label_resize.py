"""Nearest-neighbour resizing of label maps, numpy only: discovery (an object's mask painted at
its image's size, `annotations.mask_table`) and loading (`loading.transforms`) share it, and
discovery imports no torch; and the test of a mask saved at another resolution than its image,
which the audit's hint and `--resize-masks` share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_ROUNDING = 1  # pixels a side may differ from the ratio's, rounded when the mask was saved


def check_size(size: Sequence[int]) -> tuple[int, int]:
    """`size` as (H, W) integers.

    Raises:
        ValueError: not two positive integers.
    """
    if len(size) != 2 or any(isinstance(v, bool) or int(v) != v or v < 1 for v in size):
        raise ValueError(f"size must be two positive integers (H, W), got {size!r}")
    return int(size[0]), int(size[1])


def same_aspect_ratio(image_hw: Sequence[int], mask_hw: Sequence[int]) -> bool:
    """Whether a mask of `mask_hw` (H, W) is an image of `image_hw` scaled by one ratio on both
    sides, to within the pixel a side was rounded to (the COVID-19 Radiography Database's 256x256
    lung masks of its 299x299 radiographs)."""
    (image_h, image_w), (mask_h, mask_w) = image_hw[:2], mask_hw[:2]
    return bool(mask_h and mask_w) and abs(mask_w * image_h / mask_h - image_w) <= _ROUNDING


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of an (H, W) label map, or (H, W, C) colours; values and dtype are
    kept exactly.

    Pixel centres are sampled (as in `nearest-exact`), so the mapping is symmetric.
    """
    height, width = check_size(size)
    if mask.ndim not in (2, 3):
        raise ValueError(f"mask must be (H, W) or (H, W, C), got shape {mask.shape}")
    rows = _centres(mask.shape[0], height)
    cols = _centres(mask.shape[1], width)
    return np.ascontiguousarray(mask[rows[:, None], cols[None, :]])


def _centres(source: int, target: int) -> np.ndarray:
    """Source index under the centre of each target pixel."""
    index = ((np.arange(target) + 0.5) * source / target).astype(np.int64)
    return np.minimum(index, source - 1)
