"""Stacks of 2-D images kept as one array of a .npz or HDF5 file, told and read as `seglab
predict` reads them, slice by slice as the array-stack format read them for training
(`layouts.array_stacks`): TissueNet's `X` (N, 256, 256, 2) in a .npz file, `images` or Keras'
`x_test` (N, H, W) in an HDF5 file whose datasets are named as stacks. The HDF5 files that are
volumes (`hdf5_files.names_stacks` tells: a case's `image` + `label`, a file's only 3-D dataset)
are taken first (`inference.volume_inputs`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seglab.data.files.channels import channels_last
from seglab.data.files.decoding import channels_first_pair
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_group_slices, h5_header, h5_stack
from seglab.data.files.memory import within_half_memory
from seglab.data.files.npy_files import array_for_role, npz_header
from seglab.data.files.npz_stacks import npz_member_shapes, read_npz_stack
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable
from seglab.errors import DataError


def array_stack_shape(path: Path) -> tuple[int, ...] | None:
    """(N, H, W) or (N, H, W, C) of the image array of a .npz or HDF5 file that is no volume, from
    its header: four axes with an image's channels last, or three that are no (H, W, C) image
    (`channels.channels_last`), of a file that is no pair of a channels-first image and its mask
    (`decoding.channels_first_pair`: Sen2Fire's (12, H, W) `image` is one image of 12 bands); None for
    other files and arrays, or a file that cannot be read."""
    suffix = path.suffix.lower()
    if suffix != ".npz" and suffix not in HDF5_SUFFIXES:
        return None
    try:
        shape = npz_header(path)[0] if suffix == ".npz" else h5_header(path)[0]
    except (*DECODE_ERRORS, Unusable):
        return None
    stacked = (len(shape) == 4 and channels_last(shape[1:])) or (
        len(shape) == 3 and not channels_last(shape) and not channels_first_pair(path))
    return tuple(shape) if stacked else None


def read_array_stack(path: Path) -> np.ndarray:
    """The image array of a .npz or HDF5 stack (`array_stack_shape`), read whole after checking from
    its header that a slice is within the pixel budget and the whole fits in half the memory.

    Raises:
        DataError: any of those, or a damaged file, naming it.
    """
    try:
        if path.suffix.lower() == ".npz":
            shapes = npz_member_shapes(path)
            name = array_for_role(list(shapes), "image", "arrays", "no arrays", "name the image array 'image'")
            within_budget(shapes[name][1:3])
            return read_npz_stack(path, name)
        shape, dtype = h5_header(path)
        within_budget(shape[1:3])
        within_half_memory(math.prod(shape) * dtype.itemsize, f"HDF5 stack '{path}'")
        with h5_stack(path) as slices:
            return slices[:]
    except Unusable as err:
        raise DataError(f"stack '{path}' {err}") from None


def read_group_slice(path: Path, group: str, names: Sequence[str], shape: tuple[int, ...]) -> np.ndarray:
    """The datasets `names` of one `group` of an HDF5 file that keeps a sample per group (ChaBuD's
    `<uuid>/post_fire`: `hdf5_files.h5_sample_groups`), several stacked as channels in their order
    (`--bands pre_fire,post_fire`), as a stack of one slice, (1, H, W[, C]), read after checking
    the first one's `shape` (from its header) against the pixel budget.

    Raises:
        DataError: any of those, or a damaged file, naming it.
    """
    try:
        within_budget(shape[:2])
        with h5_group_slices(path, [group], names) as slices:
            return slices[:1]
    except Unusable as err:
        raise DataError(f"HDF5 file '{path}' at '{group}/{'+'.join(names)}' {err}") from None


def as_slice_files(images: np.ndarray) -> np.ndarray:
    """Image slices (N, H, W, C) in the dtype of the files the array-stack format wrote of them:
    grey or RGB slices of whole values 0-255 (`byte_valued`) as 8-bit PNGs, bool as uint8 .npy."""
    if images.dtype == np.bool_ or (images.shape[-1] in (1, 3) and byte_valued(images)):
        return images.astype(np.uint8)
    return images


def byte_valued(image: np.ndarray) -> bool:
    """Whether an image holds whole numbers 0-255 only (uint8, or PanNuke's float64 of such), which
    the array-stack format writes as an 8-bit PNG when it is grey or RGB."""
    return image.dtype == np.uint8 or bool(np.isfinite(image).all() and image.min() >= 0 and image.max() <= 255
                                           and (image == np.round(image)).all())
