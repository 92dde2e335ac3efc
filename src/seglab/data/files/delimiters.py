"""The separators of a small table a dataset ships beside its files (a metadata `.csv` or
`.tsv`): between its cells comma, tab or semicolon, as spreadsheets write them (TotalSegmentator's
`meta.csv` separates by semicolons), and inside a cell's path `/` or Windows' backslash."""

from __future__ import annotations

import csv
from pathlib import Path, PurePosixPath


def table_delimiter(path: Path, header: str) -> str:
    """Tab for a `.tsv`; else whichever of comma, tab and semicolon the header line holds most of
    (comma when none)."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    return max(",\t;", key=header.count)


def table_rows(path: Path, lines: list[str]) -> list[list[str]]:
    """The cells of each line of a small table, split by `table_delimiter` of its first line and
    unquoted as the csv module does (a quoted cell may hold the separator).

    Raises:
        csv.Error: a cell past csv's size limit.
    """
    return list(csv.reader(lines, delimiter=table_delimiter(path, lines[0]))) if lines else []


def cell_path(cell: str) -> PurePosixPath:
    """The path a table's cell names, whichever machine wrote it: Excel on Windows writes
    `C:\\Users\\anna\\lesions\\images\\x.jpg`, read as `C:/Users/anna/lesions/images/x.jpg`, so
    that its file name and the folders above it read as a path written here would."""
    return PurePosixPath(cell.strip().replace("\\", "/"))
