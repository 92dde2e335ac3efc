"""The "page-xml" format: PAGE XML, the document layout analysis standard (PRImA's Layout Analysis
Dataset, READ-BAD, Transkribus and OCR-D exports), a file per page (PRImA's `XML/pc-00000086.xml`
for `Images/00000086.tif`), painted into class-index masks once.

A `<PcGts>` holds one `<Page>` (its `imageFilename`, `imageWidth` and `imageHeight`) and its
regions, each a `<...Region>` element with a `<Coords points="x,y x,y ...">` outline in the
image's pixels (PAGE 2013 and 2019; PAGE 2010's `<Point x y>` children too), whatever the
schema's namespace. A region's class is its element: `TextRegion` is `text`, `ImageRegion`
`image`, `SeparatorRegion` `separator`, and so on, as layout analysis models of PRImA's pages
learn them (LayoutParser's PRImA model: text, image, table, maths, separator, other); a text
region's `type` (paragraph, heading, caption, ...) is the reading order's business, not its
pixels', and is not a class. Regions are painted in document order, later over earlier (a
table's cells over the table), classes sorted by name; text lines and words inside regions
are not painted. Regions of fewer than three points have no area and are left out (counted in
the log).

The image is the one `imageFilename` names (beside the file, under the dataset folder, or by its
name alone), else the one of the file's name, without PRImA's `pc-` prefix. The split is the one
the image's folders name. Files are parsed with Python's expat (`xml_outlines`: no entity
expansion bombs, no external entities).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from seglab.data.annotations.annotation_formats import file_head
from seglab.data.annotations.outline_files import (OutlineFile, OutlineFilesFormat, Outlined, OutlineWords,
                                                   stated_side)
from seglab.data.annotations.xml_outlines import local_name, points_outline, xml_root
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

_PRIMA_PREFIX = "pc-"  # PRImA's file of page 00000086 is pc-00000086.xml


def _is_page_xml(path: Path) -> bool:
    """A PAGE file's head: its `<PcGts` root."""
    return "<PcGts" in file_head(path)


def read_page(path: Path) -> OutlineFile:
    """A PAGE file's page: its image and the regions with an area.

    Raises:
        DataError: not well-formed XML, an entity bomb, no `<Page>`, or a point that is no number,
            naming the file (and the region).
    """
    root = xml_root(path, "PAGE file")
    page = next((e for e in root.iter() if local_name(e.tag) == "Page"), None)
    if page is None:
        raise DataError(f"PAGE file '{path}' holds no <Page>")
    regions, left_out = [], 0
    for element in page.iter():
        name = local_name(element.tag)
        coords = next((c for c in element if local_name(c.tag) == "Coords"), None)
        if not name.endswith("Region") or coords is None:
            continue
        number = element.get("id") or str(len(regions) + left_out + 1)
        outline = _outline(coords, path, number)
        if len(outline) < 6:
            left_out += 1
            continue
        regions.append(Outlined(name.removesuffix("Region").lower() or "region", f"region '{number}'", outline))
    return OutlineFile(path, page.get("imageFilename") or "", stated_side(page.get("imageHeight")),
                       stated_side(page.get("imageWidth")), regions, left_out, path.stem.removeprefix(_PRIMA_PREFIX))


def _outline(coords: ElementTree.Element, path: Path, region: str) -> list[float]:
    """A `<Coords>` outline as x1, y1, x2, y2, ...: its `points` ("x,y x,y"), or PAGE 2010's
    `<Point x y>` children.

    Raises:
        DataError: a point that is no pair of numbers, naming the file and the region.
    """
    try:
        if coords.get("points") is not None:
            return points_outline(coords.get("points") or "")
        return [float(point.attrib[k]) for point in coords if local_name(point.tag) == "Point" for k in ("x", "y")]
    except (KeyError, ValueError) as err:
        raise DataError(f"PAGE file '{path}': region '{region}' has a point that is no pair of numbers "
                        f"({err})") from None


@FORMATS.register("page-xml")
class PageXmlFormat(OutlineFilesFormat):
    """PAGE XML files and the images they name; see the module docstring."""

    layout = ("PAGE XML per page (document layout: PRImA, READ-BAD, Transkribus, OCR-D): Images/<id>.tif + "
              "XML/pc-<id>.xml of <TextRegion>, <ImageRegion>, ... outlines")
    cache_name = "page-xml"
    suffix = ".xml"
    looks_right = staticmethod(_is_page_xml)
    words = OutlineWords("PAGE file", "the PAGE regions", "PAGE regions are", "page",
                         "PAGE files' regions painted into {classes} classes by region element", "regions without area")

    def read_file(self, path: Path) -> OutlineFile:
        return read_page(path)
