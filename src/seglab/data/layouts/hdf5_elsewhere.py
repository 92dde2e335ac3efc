"""What a refusal says of files that are HDF5 under a suffix seglab does not read (`hdf5_contents`):
they were called "a format seglab does not read: convert them to PNG or TIFF", which is wrong for
netCDF4 scenes of several label rasters and for 3-D volumes with one-hot labels. Each kind is named
with the route that reads it: a rename where the files hold an image and a mask seglab reads
(`hdf5_files`), the mask to pick where several arrays could be it (AutoICE's `SIC`, `SOD`,
`FLOE`), a conversion to NIfTI for volumes (IWOAI's `.im` and one-hot `.seg`).
"""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path

from seglab.data.files.hdf5_contents import HeldArray, h5_held_arrays, holds_hdf5
from seglab.data.files.hdf5_files import h5_holds_image_and_mask, h5_holds_volume

_MOST_CLASSES = 32  # a one-hot label's channels: one per class
_SAID = "HDF5 by their first bytes (as netCDF4 files are)"


def hdf5_route(first: Path, suffix: str) -> str | None:
    """What the files of `suffix` in the folder of `first` hold when `first` is HDF5 by its
    signature, and the route that reads them; None when it is not HDF5."""
    if not holds_hdf5(first):
        return None
    if h5_holds_image_and_mask(first) or h5_holds_volume(first):
        return (f"{_SAID}, each holding an image and a mask, which seglab reads named .h5: rename them "
                f"(for f in {shlex.quote(str(first.parent))}/*{suffix}; do "
                f'mv "$f" "${{f%{suffix}}}.h5"; done)')
    arrays = h5_held_arrays(first)
    volumes = [a for a in arrays if len(a.shape) >= 3]
    if len(arrays) == 1 and volumes:
        return f"{_SAID}, each {_volume(volumes[0])}"
    held = _listed(arrays) or "no arrays of numbers that h5py reads (damaged, or no h5py: pip install 'seglab[hdf5]')"
    return _rasters(arrays) or f"{_SAID}, holding {held}: seglab reads an HDF5 file of an image and a mask " \
        "dataset (`image` + `label`, docs/data.md)"


def _volume(array: HeldArray) -> str:
    """A file's only dataset of 3 dimensions or more: an image volume, or a label volume of a 0/1
    channel per class (IWOAI's `.seg`, (H, W, D, 6), no channel for the background)."""
    held = f"dataset '{array.name}', {_shape(array)} {array.dtype}"
    route = ("convert each image and label file to NIfTI (.nii.gz, with h5py and nibabel) into <split>/images/ "
             "and <split>/labels/ under one name{labels} (docs/volumes.md, HDF5 volumes under other suffixes)")
    if len(array.shape) == 4 and array.binary and array.shape[-1] <= _MOST_CLASSES:
        classes = array.shape[-1]
        return (f"a one-hot label volume ({held}: a 0/1 channel per class, {classes} classes, no background "
                f"channel): " + route.format(labels=f", the channels as labels 1..{classes} (0 where none is 1)"))
    return f"an image volume ({held}): " + route.format(labels="")


def _rasters(arrays: list[HeldArray]) -> str | None:
    """The 2-D arrays of one size in a file, when whole-number ones could each be the mask (AutoICE's
    `SIC`, `SOD`, `FLOE` beside `distance_map`) and measurements the image's channels; with what marks
    no data in each, and the flags that leave it out."""
    sizes = Counter(a.shape for a in arrays if len(a.shape) == 2)
    if not sizes:
        return None
    size = sizes.most_common(1)[0][0]
    channels = [a for a in arrays if a.shape == size and not a.whole]
    masks = sorted((a for a in arrays if a.shape == size and a.whole), key=lambda a: a.fill is None)
    if not channels or not masks:
        return None
    fills = dict.fromkeys(a.fill for a in masks if a.fill is not None)
    ignored = "".join(f"; {value:g} marks no data in {', '.join(a.name for a in masks if a.fill == value)}: "
                      f"--ignore-index {value:g} leaves it out" for value in fills)
    empty = [a.name for a in channels if a.not_finite]
    ignored += f"; NaN marks no data in {', '.join(empty)}: --nodata nan" if empty else ""
    example = "np.stack([" + ", ".join(f"f['{a.name}'][()]" for a in channels[:2]) + "], -1)"
    return (f"{_SAID}, which seglab reads named .h5; each holds {len(channels)} measurements of "
            f"{size[0]}x{size[1]} ({_listed(channels)}) and {len(masks)} arrays of whole numbers that could each "
            f"be the mask ({_listed(masks)}){ignored}: seglab reads one mask per image, so write each file's "
            f"channels and the mask you pick into a .h5 file as `image` and `label` (h5py: out['image'] = {example}; "
            f"out['label'] = f['{masks[0].name}'][()]; docs/data.md, HDF5 under other suffixes)")


def _listed(arrays: list[HeldArray]) -> str:
    return ", ".join(a.name for a in arrays)


def _shape(array: HeldArray) -> str:
    return "x".join(map(str, array.shape))
