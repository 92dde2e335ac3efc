"""Images and masks side by side in one folder, told apart by their names or their content."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.folders.content import looks_like_masks
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.naming import (
    KEY_RULES,
    KeyRule,
    image_affixed,
    looks_like_mask_folder,
    named_after,
    stem,
    strip_affixes,
)
from seglab.data.discovery.pairing import FolderMatch, match_folders


def _side_by_side(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool) -> FolderMatch | None:
    """Images and masks in one folder: `a.png` + `a_mask.png`, `a_img.png` + `a_masks.png`,
    `a.jpg` + `a_1stHO.png` (named after an image, holding masks), or `a.jpg` + `a.png`. Files
    named after an image are its masks by their content, or because a `--mask-pattern` names them
    (MARIDA's `<patch>_cl.tif` beside `<patch>.tif`: the user's word beats a guess from pixels).
    A file whose name says labels is no image of the files named after it: Hypersim's
    `frame.0000.semantic.hdf5` beside `frame.0000.semantic_instance.hdf5` are two labellings."""
    affixed, plain = [], []
    for path in folder.files:  # one pass: a folder of side-by-side pairs can hold thousands
        (affixed if strip_affixes(stem(path)) != stem(path).lower() else plain).append(path)
    if affixed and not plain:  # both named: Cellpose's `000_img.png` + `000_masks.png`
        plain = [p for p in affixed if image_affixed(stem(p))]
        affixed = [p for p in affixed if not image_affixed(stem(p))]
    if affixed and plain:
        match = match_folders(plain, affixed, folder.path, folder.path, root, folder.split, rules, merge)
        if len(match.pairs) >= 0.5 * min(len(plain), len(affixed)):
            return match
    stems = {stem(p).lower() for p in folder.files}
    derived, others = [], []
    for path in folder.files:
        after = named_after(stem(path), stems)
        if after is None and not looks_like_mask_folder(stem(path)):
            others.append(path)
        elif after is not None and not looks_like_mask_folder(after):
            derived.append(path)
    named = tuple(rules) != KEY_RULES and any(rule.key(p) in stems for rule in rules for p in derived)
    if derived and others and (named or looks_like_masks(replace(folder, files=derived))
                               and not looks_like_masks(replace(folder, files=others))):
        match = match_folders(others, derived, folder.path, folder.path, root, folder.split, rules, merge)
        if len(match.pairs) >= 0.5 * min(len(others), len(derived)):
            return match
    by_suffix: dict[str, list[Path]] = {}
    for path in folder.files:
        by_suffix.setdefault(path.suffix.lower(), []).append(path)
    if len(by_suffix) != 2:
        return None
    first, second = by_suffix.values()
    for images, masks in ((first, second), (second, first)):
        if looks_like_masks(replace(folder, files=masks)) and not looks_like_masks(replace(folder, files=images)):
            match = match_folders(images, masks, folder.path, folder.path, root, folder.split, rules, merge)
            if len(match.pairs) >= 0.5 * min(len(images), len(masks)):
                return match
    return None
