"""Which modalities of a dataset's cases are its channels: those on their label volume's voxel grid.

A case's modalities are acquired each on its own grid (ISLES' FLAIR beside its DWI, HECKTOR's
PET at twice the CT's spacing, PI-CAI's ADC beside the T2 its lesions are drawn on), and seglab
resamples nothing: a modality that lies on the label's grid (its shape and affine, read from the
headers of NIfTI, Analyze, MetaImage and NRRD files) in most labelled cases is a channel, in name
order, and any other is left out with one log line naming a volume of it and how to train on
it. A case that lacks a channel the others have on their grid is a `bad-volume` finding naming
the file. A case folder's volumes (`Layout.folder_cases`) keep all but the modalities on another
grid in most cases (HaN-Seg's MR beside its CT), a volume off its case's grid refused as it is read;
volumes named as no modalities keep those on the label's grid (Mindboggle's native `t1weighted`
beside its `.MNI152` copy); a case folder's subfolder of channels is one all of whose volumes lie on the label's grid (`on_label_grid`).

The vote is taken once over all of a dataset's cases (`on_label_grids`, on the layout its
readers found: imagesTr/ and imagesVa/, every split folder, every case folder), so that every
case has the same channels, whichever folder it was read from.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from nibabel.orientations import OrientationError

from seglab.data.files.index import Problem, natural_key
from seglab.data.files.slice_cache import Subject
from seglab.data.files.volumes import canonical_grid, volume_grid
from seglab.data.layouts.volume_format.cases import Layout, names_a_label
from seglab.errors import DataError

log = logging.getLogger(__name__)

_AFFINE_TOLERANCE = 1e-3  # mm: tools that write one grid's headers round it differently

_Case = tuple[str, dict[str, Path], Path]  # a case's name, modality -> its volume, its label volume


@dataclass
class GridChannels:
    """The channel volumes of each labelled case, the modalities they are, and the cases left out."""

    volumes: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # case -> its channel volumes, in order
    channels: list[str] = field(default_factory=list)  # the modalities, in name order
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Grids:
    """Each case's modalities on its label volume's grid and those on another, by the case's place
    in the cases voted on; a case whose headers cannot be read is in neither, its refusal in `unread`."""

    aligned: dict[int, dict[str, Path]] = field(default_factory=dict)
    elsewhere: dict[int, dict[str, Path]] = field(default_factory=dict)
    unread: dict[int, Problem] = field(default_factory=dict)

    def in_most(self, on_grid: bool) -> list[str]:
        """The modalities on the label's grid (or on another) in most cases whose headers were read, in name order."""
        counts = Counter(m for found in (self.aligned if on_grid else self.elsewhere).values() for m in found)
        return sorted((m for m, n in counts.items() if 2 * n > len(self.aligned)), key=natural_key)

    def channel_volumes(self, at: int, case: _Case, channels: Sequence[str]) -> tuple[Path, ...] | Problem:
        """The volumes of `channels` of a case whose headers were read, on its label's grid; a
        `bad-volume` problem when it lacks one of them there."""
        name, _, label = case
        missing = [m for m in channels if m not in self.aligned[at]]
        if missing or not channels:
            return Problem(label, _not_aligned(name, label, missing, self.elsewhere[at]), "bad-volume")
        return tuple(self.aligned[at][m] for m in channels)

    def log_left_out(self, left_out: list[str]) -> None:
        """One log line for the modalities `left_out`: a volume of the first (one on another grid),
        in how many cases each lies on its label's grid, and how to train on them."""
        if not left_out:
            return
        counts = Counter(m for modalities in self.aligned.values() for m in modalities)
        on_grid = [str(counts[m]) for m in left_out]
        first = left_out[0]
        example = next(found[first] for found in (*self.elsewhere.values(), *self.aligned.values()) if first in found)
        log.info("left out the %s volumes (e.g. '%s'): on their label volume's voxel grid in %s of %d cases; to train "
                 "on them as a channel, resample them onto it (ANTs' antsApplyTransforms, SimpleITK's Resample) in a "
                 "copy of the dataset", ", ".join(f"'{m}'" for m in left_out), example,
                 on_grid[0] if len(set(on_grid)) == 1 else ", ".join(on_grid), len(self.aligned))


def channels_on_grid(images: dict[str, dict[str, Path]], labels: dict[str, Path]) -> GridChannels:
    """The channels of each case (case -> modality -> its volume), those on the grid of the case's
    label volume (`labels`) in most cases; a case whose headers cannot be read, or lacking a
    channel, is a `bad-volume` problem and left out."""
    cases = [(case, modalities, labels[case]) for case, modalities in images.items()]
    grids = _grids(cases)
    channels = grids.in_most(on_grid=True)
    grids.log_left_out(_besides(grids, grids.aligned, channels))
    volumes, problems = _channels_of(grids, cases, grids.aligned, channels)
    return GridChannels({cases[at][0]: found for at, found in volumes.items()}, channels,
                        [*grids.unread.values(), *problems])


def on_label_grids(layout: Layout) -> Layout:
    """`layout` with each case of several modalities (`Subject.modalities`, as its reader named
    them) fed those that one vote over all its cases keeps (`_vote`), and one log line for the
    case folders left with several image volumes, the channels.

    Raises:
        DataError: an image volume named as a label (`_refuse_label_channels`).
    """
    _refuse_label_channels(layout.subjects)
    modal = [s for s in layout.subjects if len(s.modalities) > 1]
    if modal:
        _vote(layout, modal)
    _unnamed_off_grid(layout)
    several = [s for s in layout.subjects if s.label in layout.folder_cases and len(s.images) > 1]
    if several:
        log.info("%d subject folders hold several image volumes (e.g. %s: %s); they are the channels, in name order",
                 len(several), several[0].name, ", ".join(p.name for p in several[0].images))
    return layout


def _refuse_label_channels(subjects: Sequence[Subject]) -> None:
    """Refuse the first image volume whose name says label (`names_a_label`: CURVAS' `annotation_2`
    beside `annotation_1` picked by --masks, a `<case>__seg` among a case's modality files): fed as
    a channel, a label would hand the model the answer.

    Raises:
        DataError: naming the volume, its case and the routes: pick the label, rename or move it.
    """
    for subject in subjects:
        named = next((p for p in subject.images if p.is_file() and names_a_label(p, Path(subject.name).name)), None)
        if named is not None:
            others = ", ".join(p.name for p in subject.images if p != named) or "no other image"
            raise DataError(f"case {subject.name}: '{named}' is named as a label, yet it would be fed as an image "
                            f"channel (beside {others}; label {subject.label.name}), handing the model the answer: "
                            "if it is a rival label, pick the label to train on with --masks NAME (the others are set "
                            "aside); if it is an image, rename it; else move it out of the dataset")


def _unnamed_off_grid(layout: Layout) -> None:
    """Leave out a case folder's image volumes, named as no modalities, that lie off its label's
    grid beside one on it (Mindboggle's `t1weighted.MNI152` beside `t1weighted` and the native
    `labels.DKT31.manual`), as `channel_folders` leaves out subfolders: `Layout.left_out`, listed as
    ignored and logged once. A case whose headers cannot be read is left as it is, refused as it is read."""
    for at, subject in enumerate(layout.subjects):
        if subject.label not in layout.folder_cases or len(subject.images) < 2 or len(subject.modalities) > 1:
            continue
        try:
            aligned, elsewhere = by_grid({str(p): p for p in subject.images}, subject.label)
        except DataError:
            continue
        if aligned and elsewhere:
            layout.subjects[at] = replace(subject, images=tuple(aligned.values()))
            layout.left_out += elsewhere.values()


def on_label_grid(volumes: Sequence[Path], label: Path) -> bool:
    """Whether every one of `volumes` lies on the voxel grid of `label` (`by_grid`).

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    return not by_grid({str(p): p for p in volumes}, label)[1]


def _vote(layout: Layout, modal: list[Subject]) -> None:
    """Feed each of `modal`, cases of `layout`, what one vote over them all keeps: a case of
    modality files matched to its label (HECKTOR's `<case>__CT`, `<case>__PT`) the modalities on
    the label's grid in most cases, in name order, left out with a `bad-volume` problem when it
    lacks one there (or its headers cannot be read); a case folder's (`Layout.folder_cases`) all
    but those on another grid in most cases, refused as it is read when a volume it keeps is off
    its grid. The modalities left out are logged in one line."""
    cases = [(s.name, dict(zip(s.modalities, s.images)), s.label) for s in modal]
    grids = _grids(cases)
    channels, off_grid = grids.in_most(on_grid=True), set(grids.in_most(on_grid=False))
    folders = [at for at, s in enumerate(modal) if s.label in layout.folder_cases]
    matched = [at for at in range(len(modal)) if at not in folders]
    grids.log_left_out(sorted({*_besides(grids, matched, channels),
                               *(off_grid & {m for at in folders for m in cases[at][1]})}, key=natural_key))
    fed: dict[Subject, Subject | None] = {}  # each case of several modalities -> as it is fed, or None: left out
    for at in folders:
        kept = {m: p for m, p in cases[at][1].items() if m not in off_grid} or cases[at][1]  # none: refused as read
        fed[modal[at]] = replace(modal[at], images=tuple(kept.values()), modalities=tuple(kept))
    volumes, problems = _channels_of(grids, cases, matched, channels)
    layout.problems += problems
    for at in matched:
        fed[modal[at]] = Subject(modal[at].name, volumes[at], modal[at].label, modalities=tuple(channels)) \
            if at in volumes else None
    layout.subjects = [case for s in layout.subjects if (case := fed.get(s, s)) is not None]


def _channels_of(grids: _Grids, cases: Sequence[_Case], matched: Iterable[int],
                 channels: Sequence[str]) -> tuple[dict[int, tuple[Path, ...]], list[Problem]]:
    """The channel volumes of each of `matched` (their places among `cases`), on its label's grid,
    and in case order the `bad-volume` problems of those left out: headers that cannot be read, or
    a channel missing there."""
    volumes: dict[int, tuple[Path, ...]] = {}
    problems: list[Problem] = []
    for at in matched:
        found = grids.unread.get(at) or grids.channel_volumes(at, cases[at], channels)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            volumes[at] = found
    return volumes, problems


def _besides(grids: _Grids, cases: Iterable[int], channels: Sequence[str]) -> list[str]:
    """The modalities of `cases` (their places among those voted on) whose headers were read,
    other than `channels`, in name order."""
    read = {m for at in cases if at not in grids.unread for m in (*grids.aligned[at], *grids.elsewhere[at])}
    return sorted(read - set(channels), key=natural_key)


def _grids(cases: Sequence[_Case]) -> _Grids:
    """Each case's modalities on its label volume's grid and those on another (`by_grid`), and
    the cases whose headers cannot be read, as `bad-volume` problems."""
    grids = _Grids()
    for at, (_, modalities, label) in enumerate(cases):
        try:
            grids.aligned[at], grids.elsewhere[at] = by_grid(modalities, label)
        except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
            grids.unread[at] = Problem(label, str(err), "bad-volume")
    return grids


def by_grid(images: dict[str, Path], label: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """The images on the voxel grid of `label` (its shape and affine) and those on another.

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    grid = volume_grid(label)
    aligned, elsewhere = {}, {}
    for modality, path in images.items():
        (aligned if _same_grid(volume_grid(path), grid) else elsewhere)[modality] = path
    return aligned, elsewhere


def _same_grid(one: tuple[tuple[int, ...], np.ndarray], other: tuple[tuple[int, ...], np.ndarray]) -> bool:
    """Whether two grids (shape, affine) are one, in the same axis order or as read (`canonical_grid`:
    a DICOM series stores rows first where its NRRD label stores x first)."""
    def equal(a: tuple[tuple[int, ...], np.ndarray], b: tuple[tuple[int, ...], np.ndarray]) -> bool:
        return a[0] == b[0] and np.allclose(a[1], b[1], atol=_AFFINE_TOLERANCE)

    try:
        return equal(one, other) or equal(canonical_grid(*one), canonical_grid(*other))
    except OrientationError:  # a damaged affine: no axis order to read it in, as reading it says
        return False


def _not_aligned(case: str, label: Path, missing: list[str], elsewhere: dict[str, Path]) -> str:
    """Why a labelled case has no volume for some channels: absent, or on another grid (named)."""
    if not missing:
        return f"case {case} has no image volume on the voxel grid of its label volume '{label}'"
    named = ", ".join(f"'{elsewhere[m]}' lies on another grid" if m in elsewhere else f"no '{m}' volume"
                      for m in missing)
    return (f"case {case} lacks the {', '.join(missing)} channel on the voxel grid of its label volume '{label}' "
            f"({named}), which most cases have: resample it onto the label's grid, or move the case out")
