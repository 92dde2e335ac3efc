"""`seglab predict --coco-json`: predictions as COCO objects, checked by decoding each object and
by reading the file back as a seglab dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask, read_raw_mask, write_mask_png
from seglab.data.classes import ClassSpec
from seglab.data.annotations.painted_masks import compressed_runs, object_mask
from seglab.inference.coco_results import write_coco_json
from seglab.inference.files import WrittenPrediction

COLOURS = ((0, 0, 0), (255, 0, 0), (0, 255, 0))


def predicted(folder: Path, labels: list[np.ndarray]) -> list[WrittenPrediction]:
    written = []
    for i, label in enumerate(labels):
        source = folder / f"img{i}.jpg"
        Image.fromarray(np.full((*label.shape, 3), 90, np.uint8)).save(source)
        mask = folder / "predictions" / f"img{i}_mask.png"
        mask.parent.mkdir(exist_ok=True)
        write_mask_png(mask, label, COLOURS)
        written.append(WrittenPrediction(source, mask, folder / "unused.png", None))
    return written


def test_compressed_runs_invert_object_mask():
    rng = np.random.default_rng(0)
    for shape in ((1, 1), (3, 5), (17, 9), (40, 64)):
        for density in (0.0, 0.1, 0.5, 1.0):
            on = rng.random(shape) < density
            np.testing.assert_array_equal(object_mask(compressed_runs(on), *shape), on)


def test_each_region_of_each_class_is_one_object_that_decodes_back(tmp_path):
    first = np.zeros((12, 16), np.int64)
    first[1:4, 1:5] = 1  # two regions of class 1
    first[8:11, 10:15] = 1
    first[5:7, 6:9] = 2
    written = predicted(tmp_path, [first, np.zeros((12, 16), np.int64)])
    classes = ClassSpec(("background", "scratch", "dent"))
    assert write_coco_json(written, tmp_path / "out.json", classes, multilabel=False) == 3
    data = json.loads((tmp_path / "out.json").read_text())
    assert [c["name"] for c in data["categories"]] == ["scratch", "dent"]
    assert [(i["file_name"], i["height"], i["width"]) for i in data["images"]] == [("img0.jpg", 12, 16),
                                                                                  ("img1.jpg", 12, 16)]
    objects = data["annotations"]
    assert [(o["image_id"], o["category_id"], o["area"], o["bbox"]) for o in objects] == [
        (1, 1, 12, [1, 1, 4, 3]), (1, 1, 15, [10, 8, 5, 3]), (1, 2, 6, [6, 5, 3, 2])]
    painted = np.zeros((12, 16), np.int64)
    for item in objects:
        painted[object_mask(item["segmentation"], 12, 16)] = item["category_id"]
    np.testing.assert_array_equal(painted, first)


def test_the_file_reads_back_as_a_dataset_with_the_predicted_masks(tmp_path):
    rng = np.random.default_rng(1)
    labels = [rng.integers(0, 3, (10, 14)) for _ in range(3)]
    (tmp_path / "data").mkdir()
    written = predicted(tmp_path / "data", labels)
    write_coco_json(written, tmp_path / "data" / "predictions.json", ClassSpec(("background", "a", "b")), False)
    index = discover(tmp_path / "data" / "predictions.json", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "a", "b")
    for pair, label in zip(index.pairs, labels):
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), label)


def test_predict_writes_it(trained_run, tmp_path):
    image = sorted((trained_run.parent / "data" / "images").iterdir())[0]
    out = tmp_path / "pred"
    assert main(["predict", str(trained_run), str(image), "--out", str(out), "--coco-json",
                 str(tmp_path / "coco.json")]) == 0
    data = json.loads((tmp_path / "coco.json").read_text())
    mask = read_raw_mask(out / f"{image.stem}_mask.png")
    painted = np.zeros(mask.shape, np.int64)
    for item in data["annotations"]:
        painted[object_mask(item["segmentation"], *mask.shape)] = item["category_id"]
    background = ~np.isin(mask, [c["id"] for c in data["categories"]])  # category ids are the class indices
    np.testing.assert_array_equal(painted[~background], mask[~background])
    assert (painted[background] == 0).all()
