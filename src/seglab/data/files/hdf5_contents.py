"""HDF5 files under suffixes seglab does not read, told by their signature: netCDF4's `.nc` (the
AutoICE sea-ice scenes' `<scene>_prep.nc`) and IWOAI's `.im` and `.seg` knee volumes are HDF5
underneath. What their arrays are (shape, dtype, what marks no data, 0/1 channels) is read from
a sample of each, so that a refusal can say what they hold and the route that reads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seglab.data.classes.text_files import open_regular, regular_file
from seglab.data.files.hdf5_files import h5py_module, open_dataset_shapes
from seglab.data.files.read_errors import HDF5_SIGNATURE, Unusable

_FIRST_USER_BLOCK = 512  # the signature lies at 0, or past a user block of 512, 1024, 2048, ... bytes
_SAMPLED = 1 << 20  # values of an array read to tell what it holds
_FILL = 255  # a uint8 label's usual no-data value (AutoICE's charts), where no _FillValue says so


def holds_hdf5(path: Path) -> bool:
    """Whether a file begins with HDF5's signature, at byte 0 or past a user block, whatever its
    name; False for a file that cannot be read."""
    try:
        size = path.stat().st_size
        with open_regular(path) as file:
            offset = 0
            while offset + len(HDF5_SIGNATURE) <= size:
                file.seek(offset)
                if file.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
                    return True
                offset = offset * 2 or _FIRST_USER_BLOCK
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class HeldArray:
    """One dataset of an HDF5 file, as a sample of its values shows it.

    Args:
        name: its path in the file (`SOD`, `data`).
        shape: its shape, from the header.
        dtype: its dtype, from the header.
        fill: the value marking no data: its netCDF `_FillValue` attribute, else 255 in a uint8
            array that holds it beside two values or more (AutoICE's `SIC`); None otherwise.
        not_finite: a float array holding NaN or infinite values (SAR's border, no data).
        binary: it holds 0 and 1 only (a one-hot label's channels).
    """

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    fill: float | None
    not_finite: bool
    binary: bool

    @property
    def whole(self) -> bool:
        """Whether it holds whole numbers (integers or booleans), as labels do."""
        return self.dtype.kind in "biu"


def h5_held_arrays(path: Path) -> list[HeldArray]:
    """The datasets of numbers an HDF5 file keeps in itself, whatever its suffix (`h5_dataset_shapes`),
    each told from a sample of its values; empty for a file that cannot be read, or without h5py."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            return [_held(name, shape, file[name]) for name, shape in open_dataset_shapes(file, h5py).items()]
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, Unusable):  # KeyError: an object HDF5 cannot open
        return []


def _held(name: str, shape: tuple[int, ...], dataset: Any) -> HeldArray:
    """A dataset told from evenly spaced values, at most `_SAMPLED` in all: as many along each axis,
    so that a long thin shape ((1, 10**10), a few bytes of file) is no huge read."""
    along = max(1, int(_SAMPLED ** (1 / max(len(shape), 1))))
    sample = np.asarray(dataset[tuple(slice(None, None, max(1, math.ceil(side / along))) for side in shape)])
    dtype = dataset.dtype
    values = np.unique(sample) if dtype.kind in "biu" else np.array([])
    declared = dataset.attrs.get("_FillValue")
    fill = float(np.asarray(declared).ravel()[0]) if declared is not None and np.size(declared) else None
    if fill is None and dtype == np.uint8 and _FILL in values and len(values) > 2:
        fill = _FILL
    return HeldArray(name, shape, dtype, fill, dtype.kind == "f" and not np.isfinite(sample).all(),
                     len(values) > 0 and set(values.tolist()) <= {0, 1})
