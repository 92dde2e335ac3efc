"""The split a stack's slices belong to (its array's, file's or folders' names; PanNuke's folds),
and the case folder or file that makes a stack's slices one group, so that one patient's scan never
straddles two splits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from seglab.data.discovery.naming import folder_split, folders_split
from seglab.data.layouts.array_stacks.stacks import _Stack

_FOLD = re.compile(r"fold[ _-]?([123])$", re.IGNORECASE)
_FOLD_SPLITS = {"1": "train", "2": "val", "3": "test"}  # PanNuke's paper, split 1
_MIN_CASE_FOLDERS = 2
_MIN_CASE_FILES = 3  # a train, a validation and a test case; two files may be halves of one set


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


def _case_folders(pairs: list[tuple[_Stack, _Stack]], root: Path) -> dict[Path, str]:
    """The folder of each pair's stacks, as its case's name (its path below `root`), when the
    stacks lie in a folder per case: ToothFairy's `Dataset/P1/data.npy` + `gt_alpha.npy`, one
    patient's scan a folder. Each folder holds one pair's image and mask stacks and names no
    split or fold (MitoEM's `train/`, PanNuke's `fold1/` are splits), and there are two or more;
    empty otherwise (CoNIC's one folder of patches)."""
    def names_split(masks: _Stack) -> bool:
        folder = masks.path.parent
        return folder == root or bool(folder_split(folder.name) or _FOLD.search(folder.name))

    return _cases(pairs, lambda stack: stack.path.parent, _MIN_CASE_FOLDERS, names_split,
                  lambda folder: folder.relative_to(root).as_posix())


def _case_files(pairs: list[tuple[_Stack, _Stack]], root: Path) -> dict[Path, str]:
    """The file of each pair's stacks, as its case's name (its path below `root` less the suffix),
    when each file holds one pair's image and mask stacks: MedSAM-on-Laptop's
    `CT/AbdomenCT1K/CT_AbdomenCT-1K_Case_00001.npz` (`imgs` + `gts`, D x H x W), one patient's CT a
    file. `_MIN_CASE_FILES` or more, none named for a split or fold (TissueNet's
    `tissuenet_v1.1_train.npz` is a split; case files in a `train/` folder are cases); empty
    otherwise (PanNuke's image and mask files apart)."""
    return _cases(pairs, lambda stack: stack.path, _MIN_CASE_FILES,
                  lambda masks: bool(_named_split(masks) or _FOLD.search(masks.path.stem)),
                  lambda path: path.relative_to(root).with_suffix("").as_posix())


def _cases(pairs: list[tuple[_Stack, _Stack]], place: Callable[[_Stack], Path], fewest: int,
           names_split: Callable[[_Stack], bool], name: Callable[[Path], str]) -> dict[Path, str]:
    """The `place` of each pair's stacks (their folder, their file) by its case's `name`, when each
    place holds one pair's image and mask stacks, `fewest` or more, and no pair's mask stack
    `names_split` (a split or fold, not a case); empty otherwise."""
    places = [place(masks) for images, masks in pairs if place(images) == place(masks)]
    if len(places) != len(pairs) or len(set(places)) != len(places) or len(places) < fewest:
        return {}
    if any(names_split(masks) for _, masks in pairs):
        return {}
    return {found: name(found) for found in sorted(places)}
