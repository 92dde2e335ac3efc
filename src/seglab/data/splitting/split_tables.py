"""Splits from a metadata table a dataset ships beside its cases: a split column beside a column
naming them. TotalSegmentator's `meta.csv` (`image_id;...;split`) names its volume case folders
(`s0000/`); CloudSEN12's `cloudsen12_metadata.csv` (`roi_id,s2_id_gee,label_type,split`) the folder
of each scene (`high/ROI_00012/<s2 id>/S2L1C.tif`); VegAnn's `VegAnn_dataset.csv`
(`Name;...;TVT-split1;...;TVT-split5`, Training/Validation/Test) its image files, in five splits
of which the first is read. A JSON object keyed by case, each value an object naming its split, is
such a table too: MMFlood's `activations.json` (`{"EMSR107": {..., "subset": "train"}}`), whose
tiles `EMSR107-0/s1_raw/EMSR107-0-0.tif` are clips of activation EMSR107, numbered after it. The
table is the dataset's own split: a drawn one would put its test scenes in training.
"""

from __future__ import annotations

import csv
import functools
import logging
import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.classes.json_text import RepeatedKeyError, json_value
from seglab.data.classes.text_files import open_regular, regular_text, side_file_text
from seglab.data.discovery.naming import folder_split, stem, usable_splits
from seglab.data.files.delimiters import cell_path, table_rows
from seglab.data.files.folder_listing import listed_files
from seglab.data.files.index import Pair
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.files.parquet_shards import PARQUET_SUFFIX, text_rows
from seglab.data.splitting.list_readers import LISTS
from seglab.data.splitting.subjects.grouping import CLIP
from seglab.errors import DataError

log = logging.getLogger(__name__)

_MOST_BYTES = 64 << 20  # CloudSEN12's table of every scene is a few MB; bigger tables are no metadata of cases
_HEAD = 1 << 16  # what is read of a JSON file to tell whether it may name splits
# what names a pair's case in a table: its image's stem, else the folder holding it (a scene's S2L1C.tif)
_PAIR_NAMES: tuple[Callable[[Pair], str], ...] = (lambda p: stem(p.image), lambda p: p.image.parent.name)
# a split column's title: a split word, numbered or after other words (VegAnn's `TVT-split1`, `image_set`), or
# before words that say which split (SeaTurtleID2022's `split_closed`, `split_open`)
_SPLIT_TITLE = re.compile(r"(?:.*[^a-z])?(?:split|subset|set|fold|partition)[_\- ]?\d*"
                          r"|(?:split|subset|fold|partition)(?:[_\- ][a-z]+)+")
_SPLIT_WORD = re.compile(r"split|subset|set|fold|partition")  # in a table's first line: parsed further


def table_splits(folder: Path, names: Sequence[str]) -> dict[str, str]:
    """case -> split from a table in `folder` with a split column and a column naming the cases
    `names`, when the splits it gives may split the dataset (`usable_splits`); empty otherwise."""
    return _splits_by(_split_tables(folder), names)


def _split_tables(folder: Path, read_otherwise: Collection[Path] = ()) -> list[tuple[Path, list[list[str]]]]:
    """The CSV and Parquet tables and JSON objects of cases in `folder` that have a split column
    (`_split_columns`), each with its rows, header first; a CSV whose first line names no split,
    and a JSON file whose head does not, is not parsed further, and a file the layout reads as
    something else (`read_otherwise`: LabelMe's JSON file per image) is not opened. A Parquet
    table that cannot be read (no pyarrow) is said, with what reads it."""
    tables = []
    listed = listed_files(folder, (".csv", ".json", PARQUET_SUFFIX)) if folder.is_dir() else []
    for path in sorted(set(listed) - set(read_otherwise)):
        try:
            if path.stat().st_size > _MOST_BYTES:
                continue
            rows = _ROWS.get(path.suffix, _csv_rows)(path)
        except (OSError, UnicodeDecodeError, csv.Error):  # not a table of cases: not one to split by
            continue
        except DataError as err:
            log.warning("%s; its split column, if any, is not read", err)
            continue
        if rows and _split_columns(rows[0]):
            tables.append((path, rows))
    return tables


def _csv_rows(path: Path) -> list[list[str]]:
    lines = side_file_text(path).splitlines()
    return table_rows(path, lines) if lines and _SPLIT_WORD.search(lines[0].lower()) else []


def _json_rows(path: Path) -> list[list[str]]:
    """A JSON object keyed by case whose values are objects with split keys (MMFlood's
    `activations.json`: `"EMSR107": {"title": ..., "subset": "train"}`) as a table's rows: the
    case, then the split keys of its first value; none for JSON of any other shape."""
    with open_regular(path, "r", encoding="utf-8-sig") as file:
        if not _SPLIT_WORD.search(file.read(_HEAD).lower()):
            return []
    try:
        cases = json_value(regular_text(path, encoding="utf-8-sig"))
    except RepeatedKeyError as err:  # JSON, but a corrupt export: said, as a table that cannot be read is
        raise DataError(f"split table '{path}' cannot be read: {err}") from None
    except (ValueError, RecursionError):  # no JSON, or a number of more digits than int() reads (4,300)
        return []
    if not isinstance(cases, dict) or not cases or not all(isinstance(v, dict) for v in cases.values()):
        return []
    keys = [k for k in next(iter(cases.values())) if _SPLIT_TITLE.fullmatch(k.lower())]
    return [["keys", *keys], *([case, *(str(value.get(k, "")) for k in keys)] for case, value in cases.items())]


def _parquet_rows(path: Path) -> list[list[str]]:
    """A Parquet table's rows (`text_rows`), read only when its footer names a split column."""
    return text_rows(path, lambda titles: bool(_split_columns(titles)))


_ROWS: dict[str, Callable[[Path], list[list[str]]]] = {".json": _json_rows, PARQUET_SUFFIX: _parquet_rows}


def _split_columns(header: list[str]) -> list[int]:
    """The columns whose titles name a split (`split`, `subset`, `set`, `fold`, `partition`,
    numbered or after other words: VegAnn's `TVT-split1` ... `TVT-split5`), in their order."""
    return [i for i, title in enumerate(header) if _SPLIT_TITLE.fullmatch(title.strip().lower())]


def _splits_by(tables: list[tuple[Path, list[list[str]]]], names: Sequence[str],
               read: dict[tuple[Path, int, int], dict[str, str]] | None = None,
               groups: Mapping[str, str] | None = None) -> dict[str, str]:
    """case -> split from the first split column of `tables` with a column naming every case of
    `names` (`_case_split`) in splits that may split the dataset; empty when none does. Of a
    table's split columns, the first that keeps each of the cases' `groups` (case -> subject) in one
    split is read before the first (SeaTurtleID2022's `split_open` keeps each turtle in one split,
    its `split_closed` shares turtles between them for closed-set re-identification); the others
    (VegAnn's `TVT-split2` ...) are said, not read. `read`: the cases of each (table, column, split
    column) read for another naming of the same pairs, kept there."""
    wanted, read = set(names), {} if read is None else read
    for path, rows in tables:
        header = [h.strip() for h in rows[0]]
        split_columns = _split_columns(header)
        usable: list[tuple[int, int, dict[str, str]]] = []  # (split column, case column, case -> split)
        for at in split_columns:
            for column in (c for c in range(len(header)) if c not in split_columns):
                if (path, column, at) not in read:
                    read[path, column, at] = _cases(rows[1:], column, at)
                cases = read[path, column, at]
                splits = {name: folder_split(split) for name in wanted
                          if (split := _case_split(name, cases)) is not None}
                if len(splits) == len(wanted) and usable_splits(splits.values()):
                    usable.append((at, column, splits))
                    break
            if usable and not groups:
                break  # the first is read: no groups to keep together
        if not usable:
            continue
        at, column, splits = next((u for u in usable if _keeps_groups(u[2], groups or {})), usable[0])
        found = list(splits.values())
        others = [header[c] for c in split_columns if c != at]
        kept = ", which keeps each group of pairs in one split" if at != usable[0][0] else ""
        log.info("split of the cases from the table '%s' (its %s column%s, the cases by its %s column): %s%s",
                 path, header[at], kept, header[column], ", ".join(f"{s} {found.count(s)}" for s in LISTS if s in found),
                 f"; its other split columns ({', '.join(others)}) are not read: no flag picks one, "
                 "--split-file FILE (a JSON of each split's pair names) gives another" if others else "")
        return {name: split for name, split in splits.items() if split}
    return {}


def _keeps_groups(splits: Mapping[str, str | None], groups: Mapping[str, str]) -> bool:
    """Whether `splits` (case -> split) put each of the cases' `groups` in one split; False without groups."""
    split_of: dict[str, str | None] = {}
    return bool(groups) and all(split_of.setdefault(groups[name], split) == split
                                for name, split in splits.items() if name in groups)


def _cases(rows: list[list[str]], column: int, at: int) -> dict[str, str]:
    """case -> split cell of a table's `rows`, a case named by its `column` cell, and by its stem
    where that names an image file (VegAnn's `VegAnn_0006_EPHYSIA.png`)."""
    cases: dict[str, str] = {}
    for row in rows:
        if len(row) > max(column, at):
            cell, split = row[column].strip(), row[at].strip()
            cases[cell] = split
            if "." in cell and (named := cell_path(cell)).suffix.lower() in IMAGE_SUFFIXES:
                cases.setdefault(named.stem, split)
    return cases


def _case_split(name: str, cases: dict[str, str]) -> str | None:
    """The split of case `name`, or of the case it is a clip of, numbered after it as often as it
    is (`EMSR107-0-0`: tile 0 of delineation 0 of MMFlood's activation `EMSR107`)."""
    while name not in cases and (found := CLIP.fullmatch(name)) is not None:
        name = found["case"]
    return cases.get(name)


def pair_table_splits(pairs: list[Pair], root: Path, read_otherwise: Collection[Path] = ()) -> list[Pair]:
    """`pairs` with the splits a table gives them (`table_splits`) by their image stems, else by
    their images' folders, the table in the folder holding all the image folders or one above it,
    within `root`, else the tables of one set of columns that each folder below it holding image
    folders has (`_branch_tables`, looked for only when those above give no split); as they are
    when one has a split already, or no table gives them. Of a table's split columns, one that keeps
    the pairs' groups together comes first (`_splits_by`). Each folder's tables are read once for
    both namings; the files the layout reads as something else (`read_otherwise`: its annotation
    files, a JSON per image) never as tables."""
    if not pairs or any(p.split is not None for p in pairs):
        return pairs
    held = Path(os.path.commonpath([p.image.parent for p in pairs]))
    above = [_split_tables(folder, read_otherwise) for folder in (held, *held.parents) if folder.is_relative_to(root)]
    branches = functools.cache(lambda: _branch_tables(held, pairs, read_otherwise))

    def tables() -> Iterator[list[tuple[Path, list[list[str]]]]]:
        yield from above
        yield branches()

    read: dict[tuple[Path, int, int], dict[str, str]] = {}  # a table column's cases, for both namings
    for name_of in _PAIR_NAMES:
        names = [name_of(p) for p in pairs]
        groups = {name: p.group for name, p in zip(names, pairs) if p.group is not None}
        for folder_tables in tables():
            splits = _splits_by(folder_tables, names, read, groups)
            if splits:
                return [replace(p, split=splits[name]) for p, name in zip(pairs, names)]
    return pairs


def _branch_tables(held: Path, pairs: list[Pair],
                   read_otherwise: Collection[Path]) -> list[tuple[Path, list[list[str]]]]:
    """The tables that the folders just below `held` holding the pairs' images each have, of one set
    of columns, joined into one table (named by the first) where every such folder has one: Fields of
    The World's `<country>/chips_<country>.parquet` beside each country's `s2_images/`."""
    branches = sorted({held / p.image.relative_to(held).parts[0] for p in pairs
                       if len(p.image.relative_to(held).parts) > 1})
    if len(branches) < 2:
        return []
    by_columns: dict[tuple[str, ...], list[tuple[Path, list[list[str]]]]] = {}
    for branch in branches:
        for path, rows in _split_tables(branch, read_otherwise):
            by_columns.setdefault(tuple(title.strip() for title in rows[0]), []).append((path, rows))
    joined = []
    for found in by_columns.values():
        if len({path.parent for path, _ in found}) == len(branches):
            joined.append((found[0][0], [found[0][1][0], *(row for _, rows in found for row in rows[1:])]))
            log.info("the tables of %s's columns in the %d folders holding the images (%s) are one table, "
                     "named by the first", found[0][0].name, len(branches), ", ".join(f.name for f in branches[:3]))
    return joined
