"""Structured3D's official split, by scene number: its folders and files name no split.

Structured3D ships its renderings as `Structured3D/scene_<5 digits>/2D_rendering/<room>/...` and
gives the split in its code repository's README, not beside the data: scenes 00000-02999 train,
03000-03249 val, 03250-03499 test. A split drawn instead would mix the benchmark's test scenes
into training. Numbers give no split elsewhere: only scene folders holding `2D_rendering/`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.naming import usable_splits
from seglab.data.files.index import Pair
from seglab.data.splitting.list_readers import LISTS

logger = logging.getLogger(__name__)

_SCENE = re.compile(r"scene_(\d{5})")
_RENDERINGS = "2D_rendering"
_SPLIT_ENDS = ((3000, "train"), (3250, "val"), (3500, "test"))  # the first scene number past each split


def scene_number_splits(pairs: list[Pair], root: Path) -> tuple[list[Pair], str | None]:
    """`pairs` with Structured3D's official split when every image lies in a `scene_<number>/2D_rendering/`
    folder numbered below 3500 and the splits may split the dataset (`usable_splits`), with a line
    saying where it came from; as they are, with None, when one has a split already or any is
    elsewhere."""
    if not pairs or any(p.split is not None for p in pairs):
        return pairs, None
    splits = [_scene_split(p.image, root) for p in pairs]
    if not usable_splits(splits):
        return pairs, None
    counts = ", ".join(f"{s} {splits.count(s)}" for s in LISTS if s in splits)
    line = (f"split by scene number, Structured3D's official split (scene_00000-02999 train, 03000-03249 val, "
            f"03250-03499 test, as its README gives it): {counts}")
    logger.info("%s: %s", root, line)
    return [replace(p, split=split) for p, split in zip(pairs, splits)], line


def _scene_split(image: Path, root: Path) -> str | None:
    """The split of the Structured3D scene folder holding `image`'s `2D_rendering/`, by its number; None elsewhere."""
    parts = image.relative_to(root).parts if image.is_relative_to(root) else ()
    for folder, below in zip(parts, parts[1:]):
        found = _SCENE.fullmatch(folder)
        if found and below == _RENDERINGS:
            return next((split for end, split in _SPLIT_ENDS if int(found[1]) < end), None)
    return None
