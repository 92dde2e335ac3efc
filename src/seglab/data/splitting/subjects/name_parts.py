"""The parts of a pair's name and paths that the subject rules read and show: its file's part of
the name, the words between separators, an image folder less its split folders, a path as
`seglab inspect` lists it. Rules of every kind read them alike."""

from __future__ import annotations

import os
import re
from pathlib import Path

from seglab.data.discovery.naming import folder_split

NAME_PART = re.compile(r"[^_\- ]+")


def last_part(name: str) -> str:
    """A pair's name less its folders (`video01/frame_80` -> `frame_80`): what its file is called."""
    return name.rsplit("/", 1)[-1]


def shown_path(path: Path, root: Path) -> str:
    """`path` inside the dataset folder as `seglab inspect` lists its files."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def folder_in_split(folder: Path, root: Path) -> str:
    """An image folder below `root` less its split folders (`train/aachen` -> `aachen`, `test/` ->
    `.`): a subject in a shipped train/ and test/ is in one place, and a split is no group. Callers
    ask once per folder: many pairs share one."""
    parts = Path(os.path.relpath(folder, root)).parts
    return Path(*(part for part in parts if folder_split(part) is None)).as_posix()
