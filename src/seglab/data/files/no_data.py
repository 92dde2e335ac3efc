"""No-data pixels of rasters: the GDAL_NODATA tag of a TIFF (GDAL, rasterio and most earth
observation products write it: HLS's -9999, a DEM's -32768) and the value a dataset declares
(`data.no_data`, `--nodata`: Kelp Wanted's untagged -32768), read so that those pixels stay out
of the normalisation and reach the network as the channel's mean; and a guess at an untagged
marker, so the audit can say that one is probably read as a value."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import tifffile

from seglab.data.classes.text_files import regular_file
from seglab.data.files.read_errors import DECODE_ERRORS, TIFF_SUFFIXES

_GDAL_NODATA = 42113  # ASCII: the number, as GDAL prints it ("-9999", "nan", "-3.4028234663852886e+38")
_MARKER_LOW = -999.0  # markers are set far below any measurement: -999, -9999, -32768, -3.4e38
_MARKER_SHARE = 0.01  # of an image's values, at least: a marker fills rows or regions, not specks
# the lowest int16 and int32 values (float32 once read): no measurement, the fill of signed rasters
# (Kelp Wanted's Landsat tiles, SRTM's voids), however few pixels hold it
SIGNED_MINIMA = {float(np.iinfo(np.int16).min): "int16", float(np.iinfo(np.int32).min): "int32"}


def no_data_value(path: Path) -> float | None:
    """The GDAL_NODATA value of a TIFF's first page; None for other files, TIFFs without the
    tag, a tag that is no number, and files that cannot be read (the reader reports those)."""
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return None
    try:
        with tifffile.TiffFile(regular_file(path)) as tif:
            return page_no_data(tif.pages[0])
    except DECODE_ERRORS:
        return None


def page_no_data(page: tifffile.TiffPage | tifffile.TiffFrame) -> float | None:
    """The GDAL_NODATA value of an open TIFF page, so that the reader of its pixels needs no
    second open (a tenth of a millisecond, a quarter of reading a 256x256 tile); None without a
    tag or for a tag that is no number."""
    tag = page.tags.get(_GDAL_NODATA) if isinstance(page, tifffile.TiffPage) else None
    if tag is None:
        return None
    try:
        return float(str(tag.value).strip("\x00 "))
    except ValueError:
        return None


def blank_no_data(image: np.ndarray, values: Collection[float]) -> np.ndarray:
    """`image` with the pixels holding any of `values` as NaN, in float32 scaled as the stored
    dtype is scaled (`scale`: 255 for uint8, 65535 for uint16, 1 for floats); an image without
    such pixels is returned as it is."""
    if not values:
        return image
    hits = np.logical_or.reduce([_holding(image, value) for value in values])
    if not hits.any():
        return image
    blanked = image.astype(np.float32)  # a copy; integers divided as `io.image_scale` does, keeping their meaning
    if image.dtype.kind == "u":
        blanked /= np.float32(np.iinfo(image.dtype).max)
    blanked[hits] = np.nan
    return blanked


def _holding(image: np.ndarray, value: float) -> np.ndarray:
    """Where `image` holds `value` in its stored dtype; nowhere for a value that dtype cannot hold."""
    if image.dtype.kind == "f":
        return np.isnan(image) if np.isnan(value) else image == np.float32(value)
    info = np.iinfo(image.dtype)
    if np.isnan(value) or value != int(value) or not info.min <= value <= info.max:
        return np.zeros(image.shape, bool)
    return image == int(value)


def likely_marker(image: np.ndarray) -> float | None:
    """A value that looks like an untagged no-data marker: the image's lowest value, at or below
    -999, held by at least 1 % of its values, and farther from the rest than they spread (HLS's
    -9999 beside reflectances of 0-0.3); or a uint16 image's 65535 so placed; or the lowest value
    of int16 or int32 (`SIGNED_MINIMA`) in any share of the image short of all of it. None
    otherwise: ordinary data, saturated pixels among values that reach near them, a blank image."""
    if image.dtype.kind == "f":
        candidate = image.min()  # NaN (an image the scan refuses, or no data already) compares as no marker
        if not candidate <= _MARKER_LOW:
            return None
    elif image.dtype == np.uint16 and image.max() == np.iinfo(np.uint16).max:
        candidate = image.max()
    else:
        return None
    hits = image == candidate
    if hits.all():
        return None
    if float(candidate) in SIGNED_MINIMA:
        return float(candidate)
    if hits.mean() < _MARKER_SHARE:
        return None
    rest = image[~hits]
    low, high = float(rest.min()), float(rest.max())
    gap = low - float(candidate) if float(candidate) < low else float(candidate) - high
    return float(candidate) if gap > high - low else None
