"""A run-length table's masks decoded once into PNG files in the cache folder, in the pixel
order its runs follow.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.annotations.rle_table_file import _Row, _Table, parse_runs_quietly
from seglab.data.classes import generic_name
from seglab.data.discovery.naming import stem
from seglab.data.discovery.unmasked import blank_mask_name
from seglab.data.files.dicom import DICOM_SUFFIX, dicom_size
from seglab.data.files.file_version import file_version
from seglab.data.files.index import Problem
from seglab.data.files.io import write_mask_png
from seglab.data.files.npy_files import memory_mapped
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import ReadError, decode
from seglab.data.files.rle import ORDERS, RleError, likely_order, paint, parse_runs, unflatten
from seglab.data.files.staging import staged_folder
from seglab.errors import ConfigError

log = logging.getLogger(__name__)

RLE_ORDERS = ("auto", *ORDERS)
CACHE_VERSION = 1  # part of every key: bump when decoding changes, so old folders are not reused
_SAMPLED = 64  # masks on non-square images that decide the pixel order
_MANIFEST = "masks.json"  # written last: a folder without it was never completed


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
        blanks[shape] = f"{first}{blank_mask_name(shape)}"
        write_mask_png(folder / blanks[shape], np.zeros(shape, np.uint8), reading.colours)
    return [blanks[shape]]


def _safe(name: str) -> str:
    """`name` as a file or folder name on any system."""
    return re.sub(r"[^\w.-]+", "_", name)
