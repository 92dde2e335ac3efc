"""The "darwin" format: V7 Darwin's JSON, one file per image, as V7 exports it and darwin-py pulls
a dataset (`images/a.jpg` + `releases/latest/annotations/a.json`), painted into class-index
masks once.

Darwin JSON 2.0 (`version`, `item` with its `slots`' size) and 1.0 (`image` with its size) are
read. Polygons (2.0's `paths`, 1.0's `path` with `additional_paths`, and `complex_polygon`s) are
filled even-odd, so an inner path is a hole, as V7's own mask export draws them; ellipses and
bounding boxes are filled too; the raster layer of mask annotations (`dense_rle`: value, count
pairs, row by row, its values naming mask annotations) is painted under them. Tags, lines,
keypoints and skeletons have no area and are left out (counted in the log). The classes are the
background (0) and the annotation names, sorted. Several releases of one dataset: `latest`, else
the last by name.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationJsonFolders, file_head, json_folders, load_json
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex, natural_key
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, LabelMap, ellipse, turned
from seglab.errors import DataError

log = logging.getLogger(__name__)

_AREA_KEYS = ("polygon", "complex_polygon", "ellipse", "bounding_box")
_RASTER = "raster_layer"


def _is_darwin(path: Path) -> bool:
    """A Darwin JSON's head: 2.0's `item` with `slots`, or 1.0's `image` with `original_filename`."""
    head = file_head(path).lstrip()
    return head.startswith("{") and '"annotations"' in head and (
        ('"item"' in head and '"slots"' in head) or ('"image"' in head and '"original_filename"' in head))


def annotation_folders(root: Path) -> list[Path]:
    """The folders of Darwin JSON files under `root` (two sniffed each), one release of a dataset:
    `releases/latest` (a link to a version) else the last version by name."""
    found = json_folders(root, _is_darwin)
    releases: dict[Path, list[Path]] = {}
    for folder in found:
        release = next((p for p in folder.parents if p.parent.name == "releases"), None)
        releases.setdefault(release.parent if release else folder, []).append(folder)
    chosen = []
    for folders in releases.values():
        latest = [f for f in folders if "latest" in f.parts]
        chosen.append(latest[0] if latest else max(folders, key=lambda p: natural_key(str(p))))
    unique = {f.resolve(): f for f in chosen}  # `latest` and its version are one folder
    return sorted(unique.values(), key=lambda p: natural_key(str(p)))


@dataclass(frozen=True)
class _Annotation:
    """One Darwin file, read: the image's names to look for, its size and its annotations."""

    path: Path
    names: tuple[str, ...]
    height: int | None
    width: int | None
    annotations: list[dict]


def read_darwin(path: Path) -> _Annotation:
    """A Darwin JSON file (2.0 or 1.0).

    Raises:
        DataError: not JSON, or neither version's layout, naming the file.
    """
    data = load_json(path, "Darwin file")
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise DataError(f"Darwin file '{path}' has no 'annotations' list")
    annotations = [a for a in data["annotations"] if isinstance(a, dict)]
    item, image = data.get("item"), data.get("image")
    if isinstance(item, dict):  # 2.0: the first slot is the image
        slots = item.get("slots") if isinstance(item.get("slots"), list) else []
        slot = slots[0] if slots and isinstance(slots[0], dict) else {}
        sources = slot.get("source_files") if isinstance(slot.get("source_files"), list) else []
        folder = str(item.get("path") or "/").strip("/")
        named = [str(item.get("name") or ""), *(str(s.get("file_name")) for s in sources if isinstance(s, dict))]
        names = [f"{folder}/{n}" if folder else n for n in named if n] + [n for n in named if n]
        return _Annotation(path, tuple(dict.fromkeys(names)), *_size(slot), annotations)
    if isinstance(image, dict):  # 1.0
        named = [str(image.get(key) or "") for key in ("original_filename", "filename")]
        return _Annotation(path, tuple(dict.fromkeys(n for n in named if n)), *_size(image), annotations)
    raise DataError(f"Darwin file '{path}' has neither an 'item' (Darwin JSON 2.0) nor an 'image' (1.0)")


def _size(entry: dict) -> tuple[int | None, int | None]:
    try:
        return int(entry["height"]), int(entry["width"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None, None


@FORMATS.register("darwin")
class DarwinFormat(AnnotationJsonFolders):
    """V7 Darwin JSON files (one per image) and the images they name; see the module docstring."""

    layout = "V7 Darwin JSON (2.0 or 1.0), one per image: images/a.jpg + releases/latest/annotations/a.json"
    cache_name = "darwin"
    looks_right = staticmethod(_is_darwin)
    label_folders = staticmethod(annotation_folders)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        files = [read_darwin(p) for p in self.found(root)]
        kinds = Counter(_kind(a) for f in files for a in f.annotations)
        area = sum(kinds[k] for k in (*_AREA_KEYS, "mask"))
        if kinds["bounding_box"] and kinds["bounding_box"] == area:
            raise DataError(f"the {len(files)} Darwin files (e.g. '{files[0].path}') hold {kinds['bounding_box']} "
                            "bounding boxes and no polygon or mask: a detection dataset, whose masks would be boxes")
        used = sorted({str(a.get("name")) for f in files for a in f.annotations if _kind(a) in (*_AREA_KEYS, "mask")})
        spec, value = tool_classes(used, None, f"the annotation names under '{root}'", self.options.multilabel,
                                   classes)
        refuse_unnamed(used, value, spec, "Darwin annotations use names")
        located, problems = locate_images([(f.path, [(0, list(f.names))]) for f in files], base, "file")
        images = [ImageObjects(located[f.path][0], f.height, f.width, _drawn(f, value), labels=_raster(f, value))
                  for f in files if 0 in located[f.path]]
        pairs, painting = self.painted_pairs(images, [f.path for f in files], LATER_OVER_EARLIER, spec, base,
                                             "darwin", {})
        left_out = sum(n for kind, n in kinds.items() if kind not in (*_AREA_KEYS, "mask", _RASTER))
        line = (f"{len(pairs)} Darwin files painted into {len(spec.names)} classes, later annotations over earlier"
                + (f"; {left_out} tags, lines, keypoints and other annotations without area left out"
                   if left_out else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)


def _kind(annotation: dict) -> str:
    """What an annotation draws: its first area key, `mask`, `raster_layer`, or what else it is."""
    for key in (*_AREA_KEYS[:3], "mask", _RASTER, "bounding_box"):
        if key in annotation:
            return key
    return next((k for k in annotation if k not in ("id", "name", "slot_names", "properties")), "other")


def _drawn(file: _Annotation, value: dict[str, int]) -> list[Drawn]:
    """A file's annotations with an outline, in order."""
    drawn = []
    for number, annotation in enumerate(file.annotations, start=1):
        kind, name = _kind(annotation), str(annotation.get("name"))
        if kind in _AREA_KEYS:
            source = f"Darwin file '{file.path}': annotation {number} ('{name}', {kind})"
            drawn.append(Drawn(value[name], Shape(kind, annotation[kind]), source))
    return drawn


@dataclass(frozen=True)
class Shape:
    """A polygon (paths filled even-odd: an inner path is a hole), an ellipse or a box, in
    pixels; ValueError when its points are no numbers."""

    kind: str
    data: object

    def __call__(self, height: int, width: int) -> np.ndarray:
        data = self.data if isinstance(self.data, dict) else {}
        if self.kind == "ellipse":
            centre, radius = data["center"], data["radius"]
            points = turned(ellipse(float(radius["x"]), float(radius["y"])), float(centre["x"]), float(centre["y"]),
                            math.degrees(float(data.get("angle") or 0.0)))
            paths = [list(zip(points[::2], points[1::2]))]
        elif self.kind == "bounding_box":
            x, y, w, h = (float(data[k]) for k in ("x", "y", "w", "h"))
            paths = [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]
        else:
            paths = [[(float(p["x"]), float(p["y"])) for p in path] for path in _paths(data)]
        filled = np.zeros((height, width), bool)
        for path in paths:
            if len(path) >= 3:
                canvas = Image.new("1", (width, height), 0)
                ImageDraw.Draw(canvas).polygon(path, fill=1, outline=1)
                filled ^= np.asarray(canvas, dtype=bool)
        return filled


def _paths(data: dict) -> list[list[dict]]:
    """A polygon's paths: 2.0's `paths`, 1.0's `path` (a list of paths for a complex polygon)
    and `additional_paths`."""
    if "paths" in data:
        return list(data["paths"])
    path = data["path"]
    paths = list(path) if path and isinstance(path[0], list) else [path]
    return paths + list(data.get("additional_paths") or [])


def _raster(file: _Annotation, value: dict[str, int]) -> LabelMap | None:
    """The label map of a file's raster layer: each pixel's mask value looked up through
    `mask_annotation_ids_mapping` to its mask annotation's class; None without one."""
    layer = next((a for a in file.annotations if _kind(a) == _RASTER), None)
    if layer is None:
        return None
    names = {str(a.get("id")): str(a.get("name")) for a in file.annotations if _kind(a) == "mask"}

    def draw(height: int, width: int) -> np.ndarray:
        raster = layer[_RASTER] if isinstance(layer[_RASTER], dict) else {}
        try:
            runs = np.asarray(raster["dense_rle"], dtype=np.int64).reshape(-1, 2)
            mapping = {int(v): value[names[str(k)]] for k, v in dict(raster["mask_annotation_ids_mapping"]).items()}
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise DataError(f"Darwin file '{file.path}': its raster layer cannot be read ({err!r})") from None
        total = int(runs[:, 1].sum()) if len(runs) else 0
        if total != height * width or (runs < 0).any() or (runs[:, 0] > 255).any():  # the size is within the budget
            raise DataError(f"Darwin file '{file.path}': its raster layer's runs cover {total} pixels of values 0-255; "
                            f"the image is {height}x{width}")
        table = np.zeros(256, np.uint8)
        for raw, label in mapping.items():
            if 0 <= raw <= 255:
                table[raw] = label
        return table[np.repeat(runs[:, 0], runs[:, 1]).reshape(height, width)]

    return draw
