"""The split a stack's slices belong to (its array's, file's or folders' names; PanNuke's folds),
and the case folder or file that makes a stack's slices one group, so that one patient's scan never
straddles two splits.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.discovery.naming import folder_split, folders_split
from seglab.data.layouts.array_stacks.stacks import _Stack

_FOLD = re.compile(r"fold[ _-]?([123])$", re.IGNORECASE)
_FOLD_SPLITS = {"1": "train", "2": "val", "3": "test"}  # PanNuke's paper, split 1
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
    folders = [masks.path.parent for images, masks in pairs if images.path.parent == masks.path.parent]
    if len(folders) != len(pairs) or len(set(folders)) != len(folders) or len(folders) < 2:
        return {}
    if any(f == root or folder_split(f.name) or _FOLD.search(f.name) for f in folders):
        return {}
    return {folder: folder.relative_to(root).as_posix() for folder in sorted(folders)}


def _case_files(pairs: list[tuple[_Stack, _Stack]], root: Path) -> dict[Path, str]:
    """The file of each pair's stacks, as its case's name (its path below `root` less the suffix),
    when each file holds one pair's image and mask stacks: MedSAM-on-Laptop's
    `CT/AbdomenCT1K/CT_AbdomenCT-1K_Case_00001.npz` (`imgs` + `gts`, D x H x W), one patient's CT a
    file. `_MIN_CASE_FILES` or more, none named for a split or fold (TissueNet's
    `tissuenet_v1.1_train.npz` is a split; case files in a `train/` folder are cases); empty
    otherwise (PanNuke's image and mask files apart)."""
    files = [masks.path for images, masks in pairs if images.path == masks.path]
    if len(files) != len(pairs) or len(set(files)) != len(files) or len(files) < _MIN_CASE_FILES:
        return {}
    if any(_named_split(masks) or _FOLD.search(masks.path.stem) for _, masks in pairs):
        return {}
    return {path: path.relative_to(root).with_suffix("").as_posix() for path in sorted(files)}
