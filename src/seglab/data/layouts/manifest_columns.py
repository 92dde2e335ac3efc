"""Which columns of a manifest hold the images, the masks, the split and the group.

A column is the one `--images` or `--masks` names, else found by its name: one of the common
aliases (`COLUMNS`), else the one whose words say image or mask (Kaggle's COVID-19 CT scans
`metadata.csv`: `ct_scan` beside `lung_mask`, `infection_mask` and `lung_and_infection_mask`).
Several such mask columns are refused, naming them and the flag: each is another labelling of
the images. A folder no layout reads is told of such a table in it (`manifest_route`).
"""

from __future__ import annotations

import csv
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

from seglab.data.classes.text_files import open_regular
from seglab.data.discovery.naming import words
from seglab.data.files.delimiters import repeated_column, table_delimiter
from seglab.data.splitting.list_readers import names_file
from seglab.errors import DataError

IMAGE_FILE_COLUMN = "file_name"  # Hugging Face imagefolder's image column; `<x>_file_name` names more files
MASK_FILE_COLUMNS = tuple(f"{word}_{IMAGE_FILE_COLUMN}" for word in ("mask", "label", "annotation", "segmentation",
                                                                     "target"))  # mask_file_name
COLUMNS = {
    "image": ("image", "img", "image_path", "images", "input", "filename", "file", "path", IMAGE_FILE_COLUMN),
    "mask": ("mask", "label", "mask_path", "label_path", "masks", "labels", "target", "annotation", "segmentation",
             "gt", "seg", *MASK_FILE_COLUMNS),
    "split": ("split", "subset", "set", "partition"),
    "group": ("group", "subject", "patient", "case", "case_id", "subject_id", "patient_id"),
}  # fmt: skip
# words of a column's name that say it holds the images (`ct_scan`, `mri_path`) or the masks (`lung_mask`, `seg_file`)
_IMAGE_WORDS = ("image", "images", "img", "imgs", "scan", "scans", "ct", "mri", "mr", "volume")
_MASK_WORDS = ("mask", "masks", "label", "labels", "seg", "segmentation", "annotation", "gt", "target")
TABLE_SUFFIXES = (".csv", ".tsv")


def chosen_columns(header: Sequence[str], path: Path, images: str | None = None,
                   masks: str | None = None) -> dict[str, str]:
    """role (image, mask, split, group) -> the column of `header` (its names as written, compared
    lower case and stripped: `column_name`) it is read from: the one `images` or `masks` names
    (--images, --masks), else its first alias in `COLUMNS`, else for the image and the mask the one
    column whose name's words say so; no mask column for a list of images alone.

    Raises:
        DataError: a named column the manifest lacks, no image column, several columns that could
            each be the images or the masks (naming them and the flag that picks one), or a column
            read written twice (`Image` beside `image`, two `mask`), naming both.
    """
    keys = list(dict.fromkeys(column_name(name) for name in header))
    found = {role: next((a for a in aliases if a in keys), None) for role, aliases in COLUMNS.items()}
    for role, named in (("image", images), ("mask", masks)):
        if named is not None:
            if column_name(named) not in keys:
                raise DataError(f"manifest '{path}' has no column '{named}' (--{role}s names the column of a "
                                f"manifest's {role}s); its columns: {', '.join(keys)}")
            found[role] = column_name(named)
    for role, says in (("image", _says_images), ("mask", _says_masks)):
        if found[role] is None:
            found[role] = _one_named_for(keys, role, says, {c for c in found.values() if c is not None}, path)
    if found["image"] is None and any(map(names_file, keys)):  # Tianchi's train_mask.csv: `<name>.jpg<TAB><rle>`
        raise DataError(f"manifest '{path}' has no header: its first line names files, so it is a row, not the "
                        "columns' names; add a first line naming them (image, mask, and split or group where it has "
                        "them), separated as the rows are")
    if found["image"] is None:
        raise DataError(f"manifest '{path}' has no image column (columns: {', '.join(keys) or 'none'}); name it "
                        f"one of: {', '.join(COLUMNS['image'])}, or pass its name: --images COLUMN")
    chosen = {role: column for role, column in found.items() if column is not None}
    repeated = repeated_column(header, chosen.values(), column_name)
    if repeated is not None:
        role = next(role for role, column in chosen.items() if column == column_name(repeated[0]))
        raise DataError(f"manifest '{path}' has {len(repeated)} columns read as its {role}s: "
                        f"{', '.join(repr(name) for name in repeated)} (names are compared without case); rename or "
                        "remove all but one")
    return chosen


def column_name(written: str) -> str:
    """A manifest column's name as columns are compared: stripped, lower case."""
    return written.strip().lower()


def _says_images(column: str) -> bool:
    return not _says_masks(column) and any(w in _IMAGE_WORDS for w in words(column))


def _says_masks(column: str) -> bool:
    return any(w in _MASK_WORDS for w in words(column))


def _one_named_for(keys: Sequence[str], role: str, says: Callable[[str], bool], taken: set[str],
                   path: Path) -> str | None:
    """The one column of `keys` not `taken` whose name `says` it holds the `role`'s files; None
    when none does.

    Raises:
        DataError: several do (three labellings of the same scans), naming them and the flag
            that picks one.
    """
    named = [key for key in keys if key not in taken and says(key)]
    if len(named) > 1:
        raise DataError(f"manifest '{path}' has {len(named)} columns that could hold the {role}s ({', '.join(named)}); "
                        f"name the one to read: seglab inspect --manifest {shlex.quote(str(path))} --{role}s "
                        f"{shlex.quote(named[0])}")
    return named[0] if named else None


def manifest_route(folder: Path) -> str | None:
    """`--manifest` with the table in `folder` that lists images and masks by the rules above
    (Kaggle's `metadata.csv` beside COVID-19 CT scans' folders of volumes), and `--masks` when it
    has several mask columns; None when no CSV or TSV there does."""
    try:
        tables = sorted(p for p in folder.iterdir() if p.suffix.lower() in TABLE_SUFFIXES and p.is_file())
    except OSError:  # a folder that cannot be listed names no table; the refusal says what else it saw
        return None
    for table in tables:
        keys = _header(table)
        masks = [key for key in keys if key in COLUMNS["mask"]][:1] or [key for key in keys if _says_masks(key)]
        if not masks or not any(key in COLUMNS["image"] or _says_images(key) for key in keys):
            continue
        route = f"--manifest {shlex.quote(str(table))}"
        return route if len(masks) == 1 else f"{route} --masks COLUMN, one of {', '.join(masks)}"
    return None


def _header(table: Path) -> list[str]:
    """A table's column names, lower case and stripped (its first line alone is read); none for a
    file that cannot be read as text."""
    try:
        with open_regular(table, "r", encoding="utf-8-sig", newline="") as file:
            line = file.readline(1 << 16)
    except (OSError, UnicodeDecodeError):
        return []
    try:
        cells = next(csv.reader([line], delimiter=table_delimiter(table, line)), [])
    except csv.Error:
        return []
    return [column_name(cell) for cell in cells]
