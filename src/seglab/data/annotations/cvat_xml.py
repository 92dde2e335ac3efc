"""The "cvat" format: CVAT's own export, "CVAT for images 1.1" (`annotations.xml` beside the
images), painted into class-index masks once.

Each `<image>` lists its shapes: `<polygon points="x,y;x,y;...">`, `<mask rle="..." left top
width height>` (runs of 0 and 1 over its box, row by row, starting with 0), `<box xtl ytl xbr
ybr rotation>` and `<ellipse cx cy rx ry rotation>` are filled, in `z_order` and then in the
file's order, later over earlier, as CVAT's "Segmentation mask" export draws them; polylines,
points, cuboids and skeletons have no area and are left out (counted in the log). The classes are
the background (0) and the labels of `<meta>` that shapes use, in its order and colours
(`classes.tool_classes`). An image's `subset` (Train, Validation) gives its split.

The file is read as a stream, an image at a time, with Python's expat, which refuses entity
expansion bombs (expat 2.4.1 and later) and never fetches external entities.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, relative_names, top_annotation_files
from seglab.data.classes import ClassSpec, hex_colour, is_cvat_xml, refuse_unnamed, tool_classes
from seglab.data.classes.text_files import open_regular
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex
from seglab.data.discovery.naming import folder_split
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, ellipse, object_mask, turned
from seglab.errors import DataError

log = logging.getLogger(__name__)

_AREA_SHAPES = ("polygon", "mask", "box", "ellipse")


@dataclass
class _Image:
    """One `<image>`: its name, size as stated, subset and area shapes (tag, attributes)."""

    key: int
    name: str
    height: int | None
    width: int | None
    subset: str
    shapes: list[tuple[str, dict[str, str]]]


@dataclass
class _CvatFile:
    """One annotations.xml, read."""

    path: Path
    labels: dict[str, tuple[int, int, int] | None] = field(default_factory=dict)
    images: list[_Image] = field(default_factory=list)
    left_out: Counter = field(default_factory=Counter)


def read_cvat(path: Path) -> _CvatFile:
    """A CVAT for images file's labels (in order, with colours) and images with their shapes.

    Raises:
        DataError: not well-formed XML, an entity bomb, or an image without a name, naming the file.
    """
    read = _CvatFile(path)
    try:
        with open_regular(path) as file:
            for _, element in ElementTree.iterparse(file, events=("end",)):
                if element.tag == "label" and element.findtext("name"):
                    read.labels.setdefault(str(element.findtext("name")), _colour(element.findtext("color")))
                elif element.tag == "image":
                    read.images.append(_image(path, element, len(read.images), read.left_out))
                    element.clear()
                elif element.tag == "track":
                    read.left_out["track"] += 1
                    element.clear()
    except (ElementTree.ParseError, OSError) as err:
        raise DataError(f"CVAT file '{path}' cannot be read as XML: {err}") from None
    return read


def _colour(text: str | None) -> tuple[int, int, int] | None:
    """A label's `#rrggbb` colour; None for none or another form (seglab's colours are used then)."""
    try:
        return hex_colour(text, "a label")
    except ValueError:
        return None


def _image(path: Path, element: ElementTree.Element, key: int, left_out: Counter) -> _Image:
    """An `<image>` with its area shapes; the others are counted in `left_out` by tag."""
    attributes = element.attrib
    if not attributes.get("name"):
        raise DataError(f"CVAT file '{path}': an <image> has no name")
    shapes = []
    for child in element:
        if child.tag in _AREA_SHAPES:
            shapes.append((child.tag, dict(child.attrib)))
        elif child.tag != "tag":
            left_out[child.tag] += 1
    try:
        height, width = int(attributes["height"]), int(attributes["width"])
    except (KeyError, ValueError):
        height = width = None
    return _Image(key, attributes["name"], height, width, attributes.get("subset", ""), shapes)


@FORMATS.register("cvat")
class CvatFormat(AnnotationFileFormat):
    """CVAT for images 1.1 (annotations.xml) beside the images; DATA is the folder or the XML file."""

    layout = "CVAT for images 1.1: annotations.xml (polygons, masks, boxes, ellipses per <image>) beside the images"
    cache_name = "cvat"

    def files(self, root: Path) -> list[Path]:
        return top_annotation_files(root, ".xml", is_cvat_xml)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        files = [read_cvat(p) for p in self.found(root)]
        tracks = [f.path for f in files if f.left_out["track"] and not f.images]
        if tracks:
            raise DataError(f"'{tracks[0]}' is a 'CVAT for video' export: its shapes are tracks over frames, with "
                            "no images; export the task as 'CVAT for images 1.1' (with images)")
        used = {shape.get("label", "") for f in files for image in f.images for _, shape in image.shapes}
        _refuse_boxes_only(files)
        labels = {name: colour for f in files for name, colour in f.labels.items()}
        order = [name for name in labels if name in used] if labels else sorted(used)
        colours = {name: colour for name, colour in labels.items() if colour} if all(
            labels.get(name) for name in order) else None
        multilabel = self.options.multilabel  # a mask per label, so that they may overlap
        spec, value = tool_classes(order, colours, f"the labels of {', '.join(str(f.path) for f in files)}",
                                   multilabel, classes)
        refuse_unnamed(sorted(used), value, spec, f"shapes in {', '.join(str(f.path) for f in files)} use labels",
                       "; add them to the task's labels or to classes.json")
        located, problems = locate_images([(f.path, [(i.key, _image_names(i)) for i in f.images]) for f in files],
                                          base, "image")
        images, splits = [], {}
        for f in files:
            for entry in f.images:
                if entry.key in located[f.path]:
                    image = located[f.path][entry.key]
                    images.append(ImageObjects(image, entry.height, entry.width, _drawn(f.path, entry, value)))
                    splits[image] = folder_split(entry.subset) if entry.subset else folder_split(image.parent.name)
        pairs, painting = self.painted_pairs(images, [f.path for f in files], LATER_OVER_EARLIER, spec, base,
                                             files[0].path.stem or "cvat", splits)
        left_out = sum((f.left_out for f in files), Counter())
        line = (f"{relative_names([f.path for f in files], base)}: {len(pairs)} images' shapes painted into "
                f"{len(spec.names)} classes, in z_order, later over earlier" + (
                    "; left out (no area): " + ", ".join(f"{n} {tag}" for tag, n in sorted(left_out.items()))
                    if left_out else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)


def _image_names(image: _Image) -> tuple[str, ...]:
    """Where an export with images keeps one: `images/<name>` (a task), `images/<subset>/<name>`
    (a project: two subsets may hold files of one name), else the name as given."""
    return (*([f"images/{image.subset}/{image.name}"] if image.subset else []), f"images/{image.name}", image.name)


def _refuse_boxes_only(files: list[_CvatFile]) -> None:
    """Stop on a detection export: boxes only would paint rectangles, not objects.

    Raises:
        DataError: every shape with an area is a box.
    """
    kinds = Counter(tag for f in files for image in f.images for tag, _ in image.shapes)
    if kinds["box"] and kinds["box"] == sum(kinds.values()):
        raise DataError(f"{', '.join(str(f.path) for f in files)}: its {kinds['box']} shapes are all boxes: a "
                        "detection task, whose masks would be rectangles; annotate the objects with polygons or "
                        "masks")


def _drawn(path: Path, image: _Image, value: dict[str, int]) -> list[Drawn]:
    """An image's shapes in z_order (stable: the file's order within one), as `painted_masks` draws them."""
    ordered = sorted(image.shapes, key=lambda shape: _number(shape[1].get("z_order", "0")))
    return [Drawn(value[shape.get("label", "")], _outline(tag, shape),
                  f"CVAT file '{path}': image '{image.name}', {tag} of '{shape.get('label', '')}'")
            for tag, shape in ordered]


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _outline(tag: str, shape: dict[str, str]) -> object:
    """A shape as a COCO polygon, or a `RunMask`; invalid numbers raise ValueError when drawn."""
    if tag == "mask":
        return RunMask(shape.get("rle", ""), shape.get("left", ""), shape.get("top", ""), shape.get("width", ""),
                       shape.get("height", ""))
    return ShapeOutline(tag, shape)


@dataclass(frozen=True)
class ShapeOutline:
    """A polygon (`points="x,y;x,y;..."`), a box (corners, turned by `rotation` degrees about its
    centre) or an ellipse (centre, radii, `rotation`), drawn as a polygon."""

    tag: str
    shape: dict[str, str]

    def __call__(self, height: int, width: int) -> np.ndarray:
        return object_mask([self.points()], height, width)

    def _get(self, key: str) -> float:
        try:
            return float(self.shape[key])
        except KeyError:
            raise ValueError(f"it has no {key}") from None

    def points(self) -> list[float]:
        """The outline as COCO's flat polygon `[x1, y1, x2, y2, ...]`.

        Raises:
            ValueError: a coordinate that is missing or no number.
        """
        get = self._get
        if self.tag == "polygon":
            return [float(v) for point in self.shape.get("points", "").split(";") for v in point.split(",")]
        if self.tag == "box":
            cx, cy = (get("xtl") + get("xbr")) / 2, (get("ytl") + get("ybr")) / 2
            corners = [(get(x), get(y)) for x, y in (("xtl", "ytl"), ("xbr", "ytl"), ("xbr", "ybr"), ("xtl", "ybr"))]
            offsets = [(x - cx, y - cy) for x, y in corners]
        else:
            cx, cy = get("cx"), get("cy")
            offsets = ellipse(get("rx"), get("ry"))
        return turned(offsets, cx, cy, _number(self.shape.get("rotation", "0")))


@dataclass(frozen=True)
class RunMask:
    """A `<mask>`: runs of 0 and 1 (comma-separated, starting with 0) over its box of `width` x
    `height` pixels, row by row, whose top-left pixel is (`left`, `top`); cut at the image's edge."""

    rle: str
    left: str
    top: str
    width: str
    height: str

    def __call__(self, height: int, width: int) -> np.ndarray:
        left, top, box_width, box_height = (int(float(v)) for v in (self.left, self.top, self.width, self.height))
        if box_width < 0 or box_height < 0 or box_width * box_height > height * width:
            raise ValueError(f"its mask's box of {box_width}x{box_height} does not fit a {width}x{height} image")
        runs = [int(v) for v in self.rle.split(",") if v.strip()]
        if sum(runs) != box_width * box_height or any(r < 0 for r in runs):
            raise ValueError(f"its runs cover {sum(runs)} pixels of a {box_width}x{box_height} box")
        on = np.repeat(np.arange(len(runs)) % 2 == 1, runs).reshape(box_height, box_width)
        canvas = np.zeros((height, width), bool)
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + box_height, height), min(left + box_width, width)
        if y1 > y0 and x1 > x0:
            canvas[y0:y1, x0:x1] = on[y0 - top:y1 - top, x0 - left:x1 - left]
        return canvas
