"""Tables named after the label files they name, one per label set: neurite-oasis ships
`seg4_labels.txt` and `seg35_labels.txt` (FreeSurfer-style `0 Unknown`, `1 Cortex`, ... lines)
beside every subject's `seg4.nii.gz` and `seg35.nii.gz`. A table names the values of the label
files whose names hold its set's words, never another set's: `seg35_labels.txt` is no table of
`seg4.nii.gz`, however readable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from seglab.data.classes.value_names import (ValueNames, numbered_lines, value_names_from_colour_lut,
                                              value_names_from_csv)
from seglab.errors import DataError

logger = logging.getLogger(__name__)

# `<set>_labels.txt` (neurite-oasis), `<set>_lut.txt` (a FreeSurfer-style table of one segmentation)
_SET_TABLE = re.compile(r"(?P<set>.+)[_-](?:labels|lut)\.(?:txt|csv|tsv)", re.IGNORECASE)
_WORD_BREAK = re.compile(r"[_.\-\s]+")


@dataclass(frozen=True)
class LabelSetTables:
    """The tables of label sets in a folder (`label_set_tables`): the one named after the label
    files asked about, read, and the others, which must not name them."""

    own: ValueNames | None
    others: tuple[Path, ...]


def label_set_tables(folder: Path, label_stems: Sequence[str]) -> LabelSetTables:
    """The table in `folder` named after every one of `label_stems` (the label files' names less
    their suffixes) and the tables of other label sets there. A table's set is its name less
    `_labels` or `_lut`; it names the label files whose names hold every word of it (`seg4` for
    `seg4`, `aligned_seg4` and `slice_seg4`; not `seg35` or `slice_seg24`), the one of the most
    words first. A file so named that reads as no table (a list of label files, a CSV of other
    rows) is neither."""
    stems = [set(_words(stem)) for stem in label_stems]
    tables: list[tuple[int, ValueNames]] = []
    others: list[Path] = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        named = _SET_TABLE.fullmatch(path.name)
        try:
            names = value_names_of_label_set(path) if named is not None and path.is_file() else None
        except DataError as err:
            logger.debug("passed over as a label set's table: %s", err)
            continue
        if named is None or names is None:
            continue
        words = set(_words(named["set"]))
        if stems and all(words <= stem for stem in stems):
            tables.append((len(words), names))
        else:
            others.append(path)
    tables.sort(key=lambda found: -found[0])
    return LabelSetTables(tables[0][1] if tables else None, (*others, *(t.path for _, t in tables[1:])))


def value_names_of_label_set(path: Path) -> ValueNames | None:
    """The names a label set's table gives its values: FreeSurfer's colour table lines (`id name R
    G B A`), a CSV of an index and a name column, or `value name` lines, whose 0 may have any name
    (neurite-oasis' and FreeSurfer's `Unknown`): the file's name ties it to its label files. The
    table names every class of its set (`ValueNames.complete`), held by the masks read or not.
    None for a file of other lines.

    Raises:
        DataError: an unreadable file, naming it.
    """
    names = value_names_from_colour_lut(path) or value_names_from_csv(path)
    if names is None:
        numbered = numbered_lines(path)
        names = ValueNames(path, numbered) if numbered is not None else None
    return replace(names, complete=True) if names is not None else None


def _words(name: str) -> list[str]:
    return [word for word in _WORD_BREAK.split(name.lower()) if word]
