"""Multi-page TIFF files that hold a stack of slices, as electron microscopy datasets ship them:
Lucchi's `training.tif` (165 slices) beside `training_groundtruth.tif`, the ISBI 2012
challenge's `train-volume.tif` beside `train-labels.tif`, SNEMI3D's `train-input.tif`.

A stack is told from its header: two or more pages of one size (tifffile's first series of axes
such as ZYX, IYX or QYX; RGB pages give a trailing sample axis). A TIFF whose metadata calls its
pages channels (CYX: an ImageJ hyperstack of stains, up to `MAX_CHANNELS`) is one image, as
`decoding` reads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile

from seglab.data.files.label_dtype import label_dtype
from seglab.data.files.memory import within_half_memory
from seglab.data.files.channels import MAX_CHANNELS
from seglab.data.files.decoding import first_series, open_tiff, within_file
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable
from seglab.errors import DataError

_SLICE_AXES = "ZTIQ"  # depth, time, tifffile's generic image and unknown axes: not channels
_SAMPLES = 4  # a trailing sample axis of at most this many values is a page's colours


def tiff_stack_shape(path: Path) -> tuple[int, ...] | None:
    """(N, H, W) or (N, H, W, C) of a TIFF stack, from its header; None for a TIFF of one
    page, of channel pages, of another layout, or that cannot be read (reading it as an image
    says why)."""
    try:
        with open_tiff(path) as tif:
            series = first_series(tif)
            if series is None:
                return None
            shape, axes = tuple(int(n) for n in series.shape), series.axes
    except DECODE_ERRORS:
        return None
    if len(axes) != len(shape) or len(shape) not in (3, 4):  # a damaged header can give any series
        return None
    if axes[-1] == "S" and len(shape) == 4 and shape[-1] <= _SAMPLES:
        axes = axes[:-1]
    elif len(shape) != 3:
        return None
    slices = axes[0] in _SLICE_AXES or (axes[0] == "C" and shape[0] > MAX_CHANNELS)  # as `decoding` reads them
    return shape if shape[0] >= 2 and slices else None


def read_tiff_stack(path: Path) -> np.ndarray:
    """The slices of a TIFF stack, (N, H, W[, C]), after checking from the header that each
    slice is within the pixel budget, every strip lies within the file and the whole fits in
    half the memory available.

    Raises:
        DataError: any of those, or a damaged file, naming it.
    """
    try:
        with open_tiff(path) as tif:
            series = tif.series[0]
            within_budget(series.shape[1:3])
            within_file(series.pages, path)
            within_half_memory(series.nbytes, f"TIFF stack '{path}'")
            slices = series.asarray()
            if slices.shape != tuple(series.shape):  # tifffile hands back what it could not shape
                raise DataError(f"TIFF stack '{path}' cannot be read (corrupt or truncated?): its pages give "
                                f"{slices.size:,} values, not {series.shape}")
            return slices
    except Unusable as err:
        raise DataError(f"TIFF stack '{path}' {err}") from None
    except DECODE_ERRORS as err:
        raise DataError(f"TIFF stack '{path}' cannot be read (corrupt or truncated?): {err}") from None


def write_label_stack(path: Path, labels: np.ndarray) -> None:
    """Labels (N, H, W) as a multi-page TIFF of N pages, as Fiji and `read_tiff_stack` read it:
    uint8 where they fit, else uint16 (a predicted Z stack's mask, page by page)."""
    tifffile.imwrite(path, labels.astype(label_dtype(labels)),
                     photometric="minisblack")
