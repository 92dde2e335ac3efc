"""A labels folder divided by split, for an image folder of no split: each split's masks in its folder.

AI4Mars ships its photos in `msl/images/edr/` and their labels beside them by split:
`msl/labels/train/<stem>.png`, and the test labels in three versions,
`msl/labels/test/masked-gold-min{1,2,3}-100agree/<stem>_merged.png` (at least 1, 2 or 3 raters, all
agreeing). Each split folder labels other images, so the folders are one labelling, each pair in its
folder's split; of a split's versions, the one of the most raters agreeing is read.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.complementary_masks import read_together
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.folders.placement import labels_split_folder
from seglab.data.discovery.naming import folder_split
from seglab.data.discovery.pairing import FolderMatch, folder_label

logger = logging.getLogger(__name__)

# a version's name saying how many raters agree: AI4Mars' masked-gold-min3-100agree
_AGREEMENT = re.compile(r"agree|consensus|rater|annotator|reader|vote|min\d", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


def strictest_versions(candidates: list[FolderMatch], root: Path, said: set[Path]) -> list[FolderMatch]:
    """The candidates with one kept of the versions of a split's labels that say how many raters
    agree and differ in those numbers only (AI4Mars' `labels/test/masked-gold-min1-100agree/`,
    `min2`, `min3`): the highest, the most raters agreeing, logged once (`said` holds the split
    folders logged) with the --masks that reads another. Versions named otherwise stay a choice."""
    by_split: dict[Path, list[FolderMatch]] = {}
    for candidate in candidates:
        split = _split_folder(candidate.mask_dir, root)
        if split is not None and split != candidate.mask_dir:
            by_split.setdefault(split, []).append(candidate)
    for split, versions in by_split.items():
        names = [c.mask_dir.name for c in versions]
        if len(versions) < 2 or not all(map(_AGREEMENT.search, names)) \
                or len({_NUMBER.sub("#", name) for name in names}) > 1:
            continue
        chosen = max(versions, key=lambda c: tuple(int(n) for n in _NUMBER.findall(c.mask_dir.name)))
        others = [c for c in versions if c is not chosen]
        if split not in said:
            said.add(split)
            logger.warning("%s holds %d versions of the %s labels (%s): %s/ is read, the one of the most raters "
                           "agreeing (AI4Mars' benchmark scores on masked-gold-min3-100agree); --masks %s reads "
                           "another, with the labels of the other splits", folder_label(split, root), len(versions),
                           folder_split(split.name), ", ".join(names), chosen.mask_dir.name,
                           shlex.quote(others[0].mask_dir.name))
        candidates = [c for c in candidates if all(c is not other for other in others)]
    return candidates


def labels_by_split(image_dir: Path, candidates: list[FolderMatch], root: Path, said: set[Path]) -> list[FolderMatch]:
    """The candidates with the split folders of one labels folder read as one match, each pair in
    its folder's split, when each folder labels other images of `image_dir` (AI4Mars' `labels/train/`
    and `labels/test/masked-gold-min3-100agree/` for `images/edr/`, a folder of no split: one of a
    split pairs with no other split's masks); logged once a labels folder (`said`)."""
    trees: dict[Path, list[tuple[FolderMatch, str]]] = {}
    for candidate in candidates:
        folder = _split_folder(candidate.mask_dir, root)
        if folder is not None and (split := folder_split(folder.name)) is not None:
            trees.setdefault(folder.parent, []).append((candidate, split))
    for labels, parts in trees.items():
        if len(parts) < 2 or len({split for _, split in parts}) < len(parts):  # versions of one split: a choice
            continue
        together = read_together([c for c, _ in parts])
        if together is None:
            continue
        if labels not in said:
            said.add(labels)
            logger.info("%s: its split folders each label other images of %s (%s): read as one labelling, each "
                        "pair in its folder's split", folder_label(labels, root), folder_label(image_dir, root),
                        ", ".join(f"{c.mask_dir.relative_to(labels).as_posix()}/: {len(c.pairs)}" for c, _ in parts))
        read = replace(together, split=None, splits={key: split for c, split in parts for key, _, _ in c.pairs})
        kept = [c for c in candidates if all(c is not part for part, _ in parts[1:])]
        candidates = [read if c is parts[0][0] else c for c in kept]
    return candidates


def other_splits(folders: list[Folder], named: Callable[[Folder], bool], root: Path) -> set[Path]:
    """The folders of a labels folder's other splits when --masks names a version of one split's
    labels (`--masks masked-gold-min1-100agree`: AI4Mars' `labels/train/` beside it), so that the
    version named replaces the one read by default, not the whole labels folder; not those of a
    split that --masks names a folder of too (`annotations/<split>/semantic/`, not `instance/`)."""
    splits = {f.path: split for f in folders if (split := _split_folder(f.path, root)) is not None}
    held = {splits[f.path] for f in folders if f.path in splits and named(f)}
    versions = {split.parent for path, split in splits.items() if split in held and split != path}
    return {path for path, split in splits.items() if split.parent in versions and split not in held}


def say_other_splits(folders: list[Folder], matches: list[FolderMatch], root: Path) -> None:
    """Warn where --masks named split folders of a labels folder whose other splits hold masks too
    (AI4Mars' `--masks labels/train` beside `labels/test/<version>/`): those are left out, the
    official test labels among them, and --masks naming the labels folder reads every split."""
    read = {d for m in matches for d in (m.mask_dir, *m.more_mask_dirs)}
    splits = {split for d in read if (split := _split_folder(d, root)) is not None}
    for labels in {split.parent for split in splits}:
        left = [f.path for f in folders if f.files and (split := _split_folder(f.path, root)) is not None
                and split.parent == labels and split not in splits]
        if left:
            logger.warning("%s holds the masks of other splits than --masks names, left out: %s; --masks %s reads "
                           "every split, each pair in its folder's split", folder_label(labels, root),
                           ", ".join(folder_label(path, root) for path in left), shlex.quote(labels.name))


def _split_folder(mask: Path, root: Path) -> Path | None:
    """`labels_split_folder` of `mask` when its labels folder lies in the dataset folder, below
    `root` (a temporary folder named `test_masks_x` holding the dataset names no labels)."""
    split = labels_split_folder(mask)
    return split if split is not None and root in split.parent.parents else None
