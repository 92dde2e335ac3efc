"""Shapefiles (`.shp` beside its `.shx`, `.dbf` and `.prj`), GIS' older layer format, as
GeoJSON features for the `geojson` format to paint: shapes and attributes read with pyshp, the
`.prj`'s coordinate system named by pyproj as an EPSG code (`pip install 'seglab[geo]'`)."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

from seglab.data.classes.text_files import open_regular, regular_file, regular_text
from seglab.data.files.file_warnings import reading
from seglab.errors import DataError

_FILE_CODE = 9994  # the first four bytes of every .shp, big-endian


def is_shapefile(path: Path) -> bool:
    """Whether a `.shp` file starts with the shapefile code (its first bytes only are read)."""
    try:
        with open_regular(path) as file:
            head = file.read(4)
    except OSError:
        return False
    return path.suffix.lower() == ".shp" and len(head) == 4 and struct.unpack(">i", head)[0] == _FILE_CODE


def read_shapefile(path: Path) -> tuple[list[dict], int | None]:
    """A shapefile's features (GeoJSON geometries, the `.dbf`'s attributes as properties) and
    the EPSG code its `.prj` names (None without one, or one that PROJ cannot name: coordinates
    as the image's).

    Raises:
        DataError: pyshp missing, or a shapefile that cannot be read, naming the file.
    """
    try:
        import shapefile
    except ImportError:
        raise DataError(f"shapefile '{path}' needs pyshp to be read: pip install 'seglab[geo]'") from None
    features = []
    try:
        with reading(path), shapefile.Reader(**_in_memory(path)) as reader:
            for item in reader.iterShapeRecords():
                geometry = None if item.shape.shapeType == shapefile.NULL else \
                    json.loads(json.dumps(item.shape.__geo_interface__))
                properties = {k: v for k, v in item.record.as_dict().items() if isinstance(v, (str, int, float))}
                features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    except (shapefile.ShapefileException, OSError, struct.error, ValueError, IndexError, TypeError, KeyError,
            UnicodeDecodeError) as err:
        raise DataError(f"shapefile '{path}' cannot be read: {err}") from None
    return features, _epsg(path.with_suffix(".prj"))


def _in_memory(path: Path) -> dict[str, io.BytesIO]:
    """The shapefile's files (`.shp`, and `.shx`, `.dbf`, `.cpg` where they exist, in either
    case) read into memory for pyshp: a damaged record length then asks a buffer for more bytes
    than it holds, where a file object first allocates all it was asked for (up to 8 GB)."""
    parts = {"shp": io.BytesIO(regular_file(path).read_bytes())}
    for part in ("shx", "dbf", "cpg"):
        found = next((f for f in (path.with_suffix(f".{part}"), path.with_suffix(f".{part.upper()}")) if f.is_file()),
                     None)
        if found is not None:
            parts[part] = io.BytesIO(regular_file(found).read_bytes())
    return parts


def _epsg(prj: Path) -> int | None:
    """The EPSG code of a `.prj`'s WKT; None without the file, pyproj, or a code for it."""
    try:
        from pyproj import CRS
        from pyproj.exceptions import CRSError
    except ImportError:
        return None
    try:
        return CRS.from_wkt(regular_text(prj, encoding="utf-8", errors="replace")).to_epsg()
    except (OSError, CRSError):
        return None
