"""Vector label files read into features: a GeoJSON file's (or a GeoPackage or shapefile layer's)
polygons, their CRS, and the attribute that names each feature's class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from seglab.data.annotations.annotation_formats import file_head, load_json
from seglab.data.annotations.geopackage import LAYER, is_geopackage, read_geopackage
from seglab.data.annotations.shapefiles import is_shapefile, read_shapefile
from seglab.data.discovery.naming import words
from seglab.errors import DataError

_CLASS_KEYS = ("class", "label", "category", "class_name", "classname")
_GENERIC_FOLDERS = {"labels", "label", "geojson", "annotations", "annotation", "json", "vector", "vectors", "gt"}
_WGS84 = 4326  # RFC 7946: GeoJSON's coordinates are longitude and latitude unless a `crs` says otherwise
_EPSG = re.compile(r"EPSG:+(\d+)$", re.IGNORECASE)


def _is_geojson(path: Path) -> bool:
    """A GeoJSON file's head (a FeatureCollection, a Feature, or QuPath's list of features), or
    a GeoPackage's."""
    if path.suffix.lower() == ".gpkg":
        return is_geopackage(path)
    if path.suffix.lower() == ".shp":
        return is_shapefile(path)
    head = file_head(path).lstrip()
    return head[:1] in "{[" and '"type"' in head and ('"FeatureCollection"' in head or '"Feature"' in head)


@dataclass(frozen=True)
class _Labels:
    """One GeoJSON file or GeoPackage, read: its features and the EPSG code of their
    coordinates (None: the image's, as a GeoPackage of an undefined system says)."""

    path: Path
    features: list[dict]
    epsg: int | None


def read_geojson(path: Path) -> _Labels:
    """A GeoJSON file: a FeatureCollection, one Feature, or a list of features (QuPath).

    A GeoPackage (`.gpkg`) gives the features of its feature tables (`geopackage`), a
    shapefile (`.shp`) its shapes, its file's name their layer (`shapefiles`).

    Raises:
        DataError: not JSON, or none of these, naming the file.
    """
    if path.suffix.lower() == ".gpkg":
        return _Labels(path, *read_geopackage(path))
    if path.suffix.lower() == ".shp":
        features, epsg = read_shapefile(path)
        return _Labels(path, [{**f, "properties": {**f["properties"], LAYER: path.stem}} for f in features], epsg)
    data = load_json(path, "GeoJSON file")
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, list):
        features = data
    else:
        raise DataError(f"GeoJSON file '{path}' is no FeatureCollection, Feature or list of features")
    crs = data.get("crs") if isinstance(data, dict) else None
    name = str(crs.get("properties", {}).get("name", "")) if isinstance(crs, dict) and isinstance(
        crs.get("properties"), dict) else ""
    code = _EPSG.search(name)
    return _Labels(path, [f for f in features if isinstance(f, dict)], int(code.group(1)) if code else _WGS84)


def class_of(feature: dict, fallback: str, field: str | None = None) -> str:
    """A feature's class: its `field` attribute (`--label-field`) when given, else QuPath's
    `classification` name or a class-like property; `fallback` for a feature without it."""
    properties = _properties(feature)
    classification = properties.get("classification")
    if field is None and isinstance(classification, dict) and str(classification.get("name") or "").strip():
        return str(classification["name"]).strip()
    by_key = {str(k).lower(): v for k, v in properties.items()}
    keys = (field.lower(),) if field is not None else _CLASS_KEYS
    value = next((by_key[k] for k in keys if isinstance(by_key.get(k), (str, int)) and str(by_key[k]).strip()), None)
    return str(value).strip() if value is not None else fallback


def _properties(feature: dict) -> dict:
    return feature.get("properties") if isinstance(feature.get("properties"), dict) else {}


def class_attributes(features: list[dict]) -> dict[str, int]:
    """Attributes that could name classes, with their count of values: text carried by half the
    features at least, with 2 to 50 values (OSM's `landuse`, not a name or an id)."""
    values: dict[str, set[str]] = {}
    for feature in features:
        for key, value in _properties(feature).items():
            if isinstance(value, str) and value.strip() and str(key).lower() not in (*_CLASS_KEYS, "classification", LAYER):
                values.setdefault(str(key), set()).add(value.strip())
    carried = {key: sum(isinstance(_properties(f).get(key), str) for f in features) for key in values}
    return {key: len(v) for key, v in values.items() if 2 <= len(v) <= 50 and 2 * carried[key] >= len(features)}


def polygons(geometry: object, depth: int = 0) -> list[list]:
    """A geometry's polygons, each a list of rings (the first the outline, the others holes);
    empty for points and lines, which have no area."""
    if not isinstance(geometry, dict) or depth > 8:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and isinstance(coordinates, list):
        return [coordinates]
    if kind == "MultiPolygon" and isinstance(coordinates, list):
        return [p for p in coordinates if isinstance(p, list)]
    if kind == "GeometryCollection" and isinstance(geometry.get("geometries"), list):
        return [p for g in geometry["geometries"] for p in polygons(g, depth + 1)]
    return []


def fallback_class(feature: dict, folder: Path) -> str:
    """The class of a feature that names none: its GeoPackage layer's name, else the labels'
    folder (`buildings`), unless generic."""
    layer = _properties(feature).get(LAYER)
    if isinstance(layer, str) and layer.strip():
        return layer.strip()
    return folder.name if folder.name and set(words(folder.name)).isdisjoint(_GENERIC_FOLDERS) else "object"
