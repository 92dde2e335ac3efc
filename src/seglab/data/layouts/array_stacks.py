"""The "array-stack" format: a dataset kept as NumPy arrays of many images each, as the nuclei
benchmarks ship them: PanNuke's `Fold 1/images/fold1/images.npy` (N, 256, 256, 3) with
`Fold 1/masks/fold1/masks.npy` (N, 256, 256, 6: five nucleus types' instance maps, then a
background channel), CoNIC's `images.npy` with `labels.npy` (N, 256, 256, 2: instances, then
classes), and any `images.npy` or `X_train.npy` beside a `masks.npy` or `y_train.npy` of the
same count and size.

A stack is a `.npy` file named for images or masks (`naming`'s folder words) holding (N, H, W, C)
with C up to 16, or (N, H, W) with W over 16 (so that one (H, W, C) image is no stack); a mask
stack pairs with the image stack of its count and size nearest to it. Masks read as classes:
(N, H, W) class indices; one-hot channels (argmax); PanNuke's instance maps per type beside a
0/1 background channel (class k + 1 where type k's map is set, PanNuke's five names when there
are six channels); CoNIC's instances and classes (the channel of few values). Each slice is
written once into the cache, a PNG (images of whole values 0-255) or `.npy`, its mask a
class-index PNG, so that every later stage reads plain pairs. PanNuke's `Fold 1`, `Fold 2`,
`Fold 3` are its paper's first split: train, val, test; otherwise the names say it
(`X_train.npy`, `train/images.npy`). Multi-page TIFF stacks (`tiff_stacks`: Lucchi's
`training.tif` + `training_groundtruth.tif`, ISBI 2012's `train-volume.tif` + `train-labels.tif`)
and HDF5 files of one 3-D dataset (`hdf5_files.h5_stack`: MitoEM's `train/im.h5` +
`train/mito_label.h5`) are stacks too, images unless named for masks. A .npz file's arrays
named for images and masks are stacks (`npz_stacks`: TissueNet's `tissuenet_v1.1_train.npz`
holding `X` and `y`), and so are an HDF5 file's datasets (`images` + `masks`, Keras' `x_train` +
`y_train` ... `y_test`, or a group per split: `train/images` + `train/masks`, `val/...`), paired
and split by the same names, unless the file names a case's image (`hdf5_files.names_a_case`:
SSL4MIS' `image` + `label`, a 3-D case of the volumes format); a `classes` attribute listing
names on the file's root names the classes. A file of a group per sample (ChaBuD's
`train_eval.hdf5`: `<uuid>/post_fire` + `<uuid>/mask`, `sample_groups`) gives a stack of each
dataset every group holds, a slice per group, named by it and grouped by a fold attribute.

Two mask stacks that pair with one image stack are rival annotations of its slices
(ToothFairy's `gt_alpha.npy`, dense, and `gt_sparse.npy`, traced, beside `data.npy`): refused,
naming them, for `--masks` to pick one (a stack's name or file name, or a pattern of them;
`--images` picks image stacks so). Stacks in a folder per case (ToothFairy's `Dataset/P1/`, a
patient's scan) are named and grouped by their folder, so that a case's slices never straddle
two splits, and split lists that name the case folders (ToothFairy's `splits.json`) give the
splits (`split_lists.case_splits`).

Masks that number objects are kept as numbers (a 16-bit PNG past 255, `.npy` past 65535), so
that the audit's `instance-ids` warning and `--instance-masks` read them as for any instance
mask; two channels of objects, neither a class of the other's (TissueNet's whole-cell and
nuclear ids), give the first channel, as the log says.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.files.label_dtype import label_dtype
from seglab.data.files.staging import cache_folder
from seglab.data.classes import ClassSpec
from seglab.data.files.file_threads import on_threads
from seglab.data.files.file_version import file_version
from seglab.data.discovery.folders import Folder, walk
from seglab.data.layouts.formats import FORMATS, DatasetFormat, ReadOptions
from seglab.data.layouts.sample_groups import fold_groups_of, left_out, members_of_every_group
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.encodings.encoding import choose_encoding
from seglab.data.files.hdf5_files import (
    HDF5_SUFFIXES,
    SampleGroup,
    h5_class_names,
    h5_dataset_shapes,
    h5_group_slices,
    h5_sample_groups,
    h5_stack,
    names_stacks,
)
from seglab.data.discovery.naming import (
    folder_split,
    folders_split,
    looks_like_image_folder,
    looks_like_mask_folder,
    usable_splits,
)
from seglab.data.files.npy_files import memory_mapped, npy_header
from seglab.data.files.npz_stacks import npz_member_shapes, read_npz_stack
from seglab.data.files.pixel_budget import max_pixels
from seglab.data.files.stack_arrays import byte_valued
from seglab.data.splitting.split_lists import case_splits
from seglab.data.files.read_errors import TIFF_SUFFIXES, Unusable
from seglab.data.encodings.stack_masks import MaskReading, mask_reading
from seglab.data.files.staging import staged_folder
from seglab.data.files.tiff_stacks import read_tiff_stack, tiff_stack_shape
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 2  # part of every key: bump when what is written changes
PANNUKE_CLASSES = ("background", "neoplastic", "inflammatory", "connective", "dead", "epithelial")
_MOST_CHANNELS = 16
_MOST_OPENED = 12  # TIFF, HDF5 or .npz files in a folder whose headers are read to find stacks
_SAMPLED = 8  # slices read to tell how a mask stack holds its classes
_MANIFEST = "slices.json"  # written last: a folder without it was never completed
_FOLD = re.compile(r"fold[ _-]?([123])$", re.IGNORECASE)
_FOLD_SPLITS = {"1": "train", "2": "val", "3": "test"}  # PanNuke's paper, split 1


@dataclass(frozen=True)
class _Stack:
    """A file of many images or masks (or an array of a .npz or HDF5 file: `member`), from its header."""

    path: Path
    shape: tuple[int, ...]
    member: str | None = None
    groups: tuple[str, ...] = ()  # an HDF5 file's groups, a sample each, whose `member` the slices are

    @property
    def count(self) -> int:
        return self.shape[0]

    @property
    def size(self) -> tuple[int, int]:
        return self.shape[1], self.shape[2]

    @property
    def name(self) -> str:
        """What names its role and split: the array's name (`X`, `y_train`), else the file's."""
        return self.member or self.path.stem

    @property
    def member_words(self) -> str | None:
        """Its array's name fit for a file name: an HDF5 dataset's groups joined by `_` (`train_images`)."""
        return self.member.replace("/", "_") if self.member is not None else None

    @property
    def image_unless_named(self) -> bool:
        """A multi-page TIFF or an HDF5 file's only dataset is images unless named for masks (Lucchi's
        `training.tif`, MitoEM's `im.h5`): EM stacks name their images so; so is a dataset of every
        sample's group (ChaBuD's `post_fire`), named for what it shows."""
        one_dataset = self.member is None and self.path.suffix.lower() in (*TIFF_SUFFIXES, *HDF5_SUFFIXES)
        return one_dataset or bool(self.groups)

    @contextmanager
    def slices(self) -> Iterator[Sequence[np.ndarray]]:
        """The stack's slices: a .npy file memory-mapped, a TIFF's pages or a .npz array read, an
        HDF5 dataset open to be read slice by slice.

        Raises:
            DataError: a damaged or truncated file, naming it.
        """
        suffix = self.path.suffix.lower()
        if suffix in TIFF_SUFFIXES:
            yield read_tiff_stack(self.path)
        elif suffix in HDF5_SUFFIXES:
            try:
                with (h5_group_slices(self.path, self.groups, self.member) if self.groups and self.member
                      else h5_stack(self.path, self.member)) as dataset:
                    yield dataset
            except Unusable as err:
                raise DataError(f"HDF5 stack '{_label(self)}' {err}") from None
        elif self.member is not None:
            yield read_npz_stack(self.path, self.member)
        else:
            try:
                mapped = memory_mapped(self.path)
            except (OSError, ValueError) as err:
                raise DataError(f"stack '{self.path}' cannot be read as a NumPy array (damaged or truncated, or "
                                f"of Python objects): {err}") from None
            yield mapped


def _stack_shaped(shape: tuple[int, ...]) -> bool:
    """(N, H, W, C) with C up to `_MOST_CHANNELS`, or (N, H, W) with W over it (an (H, W, C)
    image is no stack)."""
    return (len(shape) == 4 and shape[3] <= _MOST_CHANNELS) or (len(shape) == 3 and shape[2] > _MOST_CHANNELS)


def _named_for_a_role(name: str) -> bool:
    return looks_like_image_folder(name) or looks_like_mask_folder(name)


def _stacks(root: Path) -> tuple[list[_Stack], list[Problem]]:
    """The stacks of 2-D images under `root` (in the folders `folders.walk` lists, the listing
    every layout shares), told from headers: `.npy` files, .npz arrays and HDF5 datasets named for
    images or masks (`_named_arrays`), multi-page TIFF stacks (`tiff_stacks`), HDF5 files of
    one 3-D dataset and of a sample per group (`_sample_stacks`); and the .npz files that cannot be read (a damaged TissueNet split must not
    pass unnoticed). TIFF, HDF5 and .npz files are opened only in folders holding a few of them (a
    folder of tiles or of slices is not opened file by file)."""
    found, damaged = [], []
    for folder in walk(root):
        for path in _few(folder, TIFF_SUFFIXES):
            shape = tiff_stack_shape(path)
            if shape is not None:
                found.append(_Stack(path, shape))
        for path in _few(folder, HDF5_SUFFIXES):
            samples = _sample_stacks(path, h5_sample_groups(path))  # ChaBuD's <uuid>/post_fire + <uuid>/mask
            datasets = h5_dataset_shapes(path) if not samples else {}
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
                shape, _ = npy_header(path)
            except (OSError, ValueError):
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


def _sample_stacks(path: Path, samples: dict[str, SampleGroup]) -> list[_Stack]:
    """The stacks of an HDF5 file keeping a sample per group (`hdf5_files.h5_sample_groups`): each
    dataset of one image's shape ((H, W) or (H, W, C)) that every group holds alike (ChaBuD's
    `post_fire` and `mask`), its slices the groups in natural order. A dataset some groups lack
    (ChaBuD's `pre_fire`) is no stack: `sample_groups.left_out` names it. None for groups of stacks
    (a group per split: `train/images` + `train/masks`)."""
    if not samples:
        return []
    groups = tuple(sorted(samples, key=natural_key))
    stacks = []
    for name in members_of_every_group(samples):
        shapes = {samples[group].shapes[name] for group in groups}
        shape = shapes.pop()
        if not shapes and (len(shape) == 2 or len(shape) == 3 and shape[2] <= _MOST_CHANNELS):
            stacks.append(_Stack(path, (len(groups), *shape), name, groups))
    return stacks


def _few(folder: Folder, suffixes: tuple[str, ...]) -> list[Path]:
    """The folder's files of these suffixes, when there are at most `_MOST_OPENED`."""
    files = [p for p in folder.files if p.suffix.lower() in suffixes]
    return files if len(files) <= _MOST_OPENED else []


def _pairs_of_stacks(stacks: list[_Stack], root: Path, images_named: str | None = None,
                     masks_named: str | None = None) -> list[tuple[_Stack, _Stack]]:
    """(images, masks) stacks: each mask stack (of those `masks_named` names, when given) with the
    image stack (of those `images_named` names) of its count and size that shares the longest
    part of its path (the same .npz file the most), then its split word (`X_train.npy` for
    `y_train.npy`), then the longest start of its name (`AC3_inputs.h5` for `AC3_labels.h5`).

    Raises:
        DataError: two image stacks fit a mask stack equally well (ChaBuD's `pre_fire` and
            `post_fire`, where every sample holds both), naming the `--images` that picks each; two
            mask stacks pair with one image stack (`_refuse_rivals`).
    """
    images = [s for s in stacks if (looks_like_image_folder(s.name)
              or (s.image_unless_named and not looks_like_mask_folder(s.name))) and _named(s, images_named)]
    paired = []
    for masks in (s for s in stacks if looks_like_mask_folder(s.name) and _named(s, masks_named)):
        fitting = [i for i in images if i.count == masks.count and i.size == masks.size]
        if not fitting:
            continue
        shared = {i: (len(os.path.commonpath([i.path, masks.path])), _named_split(i) == _named_split(masks),
                      len(os.path.commonprefix([i.name.lower(), masks.name.lower()]))) for i in fitting}
        best = [i for i in fitting if shared[i] == max(shared.values())]
        if len(best) > 1:
            picks = " or ".join(f"--images {shlex.quote(i.name)}" for i in best)
            raise DataError(f"'{masks.path}': {len(best)} image stacks of its count and size fit it equally "
                            f"({', '.join(_label(i) for i in best)}); pick one with {picks}, or list the pairs in "
                            "a manifest")
        paired.append((best[0], masks))
    _refuse_rivals(paired, root)
    return paired


def _named(stack: _Stack, pattern: str | None) -> bool:
    """Whether `--images` or `--masks` names the stack: its name (`gt_alpha`, a .npz array's `y`)
    or its file's (`gt_alpha.npy`), or a pattern of them (`gt_*`), in any case; any stack when
    the flag is not given."""
    return pattern is None or any(fnmatchcase(name.lower(), pattern.lower())
                                  for name in (stack.name, stack.path.name))


def _refuse_rivals(paired: list[tuple[_Stack, _Stack]], root: Path) -> None:
    """Refuse two mask stacks paired with one image stack: rival annotations of its slices
    (ToothFairy's dense `gt_alpha.npy` and traced `gt_sparse.npy` beside `data.npy`), which
    would give each slice twice with two masks.

    Raises:
        DataError: naming an image stack and its mask stacks, with the `--masks` that picks each.
    """
    masks_of: dict[_Stack, list[_Stack]] = {}
    for images, masks in paired:
        masks_of.setdefault(images, []).append(masks)
    rivals = {images: masks for images, masks in masks_of.items() if len(masks) > 1}
    if not rivals:
        return
    images, masks = next(iter(rivals.items()))
    names = sorted({m.name for found in rivals.values() for m in found})
    more = f" (and {len(rivals) - 1} image stacks more)" if len(rivals) > 1 else ""
    raise DataError(f"'{images.path}'{more}: {len(masks)} mask stacks of its count and size pair with it "
                    f"({', '.join(_label(m, root) for m in masks)}), rival annotations that would give each slice "
                    f"twice; pick one with {' or '.join(f'--masks {shlex.quote(n)}' for n in names)}")


def _label(stack: _Stack, root: Path | None = None) -> str:
    """The stack's file (below `root`), and its array in a .npz file: `a.npz:X`; in each group of
    an HDF5 file of a sample per group: `train_eval.hdf5:<group>/mask`."""
    path = stack.path.relative_to(root).as_posix() if root is not None else str(stack.path)
    member = f"<group>/{stack.member}" if stack.groups else stack.member
    return f"{path}:{member}" if member is not None else path


def _named_split(stack: _Stack) -> str | None:
    """The split its array's or its file's name says (`y_test`, `tissuenet_v1.1_test.npz`)."""
    return (folder_split(stack.member) if stack.member is not None else None) or folder_split(stack.path.stem)


def _split(stack: _Stack, root: Path) -> str | None:
    """The split the array's or file's name says (`y_test.npy`, `tissuenet_v1.1_val.npz`);
    PanNuke's `Fold 1`..`Fold 3` as train, val and test; else the split a folder names
    (MitoEM's `val/mito_label.h5`)."""
    folds = (_FOLD.search(part) for part in reversed(stack.path.parent.relative_to(root).parts))
    fold = next((found for found in folds if found), None)
    return _named_split(stack) or (_FOLD_SPLITS[fold.group(1)] if fold else folders_split(stack.path, root))


def _image_file(image: np.ndarray, path: Path) -> Path:
    """One image slice as a PNG when it is grey or RGB of whole numbers 0-255 (PanNuke stores
    them as float64), else as `.npy` (other channel counts, other values); the file written."""
    grey_or_rgb = image.ndim == 2 or image.shape[-1] in (1, 3)
    if grey_or_rgb and byte_valued(image):
        target = path.with_suffix(".png")
        Image.fromarray(image.astype(np.uint8).squeeze()).save(target)
        return target
    target = path.with_suffix(".npy")
    np.save(target, image.astype(np.uint8) if image.dtype == np.bool_ else image)
    return target


def _mask_file(classes: np.ndarray, path: Path) -> Path:
    """One mask slice as a class-index PNG, 16-bit past 255 (object numbers), else as `.npy`
    (object numbers past 65535); the file written."""
    most = int(classes.max(initial=0))
    if most > np.iinfo(np.uint16).max:
        target = path.with_suffix(".npy")
        np.save(target, classes.astype(np.int64))
        return target
    target = path.with_suffix(".png")
    Image.fromarray(classes.astype(label_dtype(classes))).save(target)
    return target


def _extracted(images: _Stack, masks: _Stack, cache: Path) -> tuple[list[tuple[str, str]], MaskReading]:
    """Each slice's image and mask file in `cache`, written now or by an earlier call for the
    same files, and how the masks held their classes.

    Raises:
        DataError: slices over the pixel budget, masks no reading fits, negative or fractional values.
    """
    height, width = masks.size
    if height * width > max_pixels():
        raise DataError(f"'{masks.path}': each slice is {height}x{width} = {height * width:,} pixels, "
                        f"more than --max-pixels {max_pixels():,}")
    facts = [CACHE_VERSION, [[*file_version(p.path), p.member] for p in (images, masks)]]
    source = (images.path.stem, images.member_words) if images.member_words else (images.path.stem,)
    named = "_".join(masks.path.parent.parts[-2:] + source)  # the source in audit messages
    folder = cache / f"{named}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        log.info("writing the %d slices of '%s' and '%s' into '%s' (once)", masks.count, _label(images),
                 _label(masks), folder)
        with images.slices() as pixels, masks.slices() as labels, staged_folder(folder) as partial:
            reading = mask_reading(_label(masks), masks.shape, np.asarray(labels[:_SAMPLED]))

            def one(i: int) -> tuple[str, str]:
                classes = reading.classes(np.asarray(labels[i]))
                if classes.size and not (np.isfinite(classes).all() and classes.min() >= 0
                                         and (classes == np.round(classes)).all()):
                    raise DataError(f"mask stack '{_label(masks)}': slice {i} holds negative, fractional or "
                                    "infinite values, neither class indices nor object numbers")
                image = _image_file(np.asarray(pixels[i]), partial / f"{i:05d}_image")
                return image.name, _mask_file(classes, partial / f"{i:05d}_mask").name

            manifest = {"slices": on_threads(one, range(masks.count)), "reading": reading.kind,
                        "channel": reading.channel}
            (partial / _MANIFEST).write_text(json.dumps(manifest))
    manifest = json.loads((folder / _MANIFEST).read_text())
    slices = [(str(folder / image), str(folder / mask)) for image, mask in manifest["slices"]]
    return slices, MaskReading(str(manifest["reading"]), int(manifest["channel"]))


@dataclass(frozen=True)
class _Found:
    """What a folder holds: its stacks, their pairs, and the .npz files that cannot be read."""

    stacks: list[_Stack]
    pairs: list[tuple[_Stack, _Stack]]
    damaged: list[Problem]


@FORMATS.register("array-stack")
class ArrayStackFormat(DatasetFormat):
    """NumPy stacks of images and masks (PanNuke, CoNIC); see the module docstring."""

    layout = ("NumPy stacks: images.npy (N, H, W, C) + masks.npy or labels.npy (N, H, W[, C]) of the same count "
              "(PanNuke's Fold 1/images/fold1/images.npy + Fold 1/masks/fold1/masks.npy, CoNIC), or a .npz holding "
              "both (TissueNet's tissuenet_v1.1_train.npz: X + y); multi-page TIFF stacks (Lucchi's training.tif + "
              "training_groundtruth.tif, ISBI 2012's train-volume.tif + train-labels.tif); HDF5 stacks (MitoEM's "
              "train/im.h5 + train/mito_label.h5), or an HDF5 file's datasets named as a .npz's arrays (images + "
              "masks, x_train + y_train, a group per split: train/images + train/masks) or a group per sample "
              "(ChaBuD's train_eval.hdf5: <uuid>/post_fire + <uuid>/mask)")
    priority = 12  # before volumes and folder-pairs, which would take a stack for one image
    picks_folders = True  # --masks and --images pick stacks by name (ToothFairy's gt_alpha beside gt_sparse)

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, _Found] = {}

    def _stacks_and_pairs(self, root: Path) -> _Found:
        if root not in self._found:
            stacks, damaged = _stacks(root) if root.is_dir() else ([], [])
            pairs = _pairs_of_stacks(stacks, root, self.options.images, self.options.masks)
            self._found[root] = _Found(stacks, pairs, damaged)
        return self._found[root]

    def _pairs(self, root: Path) -> list[tuple[_Stack, _Stack]]:
        return self._stacks_and_pairs(root).pairs

    def detect(self, root: Path) -> bool:
        return bool(self._pairs(root))

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        cache = cache_folder(self.options.cache_dir, "array-stack")
        pairs, lines, pannuke = [], [], True
        mask_stacks = [masks for _, masks in self._pairs(root)]
        cases = _case_folders(self._pairs(root), root)
        for images, masks in self._pairs(root):
            files, reading = _extracted(images, masks, cache)
            split, group = _split(masks, root), cases.get(masks.path.parent)
            prefix = _prefix(masks, root, mask_stacks)
            names, grouped, said = [f"{i:05d}" for i in range(len(files))], [group] * len(files), " slices"
            if masks.groups:  # ChaBuD's samples, named by their groups, grouped by their folds
                samples = h5_sample_groups(masks.path)
                names, (grouped, folds) = list(masks.groups), fold_groups_of(samples, masks.groups)
                said = f" groups, a sample each{folds}{left_out(samples)}"
            pairs += [Pair(f"{prefix}_{name}", Path(image), Path(mask), split, in_group)
                      for name, in_group, (image, mask) in zip(names, grouped, files)]
            pannuke &= reading.kind == "typed-objects" and masks.shape[-1] == len(PANNUKE_CLASSES)
            lines.append(f"{_label(images, root)} + {_label(masks, root)}{f' [{split}]' if split else ''}: "
                         f"{len(files)}{said}")
            if reading.kind == "objects":
                log.info("mask stack '%s' holds %d channels of object numbers (TissueNet's y: whole-cell, then "
                         "nuclear); channel %d is read. To read another, save it as a stack in a folder of its own, "
                         "e.g. numpy.savez('nuclear/train.npz', X=X, y=y[..., 1]) (docs/data.md)",
                         _label(masks, root), masks.shape[-1], reading.channel)
        pairs.sort(key=lambda p: natural_key(p.name))
        if not usable_splits(p.split for p in pairs):  # ISBI's train-volume.tif alone: the splits are drawn
            pairs = [replace(p, split=None) for p in pairs]
        if cases:
            log.info("%s: %d case folders of stacks (e.g. '%s'): each case's slices are one group", root, len(cases),
                     next(iter(cases.values())))
            if all(p.split is None for p in pairs):  # ToothFairy's splits.json names its patients' folders
                listed = case_splits({case: folder for folder, case in cases.items()}, root)
                pairs = [replace(p, split=listed.get(p.group or "")) for p in pairs]
        if classes is None:
            classes = ClassSpec(PANNUKE_CLASSES) if pannuke and pairs else _attribute_classes(mask_stacks)
        encoding = choose_encoding([p.mask for p in pairs if p.mask is not None], classes)  # Lucchi's 0/255
        found = self._stacks_and_pairs(root)
        index = DatasetIndex(root, "array-stack", pairs, [], encoding.classes, encoding.mapping,
                             [*found.damaged, *encoding.problems])
        index.pairing = lines
        used = {stack.path for pair in found.pairs for stack in pair}
        opened = {s.path for s in found.stacks}
        index.ignored = [p for folder in walk(root) for p in folder.files
                         if (p.suffix.lower() in (".npy", ".npz") or p in opened) and p not in used]
        return index


def _attribute_classes(mask_stacks: list[_Stack]) -> ClassSpec | None:
    """The classes the HDF5 files of the mask stacks list in a `classes` attribute
    (`hdf5_files.h5_class_names`), when every one lists the same; None otherwise."""
    listed = {h5_class_names(path) if path.suffix.lower() in HDF5_SUFFIXES else None
              for path in {s.path for s in mask_stacks}}  # a file of several stacks is opened once
    names = listed.pop() if len(listed) == 1 else None
    if names is None:
        return None
    log.info("class names from the 'classes' attribute of '%s': %s", mask_stacks[0].path, ", ".join(names))
    return ClassSpec(names)


def _case_folders(pairs: list[tuple[_Stack, _Stack]], root: Path) -> dict[Path, str]:
    """The folder of each pair's stacks, as its case's name (its path below `root`), when the
    stacks lie in a folder per case: ToothFairy's `Dataset/P1/data.npy` + `gt_alpha.npy`, one
    patient's scan a folder. Each folder holds one pair's image and mask stacks and names no
    split or fold (MitoEM's `train/`, PanNuke's `fold1/` are splits), and there are two or more;
    empty otherwise (CoNIC's one folder of patches)."""
    folders = [masks.path.parent for images, masks in pairs if images.path.parent == masks.path.parent]
    if len(folders) != len(pairs) or len(set(folders)) != len(folders) or len(folders) < 2:
        return {}
    if any(f == root or folder_split(f.name) or _FOLD.search(f.name) for f in folders):
        return {}
    return {folder: folder.relative_to(root).as_posix() for folder in sorted(folders)}


def _prefix(masks: _Stack, root: Path, mask_stacks: list[_Stack]) -> str:
    """What names the pairs of a mask stack: its folder when it is the folder's only mask stack
    (PanNuke's `fold1`, MitoEM's `train`), else its file's name (`tissuenet_v1.1_train`), and its
    array's when the file holds several (`data_y_test`)."""
    beside = [s for s in mask_stacks if s.path.parent == masks.path.parent]
    if masks.path.parent != root and len(beside) == 1:
        return masks.path.parent.name
    in_file = [s for s in beside if s.path == masks.path]
    return f"{masks.path.stem}_{masks.member_words}" if len(in_file) > 1 else masks.path.stem
