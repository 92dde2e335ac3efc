"""GeoTIFF georeferencing: the tags that place a raster on the earth, read from an image and
written onto the mask predicted for it, so that GIS tools (QGIS, GDAL, rasterio) lay the mask
over its image (no GIS library is needed: the tags are copied as they are); and where an
image's pixels lie on the map (`placement`), to draw labels given in map coordinates."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tifffile

from seglab.data.classes.text_files import regular_file
from seglab.data.files.read_errors import DECODE_ERRORS, TIFF_SUFFIXES

_GEO_KEY_DIRECTORY = 34735
# ModelPixelScale, ModelTiepoint, ModelTransformation, GeoKeyDirectory, GeoDoubleParams, GeoAsciiParams
GEO_TAGS = (33550, 33922, 34264, _GEO_KEY_DIRECTORY, 34736, 34737)

ExtraTag = tuple[int, int, int, object, bool]  # tifffile's extratags: code, data type, count, value, write once


def georeference(path: Path) -> tuple[ExtraTag, ...]:
    """The GeoTIFF tags of a TIFF's first page, as tifffile writes them again; empty for other
    files and for TIFFs that are not georeferenced (no GeoKeyDirectory), or that cannot be read."""
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return ()
    try:
        with tifffile.TiffFile(regular_file(path)) as tif:
            tags = tif.pages[0].tags
            if _GEO_KEY_DIRECTORY not in tags:
                return ()
            return tuple((code, int(tag.dtype), tag.count, tag.value, True)
                         for code in GEO_TAGS if (tag := tags.get(code)) is not None)
    except DECODE_ERRORS:  # the image itself was read; its place on the earth is an extra
        return ()


def write_georeferenced_mask(path: Path, mask: np.ndarray, tags: tuple[ExtraTag, ...]) -> bool:
    """A class-index mask (H, W), or a multi-label mask's 0/1 band per class (H, W, K), as a
    deflate-compressed uint8 TIFF carrying `tags` (bands of no declared meaning, as GDAL writes);
    False, and no file, when the tags cannot be written again (a GeoAsciiParams that is not
    7-bit ASCII, a value of another type than its tag's)."""
    try:
        tifffile.imwrite(path, np.asarray(mask).astype(np.uint8), photometric="minisblack", planarconfig="contig",
                         compression="zlib", extratags=list(tags))
    except (ValueError, TypeError, OverflowError, struct.error):
        path.unlink(missing_ok=True)
        return False
    return True


_USER_DEFINED = 32767  # a GeoKey value: a CRS the file describes itself, with no EPSG code


@dataclass(frozen=True)
class Placement:
    """Where a GeoTIFF's pixels lie on the map.

    Args:
        height, width: the raster's size.
        to_map: (a, b, c, d, e, f): a pixel corner (column, row) lies at map x = a col + b row + c,
            y = d col + e row + f (the GeoTIFF's tie point and pixel scale, or its transformation).
        epsg: the map's coordinate reference system as an EPSG code; None when the file names none.
    """

    height: int
    width: int
    to_map: tuple[float, float, float, float, float, float]
    epsg: int | None

    def map_points(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Pixel corners (column, row) as map points (x, y); the inverse of `pixels`."""
        a, b, c, d, e, f = self.to_map
        return [(a * x + b * y + c, d * x + e * y + f) for x, y in points]

    def pixels(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Map points (x, y) as pixel corners (column, row).

        Raises:
            ValueError: a transform that maps the raster onto a line (no pixel to point to).
        """
        a, b, c, d, e, f = self.to_map
        det = a * e - b * d
        if det == 0:
            raise ValueError(f"the GeoTIFF's transform {list(self.to_map)} has no inverse")
        return [((e * (x - c) - b * (y - f)) / det, (a * (y - f) - d * (x - c)) / det) for x, y in points]


def placement(path: Path) -> Placement | None:
    """A GeoTIFF's placement (pixel-is-point rasters shifted half a pixel to corners); None for
    other files, TIFFs that are not georeferenced and those that cannot be read."""
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return None
    try:
        with tifffile.TiffFile(regular_file(path)) as tif:
            height, width = tif.pages[0].shape[:2]  # a TIFF's pages are (H, W[, S]) or planar (S, H, W)
            if tif.pages[0].planarconfig == 2 and len(tif.pages[0].shape) == 3:
                height, width = tif.pages[0].shape[1:]
            meta = tif.geotiff_metadata if tif.is_geotiff else None
    except DECODE_ERRORS:
        return None
    if not meta:
        return None
    try:
        if "ModelTransformation" in meta:
            (a, b, _, c), (d, e, _, f) = (row[:4] for row in meta["ModelTransformation"][:2])
        else:
            column, row, _, x, y, _ = meta["ModelTiepoint"][:6]
            sx, sy = meta["ModelPixelScale"][:2]
            a, b, c, d, e, f = sx, 0.0, x - column * sx, 0.0, -sy, y + row * sy
        if int(meta.get("GTRasterTypeGeoKey", 1)) == 2:  # pixel is point: the tie point is a pixel's centre
            c, f = c - (a + b) / 2, f - (d + e) / 2
        to_map = tuple(float(v) for v in (a, b, c, d, e, f))
    except (KeyError, TypeError, ValueError):
        return None
    code = meta.get("ProjectedCSTypeGeoKey" if int(meta.get("GTModelTypeGeoKey", 0)) == 1 else "GeographicTypeGeoKey")
    epsg = int(code) if code is not None and 0 < int(code) < _USER_DEFINED else None
    return Placement(int(height), int(width), to_map, epsg)  # type: ignore[arg-type]
