"""Label volumes kept apart from their images, each named after the patient folder that holds the
patient's DICOM series elsewhere in the release (NCI-ISBI 2013: TCIA's
`Prostate-3T/<PatientID>/<study>/<series>/1-01.dcm` beside the challenge's
`NCI-ISBI-2013/Training/<PatientID>.nrrd`): no folder holds both, so no other layout pairs them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.folders import MAX_DEPTH, capped_folders
from seglab.data.discovery.naming import folders_split, usable_splits
from seglab.data.files.dicom import is_dicom
from seglab.data.files.index import Problem, natural_key
from seglab.data.files.slice_cache import Subject
from seglab.data.files.volumes import VOLUME_SUFFIXES, volume_stem
from seglab.data.layouts.volume_format.cases import Layout
from seglab.data.layouts.volume_format.modality_grids import by_grid
from seglab.errors import DataError

log = logging.getLogger(__name__)

_DEPTH = MAX_DEPTH + 1  # NBIA's downloads wrap the collections in a manifest-<n>/ folder


def patient_label_cases(root: Path) -> Layout | None:
    """A case per label volume named after a folder with DICOM series below it, its patient's: the
    case's images the series on the label's voxel grid (NCI-ISBI's T2, the prostate drawn on it;
    the ADC beside it left out, logged), the label's folders its split (`Training/`,
    `Leaderboard/`), the series of patient folders beside them without a label unlabelled (the
    challenge's test cases). None unless two or more label volumes so name a patient folder."""
    listing = list(capped_folders(root, _DEPTH, "label volumes named after patient folders"))
    volumes = sorted((folder / name for folder, _, files in listing for name in files
                      if name.lower().endswith(VOLUME_SUFFIXES)), key=lambda p: natural_key(str(p)))
    if len(volumes) < 2:  # every 2-D dataset ends here: its files are looked at no closer
        return None
    series = _series(listing)
    patients = _patient_folders(root, series)
    labels = [p for p in volumes if volume_stem(p) in patients]
    if len(labels) < 2:
        return None
    layout = Layout()
    for label in labels:
        patient = patients[volume_stem(label)]
        found = _on_grid(label, [s for s in series if s.is_relative_to(patient)])
        if isinstance(found, Problem):
            layout.problems.append(found)
            continue
        layout.subjects.append(Subject(patient.name, found[0], label))
        layout.ignored += found[1]
    label_folders = {p.parent for p in labels}
    layout.problems += [Problem(p, "label volume names no patient folder of DICOM series", "mask-without-image")
                        for p in volumes if p.parent in label_folders and p not in labels]
    labelled = {patients[volume_stem(p)] for p in labels}
    beside = {folder.parent for folder in labelled}
    layout.unlabelled = [s for s in series if any(s.is_relative_to(folder) for folder in set(patients.values())
                                                   - labelled if folder.parent in beside)]
    splits = {s.name: folders_split(s.label, root) for s in layout.subjects}
    if usable_splits(splits.values()):
        layout.splits = {name: split for name, split in splits.items() if split}
    _log_left_out(layout.ignored, len(layout.subjects))
    return layout if layout.subjects or layout.problems else None


def _series(listing: Sequence[tuple[Path, list[str], list[str]]]) -> list[Path]:
    """The folders of a `capped_folders` listing that hold DICOM files, in name order."""
    series = [folder for folder, _, files in listing
              if any(not name.startswith(".") and is_dicom(folder / name) for name in files)]
    return sorted(series, key=lambda p: natural_key(str(p)))


def _patient_folders(root: Path, series: Sequence[Path]) -> dict[str, Path]:
    """name -> the one folder of that name with DICOM series below it (a patient's, or its
    study's or collection's); names of two such folders (a study named alike in every patient)
    are none, since a label named so would not say which."""
    found: dict[str, set[Path]] = {}
    for folder in series:
        for above in folder.relative_to(root).parents:
            if above.parts:
                found.setdefault(above.name, set()).add(root / above)
    return {name: folders.pop() for name, folders in found.items() if len(folders) == 1}


def _on_grid(label: Path, series: Sequence[Path]) -> tuple[tuple[Path, ...], list[Path]] | Problem:
    """The series on `label`'s voxel grid (the case's channels, in name order) and the others; a
    `bad-volume` problem naming the label when none is, or a header cannot be read."""
    try:
        aligned, elsewhere = by_grid({str(s): s for s in series}, label)
    except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
        return Problem(label, str(err), "bad-volume")
    if not aligned:
        named = ", ".join(f"'{s.name}'" for s in series)
        return Problem(label, f"label volume lies on the voxel grid of none of its patient's DICOM series ({named}); "
                       "resample it onto the series it was drawn on, or move the case out", "bad-volume")
    return tuple(aligned.values()), list(elsewhere.values())


def _log_left_out(series: Sequence[Path], cases: int) -> None:
    """One log line for the DICOM series left out beside those the labels were drawn on."""
    if series:
        log.info("left out %d DICOM series of the %d cases (e.g. '%s'): not on their patient's label volume's voxel "
                 "grid, beside the series that is; to train on them, resample them onto it (SimpleITK's Resample) "
                 "in a copy of the dataset", len(series), cases, series[0])
