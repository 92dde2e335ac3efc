"""Vector labels placed on an image's pixels: their coordinates reprojected and mapped through
the GeoTIFF's placement, or taken as pixels, and checked to land on the image.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.annotations.painted_masks import centres_inside
from seglab.data.annotations.vector_labels import _Labels, polygons
from seglab.data.files.geotiff import Placement
from seglab.data.files.index import Problem
from seglab.errors import DataError

log = logging.getLogger(__name__)

Convert = Callable[[list[tuple[float, float]]], list[tuple[float, float]]]  # points -> pixels


@dataclass(frozen=True)
class _Placed:
    """A polygon in map or pixel coordinates, drawn in pixels (ValueError when it cannot be):
    the pixels whose centres lie inside its outline and outside its holes, as GDAL and rasterio
    burn polygons (a 20-pixel-wide square covers 20 columns, where an outline-inclusive fill
    would paint 21)."""

    rings: list
    to_pixels: Convert

    def __call__(self, height: int, width: int) -> np.ndarray:
        if not self.rings or not isinstance(self.rings, list):
            return np.zeros((height, width), bool)
        outline, *holes = (self.to_pixels(_points(ring)) for ring in self.rings)
        filled = centres_inside(outline, height, width)
        for hole in holes:
            filled &= ~centres_inside(hole, height, width)
        return filled


def _points(ring: object) -> list[tuple[float, float]]:
    """A ring's points as (x, y) floats (a third coordinate, a height, left out).

    Raises:
        ValueError: no list of [x, y] number pairs.
    """
    if not isinstance(ring, list) or not all(isinstance(p, list) and len(p) >= 2 for p in ring):
        raise ValueError(f"a ring is {str(ring)[:40]}, not a list of [x, y] points")
    return [(float(point[0]), float(point[1])) for point in ring]


def _unchanged(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return points


def to_pixels(labels: _Labels, place: Placement | None) -> Convert:
    """How a file's points become pixels: as they are over a plain image, else through the
    image's placement, reprojected first when the file's CRS is not the image's.

    Raises:
        DataError: the CRSs differ and pyproj is not installed, or PROJ knows one of them not.
    """
    if place is None:
        return _unchanged
    if place.epsg is None or labels.epsg is None or place.epsg == labels.epsg:
        return place.pixels
    try:
        from pyproj import Transformer
        from pyproj.exceptions import CRSError
    except ImportError:
        raise DataError(f"GeoJSON file '{labels.path}' is in EPSG:{labels.epsg} but its image is in EPSG:{place.epsg}; "
                        "install pyproj to reproject it (pip install 'seglab[geo]'), or export the labels in the "
                        "image's CRS") from None
    try:
        transformer = Transformer.from_crs(f"EPSG:{labels.epsg}", f"EPSG:{place.epsg}", always_xy=True)
    except CRSError as err:
        raise DataError(f"GeoJSON file '{labels.path}' cannot be reprojected from EPSG:{labels.epsg} to its "
                        f"image's EPSG:{place.epsg}: {err}") from None

    def reprojected(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if not points:
            return []
        xs, ys = transformer.transform([p[0] for p in points], [p[1] for p in points])
        return place.pixels(list(zip(map(float, xs), map(float, ys))))

    return reprojected


def _checked(labels: _Labels, image: Path, place: Placement, convert: Convert) -> tuple[Convert, Problem | None]:
    """A file's conversion over its GeoTIFF, read as pixels when all its points lie on the image
    as pixels and none as map coordinates (SpaceNet 7's `labels_match_pix/`); and a finding when
    none of them lands on it (labels in another coordinate system than the one assumed)."""
    points, mapped = _placed_points(labels, convert)
    if not points or any(_on(p, place.height, place.width) for p in mapped):
        return convert, None
    if all(_on(p, place.height, place.width) for p in points):
        log.info("%s: its coordinates lie on its image as pixels, not as map coordinates; read as pixels", labels.path)
        return _unchanged, None
    where = f"in EPSG:{labels.epsg or place.epsg} placed by the image's " + (
        f"EPSG:{place.epsg} georeferencing" if place.epsg else "georeferencing, which names no EPSG code")
    return convert, Problem(labels.path, f"no feature lies on its image '{image.name}' ({where}); its mask is empty",
                            "labels-off-image", (image,))


def _placed_points(labels: _Labels, convert: Convert) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """A file's polygon points as given and as pixels; none when they cannot be read (drawing
    names what is wrong with them)."""
    try:
        points = [point for f in labels.features for rings in polygons(f.get("geometry")) for ring in rings
                  for point in _points(ring)]
        return points, convert(points)
    except (TypeError, ValueError, IndexError, OverflowError):
        return [], []


def _on(xy: tuple[float, float], height: int, width: int) -> bool:
    return 0 <= xy[0] <= width and 0 <= xy[1] <= height


@dataclass(frozen=True)
class _Outlines:
    """A layer's polygons, (feature number, feature, rings), with their outlines' points read
    once (None where they cannot be, [] for an empty polygon)."""

    shapes: list[tuple[int, dict, list]]
    outlines: list[list[tuple[float, float]] | None]

    @classmethod
    def of(cls, labels: _Labels) -> _Outlines:
        shapes = [(n, f, rings) for n, f in enumerate(labels.features, start=1) for rings in polygons(f.get("geometry"))]
        outlines: list[list[tuple[float, float]] | None] = []
        for _, _, rings in shapes:
            try:
                outlines.append(_points(rings[0]) if rings else [])
            except (TypeError, ValueError, OverflowError):
                outlines.append(None)
        return cls(shapes, outlines)

    def on_image(self, place: Placement, convert: Convert) -> list[tuple[int, dict, list]]:
        """The polygons whose outline's bounding box, in pixels, overlaps the image: of a layer
        over many tiles, the few on one tile (every outline converted in one call). A polygon
        whose outline cannot be read is kept, for its drawing to name what is wrong with it."""
        flat = [point for outline in self.outlines if outline for point in outline]
        unreadable = [shape for shape, outline in zip(self.shapes, self.outlines) if outline is None]
        if not flat:
            return unreadable
        try:
            pixels = np.asarray(convert(flat), dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return self.shapes
        sizes = np.array([len(o) if o else 0 for o in self.outlines])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])[sizes > 0]
        low, high = np.minimum.reduceat(pixels, starts), np.maximum.reduceat(pixels, starts)
        on = iter(((high[:, 0] > 0) & (low[:, 0] < place.width) & (high[:, 1] > 0) & (low[:, 1] < place.height)).tolist())
        return [shape for shape, outline in zip(self.shapes, self.outlines) if outline is None or (outline and next(on))]
