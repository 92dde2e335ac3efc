"""How many channels an image may have, and when an array's last axis holds them: one rule for
images (`io.read_image`), one-hot masks (`one_hot`) and the HDF5 files that hold a pair; and when
an array's channels are binary, for stacks of a channel per class or per object."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_CHANNELS = 16  # bands of a multispectral image or modalities of a scan (Sentinel-2 has 13); more is a volume


def channels_last(shape: Sequence[int]) -> bool:
    """Whether `shape` is (H, W, C) with C channels: 1 to 4 always (a 2x2 RGB image too), up to
    `MAX_CHANNELS` when fewer than either side, so that channel-first arrays (4, 256, 256) and
    volumes (5, 16, 16) are not taken for images of 256 or 16 bands."""
    if len(shape) != 3:
        return False
    channels = shape[2]
    return 1 <= channels <= 4 or (channels <= MAX_CHANNELS and channels < min(shape[:2]))


def channels_first(shape: Sequence[int]) -> bool:
    """Whether `shape` is (C, H, W) with 2 to `MAX_CHANNELS` channels, fewer than either side."""
    return len(shape) == 3 and 2 <= shape[0] <= MAX_CHANNELS and shape[0] < min(shape[1:])


def channels_first_beside(image: Sequence[int], mask: Sequence[int]) -> bool:
    """Whether an image of shape `image` is (C, H, W), its channels first (`channels_first`), as the
    mask of shape `mask`, (H, W), kept beside it in one file shows: Sen2Fire's `image` (12, 512, 512)
    beside `label` (512, 512). An image whose last axis may hold the channels is read so."""
    return len(mask) == 2 and tuple(image[1:]) == tuple(mask) and channels_first(image) and not channels_last(image)


def binary_planes(array: np.ndarray) -> np.ndarray | None:
    """`array` as booleans when it is numbers of 0 and 1 alone, else None: the test of a stack of
    binary channels (`one_hot.channel_stack`, `object_channels.object_stack`), one scan of its
    pixels, none for booleans (a stack already told binary)."""
    if array.dtype.kind not in "biuf":
        return None
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        return None
    return array.astype(bool, copy=False)
