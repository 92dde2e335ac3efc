"""Mask folders that mark where an image is scored, beside its class folders: not labels.

Agriculture-Vision ships, per split, `labels/<class>/<id>.png` (a 0/255 mask per class) and beside
them two more binary masks per image: `boundaries/<id>.png`, 0 outside the field, and
`masks/<id>.png`, 0 where the pixels are invalid; the challenge scores no pixel outside either.
Read as labels they would be two more candidates for the masks, and the refusal would list them
with the classes; read as what they are, the pixels where one of them is 0 are the ignore label.
A folder is taken so only where nothing else fits: binary masks of every image the class folders
label, in the folder holding theirs, with every labelled pixel of a few images inside what they
mark and unlabelled pixels too. The test split's folders of those names then hold no labels either.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from seglab.data.classes.mapping import binary_pixels, nonzero_pixels, single_channel
from seglab.data.discovery.folders.rivals import _one_mask_wrapper
from seglab.data.discovery.naming import folder_split
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.io import read_raw_mask
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_SAMPLED = 4  # images whose masks are read to judge a folder
_OUTSIDE = 0.01  # share of the labelled pixels an area may leave out (an outline drawn a pixel over)
_FIELD_SHARE = 0.5  # of an image's pixels, that a field of view covers more of (a fundus camera's disc: ~70 %)


def split_valid_areas(candidates: list[FolderMatch]) -> tuple[list[FolderMatch], list[FolderMatch]]:
    """The candidates for an image folder's masks, less those marking the area to score, and
    those; all of them and none when any folder beside the class folders is no such area."""
    wrappers: dict[Path, list[FolderMatch]] = {}
    for candidate in candidates:
        wrappers.setdefault(candidate.mask_dir.parent, []).append(candidate)
    classes = [group for group in wrappers.values() if len(group) > 1 and _one_mask_wrapper(group)]
    if len(classes) != 1 or len(classes[0]) == len(candidates):
        return candidates, []
    areas = [c for c in candidates if c not in classes[0]]
    if all(_marks_area(area, classes[0]) for area in areas):
        return classes[0], areas
    return candidates, []


def _marks_area(area: FolderMatch, classes: Sequence[FolderMatch]) -> bool:
    """Whether `area`'s masks lie beside the class folders, are binary, pair every image they label,
    and hold the labelled pixels of a few images and unlabelled ones too."""
    if area.mask_dir.parent != classes[0].mask_dir.parent.parent:
        return False
    counts = _counts_around(area, classes)
    return counts is not None and holds_labels(*counts[:3])


def fields_of_view(candidates: Sequence[FolderMatch]) -> set[Path]:
    """The mask folders among `candidates` whose binary masks hold every other candidate's labels
    and unlabelled pixels too, over most of each image (`_FIELD_SHARE`): a field of view around them
    (DRIVE's `mask/` beside `1st_manual/`, LES-AV's `masks/` beside `vessel-segmentations/` and
    `arteries-and-veins/`), no labels to train on, which a refusal offers last. A lesion's outline
    around its parts (PH2's `_lesion/` beside `_roi/`) covers less."""
    fields = set()
    for candidate in candidates:
        counts = _counts_around(candidate, [other for other in candidates if other is not candidate])
        if counts is not None and holds_labels(*counts[:3]) and counts[0] + counts[2] > _FIELD_SHARE * counts[3]:
            fields.add(candidate.mask_dir)
    return fields


def _counts_around(area: FolderMatch, classes: Sequence[FolderMatch]) -> tuple[int, int, int, int] | None:
    """`area_counts` of `area`'s masks and the `classes` folders' labels over a few images, and their
    pixels; None unless `area`'s masks are binary and pair every image the `classes` folders label."""
    marked = {key: mask for key, _, mask in area.pairs}
    labelled = [{key: mask for key, _, mask in c.pairs} for c in classes]
    keys = sorted(set().union(*labelled))
    if not keys or not set(keys) <= marked.keys():
        return None
    inside = outside = unlabelled = pixels = 0
    for key in keys[:: max(1, len(keys) // _SAMPLED)][:_SAMPLED]:
        try:
            scored = binary_pixels(single_channel(read_raw_mask(marked[key])))  # a field all valid is one value
            if scored is None:
                return None
            union = np.zeros_like(scored)
            for masks in labelled:
                if key in masks:
                    union |= nonzero_pixels(read_raw_mask(masks[key]))
        except (DataError, ValueError):  # MappingError: a colour mask; another size
            return None
        counts = area_counts(scored, union)
        inside, outside, unlabelled = inside + counts[0], outside + counts[1], unlabelled + counts[2]
        pixels += scored.size
    return inside, outside, unlabelled, pixels


def area_counts(scored: np.ndarray, labelled: np.ndarray) -> tuple[int, int, int]:
    """The labelled pixels (or voxels) inside the area `scored` marks, those outside it, and its unlabelled ones."""
    return (int(np.count_nonzero(labelled & scored)), int(np.count_nonzero(labelled & ~scored)),
            int(np.count_nonzero(scored & ~labelled)))


def holds_labels(inside: int, outside: int, unlabelled: int) -> bool:
    """Whether an area (`area_counts`) holds the labels, but for an outline drawn a pixel over, and more: it
    marks where they are scored, not a class."""
    return unlabelled > 0 and outside <= _OUTSIDE * (inside + outside)


def with_valid_areas(match: FolderMatch, areas: Sequence[FolderMatch], root: Path, merge: bool) -> FolderMatch:
    """`match` (the class folders combined) with each image's area masks among its masks, read
    as the area to score (`multilabel.ClassFilesMapping`); under `merge` (an image's masks read
    as one, their union) they are left out (and listed as ignored, as files of no pair are)."""
    shown = ", ".join(folder_label(a.mask_dir, root) for a in areas)
    if merge:
        logger.info("%s: %s mark the area to score, not labels; --merge-masks reads class-index masks, so they are "
                    "left out", folder_label(match.image_dir, root), shown)
        return match
    merged = dict(match.merged)
    paired = {key for key, _, _ in match.pairs}
    for area in areas:
        for key, _, mask in area.pairs:
            if key in paired:
                merged[key] = (*merged.get(key, ()), mask)
    logger.info("%s: %s mark the area to score beside the class folders of %s (binary, every labelled pixel "
                "inside): pixels outside are ignored (--masks %s reads the labels alone)",
                folder_label(match.image_dir, root), shown, folder_label(match.mask_dir.parent, root),
                match.mask_dir.parent.name)
    dirs = tuple(a.mask_dir for a in areas)
    return replace(match, merged=merged, more_mask_dirs=(*match.more_mask_dirs, *dirs), area_dirs=dirs)


def not_labels(candidates: list[FolderMatch], areas: set[Path], root: Path) -> list[FolderMatch]:
    """The candidates less the folders at the place of area folders found in another split
    (Agriculture-Vision's `test/boundaries/` and `test/masks/`, as `train/`'s): its images have
    no labels."""
    def place(path: Path) -> tuple[str, ...]:
        return tuple("" if folder_split(p) else p for p in path.relative_to(root).parts)

    known = {place(area) for area in areas}
    return [c for c in candidates if place(c.mask_dir) not in known]

