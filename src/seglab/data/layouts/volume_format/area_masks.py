"""A case's mask volume that marks where it is scored, beside its label volumes: not a label.

MSSEG-2016 ships, per patient, `Masks/Consensus.nii.gz` and seven raters' `ManualSegmentation_<n>.nii.gz`
(the lesions) beside `Brain_Mask.nii.gz`, the brain the lesions lie in. Offered beside the raters as a
label to train on, the brain mask would be a choice that is none; it is told apart by the name
neuroimaging gives a skull-stripping mask (`brain_mask`, `brainmask`; BIDS' `desc-brain_mask`), else as
Agriculture-Vision's 2-D area masks are (`discovery.folders.valid_area`): binary, holding every labelled
voxel of the others and voxels none of them labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seglab.data.classes.mapping import binary_pixels
from seglab.data.discovery.folders.valid_area import area_counts, holds_labels
from seglab.data.files.volumes import read_volume, volume_stem

_BRAIN_MASK = re.compile(r"(?:^|[_-])brain[_-]?mask$", re.IGNORECASE)
_LABELS_BESIDE = 2  # label volumes an area must hold: with one, an organ holding its lesions is not told apart


def area_masks(candidates: Sequence[Path]) -> list[Path]:
    """The one volume among a case's label candidates (volume files on one grid) that marks the area
    to score: named a brain mask, else holding every labelled voxel of two or more others; none when
    not exactly one is so.

    Raises:
        DataError: a volume that cannot be read, naming it.
    """
    named = [p for p in candidates if _BRAIN_MASK.search(volume_stem(p))]
    if len(named) == 1:
        return named
    if len(candidates) <= _LABELS_BESIDE:
        return []
    voxels = {p: read_volume([p]).voxels[..., 0] for p in candidates}
    if len({v.shape for v in voxels.values()}) > 1:
        return []
    found = [p for p, scored in voxels.items() if _marks_area(scored, [v for q, v in voxels.items() if q != p])]
    return found if len(found) == 1 else []


def _marks_area(volume: np.ndarray, others: Sequence[np.ndarray]) -> bool:
    """Whether `volume` is binary and holds the labelled voxels of `others` and unlabelled ones too."""
    scored = binary_pixels(volume)
    if scored is None:
        return False
    labelled = np.zeros_like(scored)
    for other in others:
        labelled |= other != 0
    return holds_labels(*area_counts(scored, labelled))
