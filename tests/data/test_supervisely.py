"""Supervisely projects (meta.json + <dataset>/img/ + <dataset>/ann/<image>.json), painted into
class-index masks: bitmaps at their origin, polygons with holes, rectangles, later objects over
earlier, meta.json's class order and colours, and bitmaps that would exhaust memory refused.

Bitmaps are encoded as Supervisely's SDK writes them (`Bitmap.data_2_base64`: a palette PNG
whose colour 0 is transparent, zlib-compressed, base64); every painted pixel is worked out by hand.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.classes import BACKGROUND_COLOUR
from seglab.errors import DataError

H, W = 20, 24
META = {"classes": [{"title": "road", "shape": "polygon", "color": "#FF0000"},
                    {"title": "lane", "shape": "line", "color": "#00FF00"},
                    {"title": "car", "shape": "bitmap", "color": "#0000FF"},
                    {"title": "tree", "shape": "polygon", "color": "#00AA00"},  # no object: no class
                    {"title": "sign", "shape": "rectangle", "color": "#FFFF00"}],
        "tags": [], "projectType": "images"}


def encoded(on: np.ndarray) -> str:
    """As the SDK's `Bitmap.data_2_base64` writes a mask."""
    image = Image.fromarray(on.astype(np.uint8))
    image.putpalette([0, 0, 0, 255, 255, 255])
    png = io.BytesIO()
    image.save(png, format="PNG", transparency=0, optimize=0)
    return base64.b64encode(zlib.compress(png.getvalue())).decode()


def bitmap(title: str, on: np.ndarray, origin: list[int], data: str | None = None) -> dict:
    return {"id": 1, "classId": 7, "description": "", "geometryType": "bitmap", "labelerLogin": "me", "tags": [],
            "classTitle": title, "bitmap": {"data": data or encoded(on), "origin": origin}}


def polygon(title: str, exterior: list[list[int]], interior: list | None = None) -> dict:
    return {"geometryType": "polygon", "classTitle": title, "tags": [],
            "points": {"exterior": exterior, "interior": interior or []}}


def rectangle(title: str, corners: list[list[int]]) -> dict:
    return {"geometryType": "rectangle", "classTitle": title, "tags": [], "points": {"exterior": corners, "interior": []}}


def line(title: str) -> dict:
    return {"geometryType": "line", "classTitle": title, "tags": [], "points": {"exterior": [[0, 0], [5, 5]], "interior": []}}


CAR = np.array([[1, 1, 1, 1], [1, 0, 1, 1], [1, 1, 1, 1]], bool)
OBJECTS = [
    polygon("road", [[0, 10], [23, 10], [23, 19], [0, 19]], [[[4, 12], [8, 12], [8, 16], [4, 16]]]),  # a hole
    bitmap("car", CAR, [22, 1]),  # columns 24 and 25 lie outside: cut off
    rectangle("sign", [[12, 5], [10, 2]]),  # corners in any order, both inside
    bitmap("car", np.ones((3, 3), bool), [1, 9]),  # over the road, drawn after it
    line("lane"),  # no area: left out
]


def expected(value: dict[str, int]) -> np.ndarray:
    truth = np.zeros((H, W), np.int64)
    truth[10:20, :] = value["road"]
    truth[13:16, 5:8] = 0  # inside the hole; its outline stays road
    truth[1:4, 22:24] = value["car"] * CAR[:, :2]
    truth[2:6, 10:13] = value["sign"]
    truth[9:12, 1:4] = value["car"]
    return truth


def project(root: Path, datasets: dict[str, list[str]], objects: list[dict] = OBJECTS, meta: dict | None = META,
            size: bool = True) -> None:
    if meta is not None:
        root.mkdir(parents=True, exist_ok=True)
        (root / "meta.json").write_text(json.dumps(meta))
    for dataset, names in datasets.items():
        for folder in ("img", "ann"):
            (root / dataset / folder).mkdir(parents=True, exist_ok=True)
        for k, name in enumerate(names):
            image = f"{name}.jpg"
            Image.fromarray(np.random.default_rng(k).integers(0, 256, (H, W, 3), np.uint8)).save(root / dataset / "img" / image)
            annotation = {"description": "", "tags": [], "objects": objects}
            annotation["size"] = {"height": H, "width": W} if size else {}
            (root / dataset / "ann" / f"{image}.json").write_text(json.dumps(annotation))


def test_a_project_is_painted_in_meta_order_with_its_colours_and_splits(tmp_path, caplog):
    root = tmp_path / "roads"
    project(root, {"train": ["a", "b", "c"], "val": ["d"]})
    caplog.set_level("INFO")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "supervisely" and len(index.pairs) == 4 and not index.problems
    assert index.classes.names == ("background", "road", "car", "sign")  # meta's order; tree has no object
    assert index.classes.colours == (BACKGROUND_COLOUR, (255, 0, 0), (0, 0, 255), (255, 255, 0))
    assert sorted(p.split for p in index.pairs) == ["train", "train", "train", "val"]
    assert "1 points, lines and other shapes left out" not in index.pairing[0]
    assert "4 points, lines and other shapes left out" in index.pairing[0]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected({"road": 1, "car": 2, "sign": 3}))


def test_a_dataset_folder_alone_finds_the_project_meta_above(tmp_path):
    root = tmp_path / "roads"
    project(root, {"ds0": ["a", "b"]}, size=False)  # no size stated: read from the image
    index = discover(root / "ds0", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "road", "car", "sign")
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping),
                                  expected({"road": 1, "car": 2, "sign": 3}))


def test_without_meta_the_classes_are_sorted_and_a_plain_bitmap_reads_its_non_zero_pixels(tmp_path):
    root = tmp_path / "roads"
    plain = io.BytesIO()
    Image.fromarray(CAR.astype(np.uint8) * 255).save(plain, format="PNG")  # greyscale, no alpha
    objects = [*OBJECTS[:1], bitmap("car", CAR, [22, 1], base64.b64encode(zlib.compress(plain.getvalue())).decode()),
               *OBJECTS[2:]]
    project(root, {"ds0": ["a", "b"]}, objects, meta=None)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "car", "road", "sign")
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping),
                                  expected({"road": 2, "car": 1, "sign": 3}))


def test_a_class_titled_background_paints_the_background(tmp_path):
    root = tmp_path / "roads"
    meta = {"classes": [*META["classes"], {"title": "Background", "shape": "polygon", "color": "#000000"}]}
    project(root, {"ds0": ["a"]}, [*OBJECTS, polygon("Background", [[0, 0], [23, 0], [23, 19], [0, 19]])], meta)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "road", "car", "sign")
    assert not read_mask(index.pairs[0].mask, index.mapping).any()  # drawn last, over every object


def test_multilabel_keeps_the_car_on_its_road(tmp_path):
    root = tmp_path / "roads"
    project(root, {"ds0": ["a", "b"]})
    from seglab.labelsets import unpack_numpy

    index = discover(root, task="multilabel", cache_dir=str(tmp_path / "cache"))
    assert index.mapping.multilabel and index.classes.names == ("road", "car", "sign")
    road, car, sign = unpack_numpy(read_mask(index.pairs[0].masks, index.mapping), 3)
    truth = np.zeros((H, W), bool)
    truth[10:20] = True
    truth[13:16, 5:8] = False
    np.testing.assert_array_equal(road, truth)  # the car at rows 9-11 did not take it
    assert car[9:12, 1:4].all() and car.sum() == 9 + 5 and sign[2:6, 10:13].all() and sign.sum() == 12


def test_a_detection_project_is_refused(tmp_path):
    root = tmp_path / "boxes"
    project(root, {"ds0": ["a"]}, [rectangle("sign", [[1, 1], [5, 5]]), line("lane")])
    with pytest.raises(DataError, match="1 rectangles and no bitmap or polygon: a detection project"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_class_missing_from_meta_is_named_with_its_file(tmp_path):
    root = tmp_path / "roads"
    project(root, {"ds0": ["a"]}, [polygon("boat", [[0, 0], [5, 0], [5, 5]])])
    with pytest.raises(DataError, match=r"ds0/ann/a\.jpg\.json': object 1 is of class 'boat'"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def png_head(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)


@pytest.mark.parametrize(("data", "why"), [
    (base64.b64encode(zlib.compress(png_head(10_000, 10_000))).decode(), "bitmap is 10000x10000 pixels, more than"),
    (base64.b64encode(zlib.compress(png_head(4, 4) + bytes(10_000_000))).decode(), "expands beyond the 65668 bytes a 4x4 PNG"),
    ("not base64!", "no base64 of zlib-compressed data"),
    (base64.b64encode(b"plain bytes").decode(), "no base64 of zlib-compressed data"),
    (base64.b64encode(zlib.compress(b"GIF89a" + bytes(40))).decode(), "is no PNG"),
    (base64.b64encode(zlib.compress(png_head(4, 4) + bytes(30))).decode(), "PNG cannot be decoded"),
], ids=["huge", "bomb", "no-base64", "no-zlib", "no-png", "bad-png"])
def test_a_bitmap_that_cannot_be_drawn_is_named_before_it_fills_memory(tmp_path, data, why):
    root = tmp_path / "roads"
    project(root, {"ds0": ["a"]}, [bitmap("car", CAR, [0, 0], data)])
    with pytest.raises(DataError, match=rf"ds0/ann/a\.jpg\.json': object 1 \('car', bitmap\) cannot be drawn: .*{why}"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_an_image_without_annotation_is_listed(tmp_path):
    root = tmp_path / "roads"
    project(root, {"ds0": ["a", "b", "c"]})
    (root / "ds0" / "ann" / "c.jpg.json").unlink()
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 2
    assert [(p.path.name, p.code) for p in index.problems] == [("c.jpg", "image-without-mask")]


def test_classes_sharing_a_colour_are_drawn_in_seglabs_colours(tmp_path):
    root = tmp_path / "roads"
    shared = {"classes": [{**c, "color": "#FF0000"} for c in META["classes"]]}  # Supervisely allows it
    project(root, {"ds0": ["a"]}, meta=shared)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "road", "car", "sign")
    assert len(set(index.classes.colours)) == 4
