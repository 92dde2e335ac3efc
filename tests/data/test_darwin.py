"""V7 Darwin JSON read as class-index masks: a dataset as darwin-py pulls it (images/ +
releases/<version>/annotations/), Darwin JSON 2.0 and 1.0, polygons with holes, ellipses,
boxes, the raster layer of mask annotations, and the files refused with a reason. Every
painted pixel is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 20, 24


def photo(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def points(*xy: tuple[float, float]) -> list[dict]:
    return [{"x": x, "y": y} for x, y in xy]


def darwin2(name: str, annotations: list[dict], folder: str = "/") -> dict:
    """Darwin JSON 2.0 as V7 exports it (the parts seglab reads, and some it does not)."""
    return {"version": "2.0", "schema_ref": "https://darwin-public.s3.eu-west-1.amazonaws.com/darwin_json/2.0/schema.json",
            "item": {"name": name, "path": folder, "source_info": {"dataset": {"name": "fields"}},
                     "slots": [{"type": "image", "slot_name": "0", "width": W, "height": H,
                                "source_files": [{"file_name": name, "url": "https://darwin.v7labs.com/x"}]}]},
            "annotations": annotations}


# a field (a square with a square hole), a road (a box), a tree (an ellipse), a tag without area
SQUARE_WITH_HOLE = {"name": "field", "id": "a1", "slot_names": ["0"],
                    "bounding_box": {"x": 2, "y": 2, "w": 10, "h": 10},
                    "polygon": {"paths": [points((2, 2), (12, 2), (12, 12), (2, 12)),
                                          points((5, 5), (9, 5), (9, 9), (5, 9))]}}
ROAD = {"name": "road", "id": "a2", "slot_names": ["0"], "bounding_box": {"x": 14, "y": 0, "w": 3, "h": 20}}
TAG = {"name": "sunny", "id": "a3", "slot_names": ["0"], "tag": {}}


def expected_first() -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    labels[2:13, 2:13] = 1  # field (classes sorted: field 1, road 2)
    labels[5:10, 5:10] = 0  # the hole, its outline included (even-odd: both paths cover it)
    labels[0:20, 14:18] = 2  # road, drawn later
    return labels


def pulled_dataset(root: Path) -> None:
    """darwin-py's `dataset pull`: images/ and releases/<version>/annotations/, latest a link."""
    photo(root / "images" / "a.jpg", 0)
    photo(root / "images" / "b.jpg", 1)
    for version in ("v1", "v2"):
        folder = root / "releases" / version / "annotations"
        folder.mkdir(parents=True)
        (folder / "a.json").write_text(json.dumps(darwin2("a.jpg", [SQUARE_WITH_HOLE, ROAD, TAG])))
        (folder / "b.json").write_text(json.dumps(darwin2("b.jpg", [ROAD] if version == "v2" else [])))
    (root / "releases" / "latest").symlink_to("v2")


def test_a_pulled_dataset_reads_its_latest_release(tmp_path: Path) -> None:
    pulled_dataset(tmp_path)
    index = discover(tmp_path)
    assert index.format == "darwin" and index.classes.names == ("background", "field", "road")
    masks = {p.image.name: read_mask(p.mask, index.mapping) for p in index.pairs}
    assert sorted(masks) == ["a.jpg", "b.jpg"]
    assert np.array_equal(masks["a.jpg"], expected_first())
    road = np.zeros((H, W), np.int64)
    road[:, 14:18] = 2  # v2's b.json; v1's has no annotation
    assert np.array_equal(masks["b.jpg"], road)


def test_darwin_1_polygons_complex_polygons_and_ellipses(tmp_path: Path) -> None:
    photo(tmp_path / "images" / "c.png")
    annotations = [
        {"name": "field", "polygon": {"path": points((2, 2), (12, 2), (12, 12), (2, 12)),
                                      "additional_paths": [points((5, 5), (9, 5), (9, 9), (5, 9))]}},
        {"name": "pond", "complex_polygon": {"path": [points((14, 2), (20, 2), (20, 8), (14, 8))]}},
        {"name": "tree", "ellipse": {"center": {"x": 6, "y": 16}, "radius": {"x": 3, "y": 2}, "angle": 0}},
    ]
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "c.json").write_text(json.dumps(
        {"dataset": "fields", "image": {"width": W, "height": H, "original_filename": "c.png", "filename": "c.png",
                                        "url": "https://x"}, "annotations": annotations}))
    index = discover(tmp_path)
    assert index.format == "darwin" and index.classes.names == ("background", "field", "pond", "tree")
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert np.array_equal(mask[:13, :13], expected_first()[:13, :13])
    assert (mask[2:9, 14:21] == 2).all() and (mask[14:19, 3:10] == 3).sum() >= 20 and mask[16, 6] == 3


def test_the_raster_layer_paints_mask_annotations_under_polygons(tmp_path: Path) -> None:
    photo(tmp_path / "images" / "d.jpg")
    values = np.zeros((H, W), np.int64)
    values[10:, :] = 1  # sky's value
    values[:, :5] = 2  # water's value
    flat = values.ravel()
    changes = np.flatnonzero(np.diff(flat)) + 1
    starts = np.concatenate([[0], changes])
    lengths = np.diff(np.concatenate([starts, [flat.size]]))
    dense = [int(v) for s, n in zip(starts, lengths) for v in (flat[s], n)]
    annotations = [{"name": "sky", "id": "m1", "mask": {"sparse_rle": None}, "slot_names": ["0"]},
                   {"name": "water", "id": "m2", "mask": {"sparse_rle": None}, "slot_names": ["0"]},
                   {"name": "__raster_layer__", "id": "r", "slot_names": ["0"],
                    "raster_layer": {"dense_rle": dense, "mask_annotation_ids_mapping": {"m1": 1, "m2": 2},
                                     "total_pixels": H * W}},
                   {"name": "boat", "polygon": {"paths": [points((8, 12), (12, 12), (12, 16), (8, 16))]}}]
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "d.json").write_text(json.dumps(darwin2("d.jpg", annotations)))
    index = discover(tmp_path)
    assert index.classes.names == ("background", "boat", "sky", "water")
    expected = np.select([values == 1, values == 2], [2, 3], 0)
    expected[12:17, 8:13] = 1
    assert np.array_equal(read_mask(index.pairs[0].mask, index.mapping), expected)


def test_a_raster_layer_of_the_wrong_size_is_a_finding(tmp_path: Path) -> None:
    for name, total in (("e.jpg", 7), ("f.jpg", H * W)):
        photo(tmp_path / "images" / name)
        layer = {"name": "__raster_layer__", "raster_layer": {"dense_rle": [1, total], "mask_annotation_ids_mapping":
                                                              {"m": 1}, "total_pixels": total}}
        (tmp_path / "annotations").mkdir(exist_ok=True)
        (tmp_path / "annotations" / f"{name[0]}.json").write_text(json.dumps(darwin2(name, [
            {"name": "sky", "id": "m", "mask": {}}, layer])))
    index = discover(tmp_path)
    assert [p.image.name for p in index.pairs] == ["f.jpg"]
    assert [(p.path.name, p.code) for p in index.problems] == [("e.jpg", "unreadable")]
    assert "runs cover 7 pixels" in index.problems[0].message


def test_boxes_only_are_refused_as_a_detection_dataset(tmp_path: Path) -> None:
    photo(tmp_path / "images" / "a.jpg")
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "a.json").write_text(json.dumps(darwin2("a.jpg", [ROAD, TAG])))
    with pytest.raises(DataError, match="1 bounding boxes and no polygon or mask: a detection dataset"):
        discover(tmp_path)


def test_it_trains_end_to_end(tmp_path: Path) -> None:
    pulled_dataset(tmp_path / "data")
    for i in range(6):  # more images, so that every split has one
        name = f"x{i}.jpg"
        photo(tmp_path / "data" / "images" / name, 10 + i)
        (tmp_path / "data" / "releases" / "v2" / "annotations" / f"x{i}.json").write_text(
            json.dumps(darwin2(name, [SQUARE_WITH_HOLE, ROAD])))
    assert main(["train", str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--model", "unet_small",
                 "--model-option", "widths=[8,16]", "--epochs", "1", "--batch-size", "2", "--no-progress",
                 "--no-plan", "--precision", "fp32", "--size", "16x16"]) == 0
    assert list(json.loads((tmp_path / "run" / "metrics.json").read_text())["classes"]) == ["background", "field",
                                                                                            "road"]
