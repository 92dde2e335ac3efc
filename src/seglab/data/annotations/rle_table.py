"""The "rle-table" format: masks shipped as run-length strings in a CSV table, as Kaggle's
segmentation competitions ship them, beside a folder of images.

Recognised tables (`seglab.data.files.rle` reads the strings):
- an id and a mask column: TGS Salt's `id,rle_mask`, Airbus Ship Detection's
  `ImageId,EncodedPixels` (a row per ship), HuBMAP's `id,encoding`, Sartorius' `id,annotation`
  (a row per cell): one class, `object`, the union of an image's rows;
- with a class column: Severstal's `ImageId,ClassId,EncodedPixels`, UW-Madison GI Tract's
  `id,class,segmentation`: a label per class (numbers as given, names from 1 in sorted order);
- with image and class in one cell: Understanding Clouds' `Image_Label,EncodedPixels`
  (`0011165.jpg_Fish`).

An id names an image by its file name or stem, or as a folder above it joined to the start of
its name (UW-Madison's `case123_day20_slice_0001` for `case123_day20/scans/slice_0001_266_266_1.50_1.50.png`).
Masks are decoded once into PNG files in the cache folder, keyed by the table, the images and
the reading, so every later stage reads plain pairs; a dataset that ships mask files too (TGS,
Carvana) is read from those (folder-pairs).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.files.staging import default_cache_dir
from seglab.data.classes import ClassSpec, default_colours, generic_name
from seglab.data.files.file_version import file_version
from seglab.data.layouts.folder_pairs import unique_names
from seglab.data.discovery.folders import Folder, ships_mask_files, walk
from seglab.data.layouts.formats import FORMATS, DatasetFormat, ReadOptions
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.files.npy_files import memory_mapped
from seglab.data.files.io import write_mask_png
from seglab.data.classes.mapping import IdentityMapping, MaskMapping
from seglab.data.layouts.multilabel import ClassFilesMapping
from seglab.data.discovery.naming import stem
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import ReadError, decode
from seglab.data.files.staging import staged_folder
from seglab.data.files.dicom import DICOM_SUFFIX, dicom_size
from seglab.data.files.rle import EMPTY_TEXTS, ORDERS, RleError, likely_order, paint, parse_runs, relative_runs, unflatten
from seglab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

RLE_ORDERS = ("auto", *ORDERS)
CACHE_VERSION = 1  # part of every key: bump when decoding changes, so old folders are not reused
_COLUMNS = {
    "id": ("id", "imageid", "image_id", "img", "image", "img_id", "filename", "file_name", "image_name", "name"),
    "rle": ("rle_mask", "encodedpixels", "encoded_pixels", "rle", "encoding", "segmentation", "annotation",
            "mask_rle", "rle_encoding"),
    "class": ("classid", "class_id", "class", "category", "category_id", "label", "class_name", "classname"),
    "joined": ("image_label", "imageid_classid"),  # Understanding Clouds, Severstal's first release
}  # fmt: skip
_NOT_LABELS = ("submission",)  # Kaggle's sample_submission.csv has the columns, with placeholder masks
_SAMPLED = 64  # masks on non-square images that decide the pixel order
_MANIFEST = "masks.json"  # written last: a folder without it was never completed
_LONGEST_CELL = 2**31 - 1  # HuBMAP's masks of 30,000 x 30,000 px scans are megabytes per cell; csv stops at 128 KiB


@dataclass(frozen=True)
class _Row:
    line: int  # in the CSV, the header being line 1
    id: str
    label: str | None  # the class cell, None without a class column
    rle: str


@dataclass
class _Table:
    path: Path
    rows: list[_Row] = field(default_factory=list)
    classes: bool = False

    def lists_empty_masks(self) -> bool:
        """Whether images without an object have rows (Airbus, TGS) or none (Severstal lists defects only)."""
        return any(not parse_runs_quietly(r.rle) for r in self.rows)


def parse_runs_quietly(text: str, relative: bool = False) -> int:
    """The number of runs of `text`, 0 for an empty or unreadable one (reading reports it later)."""
    try:
        return len(parse_runs(text, relative)[0])
    except RleError:
        return 0


def _columns(header: list[str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found = {}
    for role, names in _COLUMNS.items():
        index = next((lowered.index(n) for n in names if n in lowered), None)
        if index is not None:
            found[role] = index
    return found


def _looks_like_rle(text: str) -> bool:
    return bool(re.fullmatch(r"\s*\d+\s+\d+(\s+\d+\s+\d+)*\s*", text))


def rle_tables(folder: Path) -> list[Path]:
    """The run-length tables in `folder` (`is_rle_table`), in natural name order."""
    return [p for p in sorted(folder.glob("*.csv"), key=lambda p: natural_key(p.name)) if is_rle_table(p)]


def is_rle_table(path: Path) -> bool:
    """Whether `path` is a CSV whose header names an id and a mask column and whose first masks
    are run-length strings (sample submissions left out)."""
    if path.suffix.lower() != ".csv" or any(word in path.name.lower() for word in _NOT_LABELS) or not path.is_file():
        return False
    csv.field_size_limit(_LONGEST_CELL)
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file)
            columns = _columns(next(reader, []))
            if "rle" not in columns or not ({"id", "joined"} & columns.keys()):
                return False
            cells = (row[columns["rle"]] for _, row in zip(range(2000), reader) if len(row) > columns["rle"])
            return any(_looks_like_rle(cell) for cell in cells if cell.strip().lower() not in EMPTY_TEXTS)
    except (OSError, UnicodeDecodeError, csv.Error):
        return False


def _read_table(path: Path) -> _Table:
    """The rows of an RLE table.

    Raises:
        DataError: the file cannot be read, or a row lacks its id (the line named).
    """
    table = _Table(path)
    csv.field_size_limit(_LONGEST_CELL)
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file)
            columns = _columns(next(reader, []))
            table.classes = "class" in columns or "joined" in columns
            for line, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                values = {role: row[i].strip() if len(row) > i else "" for role, i in columns.items()}
                if "joined" in columns:
                    key, _, label = values["joined"].rpartition("_")
                else:
                    key, label = values["id"], values.get("class")
                if not key:
                    raise DataError(f"'{path}' line {line}: no image id")
                if table.classes and not label and values["rle"]:
                    raise DataError(f"'{path}' line {line}: pixels of no class (the class cell is empty)")
                table.rows.append(_Row(line, key, label, values["rle"]))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"run-length table '{path}' cannot be read: {err}") from None
    return table


@FORMATS.register("rle-table")
class RleTableFormat(DatasetFormat):
    """A CSV of run-length encoded masks (Kaggle) beside the image folder; DATA is the folder or the CSV."""

    reads_file = True

    layout = ("a CSV of run-length masks (Kaggle: id + rle_mask/EncodedPixels, optional ClassId) beside the "
              "images, with no mask files")
    priority = -1  # before the manifest (a CSV too) and folder-pairs (which finds the images alone)

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, tuple[list[Path], list[Folder]]] = {}

    def tables_of(self, root: Path) -> tuple[list[Path], list[Folder]]:
        """The run-length tables of `root` (the folder's, or `root` itself when it is one) and the
        folders under the tables' folder, once per root: detect and index read the same listing."""
        if root not in self._found:
            tables = ([root] if is_rle_table(root) else []) if root.is_file() else rle_tables(root)
            self._found[root] = (tables, walk(root.parent if root.is_file() else root) if tables else [])
        return self._found[root]

    def detect(self, root: Path) -> bool:
        tables, folders = self.tables_of(root)
        if root.is_file() or not tables:
            return bool(tables)
        return not ships_mask_files(folders)  # TGS, Carvana

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        tables, walked = self.tables_of(root)
        table = _read_table(_the_table(root, tables))
        base = table.path.parent
        folders = [f for f in walked if f.files and not f.named_mask]
        images, how = _match_ids(table, folders, base)
        labels, names = _labels(table, classes)
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
                                  Path(self.options.cache_dir or default_cache_dir()) / "rle")
        problems += found
        pairs = _pairs(decoded, images, base)
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


def _pairs(decoded: dict[Path, list[Path]], images: dict[str, Path], base: Path) -> list[Pair]:
    """The pairs of the decoded masks, named by their ids where an id says more than the file
    (UW-Madison's `case123_day20_slice_0001`) and grouped by subject folder."""
    group_root = _group_root(list(decoded))
    ids = {image: key for key, image in images.items()}
    pairs = []
    for image, masks in decoded.items():
        group = image.relative_to(group_root).parts[0] if group_root is not None else None
        name = ids[image] if image in ids and ids[image] not in (image.name, stem(image)) else stem(image)
        pairs.append(Pair(name, image, masks[0], None, group, tuple(masks[1:])))
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


def _labels(table: _Table, classes: ClassSpec | None) -> tuple[dict[str | None, int], dict[int, str]]:
    """The label each class cell paints and the name of each label (0 is background).

    Raises:
        DataError: a classes.json naming another number of classes than the table has.
    """
    cells = sorted({row.label for row in table.rows if row.label}, key=natural_key)  # "": a row of no pixels
    if not table.classes:
        labels: dict[str | None, int] = {None: 1}
        names = {0: "background", 1: "object"}
    elif all(c.isdigit() and int(c) >= 1 for c in cells):  # Severstal's ClassId 1-4: the numbers are the labels
        labels = {c: int(c) for c in cells}
        names = {0: "background", **{v: generic_name(v) for v in range(1, max(labels.values()) + 1)}}
    else:
        labels = {c: i for i, c in enumerate(cells, start=1)}
        names = {0: "background", **{i: c for c, i in labels.items()}}
    if classes is not None:
        if classes.num_classes != len(names):
            raise DataError(f"classes.json names {classes.num_classes} classes, but '{table.path}' has {len(names)}: "
                            f"{', '.join(names[k] for k in sorted(names))} (background first)")
        names = dict(enumerate(classes.names))
    return labels, names


def _order(table: _Table, images: dict[str, Path], asked: str, relative: bool) -> tuple[str, str]:
    """The pixel order to read the runs in, and why.

    Raises:
        ConfigError: an unknown order.
    """
    if asked not in RLE_ORDERS:
        raise ConfigError(f"data.rle_order must be one of {', '.join(RLE_ORDERS)}, got '{asked}'")
    if asked != "auto":
        return asked, "as asked"
    samples = []
    for row in table.rows:
        image = images.get(row.id)
        if image is None or not parse_runs_quietly(row.rle, relative):
            continue
        try:
            shape = _image_size(image)
        except ReadError:
            continue
        if shape[0] != shape[1]:
            samples.append((row.rle, shape))
            if len(samples) == _SAMPLED:
                break
    found = likely_order(samples, relative)
    if found is not None:
        return found, f"only this order draws coherent shapes, {len(samples)} masks read both ways"
    reason = "square images cannot tell the orders apart" if not samples else "the masks read alike both ways"
    return "column", f"Kaggle's usual; {reason}: pass --rle-order row if the masks look transposed or sheared"


def _image_size(path: Path) -> tuple[int, int]:
    """(H, W) of an image from its header, within the pixel budget (its masks are decoded at
    that size: a small file announcing 100,000 x 100,000 pixels would ask for 10 GB).

    Raises:
        ReadError: the file cannot be read, or holds more pixels than the budget.
    """
    def size(file: Path) -> tuple[int, int]:
        if file.suffix.lower() == ".npy":
            shape = memory_mapped(file).shape
            height, width = int(shape[0]), int(shape[1])
        elif file.suffix.lower() == DICOM_SUFFIX:  # SIIM-ACR's radiographs
            height, width = dicom_size(file)
        else:
            with Image.open(file) as image:
                height, width = image.height, image.width
        within_budget((height, width))
        return height, width
    return decode(path, "image", size)


@dataclass(frozen=True)
class _Reading:
    """How a table's runs become mask files: the label of each class cell, the pixel order, one
    file per class (multi-label) or one label mask, and the colours of the PNGs' palette."""

    labels: dict[str | None, int]
    order: str
    multilabel: bool
    colours: tuple[tuple[int, int, int], ...]
    relative: bool = False  # SIIM-ACR's starts, from the previous run's end

    @property
    def channels(self) -> list[int]:
        """The labels painted, in order: the channels of multi-label masks."""
        return sorted(set(self.labels.values()))

    @property
    def folders(self) -> dict[int, str]:
        """The folder of each label's files (multi-label): its class cell, made a safe name."""
        return {v: _safe(str(c)) or generic_name(v) for c, v in self.labels.items()}

    def key(self, table: _Table, images: list[Path]) -> str:
        facts = [CACHE_VERSION, list(file_version(table.path)), self.order, self.multilabel, self.relative,
                 sorted(self.labels.items(), key=str), [list(file_version(p)) for p in images]]
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]


def _decoded(table: _Table, rows_by_image: dict[Path, list[_Row]], background: list[Path], reading: _Reading,
             cache_root: Path) -> tuple[dict[Path, list[Path]], list[Problem]]:
    """Each image's mask files, decoded now or by an earlier call, and the problems of rows and
    images that gave none. The cache names images relative to the table's folder, so that a
    dataset given by another path (a run's config holds it absolute) finds the same masks."""
    images = [*rows_by_image, *background]
    folder = cache_root / f"{table.path.stem}-{reading.key(table, images)}"
    if not (folder / _MANIFEST).is_file():
        _write(table, rows_by_image, background, reading, folder)
    manifest = json.loads((folder / _MANIFEST).read_text())
    base = table.path.parent
    masks = {base / image: [folder / name for name in names] for image, names in manifest["masks"].items()}
    problems = [Problem(table.path, f"'{table.path}' line {line} ('{key}', image '{base / image}'): {text}",
                        "bad-mask") for image, line, key, text in manifest["bad_rows"]]
    problems += [Problem(base / image, f"classes overlap in '{table.path.name}': {text}", "overlapping-classes")
                 for image, text in manifest["overlaps"]]
    failed = {base / image for image, *_ in manifest["bad_rows"]}
    for image in images:
        if image not in masks and image not in failed:
            try:
                _image_size(image)
            except ReadError as err:  # said again with the path as given now
                problems.append(Problem(image, str(err), err.code))
    return masks, problems


def _write(table: _Table, rows_by_image: dict[Path, list[_Row]], background: list[Path], reading: _Reading,
           folder: Path) -> None:
    log.info("decoding %d run-length masks of '%s' into '%s' (once)", len(rows_by_image), table.path, folder)
    with staged_folder(folder) as partial:
        _write_masks(table, rows_by_image, background, reading, partial)


def _write_masks(table: _Table, rows_by_image: dict[Path, list[_Row]], background: list[Path], reading: _Reading,
                 partial: Path) -> None:
    if reading.multilabel:
        for name in reading.folders.values():
            (partial / name).mkdir()
    base = table.path.parent
    masks: dict[str, list[str]] = {}
    bad_rows: list[tuple[str, int, str, str]] = []
    overlaps: list[tuple[str, str]] = []
    blanks: dict[tuple[int, int], str] = {}
    for number, (image, rows) in enumerate([*rows_by_image.items(), *((b, []) for b in background)]):
        relative = image.relative_to(base).as_posix()
        try:
            shape = _image_size(image)
        except ReadError:  # `_decoded` reports it
            continue
        planes = {v: np.zeros(shape[0] * shape[1], np.uint8) for v in (reading.channels if reading.multilabel else [0])}
        clashes: list[str] = []
        for row in rows:
            if not row.rle:  # the image is listed without pixels (of this class)
                continue
            value = reading.labels[row.label]
            try:
                clashed = paint(planes[value if reading.multilabel else 0], *parse_runs(row.rle, reading.relative), value)
            except RleError as err:
                bad_rows.append((relative, row.line, row.id, str(err)))
                break
            if clashed:
                clashes.append(f"{clashed} pixels of line {row.line}")
        else:
            if clashes:
                overlaps.append((relative, f"{', '.join(clashes)} already held another class; the later row's "
                                 "class is kept"))
            name = f"{number:06d}-{_safe(stem(image))}.png"
            masks[relative] = _save(planes, shape, name, reading, partial, blanks)
    (partial / _MANIFEST).write_text(json.dumps({"table": table.path.name, "masks": masks, "bad_rows": bad_rows,
                                                 "overlaps": overlaps}))


def _save(planes: dict[int, np.ndarray], shape: tuple[int, int], name: str, reading: _Reading, folder: Path,
          blanks: dict[tuple[int, int], str]) -> list[str]:
    """Write an image's masks and return their paths under `folder`; masks without a pixel share
    one all-zero file per size (most of Airbus' 190,000 images show no ship)."""
    written = []
    for value, flat in planes.items():
        if flat.any():
            path = f"{reading.folders[value]}/{name}" if reading.multilabel else name
            write_mask_png(folder / path, unflatten(flat, shape, reading.order), reading.colours)
            written.append(path)
    if written:
        return written
    if shape not in blanks:
        first = f"{reading.folders[reading.channels[0]]}/" if reading.multilabel else ""
        blanks[shape] = f"{first}empty-{shape[0]}x{shape[1]}.png"
        write_mask_png(folder / blanks[shape], np.zeros(shape, np.uint8), reading.colours)
    return [blanks[shape]]


def _folders_named(folders: set[Path], base: Path) -> str:
    """The image folders, or how many lie under which folder when there are many (UW-Madison's scans)."""
    if len(folders) <= 3:
        return ", ".join(sorted(f"{f.relative_to(base).as_posix() or '.'}/" for f in folders))
    common = Path(os.path.commonpath([str(f) for f in folders]))
    return f"{len(folders)} folders under {common.relative_to(base).as_posix() or '.'}/"


def _safe(name: str) -> str:
    """`name` as a file or folder name on any system."""
    return re.sub(r"[^\w.-]+", "_", name)


def _group_root(images: list[Path]) -> Path | None:
    """The folder whose subfolders are the groups (UW-Madison's case folders), when the images lie
    in several folders below one; None when they share one folder."""
    parents = {p.parent for p in images}
    if len(parents) < 2:
        return None
    common = Path(os.path.commonpath([str(p) for p in parents]))
    return common if all(p != common for p in parents) else None
