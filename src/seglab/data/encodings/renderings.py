"""Colour renderings of label masks: pictures that paint each mask value in one colour
(Cityscapes' `x_gtFine_color.png`, GOOSE's `x_color.png`), told from photos by their pixels."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.classes.text_files import regular_file
from seglab.data.classes.mapping import colour_codes
from seglab.data.files.read_errors import DECODE_ERRORS


def read_pixels(path: Path, rgb: bool) -> np.ndarray | None:
    """A mask's values or a rendering's RGB colours; None for a file that cannot be read (the
    audit's to report, not a reason to stop here)."""
    try:
        with Image.open(regular_file(path)) as image:
            return np.asarray(image.convert("RGB") if rgb else image)
    except DECODE_ERRORS:
        return None


def painted_colours(ids: np.ndarray, rgb: np.ndarray) -> dict[int, np.ndarray] | None:
    """The colours (`colour_codes`) a picture paints each value of a label mask in, found in one
    pass over the pixels; None when it is no picture of the mask (another size, a mask of several
    channels)."""
    if ids.ndim != 2 or rgb.ndim != 3 or rgb.shape[:2] != ids.shape:
        return None
    found = np.unique((ids.astype(np.int64) << 24) | colour_codes(rgb[..., :3]))  # each (value, colour) once, sorted
    values, codes = found >> 24, found & 0xFFFFFF
    starts = np.flatnonzero(np.diff(values)) + 1
    return {int(group[0]): colours for group, colours in zip(np.split(values, starts), np.split(codes, starts))}


def renders_masks(pairs: Iterable[tuple[Path, Path]]) -> bool:
    """Whether each picture of `pairs` (mask, picture) is a colour rendering of its mask: every
    value painted in one colour, distinct values in distinct colours, and one table over all the
    pairs. Two values at least must show it: a flat picture of a one-value mask tells nothing."""
    table: dict[int, int] = {}
    for mask, picture in pairs:
        ids, rgb = read_pixels(mask, rgb=False), read_pixels(picture, rgb=True)
        painted = painted_colours(ids, rgb) if ids is not None and rgb is not None else None
        if painted is None or any(len(colours) != 1 for colours in painted.values()):
            return False
        for value, colours in painted.items():
            if table.setdefault(value, int(colours[0])) != int(colours[0]):
                return False
    return len(table) > 1 and len(set(table.values())) == len(table)
