"""Split lists of row numbers into a table the dataset ships: SeasoNet's `splits/train.csv` lists
`0`, `1`, `4`, ..., rows of its `meta.csv`, whose `Path` column names each patch's folder
(`spring/grid1/32UME_.../`). Read through the table when one table beside the list or in the
folder above its own has one column of paths and a row for every number (by its `Index` column
when it has one, else by position); else said, and left as numbers, which name no image.
"""

from __future__ import annotations

import csv
import functools
import logging
from collections.abc import Collection
from pathlib import Path

from seglab.data.classes.text_files import side_file_text
from seglab.data.files.folder_listing import entries
from seglab.data.files.delimiters import table_rows
from seglab.data.splitting.list_names import named_split
from seglab.data.splitting.list_readers import TABLE_SUFFIXES, names_file

logger = logging.getLogger(__name__)

_INDEX_TITLE = "index"  # a column numbering the rows as pandas writes it: SeasoNet's `Index`
_MOST_BYTES = 1 << 30  # a metadata table of a million patches is read; a larger file is no table of them


def rows_named(path: Path, listed: list[str], stems: Collection[str]) -> list[str]:
    """`listed`, the entries of a split list, or, when all are row numbers and no image is named by
    a number (GTA5's `00001.png`, which numbers name), the paths the table they index gives
    those rows (`spring/grid1/32UME_...`: `list_search` matches a folder by its path's end)."""
    if not listed or not all(e.isascii() and e.isdigit() for e in listed) \
            or any(s.isascii() and s.isdigit() for s in stems):
        return listed
    numbers = [int(e) for e in listed]
    found = {table: paths for table in _tables_near(path) if (paths := _row_paths(table, set(numbers))) is not None}
    if len(found) != 1:
        reason = (f"the tables {', '.join(repr(str(t)) for t in found)} each give a path per row" if found else
                  "no table beside it or in the folder above its own has one column of paths and a row for each")
        logger.warning("split list '%s' lists row numbers, not names, and is not read: %s; train with "
                       "--split-file FILE (JSON) naming the images", path, reason)
        return listed
    table, paths = found.popitem()
    logger.info("split list '%s' lists rows of '%s': read as the paths it gives them ('%s' for %d)",
                path, table, paths[numbers[0]], numbers[0])
    return [paths[n] for n in numbers]


def _tables_near(path: Path) -> list[Path]:
    """The tables beside the list `path` and in the folder above its own, but split lists."""
    folders = dict.fromkeys((path.parent, path.parent.parent))
    return [table for folder in folders for table in sorted(entries(folder))
            if table.suffix.lower() in TABLE_SUFFIXES and named_split(table.stem, "") is None and table.is_file()]


def _row_paths(table: Path, numbers: set[int]) -> dict[int, str] | None:
    """The path in each row of `table` by the row's number, when it has one column whose every
    cell names a file or folder and a row of each of `numbers`; else None."""
    try:
        stat = table.stat()
    except OSError:
        return None
    paths = _paths_by_row(table, stat.st_mtime_ns, stat.st_size) if stat.st_size <= _MOST_BYTES else None
    return paths if paths is not None and numbers <= paths.keys() else None


@functools.lru_cache(maxsize=4)  # the train, val and test lists index one table: derived once, not per list
def _paths_by_row(table: Path, mtime_ns: int, size: int) -> dict[int, str] | None:
    """The path in each row of `table` by the row's number as of its `mtime_ns` and `size` (a table
    written anew is read anew), when it has one column whose every cell names a file or folder; else None."""
    rows = _cells(table)
    if len(rows) < 2:
        return None
    titles, body = rows[0], rows[1:]
    columns = [i for i in range(len(titles)) if all(i < len(row) and names_file(row[i]) for row in body)]
    if len(columns) != 1:
        return None
    index = next((i for i, title in enumerate(titles) if title.strip().lower() == _INDEX_TITLE), None)
    keys = [row[index].strip() if index is not None and index < len(row) else str(n) for n, row in enumerate(body)]
    if not all(k.isascii() and k.isdigit() for k in keys) or len(set(keys)) < len(keys):
        return None
    return {int(k): row[columns[0]].replace("\\", "/").strip().strip("/") for k, row in zip(keys, body)}


def _cells(table: Path) -> list[list[str]]:
    """The cells of each row of `table`; none when it cannot be read."""
    try:
        return table_rows(table, side_file_text(table).splitlines())
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
