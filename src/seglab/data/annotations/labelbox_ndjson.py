"""The "labelbox" format: Labelbox's Export v2 NDJSON (`export-result.ndjson`, a data row a line,
as `project.export()` streams it) beside the images, downloaded from each row's `row_data` and
named by its external id, painted into class-index masks once.

A data row's label (its project's selected label, else its first) is drawn object by object,
later over earlier: `ImagePolygon`s (`polygon`, points in pixels), `ImageBoundingBox`es and
`ImageSegmentationMask`s. A mask's PNG is read when its URL is a file under the dataset folder (a
path or `file://` URL relative to the export): of a `composite_mask` the pixels of its
`color_rgb`, of a single `mask` its non-zero pixels. Labelbox's own mask URLs need an API key, so
an export naming one is refused with the way to fetch them first. Points, lines and other
objects have no area and are left out (counted in the log). The export keeps no class order, so
the classes are the background (0) and the objects' names, sorted. Images are found by the row's
external id, global key or the file name of its `row_data` URL.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import numpy as np

from seglab.data.annotations.annotated_images import file_inside, locate_images, url_file_name
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, file_head, file_mentions, relative_names, top_annotation_files, refuse_boxes_only
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.files.json_lines import json_object_lines
from seglab.data.files.io import read_raw_mask
from seglab.data.layouts.formats import FORMATS
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, object_mask
from seglab.errors import DataError

log = logging.getLogger(__name__)

_POLYGON, _BOX, _MASK = "ImagePolygon", "ImageBoundingBox", "ImageSegmentationMask"
_AREA_KINDS = (_POLYGON, _BOX, _MASK)
_REMOTE = ("http", "https", "gs", "s3")
_ROW_SHAPE = 'an Export v2 data row {"data_row": ..., "projects": ...}'


def _looks_like_export(path: Path) -> bool:
    """An Export v2 NDJSON's head: a JSON object a line with a `data_row` and its `projects`."""
    head = file_head(path).lstrip()
    return head.startswith("{") and '"data_row"' in head and '"projects"' in head


@dataclass(frozen=True)
class _Row:
    """A data row: its line, the image names to try, its size and its chosen label's objects
    (None: no label yet)."""

    line: int
    names: tuple[str, ...]
    height: int | None
    width: int | None
    objects: list[dict] | None


def read_export(path: Path) -> tuple[list[_Row], int]:
    """An export's data rows, and how many had several labels (one is read).

    Raises:
        DataError: unreadable, or a line that is no JSON object with a `data_row`, naming the
            file and the line.
    """
    rows, several = [], 0
    for line, entry in json_object_lines(path, "Labelbox export", _ROW_SHAPE):
        if not isinstance(entry.get("data_row"), dict):
            raise DataError(f"Labelbox export '{path}' line {line} has no 'data_row': not an Export v2 "
                            "data row (export the project again with Export v2)")
        labels = _labels(entry)
        several += len(labels) > 1
        rows.append(_Row(line, _image_names(entry["data_row"]), *_size(entry),
                         _objects(labels[0]) if labels else None))
    return rows, several


def _labels(entry: dict) -> list[dict]:
    """A row's labels, over its projects: each project's selected label first."""
    projects = entry.get("projects")
    found = []
    for project in projects.values() if isinstance(projects, dict) else []:
        labels = [label for label in project.get("labels") or [] if isinstance(label, dict)] \
            if isinstance(project, dict) and isinstance(project.get("labels"), list) else []
        details = project.get("project_details") if isinstance(project, dict) else None
        selected = details.get("selected_label_id") if isinstance(details, dict) else None
        found += sorted(labels, key=lambda label: label.get("id") != selected)
    return [label for label in found if isinstance(label.get("annotations") or {}, dict)]


def _objects(label: dict) -> list[dict]:
    """A label's objects (`annotations.objects`)."""
    objects = (label.get("annotations") or {}).get("objects")
    return [o for o in objects if isinstance(o, dict)] if isinstance(objects, list) else []


def _image_names(data_row: dict) -> tuple[str, ...]:
    """Where a row's image may be found: its external id, global key and `row_data`'s file name."""
    named = [data_row.get(key) for key in ("external_id", "global_key")]
    url = data_row.get("row_data")
    named.append(url_file_name(url) if isinstance(url, str) else None)
    return tuple(dict.fromkeys(n for n in named if isinstance(n, str) and n.strip()))


def _size(entry: dict) -> tuple[int | None, int | None]:
    media = entry.get("media_attributes")
    try:
        return int(media["height"]), int(media["width"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError, OverflowError):
        return None, None


def _names_mask_files(path: Path) -> bool:
    """Whether an export's masks are files (paths, `file://` URLs), not Labelbox's URLs: read only
    where a folder of masks lies beside it."""
    if not file_mentions(path, [f'"{_MASK}"']):
        return False
    try:
        rows, _ = read_export(path)
    except DataError:
        return False
    urls = [_mask_url(o) for row in rows for o in row.objects or [] if o.get("annotation_kind") == _MASK]
    return any(url and _scheme(url) not in _REMOTE for url in urls)


def _mask_url(item: dict) -> str | None:
    """A mask object's URL: its `composite_mask`'s, else its single `mask`'s."""
    holder = next((item[k] for k in ("composite_mask", "mask") if isinstance(item.get(k), dict)), {})
    url = holder.get("url")
    return url if isinstance(url, str) and url.strip() else None


def _scheme(url: str) -> str:
    """A URL's scheme in lower case; '' for a path."""
    return url.partition(":")[0].lower() if "://" in url else ""


def _name(item: dict) -> str | None:
    """An object's class: its tool's `name`, else its `value`."""
    name = next((item[k] for k in ("name", "value") if isinstance(item.get(k), str) and item[k].strip()), None)
    return name.strip() if name else None


@FORMATS.register("labelbox")
class LabelboxFormat(AnnotationFileFormat):
    """Labelbox's Export v2 NDJSON beside the images; DATA is the folder or the NDJSON file."""

    layout = ("a Labelbox Export v2 NDJSON (export-result.ndjson: polygons, boxes, masks) beside images/ named by "
              "external_id")
    cache_name = "labelbox"

    def files(self, root: Path) -> list[Path]:
        return top_annotation_files(root, ".ndjson", _looks_like_export)

    def detect(self, root: Path) -> bool:
        """As the base's; but mask files beside an export whose masks are files are its masks (as
        a mask table's are), not shipped masks that step it aside."""
        return super().detect(root) or any(_names_mask_files(path) for path in self.found(root))

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        exports = {path: read_export(path) for path in self.found(root)}
        objects = [o for rows, _ in exports.values() for row in rows for o in row.objects or []]
        kinds = Counter(str(o.get("annotation_kind")) for o in objects)
        refuse_boxes_only(kinds, _BOX, _AREA_KINDS, lambda n: f"{relative_names(list(exports), base)}: its {n} "
                          "objects with an area are all bounding boxes", "label with polygons or masks")
        used = sorted({name for o in objects if o.get("annotation_kind") in _AREA_KINDS and (name := _name(o))})
        spec, value = tool_classes(used, None, f"the object names of {relative_names(list(exports), base)}",
                                   self.options.multilabel, classes)
        refuse_unnamed(used, value, spec, "Labelbox objects use names")
        located, problems = locate_images([(path, [(row.line, row.names) for row in rows if row.names])
                                           for path, (rows, _) in exports.items()], base, "line")
        problems += [Problem(path, f"line {row.line} names no image (no external_id, global_key or row_data)",
                             "mask-without-image")
                     for path, (rows, _) in exports.items() for row in rows if not row.names]
        images, masks = [], []
        for path, (rows, _) in exports.items():
            for row in rows:
                image = located[path].get(row.line)
                if image is None:
                    continue
                if row.objects is None:
                    problems.append(Problem(image, "its data row has no label yet", "image-without-mask"))
                    continue
                drawn = _drawn(path, row, value, base)
                masks += [d.segmentation.path for d in drawn if isinstance(d.segmentation, MaskFile)]
                images.append(ImageObjects(image, row.height, row.width, drawn))
        pairs, painting = self.painted_pairs(images, [*exports, *dict.fromkeys(masks)], LATER_OVER_EARLIER, spec,
                                             base, "labelbox", {})
        several = sum(n for _, n in exports.values())
        left_out = sum(n for kind, n in kinds.items() if kind not in _AREA_KINDS)
        line = (f"{relative_names(list(exports), base)}: {len(pairs)} data rows painted into {len(spec.names)} "
                "classes, later objects over earlier"
                + (f"; {left_out} points, lines and other objects without area left out" if left_out else "")
                + (f"; {several} rows with several labels: the selected, else the first, is read" if several else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)


def _drawn(path: Path, row: _Row, value: dict[str, int], base: Path) -> list[Drawn]:
    """A row's objects with an area, in order.

    Raises:
        DataError: a mask at a URL seglab may not read (`mask_file`).
    """
    drawn = []
    for number, item in enumerate(row.objects or [], start=1):
        kind, name = item.get("annotation_kind"), _name(item)
        if kind not in _AREA_KINDS or name is None:
            continue
        source = f"Labelbox export '{path}' line {row.line}: object {number} ('{name}', {kind})"
        shape = mask_file(item, path, base, source) if kind == _MASK else Shape(str(kind), item)
        drawn.append(Drawn(value[name], shape, source))
    return drawn


@dataclass(frozen=True)
class Shape:
    """A polygon (`polygon`: points `{x, y}` in pixels) or a box (`bounding_box`: `top`, `left`,
    `height`, `width`), drawn as a polygon; ValueError when its points are no numbers."""

    kind: str
    item: dict

    def __call__(self, height: int, width: int) -> np.ndarray:
        try:
            if self.kind == _POLYGON:
                outline = [float(p[k]) for p in self.item["polygon"] for k in ("x", "y")]
            else:
                box = self.item["bounding_box"]
                x, y, w, h = (float(box[k]) for k in ("left", "top", "width", "height"))
                outline = [x, y, x + w, y, x + w, y + h, x, y + h]
        except (KeyError, TypeError) as err:
            raise ValueError(f"it lacks a coordinate ({err!r})") from None
        return object_mask([outline], height, width)


@dataclass(frozen=True)
class MaskFile:
    """A mask object's PNG, of its image's size: the pixels of `colour` in a composite mask, else
    the non-zero pixels of a single mask."""

    path: Path
    colour: tuple[int, int, int] | None

    def __call__(self, height: int, width: int) -> np.ndarray:
        try:
            values = read_raw_mask(self.path, rgb=self.colour is not None)
        except DataError as err:
            raise ValueError(str(err)) from None
        if values.shape[:2] != (height, width):
            raise ValueError(f"its mask '{self.path}' is {values.shape[1]}x{values.shape[0]}, its image "
                             f"{width}x{height}")
        if self.colour is None:
            return values.reshape(height, width, -1).any(axis=2)
        if values.ndim != 3:
            raise ValueError(f"its composite mask '{self.path}' is no RGB picture")
        return (values == np.array(self.colour)).all(axis=2)


def mask_file(item: dict, export: Path, base: Path, source: str) -> MaskFile:
    """A mask object's PNG: its `composite_mask` (with its `color_rgb`), else its `mask`, at a path
    or `file://` URL relative to the export, inside the dataset folder.

    Raises:
        DataError: no URL, a remote URL (Labelbox's need an API key: the route is to fetch them),
            or no such file under the dataset folder, naming `source`.
    """
    url = _mask_url(item)
    if url is None:
        raise DataError(f"{source} has no mask URL ('composite_mask' or 'mask' with a 'url')")
    scheme = _scheme(url)
    if scheme in _REMOTE:
        raise DataError(f"{source}: its mask is at {url}, which seglab does not download (Labelbox's mask URLs need "
                        "your API key); fetch each mask with the key in an 'Authorization: Bearer' header, save the "
                        f"PNGs under '{base}' and write each one's path, relative to '{export.parent}', in place of "
                        "its URL")
    path = export.parent / unquote(url.partition("://")[2] if scheme == "file" else url)
    if not file_inside(path, base):
        raise DataError(f"{source}: its mask '{url}' is no file under the dataset folder '{base}' (paths are read "
                        f"relative to '{export.parent}')")
    composite = item.get("composite_mask") if isinstance(item.get("composite_mask"), dict) else None
    colour = composite.get("color_rgb") if composite is not None else None
    if composite is not None and not (isinstance(colour, list) and len(colour) == 3
                                      and all(isinstance(v, int) and 0 <= v <= 255 for v in colour)):
        raise DataError(f"{source}: its composite mask's 'color_rgb' {colour!r} is not three values 0-255")
    return MaskFile(path, tuple(colour) if composite is not None else None)  # type: ignore[arg-type]
