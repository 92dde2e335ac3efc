"""The "supervisely" format: a project in Supervisely's JSON format, as the platform exports it
and DatasetNinja ships its hundreds of public datasets (`meta.json`, and in each dataset folder
`img/a.jpg` + `ann/a.jpg.json`), painted into class-index masks once.

An annotation lists objects of a class (`classTitle`) and a geometry: `bitmap` (a PNG of the
object's pixels at an `origin`, zlib-compressed and base64-encoded), `polygon` (an exterior and
interior holes) or `rectangle` (two corners, both inside), drawn later over earlier as
Supervisely's own "export to masks" draws them; points, lines, graphs and other shapes have no
area and are left out (counted in the log). The classes are the background (0) and those of
`meta.json` that objects use, in its order and colours; a class titled `background` is the
background. Dataset folders named for splits (`train/`, `val/`) give the splits.

A bitmap is checked before it is expanded: its PNG header must state no more pixels than the
image has, and the compressed data may not expand beyond what that PNG can hold, so a crafted
annotation cannot exhaust memory.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.annotations.annotation_formats import AnnotationBesideImages, load_json, project_file, refuse_boxes_only
from seglab.data.classes import ClassSpec, hex_colour, tool_classes
from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import regular_text
from seglab.data.discovery.folders import Folder
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, Polygon, xy
from seglab.data.files.read_errors import DECODE_ERRORS
from seglab.errors import DataError

log = logging.getLogger(__name__)

META = "meta.json"
_AREA_SHAPES = ("bitmap", "polygon", "rectangle")
_PNG_HEAD = 24  # signature, IHDR length and type, width, height
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def supervisely_pairs(folder: Folder) -> list[tuple[Path, Path]]:
    """(image, annotation) for the images of an `img/` folder with `ann/<image name>.json` beside."""
    annotations = folder.path.parent / "ann"
    if folder.path.name.lower() != "img" or not annotations.is_dir():
        return []
    named = {p.name for p in annotations.glob("*.json")}
    return [(image, annotations / f"{image.name}.json") for image in folder.files if f"{image.name}.json" in named]


def _read(path: Path) -> dict:
    """An annotation file's content.

    Raises:
        DataError: not JSON, or no `objects` list, naming the file.
    """
    data = load_json(path, "Supervisely annotation")
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise DataError(f"Supervisely annotation '{path}' has no 'objects' list")
    return data


def _is_supervisely(path: Path) -> bool:
    try:
        data = _read(path)
    except DataError:
        return False
    return isinstance(data.get("size"), dict)


@FORMATS.register("supervisely")
class SuperviselyFormat(AnnotationBesideImages):
    """A Supervisely project (meta.json, <dataset>/img/ + <dataset>/ann/); see the module docstring."""

    layout = "a Supervisely project: meta.json and per dataset img/a.jpg + ann/a.jpg.json (bitmaps, polygons)"
    cache_name = "supervisely"

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        return supervisely_pairs(folder)

    def looks_right(self, path: Path) -> bool:
        return _is_supervisely(path)

    def sources(self, root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]]) -> list[Path]:
        meta = project_file(root, [folder for folder, _ in found], META)
        return [*super().sources(root, found), *([meta] if meta else [])]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        read = {annotation: _read(annotation) for _, pairs in found for _, annotation in pairs}
        meta_path, meta = _meta(root, [folder for folder, _ in found])
        used = {str(o.get("classTitle")) for data in read.values() for o in _objects(data)
                if o.get("geometryType") in _AREA_SHAPES}
        _refuse_boxes_only(read)
        multilabel = self.options.multilabel  # a mask per class, so that they may overlap
        order = [title for title in meta if title in used] if meta else sorted(used)
        source = f"the classes of '{meta_path}'" if meta else f"the objects under '{root}'"
        spec, value = tool_classes(order, meta, source, multilabel, classes)
        images, left_out = [], 0
        for _, pairs in found:
            for image, annotation in pairs:
                drawn, skipped = _drawn(annotation, read[annotation], value, spec.names)
                left_out += skipped
                images.append(ImageObjects(image, *_size(read[annotation]), drawn))
        split_of = {image: folder.split for folder, labelled in found for image, _ in labelled}
        pairs, problems = self.painted_pairs(images, list(read), LATER_OVER_EARLIER, spec, root,
                                             root.name or "supervisely", split_of)
        problems += [Problem(image, "image has no Supervisely annotation in ann/", "image-without-mask")
                     for folder, labelled in found for image in sorted(set(folder.files) - {i for i, _ in labelled})]
        line = (f"{len(pairs)} Supervisely annotations painted into {len(spec.names)} classes, later objects over "
                "earlier" + (f"; {left_out} points, lines and other shapes left out (no area)" if left_out else ""))
        return self.indexed(root, pairs, spec, problems, line)


def _objects(data: dict) -> list[dict]:
    return [o for o in data["objects"] if isinstance(o, dict)]


def _meta(root: Path, folders: list[Folder]) -> tuple[Path | None, dict[str, tuple[int, int, int]]]:
    """The project's meta.json and its classes with an area shape, in its order, with their
    colours; (None, {}) without one.

    Raises:
        DataError: a meta.json that is not Supervisely's, naming it.
    """
    path = project_file(root, folders, META)
    if path is None:
        return None, {}
    try:
        entries = json_value(regular_text(path, encoding="utf-8"))["classes"]
        return path, {str(e["title"]): hex_colour(e.get("color", "#000000"), f"class '{e['title']}'")
                      for e in entries if str(e.get("shape", "any")) in (*_AREA_SHAPES, "any")}
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, KeyError, TypeError) as err:
        raise DataError(f"Supervisely project file '{path}' has no readable 'classes' list ({err!r})") from None


def _size(data: dict) -> tuple[int | None, int | None]:
    """The image's height and width as the annotation states them, (None, None) when it does not."""
    try:
        return int(data["size"]["height"]), int(data["size"]["width"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None, None


def _refuse_boxes_only(read: dict[Path, dict]) -> None:
    """Stop on a detection project: only rectangles would paint boxes, not objects.

    Raises:
        DataError: every object with an area is a rectangle.
    """
    kinds = Counter(str(o.get("geometryType")) for data in read.values() for o in _objects(data))
    refuse_boxes_only(kinds, "rectangle", _AREA_SHAPES, lambda n: f"the {len(read)} Supervisely annotations (e.g. "
                      f"'{next(iter(read))}') hold {n} rectangles and no bitmap or polygon",
                      "annotate the objects with bitmaps or polygons")


def _drawn(path: Path, data: dict, value: dict[str, int], names: tuple[str, ...]) -> tuple[list[Drawn], int]:
    """An annotation's objects with an area, in order, and how many others were left out.

    Raises:
        DataError: an object of a class the classes do not name.
    """
    drawn, left_out = [], 0
    for number, item in enumerate(_objects(data), start=1):
        title, kind = str(item.get("classTitle")), item.get("geometryType")
        if kind not in _AREA_SHAPES:
            left_out += 1
            continue
        if title not in value:
            raise DataError(f"Supervisely annotation '{path}': object {number} is of class '{title}', which the "
                            f"classes ({', '.join(names)}) do not name; add it to meta.json or classes.json")
        source = f"Supervisely annotation '{path}': object {number} ('{title}', {kind})"
        drawn.append(Drawn(value[title], _outline(kind, item), source))
    return drawn, left_out


def _outline(kind: str, item: dict) -> Bitmap | Polygon | Rectangle:
    """An object's geometry, read when it is drawn (ValueError there when it cannot be)."""
    if kind == "bitmap":
        bitmap = item["bitmap"] if isinstance(item.get("bitmap"), dict) else {}
        return Bitmap(bitmap.get("data"), bitmap.get("origin"))
    points = item["points"] if isinstance(item.get("points"), dict) else {}
    return (Polygon if kind == "polygon" else Rectangle)(points.get("exterior"), points.get("interior") or [])


@dataclass(frozen=True)
class Rectangle:
    """Two corners `[[left, top], [right, bottom]]`, both inside the rectangle."""

    exterior: object
    interior: object

    def __call__(self, height: int, width: int) -> np.ndarray:
        corners = xy(self.exterior)
        if len(corners) != 2:
            raise ValueError(f"a rectangle has two corners, not {len(corners)}")
        (x0, y0), (x1, y1) = corners
        left, right = sorted((round(x0), round(x1)))
        top, bottom = sorted((round(y0), round(y1)))
        canvas = np.zeros((height, width), bool)
        canvas[max(top, 0):max(bottom + 1, 0), max(left, 0):max(right + 1, 0)] = True
        return canvas


@dataclass(frozen=True)
class Bitmap:
    """The object's pixels as a PNG, zlib-compressed and base64-encoded, whose top-left pixel
    lies at `origin` `[x, y]`; parts outside the image are cut off."""

    data: object
    origin: object

    def __call__(self, height: int, width: int) -> np.ndarray:
        try:
            x, y = (int(v) for v in self.origin)  # type: ignore[attr-defined]
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"its bitmap's origin {self.origin!r} is not [x, y]") from None
        on = bitmap_pixels(self.data, height * width)
        canvas = np.zeros((height, width), bool)
        top, left = max(y, 0), max(x, 0)
        bottom, right = min(y + on.shape[0], height), min(x + on.shape[1], width)
        if bottom > top and right > left:
            canvas[top:bottom, left:right] = on[top - y:bottom - y, left - x:right - x]
        return canvas


def bitmap_pixels(data: object, most_pixels: int) -> np.ndarray:
    """A Supervisely bitmap's pixels: the alpha of its PNG (the platform writes a palette image
    whose colour 0 is transparent), or its non-zero values when it has no alpha.

    Raises:
        ValueError: no base64 of zlib-compressed PNG, a PNG of more than `most_pixels` pixels, or
            data that expands beyond what its PNG can hold.
    """
    if not isinstance(data, str):
        raise ValueError("its bitmap has no 'data' text")
    try:
        inflate = zlib.decompressobj()
        head = inflate.decompress(base64.b64decode(data, validate=True), _PNG_HEAD)
        if len(head) < _PNG_HEAD or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
            raise ValueError("its bitmap is no PNG")
        width, height = struct.unpack(">II", head[16:24])
        if width * height > most_pixels:
            raise ValueError(f"its bitmap is {height}x{width} pixels, more than the image's {most_pixels}")
        most_bytes = height * (8 * width + 1) + (1 << 16)  # 16-bit RGBA rows, a filter byte each, chunks
        png = head + inflate.decompress(inflate.unconsumed_tail, most_bytes)
        if inflate.unconsumed_tail:
            raise ValueError(f"its bitmap expands beyond the {most_bytes} bytes a {height}x{width} PNG can hold")
    except (binascii.Error, zlib.error) as err:
        raise ValueError(f"its bitmap is no base64 of zlib-compressed data ({err})") from None
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                return np.asarray(image.convert("RGBA"))[..., 3] > 0
            return np.asarray(image.convert("L")) > 0
    except DECODE_ERRORS as err:
        raise ValueError(f"its bitmap's PNG cannot be decoded ({err})") from None
