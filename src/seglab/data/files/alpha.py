"""Whether an image's alpha channel is transparency or data: MFNet's RGB-thermal scenes ship
the thermal image as the 4th channel of RGBA PNGs, which a picture reader would drop.

A dataset decides once (`data.alpha`, auto by default): when a sampled image's alpha holds
data, every image's alpha is read as its last channel, else every alpha is dropped. A trained
model tells it by its channel count (`reads_alpha`), so prediction reads images as training did.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seglab.data.files.io import read_header, read_image
from seglab.errors import DataError

ALPHA_READINGS = ("auto", "channel", "drop")  # data.alpha: decided from the images, kept, dropped
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La")  # a palette's transparency (PA) is never data
_SAMPLED = 32  # images looked at, spread over the dataset: a dataset's images share one kind of alpha
_NO_ALPHA = (".jpg", ".jpeg", ".jpe", ".jfif")  # JPEG holds no alpha channel
_SETTLED_SHARE = 0.9  # a cut-out's alpha is fully transparent or opaque but for its soft edge


def alpha_like(alpha: np.ndarray) -> bool:
    """Whether an alpha channel means transparency: one value (all opaque, or a constant), or
    nearly every pixel fully transparent or fully opaque (a cut-out, with a soft edge). Thermal
    or near-infrared data takes many values across the image."""
    if alpha.min() == alpha.max():
        return True
    top = np.iinfo(alpha.dtype).max if alpha.dtype.kind in "ui" else 1.0
    settled = np.count_nonzero((alpha == 0) | (alpha == top))
    return settled >= _SETTLED_SHARE * alpha.size


def data_alpha_image(images: Sequence[Path]) -> Path | None:
    """The first of up to `_SAMPLED` images, spread over `images`, whose alpha channel holds
    data (`alpha_like` is false), or None; unreadable files are left to the audit."""
    images = [p for p in images if p.suffix.lower() not in _NO_ALPHA]  # a cached index reads no JPEG header again
    step = max(len(images) / _SAMPLED, 1.0)
    for path in dict.fromkeys(images[int(i * step)] for i in range(min(len(images), _SAMPLED))):
        try:
            if read_header(path).mode in ALPHA_MODES and not alpha_like(read_image(path, keep_alpha=True)[..., -1]):
                return path
        except DataError:
            continue
    return None


def reads_alpha(in_channels: int) -> bool:
    """Whether a model of `in_channels` reads an image's alpha as its last channel: 2 (grey and
    a band) and 4 (RGB and a band) are what a dataset whose alpha holds data trains on, and an
    image without its alpha could not give them; 1 and 3 are read without it, as in training."""
    return in_channels in (2, 4)
