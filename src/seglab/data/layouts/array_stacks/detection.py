"""Which files under a dataset folder are stacks, told from their headers: `.npy` files, .npz
arrays and HDF5 datasets named for images or masks, multi-page TIFFs, HDF5 files of one 3-D
dataset or of a sample per group. Only folders holding a few such files are opened, so that a
folder of tiles or slices is not read file by file to find none.
"""

from __future__ import annotations

from pathlib import Path

from seglab.data.discovery.folders import Folder, walk
from seglab.data.discovery.naming import looks_like_image_folder, looks_like_mask_folder
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, SampleGroup, h5_samples_and_datasets, names_stacks
from seglab.data.files.index import Problem, natural_key
from seglab.data.files.npy_files import npy_header, numeric
from seglab.data.files.npz_stacks import npz_member_shapes
from seglab.data.files.read_errors import TIFF_SUFFIXES, Unusable
from seglab.data.files.tiff_stacks import tiff_stack_shape
from seglab.data.layouts.array_stacks.stacks import _Stack
from seglab.data.layouts.sample_groups import banded_shape, holding, members_of_every_group, named_bands
from seglab.errors import DataError

_MOST_CHANNELS = 16
_MOST_OPENED = 12  # TIFF, HDF5 or .npz files in a folder whose headers are read to find stacks


def _stack_shaped(shape: tuple[int, ...]) -> bool:
    """(N, H, W, C) with C up to `_MOST_CHANNELS`, or (N, H, W) with W over it (an (H, W, C)
    image is no stack); slices of a side 0 hold no pixels to write, and are none."""
    shaped = (len(shape) == 4 and shape[3] <= _MOST_CHANNELS) or (len(shape) == 3 and shape[2] > _MOST_CHANNELS)
    return shaped and 0 not in shape[1:]


def _named_for_a_role(name: str) -> bool:
    return looks_like_image_folder(name) or looks_like_mask_folder(name)


def _stacks(root: Path, bands: tuple[str, ...] | None = None) -> tuple[list[_Stack], list[Problem]]:
    """The stacks of 2-D images under `root` (in the folders `folders.walk` lists, the listing
    every layout shares), told from headers: `.npy` files, .npz arrays and HDF5 datasets named for
    images or masks (`_named_arrays`), multi-page TIFF stacks (`tiff_stacks`), HDF5 files of
    one 3-D dataset and of a sample per group (`_sample_stacks`, the datasets `bands` names
    stacked); and the .npz files that cannot be read (a damaged TissueNet split must not
    pass unnoticed). TIFF, HDF5 and .npz files are opened only in folders holding a few of them (a
    folder of tiles or of slices is not opened file by file)."""
    found, damaged = [], []
    for folder in walk(root):
        for path in _few(folder, TIFF_SUFFIXES):
            shape = tiff_stack_shape(path)
            if shape is not None:
                found.append(_Stack(path, shape))
        for path in _few(folder, HDF5_SUFFIXES):
            groups, datasets = h5_samples_and_datasets(path)
            samples = _sample_stacks(path, groups, bands)  # ChaBuD's <uuid>/post_fire + <uuid>/mask
            if samples:
                found += samples
            elif len(datasets) == 1:  # MitoEM's im.h5 (`main`): images unless the file is named for masks
                found += [_Stack(path, shape) for shape in datasets.values() if _stack_shaped(shape)]
            elif names_stacks(datasets):  # not SSL4MIS' `image` + `label`, a case of the volumes format
                found += _named_arrays(path, datasets)
        for path in _few(folder, (".npz",)):
            try:
                found += _named_arrays(path, npz_member_shapes(path))
            except DataError as err:
                damaged.append(Problem(path, str(err), "unreadable"))
        for path in folder.files:
            if path.suffix.lower() != ".npy" or not _named_for_a_role(path.stem):
                continue
            try:
                shape, dtype = npy_header(path)
                numeric(dtype)
            except (OSError, ValueError, Unusable):
                continue  # reading it as an image reports it
            if _stack_shaped(shape):
                found.append(_Stack(path, tuple(shape)))
    return found, damaged


def _named_arrays(path: Path, shapes: dict[str, tuple[int, ...]]) -> list[_Stack]:
    """The stacks among the arrays of a .npz or HDF5 file (`shapes` by name): those of a stack's
    shape named for images or masks (TissueNet's `X` and `y`, `images` and `masks`, Keras'
    `x_train` and `y_test`), a file's only array by the file's name."""
    return [_Stack(path, shape, name) for name, shape in shapes.items()
            if _stack_shaped(shape) and _named_for_a_role(name if len(shapes) > 1 else path.stem)]


def _sample_stacks(path: Path, samples: dict[str, SampleGroup], bands: tuple[str, ...] | None = None) -> list[_Stack]:
    """The stacks of an HDF5 file keeping a sample per group (`hdf5_files.h5_samples_and_datasets`): each
    dataset of one image's shape ((H, W) or (H, W, C)) that every group holds alike (ChaBuD's
    `post_fire` and `mask`), its slices the groups in natural order. A dataset some groups lack
    (ChaBuD's `pre_fire`) is no stack: `sample_groups.left_out` names it. The datasets `--bands`
    names (`bands`: `pre_fire,post_fire`) are one stack of images, each slice their channels in its
    order, beside the datasets named for masks; every stack's slices are then the groups holding
    them all. None for groups of stacks (a group per split: `train/images` + `train/masks`).

    Raises:
        DataError: `bands` naming datasets of the groups that cannot be stacked (`sample_groups.banded_shape`).
    """
    if not samples:
        return []
    banded = named_bands(path, samples, bands)
    kept = holding(samples, banded or ())
    if banded and not kept:
        raise DataError(f"'{path}': no group holds every dataset --bands names ({', '.join(banded)})")
    groups = tuple(sorted(kept, key=natural_key))
    stacks = []
    for name in members_of_every_group(kept):
        shapes = {kept[group].shapes[name] for group in groups}
        shape = shapes.pop()
        if not shapes and 0 not in shape and (len(shape) == 2 or len(shape) == 3 and shape[2] <= _MOST_CHANNELS) \
                and (not banded or looks_like_mask_folder(name) and name not in banded):  # the bands are the images
            stacks.append(_Stack(path, (len(groups), *shape), name, groups, samples))
    if banded:
        stacks.append(_Stack(path, (len(groups), *banded_shape(path, kept, banded)), banded[0], groups, samples,
                             banded[1:]))
    return stacks


def _few(folder: Folder, suffixes: tuple[str, ...]) -> list[Path]:
    """The folder's files of these suffixes, when there are at most `_MOST_OPENED`."""
    files = [p for p in folder.files if p.suffix.lower() in suffixes]
    return files if len(files) <= _MOST_OPENED else []
