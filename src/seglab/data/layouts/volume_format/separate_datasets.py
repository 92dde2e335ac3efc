"""Sibling folders each holding split folders of their own, of case folders: separate datasets,
read one a run.

QUBIQ 2021 ships `training_data_v3/brain-growth/`, `prostate/`, `kidney/`, ..., each with its
own `Training/` and `Validation/` folders of `caseNN/` folders (an image and a label volume per
rater). Each is a task of its own on images of its own: read together, their labels would be
taken for one set of classes (three organs one `class_1`). seglab refuses and names one to pass
as DATA, as it does for 2-D trees of a class per folder (`folder_pairs.class_trees`).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from seglab.data.discovery.folders import skipped_folder
from seglab.data.discovery.naming import folder_split
from seglab.data.files.index import natural_key
from seglab.data.layouts.volume_format.cases import is_case_label, volumes_in
from seglab.errors import DataError

_SHOWN = 4  # dataset folders the refusal names


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
    first, splits = next(iter(datasets.items()))
    more = len(datasets) - _SHOWN
    names = ", ".join(f"{d.name}/" for d in list(datasets)[:_SHOWN]) + (f" and {more} more" if more > 0 else "")
    flag = f" --masks {shlex.quote(label_file)}" if label_file else ""
    raise DataError(
        f"{root}: {names} each hold split folders of their own ({', '.join(f'{s.name}/' for s in splits)}) of "
        "case folders: separate datasets, a task each on images of its own, whose labels read together would be "
        f"taken for one set of classes. Read one dataset a run: seglab inspect {shlex.quote(str(first))}{flag} "
        "(if they are sites of one dataset, move their case folders into one set of split folders)")


def _split_folders(folder: Path, label_file: str | None) -> list[Path]:
    """`folder`'s folders that name a split and hold a case folder: one with a label volume."""
    return [split for split in _folders(folder) if folder_split(split.name) is not None
            and any(is_case_label(p, label_file) for case in _folders(split) for p in volumes_in(case))]


def _folders(root: Path) -> list[Path]:
    """The visible folders in `root`, in natural name order."""
    return sorted((p for p in root.iterdir() if p.is_dir() and not skipped_folder(p.name)),
                  key=lambda p: natural_key(p.name))
