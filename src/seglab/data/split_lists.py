"""Official splits that a dataset ships as lists of names: Pascal VOC's
`ImageSets/Segmentation/{train,val,test}.txt` beside `JPEGImages/`, Aeroscapes'
`ImageSets/{trn,val}.txt`, SSL4MIS' `train_slices.list`, `val.list` and `test.list` above its
`data/slices/` (val and test naming volumes, `patient003_frame01`, whose slices
`patient003_frame01_slice_4` they hold), or GTA5's `split.mat` beside `images/` (the numbers of
`trainIds`, `valIds`, `testIds`), or plain `train.txt`, `val.txt` and `test.txt` (or `.lst`)
at most two folders above the images, in the dataset (OpenEarthMap's file names above
`<region>/images/`, LandCover.ai's tile stems above `output/`, RELLIS-3D's `train.lst` of
image and label paths).

Results on such a dataset are reported on its own val (or test) images; a random split would
put some of them in training. The lists name images by stem, one per line (anything after the
first word, as in VOC's `ImageSets/Main/*_train.txt`, is not read); a word that is a path or a
file name names the image of that name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from seglab.data.index import Pair, Problem
from seglab.data.io import IMAGE_SUFFIXES
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
_PLAIN_SUFFIXES = (".txt", ".lst")


@dataclass(frozen=True)
class SplitLists:
    """What `read_split_lists` found: the split of each listed image stem per image folder
    (`splits`), and the list files read (`files`, so that they are not called unused)."""

    splits: dict[Path, dict[str, str]]
    files: set[Path]


def read_split_lists(image_dirs: Iterable[Path], root: Path | None = None) -> SplitLists:
    """The split lists of each image folder that has them beside or above it (see the module
    doc; plain lists within `root` only); image folders without lists are left out.

    Raises:
        DataError: a stem listed in two splits, naming both files.
    """
    found = SplitLists({}, set())
    for image_dir in dict.fromkeys(image_dirs):
        listed = _list_files(image_dir, root)
        if listed is not None:
            found.splits[image_dir] = split_of_stems(listed[1])
            found.files.update(listed[1].values())
    return found


def _list_files(image_dir: Path, root: Path | None = None) -> tuple[Path, dict[str, Path]] | None:
    """The first folder beside or above `image_dir` that holds split lists, and its list of each split."""
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
    return _plain_lists(image_dir, root) if root is not None else None


def _plain_lists(image_dir: Path, root: Path) -> tuple[Path, dict[str, Path]] | None:
    """`train.txt`, `val.txt`, `test.txt` (or `.lst`) in the folder holding `image_dir` or the one
    above, within `root`, with a train or val list among them."""
    for folder in (image_dir.parent, image_dir.parent.parent):
        if not folder.is_relative_to(root):
            break
        files = {split: folder / f"{name}{suffix}" for split in _LISTS for name in _NAMES[split]
                 for suffix in _PLAIN_SUFFIXES if (folder / f"{name}{suffix}").is_file()}
        if "train" in files or "val" in files:
            return folder, files
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
    numbered: dict[Path, dict[str, list[str]]] = {}  # GTA5's split.mat names every split: parsed once
    for split, path in files.items():
        if path.suffix.lower() == ".mat" and path not in numbered:
            numbered[path] = _mat_ids(path)
        for stem in (numbered[path][split] if path in numbered else _stems(path)):
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
    return [_listed_stem(line.split()[0]) for line in lines if line.strip()]


def _listed_stem(word: str) -> str:
    """The image stem a list's word names: the word, or a path's file name less its image suffix
    (OpenEarthMap's `aachen_1.tif`, RELLIS-3D's `00000/pylon_camera_node/frame000000-1581624652_750.jpg`)."""
    name = word.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = next((s for s in IMAGE_SUFFIXES if name.lower().endswith(s)), "")
    return name[: len(name) - len(suffix)] if suffix and len(name) > len(suffix) else name


def apply_split_lists(
    pairs: list[Pair], problems: list[Problem], lists: dict[Path, dict[str, str]], where: str
) -> tuple[list[Pair], list[Path], list[Problem]]:
    """Give every pair the split its list names, when the lists name a split for every pair.

    `where` names the lists in the log.
    Images a test list names that have no mask are unlabelled test images (VOC's test
    release), not unpaired ones. Image folders none of whose pairs is listed while the others'
    all are are left out, with a warning (LandCover.ai's `images/` orthophotos, which its listed
    `output/` tiles are cut from). When some other pair is in no list, or the lists hold train
    only and no test images, they do not say how to split these pairs: they are not used, with a
    warning.

    Returns:
        the pairs (with splits when the lists are used), unlabelled test images, and `problems`
        without the unpaired-image findings of those.
    """
    if not lists:
        return pairs, [], problems
    folders = where
    splits = [listed_split(lists.get(p.image.parent, {}), p.image.stem) for p in pairs]
    unlisted_dirs = {p.image.parent for p, s in zip(pairs, splits)} - {p.image.parent for p, s in zip(pairs, splits) if s}
    if unlisted_dirs and len(unlisted_dirs) < len({p.image.parent for p in pairs}):
        left = [p for p in pairs if p.image.parent in unlisted_dirs]
        logger.warning("the split lists in %s name every pair but the %d in %s: those are left out (read them alone "
                       "with --images %s)", folders, len(left), ", ".join(f"'{d}'" for d in sorted(unlisted_dirs)),
                       min(unlisted_dirs).name)
        kept = [(p, s) for p, s in zip(pairs, splits) if p.image.parent not in unlisted_dirs]
        pairs, splits = [p for p, _ in kept], [s for _, s in kept]
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
