"""The integer type a mask or label volume of whole values is written in."""

from __future__ import annotations

import numpy as np


def label_dtype(labels: np.ndarray) -> type[np.integer]:
    """uint8 where every value fits, else uint16: what a PNG, a TIFF and a NIfTI file all hold
    (raw mask values past 255: MM-WHS' 850, object numbers); int32 for values outside 0..65535,
    which a NIfTI file holds and no 8- or 16-bit picture does."""
    low, high = labels.min(initial=0), labels.max(initial=0)
    if low < 0 or high > np.iinfo(np.uint16).max:
        return np.int32
    return np.uint8 if high <= np.iinfo(np.uint8).max else np.uint16
