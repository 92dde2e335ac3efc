"""Mask folders that each label some of one image folder's images: read together, not a choice.

Foggy Driving ships `leftImg8bit/test/pedestrian/` with `gtFine/test/pedestrian/` for its densely
labelled images and `gtCoarse/test/pedestrian/` for the others, every image in exactly one. Two
folders that could hold an image folder's masks are otherwise a choice (DRIVE's `1st_manual/`
beside `mask/`, both labelling every image); these are one labelling in parts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.pairing import FolderMatch, RivalNamings, combine_matches, folder_label
from seglab.data.files.index import Problem
from seglab.data.discovery.rival_namings import masks_by_naming

logger = logging.getLogger(__name__)


def complementary_matches(matches: Sequence[FolderMatch], root: Path) -> FolderMatch | None:
    """One image folder's `matches` with several mask folders as one match when no image is
    paired in two of them (`read_together`), logged; None otherwise."""
    combined = read_together(matches)
    if combined is not None:
        logger.info("%s: %s each hold the masks of other images (none of both): read together", folder_label(
            combined.image_dir, root), ", ".join(folder_label(m.mask_dir, root) for m in matches))
    return combined


def read_together(matches: Sequence[FolderMatch]) -> FolderMatch | None:
    """`matches` as one match when no image is paired in two of them, each image with the mask of
    the folder that has one, an image in none said once; None otherwise."""
    images = [image for match in matches for _, image, _ in match.pairs]
    if len(matches) < 2 or len(set(images)) < len(images):
        return None
    combined = combine_matches(matches)
    rivalled = [m.rivals for m in matches if m.rivals is not None]
    problems: list[Problem] = []
    unmasked: set[Path] = set()
    for problem in combined.problems:  # an image in no folder is one finding, not one per folder
        if problem.code == "image-without-mask" and problem.path in unmasked or problem.code == "partial-merge":
            continue
        problems.append(problem)
        if problem.code == "image-without-mask":
            unmasked.add(problem.path)
    return replace(combined, problems=problems,
                   rivals=RivalNamings(rivalled[0].example, masks_by_naming(matches)) if rivalled else None)
