"""The separators of a small table a dataset ships beside its files (a metadata `.csv` or
`.tsv`): between its cells comma, tab or semicolon, as spreadsheets write them (TotalSegmentator's
`meta.csv` separates by semicolons), and inside a cell's path `/` or Windows' backslash; and the
columns its header writes twice."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
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


def repeated_column(header: Sequence[str], read: Iterable[str],
                    spelling: Callable[[str], str] = str.strip) -> list[str] | None:
    """The columns of `header`, as written, that are one of the columns `read` twice or more
    (compared as `spelling` gives each name: `Image` and `image` are one for a manifest); None
    where each column read is written once. Of such columns a row read by name (csv.DictReader)
    keeps the last cell silently: the reader refuses the table, naming them."""
    for column in read:
        same = [name for name in header if spelling(name) == column]
        if len(same) > 1:
            return same
    return None


def cell_path(cell: str) -> PurePosixPath:
    """The path a table's cell names, whichever machine wrote it: Excel on Windows writes
    `C:\\Users\\anna\\lesions\\images\\x.jpg`, read as `C:/Users/anna/lesions/images/x.jpg`, so
    that its file name and the folders above it read as a path written here would."""
    return PurePosixPath(cell.strip().replace("\\", "/"))
