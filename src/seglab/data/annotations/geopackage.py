"""GeoPackage vector layers (`.gpkg`, QGIS' default layer file): the features of every feature
table as GeoJSON features, for the `geojson` format to paint. The file is SQLite, read with the
standard library, opened read-only; its geometries are GeoPackage blobs (a header, then WKB),
which shapely reads (`pip install 'seglab[geo]'`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from seglab.data.classes.text_files import open_regular
from seglab.errors import DataError

_SQLITE = b"SQLite format 3\x00"
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}  # by the flags' envelope contents indicator
LAYER = "gpkg_layer"  # the property that names a feature's table, the class of features naming none


def is_geopackage(path: Path) -> bool:
    """Whether a file is a `.gpkg` holding an SQLite database (its header only is read)."""
    try:
        with open_regular(path) as file:
            return path.suffix.lower() == ".gpkg" and file.read(16) == _SQLITE
    except OSError:
        return False


def read_geopackage(path: Path) -> tuple[list[dict], int | None]:
    """The features of a GeoPackage's feature tables, each with its table's name as `LAYER`
    property (a `buildings` layer), and the EPSG code of their coordinates (None when the file
    names none: coordinates as the image's).

    Raises:
        DataError: no GeoPackage, feature tables in several coordinate systems, a geometry that
            cannot be read, or shapely missing; naming the file.
    """
    try:
        from shapely import wkb
        from shapely.errors import ShapelyError
        from shapely.geometry import mapping
    except ImportError:
        raise DataError(f"GeoPackage '{path}' needs shapely to read its geometries: pip install 'seglab[geo]'") from None
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as database:
            tables = database.execute(
                "SELECT g.table_name, g.column_name, s.organization, s.organization_coordsys_id "
                "FROM gpkg_geometry_columns g JOIN gpkg_contents c ON c.table_name = g.table_name "
                "LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id WHERE c.data_type = 'features'").fetchall()
            systems = {(str(org).upper(), code) for _, _, org, code in tables}
            if len(systems) > 1:
                raise DataError(f"GeoPackage '{path}' holds layers in {len(systems)} coordinate systems; export the "
                                "label layers in one")
            features = []
            for table, column, _, _ in tables:
                cursor = database.execute(f"SELECT * FROM {_quoted(table)}")
                names = [d[0] for d in cursor.description]
                for number, row in enumerate(cursor, start=1):
                    values = dict(zip(names, row))
                    blob = values.pop(column, None)
                    if blob is not None and not isinstance(blob, bytes):
                        raise ValueError(f"table {table!r}, row {number}: its geometry is {type(blob).__name__}, "
                                         "not a GeoPackage blob")
                    geometry = None if blob is None else _geometry(blob, wkb, mapping)
                    properties = {k: v for k, v in values.items() if isinstance(v, (str, int, float))}
                    properties[LAYER] = str(table)
                    features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    except (sqlite3.Error, ShapelyError, ValueError, IndexError) as err:
        raise DataError(f"GeoPackage '{path}' cannot be read: {err}") from None
    org, code = next(iter(systems), ("", None))
    return features, int(code) if org == "EPSG" and isinstance(code, int) and code > 0 else None


def _quoted(name: str) -> str:
    """An SQL identifier taken from the file, quoted so that it stays one."""
    return '"' + str(name).replace('"', '""') + '"'


def _geometry(blob: bytes, wkb, mapping) -> dict | None:  # noqa: ANN001 - shapely's modules, imported late
    """A GeoPackage geometry blob as a GeoJSON geometry (lists, not tuples); None when empty.

    Raises:
        ValueError: no GeoPackage blob; shapely's errors for WKB it cannot read.
    """
    if blob[:2] != b"GP" or len(blob) < 8:
        raise ValueError("a geometry is no GeoPackage blob (it does not start with 'GP')")
    flags = blob[3]
    if flags >> 4 & 1:  # the empty geometry flag
        return None
    size = _ENVELOPE_BYTES.get(flags >> 1 & 7)
    if size is None:
        raise ValueError(f"a geometry has an unknown envelope code {flags >> 1 & 7}")
    geometry = wkb.loads(blob[8 + size:])
    return None if geometry.is_empty else json.loads(json.dumps(mapping(geometry)))
