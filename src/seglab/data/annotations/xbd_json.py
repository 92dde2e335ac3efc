"""The "xbd" format: xView2's building-damage labels (the xBD dataset), a JSON file per image
(`train/labels/guatemala-volcano_00000000_post_disaster.json` for
`train/images/guatemala-volcano_00000000_post_disaster.png`), painted into class-index masks once.

Each file's `features.xy` lists buildings as WKT polygons in pixel coordinates
(`POLYGON ((x y, ...), (hole ...))`, also `MULTIPOLYGON`), filled with their outline pixels as
xView2's own targets are drawn (OpenCV's fillPoly, which differs from Pillow's fill by a pixel
here and there along slanted edges); `metadata.img_name` names the
image (else the file's own stem). A post-disaster building's `subtype` is its class, in
xView2's order of damage (`no-damage`, `minor-damage`, `major-damage`, `destroyed`, then
`un-classified`), so that class indices are the challenge's; pre-disaster buildings, which have
none, are `building`. The split is the one the image's folders name (`train/` and `tier3/`
train, `hold/` validates, `test/` tests). xView2's own `targets/` masks, where shipped, are read as masks by
folder pairs instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationJsonFolders, file_head, load_json
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex
from seglab.data.discovery.naming import folder_split
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, Polygon
from seglab.errors import DataError

log = logging.getLogger(__name__)

DAMAGE = ("no-damage", "minor-damage", "major-damage", "destroyed", "un-classified")
_UNDAMAGED = "building"  # pre-disaster images' buildings carry no subtype
_SPLITS = {"tier1": "train", "tier3": "train", "hold": "val"}  # xView2's folders: training tiers, holdout


def _is_xbd(path: Path) -> bool:
    """An xBD label file's head: `features` with `xy` WKT outlines (or its `metadata` first)."""
    head = file_head(path)
    return head.lstrip().startswith("{") and '"features"' in head and (
        '"xy"' in head or '"lng_lat"' in head or '"img_name"' in head)


def wkt_polygons(text: object) -> list[list[list[tuple[float, float]]]]:
    """The polygons of a WKT `POLYGON` or `MULTIPOLYGON`, each a list of rings of (x, y) (the
    first its outline, the others holes); empty for `... EMPTY`. A few lines of parsing, so that
    xBD needs no geometry package.

    Raises:
        ValueError: other geometry types, unbalanced parentheses or points that are no numbers.
    """
    if not isinstance(text, str):
        raise ValueError(f"WKT is {type(text).__name__}, not text")
    kind, opening, body = text.strip().partition("(")
    kind = kind.strip().upper()
    if kind in ("POLYGON EMPTY", "MULTIPOLYGON EMPTY") and not opening:
        return []
    if kind not in ("POLYGON", "MULTIPOLYGON") or not opening:
        raise ValueError(f"WKT '{text[:40]}' is no POLYGON or MULTIPOLYGON")
    ring_depth = 2 if kind == "POLYGON" else 3
    polygons: list[list[list[tuple[float, float]]]] = [] if kind == "MULTIPOLYGON" else [[]]
    depth, ring = 1, ""
    for char in body:
        if char == "(":
            depth += 1
            if depth == 2 and kind == "MULTIPOLYGON":
                polygons.append([])
            ring = ""
        elif char == ")":
            if depth == ring_depth:
                polygons[-1].append([_point(p) for p in ring.split(",")])
            depth -= 1
            if depth < 0:
                raise ValueError(f"WKT '{text[:40]}' closes more parentheses than it opens")
        elif depth == ring_depth:
            ring += char
    if depth != 0:
        raise ValueError(f"WKT '{text[:40]}' leaves {depth} parentheses open")
    return polygons


def _point(text: str) -> tuple[float, float]:
    values = text.split()
    if len(values) < 2:
        raise ValueError(f"WKT point '{text.strip()}' has no x and y")
    return float(values[0]), float(values[1])


class _Building:
    """A building's WKT outline drawn in pixels (ValueError when it cannot be parsed)."""

    def __init__(self, wkt: object) -> None:
        self.wkt = wkt

    def __call__(self, height: int, width: int) -> np.ndarray:
        filled = np.zeros((height, width), bool)
        for rings in wkt_polygons(self.wkt):
            if rings:
                filled |= Polygon(rings[0], rings[1:])(height, width)
        return filled


def _buildings(path: Path) -> tuple[list[dict], list[str]]:
    """A label file's buildings (`features.xy`, each with `wkt` and `properties`) and the names
    of its image to look for (`metadata.img_name`, else the file's stem as a PNG).

    Raises:
        DataError: not JSON, or no `features` object, naming the file.
    """
    data = load_json(path, "xBD label file")
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, dict):
        raise DataError(f"xBD label file '{path}' has no 'features' object (with its 'xy' buildings)")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    names = [str(metadata["img_name"])] if isinstance(metadata.get("img_name"), str) else []
    buildings = features.get("xy") if isinstance(features.get("xy"), list) else []
    return [b for b in buildings if isinstance(b, dict)], [*names, f"{path.stem}.png"]


def damage_of(building: dict) -> str:
    """A building's class: its damage `subtype` after a disaster, else `building`."""
    properties = building.get("properties") if isinstance(building.get("properties"), dict) else {}
    subtype = properties.get("subtype")
    return str(subtype) if isinstance(subtype, str) and subtype.strip() else _UNDAMAGED


@FORMATS.register("xbd")
class XbdFormat(AnnotationJsonFolders):
    """xView2's xBD label files and the images they name; see the module docstring."""

    layout = "xView2's xBD: train/images/<disaster>_<id>_post_disaster.png + train/labels/<same>.json (WKT buildings)"
    cache_name = "xbd"
    looks_right = staticmethod(_is_xbd)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        files = {path: _buildings(path) for path in self.found(root)}
        used = {damage_of(b) for buildings, _ in files.values() for b in buildings}
        order = {name: i for i, name in enumerate((_UNDAMAGED, *DAMAGE))}
        names = sorted(used, key=lambda n: (order.get(n, len(order)), n))
        spec, value = tool_classes(names, None, f"the building subtypes under '{root}'", self.options.multilabel,
                                   classes)
        refuse_unnamed(names, value, spec, "xBD buildings have subtypes")
        located, problems = locate_images([(path, [(0, names)]) for path, (_, names) in files.items()], base, "file")
        images = [ImageObjects(located[path][0], None, None,
                               [Drawn(value[damage_of(b)], _Building(b.get("wkt")), f"xBD file '{path}': building {i}")
                                for i, b in enumerate(buildings, start=1)])
                  for path, (buildings, _) in files.items() if 0 in located[path]]
        split_of = {entry.image: _split(entry.image, base) for entry in images}
        pairs, painting = self.painted_pairs(images, list(files), LATER_OVER_EARLIER, spec, base, "xbd", split_of)
        line = (f"{len(pairs)} xBD label files painted into {len(spec.names)} classes "
                f"({', '.join(spec.names[1:])}), later buildings over earlier")
        return self.indexed(base, pairs, spec, problems + painting, line)


def _split(image: Path, base: Path) -> str | None:
    """The split an image's folders name (`train/images/`; xView2's `tier3/` trains, `hold/` validates)."""
    for folder in image.relative_to(base).parts[:-1] if image.is_relative_to(base) else ():
        split = _SPLITS.get(folder.lower()) or folder_split(folder)
        if split is not None:
            return split
    return None
