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
are stacks too, images unless named for masks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.cache import default_cache_dir
from seglab.data.classes import ClassSpec
from seglab.data.file_threads import on_threads
from seglab.data.file_version import file_version
from seglab.data.folders import walk
from seglab.data.formats import FORMATS, DatasetFormat, ReadOptions
from seglab.data.index import DatasetIndex, Pair, natural_key
from seglab.data.encoding import choose_encoding
from seglab.data.naming import (
    folder_split,
    folders_split,
    looks_like_image_folder,
    looks_like_mask_folder,
    usable_splits,
)
from seglab.data.npy_files import memory_mapped, npy_header
from seglab.data.pixel_budget import max_pixels
from seglab.data.read_errors import TIFF_SUFFIXES
from seglab.data.staging import staged_folder
from seglab.data.tiff_stacks import read_tiff_stack, tiff_stack_shape
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # part of every key: bump when what is written changes
PANNUKE_CLASSES = ("background", "neoplastic", "inflammatory", "connective", "dead", "epithelial")
_MOST_CHANNELS = 16
_MOST_TIFF_STACKS = 12  # TIFF files in a folder whose headers are read to find stacks
_SAMPLED = 8  # slices read to tell how a mask stack holds its classes
_MANIFEST = "slices.json"  # written last: a folder without it was never completed
_FOLD = re.compile(r"fold[ _-]?([123])$", re.IGNORECASE)
_FOLD_SPLITS = {"1": "train", "2": "val", "3": "test"}  # PanNuke's paper, split 1


@dataclass(frozen=True)
class _Stack:
    """A `.npy` file of many images or masks, from its header."""

    path: Path
    shape: tuple[int, ...]

    @property
    def count(self) -> int:
        return self.shape[0]

    @property
    def size(self) -> tuple[int, int]:
        return self.shape[1], self.shape[2]

    @property
    def tiff(self) -> bool:
        return self.path.suffix.lower() in TIFF_SUFFIXES

    def slices(self) -> np.ndarray:
        """The stack's slices: a .npy file memory-mapped, a TIFF's pages read.

        Raises:
            DataError: a damaged or truncated file, naming it.
        """
        if self.tiff:
            return read_tiff_stack(self.path)
        try:
            return memory_mapped(self.path)
        except (OSError, ValueError) as err:
            raise DataError(f"stack '{self.path}' cannot be read as a NumPy array (damaged or truncated, or "
                            f"of Python objects): {err}") from None


def _stacks(root: Path) -> list[_Stack]:
    """The `.npy` files under `root` (in the folders `folders.walk` lists, the listing every
    layout shares) named for images or masks whose header shows a stack of 2-D images, and the
    multi-page TIFF stacks (`tiff_stacks`) of folders holding a few TIFF files (a folder of tiles
    is not opened file by file)."""
    found = []
    for folder in walk(root):
        tiffs = [p for p in folder.files if p.suffix.lower() in TIFF_SUFFIXES]
        for path in tiffs if len(tiffs) <= _MOST_TIFF_STACKS else []:
            shape = tiff_stack_shape(path)
            if shape is not None:
                found.append(_Stack(path, shape))
        for path in folder.files:
            stem = path.stem
            if path.suffix.lower() != ".npy" or not (looks_like_image_folder(stem) or looks_like_mask_folder(stem)):
                continue
            try:
                shape, _ = npy_header(path)
            except (OSError, ValueError):
                continue  # reading it as an image reports it
            if (len(shape) == 4 and shape[3] <= _MOST_CHANNELS) or (len(shape) == 3 and shape[2] > _MOST_CHANNELS):
                found.append(_Stack(path, tuple(shape)))
    return found


def _pairs_of_stacks(stacks: list[_Stack]) -> list[tuple[_Stack, _Stack]]:
    """(images, masks) stacks: each mask stack with the image stack of its count and size that
    shares the longest part of its path, then its split word (`X_train.npy` for `y_train.npy`).

    Raises:
        DataError: two image stacks fit a mask stack equally well.
    """
    images = [s for s in stacks if looks_like_image_folder(s.path.stem)
              or (s.tiff and not looks_like_mask_folder(s.path.stem))]  # Lucchi's training.tif
    paired = []
    for masks in (s for s in stacks if looks_like_mask_folder(s.path.stem)):
        fitting = [i for i in images if i.count == masks.count and i.size == masks.size]
        if not fitting:
            continue
        shared = {i.path: (len(os.path.commonpath([i.path, masks.path])),
                           folder_split(i.path.stem) == folder_split(masks.path.stem)) for i in fitting}
        best = [i for i in fitting if shared[i.path] == max(shared.values())]
        if len(best) > 1:
            raise DataError(f"'{masks.path}': {len(best)} image stacks of its count and size fit it equally "
                            f"({', '.join(str(i.path) for i in best)}); list the pairs in a manifest")
        paired.append((best[0], masks))
    return paired


@dataclass(frozen=True)
class _MaskReading:
    """How a mask stack holds its classes: `kind` is "classes", "one-hot", "typed-objects"
    (PanNuke) or "objects-and-classes" (CoNIC, `channel` the classes')."""

    kind: str
    channel: int = 0

    def classes(self, mask: np.ndarray) -> np.ndarray:
        """One slice's class indices."""
        if self.kind == "classes":
            return mask if mask.ndim == 2 else mask[..., 0]
        if self.kind == "one-hot":
            return np.argmax(mask, axis=-1)
        if self.kind == "typed-objects":
            types = mask[..., :-1] > 0
            return np.where(types.any(axis=-1), np.argmax(types, axis=-1) + 1, 0)
        return mask[..., self.channel]


def _mask_reading(stack: _Stack, sample: np.ndarray) -> _MaskReading:
    """How `stack` holds its classes, told from a few of its slices.

    Raises:
        DataError: channels that none of the readings fits, naming the file.
    """
    if sample.ndim == 3 or sample.shape[-1] == 1:
        return _MaskReading("classes")
    binary = ((sample == 0) | (sample == 1)).all(axis=(0, 1, 2))
    if binary.all() and (sample.sum(axis=-1) == 1).all():
        return _MaskReading("one-hot")
    whole = (sample >= 0).all() and (sample == np.round(sample)).all()
    if whole and binary[-1]:
        return _MaskReading("typed-objects")
    if whole and sample.shape[-1] == 2:
        counts = [len(np.unique(sample[..., c])) for c in range(2)]
        return _MaskReading("objects-and-classes", channel=int(np.argmin(counts)))
    raise DataError(f"mask stack '{stack.path}' holds {stack.shape} arrays whose {sample.shape[-1]} channels are "
                    "neither class indices, one-hot classes, instance maps per type beside a 0/1 background "
                    "channel (PanNuke), nor instances beside classes (CoNIC); save (N, H, W) class indices")


def _split(stack: _Stack, root: Path) -> str | None:
    """The split the file's name says (`y_test.npy`); PanNuke's `Fold 1`..`Fold 3` as train, val
    and test; else the split a folder names."""
    folds = (_FOLD.search(part) for part in reversed(stack.path.parent.relative_to(root).parts))
    fold = next((found for found in folds if found), None)
    return folder_split(stack.path.stem) or (_FOLD_SPLITS[fold.group(1)] if fold else folders_split(stack.path, root))


def _image_file(image: np.ndarray, path: Path) -> Path:
    """One image slice as a PNG when it is grey or RGB of whole numbers 0-255 (PanNuke stores
    them as float64), else as `.npy` (other channel counts, other values); the file written."""
    grey_or_rgb = image.ndim == 2 or image.shape[-1] in (1, 3)
    if grey_or_rgb and (image.dtype == np.uint8 or (np.isfinite(image).all() and image.min() >= 0
                                                    and image.max() <= 255 and (image == np.round(image)).all())):
        target = path.with_suffix(".png")
        Image.fromarray(image.astype(np.uint8).squeeze()).save(target)
        return target
    target = path.with_suffix(".npy")
    np.save(target, image.astype(np.uint8) if image.dtype == np.bool_ else image)
    return target


def _extracted(images: _Stack, masks: _Stack, cache: Path) -> tuple[list[tuple[str, str]], str]:
    """Each slice's image and mask file in `cache`, written now or by an earlier call for the
    same files, and how the masks held their classes (`_MaskReading.kind`).

    Raises:
        DataError: slices over the pixel budget, masks no reading fits, class indices outside 0-255.
    """
    height, width = masks.size
    if height * width > max_pixels():
        raise DataError(f"'{masks.path}': each slice is {height}x{width} = {height * width:,} pixels, "
                        f"more than --max-pixels {max_pixels():,}")
    facts = [CACHE_VERSION, [list(file_version(p.path)) for p in (images, masks)]]
    named = "_".join(masks.path.parent.parts[-2:] + (images.path.stem,))  # the source in audit messages
    folder = cache / f"{named}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        log.info("writing the %d slices of '%s' and '%s' into '%s' (once)", masks.count, images.path, masks.path,
                 folder)
        pixels, labels = images.slices(), masks.slices()
        reading = _mask_reading(masks, np.asarray(labels[:_SAMPLED]))
        with staged_folder(folder) as partial:

            def one(i: int) -> tuple[str, str]:
                classes = reading.classes(np.asarray(labels[i]))
                if classes.size and (classes.min() < 0 or classes.max() > 255 or (classes != np.round(classes)).any()):
                    raise DataError(f"mask stack '{masks.path}': slice {i} holds values outside the class indices "
                                    "0-255")
                image = _image_file(np.asarray(pixels[i]), partial / f"{i:05d}_image")
                Image.fromarray(classes.astype(np.uint8)).save(partial / f"{i:05d}_mask.png")
                return image.name, f"{i:05d}_mask.png"

            manifest = {"slices": on_threads(one, range(masks.count)), "reading": reading.kind}
            (partial / _MANIFEST).write_text(json.dumps(manifest))
    manifest = json.loads((folder / _MANIFEST).read_text())
    slices = [(str(folder / image), str(folder / mask)) for image, mask in manifest["slices"]]
    return slices, str(manifest["reading"])


@FORMATS.register("array-stack")
class ArrayStackFormat(DatasetFormat):
    """NumPy stacks of images and masks (PanNuke, CoNIC); see the module docstring."""

    layout = ("NumPy stacks: images.npy (N, H, W, C) + masks.npy or labels.npy (N, H, W[, C]) of the same count "
              "(PanNuke's Fold 1/images/fold1/images.npy + Fold 1/masks/fold1/masks.npy, CoNIC); multi-page TIFF "
              "stacks (Lucchi's training.tif + training_groundtruth.tif, ISBI 2012's train-volume.tif + train-labels.tif)")
    priority = 12  # before volumes and folder-pairs, which would take a stack for one image

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, tuple[list[_Stack], list[tuple[_Stack, _Stack]]]] = {}

    def _stacks_and_pairs(self, root: Path) -> tuple[list[_Stack], list[tuple[_Stack, _Stack]]]:
        if root not in self._found:
            stacks = _stacks(root) if root.is_dir() else []
            self._found[root] = stacks, _pairs_of_stacks(stacks)
        return self._found[root]

    def _pairs(self, root: Path) -> list[tuple[_Stack, _Stack]]:
        return self._stacks_and_pairs(root)[1]

    def detect(self, root: Path) -> bool:
        return bool(self._pairs(root))

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        cache = Path(self.options.cache_dir or default_cache_dir()) / "array-stack"
        pairs, lines, pannuke = [], [], True
        for images, masks in self._pairs(root):
            files, reading = _extracted(images, masks, cache)
            split = _split(masks, root)
            prefix = masks.path.parent.name if masks.path.parent != root else masks.path.stem
            pairs += [Pair(f"{prefix}_{i:05d}", Path(image), Path(mask), split) for i, (image, mask) in enumerate(files)]
            pannuke &= reading == "typed-objects" and masks.shape[-1] == len(PANNUKE_CLASSES)
            lines.append(f"{images.path.relative_to(root).as_posix()} + {masks.path.relative_to(root).as_posix()}"
                         f"{f' [{split}]' if split else ''}: {len(files)} slices")
        pairs.sort(key=lambda p: natural_key(p.name))
        if not usable_splits(p.split for p in pairs):  # ISBI's train-volume.tif alone: the splits are drawn
            pairs = [replace(p, split=None) for p in pairs]
        if classes is None and pannuke and pairs:
            classes = ClassSpec(PANNUKE_CLASSES)
        encoding = choose_encoding([p.mask for p in pairs if p.mask is not None], classes)  # Lucchi's 0/255
        index = DatasetIndex(root, "array-stack", pairs, [], encoding.classes, encoding.mapping, list(encoding.problems))
        index.pairing = lines
        used = {stack.path for pair in self._pairs(root) for stack in pair}
        tiffs = {s.path for s in self._stacks_and_pairs(root)[0] if s.tiff}
        index.ignored = [p for folder in walk(root) for p in folder.files
                         if (p.suffix.lower() == ".npy" or p in tiffs) and p not in used]
        return index
