"""The "rle-table" format: masks shipped as run-length strings in a CSV table, as Kaggle's
segmentation competitions ship them, beside a folder of images.

Recognised tables (`seglab.data.files.rle` reads the strings):
- an id and a mask column: TGS Salt's `id,rle_mask`, Airbus Ship Detection's
  `ImageId,EncodedPixels` (a row per ship), HuBMAP's `id,encoding`, Sartorius' `id,annotation`
  (a row per cell): one class, `object`, the union of an image's rows;
- with a class column: Severstal's `ImageId,ClassId,EncodedPixels`, UW-Madison GI Tract's
  `id,class,segmentation`: a label per class (numbers as given, one up where they start at 0;
  names from 1 in sorted order), named by a COCO-like categories JSON beside the table where
  one names the numbers; iMaterialist Fashion's `ClassId` of `6_28_77` is class 6 with
  attribute ids 28 and 77, which are not read;
- with image and class in one cell: Understanding Clouds' `Image_Label,EncodedPixels`
  (`0011165.jpg_Fish`).

An id names an image by its file name or stem, or as a folder above it joined to the start of
its name (UW-Madison's `case123_day20_slice_0001` for `case123_day20/scans/slice_0001_266_266_1.50_1.50.png`).
Masks are decoded once into PNG files in the cache folder, keyed by the table, the images and
the reading, so every later stage reads plain pairs; a dataset that ships mask files too (TGS,
Carvana) is read from those (folder-pairs).

The table is read by `rle_table_file` and its masks decoded by `rle_masks`; this module matches
rows to images and makes the pairs.
"""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from pathlib import Path

from seglab.data.annotations.rle_masks import _Reading, _decoded, _order
from seglab.data.annotations.rle_table_file import _Row, _Table, _read_table, is_rle_table, rle_tables
from seglab.data.classes import ClassSpec, category_names, default_colours, generic_name
from seglab.data.classes.mapping import IdentityMapping, MaskMapping
from seglab.data.discovery.folders import Folder, ships_mask_files, walk
from seglab.data.discovery.naming import stem
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.files.rle import relative_runs
from seglab.data.files.staging import cache_folder
from seglab.data.layouts.folder_pairs import unique_names
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.data.layouts.multilabel import ClassFilesMapping
from seglab.errors import ConfigError, DataError

log = logging.getLogger(__name__)


@FORMATS.register("rle-table")
class RleTableFormat(FindingFormat[tuple[list[Path], list[Folder]]]):
    """A CSV of run-length encoded masks (Kaggle) beside the image folder; DATA is the folder or the CSV."""

    reads_file = True

    layout = ("a CSV of run-length masks (Kaggle: id + rle_mask/EncodedPixels, optional ClassId) beside the "
              "images, with no mask files")
    priority = -1  # before the manifest (a CSV too) and folder-pairs (which finds the images alone)

    def find(self, root: Path) -> tuple[list[Path], list[Folder]]:
        """The run-length tables of `root` (the folder's, or `root` itself when it is one) and the
        folders under the tables' folder: detect and index read the same listing."""
        tables = ([root] if is_rle_table(root) else []) if root.is_file() else rle_tables(root)
        return tables, walk(root.parent if root.is_file() else root) if tables else []

    def detect(self, root: Path) -> bool:
        tables, folders = self.found(root)
        if root.is_file() or not tables:
            return bool(tables)
        return not ships_mask_files(folders)  # TGS, Carvana

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        tables, walked = self.found(root)
        table = _read_table(_the_table(root, tables))
        base = table.path.parent
        folders = [f for f in walked if f.files and not f.named_mask]
        images, how = _match_ids(table, folders, base)
        labels, names, read_as = _labels(table, classes)
        relative = relative_runs([row.rle for row in table.rows])
        order, why = _order(table, images, self.options.rle_order, relative)
        multilabel = self.options.multilabel
        if multilabel and not table.classes:
            raise ConfigError(f"--task multilabel reads the classes of a run-length table as channels, but "
                              f"'{table.path}' has no class column: its masks are one class")
        rows_by_image, problems = _rows_by_image(table, images)
        unlabelled, background, unpaired = _images_without_rows(table, folders, images, rows_by_image)
        problems += unpaired
        reading = _Reading(labels, order, multilabel, default_colours(max(names) + 1, tuple(names.values())), relative)
        decoded, found = _decoded(table, rows_by_image, background, reading,
                                  cache_folder(self.options.cache_dir, "rle"))
        problems += found
        pairs = _pairs(decoded, images, base, table.path)
        if multilabel:
            channels = reading.channels
            mapping: MaskMapping = ClassFilesMapping(tuple(reading.folders[v] for v in channels))
            spec = ClassSpec(tuple(names[v] for v in channels))
        else:
            mapping, spec = IdentityMapping(), ClassSpec(tuple(names[v] for v in sorted(names)))
        where = _folders_named({p.image.parent for p in pairs}, base)
        lines = [f"{table.path.name}: {len(table.rows)} rows, {len(pairs)} masks of images in {where} ({how}); "
                 f"pixel order {order}-major ({why})"
                 + ("; each start counts from the previous run's end (SIIM-ACR's encoding)" if relative else "")]
        if read_as:
            lines.append(read_as)
        if background:
            lines.append(f"{len(background)} images without a row read as all background: the table lists no "
                         "empty masks, only objects (as Severstal's lists only defects)")
        index = DatasetIndex(base, "rle-table", pairs, unlabelled, spec, mapping, problems, pairing=lines)
        for line in lines:
            log.info("%s", line)
        return index


def _rows_by_image(table: _Table, images: dict[str, Path]) -> tuple[dict[Path, list[_Row]], list[Problem]]:
    """Each image's rows, and a warning for each row whose id names no image."""
    rows_by_image: dict[Path, list[_Row]] = defaultdict(list)
    problems = []
    for row in table.rows:
        image = images.get(row.id)
        if image is None:
            problems.append(Problem(table.path, f"'{table.path}' line {row.line}: '{row.id}' names no image under "
                                    f"'{table.path.parent}'", "mask-without-image"))
        else:
            rows_by_image[image].append(row)
    return rows_by_image, problems


def _images_without_rows(table: _Table, folders: list[Folder], images: dict[str, Path],
                         rows_by_image: dict[Path, list[_Row]]) -> tuple[list[Path], list[Path], list[Problem]]:
    """The images no row names: unlabelled (a test folder without rows), all background (a folder
    with rows, when the table lists no empty masks: Severstal) or unpaired (when it does)."""
    labelled = {image.parent for image in images.values()}
    empty_rows = table.lists_empty_masks()
    unlabelled, background, problems = [], [], []
    for folder in folders:
        for file in folder.files:
            if file in rows_by_image:
                continue
            if folder.path not in labelled:
                if folder.split == "test":
                    unlabelled.append(file)
            elif empty_rows:
                problems.append(Problem(file, f"image has no row in '{table.path.name}'", "image-without-mask"))
            else:
                background.append(file)
    return unlabelled, background, problems


def _pairs(decoded: dict[Path, list[Path]], images: dict[str, Path], base: Path, table: Path) -> list[Pair]:
    """The pairs of the decoded masks, named by their ids where an id says more than the file
    (UW-Madison's `case123_day20_slice_0001`) and grouped by subject folder, each mask naming
    `table` and its image for findings about it."""
    group_root = _group_root(list(decoded))
    ids = {image: key for key, image in images.items()}
    pairs = []
    for image, masks in decoded.items():
        group = image.relative_to(group_root).parts[0] if group_root is not None else None
        name = ids[image] if image in ids and ids[image] not in (image.name, stem(image)) else stem(image)
        pairs.append(Pair(name, image, masks[0], None, group, tuple(masks[1:]),
                          sources=dict.fromkeys(masks, f"decoded from '{table}' for image '{image}'")))
    return unique_names(pairs, base)


def _the_table(root: Path, tables: list[Path]) -> Path:
    """The one table `detect` found under `root`.

    Raises:
        DataError: several tables, named.
    """
    if len(tables) > 1:
        raise DataError(f"'{root}' holds {len(tables)} run-length tables ({', '.join(t.name for t in tables)}); "
                        "pass the one to train on as DATA (e.g. " + str(root / tables[0].name) + ")")
    return tables[0]


def _match_ids(table: _Table, folders: list[Folder], base: Path) -> tuple[dict[str, Path], str]:
    """Each id's image, and how ids were matched.

    Raises:
        DataError: no id names an image (the first ids and the folders searched named).
    """
    ids = {row.id for row in table.rows}
    found: dict[str, Path] = {}
    for folder in folders:
        for file in folder.files:
            for key in (file.name, stem(file)):
                if key in ids and key not in found:
                    found[key] = file
    if found:
        return found, "ids are file names" if any(f.name in ids for f in found.values()) else "ids are file stems"
    for folder in folders:
        for file in folder.files:
            key = _joined_key(file, base, ids)
            if key is not None and key not in found:
                found[key] = file
    if found:
        return found, "ids are a folder name joined to the start of the file name"
    examples = ", ".join(sorted(ids, key=natural_key)[:3])
    searched = ", ".join(f"{f.path.relative_to(base).as_posix() or '.'}/ ({len(f.files)})" for f in folders[:6])
    raise DataError(f"no image under '{base}' is named by the ids of '{table.path}' (such as {examples}); "
                    f"image folders: {searched or 'none'}")


def _joined_key(file: Path, base: Path, ids: set[str]) -> str | None:
    """The id made of a folder above `file` and the start of its stem, cut at an underscore."""
    name = stem(file)
    cuts = [m.start() for m in re.finditer("_", name)] + [len(name)]
    for folder in file.parent.relative_to(base).parts[::-1]:
        for cut in cuts:
            key = f"{folder}_{name[:cut]}"
            if key in ids:
                return key
    return None


def _labels(table: _Table, classes: ClassSpec | None) -> tuple[dict[str | None, int], dict[int, str], str]:
    """The label each class cell paints, the name of each label (0 is background), and how
    numbered classes were read ("" for other tables).

    Raises:
        DataError: a classes.json naming another number of classes than the table has.
    """
    cells = sorted({row.label for row in table.rows if row.label}, key=natural_key)  # "": a row of no pixels
    numbers = _class_numbers(cells) if table.classes else None
    read_as = ""
    if not table.classes:
        labels: dict[str | None, int] = {None: 1}
        names = {0: "background", 1: "object"}
    elif numbers is not None:
        labels, names, read_as = _numbered_labels(table.path, numbers)
    else:
        labels = {c: i for i, c in enumerate(cells, start=1)}
        names = {0: "background", **{i: c for c, i in labels.items()}}
    if classes is not None:
        if classes.num_classes != len(names):
            raise DataError(f"classes.json names {classes.num_classes} classes, but '{table.path}' has {len(names)}: "
                            f"{', '.join(names[k] for k in sorted(names))} (background first)")
        names = dict(enumerate(classes.names))
    return labels, names, read_as


_NUMBERS = re.compile(r"\d+(_\d+)*")  # Severstal's `3`, iMaterialist's `6_28_77`


def _class_numbers(cells: list[str]) -> dict[str, int] | None:
    """Each class cell's class number: the cell (Severstal's `1`..`4`), or its first number where
    the cells are numbers joined by `_` and a first number recurs with other tails (iMaterialist's
    `6` and `6_28_77`: class 6, then fine-grained attribute ids). None for named classes."""
    if not cells or not all(_NUMBERS.fullmatch(c) for c in cells):
        return None
    firsts = {c: int(c.split("_")[0]) for c in cells}
    tails: dict[int, set[str]] = defaultdict(set)
    for cell, first in firsts.items():
        tails[first].add(cell)
    return firsts if all(c.isdigit() for c in cells) or any(len(t) > 1 for t in tails.values()) else None


def _numbered_labels(path: Path, numbers: dict[str, int]) -> tuple[dict[str | None, int], dict[int, str], str]:
    """Labels of numbered classes: the numbers, one up where they start at 0 (iMaterialist's
    "shirt, blouse" is 0: background must stay 0), named by a categories JSON beside the table
    (`category_names`) that names every number, else `class_<number>`; and how they were read."""
    source, named = _categories(path.parent, set(numbers.values()))
    known = {*numbers.values(), *named}
    shift = 1 if min(known) == 0 else 0
    labels: dict[str | None, int] = {cell: n + shift for cell, n in numbers.items()}
    names = {0: "background", **{n + shift: named.get(n, generic_name(n)) for n in range(1 - shift, max(known) + 1)}}
    said = []
    attributed = [c for c in numbers if not c.isdigit()]
    if attributed:
        said.append(f"the first number of a class cell is its class, the attribute ids after it are not read "
                    f"('{attributed[0]}' is class {numbers[attributed[0]]}; {len(attributed)} of {len(numbers)} "
                    "class cells carry attributes)")
    if shift:
        said.append("class numbers start at 0, so each is read as label number + 1 (0 stays background)")
    if source is not None:
        said.append(f"names from {source.name}")
    return labels, names, "Classes: " + "; ".join(said) if said else ""


def _categories(folder: Path, numbers: set[int]) -> tuple[Path | None, dict[int, str]]:
    """The first JSON in `folder` whose categories list names every class number, and its names
    (None and none without one)."""
    for path in sorted(folder.glob("*.json"), key=lambda p: natural_key(p.name)):
        names = category_names(path)
        if names is not None and numbers <= names.keys():
            return path, names
    return None, {}


def _folders_named(folders: set[Path], base: Path) -> str:
    """The image folders, or how many lie under which folder when there are many (UW-Madison's scans)."""
    if len(folders) <= 3:
        return ", ".join(sorted(f"{f.relative_to(base).as_posix() or '.'}/" for f in folders))
    common = Path(os.path.commonpath([str(f) for f in folders]))
    return f"{len(folders)} folders under {common.relative_to(base).as_posix() or '.'}/"


def _group_root(images: list[Path]) -> Path | None:
    """The folder whose subfolders are the groups (UW-Madison's case folders), when the images lie
    in several folders below one; None when they share one folder."""
    parents = {p.parent for p in images}
    if len(parents) < 2:
        return None
    common = Path(os.path.commonpath([str(p) for p in parents]))
    return common if all(p != common for p in parents) else None
