"""The "geojson" format: a GeoJSON file of labels per image, painted into class-index masks once.

- **Map coordinates** over a georeferenced image (a GeoTIFF): SpaceNet's
  `geojson/buildings/buildings_AOI_2_Vegas_img1.geojson` for
  `RGB-PanSharpen/RGB-PanSharpen_AOI_2_Vegas_img1.tif`. The GeoTIFF's transform places them
  on its pixels; labels in another coordinate system than the image's (GeoJSON's default
  longitude/latitude over a UTM image) are reprojected with pyproj (`pip install seglab[geo]`).
- **Pixel coordinates** over a plain image: QuPath's exported annotations (`a.geojson` for
  `a.tif`, x to the right and y down from the top-left corner), SpaceNet 7's `labels_match_pix/`.
- **GeoPackages** (`.gpkg`, QGIS' default layer file) and **shapefiles** (`.shp`) are read like
  GeoJSON files (`geopackage`, `shapefiles`).

Files pair with images by the name rules of folder pairs (`buildings_AOI_2_Vegas_img1` ~
`RGB-PanSharpen_AOI_2_Vegas_img1` by their last number); files that pair with none are a layer
over every GeoTIFF of the image folder, each tile painted with the features on it. Polygons and
multipolygons cover the pixels whose centres lie inside them and outside their inner rings
(holes), as GDAL burns them; points and lines have no area and are left out (counted in the
log). A feature's class is its QuPath `classification` name, else its `class`, `label`, `category` or
`class_name` property, else one class named after the files' folder (`buildings`). Several image
folders that pair with one folder of labels (SpaceNet's MUL, PAN and RGB-PanSharpen renderings)
are a choice the user makes with `--images`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotation_formats import AnnotationFilesFormat, file_head, json_folders, load_json
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.discovery.folders import Folder, path_ends_with
from seglab.data.layouts.formats import FORMATS
from seglab.data.annotations.geopackage import LAYER, is_geopackage, read_geopackage
from seglab.data.files.geotiff import Placement, placement
from seglab.data.files.read_errors import TIFF_SUFFIXES
from seglab.data.annotations.shapefiles import is_shapefile, read_shapefile
from seglab.data.files.index import DatasetIndex, Problem, natural_key
from seglab.data.discovery.naming import looks_like_mask_folder, words
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, centres_inside
from seglab.data.discovery.pairing import folder_label, match_folders
from seglab.errors import DataError

log = logging.getLogger(__name__)

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
_CLASS_KEYS = ("class", "label", "category", "class_name", "classname")
_GENERIC_FOLDERS = {"labels", "label", "geojson", "annotations", "annotation", "json", "vector", "vectors", "gt"}
_WGS84 = 4326  # RFC 7946: GeoJSON's coordinates are longitude and latitude unless a `crs` says otherwise
_EPSG = re.compile(r"EPSG:+(\d+)$", re.IGNORECASE)
Convert = Callable[[list[tuple[float, float]]], list[tuple[float, float]]]  # points -> pixels


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


def _kind(feature: dict) -> str | None:
    """A feature's geometry type ("Polygon", "Point", ...); None without one."""
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    return kind if isinstance(kind, str) else None


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


def fallback_class(feature: dict, folder: Path) -> str:
    """The class of a feature that names none: its GeoPackage layer's name, else the labels'
    folder (`buildings`), unless generic."""
    layer = _properties(feature).get(LAYER)
    if isinstance(layer, str) and layer.strip():
        return layer.strip()
    return folder.name if folder.name and set(words(folder.name)).isdisjoint(_GENERIC_FOLDERS) else "object"


@FORMATS.register("geojson")
class GeoJsonFormat(AnnotationFilesFormat):
    """GeoJSON label files paired with images by name; see the module docstring."""

    layout = ("a GeoJSON file per image, in map coordinates over GeoTIFFs or pixel coordinates over plain images: "
              "RGB-PanSharpen/RGB-PanSharpen_AOI_2_Vegas_img1.tif + geojson/buildings/buildings_AOI_2_Vegas_img1.geojson;"
              " or one layer over a folder of GeoTIFF tiles")
    cache_name = "geojson"
    picks_folders = True

    def find(self, root: Path, folders: list[Folder]) -> list[tuple[Path, Path, list[tuple[Path, Path]]]]:
        """(image folder, labels folder, [(image, labels file)]) for each folder of GeoJSON files
        and the image folder its files pair with; `--images` and `--masks` pick among several.

        Raises:
            DataError: one labels folder pairing with several image folders (SpaceNet's
                renderings), or one image folder with several labels folders (SpaceNet 7's
                `labels/`, `labels_match/`, `labels_match_pix/`), naming the flag that picks one.
        """
        if root.is_file():
            return []
        images, labels = self.options.images, self.options.masks
        found, layers = [], []
        folders = [f for f in folders if images is None or path_ends_with(f.parts, images)]
        for labels_dir in json_folders(root, _is_geojson, suffixes=SUFFIXES):
            if labels is not None and not path_ends_with(labels_dir.relative_to(root).parts, labels):
                continue
            files = sorted((p for p in labels_dir.iterdir() if p.suffix.lower() in SUFFIXES and _is_geojson(p)),
                           key=lambda p: natural_key(p.name))
            layers.append((labels_dir, files))
            matches = [match_folders(f.files, files, f.path, labels_dir, root, f.split) for f in folders]
            matches = [m for m in matches if m.pairs]
            _one_of(root, [m.image_dir for m in matches], f"the GeoJSON files of {folder_label(labels_dir, root)} "
                    "pair with the images", "--images")
            found += [(m.image_dir, labels_dir, [(image, path) for _, image, path in m.pairs]) for m in matches]
        for image_dir in {image_dir for image_dir, _, _ in found}:
            _one_of(root, [d for i, d, _ in found if i == image_dir], f"the images of {folder_label(image_dir, root)} "
                    "pair with the GeoJSON files", "--masks")
        return found or _layer(root, folders, layers)

    def sources(self, root: Path, found: list[tuple[Path, Path, list[tuple[Path, Path]]]]) -> list[Path]:
        return [labels for _, _, pairs in found for _, labels in pairs]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found, files = self.found(root), {}
        per_image: dict[Path, list[tuple[_Labels, Path]]] = {}
        for _, labels_dir, pairs in found:
            for image, path in pairs:
                files[path] = files.get(path) or read_geojson(path)
                per_image.setdefault(image, []).append((files[path], labels_dir))
        layer = any(len(given) > 1 for given in per_image.values()) or len(files) < len(per_image)
        kinds = Counter(_kind(f) for labels in files.values() for f in labels.features)
        folder_of = {labels.path: folder for given in per_image.values() for labels, folder in given}
        field = self.options.label_field
        used = sorted({class_of(f, fallback_class(f, folder_of[labels.path]), field) for labels in files.values()
                       for f in labels.features if polygons(f.get("geometry"))})
        spec, value = tool_classes(used, None, f"the GeoJSON features under '{root}'", self.options.multilabel, classes)
        refuse_unnamed(used, value, spec, "GeoJSON features name classes")
        images, problems, outlines = [], [], {}
        places = {image: placement(image) for image in per_image}
        for image, given in per_image.items():
            place, drawn, read = places[image], [], 0
            for labels, folder in given:
                try:
                    convert = to_pixels(labels, place)
                except DataError as err:
                    problems.append(Problem(labels.path, str(err), "unreadable", (image,)))
                    continue
                read += 1
                if layer:  # one layer over many GeoTIFFs: each paints the features on it
                    if labels.path not in outlines:
                        outlines[labels.path] = _Outlines.of(labels)
                    shown = outlines[labels.path].on_image(place, convert) if place is not None else []
                else:
                    shown = [(n, f, rings) for n, f in enumerate(labels.features, start=1)
                             for rings in polygons(f.get("geometry"))]
                    if place is not None:
                        convert, problem = _checked(labels, image, place, convert)
                        problems += [problem] if problem else []
                drawn += [Drawn(value[class_of(feature, fallback_class(feature, folder), field)], _Placed(rings, convert),
                                f"GeoJSON file '{labels.path}': feature {number}") for number, feature, rings in shown]
            if read:  # an image none of whose labels could be placed is no pair
                images.append(ImageObjects(image, place.height if place else None, place.width if place else None,
                                           drawn))
        pairs, painting = self.painted_pairs(images, list(files), LATER_OVER_EARLIER, spec, root, "geojson", {})
        areas = sum(kinds[k] for k in ("Polygon", "MultiPolygon", "GeometryCollection"))
        left_out = sum(kinds.values()) - areas
        georeferenced = sum(place is not None for place in places.values())
        line = (f"{len(files)} GeoJSON files painted into {len(spec.names)} classes over {len(pairs)} images "
                + (f"(one layer over {georeferenced} GeoTIFFs, each painted with the features on it)" if layer else
                   f"({georeferenced} georeferenced, the others in pixel coordinates)")
                + (f"; {left_out} points, lines and features without geometry left out" if left_out else ""))
        named = {class_of(f, "") for labels in files.values() for f in labels.features} - {""}
        hints = class_attributes([f for labels in files.values() for f in labels.features]) if not (field or named) \
            else {}
        if hints:
            line += ("; no feature names a class, but attributes could: " + ", ".join(
                f"{k} ({n} values)" for k, n in sorted(hints.items())) + f" (--label-field {min(hints, key=hints.get)})")
        label_folders = {} if layer else {image: given[0][1] for image, given in per_image.items()}
        return self.indexed(root, pairs, spec, problems + painting, line, label_folders=label_folders)


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


def _layer(root: Path, folders: list[Folder], layers: list[tuple[Path, list[Path]]]
           ) -> list[tuple[Path, Path, list[tuple[Path, Path]]]]:
    """GeoJSON files that pair with no image by name, over the GeoTIFFs of one folder: a layer
    drawn over many tiles (a city's buildings and its orthophoto tiles), each tile painted with
    the features on it; none when no folder holds GeoTIFFs (the first of each folder tells).

    Raises:
        DataError: GeoTIFFs in several folders, naming --images.
    """
    if not any(files for _, files in layers):
        return []
    tiles = [f for f in folders if f.files and f.files[0].suffix.lower() in TIFF_SUFFIXES
             and placement(f.files[0]) is not None]
    _one_of(root, [f.path for f in tiles], "the GeoJSON files pair with no image by name; they cover the GeoTIFFs",
            "--images")
    if not tiles:
        return []
    geotiffs = [p for p in tiles[0].files if p.suffix.lower() in TIFF_SUFFIXES]
    return [(tiles[0].path, labels_dir, [(image, path) for image in geotiffs for path in files])
            for labels_dir, files in layers if files]


def _one_of(root: Path, folders: list[Path], what: str, flag: str) -> None:
    """Refuse several folders where one is read, naming the flag that picks one."""
    if len(folders) > 1:
        listed = ", ".join(folder_label(f, root) for f in folders)
        example = min(folders, key=lambda f: looks_like_mask_folder(f.name))  # not SpaceNet 7's UDM_masks/
        raise DataError(f"'{root}': {what} of {len(folders)} folders ({listed}); name the one to use: "
                        f"{flag} {example.name}")
