"""Sibling folders of two unpaired domains (CycleGAN's `trainA/` and `trainB/`): never images and their masks.

XCAD ships unlabelled angiograms in `train/trainA/` beside synthetic vessel masks of no angiogram
in `train/trainB/`, named by the same numbers: paired by name, each angiogram would train on a
stranger's mask. Its labelled pairs sit in `test/images/` + `test/masks/`, read as usual.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from seglab.data.discovery.naming import SPLIT_WORDS
from seglab.data.discovery.pairing import folder_label

logger = logging.getLogger(__name__)

_DOMAIN = re.compile(r"(?P<split>.+)(?P<domain>[AB])")  # trainA, testB: a split word and the domain's letter


def domain_sibling(folder: Path) -> Path | None:
    """The other domain's folder beside `folder` when its name is a split word and A or B, as
    CycleGAN names its two unpaired domains (`trainA/` for `trainB/`, `testB/` for `testA/`),
    whether it exists or not; None for other names."""
    found = _DOMAIN.fullmatch(folder.name)
    if found is None or found["split"].lower() not in SPLIT_WORDS:
        return None
    return folder.with_name(found["split"] + ("B" if found["domain"] == "A" else "A"))


def say_unpaired_domains(root: Path, images: Path, masks: Path, count: int) -> None:
    """Say why a folder of images beside its domain sibling of masks is read as unlabelled, and
    how to pair them if they are pairs after all."""
    shown, other = folder_label(images, root), folder_label(masks, root)
    logger.warning("%s and %s are two unpaired domains (CycleGAN's %s/%s naming), not images and their masks: "
                   "%s holds masks of no image; %s's %d images are listed as unlabelled (--images %s --masks %s "
                   "pairs them by name if they are pairs after all)", shown, other, images.name, masks.name, other,
                   shown, count, images.relative_to(root).as_posix(), masks.relative_to(root).as_posix())
