"""Which files of the unlabelled folders are unlabelled images, each counted once: 38-Cloud's
`38-Cloud_test/test_red/` ... `test_nir/` hold a band each of 5 test images, as `train_red/` ...
`train_nir/` do of the pairs' images (`bands.stack_band_folders`), so 20 files are 5 images; its
`38-Cloud_test/Natural_False_Color/` scene previews are left out, as the same folder in
`38-Cloud_training/` is, not called unlabelled images because a test folder holds them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from seglab.data.discovery.channel_files import below_shared
from seglab.data.discovery.naming import SPLIT_WORDS, folder_split, words
from seglab.data.discovery.pairing import FolderMatch, folder_label

logger = logging.getLogger(__name__)


def unlabelled_images(root: Path, unlabelled: list[Path], matches: list[FolderMatch],
                      ignored: list[Path]) -> tuple[list[Path], list[Path]]:
    """(images, left out) of the `unlabelled` files: a folder's files are no images of their own
    when they are the further bands of a sibling folder's, named as a paired match's band folders
    are (less their split words); a folder is left out when a folder at the same place in another
    split, its files all left out, is."""
    by_folder: dict[Path, list[Path]] = {}
    for path in unlabelled:
        by_folder.setdefault(path.parent, []).append(path)
    bands = _further_bands(root, by_folder, matches)
    aside = _as_left_out_elsewhere(root, by_folder, matches, ignored)
    return ([p for p in unlabelled if p.parent not in bands and p.parent not in aside],
            [p for p in unlabelled if p.parent in aside])


def _further_bands(root: Path, by_folder: dict[Path, list[Path]], matches: list[FolderMatch]) -> set[Path]:
    """The unlabelled folders holding the second and further bands of images whose first band
    is another folder's, the folders placed and named as a match's band folders are below the
    folder they share (`below_shared`: 38-Cloud's siblings, Hi-UCD's `test/image/2017/9/` and
    `2018/9/`) and holding as many files."""
    stacks = list(dict.fromkeys(  # each split's alike: once
        tuple(tuple(map(_unsplit, parts)) for parts in below_shared([m.image_dir, *m.channel_dirs]))
        for m in matches if m.channel_dirs))
    places = {(folder.parents[depth - 1], _place(folder, folder.parents[depth - 1])): folder
              for folder in by_folder for depth in {len(stack[0]) for stack in stacks} if len(folder.parts) > depth}
    found: set[Path] = set()
    for (shared, place), first in places.items():
        for stack in (s for s in stacks if s[0] == place):
            folders = [first, *(places.get((shared, other)) for other in stack[1:])]
            if None in folders or len({len(by_folder[f]) for f in folders if f is not None}) > 1:
                continue
            rest = [f for f in folders[1:] if f is not None]
            logger.info("%s: %s%s hold the bands of %d unlabelled images, one file each, as the pairs' band "
                        "folders do", root, folder_label(first, root), "".join(f", {f.relative_to(shared).as_posix()}/"
                                                                                for f in rest), len(by_folder[first]))
            found.update(rest)
    return found


def _as_left_out_elsewhere(root: Path, by_folder: dict[Path, list[Path]], matches: list[FolderMatch],
                           ignored: list[Path]) -> set[Path]:
    """The unlabelled folders at the place, less split words, of a folder whose image files were
    all left out (`ignored`) in another split (38-Cloud's `Natural_False_Color/` previews), or in
    a tree (`_tree`) whose folders were all left out in the other splits and none read (MUSES'
    `event_camera/test/clear/night/`, its event arrays set aside beside `frame_camera/` in train)."""
    paired = {d for m in matches for d in (m.image_dir, m.mask_dir, *m.channel_dirs, *m.more_mask_dirs)}
    left = {path.parent for path in ignored
            if path.parent not in paired and path.parent != root and path.parent not in by_folder}
    left_out = {_place(folder, root): folder for folder in left}
    read_trees = {_tree(folder, root) for folder in paired}
    left_trees = {tree: folder for folder in left if (tree := _tree(folder, root)) not in read_trees and tree}
    found: dict[Path, Path] = {}
    for folder in by_folder:
        if (like := left_out.get(_place(folder, root), left_trees.get(_tree(folder, root)))) is not None:
            found[folder] = like
    for folder in sorted(found):
        logger.info("%s: %s is left out, as %s is: not unlabelled images", root, folder_label(folder, root),
                    folder_label(found[folder], root))
    return set(found)


def _unsplit(name: str) -> tuple[str, ...]:
    """A folder name's words less its split words: `train_red` and `test_red` are ('red',)."""
    return tuple(w for w in words(name) if w not in SPLIT_WORDS)


def _tree(folder: Path, root: Path) -> tuple[str, ...]:
    """The folders from `root` down to a folder's split folder (MUSES' `event_camera/` above
    `test/`); empty for a folder under no split folder, right under one, or outside `root` (--images
    given as a path elsewhere)."""
    parts = folder.relative_to(root).parts if folder.is_relative_to(root) else ()
    return next((parts[:i] for i, part in enumerate(parts) if folder_split(part)), ())


def _place(folder: Path, root: Path) -> tuple[tuple[str, ...], ...]:
    """A folder's path from `root`, each part less its split words."""
    return tuple(_unsplit(part) for part in folder.relative_to(root).parts)
