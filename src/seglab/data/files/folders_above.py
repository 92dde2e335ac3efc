"""The folders above a dataset folder that may be read as the dataset's: a few up, below the
user's home folder and the file system's root (never those), and below the first that holds
other datasets. What is looked for there is one dataset's (its split lists, ADE20K's
`objects.txt`, the folder of an annotation file's images); a search that went on read `~`,
`/home` and `/` for `~/Downloads/data`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from itertools import islice
from pathlib import Path

from seglab.data.files.folder_listing import skipped_folder

_MOST_ENTRIES = 1_000  # a folder above DATA holding more is no dataset's own (a downloads folder): not read
_OTHER_FOLDERS = 3  # folders beside DATA's way up that make a folder one of datasets (a drive's): not read


def folders_above(root: Path, most: int, ours: Callable[[str], bool] = lambda name: False) -> list[Path]:
    """The folders up to `most` above `root`, nearest first, below the user's home folder and the
    file system's root, up to the first that holds other datasets (`_holds_others`; a folder
    beside the way up that `ours` names is the dataset's: a split-list folder)."""
    try:
        home: Path | None = Path(os.path.abspath(Path.home()))
    except RuntimeError:  # no home folder known: the file system's root bounds the search
        home = None
    found = []
    below = root
    for folder in root.parents[:most]:
        where = Path(os.path.abspath(folder))
        if where == where.parent or (home is not None and home.is_relative_to(where)) \
                or _holds_others(folder, below, ours):
            break
        found.append(folder)
        below = folder
    return found


def _holds_others(folder: Path, below: Path, ours: Callable[[str], bool]) -> bool:
    """Whether `folder` holds other datasets beside `below`, the folder on DATA's way up:
    `_OTHER_FOLDERS` visible folders or more that are not `ours`, or more than `_MOST_ENTRIES`
    entries (a downloads folder, a drive's top); or cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            held = list(islice(entries, _MOST_ENTRIES + 1))
        others = [e for e in held if e.name != below.name and not skipped_folder(e.name) and not ours(e.name)
                  and e.is_dir()]
    except OSError:
        return True
    return len(held) > _MOST_ENTRIES or len(others) >= _OTHER_FOLDERS
