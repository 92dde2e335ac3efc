"""Pictures holding an image and its mask side by side, as pix2pix's datasets ship them (Kaggle's
Cityscapes Image Pairs: `cityscapes_data/train/1.jpg`, a 256x256 photo and its colour label in
one 512x256 JPEG): which files are such pictures, and their halves."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from seglab.data.files.io import read_header
from seglab.errors import DataError

HALVES = ("left", "right")  # the half of a picture that holds the image, as --side-by-side names it


def twice_as_wide(height: int, width: int) -> bool:
    """Whether a picture of this size can be two square halves side by side."""
    return width == 2 * height > 0


def half_of(array: np.ndarray, side: str) -> np.ndarray:
    """The `side` half ("left" or "right") of an (H, W, ...) array twice as wide as high."""
    middle = array.shape[1] // 2
    return array[:, :middle] if side == "left" else array[:, middle:]


def other_half(side: str) -> str:
    """"right" for "left", and the other way round: the mask's half beside the image's."""
    return HALVES[1 - HALVES.index(side)]


def not_twice_as_wide(paths: Iterable[Path]) -> Path | None:
    """The first of `paths` that its header (no pixel decoded) shows to be no picture twice as wide
    as high, files of no such header (arrays, TIFFs) included; None when every one is. Files without
    a readable header are left to the reading that reports them, unless no header reads at all: then
    nothing shows a picture twice as wide as high, and the first is named (MedSAM's .npz files of
    arrays named otherwise than an image's had been called such pictures)."""
    first, read = None, False
    for path in paths:
        first = first or path
        try:
            size = read_header(path).size
        except DataError:
            continue
        if size is None or not twice_as_wide(*size):
            return path
        read = True
    return None if read else first
