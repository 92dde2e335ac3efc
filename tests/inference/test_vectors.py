"""Predicted masks as GeoJSON polygons (`seglab predict --geojson`): outlines traced along pixel
edges with their holes, so that reading them back by pixel centres gives the mask exactly; map
coordinates over a GeoTIFF, pixels with QuPath's classification otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tifffile
from hypothesis import example, given, settings
from hypothesis.extra import numpy as hnp
from PIL import Image
from scipy import ndimage

from seglab.data import discover, read_mask
from seglab.data.classes import ClassSpec
from seglab.data.annotations.painted_masks import centres_inside
from seglab.inference.files import predict_files
from seglab.inference.predictor import Prediction
from seglab.inference.vectors import traced, write_geojson_files
from seglab.tasks import MultiClass

from .test_geotiff import GEO


def drawn(shapes, height: int, width: int) -> np.ndarray:
    """The pixels whose centres lie inside the outlines and outside their holes."""
    mask = np.zeros((height, width), bool)
    for outline, holes in shapes:
        part = centres_inside(outline, height, width)
        for hole in holes:
            part &= ~centres_inside(hole, height, width)
        mask |= part
    return mask


def test_a_square_with_a_hole_and_pixels_touching_at_corners() -> None:
    plane = np.zeros((6, 7), bool)
    plane[1:5, 1:6] = True
    plane[2, 3] = False  # a one-pixel hole
    plane[0, 0] = plane[5, 6] = True  # touching the square at its corners only
    assert traced(plane) == [
        ([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], []),
        ([(1, 1), (6, 1), (6, 5), (1, 5), (1, 1)], [[(3, 3), (4, 3), (4, 2), (3, 2), (3, 3)]]),
        ([(6, 5), (7, 5), (7, 6), (6, 6), (6, 5)], []),
    ]


@settings(max_examples=200, deadline=None)
@given(plane=hnp.arrays(bool, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12)))
@example(plane=~np.pad(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], bool), ((1, 1), (1, 4))))  # a pixel alone
# amid four one-pixel holes that touch at corners: a ring of its own
def test_any_mask_traced_and_read_back_by_pixel_centres_is_unchanged(plane: np.ndarray) -> None:
    shapes = traced(plane)
    np.testing.assert_array_equal(drawn(shapes, *plane.shape), plane)
    assert len(shapes) == ndimage.label(plane)[1]  # a polygon per 4-connected region


class Fields:
    """A stand-in model: 'field' in a ring (a square with a square hole), 'road' a column."""

    classes = ClassSpec(names=("background", "field", "road"))
    task = MultiClass()
    in_channels = 1
    reads_alpha = False
    no_data = None
    channel_files = ()
    image_half = None
    frame = None

    def predict(self, image: np.ndarray) -> Prediction:
        mask = np.zeros(image.shape[:2], np.int64)
        mask[4:20, 4:20] = 1
        mask[8:12, 8:12] = 0
        mask[:, 26:28] = 2
        probs = np.stack([mask == k for k in range(3)]).astype(np.float32)
        return Prediction(mask, probs)


def test_predicted_polygons_lie_on_the_geotiff_and_read_back_as_the_mask(tmp_path: Path) -> None:
    """Over a GeoTIFF the polygons are in its UTM coordinates with the CRS named; seglab's
    GeoJSON reader, given the image and the file, paints the predicted mask again."""
    data = tmp_path / "tiles"
    data.mkdir()
    tifffile.imwrite(data / "tile.tif", np.zeros((32, 32), np.uint8), extratags=GEO)
    written = predict_files(Fields(), [data / "tile.tif"], tmp_path / "pred", progress=False)
    assert write_geojson_files(written, Fields.classes, False) == 2
    collection = json.loads((tmp_path / "pred" / "tile.geojson").read_text())
    assert collection["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::32633"
    field = collection["features"][0]
    assert field["properties"]["classification"]["name"] == "field"
    assert field["geometry"]["coordinates"][0][0] == [500040.0, 4599960.0]  # pixel corner (4, 4), 10 m pixels
    assert len(field["geometry"]["coordinates"]) == 2  # the outline and its hole
    (tmp_path / "pred" / "tile.geojson").rename(data / "tile.geojson")
    index = discover(data, cache_dir=str(tmp_path / "cache"))
    assert index.format == "geojson" and index.classes.names == ("background", "field", "road")
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping),
                                  np.asarray(Image.open(tmp_path / "pred" / "tile_mask.png")))


def test_polygons_of_a_plain_image_are_pixels_for_qupath(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((24, 32), np.uint8)).save(tmp_path / "slide.png")
    written = predict_files(Fields(), [tmp_path / "slide.png"], tmp_path / "pred", progress=False)
    write_geojson_files(written, Fields.classes, False)
    collection = json.loads((tmp_path / "pred" / "slide.geojson").read_text())
    assert "crs" not in collection
    road = collection["features"][1]
    assert road["geometry"]["coordinates"] == [[[26, 0], [28, 0], [28, 24], [26, 24], [26, 0]]]
    assert road["properties"]["classification"] == {"name": "road", "color": list(Fields.classes.colours[2])}
