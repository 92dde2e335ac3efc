"""The "labelme" format: LabelMe's JSON beside each image (`a.jpg` + `a.json` with `shapes`), the
annotation tool many teams draw their own masks in, painted into class-index masks once.

Polygons, rectangles and circles are filled, later shapes over earlier ones, as LabelMe's own
`labelme2voc.py` draws them; lines and points have no area and are left out (counted in the
log). The classes are `_background_` (0) and the labels in the order of a `labels.txt` beside
(the file `labelme2voc.py` reads: one label a line, `__ignore__` and `_background_` first), or
sorted by name. A `__ignore__` label is the ignore label 255. Split folders (`train/`, `val/`)
give the splits, as for plain folders.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from seglab.data.annotation_formats import AnnotationBesideImages, load_json
from seglab.data.classes import ClassSpec, shipped_classes
from seglab.data.folders import Folder
from seglab.data.formats import FORMATS
from seglab.data.index import DatasetIndex, Problem
from seglab.data.painted_masks import IGNORE, LATER_OVER_EARLIER, Drawn, ImageObjects, ellipse
from seglab.errors import DataError

log = logging.getLogger(__name__)

BACKGROUND, IGNORED = "_background_", "__ignore__"  # labelme2voc's names
LABELS_FILE = "labels.txt"
_AREA_SHAPES = ("polygon", "rectangle", "circle")


def labelme_pairs(folder: Folder) -> list[tuple[Path, Path]]:
    """(image, JSON) for the images of `folder` with a LabelMe JSON of their stem beside."""
    jsons = {p.stem: p for p in folder.path.glob("*.json")}
    return [(image, jsons[image.stem]) for image in folder.files if image.stem in jsons]


def _is_labelme(path: Path) -> bool:
    try:
        data = load_json(path, "LabelMe file")
    except DataError:
        return False
    return isinstance(data, dict) and isinstance(data.get("shapes"), list) and "imagePath" in data


@FORMATS.register("labelme")
class LabelMeFormat(AnnotationBesideImages):
    """Images with a LabelMe JSON beside each; see the module docstring."""

    layout = "images with a LabelMe JSON beside each (a.jpg + a.json with shapes: polygons, rectangles, circles)"
    cache_name = "labelme"

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        return labelme_pairs(folder)

    def looks_right(self, path: Path) -> bool:
        return _is_labelme(path)

    def sources(self, root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]]) -> list[Path]:
        return [*super().sources(root, found), *_label_files(root, found)]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        read = {json_path: _read(json_path) for _, pairs in found for _, json_path in pairs}
        shapes = {path: shapes for path, (shapes, _) in read.items()}
        multilabel = self.options.multilabel  # a mask per label, so that they may overlap
        names = _label_order(root, found, shapes)[1 if multilabel else 0:]
        spec = classes or shipped_classes(names, f"the LabelMe labels under '{root}'",
                                          IGNORE if IGNORED in _all_labels(shapes) and not multilabel else None)
        first = 1 if multilabel else 0  # multi-label: label k's mask is channel k - 1; no background channel
        value = {BACKGROUND: 0} | {name: k + first for k, name in enumerate(spec.names)} | {IGNORED: IGNORE}
        images, skipped = [], 0
        for _, pairs in found:
            for image, json_path in pairs:
                drawn, left_out, missing = _drawn(json_path, shapes[json_path], value)
                skipped += left_out
                if missing:
                    raise DataError(f"LabelMe file '{json_path}' uses labels {', '.join(missing)} that the classes "
                                    f"({', '.join(spec.names)}) do not name; add them to {LABELS_FILE} or classes.json")
                images.append(ImageObjects(image, *(read[json_path][1] or (None, None)), drawn))
        split_of = {image: folder.split for folder, labelled in found for image, _ in labelled}
        jsons = [j for _, labelled in found for _, j in labelled]
        pairs, problems = self.painted_pairs(images, jsons, LATER_OVER_EARLIER, spec, root, root.name or "labelme",
                                             split_of)
        problems += [Problem(image, "image has no LabelMe JSON beside it", "image-without-mask")
                     for folder, labelled in found for image in sorted(set(folder.files) - {i for i, _ in labelled})]
        line = (f"{len(pairs)} LabelMe JSON files painted into {len(spec.names)} classes, later shapes over earlier"
                + (f"; {skipped} lines and points left out (no area)" if skipped else ""))
        return self.indexed(root, pairs, spec, problems, line)


def _read(path: Path) -> tuple[list[dict], tuple[int, int] | None]:
    """A LabelMe file's shapes, and the image's height and width when the file states them.

    Raises:
        DataError: not JSON, or no `shapes` list, naming the file.
    """
    data = load_json(path, "LabelMe file")
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raise DataError(f"LabelMe file '{path}' has no 'shapes' list")
    try:
        size: tuple[int, int] | None = (int(data["imageHeight"]), int(data["imageWidth"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        size = None
    return [s for s in data["shapes"] if isinstance(s, dict)], size


def _all_labels(shapes: dict[Path, list[dict]]) -> set[str]:
    """The labels of the shapes with an area (a label used on lines only would be a class without pixels)."""
    return {str(s.get("label", "")) for found in shapes.values() for s in found
            if str(s.get("shape_type") or "polygon") in _AREA_SHAPES}


def _label_order(root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]],
                 shapes: dict[Path, list[dict]]) -> tuple[str, ...]:
    """`_background_` and the labels, in the order of the first `labels.txt` in the dataset folder
    or beside the images, else sorted by name."""
    for listed in _label_files(root, found)[:1]:
        lines = [line.strip() for line in listed.read_text(encoding="utf-8", errors="replace").splitlines()]
        named = [line for line in lines if line and line != IGNORED and line != BACKGROUND]
        log.info("class order from '%s'", listed)
        return (BACKGROUND, *named)
    return (BACKGROUND, *sorted(_all_labels(shapes) - {BACKGROUND, IGNORED, ""}))


def _label_files(root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]]) -> list[Path]:
    """The `labels.txt` files in the dataset folder, beside the images or above them, the first
    of which orders the classes."""
    folders = [root, *(f.path for f, _ in found), *(f.path.parent for f, _ in found)]
    return [folder / LABELS_FILE for folder in dict.fromkeys(folders) if (folder / LABELS_FILE).is_file()]


def _drawn(path: Path, shapes: list[dict], value: dict[str, int]) -> tuple[list[Drawn], int, list[str]]:
    """The shapes with an area as COCO polygons, how many others were left out, and the labels
    the classes do not name."""
    drawn, left_out, missing = [], 0, []
    for number, shape in enumerate(shapes, start=1):
        label, kind = str(shape.get("label", "")), str(shape.get("shape_type") or "polygon")
        outline = _outline(kind, shape.get("points")) if kind in _AREA_SHAPES else None
        if outline is None:
            left_out += 1
        elif label not in value:
            missing.append(label)
        else:
            drawn.append(Drawn(value[label], [outline], f"LabelMe file '{path}': shape {number} ('{label}', {kind})"))
    return drawn, left_out, sorted(set(missing))


def _outline(kind: str, points: object) -> list[float] | None:
    """A polygon, rectangle (two corners) or circle (centre, a point on it) as a flat polygon;
    None for points that outline no area."""
    try:
        xy = [(float(x), float(y)) for x, y in points]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    if kind == "rectangle" and len(xy) == 2:
        (x0, y0), (x1, y1) = xy
        xy = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    elif kind == "circle" and len(xy) == 2:
        (cx, cy), (px, py) = xy
        radius = math.hypot(px - cx, py - cy)
        xy = [(cx + dx, cy + dy) for dx, dy in ellipse(radius, radius)]
    return [v for point in xy for v in point] if len(xy) >= 3 else None
