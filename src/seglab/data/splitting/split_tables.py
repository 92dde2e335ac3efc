"""Splits from a metadata table a dataset ships beside its cases: a `split` column beside a column
naming them. TotalSegmentator's `meta.csv` (`image_id;...;split`) names its volume case folders
(`s0000/`); CloudSEN12's `cloudsen12_metadata.csv` (`roi_id,s2_id_gee,label_type,split`) the folder
of each scene (`high/ROI_00012/<s2 id>/S2L1C.tif`). The table is the dataset's own split: a drawn
one would put its test scenes in training.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.naming import folder_split, stem, usable_splits
from seglab.data.files.delimiters import table_rows
from seglab.data.files.index import Pair
from seglab.data.splitting.list_readers import LISTS

log = logging.getLogger(__name__)

_MOST_BYTES = 64 << 20  # CloudSEN12's table of every scene is a few MB; bigger tables are no metadata of cases
# what names a pair's case in a table: its image's stem, else the folder holding it (a scene's S2L1C.tif)
_PAIR_NAMES: tuple[Callable[[Pair], str], ...] = (lambda p: stem(p.image), lambda p: p.image.parent.name)


def table_splits(folder: Path, names: Sequence[str]) -> dict[str, str]:
    """case -> split from a table in `folder` with a `split` column and a column naming the cases
    `names`, when the splits it gives may split the dataset (`usable_splits`); empty otherwise."""
    return _splits_by(_split_tables(folder), names)


def _split_tables(folder: Path) -> list[tuple[Path, list[list[str]]]]:
    """The CSV tables in `folder` whose header names a `split` column, each with its rows, header
    first; a file whose first line names no split is not parsed further."""
    tables = []
    for path in sorted(folder.glob("*.csv")):
        try:
            if path.stat().st_size > _MOST_BYTES:
                continue
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            rows = table_rows(path, lines) if lines and "split" in lines[0].lower() else []
        except (OSError, UnicodeDecodeError, csv.Error):  # not a table of cases: not one to split by
            continue
        if rows and "split" in [h.strip().lower() for h in rows[0]]:
            tables.append((path, rows))
    return tables


def _splits_by(tables: list[tuple[Path, list[list[str]]]], names: Sequence[str]) -> dict[str, str]:
    """case -> split from the first of `tables` with a column naming the cases `names` (see
    `table_splits`); empty when none does."""
    wanted = set(names)
    for path, rows in tables:
        header = [h.strip().lower() for h in rows[0]]
        at = header.index("split")
        for column in range(len(header)):
            named = {row[column].strip(): row[at].strip() for row in rows[1:] if len(row) > max(column, at)}
            if column != at and len(wanted & named.keys()) >= 0.9 * len(wanted):
                splits = {name: folder_split(named[name]) for name in wanted if name in named}
                if len(splits) == len(wanted) and usable_splits(splits.values()):
                    found = list(splits.values())
                    log.info("split of the cases from the table '%s' (its %s column, the cases by its %s column): %s",
                             path, rows[0][at].strip(), rows[0][column].strip(),
                             ", ".join(f"{s} {found.count(s)}" for s in LISTS if s in found))
                    return {name: split for name, split in splits.items() if split}
    return {}


def pair_table_splits(pairs: list[Pair], root: Path) -> list[Pair]:
    """`pairs` with the splits a table gives them (`table_splits`) by their image stems, else by
    their images' folders, the table in the folder holding all the image folders or one above it,
    within `root`; as they are when one has a split already, or no table gives them. Each folder's
    tables are read once for both namings."""
    if not pairs or any(p.split is not None for p in pairs):
        return pairs
    held = Path(os.path.commonpath([p.image.parent for p in pairs]))
    tables = {folder: _split_tables(folder) for folder in (held, *held.parents) if folder.is_relative_to(root)}
    for name_of in _PAIR_NAMES:
        names = [name_of(p) for p in pairs]
        for folder_tables in tables.values():
            splits = _splits_by(folder_tables, names)
            if splits:
                return [replace(p, split=splits[name]) for p, name in zip(pairs, names)]
    return pairs
