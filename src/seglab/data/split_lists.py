"""Official splits that a dataset ships as lists of names: Pascal VOC's
`ImageSets/Segmentation/{train,val,test}.txt` beside `JPEGImages/`, Aeroscapes'
`ImageSets/{trn,val}.txt`, SSL4MIS' `train_slices.list`, `val.list` and `test.list` above its
`data/slices/` (val and test naming volumes, `patient003_frame01`, whose slices
`patient003_frame01_slice_4` they hold), or GTA5's `split.mat` beside `images/` (the numbers of
`trainIds`, `valIds`, `testIds`).

Results on such a dataset are reported on its own val (or test) images; a random split would
put some of them in training. The lists name images by stem, one per line (anything after the
first word, as in VOC's `ImageSets/Main/*_train.txt`, is not read).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from seglab.data.index import Pair, Problem
from seglab.data.mat_files import mat_arrays
from seglab.data.read_errors import Unusable
from seglab.errors import DataError

logger = logging.getLogger(__name__)

SPLIT_LIST_FOLDERS = (Path("ImageSets", "Segmentation"), Path("ImageSets"))  # VOC's; Aeroscapes' flat one
_LISTS = ("train", "val", "test")
_NAMES = {"train": ("train", "trn"), "val": ("val",), "test": ("test",)}  # Aeroscapes: trn.txt
_BOTH = "trainval"  # the train split when train.txt and val.txt are absent
_SSL4MIS_LISTS = {"train": ("train_slices.list", "train.list"), "val": ("val.list",), "test": ("test.list",)}
_SLICE = re.compile(r"_slice_?\d+$")  # a slice's name after its volume's: patient001_frame01_slice_3
_GTA5_SPLIT = "split.mat"


def read_split_lists(image_dirs: Iterable[Path]) -> dict[Path, dict[str, str]]:
    """The split of each listed image stem, per image folder that has `ImageSets/Segmentation/`
    (or `ImageSets/`) beside it with at least one list; image folders without lists are left out.

    Raises:
        DataError: a stem listed in two splits, naming both files.
    """
    found = {}
    for image_dir in dict.fromkeys(image_dirs):
        listed = _list_files(image_dir)
        if listed is not None:
            found[image_dir] = split_of_stems(listed[1])
    return found


def split_list_files(image_dirs: Iterable[Path]) -> set[Path]:
    """The split list files of these image folders (so that they are not called unused)."""
    return {path for found in map(_list_files, dict.fromkeys(image_dirs)) if found for path in found[1].values()}


def _list_files(image_dir: Path) -> tuple[Path, dict[str, Path]] | None:
    """The first folder beside `image_dir` that holds split lists, and its list of each split."""
    for folder in (image_dir.parent / f for f in SPLIT_LIST_FOLDERS):
        files = {split: folder / f"{name}.txt" for split in _LISTS for name in _NAMES[split]
                 if (folder / f"{name}.txt").is_file()}
        if "train" not in files and "val" not in files and (folder / f"{_BOTH}.txt").is_file():
            files["train"] = folder / f"{_BOTH}.txt"
        if files:
            return folder, files
    for folder in (image_dir.parent, image_dir.parent.parent):  # SSL4MIS: data/ACDC/ above data/slices/
        present = {split: [folder / name for name in names if (folder / name).is_file()]
                   for split, names in _SSL4MIS_LISTS.items()}
        files = {split: found[0] for split, found in present.items() if found}  # train_slices.list before train.list
        if files:
            return folder, files
    numbered = image_dir.parent / _GTA5_SPLIT  # GTA5: trainIds, valIds, testIds of images/00001.png, ...
    if numbered.is_file():
        held = _mat_ids(numbered)
        files = {split: numbered for split in _LISTS if split in held}
        if files:
            return image_dir.parent, files
    return None


def _mat_ids(path: Path) -> dict[str, list[str]]:
    """The image numbers of each split in GTA5's `split.mat` (`trainIds`, `valIds`, `testIds`).

    Raises:
        DataError: a file that cannot be read, naming it.
    """
    try:
        arrays = mat_arrays(path)
    except (Unusable, OSError) as err:
        raise DataError(f"split file '{path}' {err}") from None
    return {split: [str(int(v)) for v in arrays[f"{split}Ids"].ravel() if np.isfinite(v)]
            for split in _LISTS if f"{split}Ids" in arrays}


def listed_split(split_of: dict[str, str], stem: str) -> str | None:
    """The split the lists give an image: by its stem, else by its volume's (SSL4MIS' val.list
    names `patient003_frame01`, the image is `patient003_frame01_slice_4`), else by its number
    (GTA5's split.mat numbers `00001.png` 1)."""
    found = split_of.get(stem) or split_of.get(_SLICE.sub("", stem))
    return found or (split_of.get(str(int(stem))) if stem.isascii() and stem.isdigit() else None)


def split_of_stems(files: dict[str, Path]) -> dict[str, str]:
    """The split of each stem the lists name.

    Raises:
        DataError: a stem listed in two splits, naming both files.
    """
    split_of: dict[str, str] = {}
    listed_in: dict[str, Path] = {}
    for split, path in files.items():
        for stem in (_mat_ids(path)[split] if path.suffix.lower() == ".mat" else _stems(path)):
            if split_of.get(stem, split) != split:
                raise DataError(f"'{stem}' is listed in both '{listed_in[stem]}' and '{path}'; "
                                "an image belongs to one split")
            split_of[stem], listed_in[stem] = split, path
    return split_of


def _stems(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"split list '{path}' cannot be read: {err}") from None
    return [line.split()[0] for line in lines if line.strip()]


def apply_split_lists(
    pairs: list[Pair], problems: list[Problem], lists: dict[Path, dict[str, str]], where: str = ""
) -> tuple[list[Pair], list[Path], list[Problem]]:
    """Give every pair the split its list names, when the lists name a split for every pair.

    `where` names the lists in the log (by default the folders `read_split_lists` found them in).
    Images a test list names that have no mask are unlabelled test images (VOC's test
    release), not unpaired ones. When some pair is in no list, or the lists hold train only
    and no test images, they do not say how to split these pairs: they are not used, with a
    warning.

    Returns:
        the pairs (with splits when the lists are used), unlabelled test images, and `problems`
        without the unpaired-image findings of those.
    """
    if not lists:
        return pairs, [], problems
    folders = where or ", ".join(f"'{folder}'" for folder, _ in filter(None, map(_list_files, lists)))
    splits = [listed_split(lists.get(p.image.parent, {}), p.image.stem) for p in pairs]
    unlabelled = {
        p.path for p in problems
        if p.code == "image-without-mask" and p.path is not None
        and listed_split(lists.get(p.path.parent, {}), p.path.stem) == "test"
    }
    unlisted = splits.count(None)
    if unlisted or (set(splits) == {"train"} and not unlabelled):
        reason = f"{unlisted} of {len(pairs)} pairs are in no list" if unlisted else "they list a train split only"
        logger.warning("split lists in %s not used: %s; the split is drawn instead (--split-file FILE fixes one)",
                       folders, reason)
        return pairs, [], problems
    labelled = [replace(pair, split=split) for pair, split in zip(pairs, splits)]
    counts = ", ".join(f"{s} {splits.count(s)}" for s in _LISTS if s in splits)
    logger.info("split from the lists in %s: %s%s", folders, counts,
                f", and {len(unlabelled)} unlabelled test images" if unlabelled else "")
    kept = [p for p in problems if not (p.code == "image-without-mask" and p.path in unlabelled)]
    return labelled, sorted(unlabelled), kept
