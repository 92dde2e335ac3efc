"""Which modalities of a dataset's cases are its channels: those on their label volume's voxel grid.

A case's modalities are acquired each on its own grid (ISLES' FLAIR beside its DWI, HECKTOR's
PET at twice the CT's spacing), and seglab resamples nothing: a modality that lies on the label's
grid (its shape and affine) in most labelled cases is a channel, in name order, and any other is
left out with a log line naming a volume of it and how to train on it. A case that lacks a
channel the others have on their grid is a `bad-volume` finding naming the file.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seglab.data.files.index import Problem, natural_key
from seglab.data.files.volumes import nifti_grid
from seglab.errors import DataError

log = logging.getLogger(__name__)

_AFFINE_TOLERANCE = 1e-3  # mm: tools that write one grid's headers round it differently


@dataclass
class GridChannels:
    """The channel volumes of each labelled case, the modalities they are, and the cases left out."""

    volumes: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # case -> its channel volumes, in order
    channels: list[str] = field(default_factory=list)  # the modalities, in name order
    problems: list[Problem] = field(default_factory=list)


def channels_on_grid(images: dict[str, dict[str, Path]], labels: dict[str, Path]) -> GridChannels:
    """The channels of each case (case -> modality -> its NIfTI volume), those on the grid of the
    case's label volume (`labels`) in most cases; a case whose headers cannot be read, or lacking
    a channel, is a `bad-volume` problem and left out."""
    found = GridChannels()
    aligned: dict[str, dict[str, Path]] = {}  # case -> modality -> its volume on the label's grid
    elsewhere: dict[str, dict[str, Path]] = {}  # case -> modality -> its volume on another grid
    for case, modalities in images.items():
        try:
            aligned[case], elsewhere[case] = _by_grid(modalities, labels[case])
        except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
            found.problems.append(Problem(labels[case], str(err), "bad-volume"))
    found.channels = _channels(aligned, elsewhere)
    for case, modalities in aligned.items():
        missing = [m for m in found.channels if m not in modalities]
        if missing or not found.channels:
            message = _not_aligned(case, labels[case], missing, elsewhere[case])
            found.problems.append(Problem(labels[case], message, "bad-volume"))
            continue
        found.volumes[case] = tuple(modalities[m] for m in found.channels)
    return found


def _by_grid(images: dict[str, Path], label: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """The images on the voxel grid of `label` (its shape and affine) and those on another.

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    shape, affine = nifti_grid(label)
    aligned, elsewhere = {}, {}
    for modality, path in images.items():
        other_shape, other_affine = nifti_grid(path)
        on_grid = other_shape == shape and np.allclose(other_affine, affine, atol=_AFFINE_TOLERANCE)
        (aligned if on_grid else elsewhere)[modality] = path
    return aligned, elsewhere


def _channels(aligned: dict[str, dict[str, Path]], elsewhere: dict[str, dict[str, Path]]) -> list[str]:
    """The modalities on their label's grid in most labelled cases, in name order; the others
    are logged, naming a volume of each and how to train on it."""
    counts = Counter(m for modalities in aligned.values() for m in modalities)
    channels = sorted((m for m, n in counts.items() if 2 * n > len(aligned)), key=natural_key)
    left_out = {m: path for found in (*aligned.values(), *elsewhere.values()) for m, path in found.items()
                if m not in channels}
    for modality in sorted(left_out, key=natural_key):
        example = next((found[modality] for found in elsewhere.values() if modality in found), left_out[modality])
        log.info("left out the '%s' volumes (e.g. '%s'): on their label volume's voxel grid in %d of %d cases; to "
                 "train on them as a channel, resample them onto it (ANTs' antsApplyTransforms, SimpleITK's "
                 "Resample) in a copy of the dataset", modality, example, counts[modality], len(aligned))
    return channels


def _not_aligned(case: str, label: Path, missing: list[str], elsewhere: dict[str, Path]) -> str:
    """Why a labelled case has no volume for some channels: absent, or on another grid (named)."""
    if not missing:
        return f"case {case} has no image volume on the voxel grid of its label volume '{label}'"
    named = ", ".join(f"'{elsewhere[m]}' lies on another grid" if m in elsewhere else f"no '{m}' volume"
                      for m in missing)
    return (f"case {case} lacks the {', '.join(missing)} channel on the voxel grid of its label volume '{label}' "
            f"({named}), which most cases have: resample it onto the label's grid, or move the case out")
