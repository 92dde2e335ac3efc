"""The "array-stack" format itself (`ArrayStackFormat`): finds and pairs a folder's stacks once,
then indexes their written slices as pairs with their splits, groups and classes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from seglab.data.classes import ClassSpec
from seglab.data.discovery.folders import walk
from seglab.data.discovery.naming import usable_splits
from seglab.data.encodings.encoding import choose_encoding
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_class_names
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.files.staging import cache_folder
from seglab.data.layouts.array_stacks.detection import _stacks
from seglab.data.layouts.array_stacks.pairing import _pairs_of_stacks
from seglab.data.layouts.array_stacks.slice_files import _extracted
from seglab.data.layouts.array_stacks.splits_and_groups import _case_files, _case_folders, _split
from seglab.data.layouts.array_stacks.stacks import _Stack, _label
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.data.layouts.sample_groups import fold_groups_of, groups_left_out, left_out
from seglab.data.splitting.split_lists import case_splits

log = logging.getLogger(__name__)

PANNUKE_CLASSES = ("background", "neoplastic", "inflammatory", "connective", "dead", "epithelial")


@dataclass(frozen=True)
class _Found:
    """What a folder holds: its stacks, their pairs, and the .npz files that cannot be read."""

    stacks: list[_Stack]
    pairs: list[tuple[_Stack, _Stack]]
    damaged: list[Problem]


@FORMATS.register("array-stack")
class ArrayStackFormat(FindingFormat[_Found]):
    """NumPy stacks of images and masks (PanNuke, CoNIC); see the package docstring (`array_stacks`)."""

    layout = ("NumPy stacks: images.npy (N, H, W, C) + masks.npy or labels.npy (N, H, W[, C]) of the same count "
              "(PanNuke's Fold 1/images/fold1/images.npy + Fold 1/masks/fold1/masks.npy, CoNIC), or a .npz holding "
              "both (TissueNet's tissuenet_v1.1_train.npz: X + y); multi-page TIFF stacks (Lucchi's training.tif + "
              "training_groundtruth.tif, ISBI 2012's train-volume.tif + train-labels.tif); HDF5 stacks (MitoEM's "
              "train/im.h5 + train/mito_label.h5), or an HDF5 file's datasets named as a .npz's arrays (images + "
              "masks, x_train + y_train, a group per split: train/images + train/masks) or a group per sample "
              "(ChaBuD's train_eval.hdf5: <uuid>/post_fire + <uuid>/mask)")
    priority = 12  # before volumes and folder-pairs, which would take a stack for one image
    picks_folders = True  # --masks and --images pick stacks by name (ToothFairy's gt_alpha beside gt_sparse)

    def find(self, root: Path) -> _Found:
        stacks, damaged = _stacks(root, self.options.band_words) if root.is_dir() else ([], [])
        return _Found(stacks, _pairs_of_stacks(stacks, root, self.options.images, self.options.masks), damaged)

    def _pairs(self, root: Path) -> list[tuple[_Stack, _Stack]]:
        return self.found(root).pairs

    def detect(self, root: Path) -> bool:
        return bool(self._pairs(root))

    def stacks_bands(self, root: Path) -> bool:
        return any(images.more_members for images, _ in self._pairs(root))

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        cache = cache_folder(self.options.cache_dir, "array-stack")
        pairs, lines, pannuke = [], [], True
        mask_stacks = [masks for _, masks in self._pairs(root)]
        cases = _case_folders(self._pairs(root), root)
        case_files = {} if cases else _case_files(self._pairs(root), root)
        for images, masks in self._pairs(root):
            files, reading = _extracted(images, masks, cache)
            split, group = _split(masks, root), cases.get(masks.path.parent) or case_files.get(masks.path)
            prefix = _prefix(masks, root, mask_stacks)
            names, grouped, said = [f"{i:05d}" for i in range(len(files))], [group] * len(files), " slices"
            cut_from = [f"slice {i}" for i in range(len(files))]
            if masks.groups:  # ChaBuD's samples, named by their groups, grouped by their folds
                names, (grouped, folds) = list(masks.groups), fold_groups_of(masks.samples, masks.groups)
                cut_from = [f"sample '{name}'" for name in names]
                said = f" groups, a sample each{folds}{left_out(masks.samples, masks.groups, images.members)}"
                _log_left_out(masks)
            pairs += [Pair(f"{prefix}_{name}", Path(image), Path(mask), split, in_group,
                           sources=dict.fromkeys((Path(image), Path(mask)),
                                                 f"cut from {where} of '{_label(images)}' + '{_label(masks)}'"))
                      for name, in_group, where, (image, mask) in zip(names, grouped, cut_from, files)]
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
        if case_files:
            log.info("%s: %d files of a case's stacks each (e.g. '%s'): each case's slices are one group", root,
                     len(case_files), next(iter(case_files.values())))
        if cases:
            log.info("%s: %d case folders of stacks (e.g. '%s'): each case's slices are one group", root, len(cases),
                     next(iter(cases.values())))
            if all(p.split is None for p in pairs):  # ToothFairy's splits.json names its patients' folders
                listed = case_splits({case: folder for folder, case in cases.items()}, root)
                pairs = [replace(p, split=listed.get(p.group or "")) for p in pairs]
        if classes is None:
            classes = ClassSpec(PANNUKE_CLASSES) if pannuke and pairs else _attribute_classes(mask_stacks)
        encoding = choose_encoding([p.mask for p in pairs if p.mask is not None], classes)  # Lucchi's 0/255
        found = self.found(root)
        index = DatasetIndex(root, "array-stack", pairs, [], encoding.classes, encoding.mapping,
                             [*found.damaged, *encoding.problems])
        index.pairing = lines
        used = {stack.path for pair in found.pairs for stack in pair}
        opened = {s.path for s in found.stacks}
        index.ignored = [p for folder in walk(root) for p in folder.files
                         if (p.suffix.lower() in (".npy", ".npz") or p in opened) and p not in used]
        return index


def _log_left_out(masks: _Stack) -> None:
    """Name every group of the file that `--bands` left out for lacking a dataset it stacks (the
    description names the first few)."""
    left = groups_left_out(masks.samples, masks.groups)
    if left:
        log.info("'%s': %d groups left out, lacking a dataset --bands names: %s", masks.path, len(left),
                 ", ".join(left))


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


def _prefix(masks: _Stack, root: Path, mask_stacks: list[_Stack]) -> str:
    """What names the pairs of a mask stack: its folder when it is the folder's only mask stack
    (PanNuke's `fold1`, MitoEM's `train`), else its file's name (`tissuenet_v1.1_train`), and its
    array's when the file holds several (`data_y_test`)."""
    beside = [s for s in mask_stacks if s.path.parent == masks.path.parent]
    if masks.path.parent != root and len(beside) == 1:
        return masks.path.parent.name
    in_file = [s for s in beside if s.path == masks.path]
    return f"{masks.path.stem}_{masks.member_words}" if len(in_file) > 1 else masks.path.stem
