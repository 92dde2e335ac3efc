"""Class-index masks painted from objects drawn as shapes (COCO JSON, YOLO labels, LabelMe),
once, into the cache: the annotation formats hand each image's objects here, and every later
stage reads plain image/mask pairs.

An object is a class label and a COCO segmentation: polygons `[[x1, y1, x2, y2, ...], ...]` or a
run-length mask `{"size": [h, w], "counts": [...] or "compressed"}` in column-major order, or an
`Outline` that draws its own pixels (Supervisely's bitmaps and polygons with holes). Where
objects overlap, `OVERLAP_IGNORED` gives pixels that two classes claim the ignore label (COCO,
close to torchvision's reference, which ignores overlaps of one class too); `LATER_OVER_EARLIER`
lets the later object win (LabelMe, as its own converter draws shapes in order). Given a class
count (`--task multilabel`), `painted` writes a binary mask per class instead, in a folder per
class, so classes may overlap; `painted_mapping` reads them (`multilabel.ClassFilesMapping`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from seglab.data.classes.text_files import regular_file
from seglab.data.files.dicom import DICOM_SUFFIX, dicom_size
from seglab.data.files.file_threads import on_threads
from seglab.data.files.file_version import file_version
from seglab.data.files.index import Pair, Problem
from seglab.data.files.io import write_mask_png
from seglab.data.classes.mapping import IdentityMapping, MaskMapping
from seglab.data.layouts.multilabel import ClassFilesMapping
from seglab.data.files.pixel_budget import max_pixels
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable
from seglab.data.files.staging import staged_folder
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 2  # part of every key: bump when painting changes (2: non-finite points refused)
IGNORE = 255  # pixels two classes claim under OVERLAP_IGNORED: scored in no class
OVERLAP_IGNORED, LATER_OVER_EARLIER, CHANNELS = "ignored", "later-over-earlier", "channels"
_MANIFEST = "masks.json"  # written last: a folder without it was never completed
_ELLIPSE_SIDES = 64
_CENTRES_AT_ONCE = 1 << 20  # edge crossings, or pixels summed, per pass of `centres_inside`: a few MB

Outline = Callable[[int, int], np.ndarray]
"""An object that draws itself: (height, width) -> its pixels, a boolean array of that shape;
ValueError when it cannot."""

LabelMap = Callable[[int, int], np.ndarray]
"""An image's whole label map, drawn under its objects: (height, width), checked against the
pixel budget first, -> uint8 class indices of that shape (COCO panoptic's segment PNG, looked
up); DataError naming the file when it cannot."""


@dataclass(frozen=True)
class Drawn:
    """An object to paint: its class label (1..254) and its COCO segmentation or `Outline`;
    `source` names it in messages ("object 12 of image 'a.jpg' in 'x.json'")."""

    label: int
    segmentation: object
    source: str


@dataclass
class ImageObjects:
    """One image with its size as the annotation file states it, and its objects in order.

    Args:
        height, width: None when the file states no size (YOLO): the image's header gives it
            when the masks are painted, and a cached mask needs no header read.
        relative: outlines are fractions of the width and height (YOLO), not pixels.
        labels: the label map the objects are painted over; None: all background.
    """

    image: Path
    height: int | None
    width: int | None
    objects: list[Drawn] = field(default_factory=list)
    relative: bool = False
    labels: LabelMap | None = None


def painted(images: Sequence[ImageObjects], sources: Sequence[Path], overlap: str,
            colours: Sequence[tuple[int, int, int]], base: Path, folder_root: Path, name: str,
            channels: int | None = None) -> tuple[dict[Path, list[Path]], list[Problem]]:
    """Each image's mask files (one painted by `overlap`; with `channels`, the multi-label class
    count, one per class label 1..channels it shows, each in its class's folder), painted now or
    by an earlier call with the same `sources`
    (annotation files) and images, and the problems: images where two classes claimed pixels,
    images whose header could not be read for their size (no mask). The cache names images
    relative to `base`, so a dataset given by another path finds the same masks.

    Raises:
        DataError: an image larger than the pixel budget, or a segmentation that is neither
            polygons nor run-length counts (naming its source).
    """
    folders = _channel_folders(channels)
    overlap = CHANNELS if channels else overlap
    facts = [CACHE_VERSION, overlap, sorted(folders.items()), [list(file_version(p)) for p in sources],
             [[_name(i.image, base), i.height, i.width, i.relative, [o.label for o in i.objects],
               list(file_version(i.image))[1:] if i.height is None else None] for i in images]]
    folder = folder_root / f"{name}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        log.info("painting the objects of %d images into '%s' (once)", len(images), folder)
        with staged_folder(folder) as partial:
            _write(images, overlap, colours, base, partial, folders)
    manifest = json.loads((folder / _MANIFEST).read_text())
    masks = {base / image: [folder / mask for mask in names] for image, names in manifest["masks"].items()}
    problems = [Problem(base / image, text, "overlapping-classes") for image, text in manifest["overlaps"]]
    problems += [Problem(base / image, text, "unreadable") for image, text in manifest["unreadable"]]
    return masks, problems


def _name(image: Path, base: Path) -> str:
    """An image's name in the cache's manifest: its path from `base`, so that a dataset given by
    another path finds the same masks; absolute for an image outside it (one extracted from its
    annotation file into the cache), which `base / name` gives back alike."""
    return image.relative_to(base).as_posix() if image.is_relative_to(base) else image.as_posix()


def _channel_folders(count: int | None) -> dict[int, str]:
    """`CHANNELS`' folder of each class label 1..count (label 0 being the background)."""
    return {label: f"{label:03d}" for label in range(1, (count or 0) + 1)}


def painted_pair(name: str, image: Path, masks: Sequence[Path], split: str | None) -> Pair:
    """A pair of an image and its painted masks (several under `CHANNELS`), each naming the image
    whose annotations it was painted from, for findings about it."""
    return Pair(name, image, masks[0], split, more_masks=tuple(masks[1:]),
                sources=dict.fromkeys(masks, f"painted from the annotations of '{image}'"))


def painted_mapping(channels: int | None) -> MaskMapping:
    """How masks `painted` with `channels` are read: class indices, or a binary mask per class folder."""
    return ClassFilesMapping(tuple(_channel_folders(channels).values())) if channels else IdentityMapping()


def _write(images: Sequence[ImageObjects], overlap: str, colours: Sequence[tuple[int, int, int]], base: Path,
           partial: Path, channel_folders: Mapping[int, str]) -> None:
    """Paint every image into `partial` on a thread per core (`file_threads.on_threads`), then
    write the manifest."""
    for folder in channel_folders.values():
        (partial / folder).mkdir()

    def one(numbered: tuple[int, ImageObjects]) -> tuple[str, list[str] | None, str | None, str | None]:
        return _write_one(*numbered, overlap, colours, base, partial, channel_folders)

    written = on_threads(one, list(enumerate(images)))
    manifest = {"masks": {relative: names for relative, names, _, _ in written if names is not None},
                "overlaps": [(relative, text) for relative, _, text, _ in written if text],
                "unreadable": [(relative, text) for relative, _, _, text in written if text]}
    (partial / _MANIFEST).write_text(json.dumps(manifest))


def _write_one(number: int, entry: ImageObjects, overlap: str, colours: Sequence[tuple[int, int, int]], base: Path,
               partial: Path, channel_folders: Mapping[int, str]) -> tuple[str, list[str] | None, str | None,
                                                                           str | None]:
    """One image's masks: (its path from `base`, the mask files written or None, what two
    classes claimed, why its header could not be read)."""
    relative = _name(entry.image, base)
    if entry.height is None or entry.width is None:
        try:
            height, width = _header_size(entry.image)
        except (*DECODE_ERRORS, Unusable) as err:
            return relative, None, None, f"image cannot be read for its size: {err}"
        entry = replace(entry, height=height, width=width)
    name = f"{number:07d}-{entry.image.stem}.png"
    try:
        start = _checked_size(entry)  # the stated size, within the budget, before a label map is drawn at it
        if entry.labels is not None:
            start = entry.labels(entry.height, entry.width)
    except DataError as err:
        if entry.labels is None:
            raise
        return relative, None, None, str(err)  # one damaged label file: a finding, the others are painted
    if overlap == CHANNELS:
        return relative, _write_channels(entry, start, channel_folders, name, partial), None, None
    labels, claimed = paint(entry, overlap, start)
    write_mask_png(partial / name, labels, colours)
    return relative, [name], f"{claimed} pixels claimed by objects of two classes: ignore label {IGNORE}" \
        if claimed else None, None


def _write_channels(entry: ImageObjects, start: np.ndarray, channel_folders: Mapping[int, str], name: str,
                    partial: Path) -> list[str]:
    """An image's binary mask per class it shows, in that class's folder (0/1, any overlap
    kept), its label map's pixels of the class included; an image without objects gets an
    all-zero mask of the first class."""
    planes = {folder: (start == label) | (paint(replace(entry, objects=[o for o in entry.objects if o.label == label]),
                                                LATER_OVER_EARLIER, np.zeros_like(start))[0] != 0)
              for label, folder in channel_folders.items()}
    shown = {folder: on for folder, on in planes.items() if on.any()} or dict([next(iter(planes.items()))])
    for folder, on in shown.items():
        write_mask_png(partial / folder / name, on.astype(np.uint8), ((0, 0, 0), (255, 255, 255)))
    return [f"{folder}/{name}" for folder in shown]


def _header_size(image: Path) -> tuple[int, int]:
    """An image's (height, width) from its header: a DICOM frame's Rows and Columns (Sunnybrook's
    cine frames, outlined in text files), which Pillow cannot open, else Pillow's."""
    if image.suffix.lower() == DICOM_SUFFIX:
        return dicom_size(image)
    with Image.open(regular_file(image)) as opened:
        return opened.height, opened.width


def _checked_size(entry: ImageObjects) -> np.ndarray:
    """An all-background label map of the size the annotation states.

    Raises:
        DataError: no pixels, or more than the pixel budget.
    """
    assert entry.height is not None and entry.width is not None  # `_write` read them from the header
    if entry.height < 1 or entry.width < 1:
        raise DataError(f"'{entry.image}' is {entry.height}x{entry.width} pixels as its annotation states: no image")
    if entry.height * entry.width > max_pixels():
        raise DataError(f"'{entry.image}' is {entry.height}x{entry.width} = {entry.height * entry.width} pixels as "
                        f"its annotation states, more than --max-pixels {max_pixels()}")
    return np.zeros((entry.height, entry.width), np.uint8)


def paint(entry: ImageObjects, overlap: str, start: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """One image's class-index mask, its objects painted over `start` (in place; default: all
    background), and how many pixels two classes claimed (`OVERLAP_IGNORED`).

    Raises:
        DataError: as `painted`.
    """
    labels = _checked_size(entry) if start is None else start
    assert entry.height is not None and entry.width is not None
    for item in entry.objects:
        try:
            segmentation = _in_pixels(item.segmentation, entry.width, entry.height) if entry.relative \
                else item.segmentation
            on = object_mask(segmentation, entry.height, entry.width)
        except (TypeError, ValueError, KeyError, IndexError, OverflowError) as err:  # inf: JSON's Infinity
            raise DataError(f"{item.source} cannot be drawn: {err}" if callable(item.segmentation) else
                            f"{item.source} has a segmentation that cannot be drawn as polygons or RLE ({err})") from None
        if overlap == LATER_OVER_EARLIER:
            labels[on] = item.label
            continue
        clash = on & (labels != 0) & (labels != item.label)
        labels[on & (labels == 0)] = item.label
        labels[clash] = IGNORE
    return labels, int((labels == IGNORE).sum()) if overlap == OVERLAP_IGNORED else 0


def xy(points: object) -> list[tuple[float, float]]:
    """Points `[[x, y], ...]` as floats (extra coordinates, a GeoJSON height, left out).

    Raises:
        TypeError, ValueError: points that are no pairs of finite numbers.
    """
    pairs = [(float(point[0]), float(point[1])) for point in points]  # type: ignore[union-attr,index]
    finite([v for pair in pairs for v in pair])
    return pairs


def finite(values: Sequence[float]) -> Sequence[float]:
    """`values`, each a finite number: Pillow draws a polygon with a NaN or infinite point as some
    other shape, without a word.

    Raises:
        ValueError: naming the first value that is not.
    """
    bad = next((v for v in values if not math.isfinite(v)), None)
    if bad is not None:
        raise ValueError(f"a point has the coordinate {bad}, not a finite number")
    return values


@dataclass(frozen=True)
class Polygon:
    """An exterior outline with interior holes, points `[x, y]` in pixels (Supervisely's
    polygons, GeoJSON's rings); a hole's outline stays the object's, as OpenCV's fillPoly
    (which Supervisely draws with) fills it."""

    exterior: object
    interior: object

    def __call__(self, height: int, width: int) -> np.ndarray:
        canvas = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(canvas)
        outline = xy(self.exterior)
        if len(outline) >= 3:
            draw.polygon(outline, fill=1, outline=1)
        for hole in self.interior:  # type: ignore[attr-defined]
            if len(points := xy(hole)) >= 3:
                draw.polygon(points, fill=0, outline=1)
        return np.asarray(canvas, dtype=bool)


def centres_inside(ring: list[tuple[float, float]], height: int, width: int) -> np.ndarray:
    """The pixels of a (height, width) image whose centres lie inside a ring of (x, y) points
    (even-odd): each row of centres crosses the ring's edges, and a centre is inside when an odd
    number of crossings lie left of it, counted with a running sum over the row, within the
    ring's rows and a few million edge crossings at a time."""
    inside = np.zeros((height, width), bool)
    points = np.asarray(ring, dtype=np.float64)
    if len(points) < 3:
        return inside
    if not np.isfinite(points).all():
        raise ValueError("a ring has points that are not finite")
    top, bottom = max(int(np.floor(points[:, 1].min())), 0), min(int(np.ceil(points[:, 1].max())), height)
    x0, y0 = points[:, 0], points[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)  # each point to the next, the last to the first
    step = max(1, _CENTRES_AT_ONCE // max(len(points), width + 1))  # rows per pass: bounded crossings and sums
    for start in range(top, bottom, step):
        rows = np.arange(start, min(start + step, bottom))[:, None] + 0.5
        crossing = ((y0 <= rows) & (rows < y1)) | ((y1 <= rows) & (rows < y0))  # half-open: a vertex counts once
        row, edge = np.nonzero(crossing)
        xs = x0[edge] + (rows[row, 0] - y0[edge]) * (x1[edge] - x0[edge]) / (y1[edge] - y0[edge])
        columns = np.clip(np.ceil(xs - 0.5), 0, width).astype(np.int64)  # the first centre right of a crossing
        toggles = np.zeros((len(rows), width + 1), np.int32)
        np.add.at(toggles, (row, columns), 1)
        inside[start:start + len(rows)] = np.cumsum(toggles[:, :width], axis=1) % 2 == 1
    return inside


def closed_polygon(points: Sequence[tuple[float, float]], height: int, width: int) -> np.ndarray:
    """The pixels of a (height, width) image whose centres, at integer coordinates, lie inside a
    polygon of (x, y) points or on its outline (even-odd), as scikit-image's `draw.polygon` fills
    it (MoNuSAC's own masks): `centres_inside` half a pixel over, and the centres on its edges."""
    on = centres_inside([(x + 0.5, y + 0.5) for x, y in points], height, width)
    corners = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(corners) < 3:
        return on
    (xa, ya), (xb, yb) = corners.T, np.roll(corners, -1, axis=0).T
    level = (ya == yb) & (ya == np.round(ya)) & (ya >= 0) & (ya < height)  # along a row of centres: all of it
    edge, columns = _whole_numbers(np.minimum(xa, xb), np.maximum(xa, xb), level, width)
    on[ya[edge].astype(np.int64), columns] = True
    edge, rows = _whole_numbers(np.minimum(ya, yb), np.maximum(ya, yb), ya != yb, height)
    xs = xa[edge] + (rows - ya[edge]) * (xb[edge] - xa[edge]) / (yb[edge] - ya[edge])  # where each crosses a row
    columns = np.round(xs)
    keep = (np.abs(xs - columns) < 1e-9) & (columns >= 0) & (columns < width)
    on[rows[keep], columns[keep].astype(np.int64)] = True
    return on


def _whole_numbers(low: np.ndarray, high: np.ndarray, chosen: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """For the `chosen` edges, each whole number from `low` to `high` within 0..size-1, with the
    edge it belongs to: (edge indices, numbers), every edge's run of numbers in one array."""
    first = np.maximum(np.ceil(low[chosen]), 0).astype(np.int64)
    counts = np.maximum(np.minimum(np.floor(high[chosen]), size - 1).astype(np.int64) - first + 1, 0)
    edges = np.repeat(np.flatnonzero(chosen), counts)
    return edges, np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())


def ellipse(rx: float, ry: float) -> list[tuple[float, float]]:
    """An ellipse's outline about its centre as a polygon of `_ELLIPSE_SIDES` points (LabelMe's
    circles, CVAT's and Label Studio's ellipses)."""
    steps = [2 * math.pi * k / _ELLIPSE_SIDES for k in range(_ELLIPSE_SIDES)]
    return [(rx * math.cos(a), ry * math.sin(a)) for a in steps]


def turned(offsets: Sequence[tuple[float, float]], x: float, y: float, degrees: float = 0.0) -> list[float]:
    """Points given from (`x`, `y`), turned clockwise on the image by `degrees` about it, as a
    flat polygon; rounded to 6 places, so that a corner at 0.9999999 fills no row above."""
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return [round(v, 6) for dx, dy in offsets for v in (x + dx * cos - dy * sin, y + dx * sin + dy * cos)]


def _in_pixels(polygons: object, width: int, height: int) -> list[list[float]]:
    """Polygons whose points are fractions of the image's width and height, in pixels."""
    return [[float(v) * (width if k % 2 == 0 else height) for k, v in enumerate(polygon)]
            for polygon in polygons]  # type: ignore[union-attr]


def object_mask(segmentation: object, height: int, width: int) -> np.ndarray:
    """An object's pixels from its COCO segmentation: polygons `[[x1, y1, x2, y2, ...], ...]`, or
    run-length counts `{"size": [h, w], "counts": [...] or "compressed"}` in column-major order;
    or from its `Outline`.

    Raises:
        ValueError: none of these, runs that do not fit the image, an outline that cannot draw.
    """
    if callable(segmentation):
        return segmentation(height, width)
    if isinstance(segmentation, list):
        canvas = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(canvas)
        for polygon in segmentation:
            points = finite([float(v) for v in polygon])
            if len(points) >= 6:
                draw.polygon(list(zip(points[::2], points[1::2])), fill=1, outline=1)
        return np.asarray(canvas, dtype=bool)
    if isinstance(segmentation, dict):
        counts = segmentation["counts"]
        runs = _decompressed(counts) if isinstance(counts, str) else [int(c) for c in counts]
        if sum(runs) != height * width or any(r < 0 for r in runs):
            raise ValueError(f"runs cover {sum(runs)} pixels of a {height}x{width} image")
        flat = np.repeat(np.arange(len(runs)) % 2 == 1, runs)
        return flat.reshape(width, height).T
    raise ValueError(f"got {type(segmentation).__name__}")


def compressed_runs(on: np.ndarray) -> dict:
    """An object's pixels as COCO's compressed run-length mask (`{"size": [h, w], "counts":
    "..."}`, column-major, pycocotools' string form), the inverse of `object_mask`."""
    flat = np.ascontiguousarray(on.T).ravel().astype(np.int8)
    changes = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], changes, [flat.size]])).tolist()
    if flat.size and flat[0]:
        runs.insert(0, 0)  # counts start with background
    text = []
    for i, count in enumerate(runs):
        value = count - runs[i - 2] if i > 2 else count
        more = True
        while more:
            char = value & 0x1F
            value >>= 5
            more = value != -1 if char & 0x10 else value != 0
            text.append(chr((char | 0x20 if more else char) + 48))
    return {"size": [int(on.shape[0]), int(on.shape[1])], "counts": "".join(text)}


def _decompressed(text: str) -> list[int]:
    """pycocotools' compressed RLE string (6-bit groups from '0', a sign bit, deltas from the count
    two before) as counts."""
    counts: list[int] = []
    at = 0
    while at < len(text):
        value, shift, more = 0, 0, True
        while more:
            if at >= len(text):
                raise ValueError("compressed counts end inside a number")
            char = ord(text[at]) - 48
            value |= (char & 0x1F) << shift
            more = bool(char & 0x20)
            at, shift = at + 1, shift + 5
            if not more and char & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts
