"""Ultralytics YOLO segmentation labels read as class-index masks: Ultralytics' and Roboflow's
layouts, data.yaml's names in both forms, smaller objects over larger, images without labels,
and detection boxes refused with the reason.

Images are 40 x 60; outlines are fractions chosen to land on whole pixels, so every painted
pixel is worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 40, 60
LEAF = "0 0.1 0.1 0.9 0.1 0.9 0.9 0.1 0.9"  # x 6..54, y 4..36
SPOT = "1 0.4 0.4 0.6 0.4 0.6 0.6 0.4 0.6"  # x 24..36, y 16..24


def truth(leaf: bool = True, spot: bool = True) -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    if leaf:
        labels[4:37, 6:55] = 1
    if spot:
        labels[16:25, 24:37] = 2
    return labels


def write(image: Path, label: Path | None, lines: list[str], seed: int = 0) -> None:
    image.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(image)
    if label is not None:
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text("".join(f"{line}\n" for line in lines))


def test_ultralytics_layout_paints_smaller_objects_over_larger(tmp_path):
    root = tmp_path / "leaves"
    for split, count in (("train", 3), ("val", 2)):
        for i in range(count):
            # the spot first, the leaf after it: the leaf must not cover the spot
            write(root / "images" / split / f"{i}.jpg", root / "labels" / split / f"{i}.txt", [SPOT, LEAF], i)
    (root / "data.yaml").write_text("path: ../leaves\ntrain: images/train\nval: images/val\nnames:\n  0: leaf\n  1: spot\n")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "yolo" and index.classes.names == ("background", "leaf", "spot")
    assert sorted(p.split for p in index.pairs) == ["train", "train", "train", "val", "val"]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), truth(), err_msg=pair.name)


def test_roboflow_layout_with_unlabelled_test_images_and_an_unlabelled_train_image(tmp_path):
    root = tmp_path / "export"
    write(root / "train" / "images" / "a_jpg.rf.1.jpg", root / "train" / "labels" / "a_jpg.rf.1.txt", [LEAF])
    write(root / "train" / "images" / "b_jpg.rf.2.jpg", None, [])  # no label file: all background
    write(root / "valid" / "images" / "c_jpg.rf.3.jpg", root / "valid" / "labels" / "c_jpg.rf.3.txt", [LEAF, SPOT])
    write(root / "test" / "images" / "d_jpg.rf.4.jpg", None, [])  # no labels/ folder: unlabelled
    (root / "data.yaml").write_text("train: ../train/images\nval: ../valid/images\nnc: 2\nnames: ['leaf', 'spot']\n")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    masks = {p.name: read_mask(p.mask, index.mapping) for p in index.pairs}
    np.testing.assert_array_equal(masks["a_jpg.rf.1"], truth(spot=False))
    np.testing.assert_array_equal(masks["b_jpg.rf.2"], truth(leaf=False, spot=False))
    np.testing.assert_array_equal(masks["c_jpg.rf.3"], truth())
    assert [p.name for p in index.unlabelled] == ["d_jpg.rf.4.jpg"]
    assert {p.name: p.split for p in index.pairs}["c_jpg.rf.3"] == "val"


def test_without_data_yaml_classes_are_numbered(tmp_path):
    for i in range(2):
        write(tmp_path / "d" / "images" / f"{i}.png", tmp_path / "d" / "labels" / f"{i}.txt", [SPOT])
    index = discover(tmp_path / "d", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "class_0", "class_1")


@pytest.mark.parametrize("line, message", [
    ("0 0.5 0.5 0.2 0.2", "holds a detection box"),
    ("0 0.1 0.1 0.9", "expected a class and x y pairs"),
    ("leaf 0.1 0.1 0.9 0.1 0.9 0.9", "expected a class and x y pairs"),
])
def test_boxes_and_broken_lines_are_refused_by_file_and_line(tmp_path, line, message):
    write(tmp_path / "d" / "images" / "0.jpg", tmp_path / "d" / "labels" / "0.txt", [LEAF])
    write(tmp_path / "d" / "images" / "1.jpg", tmp_path / "d" / "labels" / "1.txt", [LEAF, line])
    with pytest.raises(DataError, match=rf"1\.txt' line 2.*{message}|{message}.*1\.txt"):
        discover(tmp_path / "d", cache_dir=str(tmp_path / "cache"))


def test_a_class_beyond_data_yaml_names_is_refused(tmp_path):
    write(tmp_path / "d" / "images" / "0.jpg", tmp_path / "d" / "labels" / "0.txt", [LEAF, SPOT])
    (tmp_path / "d" / "data.yaml").write_text("names: ['leaf']\n")
    with pytest.raises(DataError, match="use class 1, but the classes are background, leaf"):
        discover(tmp_path / "d", cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize("names, message", [
    ("[" * 2000, "cannot be read as YAML"),  # PyYAML's Python loader: a RecursionError traceback
    ("[" * 1500 + "]" * 1500, "'names' must list the class names"),
], ids=["open", "closed"])
def test_a_data_yaml_nested_deep_is_named_not_a_traceback(tmp_path, names, message):
    write(tmp_path / "d" / "images" / "0.jpg", tmp_path / "d" / "labels" / "0.txt", [LEAF])
    (tmp_path / "d" / "data.yaml").write_text(f"names: {names}\n")
    with pytest.raises(DataError, match=f"data.yaml'.*{message}"):
        discover(tmp_path / "d", cache_dir=str(tmp_path / "cache"))


def test_an_unreadable_image_is_a_finding_and_cached_reads_open_no_image(tmp_path, monkeypatch):
    """Sizes come from the image headers when the masks are painted, once: a second read opens no
    image (a YOLO set of 100,000 images paid a header read each per read)."""
    import PIL.Image

    root = tmp_path / "d"
    for i in range(3):
        write(root / "images" / f"{i}.jpg", root / "labels" / f"{i}.txt", [LEAF])
    (root / "images" / "2.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert [p.name for p in index.pairs] == ["0", "1"]
    assert [(p.path.name, p.code) for p in index.problems] == [("2.jpg", "unreadable")]
    opened = []
    real = PIL.Image.open
    monkeypatch.setattr(PIL.Image, "open", lambda *a, **k: opened.append(a[0]) or real(*a, **k))
    again = discover(root, cache_dir=str(tmp_path / "cache"))
    assert [p.name for p in again.pairs] == ["0", "1"] and opened == []


def test_label_studio_yolo_export_names_classes_in_classes_txt(tmp_path):
    """Label Studio's YOLO export: images/, labels/, classes.txt (a name a line) and notes.json."""
    root = tmp_path / "project-1-at-2026-12-06"
    for i in range(2):
        write(root / "images" / f"{i}.jpg", root / "labels" / f"{i}.txt", [LEAF, SPOT])
    (root / "classes.txt").write_text("leaf\nspot\n")
    (root / "notes.json").write_text('{"categories": [{"id": 0, "name": "leaf"}, {"id": 1, "name": "spot"}]}')
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "yolo" and index.classes.names == ("background", "leaf", "spot")
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), truth())


def test_multilabel_keeps_the_spot_on_the_leaf(tmp_path):
    """--task multilabel: each YOLO class its own mask, so the leaf stays whole under the spot."""
    from seglab.labelsets import unpack_numpy

    for i in range(2):
        write(tmp_path / "d" / "images" / f"{i}.jpg", tmp_path / "d" / "labels" / f"{i}.txt", [LEAF, SPOT] if i else [])
    (tmp_path / "d" / "data.yaml").write_text("names: ['leaf', 'spot']\n")
    index = discover(tmp_path / "d", task="multilabel", cache_dir=str(tmp_path / "cache"))
    assert index.mapping.multilabel and index.classes.names == ("leaf", "spot")
    channels = {p.name: unpack_numpy(read_mask(p.masks, index.mapping), 2) for p in index.pairs}
    np.testing.assert_array_equal(channels["1"][0], truth(spot=False) == 1)
    np.testing.assert_array_equal(channels["1"][1], truth(leaf=False) == 2)
    assert not channels["0"].any()


def test_text_files_not_named_after_the_images_are_no_yolo_labels(tmp_path):
    """Stanford Background's `images/0000047.jpg` + `labels/0000047.regions.txt` (a matrix of
    region ids) was taken for YOLO: every image painted all background, one class. YOLO labels
    are named after their images."""
    root = tmp_path / "iccv09Data"
    for i in range(3):
        write(root / "images" / f"{i:07d}.jpg", root / "labels" / f"{i:07d}.regions.txt", ["0 1 1", "2 2 -1"], i)
    with pytest.raises(DataError) as info:
        discover(root, cache_dir=str(tmp_path / "cache"))
    assert "yolo" not in str(info.value)
