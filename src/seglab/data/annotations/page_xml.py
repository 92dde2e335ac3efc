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
from dataclasses import dataclass
from pathlib import Path

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationJsonFolders, file_head
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects
from seglab.data.annotations.xml_outlines import local_name, points_outline, xml_root
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.discovery.naming import folders_split
from seglab.data.files.index import DatasetIndex
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

_PRIMA_PREFIX = "pc-"  # PRImA's file of page 00000086 is pc-00000086.xml


@dataclass(frozen=True)
class _Region:
    """A region's class (its element less `Region`, lowercased), id and outline (x1, y1, x2, ...)."""

    name: str
    id: str
    outline: list[float]


@dataclass(frozen=True)
class _Page:
    """A PAGE file's image name, size (None where not stated), regions with area, and how many
    regions without area it left out."""

    path: Path
    image: str
    height: int | None
    width: int | None
    regions: list[_Region]
    left_out: int

    def image_names(self) -> list[str]:
        """The image names to look for in turn: `imageFilename`, then the file's own name."""
        stem = self.path.stem.removeprefix(_PRIMA_PREFIX)
        return [name for name in (self.image, *(f"{stem}{suffix}" for suffix in IMAGE_SUFFIXES)) if name]


def _is_page_xml(path: Path) -> bool:
    """A PAGE file's head: its `<PcGts` root."""
    return "<PcGts" in file_head(path)


def read_page(path: Path) -> _Page:
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
        regions.append(_Region(name.removesuffix("Region").lower() or "region", number, outline))
    return _Page(path, page.get("imageFilename") or "", _size(page.get("imageHeight")), _size(page.get("imageWidth")),
                 regions, left_out)


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


def _size(text: str | None) -> int | None:
    """A stated image side, or None (the image's header gives it)."""
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if value > 0 else None


@FORMATS.register("page-xml")
class PageXmlFormat(AnnotationJsonFolders):
    """PAGE XML files and the images they name; see the module docstring."""

    layout = ("PAGE XML per page (document layout: PRImA, READ-BAD, Transkribus, OCR-D): Images/<id>.tif + "
              "XML/pc-<id>.xml of <TextRegion>, <ImageRegion>, ... outlines")
    cache_name = "page-xml"
    suffix = ".xml"
    looks_right = staticmethod(_is_page_xml)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        pages = [read_page(path) for path in self.found(root)]
        names = sorted({region.name for page in pages for region in page.regions})
        spec, value = tool_classes(names, None, f"the PAGE regions under '{root}'", self.options.multilabel, classes)
        refuse_unnamed(names, value, spec, "PAGE regions are")
        located, problems = locate_images([(page.path, [(0, page.image_names())]) for page in pages], base, "page")
        images = [ImageObjects(located[page.path][0], page.height, page.width,
                               [Drawn(value[region.name], [region.outline],
                                      f"PAGE file '{page.path}': region '{region.id}' ({region.name})")
                                for region in page.regions])
                  for page in pages if 0 in located[page.path]]
        split_of = {entry.image: folders_split(entry.image, base) for entry in images}
        pairs, painting = self.painted_pairs(images, [page.path for page in pages], LATER_OVER_EARLIER, spec, base,
                                             "page-xml", split_of)
        left_out = sum(page.left_out for page in pages)
        line = (f"{len(pairs)} PAGE files' regions painted into {len(spec.names)} classes by region element "
                f"({', '.join(spec.names[1:])}), later over earlier"
                + (f"; {left_out} regions without area left out" if left_out else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)
