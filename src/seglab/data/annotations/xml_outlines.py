"""XML annotation files read safely, and the outlines they give: a `points` list of x, y pairs
(PAGE's and cTDaR's `<Coords points="x,y x,y ...">`, SVG's `<polygon points="x,y x,y ...">`).

Files are parsed with Python's expat: no external entity is read, and an entity expansion bomb
stops the parse (expat 2.4 and later), as defusedxml would; the error names the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from seglab.data.classes.text_files import open_regular
from seglab.errors import DataError

_SEPARATORS = re.compile(r"[\s,]+")  # SVG writes `x,y x,y`, `x y x y` and `x,y,x,y` alike


def xml_root(path: Path, what: str) -> ElementTree.Element:
    """The root element of an XML file, `what` it is ("PAGE file") naming it on failure.

    Raises:
        DataError: not well-formed XML, an entity bomb, or a file that cannot be opened.
    """
    try:
        with open_regular(path) as file:
            return ElementTree.parse(file).getroot()
    except (ElementTree.ParseError, OSError) as err:
        raise DataError(f"{what} '{path}' cannot be read as XML: {err}") from None


def local_name(tag: str) -> str:
    """An element's name without its namespace (`{http://schema.primaresearch.org/...}Page`)."""
    return tag.rpartition("}")[2]


def points_outline(points: str) -> list[float]:
    """A `points` attribute as x1, y1, x2, y2, ...

    Raises:
        ValueError: a value that is no number, or an x without its y.
    """
    values = [float(v) for v in _SEPARATORS.split(points.strip()) if v]
    if len(values) % 2:
        raise ValueError(f"{len(values)} numbers, an x without its y")
    return values
