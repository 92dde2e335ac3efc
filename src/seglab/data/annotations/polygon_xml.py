"""The "polygon-xml" format: an XML or SVG file of class-named polygons per image, beside it or in
a folder of their own, painted into class-index masks once.

- ICDAR 2019 cTDaR (table detection): `<id>.xml` beside `<id>.jpg` (the test set's in
  `test_ground_truth/`), a `<document filename="<id>.jpg">` of `<table>` elements, each outlined by
  a `<Coords points="x,y x,y ...">` child. The outermost outlined elements are the objects, their
  element's name the class (`table`); the cells outlined inside a table are its structure (Track B),
  not painted over it.
- SVG (eBDtheque's `GT/<page>.svg`): `<polygon points>` and `<rect>` shapes in groups named by
  their `class` attribute (`<svg class="Panel">`, `Balloon`, `Line`, `Character`), the nearest
  `class` the shape's, lowercased; a shape no `class` names is left out (counted). A `transform`
  would move the shapes, which seglab does not apply: such a file is refused naming it.

Shapes are painted in document order, later over earlier (eBDtheque's balloons over its panels),
classes sorted by name. The image is the one the file names (cTDaR's `filename`, an SVG's
`<image xlink:href>`), beside the file, under the dataset folder or by its name alone, else the one
of the file's stem; the split is the one the image's folders name. PAGE XML (`<PcGts>`) is the
`page-xml` format's. Files are parsed with Python's expat (`xml_outlines`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from seglab.data.annotations.annotation_formats import file_head, json_folders
from seglab.data.annotations.outline_files import (OutlineFile, OutlineFilesFormat, Outlined, OutlineWords,
                                                   stated_side)
from seglab.data.annotations.xml_outlines import local_name, points_outline, xml_root
from seglab.data.discovery.folders import Folder
from seglab.data.files.index import natural_key
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

_SUFFIXES = (".xml", ".svg")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _is_polygon_file(path: Path) -> bool:
    """An XML file's head with `<Coords points=` outlines (PAGE's `<PcGts` aside), or an SVG's with
    polygons or rectangles and a `class` to name them."""
    head = file_head(path)
    if path.suffix.lower() == ".svg":
        return "<svg" in head and ("<polygon" in head or "<rect" in head) and "class=" in head
    return "<Coords" in head and "points=" in head and "<PcGts" not in head


def read_polygons(path: Path) -> OutlineFile:
    """A file's image name, size and shapes.

    Raises:
        DataError: not well-formed XML, an entity bomb, a point that is no number, or an SVG
            `transform`, naming the file (and the shape).
    """
    root = xml_root(path, "polygon file")
    if path.suffix.lower() == ".svg":
        return _svg_polygons(path, root)
    shapes, left_out = [], 0
    stack = [root]
    while stack:  # not recursive: a file nested 10,000 deep stays a file
        element = stack.pop()
        coords = next((c for c in element if local_name(c.tag) == "Coords"), None)
        if coords is None:
            stack.extend(reversed(element))
            continue
        name = local_name(element.tag).lower()
        where = f"<{name}> {len(shapes) + left_out + 1}"
        outline = _outline(coords.get("points") or "", path, where)
        if len(outline) < 6:
            left_out += 1
        else:
            shapes.append(Outlined(name, where, outline))
    return OutlineFile(path, root.get("filename") or "", None, None, shapes, left_out, path.stem)


def _svg_polygons(path: Path, root: ElementTree.Element) -> OutlineFile:
    """An SVG's `<polygon>` and `<rect>` shapes, each of the nearest `class` above or on it, the
    image its `<image>` links, and its size.

    Raises:
        DataError: a point that is no number, or a `transform`, naming the file.
    """
    shapes, left_out, image = [], 0, ""
    stack: list[tuple[ElementTree.Element, str]] = [(root, "")]
    while stack:
        element, above = stack.pop()
        if element.get("transform") is not None:
            raise DataError(f"SVG file '{path}': <{local_name(element.tag)}> has a transform "
                            f"('{element.get('transform')}') that moves its shapes, which seglab does not apply; "
                            "flatten the transforms (Inkscape: Path > Object to Path, or svgpathtools) or paint "
                            "the polygons into masks and pass that folder with --masks DIR")
        kind, named = local_name(element.tag), (element.get("class") or above).strip()
        if kind == "image" and not image:
            image = element.get(_XLINK_HREF) or element.get("href") or ""
        if kind in ("polygon", "rect"):
            where = f"<{kind}> {len(shapes) + left_out + 1}"
            outline = _outline(element.get("points") or "", path, where) if kind == "polygon" else _rect(element, path)
            if len(outline) < 6 or not named:
                left_out += 1
            else:
                shapes.append(Outlined(named.lower(), where, outline))
        stack.extend((child, named) for child in reversed(element))
    return OutlineFile(path, image, stated_side(root.get("height")), stated_side(root.get("width")), shapes, left_out,
                       path.stem)


def _outline(points: str, path: Path, where: str) -> list[float]:
    """A `points` outline (`points_outline`).

    Raises:
        DataError: a point that is no pair of numbers, naming the file and the shape.
    """
    try:
        return points_outline(points)
    except ValueError as err:
        raise DataError(f"polygon file '{path}': {where} has a point that is no pair of numbers ({err})") from None


def _rect(element: ElementTree.Element, path: Path) -> list[float]:
    """An SVG `<rect>` (x, y, width, height) as its four corners.

    Raises:
        DataError: a side that is no number, naming the file.
    """
    try:
        x, y, w, h = (float(element.get(k) or 0) for k in ("x", "y", "width", "height"))
    except ValueError as err:
        raise DataError(f"SVG file '{path}': a <rect> has a side that is no number ({err})") from None
    return [x, y, x + w, y, x + w, y + h, x, y + h] if w > 0 and h > 0 else []


@FORMATS.register("polygon-xml")
class PolygonXmlFormat(OutlineFilesFormat):
    """XML or SVG files of class-named polygons and the images they outline; see the module docstring."""

    layout = ("an XML or SVG file of class-named polygons per image (ICDAR 2019 cTDaR's <id>.xml of <table> "
              "<Coords points>, eBDtheque's GT/<page>.svg of <svg class=\"Panel\"> <polygon points>), beside the "
              "images or in a folder of their own")
    cache_name = "polygon-xml"
    words = OutlineWords("polygon file", "the polygon classes", "polygon files use classes", "file",
                         "XML/SVG files' polygons painted into {classes} classes", "shapes without area or class")
    looks_right = staticmethod(_is_polygon_file)

    def label_folders(self, root: Path) -> list[Path]:
        return json_folders(root, self.looks_right, suffixes=_SUFFIXES)

    def find(self, root: Path, folders: list[Folder]) -> list[Path]:
        if root.is_file():
            return [root] if root.suffix.lower() in _SUFFIXES and self.looks_right(root) else []
        found = [p for folder in self.label_folders(root)
                 for p in sorted((p for s in _SUFFIXES for p in folder.glob(f"*{s}")), key=lambda p: natural_key(p.name))]
        # a file per image is named as its image: CubiCasa5k's `model.svg` beside `F1_original.png` names no
        # image, and is no dataset of this kind (its refusal says the .svg files are not read)
        stems = {image.stem for folder in folders for image in folder.files}
        return found if any(p.stem in stems for p in found) else []

    def names_images(self, root: Path, found: list[Path], folder: Folder) -> bool:
        """A folder named for masks (cTDaR's `ground_truth/`) holds the images whose files lie beside them."""
        beside = {p.stem for p in found if p.parent == folder.path}
        return bool(folder.files) and all(image.stem in beside for image in folder.files[:2])

    def read_file(self, path: Path) -> OutlineFile:
        return read_polygons(path)
