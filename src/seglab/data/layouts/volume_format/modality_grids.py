"""Which modalities of a dataset's cases are its channels: those on their label volume's voxel grid.

A case's modalities are acquired each on its own grid (ISLES' FLAIR beside its DWI, HECKTOR's
PET at twice the CT's spacing, PI-CAI's ADC beside the T2 its lesions are drawn on), and seglab
resamples nothing: a modality that lies on the label's grid (its shape and affine, read from the
headers of NIfTI, Analyze, MetaImage and NRRD files) in most labelled cases is a channel, in name
order, and any other is left out with one log line naming a volume of it and how to train on
it. A case that lacks a channel the others have on their grid is a `bad-volume` finding naming
the file. A case folder's volumes (`off_grid`) keep all but the modalities on another grid in most
cases (HaN-Seg's MR beside its CT), a volume off its case's grid refused as it is read; a case
folder's subfolder of channels is one all of whose volumes lie on the label's grid (`on_label_grid`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seglab.data.files.index import Problem, natural_key
from seglab.data.files.volumes import volume_grid
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
    """The channels of each case (case -> modality -> its volume), those on the grid of the case's
    label volume (`labels`) in most cases; a case whose headers cannot be read, or lacking a
    channel, is a `bad-volume` problem and left out."""
    found = GridChannels()
    aligned, elsewhere, found.problems = _grids(images, labels)
    counts = Counter(m for modalities in aligned.values() for m in modalities)
    found.channels = sorted((m for m, n in counts.items() if 2 * n > len(aligned)), key=natural_key)
    read = {m for modalities in (*aligned.values(), *elsewhere.values()) for m in modalities}
    _log_left_out(sorted(read - set(found.channels), key=natural_key), aligned, elsewhere)
    for case, modalities in aligned.items():
        missing = [m for m in found.channels if m not in modalities]
        if missing or not found.channels:
            message = _not_aligned(case, labels[case], missing, elsewhere[case])
            found.problems.append(Problem(labels[case], message, "bad-volume"))
            continue
        found.volumes[case] = tuple(modalities[m] for m in found.channels)
    return found


def off_grid(images: dict[str, dict[str, Path]], labels: dict[str, Path]) -> set[str]:
    """The modalities (case -> modality -> its volume) on another grid than the case's label
    volume (`labels`) in most cases whose headers can be read, logged as `channels_on_grid`
    logs those it leaves out."""
    aligned, elsewhere, _ = _grids(images, labels)  # a header that cannot be read is refused as the case is
    counts = Counter(m for modalities in elsewhere.values() for m in modalities)
    left_out = sorted((m for m, n in counts.items() if 2 * n > len(elsewhere)), key=natural_key)
    _log_left_out(left_out, aligned, elsewhere)
    return set(left_out)


def on_label_grid(volumes: Sequence[Path], label: Path) -> bool:
    """Whether every one of `volumes` lies on the voxel grid of `label` (`_by_grid`).

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    return not _by_grid({str(p): p for p in volumes}, label)[1]


def _grids(images: dict[str, dict[str, Path]], labels: dict[str, Path]) -> tuple[
        dict[str, dict[str, Path]], dict[str, dict[str, Path]], list[Problem]]:
    """Each case's modalities on its label volume's grid and those on another (`_by_grid`), and
    the cases whose headers cannot be read, as `bad-volume` problems."""
    aligned: dict[str, dict[str, Path]] = {}
    elsewhere: dict[str, dict[str, Path]] = {}
    problems = []
    for case, modalities in images.items():
        try:
            aligned[case], elsewhere[case] = _by_grid(modalities, labels[case])
        except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
            problems.append(Problem(labels[case], str(err), "bad-volume"))
    return aligned, elsewhere, problems


def _by_grid(images: dict[str, Path], label: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """The images on the voxel grid of `label` (its shape and affine) and those on another.

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    shape, affine = volume_grid(label)
    aligned, elsewhere = {}, {}
    for modality, path in images.items():
        other_shape, other_affine = volume_grid(path)
        on_grid = other_shape == shape and np.allclose(other_affine, affine, atol=_AFFINE_TOLERANCE)
        (aligned if on_grid else elsewhere)[modality] = path
    return aligned, elsewhere


def _log_left_out(left_out: list[str], aligned: dict[str, dict[str, Path]],
                  elsewhere: dict[str, dict[str, Path]]) -> None:
    """One log line for the modalities `left_out`: a volume of the first (one on another grid),
    in how many cases each lies on its label's grid, and how to train on them."""
    if not left_out:
        return
    counts = Counter(m for modalities in aligned.values() for m in modalities)
    on_grid = [str(counts[m]) for m in left_out]
    first = left_out[0]
    example = next(found[first] for found in (*elsewhere.values(), *aligned.values()) if first in found)
    log.info("left out the %s volumes (e.g. '%s'): on their label volume's voxel grid in %s of %d cases; to train on "
             "them as a channel, resample them onto it (ANTs' antsApplyTransforms, SimpleITK's Resample) in a copy "
             "of the dataset", ", ".join(f"'{m}'" for m in left_out), example,
             on_grid[0] if len(set(on_grid)) == 1 else ", ".join(on_grid), len(aligned))


def _not_aligned(case: str, label: Path, missing: list[str], elsewhere: dict[str, Path]) -> str:
    """Why a labelled case has no volume for some channels: absent, or on another grid (named)."""
    if not missing:
        return f"case {case} has no image volume on the voxel grid of its label volume '{label}'"
    named = ", ".join(f"'{elsewhere[m]}' lies on another grid" if m in elsewhere else f"no '{m}' volume"
                      for m in missing)
    return (f"case {case} lacks the {', '.join(missing)} channel on the voxel grid of its label volume '{label}' "
            f"({named}), which most cases have: resample it onto the label's grid, or move the case out")
