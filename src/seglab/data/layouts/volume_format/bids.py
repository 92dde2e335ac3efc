"""BIDS datasets (the Brain Imaging Data Structure), as neuroimaging challenges ship them.

ISLES 2022 keeps its images in `rawdata/sub-X/ses-Y/dwi/` and `anat/` and its lesion masks in
`derivatives/sub-X/ses-Y/`; ATLAS 2.0 keeps both in `Training/R001/sub-X/ses-1/anat/`. A case is
one subject's session (`sub-X_ses-Y`, or `sub-X` without sessions), whose files are found in
every `sub-X` folder within four levels of the dataset (`sourcedata/`, the files before
conversion, left out) and told apart by their BIDS names alone,
`sub-X[_ses-Y][_key-value...]_<suffix>.nii[.gz]`: a suffix that says mask (`_mask`, `_msk`,
`_dseg`, `_roi`) or a `label-` entity makes a label volume (ISLES' `_msk`, ATLAS'
`_label-L_desc-T1lesion_mask`), except a brain mask (`desc-brain_mask`) and probabilities
(`_probseg`), which are neither; every other volume of the case is an image volume. The subject
is the case's group, so that its sessions never straddle splits. `--masks` picks the label
volume of each case by name or pattern (dHCP's `'*drawem87_dseg.nii.gz'` beside its default
`_desc-drawem9_dseg`), the case's other label volumes set aside.

A look-up table of a segmentation's values (BIDS' `desc-drawem9_dseg.tsv`, `index` and `name`)
names those of the label volumes whose name holds its entities, by BIDS inheritance: never
another segmentation's (`lookup_tables`).

The channels are the modalities (a file's name after `sub-X_ses-Y_`: `dwi`, `adc`,
`space-MNI152NLin2009aSym_T1w`, less the entities that BIDS says name a variant of one modality:
`acq-`, `rec-`, `run-`, so that FeTA's `rec-mial_T2w` and `rec-irtk_T2w`, one subject each, are
one `T2w`) that lie on the label volume's voxel grid in most labelled cases, in name order. Of a
case's variants of one modality the one whose entities its label's name holds is read
(`rec-mial_dseg` labels `rec-mial_T2w`), else the first; the others are set aside, listed as ignored. A subject folder's volumes are all the case's channels, so one on
another grid is a mistake and a `bad-volume` finding; a BIDS session holds every acquisition of
a visit, each on the grid it was acquired on, so a modality on another grid is expected (ISLES'
FLAIR is never resampled onto its DWI) and is left out with a log line naming it and how to
train on it (`modality_grids`). A case that lacks a channel the others have on their grid is a
`bad-volume` finding.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seglab.data.discovery.folders import folders_within, skipped_folder
from seglab.data.files.index import Problem, natural_key
from seglab.data.files.slice_cache import Subject
from seglab.data.files.volumes import volume_stem
from seglab.data.layouts.volume_format.cases import is_case_label
from seglab.data.layouts.volume_format.modality_grids import channels_on_grid

log = logging.getLogger(__name__)

_SUBJECT = re.compile(r"sub-[A-Za-z0-9]+")
_CASE = re.compile(r"(sub-[A-Za-z0-9]+)(?:_ses-[A-Za-z0-9]+)?(?=_)")
_LABEL_SUFFIXES = ("mask", "msk", "dseg", "roi")
_NEITHER = re.compile(r"(?:^|_)desc-brain_mask$|_probseg$", re.IGNORECASE)  # brain masks, probabilities
# entities of one modality acquired with other parameters, reconstructed otherwise or repeated (BIDS' acq, rec, run)
_VARIANTS = ("acq", "rec", "run")
_SUBJECT_DEPTH = 4  # derivatives/ATLAS/train/sub-r001s001
_SESSION_DEPTH = 3  # levels below a subject folder its files lie in: ses-1/anat/, and one more
_SOURCES = "sourcedata"  # the raw files (DICOM) the BIDS images were converted from


@dataclass
class BidsCases:
    """The labelled cases of a BIDS dataset, its unlabelled image volumes and what could not be read."""

    subjects: list[Subject] = field(default_factory=list)
    unlabelled: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # case -> its subject
    ignored: list[Path] = field(default_factory=list)  # label volumes beside the one `--masks` picks, variants set aside


def bids_cases(root: Path, label_file: str | None = None) -> BidsCases | None:
    """The cases of the BIDS dataset in `root`, each labelled by the volume `label_file` names (a
    name or pattern), its other label volumes set aside, else by its first label volume; None
    when it holds no `sub-X` session with such a volume."""
    cases = _case_files(root)
    labels = {case: [p for p in files if (is_case_label(p, label_file) if label_file else _is_label(p))]
              for case, files in cases.items()}
    if not any(labels.values()):
        return None
    found = BidsCases()
    labelled = {case: found_labels[0] for case, found_labels in labels.items() if found_labels}
    found.problems += [Problem(p, f"second label volume of {case}; only '{label.name}' is used", "duplicate-name",
                               (label,)) for case, label in labelled.items() for p in labels[case][1:]]
    if label_file:
        found.ignored = [p for case in labelled for p in cases[case] if _is_label(p) and p not in labels[case]]
    others = {case: [p for p in cases[case] if p not in labels[case]] for case in labelled}
    images = {case: _images(others[case], case, labelled[case]) for case in labelled}
    found.ignored += _log_variants([p for case in labelled for p in _variants(others[case], images[case])])
    grid = channels_on_grid(images, labelled)
    found.problems += grid.problems
    for case, volumes in grid.volumes.items():
        found.subjects.append(Subject(case, volumes, labelled[case]))
        found.groups[case] = case.split("_")[0]  # sub-X
    found.unlabelled = [path for case, files in cases.items() if not labels[case]
                        for modality, path in _images(files, case).items() if modality in grid.channels]
    return found


def _case_files(root: Path) -> dict[str, list[Path]]:
    """case (`sub-X_ses-Y`) -> its NIfTI files, from every `sub-X` folder within `_SUBJECT_DEPTH`
    levels of `root`, wherever it lies (`rawdata/`, `derivatives/<pipeline>/`), naturally ordered.
    A subject's files are looked for `_SESSION_DEPTH` levels down at most, linked folders too,
    each real folder once (`folders_within`): a link back up the tree is no endless descent."""
    cases: dict[str, list[Path]] = {}
    for folder in _subject_folders(root):
        nifti = [below / name for below, _, names in folders_within(folder, _SESSION_DEPTH) for name in names
                 if name.lower().endswith((".nii", ".nii.gz"))]
        for path in sorted(nifti, key=lambda p: natural_key(p.name)):
            case = _CASE.match(path.name)
            if case and case.group(1) == folder.name:
                cases.setdefault(case.group(0), []).append(path)
    return dict(sorted(cases.items(), key=lambda item: natural_key(item[0])))


def _subject_folders(root: Path) -> list[Path]:
    """The `sub-X` folders within `_SUBJECT_DEPTH` levels of `root`, not looked into further."""
    found = []
    for folder, subfolders, _ in folders_within(root, _SUBJECT_DEPTH):
        found += [folder / d for d in subfolders if _SUBJECT.fullmatch(d)]
        deeper = len(folder.relative_to(root).parts) + 1 < _SUBJECT_DEPTH
        subfolders[:] = [d for d in subfolders if deeper and not _SUBJECT.fullmatch(d) and d != _SOURCES
                          and not skipped_folder(d)]
    return found


def _is_label(path: Path) -> bool:
    """A label volume by its BIDS name: a mask suffix or a `label-` entity; no brain mask or probabilities."""
    stem = volume_stem(path)
    entities = stem.split("_")
    if _NEITHER.search(stem):
        return False
    return entities[-1].lower() in _LABEL_SUFFIXES or any(e.startswith("label-") for e in entities[1:-1])


def _is_image(path: Path) -> bool:
    """An image volume by its BIDS name: neither a label volume nor a brain mask or probabilities."""
    return not _is_label(path) and not _NEITHER.search(volume_stem(path))


def _images(files: list[Path], case: str, label: Path | None = None) -> dict[str, Path]:
    """modality (`_modality`) -> the case's image volume of it: of several (variants, or a raw
    and a derivative copy), the one whose name shares the most entities with `label`'s, else the first."""
    held = set(volume_stem(label).split("_")) if label is not None else set()
    images: dict[str, list[Path]] = {}
    for path in filter(_is_image, files):
        images.setdefault(_modality(volume_stem(path)[len(case) + 1:]), []).append(path)
    return {modality: max(paths, key=lambda p: len(held & set(volume_stem(p).split("_"))))
            for modality, paths in images.items()}


def _modality(name: str) -> str:
    """A volume's modality: its name after the case's `sub-X_ses-Y_` less the entities naming a
    variant of one (`_VARIANTS`: `rec-mial_T2w` is a `T2w`)."""
    return "_".join(e for e in name.split("_") if e.split("-")[0].lower() not in _VARIANTS) or name


def _variants(files: list[Path], images: dict[str, Path]) -> list[Path]:
    """The image volumes of a case other than those `images` reads, named apart from each of
    them: variants of a modality set aside, not copies of one under the same name."""
    read = {volume_stem(p) for p in images.values()}
    return [p for p in files if _is_image(p) and p not in images.values() and volume_stem(p) not in read]


def _log_variants(variants: list[Path]) -> list[Path]:
    """`variants`, after one log line naming the first and how to read it instead."""
    if variants:
        log.info("set aside %d image volumes that are variants (acq-, rec-, run-) of a modality another volume of "
                 "their case is read for (e.g. '%s'), listed as ignored; to read one instead, move the other out of "
                 "the dataset", len(variants), variants[0])
    return variants


def lookup_tables(folder: Path, labels: Sequence[Path]) -> list[Path] | None:
    """The BIDS look-up tables in `folder` (`*_dseg.tsv`) that name the values of every one of
    `labels`, the tables whose entities each label's name holds (dHCP's `desc-drawem9_dseg.tsv`
    for `sub-X_ses-Y_desc-drawem9_dseg.nii.gz`, not for `_desc-drawem87_dseg`); None when the
    folder holds no such table, for other tables to name the values."""
    tables = sorted(folder.glob("*_dseg.tsv")) + sorted(folder.glob("dseg.tsv"))
    if not tables:
        return None
    held = [set(volume_stem(p).split("_")) for p in labels]
    return [t for t in tables if all(set(t.stem.split("_")) <= entities for entities in held)]
