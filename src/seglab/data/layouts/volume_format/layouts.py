"""The volume layouts in the order they are tried (the package docstring), inside any wrappers."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from seglab.data.layouts.volume_format.bids import bids_cases
from seglab.data.discovery.folders import visible_folders
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.index import natural_key
from seglab.data.files.volumes import VOLUME_SUFFIXES, volume_stem
from seglab.data.layouts.volume_format.cases import Layout, matched_cases, volumes_in
from seglab.data.layouts.volume_format.class_folders import class_folders
from seglab.data.layouts.volume_format.hdf5_cases import hdf5_cases, slices_and_volumes
from seglab.data.layouts.volume_format.named_folders import named_folders
from seglab.data.layouts.volume_format.patient_labels import patient_label_cases
from seglab.data.layouts.volume_format.rater_labels import rater_cases
from seglab.data.layouts.volume_format.studies_folder import studies_folder
from seglab.data.layouts.volume_format.subject_folders import root_cases, split_containers, subject_folders
from seglab.data.splitting.split_tables import table_splits

_LABEL_DIRS = ("labels", "masks")
_NUMBERED = re.compile(r"([A-Za-z]+)[_-]?\d+")  # LNDb's data0/, data1/


def find_wrapped_layout(root: Path, label_file: str | None = None) -> Layout | None:
    """`_find_layout` inside the lone folders wrapping the dataset in `root`, two deep at most
    (AMOS' archive unpacks to `amos22/amos22/imagesTr/`), the innermost first: from a wrapper,
    the fallbacks that search deep would misread the layout inside."""
    chain = [root]
    while len(chain) < 3 and (inner := _lone_folder(chain[-1])) is not None:
        chain.append(inner)
    for folder in reversed(chain):
        layout = _find_layout(folder, label_file)
        if layout is not None:
            layout.folder = folder
            return layout
    return None


def _lone_folder(root: Path) -> Path | None:
    """The one visible folder in `root`, when neither holds a volume of its own (a folder of
    volumes is a case, as CAMUS' lone `training/patient0001/` is)."""
    inner = _one_visible_folder(root)
    return None if inner is None or volumes_in(root) or volumes_in(inner) else inner


def _one_visible_folder(root: Path) -> Path | None:
    """The one folder in `root` (`visible_folders`: skipped ones aside), whatever files lie beside
    it; None for none or several."""
    folders = visible_folders(root)
    return folders[0] if len(folders) == 1 else None


def _find_layout(root: Path, label_file: str | None = None) -> Layout | None:
    """The first recognised layout of `root`, or None when it holds no volume dataset; with a
    `label_file` name (`--masks laendo.nrrd`), the BIDS cases or case folders holding a volume of
    that name, or a subfolder of that name of a volume per structure (`--masks structures`: PDDCA); a folder name
    no case folder holds leaves the layouts as they are found without it."""
    listed = functools.cache(volumes_in)  # the folders the layouts below look into, listed once each
    if label_file is not None:
        found = (_image_and_label_folders(root, label_file, listed) or _bids_layout(root, label_file)
                 or _subject_folders(root, label_file) or split_containers(root, label_file))
        if found is not None or label_file.lower().endswith(VOLUME_SUFFIXES):
            return found
    if (root / "imagesTr").is_dir() and (root / "labelsTr").is_dir():
        layout = matched_cases(volumes_in(root / "imagesTr"), volumes_in(root / "labelsTr"), "labelsTr")
        layout.unlabelled += volumes_in(root / "imagesTs")
        spelled = next((s for s in ("Va", "Val") if (root / f"images{s}").is_dir() and (root / f"labels{s}").is_dir()),
                       None)  # AMOS' imagesVa/ + labelsVa/, WORD's imagesVal/ + labelsVal/: labelled val cases
        if spelled is not None:
            val = matched_cases(volumes_in(root / f"images{spelled}"), volumes_in(root / f"labels{spelled}"),
                         f"labels{spelled}")
            layout.splits = {s.name: "train" for s in layout.subjects} | {s.name: "val" for s in val.subjects}
            layout.subjects += val.subjects
            layout.problems += val.problems
            layout.unlabelled += val.unlabelled
            layout.groups.update(val.groups)
        return layout if layout.subjects or layout.problems else None
    # UroCell's data/ + fv/, golgi/, lyso/, mito/: before images/ + labels/<class>/; not when --masks names one
    classes = class_folders(root, listed) if label_file is None else None
    if classes is not None:
        return classes
    found = _image_and_label_folders(root, volumes=listed) if label_file is None else None  # else looked at above
    if found is not None:
        return found
    bids = _bids_layout(root)
    if bids is not None:
        return bids
    return (_subject_folders(root) or split_containers(root) or slices_and_volumes(root) or hdf5_cases(root)
            or root_cases(root, listed) or studies_folder(root, listed) or named_folders(root)
            or patient_label_cases(root))


def _bids_layout(root: Path, label_file: str | None = None) -> Layout | None:
    """The cases of the BIDS dataset in `root` (`bids_cases`), the label volumes `label_file` names."""
    bids = bids_cases(root, label_file)
    if bids is None:
        return None
    return Layout(bids.subjects, bids.unlabelled, bids.problems, bids.groups, ignored=bids.ignored)


def _image_and_label_folders(root: Path, label_file: str | None = None,
                             volumes: Callable[[Path], list[Path]] = volumes_in) -> Layout | None:
    """The cases of `images/` (or of numbered image folders side by side: LNDb's `data0/` ...
    `data5/`) beside `labels/` or `masks/`, either holding its volumes in its one subfolder
    (`_lone_folder_volumes`), matched by name, or each image's label the one of several raters'
    that `label_file` picks (`rater_cases`: LNDb's `masks/LNDb-0001_rad1.mhd`); `volumes` lists a
    folder's volumes (`volumes_in`, or the cache `_find_layout` shares).

    Raises:
        DataError: several raters' label volumes of an image, none picked.
    """
    images = _lone_folder_volumes(root / "images", volumes) or _numbered_folders_volumes(root)
    label_dir = next((name for name in _LABEL_DIRS if (root / name).is_dir()), None)
    if not images or label_dir is None:
        return None
    labels = _lone_folder_volumes(root / label_dir, volumes)
    label_folder = labels[0].parent.relative_to(root).as_posix() if labels else label_dir
    return rater_cases(images, labels, label_file) or matched_cases(images, labels, label_folder)


def _lone_folder_volumes(folder: Path, volumes: Callable[[Path], list[Path]]) -> list[Path]:
    """The volumes in `folder`, or where it holds none, those in its one visible subfolder
    (ACOUSLIC-AI's `images/stacked_fetal_ultrasound/` beside `masks/stacked_fetal_abdomen/`)."""
    found = volumes(folder)
    if found or not folder.is_dir():
        return found
    inner = _one_visible_folder(folder)
    return volumes(inner) if inner is not None else []


def _numbered_folders_volumes(root: Path) -> list[Path]:
    """The volumes of two or more folders in `root` named one word and a number each (LNDb's
    `data0/` ... `data5/`, one download each), when no two share a name; else none."""
    numbered: dict[str, list[Path]] = {}
    for folder in subfolders(root):
        if found := _NUMBERED.fullmatch(folder.name):
            numbered.setdefault(found.group(1).lower(), []).append(folder)
    folders = next((found for found in numbered.values() if len(found) > 1), []) if len(numbered) == 1 else []
    volumes = [p for folder in sorted(folders, key=lambda p: natural_key(p.name)) for p in volumes_in(folder)]
    return volumes if len({volume_stem(p) for p in volumes}) == len(volumes) else []


def _subject_folders(root: Path, label_file: str | None = None) -> Layout | None:
    """The cases of `root`'s subject folders (`subject_folders`), the splits from a table of them
    where one gives them (TotalSegmentator's `meta.csv`); None without any."""
    subjects = subject_folders(root, label_file)
    if not subjects.subjects:
        return None
    subjects.splits.update(table_splits(root, [s.name for s in subjects.subjects]))
    return subjects
