"""Which files of the unlabelled folders are unlabelled images, each counted once: 38-Cloud's
`38-Cloud_test/test_red/` ... `test_nir/` hold a band each of 5 test images, as `train_red/` ...
`train_nir/` do of the pairs' images (`bands.stack_band_folders`), so 20 files are 5 images; its
`38-Cloud_test/Natural_False_Color/` scene previews are left out, as the same folder in
`38-Cloud_training/` is, not called unlabelled images because a test folder holds them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from seglab.data.discovery.naming import SPLIT_WORDS, words
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
    is a sibling folder's, the folders named as a match's band folders and holding as many files."""
    stacks = [[_unsplit(d.name) for d in (m.image_dir, *m.channel_dirs)] for m in matches if m.channel_dirs]
    siblings: dict[Path, dict[tuple[str, ...], Path]] = {}
    for folder in by_folder:
        siblings.setdefault(folder.parent, {})[_unsplit(folder.name)] = folder
    found: set[Path] = set()
    for named in siblings.values():
        for stack in stacks:
            folders = [named.get(name) for name in stack]
            if None in folders or len({len(by_folder[f]) for f in folders if f is not None}) > 1:
                continue
            first, *rest = (f for f in folders if f is not None)
            logger.info("%s: %s%s hold the bands of %d unlabelled images, one file each, as the pairs' band "
                        "folders do", root, folder_label(first, root), "".join(f", {f.name}/" for f in rest),
                        len(by_folder[first]))
            found.update(rest)
    return found


def _as_left_out_elsewhere(root: Path, by_folder: dict[Path, list[Path]], matches: list[FolderMatch],
                           ignored: list[Path]) -> set[Path]:
    """The unlabelled folders at the place, less split words, of a folder whose image files were
    all left out (`ignored`) in another split: 38-Cloud's `Natural_False_Color/` previews."""
    paired = {d for m in matches for d in (m.image_dir, m.mask_dir, *m.channel_dirs, *m.more_mask_dirs)}
    left_out = {_place(path.parent, root): path.parent for path in ignored
                if path.parent not in paired and path.parent != root and path.parent not in by_folder}
    found = {folder for folder in by_folder if _place(folder, root) in left_out}
    for folder in sorted(found):
        logger.info("%s: %s is left out, as %s is: not unlabelled images", root, folder_label(folder, root),
                    folder_label(left_out[_place(folder, root)], root))
    return found


def _unsplit(name: str) -> tuple[str, ...]:
    """A folder name's words less its split words: `train_red` and `test_red` are ('red',)."""
    return tuple(w for w in words(name) if w not in SPLIT_WORDS)


def _place(folder: Path, root: Path) -> tuple[tuple[str, ...], ...]:
    """A folder's path from `root`, each part less its split words."""
    return tuple(_unsplit(part) for part in folder.relative_to(root).parts)
