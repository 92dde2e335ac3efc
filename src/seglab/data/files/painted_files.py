"""A label map painted from a 0/255 mask file per part or object, a later file over an earlier one:
CelebAMask-HQ's face parts, BOP's object instances."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from seglab.data.classes.mapping import nonzero_pixels
from seglab.data.files.io import read_raw_mask
from seglab.data.files.read_errors import ReadError


def paint_files(labelled: Iterable[tuple[int, Path]], dtype: type = np.int64) -> np.ndarray:
    """Background 0 with each file's non-zero pixels set to its label, in the order given.

    Raises:
        ReadError: a file of another size than the first (or one `read_raw_mask` refuses).
    """
    labels: np.ndarray | None = None
    for label, path in labelled:
        on = nonzero_pixels(read_raw_mask(path))
        if labels is None:
            labels = np.zeros(on.shape, dtype)
        elif on.shape != labels.shape:
            raise ReadError(f"mask '{path}' is {on.shape[0]}x{on.shape[1]} (HxW) but the image's other masks "
                            f"are {labels.shape[0]}x{labels.shape[1]}", "size-mismatch")
        labels[on] = label
    assert labels is not None  # a pair has a mask
    return labels
