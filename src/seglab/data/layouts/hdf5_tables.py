"""What a refusal says of the HDF5 files in a folder it lists as holding images: those whose
datasets are all 1-D columns (DSEC's `events/left/events.h5`: an event camera's `events/x`,
`events/y`, `events/t`, `events/p`) are tables, no image, and leave the folder's image count; the
others are named with what they hold (its `rectify_map.h5`: `rectify_map` 24x32x2 float32), as
"2 image files" alone invited pairing them with the masks. Only folders of `LOOKED` HDF5 files or
fewer are opened: a refusal lists a dozen folders, and a folder of many is one of HDF5 images.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.data.files.hdf5_contents import HeldArray, h5_held_arrays
from seglab.data.files.hdf5_files import HDF5_SUFFIXES

LOOKED = 4  # a folder's HDF5 files are opened up to this many
_COLUMNS_SHOWN = 6  # datasets named per file


def image_count_line(files: Sequence[Path]) -> str:
    """A listed folder's image count, less its HDF5 tables, with what its HDF5 files hold (the
    tables named as such) when it holds HDF5 files alone; `N image files` otherwise."""
    looked = [p for p in files if p.suffix.lower() in HDF5_SUFFIXES]
    if not looked or len(looked) > LOOKED:
        return f"{len(files)} image files"
    held = {path: h5_held_arrays(path) for path in looked}
    tables = [p for p, arrays in held.items() if arrays and all(len(a.shape) <= 1 for a in arrays)]
    count = len(files) - len(tables)
    line = f"{count} image files"
    others = [p for p in looked if p not in tables and held[p]]
    if others and count == len(others):  # HDF5 files alone: say what they hold
        line += " (" + "; ".join(f"{p.name}: {_datasets(held[p])}" for p in others) + ")"
    if tables:
        line += (f"; {len(tables)} HDF5 file{'s' * (len(tables) > 1)} of 1-D columns only, tables such as an event "
                 "camera's events, no images: " + "; ".join(f"{p.name} ({_columns(held[p])})" for p in tables))
    return line


def _datasets(arrays: list[HeldArray]) -> str:
    return ", ".join(f"{a.name} {'x'.join(map(str, a.shape))} {a.dtype}" for a in arrays[:_COLUMNS_SHOWN]) + (
        ", ..." if len(arrays) > _COLUMNS_SHOWN else "")


def _columns(arrays: list[HeldArray]) -> str:
    return ", ".join(a.name for a in arrays[:_COLUMNS_SHOWN]) + (", ..." if len(arrays) > _COLUMNS_SHOWN else "")
