"""Which CSV file is a run-length table, and its columns and rows, read once.

Its cells are separated by commas or tabs (Tianchi's building masks' `train_mask.csv`); a table
without a header (Tianchi's again: `<name>.jpg<TAB>132 9 164 9 ...`) is told by its first row, an
image file name and a run-length string (or an empty mask), and read as `name, rle`.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from seglab.data.classes.text_files import open_regular
from seglab.data.files.delimiters import table_delimiter
from seglab.data.files.index import natural_key
from seglab.data.files.rle import EMPTY_TEXTS, RleError, parse_runs
from seglab.data.splitting.list_readers import names_file
from seglab.errors import DataError
from seglab.data.files.folder_listing import matching

_COLUMNS = {
    "id": ("id", "imageid", "image_id", "img", "image", "img_id", "filename", "file_name", "image_name", "name"),
    "rle": ("rle_mask", "encodedpixels", "encoded_pixels", "rle", "encoding", "segmentation", "annotation",
            "mask_rle", "rle_encoding"),
    "class": ("classid", "class_id", "class", "category", "category_id", "label", "class_name", "classname"),
    "joined": ("image_label", "imageid_classid"),  # Understanding Clouds, Severstal's first release
}  # fmt: skip
# Kaggle's sample_submission.csv has the columns, with placeholder masks; so has Tianchi's test_a_samplesubmit.csv
_NOT_LABELS = ("submission", "submit")
_HEADERLESS = {"id": 0, "rle": 1}  # the columns of a table without a header: image file name, then its mask
_LONGEST_CELL = 2**31 - 1  # HuBMAP's masks of 30,000 x 30,000 px scans are megabytes per cell; csv stops at 128 KiB


@dataclass(frozen=True)
class _Row:
    line: int  # in the CSV, the header (where there is one) being line 1
    id: str
    label: str | None  # the class cell, None without a class column
    rle: str


@dataclass
class _Table:
    path: Path
    rows: list[_Row] = field(default_factory=list)
    classes: bool = False

    def lists_empty_masks(self) -> bool:
        """Whether images without an object have rows (Airbus, TGS) or none (Severstal lists defects only)."""
        return any(not parse_runs_quietly(r.rle) for r in self.rows)


def parse_runs_quietly(text: str, relative: bool = False) -> int:
    """The number of runs of `text`, 0 for an empty or unreadable one (reading reports it later)."""
    try:
        return len(parse_runs(text, relative)[0])
    except RleError:
        return 0


def _columns(header: list[str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found = {}
    for role, names in _COLUMNS.items():
        index = next((lowered.index(n) for n in names if n in lowered), None)
        if index is not None:
            found[role] = index
    return found


def _looks_like_rle(text: str) -> bool:
    return bool(re.fullmatch(r"\s*\d+\s+\d+(\s+\d+\s+\d+)*\s*", text))


def _table_rows(file: TextIO, path: Path) -> tuple[Iterator[list[str]], dict[str, int], int]:
    """The rows of an open table below its header, split by the delimiter its first line holds
    most of; the columns found by role; and the line number of the first row (1 for a table
    without a header, whose first line is a row)."""
    first = file.readline()
    delimiter = table_delimiter(path, first)
    head = next(csv.reader([first], delimiter=delimiter), [])
    rows = csv.reader(file, delimiter=delimiter)
    columns = _columns(head)
    if not columns and _is_headerless_row(head):
        return itertools.chain([head], rows), _HEADERLESS, 1
    return rows, columns, 2


def _is_headerless_row(cells: list[str]) -> bool:
    """Whether a first line is a row, not a header: an image file name, then a run-length string
    or an empty mask."""
    if len(cells) != len(_HEADERLESS):
        return False
    name, rle = (cell.strip() for cell in cells)
    return names_file(name) and (rle.lower() in EMPTY_TEXTS or _looks_like_rle(rle))


def rle_tables(folder: Path) -> list[Path]:
    """The run-length tables in `folder` (`is_rle_table`), in natural name order."""
    return [p for p in sorted(matching(folder, "*.csv"), key=lambda p: natural_key(p.name)) if is_rle_table(p)]


def is_rle_table(path: Path) -> bool:
    """Whether `path` is a CSV whose header names an id and a mask column, or that has no header
    (`_is_headerless_row`), and whose first masks are run-length strings (sample submissions
    left out)."""
    if path.suffix.lower() != ".csv" or any(word in path.name.lower() for word in _NOT_LABELS) or not path.is_file():
        return False
    csv.field_size_limit(_LONGEST_CELL)
    try:
        with open_regular(path, "r", newline="", encoding="utf-8-sig") as file:
            reader, columns, _ = _table_rows(file, path)
            if "rle" not in columns or not ({"id", "joined"} & columns.keys()):
                return False
            cells = (row[columns["rle"]] for _, row in zip(range(2000), reader) if len(row) > columns["rle"])
            return any(_looks_like_rle(cell) for cell in cells if cell.strip().lower() not in EMPTY_TEXTS)
    except (OSError, UnicodeDecodeError, csv.Error):
        return False


def _read_table(path: Path) -> _Table:
    """The rows of an RLE table.

    Raises:
        DataError: the file cannot be read, or a row lacks its id (the line named).
    """
    table = _Table(path)
    csv.field_size_limit(_LONGEST_CELL)
    try:
        with open_regular(path, "r", newline="", encoding="utf-8-sig") as file:
            reader, columns, first_line = _table_rows(file, path)
            table.classes = "class" in columns or "joined" in columns
            for line, row in enumerate(reader, start=first_line):
                if not any(cell.strip() for cell in row):
                    continue
                values = {role: row[i].strip() if len(row) > i else "" for role, i in columns.items()}
                if "joined" in columns:
                    key, _, label = values["joined"].rpartition("_")
                else:
                    key, label = values["id"], values.get("class")
                if not key:
                    raise DataError(f"'{path}' line {line}: no image id")
                if table.classes and not label and values["rle"]:
                    raise DataError(f"'{path}' line {line}: pixels of no class (the class cell is empty)")
                table.rows.append(_Row(line, key, label, values["rle"]))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"run-length table '{path}' cannot be read: {err}") from None
    return table
