"""The "imagescope" format: Aperio ImageScope's XML annotations, a file per image, as the
pathology datasets ship them (MoNuSeg's `Annotations/TCGA-18-5592-01Z-00-DX1.xml` for
`Tissue Images/TCGA-18-5592-01Z-00-DX1.tif`, or beside the image as in its test set; MoNuSAC's
patient folders), painted into class-index masks once.

An `<Annotation>` is a layer of `<Region>`s, each a list of `<Vertex X Y>` in the image's
pixels. Regions of three or more vertices are filled as polygons (rectangles too): the pixels
whose centres lie inside or on the outline, as MoNuSAC's own masks are drawn (scikit-image's
`draw.polygon`; an outline-inclusive fill such as Pillow's or OpenCV's adds a ring of about a
fifth of a nucleus), ellipses
(`Type="2"`) from the two corners of their box; a negative region (`NegativeROA="1"`) cuts its
area out of its layer; arrows, rulers and points have no area and are left out (counted in the
log). A layer's class is its `Name`, else the attribute that names it (MoNuSAC's
`<Attribute Name="Epithelial">`; ImageScope's empty `Description` names nothing), else
`object` (MoNuSeg's single unnamed layer of nuclei); a layer named `Ambiguous` (MoNuSAC's
regions its scoring leaves out), `Ignore`, `Exclude`, `Void` or another name of no class
(`classes.is_void`: `Unlabelled`, ...) is painted as the ignore label.
Layers are painted in order, later over earlier, with classes sorted by name; a named layer's `LineColor` (a Windows colour, 0xBBGGRR)
is its class colour. The split is the one the image's folders name.

Files are parsed with Python's expat, which refuses entity expansion bombs (expat 2.4.1 and
later) and never fetches external entities.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationJsonFolders, file_head
from seglab.data.classes import ClassSpec, is_void, refuse_unnamed, tool_classes
from seglab.data.classes.text_files import open_regular
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.discovery.naming import folders_split
from seglab.data.annotations.painted_masks import IGNORE, LATER_OVER_EARLIER, Drawn, ImageObjects, closed_polygon, ellipse, turned
from seglab.errors import DataError

UNNAMED = "object"  # the class of a layer that names none
_ELLIPSE = "2"  # a region's Type: 0 freehand, 1 rectangle, 2 ellipse, 3 arrow, 4 ruler, ...
_NAMES_NOTHING = ("", "description")  # ImageScope's default attribute


@dataclass(frozen=True)
class _Region:
    """A region's vertices (x, y), whether it is an ellipse's two corners, and whether it cuts."""

    points: tuple[tuple[float, float], ...]
    ellipse: bool
    negative: bool

    def outline(self) -> list[tuple[float, float]]:
        """The polygon that fills it (an ellipse's 64-sided outline)."""
        if not self.ellipse:
            return list(self.points)
        (x0, y0), (x1, y1) = self.points[0], self.points[-1]
        flat = turned(ellipse(abs(x1 - x0) / 2, abs(y1 - y0) / 2), (x0 + x1) / 2, (y0 + y1) / 2)
        return list(zip(flat[::2], flat[1::2]))


@dataclass(frozen=True)
class _Layer:
    """One `<Annotation>`: its class name, colour and regions with area; draws its pixels."""

    name: str
    colour: tuple[int, int, int] | None
    regions: tuple[_Region, ...]

    def __call__(self, height: int, width: int) -> np.ndarray:
        filled = np.zeros((height, width), bool)
        for region in sorted(self.regions, key=lambda r: r.negative):  # cuts after every area of the layer
            outline = np.asarray(region.outline())
            left, top = np.maximum(np.floor(outline.min(axis=0)).astype(np.int64), 0)
            right, bottom = np.minimum(np.ceil(outline.max(axis=0)).astype(np.int64) + 1, (width, height))
            if right <= left or bottom <= top:
                continue
            box = closed_polygon([(x - left, y - top) for x, y in outline], int(bottom - top), int(right - left))
            if region.negative:
                filled[top:bottom, left:right] &= ~box
            else:
                filled[top:bottom, left:right] |= box
        return filled


@dataclass(frozen=True)
class _File:
    """An ImageScope XML file's layers and how many regions without area it left out."""

    path: Path
    layers: tuple[_Layer, ...]
    left_out: int


def _is_imagescope(path: Path) -> bool:
    """An ImageScope file's head: `<Annotations` (capitalised, unlike CVAT's and Pascal VOC's)
    holding an `<Annotation` or its `<Regions>`."""
    head = file_head(path)
    return "<Annotations" in head and ("<Annotation " in head or "<Regions" in head) and "<ASAP_Annotations" not in head


def read_imagescope(path: Path) -> _File:
    """A file's layers with their regions of area.

    Raises:
        DataError: not well-formed XML, an entity bomb, or a vertex that is no number, naming the file.
    """
    try:
        with open_regular(path) as file:
            root = ElementTree.parse(file).getroot()
    except (ElementTree.ParseError, OSError) as err:
        raise DataError(f"ImageScope file '{path}' cannot be read as XML: {err}") from None
    layers, left_out = [], 0
    for number, layer in enumerate(root.iter("Annotation"), start=1):
        regions = []
        for region in layer.iter("Region"):
            try:
                points = tuple((_number(v.attrib["X"]), _number(v.attrib["Y"])) for v in region.iter("Vertex"))
            except (KeyError, ValueError) as err:
                raise DataError(f"ImageScope file '{path}': layer {number} has a vertex without a number X and Y "
                                f"({err})") from None
            is_ellipse = region.get("Type") == _ELLIPSE and len(points) >= 2
            if len(points) < 3 and not is_ellipse:
                left_out += 1
                continue
            regions.append(_Region(points, is_ellipse, region.get("NegativeROA") == "1"))
        if regions:
            layers.append(_Layer(_class_name(layer), _colour(layer.get("LineColor")), tuple(regions)))
    return _File(path, tuple(layers), left_out)


def _number(text: str) -> float:
    """A coordinate (ValueError for no number, or an infinite one)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is no finite number")
    return value


def _class_name(layer: ElementTree.Element) -> str:
    """A layer's `Name`, else its first attribute that names something, else `object`."""
    named = (layer.get("Name") or "").strip()
    if named:
        return named
    attributes = (a.get("Name", "").strip() for a in layer.iter("Attribute"))
    return next((a for a in attributes if a.lower() not in _NAMES_NOTHING), UNNAMED)


def _colour(line_colour: str | None) -> tuple[int, int, int] | None:
    """A Windows colour (0xBBGGRR as a decimal number) as (r, g, b); None when it is none."""
    try:
        value = int(line_colour or "")
    except ValueError:
        return None
    return (value & 0xFF, value >> 8 & 0xFF, value >> 16 & 0xFF) if 0 <= value <= 0xFFFFFF else None


@FORMATS.register("imagescope")
class ImageScopeFormat(AnnotationJsonFolders):
    """Aperio ImageScope XML files and the images of their names; see the module docstring."""

    layout = ("Aperio ImageScope XML per image: Tissue Images/<name>.tif + Annotations/<name>.xml, or side by side "
              "(MoNuSeg, MoNuSAC)")
    cache_name = "imagescope"
    suffix = ".xml"
    looks_right = staticmethod(_is_imagescope)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        files = [read_imagescope(path) for path in self.found(root)]
        layers = {layer.name for f in files for layer in f.layers}
        ignored = {name for name in layers if is_void(name)}  # layers to score in no class
        names = sorted(layers - ignored)
        colours = {layer.name: layer.colour for f in files for layer in f.layers if layer.colour is not None}
        spec, value = tool_classes(names, colours if UNNAMED not in names else None,
                                   f"the ImageScope layers under '{root}'", self.options.multilabel, classes)
        refuse_unnamed(names, value, spec, "ImageScope layers are named")
        if ignored:  # MoNuSAC's Ambiguous regions: scored in no class
            value.update(dict.fromkeys(ignored, IGNORE))
            spec = spec if spec.ignore_index is not None else replace(spec, ignore_index=IGNORE)
        located, problems = locate_images(
            [(f.path, [(0, [f"{f.path.stem}{suffix}" for suffix in IMAGE_SUFFIXES])]) for f in files], base, "file")
        images = [ImageObjects(located[f.path][0], None, None,
                               [Drawn(value[layer.name], layer, f"ImageScope file '{f.path}': layer {i} ('{layer.name}')")
                                for i, layer in enumerate(f.layers, start=1)])
                  for f in files if 0 in located[f.path]]
        split_of = {entry.image: folders_split(entry.image, base) for entry in images}
        pairs, painting = self.painted_pairs(images, [f.path for f in files], LATER_OVER_EARLIER, spec, base,
                                             "imagescope", split_of)
        left_out = sum(f.left_out for f in files)
        line = (f"{len(pairs)} ImageScope files painted into {len(spec.names)} classes ({', '.join(spec.names[1:])}), "
                "later layers over earlier" + (f"; {left_out} arrows, rulers and points left out" if left_out else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)

