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

The label files are read by `vector_labels` and placed on the pixels by `geo_placement`; this
module pairs them with images and paints them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from seglab.data.annotations.annotation_formats import AnnotationFilesFormat, json_folders, one_folder
from seglab.data.annotations.geo_placement import _Outlines, _Placed, _checked, to_pixels
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects
from seglab.data.annotations.vector_labels import (
    _Labels,
    _is_geojson,
    class_attributes,
    class_of,
    fallback_class,
    polygons,
    read_geojson,
)
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.discovery.folders import Folder, path_ends_with
from seglab.data.discovery.naming import looks_like_mask_folder
from seglab.data.discovery.pairing import folder_label, match_folders
from seglab.data.files.folder_listing import entries
from seglab.data.files.geotiff import placement
from seglab.data.files.index import DatasetIndex, Problem, list_images, natural_key
from seglab.data.files.io import channel_count
from seglab.data.files.read_errors import TIFF_SUFFIXES
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

log = logging.getLogger(__name__)

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


def _kind(feature: dict) -> str | None:
    """A feature's geometry type ("Polygon", "Point", ...); None without one."""
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    return kind if isinstance(kind, str) else None


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
            files = sorted((p for p in entries(labels_dir) if p.suffix.lower() in SUFFIXES and _is_geojson(p)),
                           key=lambda p: natural_key(p.name))
            layers.append((labels_dir, files))
            matches = [match_folders(f.files, files, f.path, labels_dir, root, f.split) for f in folders]
            matches = [m for m in matches if m.pairs]
            one_folder(root, [m.image_dir for m in matches], f"the GeoJSON files of {folder_label(labels_dir, root)} "
                       "pair with the images of", partial(_least_mask_like, "--images"))
            found += [(m.image_dir, labels_dir, [(image, path) for _, image, path in m.pairs]) for m in matches]
        for image_dir in {image_dir for image_dir, _, _ in found}:
            one_folder(root, [d for i, d, _ in found if i == image_dir],
                       f"the images of {folder_label(image_dir, root)} pair with the GeoJSON files of",
                       partial(_least_mask_like, "--masks"))
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
    one_folder(root, [f.path for f in tiles], "the GeoJSON files pair with no image by name; they cover the GeoTIFFs "
               "of", partial(_least_mask_like, "--images"))
    if not tiles:
        return []
    geotiffs = [p for p in tiles[0].files if p.suffix.lower() in TIFF_SUFFIXES]
    return [(tiles[0].path, labels_dir, [(image, path) for image in geotiffs for path in files])
            for labels_dir, files in layers if files]


def _least_mask_like(flag: str, folders: Sequence[Path]) -> str:
    """The route of `annotation_formats.one_folder`: `flag` and a folder not named for masks (not
    SpaceNet 7's UDM_masks/), of the images with the most bands: the image, not an auxiliary
    raster beside it (WorldFloods' S2/ of 13 bands, not PERMANENTWATERJRC/ of one)."""
    example = min(folders, key=lambda f: (looks_like_mask_folder(f.name), -_bands(f)))
    return f"; name the one to use: {flag} {example.name}"


def _bands(folder: Path) -> int:
    """The channels of a folder's first image; 0 for a folder of no image (of GeoJSON files)."""
    images = list_images(folder)
    return (channel_count(images[0]) or 0) if images else 0
