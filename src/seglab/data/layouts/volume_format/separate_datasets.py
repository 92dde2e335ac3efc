"""Sibling folders each holding split folders of their own, of case folders: separate datasets,
read one a run.

QUBIQ 2021 ships `training_data_v3/brain-growth/`, `prostate/`, `kidney/`, ..., each with its
own `Training/` and `Validation/` folders of `caseNN/` folders (an image and a label volume per
rater). Each is a task of its own on images of its own: read together, their labels would be
taken for one set of classes (three organs one `class_1`). seglab refuses and names one to pass
as DATA, as it does for 2-D trees of a class per folder (`folder_pairs.class_trees`).

StructSeg 2019 ships its tasks as folders of case folders side by side, each numbering its cases
anew: `Thoracic_OAR/1/` (labels 1-6, the left lung to the spinal cord) beside `Lung_GTV/1/` (label
1, the tumour). Sites of one dataset number their cases anew too (`siteA/case01/`, `siteB/case01/`),
but their labels hold the same values; tasks' hold different ones, read from a few cases each.

SAM-Med3D's SA-Med3D-140K ships a folder per target, each repeating the images of the datasets
that label it: `medical_preprocessed/adrenal/ct_WORD/imagesTr/word_0001.nii.gz` + `labelsTr/`, the same
CT again under `liver/` and `kidney_left/`, each label 0/1 for its organ. Labels of one value
read together, every organ would be one `class_1`, each CT read once per target; the images, the
same bytes under each folder with other labels, tell them from sites (other patients).
"""

from __future__ import annotations

import filecmp
import shlex
from itertools import combinations
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.folders import visible_folders
from seglab.data.discovery.naming import folder_split
from seglab.data.files.index import natural_key
from seglab.data.files.volumes import label_values
from seglab.data.layouts.volume_format.cases import Layout, is_case_label, volumes_in
from seglab.errors import DataError

_SHOWN = 4  # dataset folders the refusal names
_SAMPLED = 3  # cases whose label volumes are read per folder: the values a task's labels hold
_APART = 2  # values one folder's sampled labels hold and another's not, that make them separate tasks
_COPIED = 2  # cases of one image, by name and bytes, in two folders that tell one image set: one may be chance


def refuse_separate_datasets(root: Path, label_file: str | None = None) -> None:
    """Refuse `root` when two or more of its folders, none naming a split, each hold split
    folders of labelled case folders (`label_file`, `--masks`, names the label volume).

    Raises:
        DataError: naming the dataset folders and one to pass as DATA.
    """
    datasets = {folder: splits for folder in _folders(root)
                if folder_split(folder.name) is None and (splits := _split_folders(folder, label_file))}
    if len(datasets) < 2:
        return
    splits = next(iter(datasets.values()))
    named = ", ".join(f"{s.name}/" for s in splits)
    raise _refusal(root, list(datasets), f"each hold split folders of their own ({named}) of case folders", label_file,
                   "move their case folders into one set of split folders")


def refuse_separate_tasks(root: Path, found: Sequence[tuple[Path, Layout]], label_file: str | None = None) -> None:
    """Refuse `root` when its folders of case folders (`found`, each folder's cases), whose case
    names repeat across them, hold labels of different values (the first `_SAMPLED` cases' of each,
    `_APART` values or more in one and not the other: a site's few cases may all lack one rare
    class; a folder whose sampled labels are all 0 tells nothing): separate tasks, as StructSeg's.

    Raises:
        DataError: naming the dataset folders, their label values and one to pass as DATA.
    """
    values = {folder: held for folder, layout in found if (held := _sampled_values(layout))}
    if all(len(a ^ b) < _APART for a, b in combinations(values.values(), 2)):
        return
    held = "; ".join(f"{folder.relative_to(root).as_posix()}/: {', '.join(map(str, sorted(v)))}"
                     for folder, v in list(values.items())[:_SHOWN])
    raise _refusal(root, list(values), f"each hold case folders named alike whose labels hold different values "
                   f"({held})", label_file, "give their labels one numbering")


def refuse_tasks_on_shared_images(root: Path, found: Sequence[tuple[Path, Layout]],
                                  label_file: str | None = None) -> None:
    """Refuse `root` when two of its folders of cases (`found`, each folder's cases) hold cases of
    one name whose image volumes are the same bytes and whose labels are not (the first `_SAMPLED`
    such cases, `_COPIED` at least): the targets of a task each on one set of images (SAM-Med3D's,
    module doc). Copies whose labels are the same bytes too are duplicates, for the audit to name.

    Raises:
        DataError: naming the target folders (where the two folders' paths part) and one to pass as DATA.
    """
    below = [(folder, layout) for folder, layout in found if folder != root and folder.is_relative_to(root)]
    for (one, first), (other, second) in combinations(below, 2):
        theirs = {s.name: s for s in second.subjects}
        shared = [(mine, theirs[mine.name]) for mine in first.subjects if mine.name in theirs][:_SAMPLED]
        if len(shared) >= _COPIED and all(_same_file(a.images[0], b.images[0]) for a, b in shared) \
                and not all(_same_file(a.label, b.label) for a, b in shared):
            targets = _targets(root, one, other, [folder for folder, _ in below])
            images = " and ".join(case.images[0].relative_to(root).as_posix() for case in shared[0])
            raise DataError(
                f"{root}: {_listed(root, targets)} hold the same image volumes (by name and bytes: {images}), each "
                f"with labels of its own: a task each on one set of images, whose labels read together would be "
                f"taken for one set of classes, each image read once per folder. Read one task a run: "
                f"{_inspect(targets[0], label_file)} (to learn the tasks together, give each case one label volume, "
                f"a value per target)")


def _same_file(one: Path, other: Path) -> bool:
    """Whether two files hold the same bytes; a folder (a DICOM series, a folder of structures) tells nothing."""
    return one.is_file() and other.is_file() and filecmp.cmp(one, other, shallow=False)


def _targets(root: Path, one: Path, other: Path, folders: Sequence[Path]) -> list[Path]:
    """The folders where the paths of `one` and `other` part (`adrenal/`, `liver/`), and those of the
    other `folders` that part from them there."""
    mine, theirs = one.relative_to(root).parts, other.relative_to(root).parts
    at = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)) - 1)
    held = {root.joinpath(*folder.relative_to(root).parts[: at + 1]) for folder in folders
            if folder.relative_to(root).parts[:at] == mine[:at] and len(folder.relative_to(root).parts) > at}
    return sorted(held, key=lambda p: natural_key(p.name))


def _sampled_values(layout: Layout) -> set[int]:
    """The values other than 0 of the label volumes of `layout`'s first `_SAMPLED` cases; one
    that cannot be read is passed over (the audit names it)."""
    held: set[int] = set()
    for subject in layout.subjects[:_SAMPLED]:
        try:
            held.update(label_values(subject.label) if subject.label.is_file() else ())
        except DataError:
            continue
    return held


def _refusal(root: Path, datasets: list[Path], held: str, label_file: str | None, route: str) -> DataError:
    """The refusal of `datasets`, folders of `root` that each `held` one task: one to pass as DATA,
    and the `route` that reads them together if they are sites of one dataset."""
    return DataError(
        f"{root}: {_listed(root, datasets)} {held}: separate datasets, a task each on images of its own, whose labels "
        f"read together would be taken for one set of classes. Read one dataset a run: "
        f"{_inspect(datasets[0], label_file)} (if they are sites of one dataset, {route})")


def _listed(root: Path, folders: list[Path]) -> str:
    """The first `_SHOWN` of `folders` below `root`, and how many more."""
    more = len(folders) - _SHOWN
    return ", ".join(f"{d.relative_to(root).as_posix()}/" for d in folders[:_SHOWN]) + (
        f" and {more} more" if more > 0 else "")


def _inspect(folder: Path, label_file: str | None) -> str:
    """The command that reads `folder` alone, with the `--masks` it was read with."""
    flag = f" --masks {shlex.quote(label_file)}" if label_file else ""
    return f"seglab inspect {shlex.quote(str(folder))}{flag}"


def _split_folders(folder: Path, label_file: str | None) -> list[Path]:
    """`folder`'s folders that name a split and hold a case folder: one with a label volume."""
    return [split for split in _folders(folder) if folder_split(split.name) is not None
            and any(is_case_label(p, label_file) for case in _folders(split) for p in volumes_in(case))]


def _folders(root: Path) -> list[Path]:
    """The visible folders in `root`, in natural name order."""
    return sorted(visible_folders(root), key=lambda p: natural_key(p.name))
