"""Which half of pictures holding an image and its mask side by side is the mask, told by flat
regions: a label map is painted in regions of one colour each, which stay flat through a JPEG
save, where a photo's regions vary (`files.halves` cuts them).

A half is flat where a pixel's 3x3 neighbourhood varies by no more than a tolerance; the finest
tolerance at which a half has flat pixels decides (exact for lossless labels, a few levels more
for JPEG's noise in small ones), when it has `CONTRAST` times the other half's there. A photo's
clipped pixels (overexposed sky, black shadows) are flat without being painted and do not count.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import ndimage

from seglab.data.encodings.mask_sample import evenly
from seglab.data.files.halves import HALVES, half_of, other_half, twice_as_wide
from seglab.data.files.io import image_scale, read_image
from seglab.errors import DataError

logger = logging.getLogger(__name__)

TOLERANCES = (0, 2, 4, 8)  # 8-bit levels a flat neighbourhood varies by: exact, then JPEG's noise
FLAT_SHARE = 0.05  # of a half's pixels flat, at least, to be a label map
CONTRAST = 3  # times the other half's flat pixels, at least, at the same tolerance
CLIPPED = 5  # levels from black or white in every channel: a photo's clipped pixels
SAMPLED = 8  # pictures read to tell the halves
AGREEING = 3  # pictures that tell the same half, at least, and more than half of those read


def mask_half(picture: np.ndarray) -> str | None:
    """"left" or "right", the half of an (H, W, C) picture twice as wide as high that is a label
    map beside a photo (see the module docstring); None when neither half stands out."""
    left, right = (_flat_shares(half_of(picture, side)) for side in HALVES)
    for flat_left, flat_right in zip(left, right):
        flatter = max(flat_left, flat_right)
        if flatter >= FLAT_SHARE:
            if flatter < CONTRAST * min(flat_left, flat_right):
                return None
            return "left" if flat_left > flat_right else "right"
    return None


def image_half(pictures: Sequence[Path]) -> str | None:
    """The half that holds the image in pictures twice as wide as high: the other is a label map
    (`mask_half`) in at least `AGREEING` of `SAMPLED` evenly spread pictures and more than half
    of those read, and in none is the image's half the label map; None when unsure."""
    told: Counter[str | None] = Counter()
    for path in evenly(list(pictures), SAMPLED):
        try:
            picture = read_image(path)
        except DataError as err:  # the index reports it
            logger.debug("skipping an unreadable picture while telling its halves: %s", err)
            continue
        told[mask_half(picture) if twice_as_wide(*picture.shape[:2]) else None] += 1
    sides = [side for side in HALVES if told[side]]
    if len(sides) != 1 or told[sides[0]] < AGREEING or 2 * told[sides[0]] <= sum(told.values()):
        return None
    return other_half(sides[0])


def _flat_shares(half: np.ndarray) -> list[float]:
    """The share of `half`'s inner pixels that are flat at each of `TOLERANCES`, clipped ones left out."""
    top = image_scale(half.dtype)
    scale = top / 255  # tolerances are 8-bit levels
    values = half.astype(np.float32)  # pictures (PNG, JPEG): no NaN, which only TIFFs' no-data tags make
    spread = (ndimage.maximum_filter(values, size=(3, 3, 1)) - ndimage.minimum_filter(values, size=(3, 3, 1)))
    spread = spread.max(axis=2)[1:-1, 1:-1]
    clipped = ((values <= CLIPPED * scale).all(axis=2) | (values >= top - CLIPPED * scale).all(axis=2))[1:-1, 1:-1]
    if not spread.size:
        return [0.0] * len(TOLERANCES)
    return [float(((spread <= tolerance * scale) & ~clipped).mean()) for tolerance in TOLERANCES]
