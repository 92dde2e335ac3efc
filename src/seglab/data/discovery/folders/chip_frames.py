"""Band files that each hold a time series of their band, read at one frame: Contrails'
`<record>/band_08.npy` ... `band_16.npy`, each (H, W, 8), eight frames ten minutes apart whose
fifth (frame 4, counted from 0) its labels are drawn on. A band is one channel, so a band file's
further planes are its times; read whole, nine bands would be 72 channels of mixed times."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.data.files.npy_files import npy_shape
from seglab.errors import DataError


def frame_count(files: Sequence[Path]) -> int:
    """The frames each of a chip's band files holds: T where every one is a .npy array (H, W, T)
    of one T > 1, as its header says; else 1."""
    shapes = {npy_shape(path) for path in files}
    shape = next(iter(shapes)) if len(shapes) == 1 else None
    return shape[2] if shape is not None and len(shape) == 3 and shape[2] > 1 else 1


def chosen_frame(frame: int | None, frames: int, chips: str) -> int:
    """The frame read of band files of `frames` frames: `frame` (`--frame`), else the middle one
    (Contrails' labelled frame 4 of 8), which the log names with the route to another.

    Raises:
        DataError: `frame` past the last frame, naming `chips` and the frames they hold.
    """
    if frame is None:
        return frames // 2
    if frame >= frames:
        raise DataError(f"--frame {frame}: the band files of {chips} hold {frames} frames each, 0 to {frames - 1}")
    return frame


def frame_words(frame: int, frames: int) -> str:
    """Which frame of their time series a chip's band files are read at, with the flag that picks another."""
    return f"at frame {frame} of the {frames} each band file holds (--frame N reads another)"
