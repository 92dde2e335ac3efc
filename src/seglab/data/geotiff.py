"""GeoTIFF georeferencing: the tags that place a raster on the earth, read from an image and
written onto the mask predicted for it, so that GIS tools (QGIS, GDAL, rasterio) lay the mask
over its image. No GIS library is needed: the tags are copied as they are."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import tifffile

from seglab.data.read_errors import DECODE_ERRORS, TIFF_SUFFIXES

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
        with tifffile.TiffFile(path) as tif:
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
