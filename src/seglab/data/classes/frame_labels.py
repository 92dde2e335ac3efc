"""Class names and mask colours from the colour tables a renderer writes beside each frame:
Omniverse Replicator's BasicWriter writes `semantic_segmentation_labels_0000.json` beside
`semantic_segmentation_0000.png`, `{"(140, 25, 255, 255)": {"class": "car"}, "(0, 0, 0, 0)":
{"class": "BACKGROUND"}, ...}`, listing only the classes that frame shows. One frame's table names
too few classes, so every frame's table of that naming is read and their union is the classes.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from pathlib import Path

from seglab.data.classes.class_tables import colour_table, small_json
from seglab.data.classes.names import is_void
from seglab.data.classes.spec import ClassSpec

_COLOUR_KEY = re.compile(r"\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*\d{1,3}\s*)?\)")
_FRAME_NUMBER = re.compile(r"\d+")


def frame_label_tables(listed: Iterable[Path]) -> list[Path]:
    """The first JSON file among a folder's entries (`listed`: the folder listing's, shared by its
    readers) of each naming with a frame number (`..._labels_#.json`) that `COLOUR_JSON_NAME`-like
    names call labels: one to hand `classes_from_frame_labels`."""
    firsts: dict[str, Path] = {}
    for path in sorted(listed):
        if _frame_table(path):
            firsts.setdefault(_naming(path), path)
    return list(firsts.values())


def classes_from_frame_labels(path: str | Path) -> ClassSpec | None:
    """The classes of every per-frame table named as `path` is, but for its numbers (Replicator's
    `semantic_segmentation_labels_0000.json`, `_0001.json`, ...): each a JSON object of
    `"(r, g, b[, a])"` keys and a name or `{"class": name}`, read as masks are, without alpha.
    Black first, then by name, so that a run's classes keep their numbers however its frames
    fall. A colour that tables name both void-like and otherwise (Replicator's BACKGROUND at
    alpha 0 and UNLABELLED at 255, both black) is the class; None when a file is of another
    shape (the bounding boxes' `{"0": {"class": "car"}}`) or a colour names two classes.

    Raises:
        DataError: a table that cannot be read, naming it.
    """
    path = Path(path)
    naming = _naming(path)
    named: dict[tuple[int, int, int], str] = {}
    for table in sorted(path.parent.iterdir()):
        if not _frame_table(table) or _naming(table) != naming:
            continue
        rows = _colour_names(small_json(table))
        if rows is None:
            return None
        for colour, name in rows:
            known = named.setdefault(colour, name)
            if known != name and is_void(known) and not is_void(name):
                named[colour] = name
            elif known != name and not is_void(name):
                return None
    if not named:
        return None
    order = sorted(named, key=lambda colour: (colour != (0, 0, 0), named[colour].lower(), colour))
    return colour_table([(named[colour], colour) for colour in order], f"frame labels '{path}'")


def _frame_table(path: Path) -> bool:
    """Whether `path` is named as a frame's table: `*label*.json` in any case, with a number."""
    return fnmatch.fnmatch(path.name.lower(), "*label*.json") and _FRAME_NUMBER.search(path.stem) is not None


def _naming(path: Path) -> str:
    return _FRAME_NUMBER.sub("#", path.name.lower())


def _colour_names(table: object) -> list[tuple[tuple[int, int, int], str]] | None:
    """(colour, name) of each entry of one frame's table; None for JSON of another shape."""
    if not isinstance(table, dict) or not table:
        return None
    rows = []
    for key, value in table.items():
        found = _COLOUR_KEY.fullmatch(key)
        name = value.get("class") if isinstance(value, dict) else value
        if found is None or not isinstance(name, str) or not name.strip():
            return None
        colour = (int(found[1]), int(found[2]), int(found[3]))
        if max(colour) > 255:
            return None
        rows.append((colour, name.strip()))
    return rows
