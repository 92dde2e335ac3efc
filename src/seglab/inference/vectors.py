"""Predicted masks as polygons (`seglab predict --geojson`): each class's pixels traced along
their edges into outlines with holes, written as a GeoJSON file per image.

The outlines follow pixel edges exactly, so a pixel is inside a polygon exactly when it was
predicted: read back by pixel centres (as GDAL, rasterio and seglab's `geojson` reader burn
polygons) the mask comes out unchanged. Pixels that touch only at a corner are separate
polygons (4-connected). Over a GeoTIFF the points are map coordinates in the image's CRS (named
in a `crs` member), so GIS tools lay them over the image; otherwise they are pixels, x to the
right and y down, and each feature carries QuPath's `classification` (name and colour), so
QuPath imports the objects for correction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.data.files.geotiff import Placement, placement
from seglab.inference.files import WrittenPrediction
from seglab.inference.submission import class_planes, foreground_labels
from seglab.runs.atomic import write_json

Ring = list[tuple[int, int]]  # closed: the first point repeated last
Shape = tuple[Ring, list[Ring]]  # an outline and its holes


def traced(plane: np.ndarray) -> list[Shape]:
    """The polygons of a boolean (H, W) plane: outlines (clockwise as seen, y down) with their
    holes, in pixel-corner coordinates (x, y)."""
    starts, ends = _edges(np.asarray(plane, bool))
    rings = _linked(starts, ends)
    outlines = [r for r in rings if _area(r) > 0]
    shapes: list[Shape] = [(r, []) for r in outlines]
    if len(rings) == len(outlines):
        return shapes
    from matplotlib.path import Path as Outline  # point-in-polygon

    paths = [Outline(np.asarray(r, float)) for r in outlines]
    areas = [_area(r) for r in outlines]
    for hole in (r for r in rings if _area(r) < 0):
        inside = _inside_point(hole)
        parents = [k for k, path in enumerate(paths) if path.contains_point(inside)]
        if parents:
            shapes[min(parents, key=lambda k: areas[k])][1].append(hole)
    return shapes


def _edges(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel edge between the plane and its outside, directed with the plane on its right
    (seen with y down): (N, 2) start and end corners (x, y)."""
    padded = np.pad(plane, 1)
    inner = padded[1:-1, 1:-1]
    starts, ends = [], []
    # (neighbour offset, start corner, end corner) for the top, right, bottom and left edges of a pixel
    for (dr, dc), start, end in (((-1, 0), (0, 0), (1, 0)), ((0, 1), (1, 0), (1, 1)),
                                 ((1, 0), (1, 1), (0, 1)), ((0, -1), (0, 1), (0, 0))):
        neighbour = padded[1 + dr:padded.shape[0] - 1 + dr, 1 + dc:padded.shape[1] - 1 + dc]
        rows, columns = np.nonzero(inner & ~neighbour)
        starts.append(np.column_stack([columns + start[0], rows + start[1]]))
        ends.append(np.column_stack([columns + end[0], rows + end[1]]))
    return np.concatenate(starts), np.concatenate(ends)


def _linked(starts: np.ndarray, ends: np.ndarray) -> list[Ring]:
    """The edges joined into closed rings; where two leave one corner (pixels touching
    diagonally) the right turn is taken, which keeps the pixels' polygons apart."""
    begin, finish = [tuple(p) for p in starts.tolist()], [tuple(p) for p in ends.tolist()]
    leaving: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, corner in enumerate(begin):
        leaving[corner].append(k)
    used = [False] * len(begin)
    rings = []
    for first in range(len(begin)):
        if used[first]:
            continue
        ring, edge = [begin[first]], first
        while not used[edge]:
            used[edge] = True
            corner = finish[edge]
            ring.append(corner)
            hx, hy = corner[0] - begin[edge][0], corner[1] - begin[edge][1]
            # a right turn (seen with y down) has a positive cross product of the two headings; taken
            # among all edges leaving the corner, so that a ring begun there closes on its first edge
            # rather than going on along another ring's (a pixel alone in a ring of diagonal holes)
            edge = max(leaving[corner], key=lambda k: hx * (finish[k][1] - corner[1]) - hy * (finish[k][0] - corner[0]))
        rings.append(_straightened(ring))
    return rings


def _straightened(ring: list[tuple[int, int]]) -> Ring:
    """A closed ring without the corners where it runs straight on."""
    points = ring[:-1]
    kept = [p for k, p in enumerate(points)
            if (p[0] - points[k - 1][0], p[1] - points[k - 1][1]) !=
            (points[(k + 1) % len(points)][0] - p[0], points[(k + 1) % len(points)][1] - p[1])]
    return [*kept, kept[0]]


def _area(ring: Ring) -> float:
    """Signed area: positive for outlines (clockwise as seen with y down), negative for holes."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


def _inside_point(hole: Ring) -> tuple[float, float]:
    """The centre of a pixel inside a hole: beside its first edge, on the side away from the plane."""
    (x0, y0), (x1, y1) = hole[0], hole[1]
    length = max(abs(x1 - x0), abs(y1 - y0))
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    return x0 + dx / 2 + dy / 2, y0 + dy / 2 - dx / 2


def write_geojson_files(written: Sequence[WrittenPrediction], classes: ClassSpec, multilabel: bool) -> int:
    """Write each prediction's polygons as `<name>.geojson` beside its mask, every class but the
    background (a multi-label model's every class); return how many polygons in all."""
    labels = foreground_labels(classes, multilabel)
    count = 0
    for prediction in written:
        path = prediction.overlay.with_name(prediction.overlay.name.removesuffix("_overlay.png") + ".geojson")
        planes = list(zip(labels, class_planes(prediction, labels, multilabel)))
        count += write_geojson(path, planes, classes, placement(prediction.source))
    return count


def write_geojson(path: Path, planes: Sequence[tuple[int, np.ndarray]], classes: ClassSpec,
                  place: Placement | None) -> int:
    """Write `planes` ((class index, boolean plane), ...) as a GeoJSON FeatureCollection at
    `path`, a Feature per polygon; return how many."""
    features = []
    for label, plane in planes:
        name, colour = classes.names[label], list(classes.colours[label])
        for outline, holes in traced(plane):
            rings = [_placed(r, place) for r in (outline, *holes)]
            features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": rings},
                             "properties": {"objectType": "annotation", "classification": {"name": name, "color": colour},
                                            "class": name, "class_index": label}})
    collection: dict = {"type": "FeatureCollection", "features": features}
    if place is not None and place.epsg is not None:
        collection["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{place.epsg}"}}
    write_json(path, collection, indent=None)
    return len(features)


def _placed(ring: Ring, place: Placement | None) -> list[list[float]]:
    """A ring's corners as pixels, or as map coordinates over a GeoTIFF."""
    return [list(point) for point in (ring if place is None else place.map_points(ring))]
