"""The "via" format: the VGG Image Annotator's JSON (VIA 2), as its "Export Annotations (as
json)" writes `via_region_data.json` and as it saves a project (`via_project.json`), beside the
images; the format of Mask R-CNN's balloon and many a tutorial since. Its CSV export (a row per
region, the shape and attributes as JSON in cells: CDD-CESM's
`Radiology_hand_drawn_segmentations_v2.csv`) is read as the same regions. Painted into
class-index masks once.

Each image's regions are drawn in order, later over earlier: polygons (`all_points_x`,
`all_points_y`), rectangles, circles and ellipses (`theta` in radians); polylines and points have
no area and are left out (counted in the log). A region's class is the value of its region
attribute: the one attribute the project defines with options (`_via_attributes`, whose order
gives the classes' order), else the attribute the regions use most (a checkbox's ticked option
counts); regions without one are the class `object`. Otherwise classes are sorted by name. A
split folder holding the file (`train/via_region_data.json`) gives the split.
"""

from __future__ import annotations

import csv
import logging
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, file_head, load_json, relative_names, top_annotation_files, refuse_boxes_only
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import open_regular
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex
from seglab.data.discovery.naming import folder_split
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, ellipse, object_mask, turned
from seglab.errors import DataError

log = logging.getLogger(__name__)

_CSV_COLUMNS = ("filename", "file_size", "file_attributes", "region_count", "region_id",
                "region_shape_attributes", "region_attributes")  # VIA 1 wrote `#filename`
OBJECT = "object"  # the class of regions without a class attribute (the balloon dataset's)
_AREA_SHAPES = ("polygon", "rect", "circle", "ellipse")


@dataclass
class _ViaFile:
    """One VIA file, read: its images (key, file name, regions) and the class attribute's options."""

    path: Path
    images: list[tuple[int, str, list[dict]]]
    options: list[str]

    @property
    def split(self) -> str | None:
        return folder_split(self.path.parent.name)


def _looks_like_via(path: Path) -> bool:
    head = file_head(path)
    return head.lstrip().startswith("{") and ('"_via_img_metadata"' in head
                                              or ('"regions"' in head and '"filename"' in head))


def _looks_like_via_csv(path: Path) -> bool:
    """A CSV whose header is VIA's seven columns."""
    header = file_head(path).lstrip("\ufeff").partition("\n")[0]
    return tuple(cell.strip().lstrip("#") for cell in header.split(",")) == _CSV_COLUMNS


def read_via(path: Path) -> _ViaFile:
    """A VIA 2 file's images with their regions, and the options of its class attribute; a CSV
    export read as its rows (`_read_via_csv`).

    Raises:
        DataError: not JSON, or no image entries with a filename and regions, naming the file.
    """
    if path.suffix.lower() == ".csv":
        return _read_via_csv(path)
    data = load_json(path, "VIA file")
    if not isinstance(data, dict):
        raise DataError(f"VIA file '{path}' holds no image entries")
    metadata = data.get("_via_img_metadata", data)
    entries = [e for e in metadata.values() if isinstance(e, dict) and isinstance(e.get("filename"), str)] \
        if isinstance(metadata, dict) else []
    if not entries:
        raise DataError(f"VIA file '{path}' holds no image entries (a 'filename' and its 'regions')")
    images = []
    for key, entry in enumerate(entries):
        regions = entry.get("regions") or []
        regions = list(regions.values()) if isinstance(regions, dict) else regions  # VIA 1 kept a dict
        if not isinstance(regions, list):
            raise DataError(f"VIA file '{path}': the regions of '{entry['filename']}' are no list")
        images.append((key, entry["filename"], [r for r in regions if isinstance(r, dict)]))
    return _ViaFile(path, images, _class_options(data.get("_via_attributes")))


def _read_via_csv(path: Path) -> _ViaFile:
    """A VIA CSV export's images, in order, with the regions its rows hold as the JSON export holds
    them; an image without regions is a row with an empty shape (`{}`). The CSV keeps no project
    attributes, so no options order the classes.

    Raises:
        DataError: unreadable, a row short of VIA's columns or a shape or attribute cell that is not
            JSON (the line named), or no rows.
    """
    regions: dict[str, list[dict]] = {}
    try:
        with open_regular(path, "r", newline="", encoding="utf-8-sig") as file:
            rows = csv.reader(file)
            next(rows, None)
            for line, row in enumerate(rows, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) < len(_CSV_COLUMNS):
                    raise DataError(f"VIA file '{path}' line {line}: {len(row)} cells, not VIA's {len(_CSV_COLUMNS)}")
                shape, attributes = (_json_cell(row[k], path, line) for k in (5, 6))
                found = regions.setdefault(row[0].strip(), [])
                if shape:
                    found.append({"shape_attributes": shape, "region_attributes": attributes})
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"VIA file '{path}' cannot be read as CSV: {err}") from None
    if not regions:
        raise DataError(f"VIA file '{path}' holds no image rows")
    return _ViaFile(path, [(key, name, found) for key, (name, found) in enumerate(regions.items())], [])


def _json_cell(cell: str, path: Path, line: int) -> dict:
    """A VIA CSV cell's JSON object ({} when empty).

    Raises:
        DataError: not JSON, naming the file and line.
    """
    try:
        value = json_value(cell) if cell.strip() else {}
    except (ValueError, RecursionError) as err:
        raise DataError(f"VIA file '{path}' line {line}: a cell is not JSON ({cell[:60]!r}: {err})") from None
    return value if isinstance(value, dict) else {}


def _class_options(attributes: object) -> list[str]:
    """The options, in order, of the one region attribute a VIA project defines with options."""
    region = attributes.get("region") if isinstance(attributes, dict) else None
    with_options = [a["options"] for a in region.values() if isinstance(a, dict) and isinstance(a.get("options"), dict)
                    and a["options"]] if isinstance(region, dict) else []
    return [str(o) for o in with_options[0]] if len(with_options) == 1 else []


def _class_attribute(files: list[_ViaFile]) -> str | None:
    """The region attribute that names classes: the one with the project's options, else the one
    the regions use most; None when regions have no attributes."""
    used = Counter(name for f in files for _, _, regions in f.images for r in regions
                   for name, value in _attributes(r).items() if value)
    for name, _ in used.most_common():
        if any(_label(r, name) in f.options for f in files for _, _, regions in f.images for r in regions):
            return name
    return used.most_common(1)[0][0] if used else None


def _attributes(region: dict) -> dict:
    attributes = region.get("region_attributes")
    return attributes if isinstance(attributes, dict) else {}


def _label(region: dict, attribute: str | None) -> str:
    """A region's class: its attribute's text, or a checkbox's ticked option; `object` without."""
    value = _attributes(region).get(attribute) if attribute else None
    if isinstance(value, dict):  # a checkbox: {"car": true}
        value = next((option for option, ticked in value.items() if ticked), None)
    return str(value).strip() if value not in (None, "") and str(value).strip() else OBJECT


@FORMATS.register("via")
class ViaFormat(AnnotationFileFormat):
    """VGG Image Annotator JSON or CSV beside the images; DATA is the folder or the file."""

    layout = ("a VGG Image Annotator (VIA 2) JSON: via_region_data.json or via_project.json beside the images, "
              "or its CSV export (filename, ..., region_shape_attributes, region_attributes)")
    cache_name = "via"

    def files(self, root: Path) -> list[Path]:
        return top_annotation_files(root, ".json", _looks_like_via) + top_annotation_files(root, ".csv",
                                                                                            _looks_like_via_csv)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        files = [read_via(p) for p in self.found(root)]
        attribute = _class_attribute(files)
        kinds = Counter(str(_shape(r).get("name")) for f in files for _, _, regions in f.images for r in regions)
        refuse_boxes_only(kinds, "rect", _AREA_SHAPES, lambda n: f"{', '.join(str(f.path) for f in files)}: its {n} "
                          "regions are all rectangles", "draw polygons")
        used = {_label(r, attribute) for f in files for _, _, regions in f.images for r in regions
                if _shape(r).get("name") in _AREA_SHAPES}
        options = [o for f in files for o in f.options]
        order = [o for o in dict.fromkeys(options) if o in used] + sorted(used - set(options))
        spec, value = tool_classes(order, None, f"the classes of {', '.join(str(f.path) for f in files)}",
                                   self.options.multilabel, classes)
        refuse_unnamed(sorted(used), value, spec, "VIA regions use classes")
        located, problems = locate_images([(f.path, [(key, name) for key, name, _ in f.images]) for f in files],
                                          base, "entry")
        images, splits = [], {}
        for f in files:
            for key, _, regions in f.images:
                if key in located[f.path]:
                    image = located[f.path][key]
                    images.append(ImageObjects(image, None, None, _drawn(f.path, image, regions, attribute, value)))
                    splits[image] = f.split
        pairs, painting = self.painted_pairs(images, [f.path for f in files], LATER_OVER_EARLIER, spec, base,
                                             files[0].path.stem or "via", splits)
        left_out = sum(n for kind, n in kinds.items() if kind not in _AREA_SHAPES)
        line = (f"{relative_names([f.path for f in files], base)}: {len(pairs)} images' regions painted into "
                f"{len(spec.names)} classes" + (f" named by the region attribute '{attribute}'" if attribute else "")
                + ", later over earlier" + (f"; {left_out} polylines and points left out (no area)" if left_out else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)


def _shape(region: dict) -> dict:
    shape = region.get("shape_attributes")
    return shape if isinstance(shape, dict) else {}


def _drawn(path: Path, image: Path, regions: list[dict], attribute: str | None, value: dict[str, int]) -> list[Drawn]:
    """An image's regions with an area, in order."""
    return [Drawn(value[_label(r, attribute)], Region(_shape(r)),
                  f"VIA file '{path}': region {number} of '{image.name}' ({_shape(r).get('name')})")
            for number, r in enumerate(regions, start=1) if _shape(r).get("name") in _AREA_SHAPES]


@dataclass(frozen=True)
class Region:
    """A region's shape attributes, drawn as a polygon."""

    shape: dict

    def __call__(self, height: int, width: int) -> np.ndarray:
        return object_mask([self.outline()], height, width)

    def outline(self) -> list[float]:
        """The shape as a flat polygon in pixels.

        Raises:
            ValueError: a coordinate that is missing or no number.
        """
        shape, name = self.shape, self.shape.get("name")
        try:
            if name == "polygon":
                return [float(v) for xy in zip(shape["all_points_x"], shape["all_points_y"]) for v in xy]
            if name == "rect":
                x, y, w, h = (float(shape[k]) for k in ("x", "y", "width", "height"))
                return [x, y, x + w, y, x + w, y + h, x, y + h]
            radii = (shape["r"], shape["r"]) if name == "circle" else (shape["rx"], shape["ry"])
            return turned(ellipse(float(radii[0]), float(radii[1])), float(shape["cx"]), float(shape["cy"]),
                          math.degrees(float(shape.get("theta") or 0)))
        except (KeyError, TypeError) as err:
            raise ValueError(f"it lacks a coordinate ({err!r})") from None
