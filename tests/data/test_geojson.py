"""GeoJSON labels painted into class-index masks: map coordinates over GeoTIFFs (SpaceNet's
layout, lon/lat over a lon/lat image, lon/lat reprojected over a UTM image), pixel coordinates
over plain images (QuPath's exports), holes, multipolygons, classes from properties, and the
files refused with a reason. Every painted pixel is worked out by hand."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.annotations.painted_masks import centres_inside
from seglab.errors import DataError

S = 2.0**-13  # degrees per pixel, exact in binary: the corners below map to whole pixels
LON, LAT = -115.25, 36.125
WGS84_KEYS = (1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326)
UTM_KEYS = (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32611)  # WGS 84 / UTM zone 11N


def geotiff(path: Path, bands: int, size: int, keys: tuple[int, ...], origin: tuple[float, float], scale: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(sum(path.name.encode())).integers(0, 2000, (size, size, bands)).astype(np.uint16)
    tifffile.imwrite(path, pixels, photometric="minisblack", planarconfig="contig" if bands > 1 else None, extratags=[
        (33550, 12, 3, (scale, scale, 0.0), True), (33922, 12, 6, (0, 0, 0, *origin, 0.0), True),
        (34735, 3, len(keys), keys, True)])


def lonlat(column: float, row: float) -> list[float]:
    """A pixel corner of the 64-pixel WGS 84 images as [lon, lat]."""
    return [LON + column * S, LAT - row * S]


def square(corner, left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    return [corner(left, top), corner(right, top), corner(right, bottom), corner(left, bottom), corner(left, top)]


def building(corner) -> dict:
    """A building 20 px square at (10, 20) with a 5 px courtyard at (15, 25)."""
    return {"type": "Feature", "properties": {"OBJECTID": 3, "Name": "", "partialBuilding": 0.0},
            "geometry": {"type": "Polygon", "coordinates": [square(corner, 10, 20, 30, 40),
                                                            square(corner, 15, 25, 20, 30)]}}


def expected_building(size: int = 64) -> np.ndarray:
    """Pixels whose centres lie inside: columns 10-29 and rows 20-39, less the courtyard's 15-19 and 25-29."""
    labels = np.zeros((size, size), np.int64)
    labels[20:40, 10:30] = 1
    labels[25:30, 15:20] = 0
    return labels


def spacenet(root: Path, images: int = 3, crs: str = "urn:ogc:def:crs:OGC:1.3:CRS84") -> Path:
    """SpaceNet 2's AOI_2_Vegas_Train: RGB-PanSharpen/ (64 px) and MUL/ (16 px, 8 bands) GeoTIFFs
    in WGS 84 and geojson/buildings/ in lon/lat, a point among the buildings."""
    train = root / "AOI_2_Vegas_Train"
    for i in range(1, images + 1):
        geotiff(train / "RGB-PanSharpen" / f"RGB-PanSharpen_AOI_2_Vegas_img{i}.tif", 3, 64, WGS84_KEYS, (LON, LAT), S)
        geotiff(train / "MUL" / f"MUL_AOI_2_Vegas_img{i}.tif", 8, 16, WGS84_KEYS, (LON, LAT), 4 * S)
        labels = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": crs}},
                  "features": [building(lonlat), {"type": "Feature", "properties": {},
                                                  "geometry": {"type": "Point", "coordinates": lonlat(50, 50)}}]}
        (train / "geojson" / "buildings").mkdir(parents=True, exist_ok=True)
        (train / "geojson" / "buildings" / f"buildings_AOI_2_Vegas_img{i}.geojson").write_text(json.dumps(labels))
    return train


def test_spacenet_buildings_are_placed_by_the_geotiff_of_the_chosen_image_folder(tmp_path: Path) -> None:
    spacenet(tmp_path)
    with pytest.raises(DataError, match=r"GeoJSON files of AOI_2_Vegas_Train/geojson/buildings/ pair with the images "
                                        r"of 2 folders .*--images MUL"):
        discover(tmp_path)
    index = discover(tmp_path, images="RGB-PanSharpen")
    assert index.format == "geojson" and index.classes.names == ("background", "buildings")
    assert [p.name for p in index.pairs] == [f"RGB-PanSharpen_AOI_2_Vegas_img{i}" for i in (1, 2, 3)]
    np.testing.assert_array_equal(read_mask(index.pairs[1].mask, index.mapping), expected_building())
    assert "3 points, lines and features without geometry left out" in index.pairing[0]
    small = discover(tmp_path, images="MUL")  # a quarter of the resolution: columns 2.5-7.5, rows 5-10
    mask = read_mask(small.pairs[0].mask, small.mapping)
    assert mask.shape == (16, 16) and mask[:, 8:].sum() == mask[:, :2].sum() == mask[:5].sum() == mask[10:].sum() == 0
    # centres strictly inside are painted, the courtyard's (4.5, 6.5) not; those on an edge (x 2.5, 7.5; y 7.5) may go either way
    assert mask[6, 4] == 0 and mask[5:10, [3, 5, 6]].all() and mask[[5, 8, 9], 4].all()


def test_lonlat_labels_over_a_utm_image_are_reprojected(tmp_path: Path, monkeypatch) -> None:
    """GeoJSON's default lon/lat over a GeoTIFF in UTM zone 11N (0.5 m pixels): pyproj takes
    the building back to the image's pixels; without pyproj the file is a finding that says so."""
    from pyproj import Transformer

    origin = (660000.0, 4000000.0)
    geotiff(tmp_path / "images" / "tile_1.tif", 3, 64, UTM_KEYS, origin, 0.5)
    to_lonlat = Transformer.from_crs("EPSG:32611", "EPSG:4326", always_xy=True)

    def corner(column: float, row: float) -> list[float]:
        return list(to_lonlat.transform(origin[0] + column * 0.5, origin[1] - row * 0.5))

    labels = {"type": "FeatureCollection", "features": [building(corner)]}
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "tile_1.geojson").write_text(json.dumps(labels))
    index = discover(tmp_path)
    assert index.format == "geojson"
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected_building())

    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name.startswith("pyproj") else real_import(name, *a, **k))
    (tmp_path / "images" / "tile_2.tif").write_bytes((tmp_path / "images" / "tile_1.tif").read_bytes())
    (tmp_path / "labels" / "tile_2.geojson").write_text(json.dumps(labels))
    with pytest.raises(DataError, match=r"(?s)no image/mask pairs .*tile_\d.geojson' is in EPSG:4326 but its image is in "
                                        r"EPSG:32611; install pyproj to reproject it \(pip install 'seglab\[geo\]'\)"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def qupath(root: Path) -> None:
    """QuPath's exported annotations: a list of features in pixel coordinates beside each image,
    classified (with colours) or not; a multipolygon and a line."""
    root.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((20, 24, 3), np.uint8)).save(root / "slide_1.png")
    pixel = lambda x, y: [x, y]  # noqa: E731
    features = [
        {"type": "Feature", "id": "1", "geometry": {"type": "Polygon", "coordinates": [square(pixel, 2, 2, 8, 6)]},
         "properties": {"objectType": "annotation", "classification": {"name": "Tumor", "color": [200, 0, 0]}}},
        {"type": "Feature", "id": "2", "geometry": {"type": "MultiPolygon", "coordinates": [
            [square(pixel, 12, 2, 14, 4)], [square(pixel, 18, 10, 20, 12)]]},
         "properties": {"objectType": "annotation", "classification": {"name": "Stroma"}}},
        {"type": "Feature", "id": "3", "geometry": {"type": "LineString", "coordinates": [[0, 19], [23, 19]]},
         "properties": {"objectType": "annotation", "classification": {"name": "Tumor"}}},
        {"type": "Feature", "id": "4", "geometry": {"type": "Polygon", "coordinates": [square(pixel, 0, 15, 3, 18)]},
         "properties": {"objectType": "annotation"}},
    ]
    (root / "slide_1.geojson").write_text(json.dumps(features))


def test_qupath_annotations_in_pixel_coordinates_with_their_classifications(tmp_path: Path) -> None:
    qupath(tmp_path / "export")
    index = discover(tmp_path)
    assert index.classes.names == ("background", "Stroma", "Tumor", "export")  # unclassified: the folder's name
    expected = np.zeros((20, 24), np.int64)  # the pixels whose centres lie inside
    expected[2:6, 2:8] = 2
    expected[2:4, 12:14] = 1
    expected[10:12, 18:20] = 1
    expected[15:18, 0:3] = 3
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected)


def test_a_class_property_names_the_class_and_generic_folders_name_none(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "labels").mkdir()
    features = [{"type": "Feature", "properties": {"Class": "road"},
                 "geometry": {"type": "Polygon", "coordinates": [square(lambda x, y: [x, y], 0, 0, 4, 4)]}},
                {"type": "Feature", "properties": {"label": ""},
                 "geometry": {"type": "Polygon", "coordinates": [square(lambda x, y: [x, y], 6, 6, 9, 9)]}}]
    (tmp_path / "labels" / "a.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    index = discover(tmp_path)
    assert index.classes.names == ("background", "object", "road")
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[0:4, 0:4] == 2).all() and (mask[6:9, 6:9] == 1).all() and mask.sum() == 16 * 2 + 9


def test_a_spacenet_run_trains_and_predicts_a_georeferenced_mask(tmp_path: Path) -> None:
    spacenet(tmp_path / "data", images=6)
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "data"), "--images", "RGB-PanSharpen", "--out", str(run), "--model",
                 "unet_small", "--model-option", "widths=[8,16]", "--epochs", "1", "--size", "32x32", "--no-plan",
                 "--no-progress", "--precision", "fp32"]) == 0
    image = tmp_path / "data" / "AOI_2_Vegas_Train" / "RGB-PanSharpen" / "RGB-PanSharpen_AOI_2_Vegas_img1.tif"
    assert main(["predict", str(run), str(image), "--out", str(tmp_path / "pred"), "--no-progress"]) == 0
    with tifffile.TiffFile(tmp_path / "pred" / "RGB-PanSharpen_AOI_2_Vegas_img1_mask.tif") as tif:
        assert tif.geotiff_metadata["ModelTiepoint"][3:5] == [LON, LAT]


def test_a_file_that_is_no_geojson_is_named(tmp_path: Path) -> None:
    from seglab.data.annotations.vector_labels import read_geojson

    (tmp_path / "a.geojson").write_text('{"type": "Topology", "objects": {}}')
    with pytest.raises(DataError, match=r"GeoJSON file '.*a.geojson' is no FeatureCollection, Feature or list"):
        read_geojson(tmp_path / "a.geojson")


def test_spacenet7_label_folders_are_picked_and_pixel_coordinates_over_a_geotiff_are_seen(tmp_path: Path) -> None:
    """SpaceNet 7 ships labels/ (lon/lat) and labels_match_pix/ (pixels) for each GeoTIFF:
    seglab asks which, and reads pixel coordinates as pixels though the image is georeferenced."""
    scene = tmp_path / "train" / "L15-0331E-1257N_1327_3160_13"
    name = "global_monthly_2018_01_mosaic_L15-0331E-1257N_1327_3160_13"
    geotiff(scene / "images" / f"{name}.tif", 3, 64, WGS84_KEYS, (LON, LAT), S)
    (scene / "labels").mkdir()
    (scene / "labels_match_pix").mkdir()
    (scene / "labels" / f"{name}_Buildings.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [building(lonlat)]}))
    (scene / "labels_match_pix" / f"{name}_Buildings.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [building(lambda x, y: [x, y])]}))
    with pytest.raises(DataError, match=r"the images of .*images/ pair with the GeoJSON files of 2 folders .*--masks"):
        discover(tmp_path)
    for labels in ("labels", "labels_match_pix"):
        index = discover(tmp_path, masks=labels)
        assert index.format == "geojson"
        np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected_building())
    # its cloud masks UDM_masks/ and the masked mosaics images_masked/ (mask files, and a second image
    # folder): --images with --masks read the GeoJSON files still (they read folder pairs, or nothing)
    geotiff(scene / "UDM_masks" / f"{name}_UDM.tif", 3, 64, WGS84_KEYS, (LON, LAT), S)
    geotiff(scene / "images_masked" / f"{name}.tif", 3, 64, WGS84_KEYS, (LON, LAT), S)
    with pytest.raises(DataError, match=r"pair with the images of 3 folders .*: --images images$"):
        discover(tmp_path, masks="labels")  # the example is no mask folder
    index = discover(tmp_path, images="images", masks="labels_match_pix")
    assert index.format == "geojson" and [p.image.parent.name for p in index.pairs] == ["images"]
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected_building())


def test_the_image_folder_offered_is_the_one_of_most_bands_not_an_auxiliary_raster(tmp_path: Path) -> None:
    """WorldFloods' S2/ (13 bands) beside PERMANENTWATERJRC/ (one band, sorted first) and gt/:
    the refusal offers the Sentinel-2 image, not the permanent water raster."""
    for folder, bands in (("PERMANENTWATERJRC", 1), ("S2", 13), ("gt", 2)):
        geotiff(tmp_path / "train" / folder / "EMSR258.tif", bands, 16, WGS84_KEYS, (LON, LAT), 4 * S)
    (tmp_path / "train" / "floodmaps").mkdir()
    (tmp_path / "train" / "floodmaps" / "EMSR258.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [building(lonlat)]}))
    with pytest.raises(DataError, match=r"pair with the images of 3 folders .*: --images S2$"):
        discover(tmp_path)


def test_spacenet7_months_of_one_aoi_group_by_its_folder(tmp_path: Path) -> None:
    """SpaceNet 7's `train/<AOI>/images/` + `<AOI>/labels_match_pix/`: the months of one place
    landed in train and val alike, for its masks are painted into the cache, not beside it."""
    aois = ["L15-0331E-1257N_1327_3160_13", "L15-0358E-1220N_1433_3310_13", "L15-0369E-1244N_1479_3214_13"]
    for aoi in aois:
        for month in ("2018_01", "2018_02", "2019_01"):
            name = f"global_monthly_{month}_mosaic_{aoi}"
            geotiff(tmp_path / "sn7" / "train" / aoi / "images" / f"{name}.tif", 3, 64, WGS84_KEYS, (LON, LAT), S)
            (tmp_path / "sn7" / "train" / aoi / "labels_match_pix").mkdir(exist_ok=True)
            (tmp_path / "sn7" / "train" / aoi / "labels_match_pix" / f"{name}_Buildings.geojson").write_text(json.dumps(
                {"type": "FeatureCollection", "features": [building(lambda x, y: [x, y])]}))
    for _ in range(2):  # the second reading is remembered (index_memo), and its annotation folders with it
        index = discover(tmp_path / "sn7", images="images", masks="labels_match_pix", cache_dir=str(tmp_path / "cache"))
        assert {p.group for p in index.pairs} == {f"train/{aoi}" for aoi in aois}
        assert "by the case folder holding its image and mask folders" in index.pairing[-1]


def test_labels_that_miss_their_geotiff_are_a_warning_naming_both(tmp_path: Path) -> None:
    """Lon/lat labels over a GeoTIFF whose georeferencing names no EPSG code (a user-defined
    projection) land nowhere: the empty mask is explained, not left silent."""
    keys = (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32767)  # user-defined projected CRS
    geotiff(tmp_path / "images" / "tile_1.tif", 3, 64, keys, (660000.0, 4000000.0), 0.5)
    geotiff(tmp_path / "images" / "tile_2.tif", 3, 64, UTM_KEYS, (660000.0, 4000000.0), 0.5)
    (tmp_path / "labels").mkdir()
    for tile in ("tile_1", "tile_2"):
        (tmp_path / "labels" / f"{tile}.geojson").write_text(json.dumps(
            {"type": "FeatureCollection", "features": [building(lonlat)]}))
    index = discover(tmp_path)
    off = [p for p in index.problems if p.code == "labels-off-image"]
    assert [p.path.name for p in off] == ["tile_1.geojson", "tile_2.geojson"]
    assert "no feature lies on its image 'tile_1.tif' (in EPSG:4326 placed by the image's georeferencing, which " \
           "names no EPSG code); its mask is empty" in off[0].message
    assert "placed by the image's EPSG:32611 georeferencing" in off[1].message


def test_one_layer_over_many_geotiff_tiles_paints_each_tile_with_the_features_on_it(tmp_path: Path) -> None:
    """A city's buildings as one GeoJSON file beside its orthophoto cut into 2 x 2 tiles (names
    that pair with nothing): each tile is painted with the buildings on it, those across a
    tile border split between the tiles, as the whole layer drawn over the mosaic."""
    mosaic = np.zeros((128, 128), np.int64)
    features = []
    for left, top, right, bottom in ((10, 20, 30, 40), (50, 50, 80, 70), (60, 100, 70, 127), (100, 5, 120, 60)):
        mosaic[top:bottom, left:right] = 1  # the pixels whose centres lie inside
        features.append(building(lonlat) | {"geometry": {"type": "Polygon", "coordinates": [
            square(lonlat, left, top, right, bottom)]}})
    for row in (0, 1):
        for column in (0, 1):
            geotiff(tmp_path / "tiles" / f"ortho_r{row}_c{column}.tif", 3, 64, WGS84_KEYS,
                    (LON + 64 * column * S, LAT - 64 * row * S), S)
    (tmp_path / "vectors").mkdir()
    (tmp_path / "vectors" / "city_buildings.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": features}))
    index = discover(tmp_path)
    assert index.format == "geojson" and len(index.pairs) == 4
    assert "one layer over 4 GeoTIFFs" in index.pairing[0]
    for pair in index.pairs:
        row, column = int(pair.name[7]), int(pair.name[10])
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping),
                                      mosaic[64 * row:64 * row + 64, 64 * column:64 * column + 64])


def geopackage(path: Path, layers: dict[str, list[tuple[str | None, list]]], epsg: int) -> None:
    """A GeoPackage as the standard describes it (what QGIS and GDAL write, in brief): a feature
    table per layer with a `class` column when given, each polygon a GeoPackage blob of WKB."""
    import sqlite3
    import struct

    from shapely import wkb
    from shapely.geometry import Polygon as Shape

    path.parent.mkdir(parents=True, exist_ok=True)
    database = sqlite3.connect(path)
    database.executescript(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, "
        "organization_coordsys_id INTEGER, definition TEXT, description TEXT);"
        "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER);"
        "CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, "
        "srs_id INTEGER, z TINYINT, m TINYINT);")
    database.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('x', ?, 'EPSG', ?, 'undefined', '')", (epsg, epsg))
    for layer, shapes in layers.items():
        database.execute(f'CREATE TABLE "{layer}" (fid INTEGER PRIMARY KEY, geom BLOB, class TEXT)')
        database.execute("INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?)", (layer, layer, epsg))
        database.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POLYGON', ?, 0, 0)", (layer, epsg))
        for kind, rings in shapes:
            blob = b"GP\x00\x01" + struct.pack("<i", epsg) + wkb.dumps(Shape(rings[0], rings[1:]))
            database.execute(f'INSERT INTO "{layer}" (geom, class) VALUES (?, ?)', (blob, kind))
    database.commit()
    database.close()


UTM_ORIGIN = (660000.0, 4000000.0)


def utm_tiles(root: Path, tiles: int = 2) -> None:
    """Orthophoto tiles of 64 px at 0.5 m in UTM zone 11N, side by side from `UTM_ORIGIN`."""
    for column in range(tiles):
        geotiff(root / "ortho" / f"tile_{column}.tif", 3, 64, UTM_KEYS, (UTM_ORIGIN[0] + 32 * column, UTM_ORIGIN[1]), 0.5)


def utm(x: float, y: float) -> tuple[float, float]:
    """A pixel corner of the tiles' mosaic as UTM coordinates."""
    return UTM_ORIGIN[0] + x * 0.5, UTM_ORIGIN[1] - y * 0.5


FIELD = [square(utm, 10, 20, 30, 40), square(utm, 15, 25, 20, 30)]  # with a courtyard
ORCHARD = [square(utm, 50, 10, 100, 20)]  # across the tiles' border at column 64


def assert_fields(index, orchard: int, field: int) -> None:
    """Each of two tiles' masks is its part of the mosaic of the field and the orchard."""
    mosaic = np.zeros((64, 128), np.int64)
    mosaic[20:40, 10:30] = field
    mosaic[25:30, 15:20] = 0
    mosaic[10:20, 50:100] = orchard
    for pair in index.pairs:
        column = int(pair.name[-1])
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), mosaic[:, 64 * column:64 * column + 64])


def test_a_geopackage_layer_over_utm_tiles_paints_each_tile(tmp_path: Path) -> None:
    """Fields digitised in QGIS (a GeoPackage in the tiles' UTM zone, a class column, one field
    with a courtyard) over 2 GeoTIFF tiles: each tile gets its fields, as the pixel centres say."""
    utm_tiles(tmp_path)
    geopackage(tmp_path / "labels" / "digitised.gpkg", {"fields": [("wheat", FIELD), ("orchard", ORCHARD)]}, 32611)
    index = discover(tmp_path)
    assert index.format == "geojson" and index.classes.names == ("background", "orchard", "wheat")
    assert_fields(index, orchard=1, field=2)


def test_a_label_field_names_the_classes_and_inspect_points_to_it(tmp_path: Path, capsys) -> None:
    """OSM-style features whose class is in `landuse`: without --label-field they are one class
    (the layer's name) and the pairing line names the attribute; with it, a class per value."""
    utm_tiles(tmp_path, 1)
    shapes = {"farmland": square(utm, 0, 0, 10, 10), "forest": square(utm, 20, 0, 30, 10),
              "meadow": square(utm, 40, 0, 50, 10)}
    geopackage(tmp_path / "labels" / "osm.gpkg", {"landuse_polygons": [(None, [ring]) for ring in shapes.values()]},
               32611)
    import sqlite3

    database = sqlite3.connect(tmp_path / "labels" / "osm.gpkg")
    database.execute('ALTER TABLE "landuse_polygons" ADD COLUMN landuse TEXT')
    for fid, name in enumerate(shapes, start=1):
        database.execute('UPDATE "landuse_polygons" SET landuse = ? WHERE fid = ?', (name, fid))
    database.commit()
    database.close()
    index = discover(tmp_path)
    assert index.classes.names == ("background", "landuse_polygons")
    assert "no feature names a class, but attributes could: landuse (3 values) (--label-field landuse)" in \
        index.pairing[0]
    index = discover(tmp_path, label_field="landuse")
    assert index.classes.names == ("background", "farmland", "forest", "meadow")
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert mask[5, 5] == 1 and mask[5, 25] == 2 and mask[5, 45] == 3 and mask[30, 30] == 0
    assert main(["inspect", str(tmp_path), "--label-field", "landuse"]) == 0
    assert "farmland" in capsys.readouterr().out


@settings(max_examples=300, deadline=None)
@given(points=hnp.arrays(np.float64, st.tuples(st.integers(3, 12), st.just(2)),
                         elements=st.floats(-5, 45, allow_nan=False, allow_infinity=False)))
def test_centres_inside_agree_with_a_point_in_polygon_test(points: np.ndarray) -> None:
    """Any ring, self-crossing too: the scanline fill paints the centres matplotlib's even-odd
    point-in-polygon test finds inside, but for centres on an edge, which either may count."""
    from matplotlib.path import Path as Outline

    painted = centres_inside([tuple(p) for p in points], 40, 36)
    rows, columns = np.mgrid[0:40, 0:36]
    centres = np.column_stack([columns.ravel() + 0.5, rows.ravel() + 0.5])
    expected = Outline(points).contains_points(centres).reshape(40, 36)
    starts, ends = points, np.roll(points, -1, axis=0)
    along = np.clip(np.einsum("cej,ej->ce", centres[:, None] - starts, ends - starts)
                    / np.maximum(((ends - starts) ** 2).sum(1), 1e-300), 0, 1)
    nearest = starts + along[..., None] * (ends - starts)
    on_edge = (np.linalg.norm(centres[:, None] - nearest, axis=2) < 1e-9).any(axis=1).reshape(40, 36)
    assert ((painted == expected) | on_edge).all()


def test_a_shapefile_layer_with_its_prj_over_utm_tiles(tmp_path: Path) -> None:
    """A shapefile of fields (outer rings clockwise, holes counter-clockwise, as the format
    stores them) in WGS 84 / UTM 11N named by its .prj, over two tiles: painted as drawn; the
    class comes from the .dbf's `class` column, else the file's name."""
    import shapefile
    from pyproj import CRS

    utm_tiles(tmp_path)
    (tmp_path / "vectors").mkdir()
    with shapefile.Writer(str(tmp_path / "vectors" / "fields"), shapeType=shapefile.POLYGON) as writer:
        writer.field("class", "C")
        writer.poly([FIELD[0], FIELD[1][::-1]])
        writer.record("wheat")
        writer.poly(ORCHARD)
        writer.record("")  # no class: the file's name
    (tmp_path / "vectors" / "fields.prj").write_text(CRS.from_epsg(32611).to_wkt("WKT1_ESRI"))
    index = discover(tmp_path)
    assert index.format == "geojson" and index.classes.names == ("background", "fields", "wheat")
    assert_fields(index, orchard=1, field=2)


@pytest.mark.parametrize("name, data, refusal", [
    ("a.gpkg", b"SQLite format 3\x00" + b"\x00" * 200, r"GeoPackage '.*a.gpkg' cannot be read"),  # no database
    ("a.shp", b"\x00\x00\x27\x0a" + b"\x00" * 20, r"shapefile '.*a.shp' cannot be read"),  # a header cut short
])
def test_a_layer_file_that_cannot_be_read_is_named(tmp_path: Path, name: str, data: bytes, refusal: str) -> None:
    from seglab.data.annotations.vector_labels import read_geojson

    (tmp_path / name).write_bytes(data)
    with pytest.raises(DataError, match=refusal):
        read_geojson(tmp_path / name)
