"""Folders that hold another's pairs again, whole: a dataset copied beside itself or into itself
(a Kaggle upload zipped twice over, `archive/Water Bodies Dataset/Images/` and
`archive/Water Bodies Dataset/Water Bodies Dataset/Images/`; a `data copy/` beside `data/`).

Read too, every pair would count twice and its copies straddle a drawn split. As `union_folders`
tells a folder holding the pairs of several others, it is told by content, not by name: the
same file names in the same split, each file the same size, the first pairs the same bytes; and
by place, in a folder of their own inside the original's or named as a copy of it (`_placed_as_copy`):
folders of one dataset may be alike by chance. The copy nearest the dataset folder is read, the
others set aside and logged. The same images with other masks are two tasks (`task_copies`).

Augmented copies are told by place: pairs in a folder named for augmentation beside pairs that are
not (zhixuhao/unet's `data/membrane/train/aug/`, written by its notebook's Keras generator beside
`train/image/` + `train/label/`) are made from those, so set aside too (`without_augmented_copies`).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from seglab.data.discovery.folders.union_folders import _copies, by_name
from seglab.data.discovery.naming import folder_split, words
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.byte_copies import file_size
from seglab.data.files.index import list_images

logger = logging.getLogger(__name__)

# what a file manager adds to the name of a folder's copy: macOS `data copy 2`, Windows `data - Copy (2)`,
# Google Drive `Copy of data`, a browser's second download `data (1)`
_COPY_MARK = re.compile(r"^copy of |(?:[ _-]+copy(?:[ _]*\(?\d+\)?)?| ?\(\d+\))$", re.IGNORECASE)
_AUGMENTED = frozenset({"aug", "augs", "augmented", "augmentation", "augmentations"})  # words of such folders


def without_copies(matches: list[FolderMatch], root: Path, alone: Callable[[Path], str] | None = None
                   ) -> tuple[list[FolderMatch], list[Path]]:
    """The matches less each whose pairs are another's again (see module doc), and the files of
    those set aside that no match kept reads; each one logged with the route that reads it alone:
    `alone` of the copy's top folder (a layout that reads no `--images`: DATA the copy), else
    `--images` with its image folder."""
    held = {id(match): by_name(match) for match in matches}
    alike: dict[tuple[frozenset[str], str | None, frozenset[tuple[str, str]]], list[FolderMatch]] = {}
    for match in matches:  # the same names in the same splits
        if names := held[id(match)]:
            alike.setdefault((frozenset(names), match.split, frozenset(match.splits.items())), []).append(match)
    aside: list[FolderMatch] = []
    for group in (group for group in alike.values() if len(group) > 1):
        group.sort(key=lambda match: (len(match.image_dir.parts), bool(_COPY_MARK.search(_tops(match)[0].name)),
                                      match.image_dir.parts))  # the nearest first, then one not named as a copy
        kept = _Originals()
        for match in group:
            mine = held[id(match)]
            found = next(((k, top) for k in kept.copied_by(match) if (top := _placed_as_copy(match, k)) is not None
                          and _sizes(held[id(k)]) == _sizes(mine) and _copies(mine, held[id(k)])), None)  # by place
            if found is None:  # first: no file read
                kept.add(match)
                continue
            original, top = found
            aside.append(match)
            route = alone(top) if alone is not None else \
                f"--images {shlex.quote(folder_label(match.image_dir, root).rstrip('/'))}"
            logger.info("%s holds the %d pairs of %s again (the same files): a copy, set aside and each pair read "
                        "once (%s reads the copy alone)", folder_label(match.image_dir, root),
                        len(mine), folder_label(original.image_dir, root), route)
    return _set_aside(matches, aside)


def without_augmented_copies(matches: list[FolderMatch], root: Path) -> tuple[list[FolderMatch], list[Path]]:
    """The matches less those whose image folder lies in a folder named for augmentation (`aug/`,
    `augmented/`, ...) when others' do not, and the files of those set aside; logged with the way
    to read them. Augmented copies of the pairs read as pairs of their own would straddle a drawn
    split (a training image's flipped copy among the val images) and count each image twice."""
    augmented = [m for m in matches if _AUGMENTED.intersection(
        w for part in _inside(m.image_dir, root) for w in words(part))]
    if not augmented or len(augmented) == len(matches):
        return matches, []
    kept, aside = _set_aside(matches, augmented)
    for folder in dict.fromkeys(p.parent for p in aside):
        logger.info("%s holds augmented copies of the pairs (%d files, in a folder named for augmentation beside "
                    "the originals): set aside, not trained on (DATA '%s' reads them alone)",
                    folder_label(folder, root), sum(p.parent == folder for p in aside), folder)
    return kept, aside


def _inside(folder: Path, root: Path) -> tuple[str, ...]:
    """The names of `folder`'s path below `root`; none for a folder elsewhere (--images given so)."""
    return folder.relative_to(root).parts if folder.is_relative_to(root) else ()


def _set_aside(matches: list[FolderMatch], aside: list[FolderMatch]) -> tuple[list[FolderMatch], list[Path]]:
    """`matches` less those `aside`, and the files of these that no match kept reads."""
    kept_matches = [m for m in matches if not any(m is a for a in aside)]
    read = {folder for m in kept_matches for folder in (m.image_dir, m.mask_dir)}
    folders = dict.fromkeys(f for m in aside for f in (m.image_dir, m.mask_dir) if f not in read)  # once each
    return kept_matches, [p for folder in folders for p in list_images(folder, masks=True)]


def _placed_as_copy(copy: FolderMatch, original: FolderMatch) -> Path | None:
    """The top folder of `copy` where its folders sit as a copy of `original`'s would: the same
    folders below a top folder of their own (the folder holding its images and masks, or a folder
    above the split folders holding them: `_tops`), that top inside the original's at the same
    level (`Water Bodies Dataset/Water Bodies Dataset/`) or named as a copy of it (`data copy/`,
    `Copy of data/`, `data - Copy/`, `data (1)/`); None where they do not. Folders of one dataset
    alike by content only (clips, sites or items whose files are named alike) are no copies."""
    for top, original_top in zip(_tops(copy), _tops(original)):
        if _below(copy, top) == _below(original, original_top) and (
                original_top in top.parents or _COPY_MARK.sub("", top.name) == original_top.name != top.name):
            return top
    return None


class _Originals:
    """The matches of a group kept so far, looked up by where a copy of each would sit
    (`_placed_as_copy`), so that a match is tried only with those it may be a copy of: 1,000
    sequences whose frames are named alike made 499,500 tries, each with every one kept before."""

    def __init__(self) -> None:
        self._kept: list[FolderMatch] = []
        self._at: dict[tuple[object, ...], list[int]] = defaultdict(list)

    def add(self, match: FolderMatch) -> None:
        for level, top in enumerate(_tops(match)):
            self._at[("in", level, _below(match, top), top)].append(len(self._kept))  # a copy inside it
            self._at[("named", level, _below(match, top), top.name)].append(len(self._kept))  # `data copy/`
        self._kept.append(match)

    def copied_by(self, copy: FolderMatch) -> list[FolderMatch]:
        """The kept matches `copy`'s folders sit as a copy of (a superset of those `_placed_as_copy`
        takes), in the order kept."""
        keys: list[tuple[object, ...]] = []
        for level, top in enumerate(_tops(copy)):
            keys += [("in", level, _below(copy, top), above) for above in top.parents]
            if (original := _COPY_MARK.sub("", top.name)) != top.name:
                keys.append(("named", level, _below(copy, top), original))
        return [self._kept[i] for i in sorted({i for key in keys for i in self._at.get(key, ())})]


def _below(match: FolderMatch, top: Path) -> tuple[Path, Path]:
    """Where a match's image and mask folders lie below `top`, one of its `_tops`."""
    return match.image_dir.relative_to(top), match.mask_dir.relative_to(top)


def _tops(match: FolderMatch) -> list[Path]:
    """The folder holding a match's images and masks, then each split folder it lies in and the
    folder above: a dataset copied into itself is a copy of all its splits (Kaggle's
    `cityscapes_data/cityscapes_data/` of `train/` and `val/`, inside `cityscapes_data/`)."""
    tops = [Path(os.path.commonpath([match.image_dir, match.mask_dir]))]
    while folder_split(tops[-1].name) is not None and tops[-1].parent != tops[-1]:
        tops.append(tops[-1].parent)
    return tops


def _sizes(pairs: dict[str, tuple[Path, Path]]) -> list[tuple[str, int, int]]:
    """Each pair's name with its image's and mask's sizes: a copy's are the same, a newer version's
    masks differ somewhere (one stat a file, no file read)."""
    return sorted((name, file_size(image), file_size(mask)) for name, (image, mask) in pairs.items())
