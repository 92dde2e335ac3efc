"""Official splits that a dataset ships as lists of names (VOC's `ImageSets/Segmentation/train.txt`,
GTA5's `split.mat`, SSL4MIS' `train_slices.list`, ...), given to its image folders
(`read_split_lists`), its pairs (`apply_split_lists`) and its volume cases (`case_splits`).

Results on such a dataset are reported on its own val (or test) images; a random split would
put some of them in training. Where the lists are is `list_search`'s job, the split they give
each name `list_splits`', and how a list file reads `list_readers`'. Lists above the dataset
folder that name its images are said, with the folder to pass instead, not read: the dataset is
what DATA holds. A file named like a split list where lists are looked for, when none is read
for those images, is named in a warning, not passed over.
"""

from __future__ import annotations

import logging
import os
import re
from collections import ChainMap
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from seglab.data.discovery.unmasked import UNMASKED_CODES
from seglab.data.files.folder_listing import entries
from seglab.data.files.index import Pair, Problem
from seglab.data.splitting.list_affixes import with_affix
from seglab.data.splitting.list_readers import LISTS, READ_BESIDE
from seglab.data.splitting.list_search import ListSearch
from seglab.data.splitting.list_splits import listed_split, volume_of_slice

logger = logging.getLogger(__name__)

_NUMBERS = re.compile(r"\d+")  # told apart from a list's name, the name of its other folds


@dataclass(frozen=True)
class SplitLists:
    """What `read_split_lists` found: the split of each listed image stem per image folder
    (`splits`), and the list files read (`files`, so that they are not called unused)."""

    splits: dict[Path, Mapping[str, str]]  # layered over the lists' one dict, never a copy per folder
    files: set[Path]


def read_split_lists(
    folders: Iterable[tuple[Path, Path]], root: Path, split_known: Collection[Path] = (),
    read_otherwise: Collection[Path] = (),
) -> SplitLists:
    """The split lists of each image folder (with its mask folder) that has them beside or above
    it, in `root` (`list_search` says where); image folders without lists are left out, and files
    named like lists where their lists were looked for are named in a warning, unless the
    folder's split is known otherwise (`split_known`: LIP's train_images/ beside train_id.txt)
    or the layout read them as something else (`read_otherwise`: DENTEX's COCO file
    `train_quadrant_enumeration_disease.json`, its annotations).

    Raises:
        DataError: a stem listed in two splits, naming both files; a list that cannot be read.
    """
    found = SplitLists({}, set())
    search = ListSearch(root)
    shipped: dict[tuple[tuple[str, Path], ...], tuple[dict[str, Path], list[Path]]] = {}  # lists, held-out lists
    parsed: dict[tuple[tuple[str, Path], ...], dict[str, str]] = {}  # CUB's one table serves 200 class folders
    unlisted: set[Path] = set()  # the places looked in for image folders without lists
    keys: dict[Path, tuple[tuple[str, Path], ...]] = {}  # the lists of each image folder
    outside: tuple[dict[str, Path], Path, Path] | None = None  # lists above the root naming a folder's images
    for image_dir, mask_dir in dict.fromkeys(folders):
        files = search.list_files(image_dir, mask_dir)
        if not files:
            if image_dir not in split_known:
                unlisted.update(search.places(image_dir, mask_dir))
                if outside is None and (above := search.above_root(image_dir)):
                    outside = above, image_dir, mask_dir
            continue
        held = search.held_out(files)
        keys[image_dir] = key = (*sorted(files.items()), *(("held-out", p) for p in held))
        shipped[key] = files, held
        found.files.update([*files.values(), *held])
        found.files.update(p.parent / name for p in files.values() for name in READ_BESIDE.get(p.name, ()))
    folders_of: dict[tuple[tuple[str, Path], ...], list[Path]] = {}
    for image_dir, key in keys.items():
        folders_of.setdefault(key, []).append(image_dir)
    for files, _ in shipped.values():
        _say_other_folds(files)
    for key, (files, held) in shipped.items():  # MARIDA's lists name each scene folder's patches less their S2_
        stems = {stem for folder in folders_of[key] for stem in search.stems(folder)}
        parsed[key] = with_affix(search.split_of(files, held, stems), stems,
                                 ", ".join(sorted({f"'{p.parent}'" for _, p in key})))
    for image_dir, key in keys.items():
        own = search.own_splits(parsed[key], image_dir)
        found.splits[image_dir] = ChainMap(search.by_folder(own, image_dir), own)
    unread = sorted({p for folder in unlisted for p in search.named_like_lists(folder)} - found.files
                    - set(read_otherwise))
    if unread:
        logger.warning("split lists not read: %s (seglab reads lists named for their split, train, val or test, "
                       "that name the images or folders holding them: docs/data.md); if they hold the official "
                       "split, train with --split-file FILE (JSON)", ", ".join(f"'{p}'" for p in unread))
    if outside is not None:
        _say_lists_above(*outside, root)
    return found


def _say_other_folds(files: dict[str, Path]) -> None:
    """Say the lists named as `files` but for a number, other folds of a cross-validation
    (NuCLS' `fold_2_train.csv` beside `fold_1_train.csv`): one fold is the split, the first."""
    for path in files.values():
        frame = _NUMBERS.sub("#", path.stem)
        others = sorted(p.name for p in entries(path.parent)
                        if p != path and p.suffix == path.suffix and _NUMBERS.sub("#", p.stem) == frame)
        if others:
            logger.info("split list '%s' is one fold of several (%s beside it): its fold is the split (train with "
                        "--split-file FILE for another)", path, ", ".join(f"'{n}'" for n in others))


def _say_lists_above(files: dict[str, Path], image_dir: Path, mask_dir: Path, root: Path) -> None:
    """Warn of split lists above `root` that name images of `image_dir`: lists are read within
    DATA only, and a split drawn instead trains on the official test images (Sen1Floods11's
    `v1.1/splits/flood_handlabeled/` when DATA is `v1.1/data/flood_events/HandLabeled/`)."""
    data = Path(os.path.commonpath([root, *files.values()]))
    flags = f" with --images {image_dir.name} --masks {mask_dir.name}" if image_dir != mask_dir else ""
    logger.warning("split lists above DATA name its images: %s; seglab reads lists within DATA only, so the split "
                   "is drawn: pass '%s' as DATA%s to read them, or train with --split-file FILE (JSON)",
                   ", ".join(f"'{p}'" for p in sorted(set(files.values()))), data, flags)


def case_splits(case_folders: dict[str, Path], root: Path) -> dict[str, str]:
    """case -> split from the split lists beside or above the folder of each volume case, which
    name cases by their name (SSL4MIS' LA: `data/train.list` and `data/test.list` name the folders
    of `data/2018LA_Seg_Training Set/<case>/mri_norm2.h5`) or their folder's (CAMUS); a list of
    slices names their volume's case (`train_slices.list`). Empty when there are no lists, and
    with a warning when they leave a case out or list train only (the split is drawn then, as
    for images).

    Raises:
        DataError: a name listed in two splits, naming both files.
    """
    lists = read_split_lists(((folder, folder) for folder in case_folders.values()), root)
    if not lists.splits:
        return {}
    splits = {case: _case_split(lists.splits.get(folder, {}), case, folder.name)
              for case, folder in case_folders.items()}
    where = ", ".join(f"'{p}'" for p in sorted(lists.files))
    unlisted = [case for case, split in splits.items() if split is None]
    if unlisted or set(splits.values()) == {"train"}:
        reason = (f"{len(unlisted)} of {len(splits)} cases are in no list (e.g. '{unlisted[0]}')" if unlisted
                  else "they list a train split only")
        logger.warning("split lists %s not used: %s; the split is drawn instead", where, reason)
        return {}
    found = list(splits.values())
    logger.info("split of the volume cases from the lists %s: %s", where,
                ", ".join(f"{s} {found.count(s)}" for s in LISTS if s in found))
    return {case: split for case, split in splits.items() if split is not None}


def _case_split(split_of: dict[str, str], case: str, folder: str) -> str | None:
    """The split the lists give a case: by its name, else by its slices' (`<case>_slice_3`), else
    by its folder's (CAMUS' `database_split/subgroup_training.txt` names `patient0001`, whose
    folder holds the cases `patient0001_2CH_ED`, `patient0001_4CH_ES`, ...)."""
    return (listed_split(split_of, case)
            or next((s for stem, s in split_of.items() if volume_of_slice(stem) == case), None)
            or listed_split(split_of, folder))


def _split_values(split_of: Mapping[str, str], read: dict[int, set[str]]) -> set[str]:
    """The splits a folder's lists give, layer by layer, each layer read once (`read`): the
    folders' layers share the lists' one dict."""
    if isinstance(split_of, ChainMap):
        return set().union(*(_split_values(layer, read) for layer in split_of.maps))
    if id(split_of) not in read:
        read[id(split_of)] = set(split_of.values())
    return read[id(split_of)]


def apply_split_lists(
    pairs: list[Pair], problems: list[Problem], lists: Mapping[Path, Mapping[str, str]], where: str
) -> tuple[list[Pair], list[Path], list[Problem]]:
    """Give every pair the split its list names, when the lists name a split for every pair.

    `where` names the lists in the log.
    Lists of held-out splits alone (SIFT Flow's test list, fastai CamVid's `valid.txt`) leave
    the pairs they do not name to train. Images a test list names that have no mask are
    unlabelled test images (VOC's test release), not unpaired ones. Image folders none of whose
    pairs is listed while the others' all are are left out, with a warning (LandCover.ai's `images/` orthophotos, which its listed
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
    read: dict[int, set[str]] = {}
    named = set().union(*(_split_values(split_of, read) for split_of in lists.values()))
    if named and named <= {"val", "test"}:  # SIFT Flow's TestSet1.txt, fastai CamVid's valid.txt: the rest trains
        logger.info("the split lists in %s are %s lists only: the %d pairs they do not name are train pairs",
                    folders, " and ".join(s for s in LISTS if s in named), splits.count(None))
        splits = [split or "train" for split in splits]
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
        if p.code in UNMASKED_CODES and p.path is not None
        and listed_split(lists.get(p.path.parent, {}), p.path.stem) == "test"
    }
    unlisted = splits.count(None)
    if unlisted or (set(splits) == {"train"} and not unlabelled):
        reason = f"{unlisted} of {len(pairs)} pairs are in no list" if unlisted else "they list a train split only"
        logger.warning("split lists in %s not used: %s; the split is drawn instead (train with --split-file FILE "
                       "(JSON) to fix one)", folders, reason)
        return pairs, [], problems
    labelled = [replace(pair, split=split) for pair, split in zip(pairs, splits)]
    counts = ", ".join(f"{s} {splits.count(s)}" for s in LISTS if s in splits)
    logger.info("split from the lists in %s: %s%s", folders, counts,
                f", and {len(unlabelled)} unlabelled test images" if unlabelled else "")
    kept = [p for p in problems if not (p.code in UNMASKED_CODES and p.path in unlabelled)]
    return labelled, sorted(unlabelled), kept
