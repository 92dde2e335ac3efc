"""Whether a mask value is drawn as void bands: thin strips between two different labels or along
the mask's edge (VOC's 255 contours around each object, CholecSeg8k's white frame), not a thin
class crossing one region (OCTA-500's 255 vessels on the 0 background, the same label either side).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seglab.data.classes.mapping import MaskMapping
from seglab.data.files.io import read_mask
from seglab.errors import DataError

BAND = 10  # widest strip, in pixels, read as a band: VOC's contours are about 5 px wide, 7 across a diagonal
SAMPLE = 4  # masks holding a value that are read to judge it
_EDGE = np.iinfo(np.int64).min  # the label beyond the mask's edge, unlike any value


def band_share(paths: Sequence[Path], value: int, mapping: MaskMapping) -> float:
    """The share of `value`'s pixels that lie in bands (`in_bands`), in the first `SAMPLE` of the
    masks `paths` (read through `mapping`) that hold it; 0 when none can be read."""
    held = banded = 0
    for path in paths[:SAMPLE]:
        try:
            mask = read_mask(path, mapping)
        except DataError:  # the scan reports it
            continue
        held += int(np.count_nonzero(mask == value))
        banded += int(np.count_nonzero(in_bands(mask, value)))
    return banded / held if held else 0.0


def in_bands(mask: np.ndarray, value: int) -> np.ndarray:
    """Pixels of `value` in a strip at most `BAND` wide that parts two different labels, or a
    label from the mask's edge: the run of `value` through each pixel across the strip (along its
    row or its column, whichever is shorter) ends on different labels.

    Shape: mask (H, W) labels; the result (H, W) bool.
    """
    rows, row_parts = _runs(mask, value)
    columns, column_parts = (array.T for array in _runs(mask.T, value))
    across_rows = rows <= columns
    width = np.where(across_rows, rows, columns)
    parts = np.where(across_rows, row_parts, column_parts)
    return (mask == value) & (width <= BAND) & parts


def _runs(mask: np.ndarray, value: int) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel of `value`, the length of its run along the row and whether the labels at the
    run's two ends differ (the mask's edge is a label of its own); 0 and False elsewhere."""
    padded = np.pad(mask.astype(np.int64), ((0, 0), (1, 1)), constant_values=_EDGE)
    flat = padded.ravel()  # every row starts and ends on the edge label: no run spans two rows
    held = flat == value
    step = np.diff(held.astype(np.int8))
    starts, stops = np.flatnonzero(step == 1) + 1, np.flatnonzero(step == -1) + 1
    lengths = stops - starts
    length = np.zeros(flat.shape, np.int64)
    length[held] = np.repeat(lengths, lengths)
    parts = np.zeros(flat.shape, bool)
    parts[held] = np.repeat(flat[starts - 1] != flat[stops], lengths)
    return length.reshape(padded.shape)[:, 1:-1], parts.reshape(padded.shape)[:, 1:-1]
