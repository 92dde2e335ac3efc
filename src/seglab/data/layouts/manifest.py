"""A dataset given as a list of pairs: a CSV/TSV table, a JSON file or JSON Lines naming image and mask files.

This is how fastai's and MONAI's users pass data (a DataFrame, a list of dicts), and the way out
for any layout no rule finds. Paths are relative to the manifest's folder (or one or two
above it, where the listed images are: a dataset's `split_csv/`), or absolute; one written on
another machine (Excel on Windows' `C:\\Users\\...\\images\\x.jpg`) or from another folder (a Kaggle
notebook's `../input/<dataset>/ct_scans/x.nii`) is the file it ends with there; an
optional split column keeps the user's own split and a group column (subject, patient, case)
keeps a group's pairs in one split. Hugging Face's imagefolder metadata (`metadata.jsonl`, an
object a line, or `metadata.csv`) names the image `file_name` and the mask `mask_file_name`
(`imagefolder` reads a folder of them).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import regular_text
from seglab.data.classes import ClassSpec
from seglab.data.layouts.folder_pairs import FolderPairsFormat, unique_names
from seglab.data.files.delimiters import cell_path, table_delimiter
from seglab.data.layouts.formats import FORMATS, DatasetFormat
from seglab.data.layouts.manifest_columns import IMAGE_FILE_COLUMN, TABLE_SUFFIXES, chosen_columns, column_name
from seglab.data.layouts.volume_format import VolumesFormat
from seglab.data.layouts.volume_format.cases import Layout
from seglab.data.files.slice_cache import Subject
from seglab.data.files.volumes import VOLUME_SUFFIXES
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.files.json_lines import json_object_lines
from seglab.data.discovery.naming import SPLIT_WORDS, stem
from seglab.data.discovery.unmasked import OPTION as UNMASKED_OPTION
from seglab.data.discovery.unmasked import background_pairs, without_train_splits
from seglab.errors import DataError

logger = logging.getLogger(__name__)

JSON_LINES_SUFFIX = ".jsonl"
MANIFEST_SUFFIXES = (*TABLE_SUFFIXES, ".json", JSON_LINES_SUFFIX)
_JSON_SPLITS = {"training": "train", "train": "train", "validation": "val", "val": "val", "test": "test"}
# of a path written on another machine, the ends tried (`_moved`): deeper than any real tree (Windows' MAX_PATH of 260
# characters holds 130 folders), and each end is joined and looked up, so a cell of 60,000 folders took minutes
_MOST_PARTS = 128


_Cells = list[tuple[str, Any]]  # a row's cells beside their columns' names, in the header's order


@dataclass(frozen=True)
class _Row:
    number: int  # line of a CSV (header = 1) or of JSON Lines, or position in a JSON list (from 1)
    values: dict[str, Any]


@FORMATS.register("manifest")
class ManifestFormat(DatasetFormat):
    """DATA is a .csv, .tsv, .json or .jsonl file listing the pairs (`--manifest FILE` says the same)."""

    reads_file = True
    picks_folders = True  # --images and --masks name the columns (`manifest_columns`)

    layout = ("a pairs.csv/.tsv/.json/.jsonl file with image and mask columns (optional split, group), paths "
              "relative to it")
    priority = 0

    def detect(self, root: Path) -> bool:
        return root.is_file() and root.suffix.lower() in MANIFEST_SUFFIXES and root.name != "classes.json"

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base, pairs, unlabelled, elsewhere = listed_pairs(root, self.options.images, self.options.masks)
        line = f"{root.name}: {len(pairs)} pairs listed"
        if elsewhere is not None:  # Excel's on Windows: C:\Users\...; a Kaggle notebook's ../input/<dataset>/...
            line += (f" by paths written on another machine or from another folder ('{elsewhere}'), read as the "
                     f"files they end with below {base.name}/")
        if unlabelled and self.options.unmasked_background:  # VisA's normal rows: defect-free
            filled = background_pairs(unlabelled, pairs[0].mask if pairs else None, self.options.cache_dir)
            pairs = without_train_splits(pairs + filled, {p.image for p in filled}, root)
            line += f", {len(unlabelled)} images without mask read as all background ({UNMASKED_OPTION})"
            unlabelled = []
        elif unlabelled:
            line += f", {len(unlabelled)} images without mask ({UNMASKED_OPTION} reads them as all background)"
        if any(p.split is not None for p in pairs) and any(p.split is None for p in pairs):
            raise DataError(f"manifest '{root}': some rows have a split and some do not; give every row one or none")
        pairs = unique_names(pairs, base)
        if pairs and all(p.image.name.lower().endswith(VOLUME_SUFFIXES) for p in pairs):
            return self._volumes(base, pairs, [image for image, _ in unlabelled], classes, line)
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(base, mask_dirs, pairs, classes, self.options.cache_dir)
        index = DatasetIndex(base, "manifest", pairs, [image for image, _ in unlabelled], encoding.classes,
                             encoding.mapping, list(encoding.problems), mask_values=encoding.values)
        index.pairing = [line]
        return index


    def _volumes(self, base: Path, pairs: list[Pair], unlabelled: list[Path], classes: ClassSpec | None,
                 line: str) -> DatasetIndex:
        """The volumes layout's index of listed image and label volumes, a case a row, each cut
        into 2-D slices as a folder of them is; the row's split and group kept."""
        subjects = [Subject(p.name, (p.image,), p.mask) for p in pairs if p.mask is not None]
        layout = Layout(subjects, unlabelled, splits={p.name: p.split for p in pairs if p.split is not None},
                        groups={p.name: p.group for p in pairs if p.group is not None}, folder=base)
        index = VolumesFormat(self.options).index_listed(base, layout, classes)
        index.pairing = [f"{line}, a case of image and label volumes a row", *index.pairing]
        return index


def listed_pairs(manifest: Path, images: str | None = None,
                 masks: str | None = None) -> tuple[Path, list[Pair], list[tuple[Path, str | None]], str | None]:
    """The folder a manifest's paths start from (`_base`), the pairs it lists, its images
    without a mask, each with its split, and the first image path not here as written and read
    as the file it ends with below the base (Excel's `C:\\Users\\...`, a Kaggle notebook's
    `../input/...`), or None. `images` and `masks` name the columns to read (`chosen_columns`).

    Raises:
        DataError: a manifest that cannot be read, lists nothing, has no image column or several
            mask columns, or has a row without an image path or with an unknown split, naming the
            file (and the row).
    """
    rows = _rows(manifest, images, masks)
    base = _base(manifest, rows)
    pairs, unlabelled = [], []
    elsewhere = None  # the first image path written on another machine that names a file below `base`
    for row in rows:
        image = _path(base, row, "image", manifest)
        if elsewhere is None and image != _written(row.values["image"], base):  # found by `_moved`
            elsewhere = row.values["image"]
        split = _split(row, manifest)
        mask_text = row.values.get("mask")
        if mask_text in (None, ""):
            unlabelled.append((image, split))
            continue
        group = row.values.get("group")
        pairs.append(Pair(stem(image), image, _path(base, row, "mask", manifest), split,
                          None if group in (None, "") else str(group)))
    return base, pairs, unlabelled, elsewhere


def _rows(path: Path, images: str | None, masks: str | None) -> list[_Row]:
    """Rows with their columns renamed to image, mask, split and group (`chosen_columns`, once
    per set of columns: a JSON list's objects may differ)."""
    raw = _READERS.get(path.suffix.lower(), _table_rows)(path)
    if not raw:
        raise DataError(f"manifest '{path}' lists no pairs")
    chosen: dict[tuple[str, ...], dict[str, str]] = {}
    rows = []
    for number, cells in raw:
        header = tuple(column for column, _ in cells)
        if header not in chosen:
            chosen[header] = chosen_columns(header, path, images, masks)
        named = {column_name(column): value for column, value in cells}
        rows.append(_Row(number, {role: _stripped(named[column]) for role, column in chosen[header].items()}))
    damaged = next((row for row in rows if any("\x00" in str(row.values.get(c, "")) for c in ("image", "mask"))), None)
    if damaged is not None:  # looked up, such a path raised ValueError deep in the readers
        raise DataError(f"manifest '{path}', row {damaged.number}: a path holds a NUL character, which no file name "
                        "can (a damaged file?); write the row's paths again, or remove it")
    return rows


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _text(path: Path) -> str:
    """A manifest's text, a BOM a spreadsheet wrote left out.

    Raises:
        DataError: unreadable, naming it.
    """
    try:
        return regular_text(path, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"manifest '{path}' cannot be read: {err}") from None


def _table_rows(path: Path) -> list[tuple[int, _Cells]]:
    """The rows of a CSV or TSV manifest by line number (the header is line 1), each cell beside its
    column's name, a name written twice kept twice (`chosen_columns` refuses such a column where it
    is read; csv.DictReader kept the last silently), a row's missing cells None; its cells separated
    by commas, tabs or semicolons (a spreadsheet's CSV where the comma is the decimal mark).

    Raises:
        DataError: a row with more cells than the header has columns, naming its line.
    """
    text = _text(path)
    delimiter = table_delimiter(path, text.partition("\n")[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)  # only \r and \n end a row
    header = next(reader, [])
    rows = []
    for row in reader:
        if len(row) > len(header):
            raise DataError(f"manifest '{path}' line {reader.line_num}: {len(row) - len(header)} more cells than the "
                            f"header's {len(header)} columns")
        if any(cell.strip() for cell in row):
            rows.append((reader.line_num, [*zip(header, row), *((column, None) for column in header[len(row):])]))
    return rows


def _json_rows(path: Path) -> list[tuple[int, _Cells]]:
    text = _text(path)
    try:
        data = json_value(text)
    except (ValueError, RecursionError) as err:  # ValueError: JSONDecodeError, or a number past int()'s 4,300 digits
        raise DataError(f"manifest '{path}' is not valid JSON: {err}") from None
    if isinstance(data, dict) and "pairs" in data:
        data = data["pairs"]
    elif isinstance(data, dict) and set(data) & set(_JSON_SPLITS):  # {"training": [...], "test": [...]}
        data = [
            {"split": _JSON_SPLITS[key], **(item if isinstance(item, dict) else {"image": item})}
            for key in data if key in _JSON_SPLITS and isinstance(data[key], list)
            for item in data[key]
        ]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise DataError(
            f"manifest '{path}' must be a list of {{\"image\": ..., \"mask\": ...}} objects "
            "(or {\"pairs\": [...]}, or {\"training\": [...], \"validation\": [...], \"test\": [...]})"
        )
    return [(i + 1, list(item.items())) for i, item in enumerate(data)]


def _json_lines_rows(path: Path) -> list[tuple[int, _Cells]]:
    """The rows of a JSON Lines manifest (Hugging Face's `metadata.jsonl`), an object a line, by line number.

    Raises:
        DataError: a line that is no JSON object, naming it.
    """
    shape = f'{{"{IMAGE_FILE_COLUMN}": ..., "mask_{IMAGE_FILE_COLUMN}": ...}}'
    return [(number, list(item.items())) for number, item in json_object_lines(path, "manifest", shape)]


_READERS = {".json": _json_rows, JSON_LINES_SUFFIX: _json_lines_rows}  # the rows of a manifest by suffix; else a table


def _base(manifest: Path, rows: list[_Row]) -> Path:
    """The folder the manifest's relative paths start from: its own, or the nearest of the two
    above it where most of the first images exist (VisA's `split_csv/1cls.csv` names
    `candle/Data/...` from the dataset's top; Kaggle's CSVs sit in a folder of their own)."""
    listed = [_expanded(v) for v in (row.values.get("image") for row in rows[:20]) if isinstance(v, str) and v]
    relative = [path for path in listed if not path.is_absolute()]
    for base in (manifest.parent, *list(manifest.parent.parents)[:2]):
        if relative and sum(os.path.exists(base / path) for path in relative) * 2 > len(relative):
            if base != manifest.parent:
                logger.info("%s: its paths are relative to '%s', not to the manifest's folder", manifest, base)
            return base
    return manifest.parent


def _path(base: Path, row: _Row, column: str, manifest: Path) -> Path:
    value = row.values.get(column)
    if not isinstance(value, str) or not value:
        raise DataError(f"manifest '{manifest}', row {row.number}: the {column} path is empty")
    written = _written(value, base)
    return (_moved(value, base) or written) if _elsewhere(value, base) else written


def _written(value: str, base: Path) -> Path:
    path = _expanded(value)
    return path if path.is_absolute() else base / path


def _expanded(value: str) -> Path:
    """A listed path, `~` its writer's home folder when that is one here (`~anna/x.jpg` written on
    another machine stays as written, where `expanduser` raises)."""
    try:
        return Path(value).expanduser()
    except RuntimeError:
        return Path(value)


def _elsewhere(value: str, base: Path) -> bool:
    """Whether a path was written on another machine or from another folder: not here as written
    (os.path's look-ups: a name too long for the file system is not here, where Path's raise)."""
    return not os.path.exists(_written(value, base))


def _moved(value: str, base: Path) -> Path | None:
    """The file below `base` that a path written on another machine or from another folder names,
    where that path is not here (Excel on Windows: `C:\\Users\\anna\\Desktop\\lesions\\images\\x.jpg`,
    `/home/anna/...`; a Kaggle notebook's `../input/covid19-ct-scans/ct_scans/x.nii`, `/kaggle/input/...`):
    the longest end of it that is (`images/x.jpg`), so that a mask folder's file of the image's name
    stays the mask's; None when no end is. An end climbing out of `base` (`..`) is none."""
    parts = [part for part in cell_path(value).parts if part.strip("/")][-_MOST_PARTS:]
    return next((found for k in range(len(parts)) if ".." not in parts[k:]
                 and os.path.isfile(found := base.joinpath(*parts[k:]))), None)


def _split(row: _Row, manifest: Path) -> str | None:
    value = row.values.get("split")
    if value in (None, ""):
        return None
    split = SPLIT_WORDS.get(str(value).strip().lower())
    if split is None:
        raise DataError(
            f"manifest '{manifest}', row {row.number}: unknown split '{value}'; use train, val or test "
            "(or training, valid, validation, testing)"
        )
    return split
