"""The levels of a hierarchical COCO file's categories: DENTEX 2023's `categories_1` (quadrants),
`categories_2` (teeth) and `categories_3` (diagnoses), each object's category at level N in
`category_id_N`, ids from 0. One level is read as the classes: the last, the finest (the label
of the task its subset adds), unless `--label-field category_id_1` names another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from seglab.errors import DataError

_LEVEL = re.compile(r"categories_(\d{1,9})", re.ASCII)  # a level's number, which int() reads (not 5,000 digits)
LEVEL_KEY = re.compile(r'"categories_\d+"')  # in a file's head: it may be a hierarchical COCO file


class LevelledFile(Protocol):
    """What `levels_line` reads of a COCO file read (`coco_reading.CocoAnnotations`)."""

    levels: dict[str, int]
    level: str


def category_levels(data: dict) -> list[str]:
    """The levels of a hierarchical COCO file's categories, in order: the numbers of its
    `categories_1`, `categories_2`, ... lists (DENTEX's quadrant, tooth and diagnosis); none for
    a file of one `categories` list."""
    return sorted((found[1] for key, value in data.items()
                   if (found := _LEVEL.fullmatch(key)) is not None and isinstance(value, list)), key=int)


def level_read(data: dict, path: Path, label_field: str | None) -> tuple[str, list]:
    """The field that names each object's category and the categories it names: a plain file's
    `category_id` and `categories`; a hierarchical file's last level (`category_id_3` and
    `categories_3`: the finest, the label of the task its subset adds), or the level `label_field`
    names (`--label-field category_id_1`).

    Raises:
        DataError: `label_field` names no level of a hierarchical file.
    """
    levels = category_levels(data)
    if not levels:
        return "category_id", data["categories"]
    fields = [f"category_id_{level}" for level in levels]
    chosen = label_field if label_field is not None else fields[-1]
    if chosen not in fields:
        raise DataError(f"COCO file '{path}' has {len(levels)} levels of categories, read by the objects' "
                        f"{', '.join(fields)}; --label-field {chosen} names none of them: pass one of these")
    return chosen, data[f"categories_{chosen[len('category_id_'):]}"]


def levels_line(files: Sequence[LevelledFile]) -> str:
    """What `seglab inspect` says of hierarchical files: each level with its category count, the
    one read, and the flag that reads another; empty when no file has levels."""
    leveled = [f for f in files if f.levels]
    if not leveled:
        return ""
    levels = {name: count for f in leveled for name, count in f.levels.items()}
    read = sorted({f.level for f in leveled})
    others = [name for name in levels if name not in read]
    listed = ", ".join(f"{name} ({count} categories)" for name, count in levels.items())
    return (f"; levels of categories {listed}: read by {' and '.join(read)}"
            + (f" (--label-field {others[0]} reads another)" if others else ""))
