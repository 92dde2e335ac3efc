"""Cases in one folder per subject (layout 4 of the package docstring), or side by side.

Subject folders may sit in split folders; a table of the cases may give the splits (`split_tables`).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data.files.dicom import dicom_files
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.index import Problem, natural_key
from seglab.data.discovery.naming import folder_split, folders_split, looks_like_mask_folder
from seglab.data.files.slice_cache import Subject
from seglab.data.splitting.subjects import subject_of
from seglab.data.layouts.volume_format.cases import (
    Layout,
    labelled_cases,
    is_case_label,
    is_label_volume,
    one_subject,
    volumes_in,
    with_modalities,
    worded_cases,
)
from seglab.data.layouts.volume_format.area_masks import area_masks
from seglab.data.layouts.volume_format.case_versions import stage_versions
from seglab.data.layouts.volume_format.channel_folders import ChannelFolder, channel_folder, masks_subfolder
from seglab.data.layouts.volume_format.label_products import label_products
from seglab.data.layouts.volume_format.label_voxels import LabelVoxels
from seglab.data.layouts.volume_format.separate_datasets import (refuse_separate_datasets, refuse_separate_tasks,
                                                                   refuse_tasks_on_shared_images)
from seglab.data.layouts.volume_format.time_points import time_point_scans
from seglab.data.files.volumes import volume_stem
from seglab.errors import DataError

log = logging.getLogger(__name__)

_STUDY_DATE = re.compile(r"(?:\d{2}-\d{2}-\d{4}|\d{4}-\d{2}-\d{2})(?!\d)")  # TCIA's 03-23-2003-NA-..., ISO 2003-03-23


def root_cases(root: Path, volumes: Callable[[Path], list[Path]] = volumes_in) -> Layout | None:
    """Labelled cases side by side in `root` itself (LiTS' `volume-0.nii` + `segmentation-0.nii`,
    as its batches unpack; MedSeg's `tr_im.nii.gz` + `tr_mask.nii.gz`, `val_im.nii.gz` unlabelled):
    each case its own subject unless its name says whose it is. `volumes` lists a folder's
    volumes (`volumes_in`, or the cache `_find_layout` shares)."""
    found = volumes(root)
    labels = [p for p in found if is_label_volume(p)]
    images = [p for p in found if p not in labels]
    layout = labelled_cases(images, labels)
    layout.subjects = layout.subjects or worded_cases(images, labels)
    if not layout.subjects:
        return None
    layout.groups = {s.name: subject_of(s.name) or s.name for s in layout.subjects}
    layout.unlabelled = [p for p in images if not any(p in s.images for s in layout.subjects)]
    layout.problems += [Problem(p, "label volume has no image volume named alike (another target?); it is not used",
                                "mask-without-image") for p in labels if p not in {s.label for s in layout.subjects}]
    return layout


def split_containers(root: Path, label_file: str | None = None) -> Layout | None:
    """Subject folders one or two levels down, in folders that name splits (ACDC's
    `database/training/patient001/`, `database/testing/patient101/`; or a container's folder does:
    MSLesSeg's `train/P1/T1/`, a visit of patient P1, beside `test/P54/`): each container's cases
    get its split when every container names one and train is among them. Cases of one name in
    two containers (`siteA/case01`, `siteB/case01`) are named, and grouped, with their container's
    path; a container of study folders is their patient, their group (`_patient_groups`); folders
    each with split folders of their own, or of cases named alike whose labels hold different values
    or whose images are one set labelled for a task each, are refused (`refuse_separate_datasets`,
    `refuse_separate_tasks`, `refuse_tasks_on_shared_images`).

    Raises:
        DataError: separate datasets side by side, or case folders holding several label volumes
            (those of every container at once).
    """
    refuse_separate_datasets(root, label_file)
    containers = subfolders(root)
    containers += [d for c in containers for d in subfolders(c)]
    found: list[tuple[Path, Layout]] = []
    held: set[Path] = set()  # the folders holding the found cases' volumes: case folders, not containers of them
    label_voxels = LabelVoxels()  # one judge of volumes by their voxels for every container
    rivals: dict[str, list[Path]] = {}  # the case folders of containers refused for several label volumes
    scans: dict[Path, str] = {}  # their label volumes' time points, where a folder holds several
    for container in sorted(containers):  # a container before the folders in it
        if container not in held:  # MSSEG-2016's Patient_01/ is a case
            try:
                layout = subject_folders(container, label_file, label_voxels)
            except RivalLabels as err:  # refused once all are read: HNTS-MRG's <patient>/midRT/, each patient's
                rivals |= err.labels_of
                scans |= err.scan_of
                held |= {Path(case) for case in err.labels_of}  # case folders, not containers of cases
                continue
            found += [(container, layout)] if layout.subjects else []
            held |= {q for s in layout.subjects for p in (*s.images, s.label) for q in p.parents}
    if rivals:
        raise rival_labels(rivals, "case folders", scans)
    if label_file is not None:
        label_voxels.log_set_aside(label_file)
    if not found:
        return None
    merged = Layout()
    splits = {c: folder_split(c.name) or folders_split(c, root) for c, _ in found}  # MSLesSeg's train/P1/: train
    named = None not in splits.values() and "train" in splits.values()
    repeated = names_repeat([layout for _, layout in found])
    if repeated:
        versions = stage_versions([layout for _, layout in found])
        if versions:
            raise _versions_refusal(root, found, versions)
        refuse_separate_tasks(root, found, label_file)
        refuse_tasks_on_shared_images(root, found, label_file)
    for container, layout in found:
        if repeated:
            layout = with_prefix(layout, container.relative_to(root).as_posix())
        layout.groups.update(_patient_groups(layout, container.relative_to(root).as_posix()))
        merged.subjects += layout.subjects
        merged.unlabelled += layout.unlabelled
        merged.problems += layout.problems
        merged.ignored += layout.ignored
        merged.left_out += layout.left_out
        merged.products += layout.products
        merged.folder_cases |= layout.folder_cases
        merged.groups.update(layout.groups)
        merged.splits.update(layout.splits)  # cases side by side in split folders of the container's
        split = splits[container]
        if named and split is not None:
            merged.splits.update({s.name: split for s in layout.subjects})
    return merged


def _versions_refusal(root: Path, found: Sequence[tuple[Path, Layout]], versions: Sequence[str]) -> DataError:
    """The refusal of folders each holding one case in `versions`, processed or not (`stage_versions`:
    MSLUB's `patient01/raw/` beside `patient01/preprocessed/`), each offered as the `--masks` naming
    its label volume in its folder."""
    container, layout = found[0]
    label = layout.subjects[0].label.name
    counts = Counter(s.name for _, held in found for s in held.subjects)
    listed = "".join(f"\n  --masks {shlex.quote(f'{v}/{label}')}: {counts[v]} cases" for v in versions)
    return DataError(f"{len(found)} folders each hold their case in {len(versions)} versions, processed or not (e.g. "
                     f"'{container.relative_to(root).as_posix()}': {', '.join(f'{v}/' for v in versions)}, each with "
                     f"its own '{label}'): read together, each case would count {len(versions)} times, and a "
                     f"version's copy in val would score a training case; pick the version to train on:{listed}")


def _patient_groups(layout: Layout, container: str) -> dict[str, str]:
    """case -> `container`, when all its cases are study folders, named by their date first (TCIA's
    `PETCT_0011f3deaf/03-23-2003-NA-PET-CT Ganzkoerper-10445/`, as autoPET ships a patient's
    follow-ups): the container is their patient, and splits keep its studies together. Not sites'
    case folders (WMH's `Utrecht/0/`), each a patient of its own."""
    studies = [s.name for s in layout.subjects]
    if not all(_STUDY_DATE.match(name.rpartition("/")[2]) for name in studies):
        return {}
    return dict.fromkeys(studies, container)


def names_repeat(layouts: Sequence[Layout]) -> bool:
    """Whether a case's or a group's name is in two of `layouts` (sites numbering their cases
    anew): read as they are, two cases would share pair names and a group across the sites."""
    names = [{s.name for s in layout.subjects} | set(layout.groups.values()) for layout in layouts]
    return sum(map(len, names)) > len(set().union(*names))


def with_prefix(layout: Layout, prefix: str) -> Layout:
    """`layout` with its cases and groups named `<prefix>/<name>` (`siteA/case01`)."""
    return replace(layout, subjects=[replace(s, name=f"{prefix}/{s.name}") for s in layout.subjects],
                   groups={f"{prefix}/{case}": f"{prefix}/{group}" for case, group in layout.groups.items()})


def subject_folders(root: Path, label_file: str | None = None, label_voxels: LabelVoxels | None = None) -> Layout:
    """Cases from one folder per subject (layout 4 of the package docstring); the label volume is
    the one `label_file` names (a name or pattern) when given, the case's other volumes named as
    labels or holding a label's voxels (`label_voxels`) then set aside, else the one named as labels
    (`is_label_volume`); or a subfolder of a volume per structure (`_structure_folder`), which
    `label_file` may name too; a folder's one volume
    beside a subfolder of image volumes on its grid is the label of those channels (WMH's
    `wmh.nii.gz` beside `pre/`: `channel_folders`). Label volumes of several time points, each named
    its time point's as its images are (ISBI 2015's `training01_01_mask1.nii`), give a case each
    (`_time_point_cases`). `label_voxels` judges and keeps the volumes set aside for their voxels,
    logged by whoever passes it (`split_containers`, once for all its containers), else here.

    Raises:
        DataError: case folders holding several label volumes (`rival_labels`).
    """
    layout = Layout()
    folder_cases: list[Subject] = []  # a folder's volumes, a case of one label volume
    unlabelled: list[Path] = []
    structured: list[tuple[str, Path, Path]] = []
    labels_of: dict[Path, list[Path]] = {}  # case folder -> its label volumes (several of one scan: the user picks)
    scan_of: dict[Path, str] = {}  # a label volume -> its time point, in folders of several (`time_point_scans`)
    judged: dict[tuple[str, ...], list[str]] = {}  # the names of a masks subfolder's volumes -> its areas'
    judge = label_voxels or LabelVoxels()
    side_by_side: dict[Path, list[str]] = {}  # a folder of several cases -> their names
    for folder in sorted(subfolders(root), key=lambda p: natural_key(p.name)):
        try:
            own = volumes_in(folder)  # a case folder holding volumes holds its labels among them, not in a subfolder
            in_masks = None if own else _masks_subfolder_case(folder, label_file, judged)
        except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
            layout.problems.append(Problem(folder, str(err), "bad-volume"))
            continue
        if in_masks is not None:  # MSSEG-2016's Patient_01/Masks/ beside Preprocessed_Data/
            labels_of[folder], set_aside, beside = in_masks
            layout.ignored += set_aside
            layout.left_out += beside.left_out
            if len(labels_of[folder]) == 1:
                folder_cases.append(Subject(folder.name, beside.images, labels_of[folder][0]))
            else:  # ISBI 2015's training01/masks/training01_01_mask1.nii ... training01_04_mask1.nii
                folder_cases += _time_point_cases(folder, beside.images, labels_of[folder], scan_of, layout.groups)
            continue
        volumes = own + ([folder] if dicom_files(folder) else [])
        labels = [p for p in volumes if is_case_label(p, label_file)]
        if label_file and not labels and any(is_case_label(p, Path(label_file).name) for p in volumes):
            layout.ignored += volumes  # another version of the case (MSLUB's raw/ beside the preprocessed/ picked)
            continue
        images = [p for p in volumes if p not in labels and not (label_file and is_label_volume(p))]
        if label_file and labels:  # SAROS' body-parts beside the body-regions picked: a label, never a channel
            try:
                rivals = judge.rivals(images)
            except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
                layout.problems.append(Problem(folder, str(err), "bad-volume"))
                continue
            images = [p for p in images if p not in rivals]
        layout.ignored += [p for p in volumes if p not in labels and p not in images]  # KiTS21's other aggregations
        lone = labels + images
        if len(lone) == 1 and lone[0].is_file() and (labels or not label_file):  # WMH's wmh.nii.gz beside pre/
            try:
                beside = channel_folder(folder, lone[0])
            except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
                layout.problems.append(Problem(lone[0], str(err), "bad-volume"))
                continue
            if beside is not None:
                labels, images = [beside.label], list(beside.images)
                layout.left_out += beside.left_out
        dicom = [p for p in images if p.is_dir()]
        if not labels and dicom and len(images) == len(dicom) + 1:  # a DICOM series and its one NIfTI label
            labels = [p for p in images if p.is_file()]
            images = dicom
        if not labels:  # not a subject folder, or a case without labels (KiTS' case_00210/imaging.nii.gz)
            parts = _structure_folder(folder, label_file)
            if parts is not None and len(images) == 1:  # TotalSegmentator: ct.nii.gz + segmentations/
                structured.append((folder.name, images[0], parts))
            else:
                unlabelled += images
            continue
        if not images:
            layout.problems.append(Problem(labels[0], "label volume has no image volume beside it",
                                           "mask-without-image"))
            continue
        paired = labelled_cases(images, labels)
        if paired.subjects or paired.problems:  # ACDC: patient001_frame01(_gt), _frame12(_gt) beside patient001_4d
            layout.subjects += paired.subjects
            layout.problems += paired.problems
            by_folder = one_subject(folder.name, [s.name for s in paired.subjects])
            layout.groups.update({s.name: folder.name if by_folder else subject_of(s.name) or s.name
                                  for s in paired.subjects})
            side_by_side[folder] = [s.name for s in paired.subjects]
            continue
        labels_of[folder] = labels
        if len(labels) == 1:  # NFBS' T1w_brain beside T1w_brainmask: the label's product, not a channel
            products = label_products(images, labels[0])
            layout.products += products
            folder_cases.append(Subject(folder.name, tuple(p for p in images if p not in products), labels[0]))
        else:
            folder_cases += _time_point_cases(folder, images, labels, scan_of, layout.groups)
    if any(_rivals(labels, scan_of) for labels in labels_of.values()):
        raise rival_labels({str(folder): labels for folder, labels in labels_of.items()}, "case folders", scan_of)
    if label_file is not None and label_voxels is None:
        judge.log_set_aside(label_file)
    layout.splits.update(_folder_splits(side_by_side))
    layout.subjects += with_modalities(folder_cases, least=2)  # a folder's one volume is its image, whatever its name
    layout.folder_cases = {s.label for s in folder_cases}
    if structured:  # every case's structures, one class each in name order
        structures = tuple(sorted({volume_stem(p) for _, _, parts in structured for p in volumes_in(parts)}))
        layout.subjects += [Subject(name, (image,), parts, structures) for name, image, parts in structured]
    layout.unlabelled = unlabelled if layout.subjects else []
    return layout


def _time_point_cases(folder: Path, images: Sequence[Path], labels: list[Path], scan_of: dict[Path, str],
                      groups: dict[str, str]) -> list[Subject]:
    """A case per time point of case folder `folder`'s volumes (`time_point_scans`), grouped by the
    folder, a patient's visits; none unless it holds several, each of one label volume. Each label
    volume's time point is kept in `scan_of`: a refusal offers the labels by the name after it."""
    scans = time_point_scans(images, labels)
    scan_of.update({label: scan for scan, (_, held) in scans.items() for label in held})
    if not scans or any(len(held) > 1 for _, held in scans.values()):
        return []
    groups.update(dict.fromkeys(scans, folder.name))
    return [Subject(scan, found, held[0]) for scan, (found, held) in scans.items()]


def _folder_splits(cases_of: dict[Path, list[str]]) -> dict[str, str]:
    """case -> the split its folder names, for cases side by side in folders that each name one,
    train among them (LNQ2023's `train/lnq2023-train-0001-ct.nrrd` + `-seg.nrrd` beside
    `validation/lnq2023-val-0001-ct.nrrd`), as `split_containers` gives case folders theirs; else none."""
    splits = {folder: folder_split(folder.name) for folder in cases_of}
    if None in splits.values() or "train" not in splits.values():
        return {}
    return {case: split for folder, split in splits.items() if split is not None for case in cases_of[folder]}


def _masks_subfolder_case(folder: Path, label_file: str | None, judged: dict[tuple[str, ...], list[str]]
                          ) -> tuple[list[Path], list[Path], ChannelFolder] | None:
    """A case folder's label volumes in its subfolder named for masks (`masks_subfolder`: MSSEG-2016's
    `Patient_01/Masks/`), with its channels, the subfolder beside it on their grid (`channel_folder`:
    `Preprocessed_Data/`, `Raw_Data/` left out); None when it is not such a case (BTCV's `Training/img/`
    + `label/`, whose volumes pair by name, `labelled_cases`: cases of their own). The labels are the
    one `label_file` picks, else all of the subfolder's volumes but the one marking the area to score
    (`area_masks`, judged once per set of names: `Brain_Mask.nii.gz`), set aside with the others.

    Raises:
        DataError: a volume that cannot be read, naming it.
    """
    masks = masks_subfolder(folder)
    candidates = [p for p in volumes_in(masks) if p.is_file()] if masks is not None else []
    beside = channel_folder(folder, candidates[0], masks) if candidates else None
    if beside is None or labelled_cases(list(beside.images), candidates).subjects:  # BTCV's img/ + label/: cases
        return None
    if label_file is not None:
        labels = [p for p in candidates if is_case_label(p, label_file)]
    else:
        names = tuple(p.name for p in candidates)
        if names not in judged:
            judged[names] = [p.name for p in area_masks(candidates)]
        labels = [p for p in candidates if p.name not in judged[names]]
    return (labels, [p for p in candidates if p not in labels], beside) if labels else None


class RivalLabels(DataError):
    """The refusal of cases holding several label volumes (`rival_labels`), which keeps them by
    case, and the time point of each label volume where a case folder holds several:
    `split_containers` refuses its containers' at once."""

    def __init__(self, message: str, labels_of: dict[str, list[Path]], scan_of: Mapping[Path, str]) -> None:
        super().__init__(message)
        self.labels_of = labels_of
        self.scan_of = dict(scan_of)


def rival_labels(labels_of: dict[str, list[Path]], holders: str, scan_of: Mapping[Path, str] | None = None
                 ) -> RivalLabels:
    """The refusal of cases holding several label volumes, by case (a case folder's path, or an
    image's name): KiTS21's `aggregated_AND_seg`, `aggregated_MAJ_seg` and `aggregated_OR_seg` (the
    annotators' intersection, majority vote and union), LNDb's `_rad1`, `_rad2`, `_rad3` (a
    radiologist's each). Which to train on is the user's choice, each offered as `--masks` with the
    cases holding it (a name holding its case's, `BraTS_001_seg.nii.gz`, as a pattern: `_case_names`;
    or its time point's, `scan_of`: ISBI 2015's `training01_01_mask1.nii` as `'*_mask1.nii'`)."""
    names = _case_names(labels_of)
    scan_of = scan_of or {}

    def naming(case: str, label: Path) -> str:
        own = [scan_of[label]] if label in scan_of else []
        held = (re.compile(rf"(?<!\d){re.escape(name)}(?!\d)", re.IGNORECASE) for name in own + names[case])
        return next((found.sub("*", label.name) for found in held if found.search(label.name)), label.name)

    counts = Counter(naming(case, label) for case, labels in labels_of.items() for label in labels)
    case, labels = next((c, ls) for c, ls in labels_of.items() if _rivals(ls, scan_of))
    several = sum(_rivals(ls, scan_of) for ls in labels_of.values())
    listed = "".join(f"\n  --masks {shlex.quote(name)}: {n} case{'s' if n != 1 else ''}"
                     for name, n in sorted(counts.items()))
    return RivalLabels(f"{several} {holders} hold several label volumes (e.g. '{case}': "
                       f"{', '.join(p.name for p in labels)}); pick the labels to train on:{listed}",
                       labels_of, scan_of)


def _rivals(labels: Sequence[Path], scan_of: Mapping[Path, str]) -> bool:
    """Whether a case's label volumes outnumber the time points they label (`scan_of`; a case folder
    not of several time points is one)."""
    return len(labels) > len({scan_of.get(label) for label in labels})


def _case_names(cases: Collection[str]) -> dict[str, list[str]]:
    """case -> the names of its folder and the folders above it, below the one holding them all,
    those that vary the most from case to case first: a label volume's name keeps a time point's
    and stands for a patient's (HNTS-MRG's `10/midRT/10_midRT_mask.nii.gz`, of 2 time points and 6
    patients: `*_midRT_mask.nii.gz`)."""
    common = len(Path(os.path.commonpath([str(Path(case).parent) for case in cases])).parts)
    below = {case: Path(case).parts[common:][::-1] for case in cases}  # the case's own name first
    varied = [len({names[depth] for names in below.values() if depth < len(names)})
              for depth in range(max(map(len, below.values())))]
    return {case: [names[depth] for depth in sorted(range(len(names)), key=lambda depth: -varied[depth])]
            for case, names in below.items()}


def _structure_folder(folder: Path, label_file: str | None = None) -> Path | None:
    """A subfolder holding two or more volumes, a 0/1 volume per structure (TotalSegmentator's and
    AbdomenAtlas' `segmentations/liver.nii.gz`, `spleen.nii.gz`, ...; PDDCA's `structures/`): the one
    `label_file` names (`--masks structures`) when given, else the one named for masks."""
    found = [d for d in subfolders(folder)
             if (fnmatchcase(d.name.lower(), label_file.lower()) if label_file else looks_like_mask_folder(d.name))
             and len([p for p in volumes_in(d) if p.is_file()]) >= 2]
    return found[0] if len(found) == 1 else None
