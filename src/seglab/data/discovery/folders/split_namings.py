"""A mask folder two image folders pair with, one by the very names and the other only by a
naming learned from the files, in other splits (CCF BDCI 2020's `img_train/T000000.jpg` and
`lab_train/T000000.png` beside its test set `img_testA/000000.jpg`, which pairs with the masks as
'T' + image name): the names and the split words agree on the first, so the other folder's
images have no masks here, and are a test set's unlabelled images, not a second set of images
counting each mask twice.
"""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

from seglab.data.discovery.naming import KEY_RULES
from seglab.data.discovery.pairing import _STRICT_RULES, FolderMatch, folder_label

logger = logging.getLogger(__name__)

_BY_NAME = KEY_RULES[:_STRICT_RULES]  # the same name, less mask and image affixes or words at most


def named_pairings_first(matches: dict[Path, FolderMatch], splits: dict[Path, str | None],
                         root: Path) -> dict[Path, FolderMatch]:
    """`matches` (image folder -> its match) less those pairing with a mask folder only by a
    learned naming (`learned_rules`: a prefix or suffix added) where another image folder pairs
    with the same masks by name and names their split, while the first names another split;
    `splits` gives each folder's split (`Folder.split`)."""
    by_masks: dict[Path, list[FolderMatch]] = {}
    for match in matches.values():
        if match.pairs:
            by_masks.setdefault(match.mask_dir, []).append(match)
    dropped: set[Path] = set()
    for mask_dir, group in by_masks.items():
        split = splits.get(mask_dir)
        named = [m for m in group if m.rule in _BY_NAME and splits.get(m.image_dir) == split]
        if split is None or len(named) != 1:
            continue
        for other in group:
            theirs = splits.get(other.image_dir)
            if other.rule not in KEY_RULES and theirs is not None and theirs != split:
                dropped.add(other.image_dir)
                logger.info("%s pairs with the %s masks of %s only by %s, %s by their names: its %s images have no "
                            "masks here (--images %s --masks %s pairs them so)", folder_label(other.image_dir, root),
                            split, folder_label(mask_dir, root), other.rule.name, folder_label(named[0].image_dir, root),
                            theirs, shlex.quote(other.image_dir.relative_to(root).as_posix()),
                            shlex.quote(mask_dir.relative_to(root).as_posix()))
    return {folder: match for folder, match in matches.items() if folder not in dropped}
